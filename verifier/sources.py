"""Where the verifier gets its data: Status List Tokens (cached, conditional GET), trust lists, and the
offline bundle an inspector device carries.

* :class:`StatusCache` keeps at most ``max_entries`` tokens (LRU). A token is re-used until it is no
  longer fresh: ``fetched_at + ttl`` capped at ``exp`` (draft-ietf-oauth-status-list-20 §13.7, §8.3 step 4d);
  after that it is re-fetched with ``If-None-Match``. If the network fails, a token that has not passed
  its ``exp`` is still offered (the policy reports how old it is); else nothing is returned, and the
  policy says INDETERMINATE (``status.unavailable``), never "revoked".
* :class:`Bundle` is the offline snapshot (issue #5, item 2): the three lists and the status tokens with
  the times they were fetched, as one JSON file or a directory holding ``bundle.json``.

Inputs are bounded: response bodies, the number of cached entries, timeouts and redirects.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import netio
from credential import jose
from credential.status_list import MAX_STATUS_TOKEN_BYTES

from .policy import FetchedStatus

BUNDLE_FORMAT = "esspass-verifier-bundle/1"
DEFAULT_TIMEOUT = 3.0
MAX_REDIRECTS = 3
DEFAULT_MAX_ENTRIES = 256


def _token_times(token: str) -> tuple[int | None, int | None]:
    """(exp, ttl) read from an unverified token, only to decide when to fetch again."""
    try:
        payload = jose.parse_compact(token, max_bytes=MAX_STATUS_TOKEN_BYTES).payload()
    except jose.JoseError:
        return None, None
    exp, ttl = payload.get("exp"), payload.get("ttl")
    exp = int(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    ttl = int(ttl) if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and ttl > 0 else None
    return exp, ttl


@dataclass
class _Entry:
    token: str
    fetched_at: int
    etag: str | None = None
    pinned: bool = False  # from a file or a bundle: never re-fetched

    def fresh_until(self) -> int | None:
        exp, ttl = _token_times(self.token)
        if ttl is not None:
            return self.fetched_at + ttl if exp is None else min(self.fetched_at + ttl, exp)
        return exp

    def usable(self, now: int) -> bool:
        exp, _ = _token_times(self.token)
        return exp is None or now < exp


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    result: FetchedStatus | None = None
    timed_out: bool = False


@dataclass
class StatusCache:
    """Status List Tokens by URI. Call it as a policy ``StatusSource``: ``cache(uri, now)``."""

    network: bool = True
    max_entries: int = DEFAULT_MAX_ENTRIES
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = MAX_STATUS_TOKEN_BYTES
    client: httpx.Client | None = None
    policy: netio.UrlPolicy = netio.UrlPolicy()  # status URIs: https to public addresses unless configured
    ca_bundle: str | None = None
    fetches: int = 0  # number of HTTP requests made (tests and the console read it)
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _inflight: dict[str, "_Flight"] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)

    def _http(self) -> httpx.Client:
        if self.client is None:
            self.client = netio.new_client(self.policy, ca_bundle=self.ca_bundle)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def put(self, uri: str, token: str, fetched_at: int, *, pinned: bool = False, etag: str | None = None) -> None:
        with self._lock:
            self._entries[uri] = _Entry(token.strip(), int(fetched_at), etag, pinned)
            self._entries.move_to_end(uri)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def entries(self) -> dict[str, tuple[str, int]]:
        with self._lock:
            return {u: (e.token, e.fetched_at) for u, e in self._entries.items()}

    def timed_out(self) -> bool:
        """Whether this thread's last lookup found no token because the fetch ran out of time."""
        return getattr(self._local, "timed_out", False)

    def __call__(self, uri: str, now: int) -> FetchedStatus | None:
        self._local.timed_out = False
        with self._lock:
            entry = self._entries.get(uri)
            if entry is not None:
                self._entries.move_to_end(uri)
        if entry is not None:
            fresh = entry.fresh_until()
            if entry.pinned or (fresh is not None and now < fresh):
                return FetchedStatus(entry.token, entry.fetched_at)
        if self.network and uri.startswith(("http://", "https://")):
            fetched = self._coalesced(uri, now, entry)
            if fetched is not None:
                return fetched
        if entry is not None and entry.usable(now):
            return FetchedStatus(entry.token, entry.fetched_at)  # stale but not expired: the policy judges
        return None

    def _coalesced(self, uri: str, now: int, entry: _Entry | None) -> FetchedStatus | None:
        """One fetch per URI at a time: whoever asks while a fetch of the same URI runs waits for its result (no
        longer than its own deadline, ``netio.deadline_scope``), so many checks against one slow status host make
        one request, not one each (issue 14, finding 3)."""
        with self._lock:
            flight = self._inflight.get(uri)
            leader = flight is None
            if leader:
                flight = self._inflight[uri] = _Flight()
        assert flight is not None
        if not leader:
            left = netio.time_left()
            if not flight.done.wait(2 * self.timeout if left is None else left) or flight.timed_out:
                self._local.timed_out = True
            return flight.result
        try:
            try:
                flight.result = self._fetch(uri, now, entry)
            except netio.TimedOut:
                flight.timed_out = self._local.timed_out = True
            return flight.result
        finally:
            with self._lock:
                self._inflight.pop(uri, None)
            flight.done.set()

    def _fetch(self, uri: str, now: int, entry: _Entry | None) -> FetchedStatus | None:
        headers = {"Accept": "application/statuslist+jwt"}
        if entry is not None and entry.etag:
            headers["If-None-Match"] = entry.etag
        self.fetches += 1
        limits = netio.Limits(max_bytes=self.max_bytes, connect_timeout=self.timeout, read_timeout=self.timeout,
                              total_timeout=2 * self.timeout, max_redirects=MAX_REDIRECTS)
        try:
            response = netio.get(self._http(), uri, policy=self.policy, limits=limits, headers=headers)
        except netio.TimedOut:
            raise
        except netio.NetIOError:
            return None
        if response.status_code == 304 and entry is not None:
            self.put(uri, entry.token, now, etag=entry.etag)
            return FetchedStatus(entry.token, now)
        if response.status_code != 200:
            return None
        etag = response.headers.get("etag")
        try:
            token = response.content.decode("ascii").strip()
        except UnicodeError:
            return None
        self.put(uri, token, now, etag=etag)
        return FetchedStatus(token, now)


