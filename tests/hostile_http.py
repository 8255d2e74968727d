"""A real HTTP(S) server on 127.0.0.1 that misbehaves on request: trickles, oversizes, redirects elsewhere.

Shared by the bounded-HTTP tests and the verifier's slow-status-host tests. Paths:
``/ok`` (small body), ``/big`` (declared oversized), ``/big-undeclared`` (oversized, no Content-Length),
``/trickle`` (one byte every ``trickle_s``), ``/redirect-same`` (to ``/ok``), ``/redirect-other`` (to the same
port under the host name ``localhost``: another origin), ``/loop`` (redirects to itself), and any path set in
``bodies`` (served as is, counted in ``hits``).
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections import Counter


class HostileServer:
    def __init__(self, *, trickle_s: float = 0.5, big: int = 4 * 1024 * 1024,
                 tls: ssl.SSLContext | None = None) -> None:
        self.trickle_s = trickle_s
        self.big = big
        self.bodies: dict[str, bytes] = {}
        self.hits: Counter[str] = Counter()
        self.stop = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                outer.hits[path] += 1
                port = self.server.server_address[1]
                scheme = "https" if tls else "http"
                if path in outer.bodies:
                    self._send(200, outer.bodies[path])
                elif path == "/ok":
                    self._send(200, b"hello", {"ETag": '"v1"'})
                elif path == "/big":
                    self.send_response(200)
                    self.send_header("Content-Length", str(outer.big))
                    self.end_headers()
                    self._write_until_closed(b"x" * outer.big)
                elif path == "/big-undeclared":
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    self._write_until_closed(b"x" * outer.big)
                elif path == "/trickle":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(1000):
                        if outer.stop.wait(outer.trickle_s):
                            break
                        if not self._write_until_closed(b"x"):
                            break
                    self.close_connection = True
                elif path == "/redirect-same":
                    self._send(302, headers={"Location": "/ok"})
                elif path == "/redirect-other":
                    self._send(302, headers={"Location": f"{scheme}://localhost:{port}/ok"})
                elif path == "/loop":
                    self._send(302, headers={"Location": "/loop"})
                else:
                    self._send(404)

            def _write_until_closed(self, data: bytes) -> bool:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                    return True
                except OSError:
                    return False

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "HostileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
