"""Run an ASGI app with uvicorn in a background thread on a loopback port (demo and tests).

The socket is bound before the app is built, so the app can be told its own public URL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def bind_loopback(port: int = 0) -> socket.socket:
    """Bind ``port`` on 127.0.0.1, or any free port when it is 0 or already taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        if port == 0:
            raise
        sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def serve_in_thread(make_app: Callable[[str], Any], port: int = 0, startup_timeout: float = 30.0) -> Iterator[str]:
    """Yield the base URL of ``make_app(base_url)`` served on 127.0.0.1 until the block ends."""
    import uvicorn

    sock = bind_loopback(port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # no proxy in front: forwarded headers are not believed from anybody (deployment.startup.uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(make_app(url), log_level="warning", lifespan="on", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server for {url} did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
