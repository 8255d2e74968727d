"""Real services on 127.0.0.1 for the scale-out tests and benchmarks: Redis, nginx, and processes of ours.

Each runs in a directory of its own on a free port, in the foreground, owned by whoever started it (no root, no
daemon, nothing left behind): ``RedisServer.start(dir)``, ``Nginx.start(dir, server_body, http_extra)``. A missing
program raises :class:`ServiceMissing` (the tests turn it into a skip locally and a failure in CI).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class ServiceMissing(Exception):
    pass


_HANDED_OUT: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago, for a server started next.

    Chosen below the kernel's ephemeral range: a port the kernel picks for ``bind(0)`` is one it also gives to
    outgoing connections (HTTP, Redis and PostgreSQL clients of the same test run), which can take it before the
    server binds it ("address already in use", seen in CI). Ports handed out in this process are not reused."""
    import random

    top = min(_ephemeral_start(), 65535) - 1
    low = max(1024, top - 12000)
    for _ in range(500):
        port = random.randint(low, top)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port on 127.0.0.1 between {low} and {top}")


def wait_for_port(port: int, proc: subprocess.Popen | None, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.05)


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
            raise ServiceMissing("redis-server is not installed (Debian package redis-server)")
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


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def upstream(name: str, ports: list[int]) -> str:
    """Round-robin over local instances; a dead one is skipped for 2 s after a failed connection."""
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in ports)
    return f"upstream {name} {{\n{servers}    keepalive 32;\n}}\n"


def proxy(name: str) -> str:
    # a refused connection is retried on the other instance (nothing was sent, so even a POST is safe)
    return (f"location / {{\n    proxy_pass http://{name};\n    proxy_http_version 1.1;\n"
            "    proxy_set_header Connection \"\";\n    proxy_set_header Host $http_host;\n"
            "    proxy_next_upstream error timeout;\n    proxy_connect_timeout 1s;\n    proxy_read_timeout 30s;\n}\n")


@dataclass
class Listening:
    """A process of ours listening on 127.0.0.1:``port``."""

    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Nginx(Listening):
    dir: Path = Path(".")

    @classmethod
    def start(cls, dir: Path, server_body: str, http_extra: str = "", port: int | None = None) -> "Nginx":
        if NGINX is None:
            raise ServiceMissing("nginx is not installed (Debian package nginx)")
        dir = Path(dir)
        for sub in ("logs", "tmp"):
            (dir / sub).mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        conf = dir / "nginx.conf"
        # as root, nginx's workers would run as nobody and not see a test's private temporary directory
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}worker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log off;\n  client_body_temp_path {dir}/tmp/body;\n  proxy_temp_path {dir}/tmp/proxy;\n"
            f"  fastcgi_temp_path {dir}/tmp/fcgi;\n  uwsgi_temp_path {dir}/tmp/uwsgi;\n  scgi_temp_path {dir}/tmp/scgi;\n"
            f"  keepalive_requests 100000;\n{http_extra}\n"
            f"  server {{\n    listen 127.0.0.1:{port};\n{server_body}\n  }}\n}}\n")
        proc = subprocess.Popen([NGINX, "-p", str(dir), "-c", str(conf), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(port, proc, 10)
        except RuntimeError:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr and proc.poll() is not None else ""
            proc.kill()
            raise RuntimeError(f"nginx did not start: {err[-800:]}") from None
        return cls(port, proc, dir)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class Instance(Listening):
    """One ``esspass <service> serve`` process group (uvicorn's workers included), killed as a whole."""

    name: str = ""
    log: Path | None = None

    def wait_listening(self, timeout_s: float) -> None:
        """Until it listens; if it exits or never does, the error carries the end of its log (the reason)."""
        try:
            wait_for_port(self.port, self.proc, timeout_s)
        except RuntimeError:
            raise RuntimeError(f"{self.name} (exit code {self.proc.poll()}) does not listen on 127.0.0.1:{self.port}; "
                               f"the end of its log:\n{self.log_tail()}") from None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:] if self.log else "(no log)"
        except OSError as exc:
            return f"(log unreadable: {exc})"

    def lost_its_port(self) -> bool:
        """Exited because another process took its port between :func:`free_port` and its bind."""
        return self.proc.poll() is not None and "address already in use" in self.log_tail().lower()

    def kill9(self) -> None:
        """SIGKILL to the whole process group: the instance dies as a crashed machine's would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()


def start_instance(name: str, args: list[str], env: dict[str, str], log: Path, port: int | None = None) -> Instance:
    """``python -m esspass.cli <args> --port P`` in its own session (so that :meth:`Instance.kill9` reaches
    every worker). Does not wait: call :func:`wait_for_port`."""
    import sys

    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "esspass.cli", *args, "--port", str(port)],
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return Instance(port, proc, name, log)


def start_listening(name: str, args: list[str], env: dict[str, str], log: Path, timeout_s: float,
                    port: int | None = None) -> Instance:
    """:func:`start_instance`, waited for. A port taken by another process between :func:`free_port` and the
    instance's bind is a race of the machine, not a fault of ours: then once more on another port (the caller
    reads the port from the returned instance)."""
    for attempt in range(3):
        inst = start_instance(name, args, env, log, port if attempt == 0 else None)
        try:
            inst.wait_listening(timeout_s)
            return inst
        except RuntimeError:
            if attempt == 2 or not inst.lost_its_port():
                raise
    raise AssertionError("unreachable")
