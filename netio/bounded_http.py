"""One bounded HTTP client for everything ESSPASS fetches from a URL it was given (trust lists, Status List
Tokens, a wallet's request_uri / credential offer / issuer metadata, and the wallet's posts).

What is bounded, and how:

* **URL policy** (:func:`check_url`, pure): an absolute ``https`` URL of at most ``max_url_chars`` with a host and
  no user information; plain ``http`` only to a loopback host (``127.0.0.0/8``, ``::1``, ``localhost``) and only
  when the policy allows loopback (demo mode, tests). The URL is parsed twice (``urllib`` and ``httpx``) and refused
  when the two readings disagree on scheme, host or port, so the host we check is the host we connect to.
* **Address policy**: the transport built by :func:`new_client` resolves the host itself, refuses loopback
  addresses and private / link-local / reserved ones (RFC 6890 special-purpose registries, as
  :mod:`ipaddress` knows them) unless the policy allows them, and connects to the address it checked, so a DNS
  answer cannot change between the check and the connection (no rebinding window).
* **Size**: the declared ``Content-Length`` is checked first and the body is counted while it streams; the
  transfer stops at ``max_bytes + 1``. ``Accept-Encoding: identity`` is sent so a small compressed body cannot
  inflate into a large one.
* **Time**: connect and read timeouts per socket operation, and one overall deadline for the whole exchange
  (redirects included). On the transport of :func:`new_client` every socket read and write is cut to what is left
  of the deadline, so a server trickling one byte at a time cannot hold the caller past it (with a caller's own
  client the overshoot is at most one read timeout).
* **Redirects**: none (``max_redirects=0``) or to the same origin only (scheme, host and port unchanged), at most
  ``max_redirects`` of them; a redirect to another host is refused, never followed (RFC 9110 §15.4 leaves
  following to the client).
* **TLS**: verified against the system trust store (:func:`ssl.create_default_context`, which also honours
  ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or against one CA bundle file when configured. Environment proxies are not
  used (they would bypass the address policy).

Failures are typed (:class:`NetIOError` and its subclasses), so callers can map each to their own reason code.
A caller may pass its own ``httpx.Client`` (tests with ``httpx.MockTransport``); URL, redirect, size and time
bounds still apply, the address policy is then the client's business.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

__all__ = [
    "AddressRefused", "Fetched", "Limits", "NetIOError", "RedirectRefused", "Target", "TimedOut", "TooLarge",
    "TransportFailed", "UrlPolicy", "UrlRefused", "address_kind", "check_url", "deadline_scope", "get", "new_client",
    "request", "ssl_context", "time_left",
]

MAX_URL_CHARS = 2048
LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
DEFAULT_PORTS = {"http": 80, "https": 443}


# ---------------------------------------------------------------- typed failures


class NetIOError(Exception):
    """Base of every failure of a bounded fetch; ``str()`` is a short technical detail for logs."""


class UrlRefused(NetIOError):
    """The URL breaks the URL policy (scheme, host, length, user information, ambiguous parse)."""


class AddressRefused(UrlRefused):
    """The host is, or resolves to, an address the policy does not allow (loopback, private, link-local ...)."""


class RedirectRefused(NetIOError):
    """A redirect to another origin, or more redirects than allowed."""


class TooLarge(NetIOError):
    """The body is larger than ``max_bytes`` (declared or counted while streaming)."""


class TimedOut(NetIOError):
    """A connect or read timeout, or the overall deadline passed."""


class TransportFailed(NetIOError):
    """Connection refused or reset, TLS failure, protocol error."""


# ---------------------------------------------------------------- policies


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """Which URLs and addresses may be fetched. The default is the production rule: https to public addresses."""

    allow_loopback: bool = False  # loopback addresses, and plain http to a loopback host (demo mode, tests)
    allow_private: bool = False  # private, link-local, shared and reserved addresses (over https)
    max_url_chars: int = MAX_URL_CHARS


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    total_timeout: float = 15.0  # the whole exchange, redirects included
    max_redirects: int = 0  # 0: none; else same-origin redirects only, at most this many


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed :func:`check_url`."""

    url: str
    scheme: Literal["http", "https"]
    host: str  # lower case; IPv6 without brackets
    port: int

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A complete, bounded response."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str  # after same-origin redirects

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


# ---------------------------------------------------------------- pure URL policy


