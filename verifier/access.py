"""Who may read what, and how much anyone may send (ARCHITECTURE.md: "bound every input", "never log personal data").

* **Results belong to the transaction's creator.** The transaction ID is public: it is the last part of the
  ``request_uri`` inside the ``openid4vp://`` QR code that anyone nearby can read. A decision holds personal data
  (names, date of birth), so it is released only against a second, unguessable secret, the transaction's
  ``result_token`` (256 bits from :mod:`secrets`), which is given only to the creator: in the JSON answer to
  ``POST /openid4vp/transactions`` (and a cookie scoped to that transaction's result URL), and as the path of the
  console page (``/console/t/<result_token>``). Tokens are compared in constant time.
* **The inspection records are for the console's operator**: a console access token, kept in
  ``ESSPASS_HOME/verifier/console_token`` (mode 0600, created on first use) and printed by
  ``esspass verifier serve`` as a login link that sets an ``HttpOnly`` cookie.
* **Creating transactions is tied to who asks** (issue 14 finding 4: an anonymous flood once filled the store and
  locked every inspector out). A request that authenticates, with ``Authorization: Bearer`` holding an API client's
  token (``esspass verifier add-client NAME``; kept only as SHA-256 in ``ESSPASS_HOME/verifier/clients.json``) or
  the console access token (or its cookie: the inspectors' console), starts checks under its own name and quota
  (``ESSPASS_VERIFIER_CLIENT_TRANSACTIONS`` open at once). Anonymous requests share one bounded pool
  (``ESSPASS_VERIFIER_ANONYMOUS_TRANSACTIONS``; 0 = authentication required) and are rate-limited per address.
  A wrong token is refused (401), never downgraded to anonymous. The store never evicts an unexpired transaction:
  when it is full of live ones, creation is refused (503) instead. The quotas are kept by the transaction store,
  so they hold across instances sharing Redis.
* **Request bodies are read as a stream with a limit**: a declared ``Content-Length`` above the limit is refused
  before anything is read, and a body that grows past it is refused as soon as it does (413).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path

from starlette.requests import Request

from websec import RateLimiter  # noqa: F401 - shared with the issuer; used as access.RateLimiter

TOKEN_BYTES = 32  # 256-bit secrets (≥ 128 bits required)
RESULT_COOKIE = "esspass_result"
CONSOLE_COOKIE = "esspass_console"
MAX_SMALL_BODY = 16 * 1024  # {"preset": ...} and the console's preset form


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


class BadBody(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes, read chunk by chunk: memory stays bounded whatever is sent."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BadBody("malformed Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def same(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented secret with the expected one."""
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def client_key(request: Request) -> str:
    """The client a rate limit applies to: its address (behind a reverse proxy all clients share one)."""
    return request.client.host if request.client is not None else "-"


ANONYMOUS = "anonymous"
CONSOLE = "console"
CLIENT_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class ApiClients:
    """The API clients allowed to start checks, by name: ``clients.json`` = {name: {"sha256": hex}} (mode 0600).
    Re-read when the file changes, so that a client added with the CLI, or by another instance sharing the
    directory, is known without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._mtime: int | None = None
        self._by_digest: dict[str, str] = {}
        self._lock = threading.Lock()

    def _reload(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            self._mtime, self._by_digest = None, {}
            return
        if mtime == self._mtime:
            return
        try:
            data = json.loads(self.path.read_text("utf-8"))
            self._by_digest = {v["sha256"]: name for name, v in data.items()
                               if isinstance(v, dict) and isinstance(v.get("sha256"), str)}
        except (OSError, ValueError, AttributeError):
            self._by_digest = {}  # an unreadable file authenticates nobody
        self._mtime = mtime

    def name_of(self, token: str) -> str | None:
        with self._lock:
            self._reload()
            return self._by_digest.get(token_digest(token))

    def add(self, name: str) -> str:
        """A new client ``name`` (letters, digits, ``-_.``): returns its token, shown once; replaces an old one."""
        if not name or len(name) > 64 or not set(name) <= CLIENT_NAME_CHARS:
            raise ValueError("a client name is 1-64 letters, digits, '-', '_' or '.'")
        token = new_token()
        with self._lock:
            try:
                data = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                data = {}
            data[name] = {"sha256": token_digest(token)}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".clients.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
            os.replace(tmp, self.path)
            self._mtime = None
        return token


class Unauthenticated(Exception):
    """A token was presented and is not one we know (refused, never treated as anonymous)."""


def creator(request: Request, console_token: str, clients: ApiClients) -> str:
    """Who starts a check: ``client:<name>``, ``console`` or ``anonymous``; :class:`Unauthenticated` for a
    presented token nobody holds."""
    token = bearer(request)
    if token is not None:
        if same(token, console_token):
            return CONSOLE
        name = clients.name_of(token)
        if name is None:
            raise Unauthenticated("the bearer token is neither an API client's nor the console's")
        return f"client:{name}"
    if same(request.cookies.get(CONSOLE_COOKIE), console_token):
        return CONSOLE
    return ANONYMOUS


def _read_token(path: Path) -> str | None:
    try:
        token = path.read_text("ascii").strip()
    except (OSError, UnicodeError):
        return None
    return token if len(token) >= 22 else None  # ≥ 128 bits of base64url


def load_console_token(state_dir: Path) -> str:
    """The console access token in ``state_dir/console_token`` (mode 0600), created when missing.

    Instances sharing a home start together (scale-out): the first to create the file wins and every other one
    reads the winner's token. The file is written aside, then *linked* into place, which fails when it exists;
    a replace would let each instance keep a token of its own, and the console would work on one instance only."""
    path = Path(state_dir) / "console_token"
    token = _read_token(path)
    if token is not None:
        os.chmod(path, 0o600)
        return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = new_token()
    tmp = path.with_name(f".console_token.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    try:
        os.link(tmp, path)
        return token
    except FileExistsError:
        won = _read_token(path)
        if won is None:  # a damaged file from before (too short, not ASCII): replaced, as it always was
            os.replace(tmp, path)
            return token
        return won
    finally:
        tmp.unlink(missing_ok=True)
