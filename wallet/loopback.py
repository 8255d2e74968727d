"""The authorization response through a loopback redirect (RFC 8252 §7.3): the wallet listens on
``http://127.0.0.1:<port>/callback`` for the one request the person's browser makes after logging in at the
institution, and gives the URL it was called with to :func:`wallet.authorization.code_from_redirect` (which checks
``state`` and ``iss``). RFC 8252 §8.3: the loopback IP literal, not ``localhost``; §7.3: the port is chosen when
the request is made, and the authorization server accepts any port for a loopback redirect.

Edge module (a socket and a thread); the browser is opened by the caller's ``opener`` (``webbrowser.open`` on a
desktop: the system browser, RFC 8252 §8.12, never an embedded web view)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

from credential.reasons import Rejected

from . import reasons as R

CALLBACK_PATH = "/callback"
PORT_RANGE = (20000, 32000)  # below Linux's ephemeral range; a port in use is skipped, the socket kept once bound
MAX_URL = 8192
POLL_S = 0.2


class _Server(HTTPServer):
    allow_reuse_address = True  # a port left in TIME_WAIT by the last login can listen again (no other listener)

    def __init__(self, port: int, receiver: "LoopbackRedirect") -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        receiver = self.server.receiver
        path = self.path
        if len(path) > MAX_URL or urlsplit(path).path != CALLBACK_PATH:
            self._answer(404, receiver.page(False))
            return
        first = receiver._deliver(f"http://127.0.0.1:{receiver.port}{path}")
        self._answer(200 if first else 409, receiver.page(first))

    def _answer(self, status: int, html: str) -> None:
        body = html.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")  # the URL holds the code: not passed on as a referrer
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the URL holds the code: never logged
        return


def simple_page(title: str, text: str, lang: str = "en") -> str:
    return (f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>')


class LoopbackRedirect:
    """Listen on 127.0.0.1 for one authorization response. Use as a context manager; :meth:`wait` returns the
    full redirect URL, or raises ``wallet.login_cancelled`` / ``wallet.login_timeout``."""

    def __init__(self, *, port: int | None = None, page: Callable[[bool], str] | None = None) -> None:
        self.page = page or (lambda ok: simple_page("ESSPASS", "OK" if ok else "-"))
        self._got: str | None = None
        self._arrived = threading.Event()
        self._lock = threading.Lock()
        self._server = self._bind(port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_S},
                                        name="loopback-redirect", daemon=True)
        self._thread.start()

    def _bind(self, port: int | None) -> _Server:
        if port is not None:
            return _Server(port, self)
        for _ in range(200):
            try:
                return _Server(random.randint(*PORT_RANGE), self)
            except OSError:
                continue
        raise Rejected(R.LOGIN_BROWSER, "no free port on 127.0.0.1 for the redirect")

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def _deliver(self, url: str) -> bool:
        with self._lock:
            if self._got is not None:
                return False  # only the first answer counts; a second one is not the person's login
            self._got = url
        self._arrived.set()
        return True

    def wait(self, timeout: float, cancelled: threading.Event | None = None) -> str:
        step = 0.1
        waited = 0.0
        while not self._arrived.wait(step):
            waited += step
            if cancelled is not None and cancelled.is_set():
                raise Rejected(R.LOGIN_CANCELLED)
            if waited >= timeout:
                raise Rejected(R.LOGIN_TIMEOUT, f"no answer on {self.redirect_uri} within {timeout:.0f} s")
        assert self._got is not None
        return self._got

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "LoopbackRedirect":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def system_browser(receiver: LoopbackRedirect, opener: Callable[[str], bool], *, timeout: float = 600,
                   cancelled: threading.Event | None = None) -> Callable[[str], str]:
    """The ``browse`` step of :func:`wallet.authorization.receive_authorized`: open the authorization URL in the
    browser, then wait for the redirect to ``receiver``."""

    def browse(url: str) -> str:
        try:
            opened = opener(url)
        except Exception as exc:  # noqa: BLE001 - webbrowser and platform openers raise anything
            raise Rejected(R.LOGIN_BROWSER, type(exc).__name__) from None
        if opened is False:
            raise Rejected(R.LOGIN_BROWSER, "no browser could be opened")
        return receiver.wait(timeout, cancelled)

    return browse


__all__ = ["CALLBACK_PATH", "LoopbackRedirect", "simple_page", "system_browser"]
