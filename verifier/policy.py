"""Verification policy with explained decisions (issue #5, item 1).

``verify_presentation(presentation, ctx) -> Decision`` is pure: the trust store, the status tokens at
hand, the clock, the inspection date, the preset and the key-binding expectations are all in ``ctx``.

Every check made is reported, passed ones too, each ``{code, result: pass|fail|unknown, message: {en, da}}``.
The decision follows ETSI TS 119 102-2 style: any ``fail`` → FAILED; else any ``unknown`` (something could
not be checked, e.g. no status list could be obtained) → INDETERMINATE; else PASSED. "Could not check" is
never reported as "revoked".

Order of checks (each section cited where it comes from):
1. SD-JWT VC core: RFC 9901 §7.1 (issuer-signed JWT, disclosures), SD-JWT VC draft-18 §3.2 (``typ``, ``vct``,
   ``cnf``, ``status``); the issuer key is resolved through the trust list, trust-lists.md §4, at T = ``iat``.
2. Key binding, RFC 9901 §7.3: required by policy (ctx), not by presence. A presentation without a KB-JWT is
   a paper copy only when the credential is bound to no device key (no ``cnf``); then the holder must be
   identified by an identity document, and the report says so (``kb.not_bound``). A credential with ``cnf``
   and no KB-JWT fails with ``kb.missing`` even when the policy does not require key binding.
3. Request: the preset's ``vct`` and every claim it needs disclosed (OpenID4VP 1.0 §6.4, §8.6 "VP Token
   Validation" step 2.2); nonce and audience are the KB-JWT's (OpenID4VP 1.0 §14.1, replay).
4. Status, draft-ietf-oauth-status-list-20 §8.3: token signed by a PubEAA/Revocation service of the same
   trusted entity (trust-lists.md §4, last sentence), ``sub`` = the credential's ``uri``, not expired.
5. Validity layers: technical, document, coverage at the inspection date (credential-types.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from credential import jose, sd_jwt, sd_jwt_vc, status_list
from credential.reasons import Reason, Rejected
from trust_list import issuers as trust_issuers
from trust_list.model import PUB_EAA

from credential import dcql

from . import caches
from . import layers
from . import presets as P
from . import reasons as V

PASSED, FAILED, INDETERMINATE = "PASSED", "FAILED", "INDETERMINATE"
REGISTERED = frozenset(sd_jwt_vc.NEVER_DISCLOSABLE)

# Status outcomes that say something about the credential itself (FAILED); every other status.* problem
# means the status could not be established (INDETERMINATE).
_STATUS_FAILS = frozenset({"status.invalid", "status.suspended", "status.unknown_value", "status.reference_malformed"})
# Core codes raised before the issuer's signature was verified (so nothing after it passed).
_PRE_SIGNATURE = frozenset({
    "sd.format", "sd.too_large", "sd.too_many_disclosures", "sd.jwt_malformed", "sd.alg_not_allowed", "sd.typ",
    "sd.crit", "sd.issuer_key", "sd.signature", "vc.typ",
})
_KB_CHECKS_AFTER = ("kb.",)
# Core codes about the issuer-signed JWT's times, raised after its signature verified: the technical layer shows them.
_TECHNICAL_CODES = frozenset({"sd.expired", "sd.not_yet_valid", "sd.issued_in_future"})
KB_MAX_AGE_S = 300  # default age limit of a KB-JWT's iat (RFC 9901 §7.3 step 5 leaves it to the verifier)
MAX_KB_MAX_AGE_S = 86_400


@dataclass(frozen=True)
class FetchedStatus:
    """A Status List Token as obtained (from the network, a file or a bundle) and when."""

    token: str
    fetched_at: int


class StatusSource(Protocol):
    def __call__(self, uri: str, now: int) -> FetchedStatus | None: ...


def no_status_source(uri: str, now: int) -> FetchedStatus | None:  # nothing at hand: INDETERMINATE
    return None


@dataclass
class VerificationContext:
    trust: Any  # trust_list.store.TrustStore
    now: int
    status: StatusSource | Callable[[str, int], FetchedStatus | None] = no_status_source
    preset: str | None = None
    key_binding: bool = True  # policy (RFC 9901 §7.3); False = a paper copy is acceptable
    nonce: str | None = None
    aud: str | None = None
    inspection_date: dt.date | None = None
    trust_fetched_at: int | None = None  # when the trust list was obtained (for data_age), if known
    kb_max_age_s: int = KB_MAX_AGE_S  # how old a KB-JWT (its iat) may be; 1..MAX_KB_MAX_AGE_S
    # validated trust results and Status List Tokens (verifier.caches); None checks everything from scratch
    cache: caches.VerifierCache | None = field(default_factory=caches.shared)

    def day(self) -> dt.date:
        if self.inspection_date is not None:
            return self.inspection_date
        return dt.datetime.fromtimestamp(self.now, dt.timezone.utc).date()


@dataclass
class Check:
    code: str
    result: str  # pass | fail | unknown
    message: dict[str, str]
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "result": self.result, "message": dict(self.message)}


@dataclass
class Decision:
    result: str
    checks: list[Check] = field(default_factory=list)
    credential_type: str | None = None
    issuer: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    validity: dict[str, Any] = field(default_factory=dict)
    data_age: dict[str, Any] = field(default_factory=dict)
    preset: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Exactly the CLI's ``--json`` object (issue #5, item 3)."""
        return {
            "result": self.result,
            "checks": [c.as_json() for c in self.checks],
            "credential_type": self.credential_type,
            "issuer": self.issuer,
            "claims": self.claims,
            "validity": self.validity,
            "data_age": self.data_age,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], preset: str | None = None) -> "Decision":
        """The inverse of :meth:`as_json` (a decision kept in a shared transaction store; ``detail`` is not kept)."""
        checks = [Check(str(c["code"]), str(c["result"]), dict(c.get("message") or {})) for c in data["checks"]]
        return cls(str(data["result"]), checks, data.get("credential_type"), data.get("issuer"),
                   dict(data.get("claims") or {}), dict(data.get("validity") or {}),
                   dict(data.get("data_age") or {}), preset)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.checks]

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.result != "pass"]


