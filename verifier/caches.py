"""Caches of validated results for :func:`verifier.policy.verify_presentation` (issue #5, item 9).

Without them, each presentation validated two X.509 paths (issuer, status signer; trust-lists.md §4) and re-parsed,
re-verified and re-inflated the same Status List Token. Both are deterministic functions of inputs the caches key
on exactly; everything that depends on the current time is re-checked on every use.

:class:`TrustCache` - results of ``trust_list.issuers.check_issuer_header`` / ``check_status_signer``.
  Key: (service type, entity, vct, the exact ``x5c`` strings, the Pub-EAA list's sequence number and content
  SHA-256). A held list that changes in any way (e.g. a service withdrawn) is another key: nothing computed under
  the old list is reused. Value: the result with the interval of signing times T (``at``) around the T it was
  computed for in which none of the T-dependent inputs changes: the notBefore/notAfter of every certificate in
  ``x5c`` and of every certificate listed by a candidate service, and the StatusStartingTime of every state of
  every candidate service. Inside that interval, path validation at T and the service state at T are the same, so
  the result is the same; outside it the result is computed again. On every use the list in force is required
  again (``list.unavailable`` / ``list.expired`` at ``now``) and the signing certificate's expiry is compared with
  ``now``; a cached result whose leaf has expired is not used (the full check then reports it). Only successes are
  cached, and only for ``x5c`` references (an ``x5t#S256`` may resolve through the store's own memory).
  Lists are compared by content, so one cache may serve several trust stores.

:class:`StatusTokenCache` - a Status List Token that passed ``validate_status_list_token`` once (signature by the
  key its header names, ``typ``, claims, ``sub`` = the URI), keyed by (URI, SHA-256 of the token): its header,
  times and decoded list. On reuse the signer is checked again against the trust list in force (through the
  :class:`TrustCache`), then ``exp``/``nbf`` against ``now`` and the index, in the order and with the codes of
  ``credential.status_list.validate_status_list_token``.

Both are bounded LRU maps and thread-safe. ``hits``/``misses`` are for tests and benchmarks.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from credential import status_list as SL
from credential.reasons import Rejected
from trust_list import issuers as trust_issuers
from trust_list import certificates_from_x5c
from trust_list import PUB_EAA, SVC_PUBEAA_ISSUANCE, SVC_PUBEAA_REVOCATION

DEFAULT_TRUST_ENTRIES = 1024
DEFAULT_INTERVALS_PER_KEY = 8
DEFAULT_STATUS_ENTRIES = 64
DEFAULT_MAX_LIST_BYTES = 2 * 1024 * 1024  # a decoded list larger than this is validated every time, not kept
_NEG_INF, _POS_INF = float("-inf"), float("inf")


def _ts(d) -> int:
    return int(d.timestamp())


@dataclass(frozen=True)
class _Trusted:
    lo: float  # the result holds for lo <= at < hi
    hi: float
    trust: trust_issuers.IssuerTrust
    leaf_not_after: int
    leaf_sha256: bytes


class TrustCache:
    def __init__(self, max_entries: int = DEFAULT_TRUST_ENTRIES,
                 max_intervals: int = DEFAULT_INTERVALS_PER_KEY) -> None:
        self.max_entries = max_entries
        self.max_intervals = max_intervals
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, list[_Trusted]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    # ------------------------------------------------------------ the two questions of trust-lists.md §4

    def check_issuer_header(self, store: Any, header: Mapping[str, Any], vct: str, at: int, now: int
                            ) -> trust_issuers.IssuerTrust:
        ref = trust_issuers.key_reference(dict(header))
        return self._check(store, ref, SVC_PUBEAA_ISSUANCE, None, vct, at, now,
                           lambda: trust_issuers.check_issuer(store, ref, vct, at, now))

    def check_status_signer(self, store: Any, header: Mapping[str, Any], entity: trust_issuers.IssuerTrust,
                            at: int, now: int) -> trust_issuers.IssuerTrust:
        name = entity.entity_name if isinstance(entity, trust_issuers.IssuerTrust) else str(entity)
        ref = trust_issuers.key_reference(dict(header))
        return self._check(store, ref, SVC_PUBEAA_REVOCATION, name, None, at, now,
                           lambda: trust_issuers.check_status_signer(store, dict(header), name, at, now))

    # ------------------------------------------------------------ internals

    def _check(self, store: Any, ref: Any, service_type: str, entity: str | None, vct: str | None, at: int,
               now: int, compute: Callable[[], trust_issuers.IssuerTrust]) -> trust_issuers.IssuerTrust:
        validated = store.require(PUB_EAA, now)  # list.unavailable / list.expired, exactly as uncached
        if not (isinstance(ref, list) and ref and all(isinstance(c, str) for c in ref)):
            return compute()
        key = (service_type, entity, vct, tuple(ref), validated.sequence_number, validated.content_sha256)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                hit = next((e for e in found if e.lo <= at < e.hi), None)
            else:
                hit = None
        if hit is not None and now <= hit.leaf_not_after:
            self.hits += 1
            if hit.leaf_sha256 not in getattr(store, "known_chains", {hit.leaf_sha256: None}):  # the side effect of a full check, for x5t later
                store.remember_chain(list(hit.trust.chain))
            return hit.trust
        self.misses += 1
        trust = compute()  # raises Rejected: never cached
        if getattr(store, "lists", {}).get(PUB_EAA) is not validated or trust.list_sequence_number != validated.sequence_number:
            return trust  # the list changed while computing: do not file this result under the old list
        try:
            entry = self._entry(trust, ref, validated, service_type, entity, at)
        except (ValueError, TypeError, OverflowError):  # pragma: no cover - the full check parsed the same data
            return trust
        with self._lock:
            bucket = self._entries.setdefault(key, [])
            bucket.append(entry)
            del bucket[:-self.max_intervals]
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return trust

    @staticmethod
    def _entry(trust: trust_issuers.IssuerTrust, ref: list[str], validated: Any, service_type: str,
               entity: str | None, at: int) -> _Trusted:
        points: set[int] = set()

        def cert_points(cert: x509.Certificate) -> None:
            points.add(_ts(cert.not_valid_before_utc))  # valid from notBefore ...
            points.add(_ts(cert.not_valid_after_utc) + 1)  # ... to notAfter inclusive

        for cert in (*certificates_from_x5c(list(ref)), *trust.chain):
            cert_points(cert)
        seen: set[bytes] = set()
        for e, service in validated.lote.services(service_type):
            if entity is not None and e.name != entity:
                continue
            for record in service.records():
                if record.starting_time is not None:
                    points.add(int(record.starting_time))
                for der in record.certificates:
                    if der not in seen:
                        seen.add(der)
                        cert_points(x509.load_der_x509_certificate(der))
        lo = max((p for p in points if p <= at), default=_NEG_INF)
        hi = min((p for p in points if p > at), default=_POS_INF)
        leaf = trust.chain[0]
        return _Trusted(lo, hi, trust, _ts(leaf.not_valid_after_utc),
                        hashlib.sha256(leaf.public_bytes(Encoding.DER)).digest())


# ---------------------------------------------------------------- Status List Tokens


@dataclass(frozen=True)
class ValidatedToken:
    """What a Status List Token that passed full validation once says, independent of ``now``."""

    header: dict[str, Any]
    iat: int
    exp: int | None
    nbf: int | None
    ttl: int | None
    status_list: SL.StatusList  # never modified

    def read(self, *, public_key: Callable[[Mapping[str, Any]], Any], now: int, idx: int,
             fetched_at: int | None = None, leeway: int = 0) -> SL.StatusResult:
        """The checks of ``validate_status_list_token`` that depend on the trust list in force and on ``now``,
        in its order and with its codes: signer (the resolver may raise), exp, nbf, index."""
        if public_key(self.header) is None:
            raise Rejected(SL.R_TOKEN_SIGNATURE, "no trusted key for this token")
        if self.exp is not None and now - leeway >= self.exp:
            raise Rejected(SL.R_TOKEN_EXPIRED, f"expired at {self.exp}")
        if self.nbf is not None and now + leeway < self.nbf:
            raise Rejected(SL.R_TOKEN_NOT_YET_VALID, f"not before {self.nbf}")
        if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < self.status_list.size:
            raise Rejected(SL.R_INDEX_OUT_OF_BOUNDS, f"index {idx!r} outside 0..{self.status_list.size - 1}")
        value = self.status_list.get(idx)
        base = now if fetched_at is None else fetched_at
        if self.ttl is not None:
            fresh_until = base + self.ttl if self.exp is None else min(base + self.ttl, self.exp)
        else:
            fresh_until = self.exp
        return SL.StatusResult(value, SL.status_name(value), self.iat, self.exp, self.ttl, fresh_until)


class StatusTokenCache:
    def __init__(self, max_entries: int = DEFAULT_STATUS_ENTRIES, max_list_bytes: int = DEFAULT_MAX_LIST_BYTES
                 ) -> None:
        self.max_entries = max_entries
        self.max_list_bytes = max_list_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, bytes], ValidatedToken] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _key(uri: str, token: str) -> tuple[str, bytes]:
        return uri, hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, uri: str, token: str) -> ValidatedToken | None:
        key = self._key(uri, token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
        return entry

    def remember(self, uri: str, token: str, result: SL.StatusResult) -> ValidatedToken | None:
        """File a token that ``validate_status_list_token(token, expected_sub=uri, ...)`` has just accepted."""
        from credential import jose

        try:
            jws = jose.parse_compact(token, max_bytes=SL.MAX_STATUS_TOKEN_BYTES)
            payload = jws.payload()
            lst = SL.StatusList.decode(payload["status_list"])
        except (jose.JoseError, Rejected, KeyError, ValueError, TypeError):  # pragma: no cover - it was accepted
            return None
        if lst.nbytes > self.max_list_bytes:
            return None  # bounded memory: at most max_entries x max_list_bytes
        nbf = payload.get("nbf")
        nbf = math.floor(nbf) if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else None
        if payload.get("sub") != uri:  # pragma: no cover - validate_status_list_token checked it
            return None
        entry = ValidatedToken(dict(jws.header), result.iat, result.exp, nbf, result.ttl, lst)
        with self._lock:
            self._entries[self._key(uri, token)] = entry
            self._entries.move_to_end(self._key(uri, token))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return entry


@dataclass
class VerifierCache:
    """The caches a :class:`verifier.policy.VerificationContext` uses (``ctx.cache``)."""

    trust: TrustCache
    status: StatusTokenCache

    @classmethod
    def new(cls, *, trust_entries: int = DEFAULT_TRUST_ENTRIES, status_entries: int = DEFAULT_STATUS_ENTRIES
            ) -> "VerifierCache":
        return cls(TrustCache(trust_entries), StatusTokenCache(status_entries))

