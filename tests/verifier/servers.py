"""Real HTTP servers on loopback for the verifier tests (uvicorn in a thread, or a tiny status-list server)."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from contextlib import contextmanager

import uvicorn
from tests.support import free_port  # noqa: F401 - re-exported to this package's tests



class Clock:
    def __init__(self, t: int) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@contextmanager
def serve_app(app, port: int):
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class StatusServer:
    """Serves Status List Tokens by path, with ETag and conditional GET; counts requests."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.requests: list[tuple[str, int]] = []  # (path, status code)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                token = outer.tokens.get(self.path)
                if token is None:
                    outer.requests.append((self.path, 404))
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(token.encode()).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    outer.requests.append((self.path, 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = token.encode()
                outer.requests.append((self.path, 200))
                self.send_response(200)
                self.send_header("Content-Type", "application/statuslist+jwt")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "StatusServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