def address_kind(address: str) -> Literal["loopback", "private", "public"]:
    """Classify an IP address (IPv4-mapped IPv6 is judged as the IPv4 address it carries)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_global and not ip.is_multicast:
        return "public"
    return "private"


def _address_allowed(kind: str, policy: UrlPolicy) -> bool:
    return kind == "public" or (kind == "loopback" and policy.allow_loopback) or (
        kind == "private" and policy.allow_private)


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def check_url(url: object, policy: UrlPolicy = UrlPolicy()) -> Target:
    """Check ``url`` against ``policy`` without any I/O. Raises :class:`UrlRefused` (or :class:`AddressRefused` for
    an IP literal the policy does not allow)."""
    if not isinstance(url, str) or not url:
        raise UrlRefused("URL missing")
    if len(url) > policy.max_url_chars:
        raise UrlRefused("URL too long")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F or c == "\\" for c in url) or not url.isascii():
        raise UrlRefused("URL holds spaces, control characters, backslashes or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise UrlRefused("URL does not parse") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlRefused("URL must be https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("URL must not carry user information")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefused("URL has no host")
    port = port if port is not None else DEFAULT_PORTS[scheme]
    # both parsers must read the same origin (no parser-differential tricks)
    if (parsed.scheme, parsed.host.lower(), parsed.port or DEFAULT_PORTS[scheme]) != (scheme, host, port):
        raise UrlRefused("URL is ambiguous")
    literal = _ip_literal(host)
    if literal is not None:
        if not _address_allowed(address_kind(literal), policy):
            raise AddressRefused(f"address {literal} not allowed")
        loopback_host = address_kind(literal) == "loopback"
    else:
        last = host.rstrip(".").rsplit(".", 1)[-1]
        if host.startswith(".") or ".." in host or not all(c.isalnum() or c in "-." for c in host) \
                or last.isdigit() or last.startswith("0x"):
            # a numeric last label is no DNS name (RFC 1123 §2.1) but an IPv4 address in another spelling
            # ("2130706433", "127.1", "0x7f.1"): the resolver would read it as one
            raise UrlRefused("URL host is not a host name")
        loopback_host = host in LOOPBACK_NAMES
        if loopback_host and not policy.allow_loopback:
            raise AddressRefused("loopback host not allowed")
    if scheme == "http" and not (loopback_host and policy.allow_loopback):
        raise UrlRefused("URL must be https")
    return Target(url, scheme, host, port)  # type: ignore[arg-type]


# ---------------------------------------------------------------- transport with the address policy


_deadline = threading.local()  # the overall deadline of the exchange running in this thread (monotonic)


@contextmanager
def deadline_scope(seconds: float) -> Iterator[float]:
    """Every bounded exchange this thread makes inside the ``with`` ends by ``now + seconds`` (or by an enclosing
    scope's earlier deadline), e.g. all the fetches of one verification. Yields the deadline (monotonic)."""
    outer = getattr(_deadline, "end", None)
    end = time.monotonic() + seconds
    _deadline.end = end if outer is None else min(outer, end)
    try:
        yield _deadline.end
    finally:
        _deadline.end = outer


def time_left() -> float | None:
    """Seconds left before this thread's deadline (never negative), or None outside any deadline scope."""
    end = getattr(_deadline, "end", None)
    return None if end is None else max(0.0, end - time.monotonic())


def _cut(timeout: float | None) -> float | None:
    end = getattr(_deadline, "end", None)
    if end is None:
        return timeout
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the running exchange's deadline, so a
    server trickling one byte at a time cannot stretch the exchange."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cut(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cut(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _cut(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CheckingBackend(httpcore.NetworkBackend):
    """Resolves the host, checks every candidate address, connects only to an allowed one."""

    def __init__(self, policy: UrlPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        refused: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            address = str(sockaddr[0])
            if not _address_allowed(address_kind(address), self.policy):
                refused.append(address)
                continue
            return _DeadlineStream(self._inner.connect_tcp(address, port, timeout=_cut(timeout),
                                                           local_address=local_address,
                                                           socket_options=socket_options))
        raise AddressRefused(f"{host} resolves only to addresses not allowed ({', '.join(refused[:3])})")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets not allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CheckingTransport(httpx.HTTPTransport):
    def __init__(self, policy: UrlPolicy, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        # the one change to httpx's own transport: its connection pool connects through the checking backend
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, max_connections=20,
                                             max_keepalive_connections=5, keepalive_expiry=5.0,
                                             network_backend=_CheckingBackend(policy))


def ssl_context(ca_bundle: Path | str | None = None) -> ssl.SSLContext:
    """System trust store, or exactly the CAs of ``ca_bundle`` (a PEM file)."""
    if ca_bundle is None:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(ca_bundle))


def new_client(policy: UrlPolicy = UrlPolicy(), *, ca_bundle: Path | str | None = None,
               headers: dict[str, str] | None = None) -> httpx.Client:
    """An ``httpx.Client`` whose connections obey ``policy``'s address rules; redirects are handled by
    :func:`request`, never by the client."""
    return httpx.Client(transport=_CheckingTransport(policy, ssl_context(ca_bundle)), follow_redirects=False,
                        trust_env=False, headers=headers or {})


# ---------------------------------------------------------------- the fetch


def _timeouts(limits: Limits, remaining: float) -> dict[str, float]:
    remaining = max(remaining, 0.001)
    return {"connect": min(limits.connect_timeout, remaining), "read": min(limits.read_timeout, remaining),
            "write": min(limits.read_timeout, remaining), "pool": min(limits.connect_timeout, remaining)}


def request(client: httpx.Client, method: str, url: str, *, policy: UrlPolicy = UrlPolicy(),
            limits: Limits = Limits(), headers: dict[str, str] | None = None, deadline: float | None = None,
            **body: Any) -> Fetched:
    """One bounded exchange. ``deadline`` (a :func:`time.monotonic` value) can cut the limits' total time shorter,
    e.g. to the deadline of a whole verification. ``body`` is ``content=``, ``data=`` or ``json=``."""
    end = time.monotonic() + limits.total_timeout
    if deadline is not None:
        end = min(end, deadline)
    outer = getattr(_deadline, "end", None)
    if outer is not None:
        end = min(end, outer)
    _deadline.end = end
    try:
        return _exchange(client, method, url, policy, limits, headers, end, body)
    finally:
        _deadline.end = outer


def _exchange(client: httpx.Client, method: str, url: str, policy: UrlPolicy, limits: Limits,
              headers: dict[str, str] | None, end: float, body: dict[str, Any]) -> Fetched:
    clock = time.monotonic
    target = check_url(url, policy)
    first = target
    sent_headers = {"Accept-Encoding": "identity", **(headers or {})}
    for _hop in range(limits.max_redirects + 1):
        remaining = end - clock()
        if remaining <= 0:
            raise TimedOut("deadline passed")
        try:
            req = client.build_request(method, target.url, headers=sent_headers, timeout=None, **body)
            req.extensions["timeout"] = _timeouts(limits, remaining)
            response = client.send(req, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise TimedOut(f"{type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise TransportFailed(f"{type(exc).__name__}: {exc}") from None
        try:
            if response.is_redirect and "location" in response.headers:
                nxt = urljoin(target.url, response.headers["location"])
                try:
                    following = check_url(nxt, policy)
                except UrlRefused as exc:
                    raise RedirectRefused(f"redirect to a refused URL: {exc}") from None
                if following.origin != first.origin:
                    raise RedirectRefused("redirect to another origin")
                if limits.max_redirects == 0:
                    raise RedirectRefused("redirects are not followed")
                target = following
                if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                    method, body = "GET", {}
                continue
            return Fetched(response.status_code, response.headers, _read(response, limits, end, clock),
                           target.url)
        finally:
            response.close()
    raise RedirectRefused(f"more than {limits.max_redirects} redirects")


def _read(response: httpx.Response, limits: Limits, end: float, clock: Any) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limits.max_bytes:
        raise TooLarge(f"declared {int(declared)} bytes, above the size limit of {limits.max_bytes}")
    body = bytearray()
    try:
        for chunk in _chunks(response):
            body.extend(chunk)
            if len(body) > limits.max_bytes:
                raise TooLarge(f"more than {limits.max_bytes} bytes, the size limit")
            remaining = end - clock()
            if remaining <= 0:
                raise TimedOut("deadline passed while reading")
    except httpx.TimeoutException as exc:
        raise TimedOut(type(exc).__name__) from None
    except httpx.HTTPError as exc:
        raise TransportFailed(f"{type(exc).__name__}: {exc}") from None
    return bytes(body)


def _chunks(response: httpx.Response) -> Any:
    try:
        yield from response.iter_raw()
    except httpx.StreamConsumed:  # a transport that hands over a complete body (httpx.MockTransport in tests)
        yield response.content


def get(client: httpx.Client, url: str, **kwargs: Any) -> Fetched:
    return request(client, "GET", url, **kwargs)