class _Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, reason: Reason, result: str, detail: str = "", message: dict[str, str] | None = None) -> None:
        self.checks.append(Check(reason.code, result, message or reason.message(), detail))

    def outcome(self) -> str:
        results = {c.result for c in self.checks}
        if "fail" in results:
            return FAILED
        if "unknown" in results:
            return INDETERMINATE
        return PASSED


def _user_claims(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in REGISTERED}


def verify_presentation(presentation: str, ctx: VerificationContext) -> Decision:
    report = _Report()
    decision = Decision(result=FAILED, preset=ctx.preset)
    preset: P.Preset | None = None
    if ctx.preset is not None:
        try:
            preset = P.get(ctx.preset)
        except KeyError:
            report.add(V.REQUEST_PRESET, "fail", ctx.preset[:40])
            decision.checks, decision.result = report.checks, FAILED
            return decision

    trust_age = ctx.trust.age(PUB_EAA, ctx.now) if hasattr(ctx.trust, "age") else None
    decision.data_age = {"trust_list_s": trust_age, "status_list_s": None}
    if ctx.trust_fetched_at is not None:
        decision.data_age["trust_list_fetched_s"] = ctx.now - ctx.trust_fetched_at

    found: dict[str, Any] = {}

    def resolve(header: dict[str, Any], payload: dict[str, Any]):
        # trust-lists.md §4: T is the credential's iat (signing time), the list is judged now.
        iat = payload.get("iat")
        at = int(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else ctx.now
        vct = payload.get("vct") if isinstance(payload.get("vct"), str) else ""
        found["signed"] = payload  # iat/nbf/exp are never disclosable: these are the signed times
        try:
            if ctx.cache is not None:
                trust = ctx.cache.trust.check_issuer_header(ctx.trust, header, vct, at, ctx.now)
            else:
                trust = trust_issuers.check_issuer_header(ctx.trust, header, vct, at, ctx.now)
        except Rejected as exc:
            if exc.code.startswith("list."):
                raise Rejected(V.ISSUER_LIST, exc.code) from None
            raise
        found["issuer"] = trust
        return trust.signing_key

    kb_required = ctx.key_binding
    if isinstance(ctx.kb_max_age_s, bool) or not isinstance(ctx.kb_max_age_s, int) \
            or not 0 < ctx.kb_max_age_s <= MAX_KB_MAX_AGE_S:
        raise ValueError(f"kb_max_age_s must be an integer in 1..{MAX_KB_MAX_AGE_S}")
    kb_policy = sd_jwt.KeyBindingPolicy(
        required=kb_required, nonce=ctx.nonce, aud=ctx.aud,
        max_age_s=ctx.kb_max_age_s,
    )
    policy = sd_jwt.VerifyPolicy(now=ctx.now, key_binding=kb_policy)
    if kb_required and (ctx.nonce is None or ctx.aud is None):
        raise ValueError("a context that requires key binding must name the nonce and aud it expects")
    try:
        verified = sd_jwt_vc.verify_vc(presentation, resolve, policy, expected_vct=None)
    except Rejected as exc:
        code = exc.code
        if "issuer" in found:
            report.add(V.OK_ISSUER, "pass")
            decision.issuer = found["issuer"].entity_name
        if code not in _PRE_SIGNATURE and not code.startswith("issuer."):
            report.add(V.OK_INTACT, "pass")
        result = "unknown" if code == V.ISSUER_LIST.code else "fail"
        report.add(exc.reason, result, exc.detail)
        if code in _TECHNICAL_CODES and "signed" in found:  # the signature verified before the times were read
            decision.validity = layers.technical_only(found["signed"], ctx.now, leeway=policy.clock_leeway_s)
        decision.checks, decision.result = report.checks, report.outcome()
        return decision

    trust = found["issuer"]
    payload = verified.payload
    decision.issuer = trust.entity_name
    decision.credential_type = payload.get("vct")
    decision.claims = _user_claims(payload)
    report.add(V.OK_ISSUER, "pass", trust.entity_name)
    report.add(V.OK_INTACT, "pass")
    report.add(V.OK_VC, "pass")
    if verified.kb_payload is not None:
        report.add(V.OK_KB if kb_required else V.OK_KB_PRESENT_UNCHECKED, "pass")
    elif "cnf" in payload:
        # SD-JWT VC draft-18 §3.2.2.2 / RFC 9901 §7.3: the issuer bound this credential to a holder key. Without the
        # holder's proof it is a copy of a wallet's credential, not a paper copy: stripping the KB-JWT must never
        # turn a device-bound credential into something weaker that passes (the offline inspector refuses it too).
        report.add(V.KB_MISSING_BOUND, "fail", message=V.KB_MISSING_BOUND_WORDS)
    else:  # RFC 9901 §7.3: not required by this policy and not present, and bound to no device (a paper copy)
        report.add(V.KB_NOT_BOUND, "pass")

    # ---- the request (OpenID4VP 1.0 §8.6 step 2.2)
    if preset is not None:
        _check_request(payload, preset, report)

    # ---- status (draft-ietf-oauth-status-list-20 §8.3)
    _check_status(payload, trust, ctx, report, decision)

    # ---- validity layers
    layer_values, layer_checks = layers.validity_layers(payload, ctx.now, ctx.day(), leeway=policy.clock_leeway_s)
    decision.validity = layer_values
    for c in layer_checks:
        report.add(c.reason, c.result, message=c.words())

    decision.checks, decision.result = report.checks, report.outcome()
    return decision


def _check_request(payload: dict[str, Any], preset: P.Preset, report: _Report) -> None:
    """OpenID4VP 1.0 §8.6 step 2.2 with the preset's DCQL query: ``credential.dcql.match`` decides (§6.4.1,
    claims path pointers §7.1); when it does not match, the report says whether the type or which claims."""
    cq = preset.credential_query
    vct = payload.get("vct") if isinstance(payload.get("vct"), str) else ""
    if dcql.match(preset.query, [(vct, payload)])[cq.id]:
        report.add(V.OK_REQUEST_TYPE, "pass")
        report.add(V.OK_REQUEST_CLAIMS, "pass")
        return
    if vct not in (cq.vct_values or ()):
        report.add(V.REQUEST_TYPE, "fail", f"expected {' or '.join(cq.vct_values or ())}")
        return
    report.add(V.OK_REQUEST_TYPE, "pass")
    missing = []
    for path in dcql.requested_paths(cq):
        try:
            dcql.process_path(payload, path)
        except ValueError:
            missing.append(path)
    report.add(V.REQUEST_CLAIMS, "fail", ", ".join(".".join(map(str, p)) for p in missing) or "claims")


def _check_status(payload: dict[str, Any], trust: Any, ctx: VerificationContext, report: _Report,
                  decision: Decision) -> None:
    try:
        ref = status_list.parse_status_claim(payload) if "status" in payload else None
    except Rejected as exc:
        report.add(exc.reason, "fail", exc.detail)
        return
    if ref is None:
        report.add(V.OK_NO_STATUS, "pass")
        return
    fetched = ctx.status(ref.uri, ctx.now)
    if fetched is None:
        report.add(status_list.R_UNAVAILABLE, "unknown", "no token for this uri")
        return
    cached = ctx.cache.status.get(ref.uri, fetched.token) if ctx.cache is not None else None
    if cached is not None:
        token_iat = cached.iat
    else:
        try:
            token_iat = jose.parse_compact(fetched.token, max_bytes=status_list.MAX_STATUS_TOKEN_BYTES).payload().get("iat")
        except jose.JoseError:
            token_iat = None
    at = int(token_iat) if isinstance(token_iat, (int, float)) and not isinstance(token_iat, bool) else ctx.now

    def signer(header):
        try:
            if ctx.cache is not None:
                return ctx.cache.trust.check_status_signer(ctx.trust, dict(header), trust, at, ctx.now).signing_key
            return trust_issuers.check_status_signer(ctx.trust, dict(header), trust, at, ctx.now).signing_key
        except Rejected as exc:
            raise Rejected(V.STATUS_SIGNER, exc.code) from None

    try:
        if cached is not None:
            result = cached.read(public_key=signer, now=ctx.now, idx=ref.idx, fetched_at=fetched.fetched_at)
        else:
            result = status_list.validate_status_list_token(
                fetched.token, public_key=signer, expected_sub=ref.uri, now=ctx.now, idx=ref.idx,
                fetched_at=fetched.fetched_at,
            )
            if ctx.cache is not None:
                ctx.cache.status.remember(ref.uri, fetched.token, result)
    except Rejected as exc:
        report.add(exc.reason, "fail" if exc.code in _STATUS_FAILS else "unknown", exc.detail)
        # even an unusable (e.g. expired) token says how old the data at hand is: the inspector must see it
        if isinstance(token_iat, (int, float)) and not isinstance(token_iat, bool):
            decision.data_age["status_list_s"] = ctx.now - int(token_iat)
        decision.data_age["status_list_fetched_s"] = ctx.now - fetched.fetched_at
        return
    decision.data_age["status_list_s"] = ctx.now - result.iat
    decision.data_age["status_list_fetched_s"] = ctx.now - fetched.fetched_at
    try:
        result.raise_for_status()
    except Rejected as exc:
        report.add(exc.reason, "fail", exc.detail)
        return
    report.add(V.OK_STATUS, "pass")
