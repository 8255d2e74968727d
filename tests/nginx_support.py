"""A real nginx on 127.0.0.1, on a free port, in a temporary directory, owned by the test (no root, no daemon).

``Nginx.start(dir, server_body)`` writes a configuration whose ``server`` block holds ``server_body`` (plus any
``http_extra``, e.g. ``upstream`` blocks) and runs ``nginx -g 'daemon off;'`` in the foreground; skipped locally
and failed in CI when nginx is missing.
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

from tests.support import free_port, skip_or_fail

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
class Nginx:
    dir: Path
    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, dir: Path, server_body: str, http_extra: str = "") -> "Nginx":
        if NGINX is None:
            skip_or_fail("nginx is not installed (Debian package nginx)")
        dir = Path(dir)
        for sub in ("logs", "tmp"):
            (dir / sub).mkdir(parents=True, exist_ok=True)
        port = free_port()
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
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return cls(dir, port, proc)
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"nginx did not start: {err[-800:]}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