# ---------------------------------------------------------------- status URIs the verifier has seen

SEEN_FORMAT = "esspass-status-uris/1"
MAX_URI_CHARS = 2048


class SeenStatusURIs:
    """The Status List Token URIs of credentials this verifier has verified, so ``esspass verifier sync`` can put
    their current tokens in an offline bundle. Only the list URIs (shared by every credential on the list) and when
    each was last seen: never an index, a credential or anything else about a person.

    One small JSON file (mode 0600), written atomically only when a URI is new (or its last-seen day changes);
    at most ``max_entries`` URIs (least recently seen forgotten), each dropped ``retention_s`` after last seen.
    Failing to write never fails a verification."""

    def __init__(self, path: Path | None, *, max_entries: int = 256, retention_s: int = 90 * 86400) -> None:
        self.path = Path(path) if path is not None else None
        self.max_entries = max_entries
        self.retention_s = retention_s
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, int] = OrderedDict()
        if self.path is not None:
            try:
                with self.path.open("rb") as fh:
                    data = json.loads(fh.read(1024 * 1024))
                if isinstance(data, dict) and data.get("format") == SEEN_FORMAT:
                    items = [(u, t) for u, t in (data.get("uris") or {}).items()
                             if self._acceptable(u) and isinstance(t, int)]
                    for u, t in sorted(items, key=lambda x: x[1])[-max_entries:]:
                        self._seen[u] = t
            except (OSError, ValueError, AttributeError):
                pass

    @staticmethod
    def _acceptable(uri: object) -> bool:
        return isinstance(uri, str) and uri.startswith(("http://", "https://")) and len(uri) <= MAX_URI_CHARS

    def add(self, uri: str, now: int) -> None:
        if not self._acceptable(uri):
            return
        with self._lock:
            last = self._seen.get(uri)
            self._seen[uri] = now
            self._seen.move_to_end(uri)
            while len(self._seen) > self.max_entries or now - next(iter(self._seen.values())) > self.retention_s:
                self._seen.popitem(last=False)
            if last is not None and last // 86400 == now // 86400:
                return  # known and already recorded today: no write on the hot path
            snapshot = dict(self._seen)
        self._write(snapshot)

    def uris(self, now: int) -> list[str]:
        with self._lock:
            return [u for u, t in self._seen.items() if now - t <= self.retention_s]

    def _write(self, snapshot: dict[str, int]) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{threading.get_ident()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": SEEN_FORMAT, "uris": snapshot}, fh)
            os.replace(tmp, self.path)
        except OSError:
            pass


# ---------------------------------------------------------------- offline bundle


@dataclass
class Bundle:
    created_at: int
    trust_lists: dict[str, tuple[str, int]]  # LoTEType -> (compact JWS, fetched_at)
    status_lists: dict[str, tuple[str, int]]  # uri -> (compact JWS, fetched_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            "created_at": self.created_at,
            "trust_lists": {t: {"token": tok, "fetched_at": at} for t, (tok, at) in self.trust_lists.items()},
            "status_lists": {u: {"token": tok, "fetched_at": at} for u, (tok, at) in self.status_lists.items()},
        }

    def save(self, out: Path) -> Path:
        """A path ending in ``.json`` is one file; anything else is a directory with ``bundle.json``."""
        out = Path(out)
        target = out if out.suffix == ".json" else out / "bundle.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        # atomic: a new file next to the old one, flushed to disk, then renamed over it; a crash or a full disk
        # half-way leaves the old bundle as it was (issue 17: an update must never cost the inspector their data)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(self.as_json(), indent=1))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    @classmethod
    def load(cls, path: Path, max_bytes: int = 64 * 1024 * 1024) -> "Bundle":
        path = Path(path)
        if path.is_dir():
            path = path / "bundle.json"
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise ValueError("bundle too large")
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"not a {BUNDLE_FORMAT} bundle")

        def pairs(section: Any) -> dict[str, tuple[str, int]]:
            out: dict[str, tuple[str, int]] = {}
            for k, v in (section or {}).items():
                if isinstance(v, dict) and isinstance(v.get("token"), str) and isinstance(v.get("fetched_at"), int):
                    out[str(k)] = (v["token"], v["fetched_at"])
            return out

        return cls(int(data.get("created_at", 0)), pairs(data.get("trust_lists")), pairs(data.get("status_lists")))

    def status_cache(self, network: bool = False) -> StatusCache:
        cache = StatusCache(network=network)
        for uri, (token, at) in self.status_lists.items():
            cache.put(uri, token, at, pinned=not network)
        return cache


def now_s(clock: Callable[[], float] = time.time) -> int:
    return int(clock())
