"""Manual entry of a document number (issue 15 item 3): the inspector's fallback when no QR code can be scanned.

A weaker check, and said so everywhere: no signature of the holder's document is verified and nothing proves that the
person in front of the inspector holds it (no key binding, RFC 9901 §4.3) — the identity document must be checked.

How: the issuer's case API answers, for a token with the narrow scope ``lookup``, only the document's status and where
its credentials sit in the issuer's status lists (``GET /api/v1/document-status/{n}`` → ``{status, references:
[{uri, idx}]}``, nothing personal). The verdict is then read from the issuer's **signed** Status List Token for each
reference — the one the inspector already holds offline (bundle) or fetches — validated as for a scanned credential
(draft-ietf-oauth-status-list §8.3: ``typ``, signature by a status signer of the trusted list, ``sub`` = the URI,
``exp``). Limit: which index belongs to which number is only the issuer's HTTP reply (over TLS, with the token); a
signed list that still says VALID while the issuer already answers SUSPENDED or REVOKED gives the issuer's newer,
stricter answer (a withdrawal is never made to look valid).

Pure parts (:func:`clean_number`, :func:`parse_answer`, :func:`decide`) and the one edge (:class:`IssuerLookup`, HTTP).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from credential import jose
from credential import status_list
from credential.i18n import LANGS, text
from credential.reasons import Rejected
from credential.verification import StatusUnobtainable

from .policy import Check, Decision
from .reasons import MANUAL_HOLDER_NOT_CHECKED

__all__ = ["IssuerLookup", "LookupAnswer", "ManualInputError", "MAX_NUMBER", "clean_number", "decide",
           "parse_answer"]

MAX_NUMBER = 100  # the issuer refuses longer numbers too
MAX_REFERENCES = 64  # a document has a handful of credentials (wallet copies, paper copy)
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_ -]*")


class ManualInputError(ValueError):
    """Why a manual check could not be made; ``code`` names the words (``inspector.manual.error.<code>``):
    empty, too_long, characters, not_found, unreachable, no_token, token_refused, bad_answer."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def clean_number(typed: str) -> str:
    """The document number as typed, without surrounding blanks; ManualInputError for empty, too long or characters
    no document number has."""
    number = " ".join(str(typed or "").split())
    if not number:
        raise ManualInputError("empty")
    if len(number) > MAX_NUMBER:
        raise ManualInputError("too_long", f"{len(number)} characters")
    if not _NUMBER.fullmatch(number):
        raise ManualInputError("characters")
    return number


@dataclass(frozen=True)
class LookupAnswer:
    status: str  # the issuer's answer: VALID | SUSPENDED | INVALID
    references: tuple[tuple[str, int], ...]  # (status list URI, index)


def parse_answer(data: Any) -> LookupAnswer:
    """The issuer's reply, checked for shape and bounds (ManualInputError ``bad_answer`` otherwise)."""
    if not isinstance(data, Mapping) or data.get("status") not in ("VALID", "SUSPENDED", "INVALID"):
        raise ManualInputError("bad_answer", "no status")
    refs = data.get("references")
    if not isinstance(refs, list) or len(refs) > MAX_REFERENCES:
        raise ManualInputError("bad_answer", "references")
    out = []
    for r in refs:
        uri, idx = (r.get("uri"), r.get("idx")) if isinstance(r, Mapping) else (None, None)
        if not isinstance(uri, str) or not uri.startswith(("https://", "http://")) or len(uri) > 2048 \
                or isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
            raise ManualInputError("bad_answer", "a reference")
        out.append((uri, idx))
    return LookupAnswer(str(data["status"]), tuple(out))


def _check(code: str, result: str, evidence: dict[str, Any] | None = None) -> Check:
    return Check(code, result, {lang: text(code, lang) for lang in LANGS}, evidence=evidence)


