"""Verification of an SD-JWT VC presentation as a typed, staged report (issue 10, item 1).

``verify_presentation(presentation, ...) -> Report`` is pure: the trust anchor, the status tokens at hand, the cache,
the clock, the inspection date, the request (a DCQL query) and the key-binding expectations are all passed in.
Every check made is in the report, passed ones too (:mod:`credential.report`); the core stops at the first failure
of its own stages (a hostile input ends fast, with one failed check) and marks every later stage not reached.

Order, each rule where it comes from:
1. SD-JWT VC core: RFC 9901 §7.1 (issuer-signed JWT, disclosures), SD-JWT VC draft-18 §3.2 (``typ``, ``vct``,
   ``cnf``, ``status``); the issuer key is resolved through the trust anchor (trust-lists.md §4, at T = ``iat``).
2. Key binding, RFC 9901 §7.3: required by policy, not by presence. A presentation without a KB-JWT is a paper copy
   only when the credential is bound to no device key (no ``cnf``); then the holder must be identified by an
   identity document, and the report says so (``kb.not_bound``). A credential with ``cnf`` and no KB-JWT fails with
   ``kb.missing`` even when the policy does not require key binding.
3. Request: the DCQL query's ``vct`` and every claim it needs disclosed (OpenID4VP 1.0 §6.4, §8.6 step 2.2);
   nonce and audience are the KB-JWT's (OpenID4VP 1.0 §14.1, replay).
4. Status, draft-ietf-oauth-status-list §8.3: token signed by a revocation service of the same trusted entity
   (trust-lists.md §4, last sentence), ``sub`` = the credential's ``uri``, not expired.
5. Validity layers: technical, document, coverage at the inspection date (:mod:`credential.validity`).

Trust and status are pluggable: :class:`IssuerTrust`, :class:`StatusSource` and :class:`StatusCache` are protocols.
There is no process-wide cache; a caller that wants one passes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from . import dcql, expected, jose, sd_jwt, sd_jwt_vc, shapes, status_list
from .i18n import LANGS, text
from .reasons import Reason, Rejected, define
from .report import FAILED, INDETERMINATE, PASSED, Kind, Report, Stage
from .validity import check_layers, technical_layer

__all__ = [
    "FAILED", "INDETERMINATE", "PASSED", "FetchedStatus", "IssuerTrust", "KeyBinding", "StatusCache", "StatusSource",
    "StatusUnobtainable", "TrustedIssuer", "ValidatedStatus", "user_claims", "verify_presentation",
    "ISSUER_LIST", "KB_MAX_AGE_S", "MAX_KB_MAX_AGE_S", "OK_INTACT", "OK_KB", "no_status_source",
]

REGISTERED = frozenset(sd_jwt_vc.NEVER_DISCLOSABLE)
KB_MAX_AGE_S = 300  # default age limit of a KB-JWT's iat (RFC 9901 §7.3 step 5 leaves it to the verifier)
MAX_KB_MAX_AGE_S = 86_400
DEFAULT_LEEWAY_S = 60  # the SD-JWT core's clock leeway (sd_jwt.VerifyPolicy.clock_leeway_s)

# ---------------------------------------------------------------- the words of checks that passed

OK_INTACT = define("sd.intact")
OK_VC = define("vc.well_formed")
OK_ISSUER = define("issuer.trusted")
OK_KB = define("kb.valid")
OK_KB_PRESENT_UNCHECKED = define("kb.present")
KB_NOT_BOUND = define("kb.not_bound")
# kb.missing is the SD-JWT core's code; when the policy did not ask for key binding but the credential is bound to a
# device key (``cnf``), the check says that in its own words (catalog id ``kb.missing.bound_words``).
KB_MISSING_BOUND_WORDS = "kb.missing.bound_words"
OK_STATUS = define("status.valid")
OK_NO_STATUS = define("status.not_provided")
OK_REQUEST_TYPE = define("request.type")
OK_REQUEST_CLAIMS = define("request.claims")

# ---------------------------------------------------------------- failures and unknowns decided here

REQUEST_TYPE = define("request.type_mismatch")
REQUEST_CLAIMS = define("request.claims_missing")
ISSUER_LIST = define("issuer.list_unavailable")
STATUS_SIGNER = define("status.signer_untrusted")

# Status outcomes that say something about the credential itself (FAILED); every other status problem means the
# status could not be established (INDETERMINATE). draft-ietf-oauth-status-list §8.3.
_STATUS_FAILS = frozenset({status_list.R_INVALID, status_list.R_SUSPENDED, status_list.R_UNKNOWN_VALUE,
                           status_list.R_REFERENCE_MALFORMED})


# ---------------------------------------------------------------- what the caller plugs in


class TrustedIssuer(Protocol):
    """A trusted issuer as the trust anchor found it (trust_list.issuers.IssuerTrust has this shape)."""

    entity_name: str

    @property
    def signing_key(self) -> ec.EllipticCurvePublicKey: ...

    @property
    def evidence(self) -> Mapping[str, Any]:
        """What the decision was made with, for the report: ``trust_list_sequence_number``, ``trust_list_issued``
        and ``trust_list_next_update`` (epoch seconds) of the trusted list that listed the issuer."""
        ...


class IssuerTrust(Protocol):
    """The trust anchor: who may sign credentials and their status lists. Each method raises :class:`Rejected` with
    an ``issuer.*`` / ``status.*`` code when the answer is no, and with :data:`ISSUER_LIST` when it cannot say."""

    def issuer(self, header: Mapping[str, Any], vct: str, at: int, now: int) -> TrustedIssuer: ...

    def status_signer(self, header: Mapping[str, Any], issuer: TrustedIssuer, at: int,
                      now: int) -> ec.EllipticCurvePublicKey: ...


@dataclass(frozen=True)
class FetchedStatus:
    """A Status List Token as obtained (from the network, a file or a bundle) and when."""

    token: str
    fetched_at: int


@dataclass(frozen=True)
class StatusUnobtainable:
    """A status source's answer when it could not obtain a token and knows why (e.g. the verifier's overall deadline
    for one check passed, issue 14 finding 3): the check could not be made, for this reason. ``None`` says the same
    with the generic ``status.unavailable``."""

    reason: Reason
    detail: str = ""


class StatusSource(Protocol):
    def __call__(self, uri: str, now: int) -> FetchedStatus | StatusUnobtainable | None: ...


class ValidatedStatus(Protocol):
    """A Status List Token validated before (verifier.caches.ValidatedToken has this shape)."""

    iat: int

    def read(self, *, public_key: Any, now: int, idx: int, fetched_at: int) -> status_list.StatusResult: ...


class StatusCache(Protocol):
    def get(self, uri: str, token: str) -> ValidatedStatus | None: ...

    def remember(self, uri: str, token: str, result: status_list.StatusResult) -> Any: ...


def no_status_source(uri: str, now: int) -> FetchedStatus | None:  # nothing at hand: INDETERMINATE
    return None


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """RFC 9901 §7.3 policy: ``required`` False accepts a paper copy (a credential bound to no device)."""

    required: bool = True
    nonce: str | None = None
    aud: str | None = None
    max_age_s: int = KB_MAX_AGE_S

    def __post_init__(self) -> None:
        if isinstance(self.max_age_s, bool) or not isinstance(self.max_age_s, int) \
                or not 0 < self.max_age_s <= MAX_KB_MAX_AGE_S:
            raise ValueError(f"kb_max_age_s must be an integer in 1..{MAX_KB_MAX_AGE_S}")
        if self.required and (self.nonce is None or self.aud is None):
            raise ValueError("a context that requires key binding must name the nonce and aud it expects")


def user_claims(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The claims a person reads: the processed payload without the registered (never disclosable) ones."""
    return {k: v for k, v in payload.items() if k not in REGISTERED}


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# ---------------------------------------------------------------- the verification


