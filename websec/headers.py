"""Security response headers as one ASGI middleware (issue 14 finding 11).

- ``Content-Security-Policy`` (CSP Level 3, W3C): everything from the service's own origin only,
  no inline script or style (``script-src 'self'``, ``style-src 'self'``: the pages load their
  script and style sheets as files), ``frame-ancestors 'none'`` (no framing: clickjacking),
  ``form-action 'self'``, ``base-uri 'none'``, ``object-src 'none'``. ``img-src`` also allows
  ``data:`` for inline QR images.
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors`` (RFC 7034).
- ``X-Content-Type-Options: nosniff`` (Fetch standard, §"X-Content-Type-Options").
- ``Referrer-Policy: no-referrer`` (W3C Referrer Policy): capability URLs (the console's result
  pages, credential offers) never leak in a Referer header.
- ``Strict-Transport-Security`` (RFC 6797) only when the service is reached over https: its public
  URL is https (TLS ends at a proxy in front of it) or the request itself came over https. RFC 6797
  §7.2: an HSTS host must not send the header over plain http, so it is left out otherwise.

A header the application set itself is kept (a route may be stricter or looser on purpose).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HSTS = "max-age=31536000"  # one year (RFC 6797 §6.1.1); no includeSubDomains: the operator's domain policy

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    """The headers for one response (pure): the base set, plus HSTS under https."""
    out = list(BASE_HEADERS)
    if https:
        out.append((b"strict-transport-security", HSTS.encode()))
    return out


class SecurityHeaders:
    """ASGI middleware adding :func:`security_headers` to every HTTP response. ``public_url``: the
    service's public base URL; https there (or on the request) turns HSTS on."""

    def __init__(self, app: Callable[..., Awaitable[None]], public_url: str) -> None:
        self.app = app
        self.public_https = public_url.lower().startswith("https://")

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.public_https or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in security_headers(https) if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def cookie_secure(public_url: str, request_scheme: str) -> bool:
    """Cookies carry ``Secure`` (RFC 6265 §4.1.2.5) whenever the service is used over https."""
    return public_url.lower().startswith("https://") or request_scheme == "https"