def _read(uri: str, idx: int, source: Any, signer: Callable[[Mapping[str, Any], int], Any], now: int) -> Check:
    """One reference read from the signed Status List Token (as credential.verification does for a credential)."""
    fetched = source(uri, now)
    if fetched is None:
        return _check("status.unavailable", "unknown")
    if isinstance(fetched, StatusUnobtainable):
        return _check(fetched.reason.code, "unknown")
    try:
        iat = jose.parse_compact(fetched.token, max_bytes=status_list.MAX_STATUS_TOKEN_BYTES).payload().get("iat")
    except jose.JoseError:
        iat = None
    at = int(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else now
    try:
        result = status_list.validate_status_list_token(fetched.token, public_key=lambda h: signer(h, at),
                                                        expected_sub=uri, now=now, idx=idx,
                                                        fetched_at=fetched.fetched_at)
    except Rejected as exc:
        return _check(exc.code, "unknown")  # an unusable token: could not check, never "revoked"
    evidence = {"uri": uri, "idx": idx, "age_s": now - result.iat, "fetched_age_s": now - fetched.fetched_at,
                "status_list_iat": result.iat, "status_list_exp": result.exp,
                "status_list_fetched_at": fetched.fetched_at}
    try:
        result.raise_for_status()
    except Rejected as exc:
        return _check(exc.code, "fail", evidence)
    return _check("status.valid", "pass", evidence)


def decide(answer: LookupAnswer, source: Any, signer: Callable[[Mapping[str, Any], int], Any], now: int) -> Decision:
    """The outcome of a manual check. ``source(uri, now)``: the Status List Token at hand (verifier.sources);
    ``signer(header, at)``: the trusted status signer's key, or Rejected. FAILED when a signed list (or the issuer's
    newer answer) says revoked or suspended; INDETERMINATE when no reference could be read from a valid signed list;
    PASSED only when every reference reads VALID. The check ``manual.holder_not_checked`` is always there: even a
    PASSED manual check proves nothing about the holder."""
    checks = [_read(uri, idx, source, signer, now) for uri, idx in answer.references]
    if not checks:
        checks.append(_check("status.unavailable", "unknown"))
    signed_valid = all(c.result == "pass" for c in checks)
    if answer.status != "VALID" and not any(c.result == "fail" for c in checks):
        code = "status.invalid" if answer.status == "INVALID" else "status.suspended"
        checks.insert(0, _check(code, "fail"))  # the issuer withdrew it after the list we hold was signed
    result = ("FAILED" if any(c.result == "fail" for c in checks) else "PASSED" if signed_valid else "INDETERMINATE")
    checks.append(_check(MANUAL_HOLDER_NOT_CHECKED.code, "unknown"))
    ages = [c.evidence["age_s"] for c in checks if c.evidence]
    age = {"status_list_s": max(ages)} if ages else {}
    return Decision(result, checks, data_age=age)


class IssuerLookup:
    """The edge: asks the issuer's case API (``ESSPASS_VERIFIER_LOOKUP_URL`` or ``ESSPASS_ISSUER_URL``) with a
    ``lookup``-scoped token. Every failure is a ManualInputError with a code the app has words for."""

    def __init__(self, base_url: str | None, token: str | None, *, allow_loopback: bool = False,
                 allow_private: bool = False, timeout: float = 8.0) -> None:
        self.base_url = (base_url or "").rstrip("/")
        self.token = (token or "").strip()
        self.allow_loopback, self.allow_private, self.timeout = allow_loopback, allow_private, timeout

    def __call__(self, number: str) -> LookupAnswer:
        import netio

        if not self.token:
            raise ManualInputError("no_token")
        if not self.base_url:
            raise ManualInputError("unreachable", "no issuer URL configured")
        policy = netio.UrlPolicy(allow_loopback=self.allow_loopback, allow_private=self.allow_private)
        limits = netio.Limits(max_bytes=64 * 1024, connect_timeout=self.timeout, read_timeout=self.timeout,
                              total_timeout=self.timeout * 2)
        url = f"{self.base_url}/api/v1/document-status/{quote(number, safe='')}"
        try:
            with netio.new_client(policy) as client:
                got = netio.get(client, url, policy=policy, limits=limits,
                                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        except netio.NetIOError as exc:
            raise ManualInputError("unreachable", type(exc).__name__) from None
        if got.status_code == 404:
            raise ManualInputError("not_found")
        if got.status_code in (401, 403):
            raise ManualInputError("token_refused", str(got.status_code))
        if got.status_code == 422:
            raise ManualInputError("too_long")
        if got.status_code != 200:
            raise ManualInputError("unreachable", f"HTTP {got.status_code}")
        try:
            return parse_answer(jose.json_loads(got.content))
        except (ValueError, jose.JoseError):
            raise ManualInputError("bad_answer") from None