def verify_presentation(presentation: str, *, trust: IssuerTrust, now: int, key_binding: KeyBinding,
                        inspection_date: dt.date | None = None, status: StatusSource = no_status_source,
                        request: dcql.DcqlQuery | None = None, cache: StatusCache | None = None,
                        report: Report | None = None) -> Report:
    """The staged report of one presentation (see the module's docstring for the order). ``report`` may be a report
    the caller started (e.g. with the age of its trust data in ``data_age``)."""
    report = Report() if report is None else report
    day = inspection_date or dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
    signed: list[dict[str, Any]] = []  # the issuer-signed payload, once read (iat/nbf/exp are never disclosable)
    found: list[TrustedIssuer] = []

    def resolve(header: dict[str, Any], payload: dict[str, Any]) -> ec.EllipticCurvePublicKey:
        # trust-lists.md §4: T is the credential's iat (signing time), the list is judged now.
        signed.append(payload)
        vct = payload.get("vct") if isinstance(payload.get("vct"), str) else ""
        issuer = trust.issuer(header, vct, _number(payload.get("iat")) or now, now)
        found.append(issuer)
        return issuer.signing_key

    kb = sd_jwt.KeyBindingPolicy(required=key_binding.required, nonce=key_binding.nonce, aud=key_binding.aud,
                                 max_age_s=key_binding.max_age_s)
    policy = sd_jwt.VerifyPolicy(now=now, key_binding=kb, clock_leeway_s=DEFAULT_LEEWAY_S)
    try:
        verified = sd_jwt_vc.verify_vc(presentation, resolve, policy, expected_vct=None)
    except Rejected as exc:
        stage = Stage(exc.stage or Stage.BEFORE_SIGNATURE)
        if found:
            report.issuer = found[0].entity_name
            report.add(OK_ISSUER, Kind.PASSED, Stage.TRUST, _trust_evidence(found[0]))
        if stage not in (Stage.BEFORE_SIGNATURE, Stage.TRUST, Stage.SIGNATURE):
            report.add(OK_INTACT, Kind.PASSED, Stage.SIGNATURE)
        report.stop(exc.reason, Kind.COULD_NOT_CHECK if exc.reason is ISSUER_LIST else Kind.FAILED, stage,
                    exc.detail)
        if stage is Stage.TIMES and signed:  # the signature verified before the times were read
            report.validity = technical_layer(signed[0], now, leeway=policy.clock_leeway_s)
        return report

    issuer = found[0]
    payload = _read_shape(verified.payload, report)
    report.issuer, report.payload = issuer.entity_name, payload
    report.add(OK_ISSUER, Kind.PASSED, Stage.TRUST, _trust_evidence(issuer), issuer.entity_name)
    report.add(OK_INTACT, Kind.PASSED, Stage.SIGNATURE)
    report.add(OK_VC, Kind.PASSED, Stage.VC_RULES)
    if verified.kb_payload is not None:
        report.add(OK_KB if key_binding.required else OK_KB_PRESENT_UNCHECKED, Kind.PASSED, Stage.KEY_BINDING,
                   {"iat": verified.kb_payload.get("iat")})
    elif "cnf" in payload:
        # SD-JWT VC draft-18 §3.2.2.2 / RFC 9901 §7.3: the issuer bound this credential to a holder key. Without the
        # holder's proof it is a copy of a wallet's credential, not a paper copy: stripping the KB-JWT must never
        # turn a device-bound credential into something weaker that passes (the offline inspector refuses it too).
        report.add(sd_jwt.R_KB_MISSING, Kind.FAILED, Stage.KEY_BINDING,
                   words={lang: text(KB_MISSING_BOUND_WORDS, lang) for lang in LANGS})
    else:  # RFC 9901 §7.3: not required by this policy and not present, and bound to no device (a paper copy)
        report.add(KB_NOT_BOUND, Kind.PASSED, Stage.KEY_BINDING)

    if request is not None:
        _check_request(payload, request, report)
    _check_status(payload, issuer, trust, status, cache, now, report)
    report.validity = check_layers(report, payload, now, day, leeway=policy.clock_leeway_s)
    return report


