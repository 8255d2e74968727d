"""A real ``redis-server`` on 127.0.0.1, on a free port, in a temporary directory, owned by the test.

``RedisServer.start(dir)`` starts one (skipped locally, failed in CI when ``redis-server`` is missing);
``stop()`` ends it; ``kill()`` ends it with SIGKILL (a crash); ``start_again()`` restarts it on the same port
(nothing persisted: a restarted Redis is empty, as a cache-only deployment would be).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port, skip_or_fail


@dataclass
class RedisServer:
    dir: Path
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, dir: Path) -> "RedisServer":
        if shutil.which("redis-server") is None:
            skip_or_fail("redis-server is not installed (Debian package redis-server)")
        server = cls(Path(dir), free_port())
        server.start_again()
        return server

    def start_again(self, timeout_s: float = 10.0) -> None:
        import redis

        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--maxmemory", "64mb",
             "--maxmemory-policy", "noeviction", "--daemonize", "no", "--loglevel", "warning",
             "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {(self.dir / 'redis.log').read_text()[-500:]}")
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