def _trust_evidence(issuer: TrustedIssuer) -> dict[str, Any]:
    return {"issuer": issuer.entity_name, **issuer.evidence}


def _read_shape(payload: dict[str, Any], report: Report) -> dict[str, Any]:
    """The verified payload with its user claims read into our model (``credential.shapes``, issue 16: the EUDI
    reference issuer's and DC4EU's A1/EHIC). Runs only here, after the signature, the issuer (trusted for the vct as
    issued) and the disclosures were checked. The report says which shape was read and lists, never drops, what had
    no place in our model; the registered claims (``status``, ``cnf``, times) are kept as signed."""
    vct = payload.get("vct")
    read = shapes.read_claims(vct, user_claims(payload)) if isinstance(vct, str) else None
    report.shape = read
    if read is None:
        return payload
    if read.shape != shapes.SHAPE_ESSPASS:
        report.add(shapes.R_SHAPE_READ, Kind.PASSED, Stage.VC_RULES, read.as_json(), read.shape,
                   words=shapes.shape_words(read))
    if read.unmapped:
        paths = [u.path for u in read.unmapped]
        report.add(shapes.R_UNMAPPED, Kind.PASSED, Stage.VC_RULES, {"paths": paths}, ", ".join(paths))
    registered = {k: v for k, v in payload.items() if k in sd_jwt_vc.NEVER_DISCLOSABLE}
    return {**registered, **read.claims, "vct": read.vct}


def _check_request(payload: dict[str, Any], query: dcql.DcqlQuery, report: Report) -> None:
    """OpenID4VP 1.0 §8.6 step 2.2 with the DCQL query: ``credential.dcql.match`` decides (§6.4.1, claims path
    pointers §7.1); when it does not match, the report says whether the type or which claims. When it matched with a
    lesser claim set, the report names the expected claims that were not available and what to check instead
    (``credential.expected``, issue 16)."""
    cq = query.credentials[0]
    vct = payload.get("vct") if isinstance(payload.get("vct"), str) else ""
    if dcql.match(query, [(vct, payload)])[cq.id]:
        report.add(OK_REQUEST_TYPE, Kind.PASSED, Stage.REQUEST)
        report.add(OK_REQUEST_CLAIMS, Kind.PASSED, Stage.REQUEST)
        for gap in expected.unavailable(cq, payload):
            report.add(gap.reason, Kind.PASSED, Stage.REQUEST, {"claims": gap.dotted()}, ", ".join(gap.dotted()))
        return
    if vct not in (cq.vct_values or ()):
        report.add(REQUEST_TYPE, Kind.FAILED, Stage.REQUEST, detail=f"expected {' or '.join(cq.vct_values or ())}")
        return
    report.add(OK_REQUEST_TYPE, Kind.PASSED, Stage.REQUEST)
    missing = []
    for path in dcql.preferred_paths(cq):
        try:
            dcql.process_path(payload, path)
        except ValueError:
            missing.append(path)
    report.add(REQUEST_CLAIMS, Kind.FAILED, Stage.REQUEST,
               detail=", ".join(".".join(map(str, p)) for p in missing) or "claims")


def _check_status(payload: dict[str, Any], issuer: TrustedIssuer, trust: IssuerTrust, source: StatusSource,
                  cache: StatusCache | None, now: int, report: Report) -> None:
    try:
        ref = status_list.parse_status_claim(payload) if "status" in payload else None
    except Rejected as exc:
        report.add(exc.reason, Kind.FAILED, Stage.STATUS, detail=exc.detail)
        return
    if ref is None:
        report.add(OK_NO_STATUS, Kind.PASSED, Stage.STATUS)
        return
    fetched = source(ref.uri, now)
    if fetched is None:
        report.add(status_list.R_UNAVAILABLE, Kind.COULD_NOT_CHECK, Stage.STATUS, detail="no token for this uri")
        return
    if isinstance(fetched, StatusUnobtainable):
        report.add(fetched.reason, Kind.COULD_NOT_CHECK, Stage.STATUS, detail=fetched.detail)
        return
    cached = cache.get(ref.uri, fetched.token) if cache is not None else None
    if cached is not None:
        token_iat: Any = cached.iat
    else:
        try:
            token_iat = jose.parse_compact(fetched.token,
                                           max_bytes=status_list.MAX_STATUS_TOKEN_BYTES).payload().get("iat")
        except jose.JoseError:
            token_iat = None
    at = _number(token_iat)

    def signer(header: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
        try:
            return trust.status_signer(dict(header), issuer, now if at is None else at, now)
        except Rejected as exc:
            raise Rejected(STATUS_SIGNER, exc.code) from None

    try:
        if cached is not None:
            result = cached.read(public_key=signer, now=now, idx=ref.idx, fetched_at=fetched.fetched_at)
        else:
            result = status_list.validate_status_list_token(
                fetched.token, public_key=signer, expected_sub=ref.uri, now=now, idx=ref.idx,
                fetched_at=fetched.fetched_at,
            )
            if cache is not None:
                cache.remember(ref.uri, fetched.token, result)
    except Rejected as exc:
        # even an unusable (e.g. expired) token says how old the data at hand is: the inspector must see it
        if at is not None:
            report.data_age["status_list_s"] = now - at
        report.data_age["status_list_fetched_s"] = now - fetched.fetched_at
        report.add(exc.reason, Kind.FAILED if exc.reason in _STATUS_FAILS else Kind.COULD_NOT_CHECK, Stage.STATUS,
                   _status_evidence(ref, report, at, fetched.fetched_at, None), exc.detail)
        return
    report.data_age["status_list_s"] = now - result.iat
    report.data_age["status_list_fetched_s"] = now - fetched.fetched_at
    try:
        result.raise_for_status()
    except Rejected as exc:
        report.add(exc.reason, Kind.FAILED, Stage.STATUS,
                   _status_evidence(ref, report, result.iat, fetched.fetched_at, result.exp), exc.detail)
        return
    report.add(OK_STATUS, Kind.PASSED, Stage.STATUS,
               _status_evidence(ref, report, result.iat, fetched.fetched_at, result.exp))


def _status_evidence(ref: status_list.StatusReference, report: Report, iat: int | None, fetched_at: int,
                     exp: int | None) -> dict[str, Any]:
    """The Status List Token the status was read from: its ``iat`` (how old the list is), ``exp`` and when it was
    obtained (draft-ietf-oauth-status-list §5.1 ``iat``/``exp``, §13.7 freshness)."""
    return {"uri": ref.uri, "idx": ref.idx, "age_s": report.data_age.get("status_list_s"),
            "fetched_age_s": report.data_age.get("status_list_fetched_s"), "status_list_iat": iat,
            "status_list_exp": exp, "status_list_fetched_at": fetched_at}
