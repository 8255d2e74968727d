"""The verifier's decision over the credential core's staged report (issue #5, item 1; issue 10, item 1).

``verify_presentation(presentation, ctx) -> Decision`` is pure: the trust store, the status tokens at hand, the
cache, the clock, the inspection date, the preset and the key-binding expectations are all in ``ctx``. The checks,
their order and their words are the core's (:func:`credential.verification.verify_presentation`, which returns a
typed :class:`~credential.report.Report`); this module turns the verifier's inputs into the core's (a preset into
its DCQL query, a trust store and its cache into an :class:`~credential.verification.IssuerTrust`) and the report
into the :class:`Decision` every screen and JSON output reads (its shape unchanged since issue #5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credential import verification as core
from credential.reasons import Reason, Rejected
from credential import report as core_report
from credential.report import FAILED, INDETERMINATE, PASSED, Report, Stage
from credential.verification import KB_MAX_AGE_S, MAX_KB_MAX_AGE_S, FetchedStatus, StatusSource, no_status_source
from trust_list import issuers as trust_issuers
from trust_list import PUB_EAA
from trust_list import TrustStore

from . import caches
from . import presets as P
from . import reasons as V

__all__ = ["FAILED", "INDETERMINATE", "KB_MAX_AGE_S", "MAX_KB_MAX_AGE_S", "PASSED", "Check", "Decision", "Sources",
           "FetchedStatus", "StatusSource", "VerificationContext", "no_status_source", "verify_presentation"]


@dataclass
class VerificationContext:
    trust: TrustStore
    now: int
    status: StatusSource | Callable[[str, int], FetchedStatus | None] = no_status_source
    preset: str | None = None
    key_binding: bool = True  # policy (RFC 9901 §7.3); False = a paper copy is acceptable
    nonce: str | None = None
    aud: str | None = None
    inspection_date: dt.date | None = None
    trust_fetched_at: int | None = None  # when the trust list was obtained (for data_age), if known
    kb_max_age_s: int = KB_MAX_AGE_S  # how old a KB-JWT (its iat) may be; 1..MAX_KB_MAX_AGE_S
    # validated trust results and Status List Tokens (verifier.caches), passed in by whoever keeps them (there is
    # no process-wide default); None checks everything from scratch
    cache: caches.VerifierCache | None = None

    def day(self) -> dt.date:
        if self.inspection_date is not None:
            return self.inspection_date
        return dt.datetime.fromtimestamp(self.now, dt.timezone.utc).date()


@dataclass(frozen=True)
class Sources:
    """What a verifier decides with, wherever it runs: the trust store, where Status List Tokens come from, when the
    trust lists were obtained, its caches and how old a KB-JWT may be. The one builder of verification contexts:
    the service, the ``esspass verify`` command and the offline inspector each hold one and call :meth:`context`."""

    trust: TrustStore
    status: StatusSource | Callable[[str, int], FetchedStatus | None] = no_status_source
    trust_fetched_at: int | None = None
    cache: caches.VerifierCache | None = None
    kb_max_age_s: int = KB_MAX_AGE_S

    def context(self, now: int, *, preset: str | None, key_binding: bool = True, nonce: str | None = None,
                aud: str | None = None, inspection_date: dt.date | None = None) -> VerificationContext:
        """The context of one verification: key binding (RFC 9901 §7.3) is required unless ``key_binding`` is
        False (a paper copy is acceptable); when required, ``nonce`` and ``aud`` name the request it answers."""
        return VerificationContext(trust=self.trust, now=now, status=self.status, preset=preset,
                                   key_binding=key_binding, nonce=nonce, aud=aud, inspection_date=inspection_date,
                                   trust_fetched_at=self.trust_fetched_at, kb_max_age_s=self.kb_max_age_s,
                                   cache=self.cache)


class TrustAnchor:
    """A :class:`credential.verification.IssuerTrust` over a trust store (trust-lists.md §4), through the trust cache
    when there is one. A problem with the list itself (``list.*``) means the issuer could not be checked."""

    __slots__ = ("store", "cache")

    def __init__(self, store: Any, cache: caches.TrustCache | None = None) -> None:
        self.store, self.cache = store, cache

    def issuer(self, header: Mapping[str, Any], vct: str, at: int, now: int) -> trust_issuers.IssuerTrust:
        try:
            if self.cache is not None:
                return self.cache.check_issuer_header(self.store, header, vct, at, now)
            return trust_issuers.check_issuer_header(self.store, dict(header), vct, at, now)
        except Rejected as exc:
            if exc.code.startswith("list."):
                raise Rejected(core.ISSUER_LIST, exc.code) from None
            raise

    def status_signer(self, header: Mapping[str, Any], issuer: Any, at: int, now: int) -> Any:
        if self.cache is not None:
            return self.cache.check_status_signer(self.store, dict(header), issuer, at, now).signing_key
        return trust_issuers.check_status_signer(self.store, dict(header), issuer, at, now).signing_key


@dataclass
class Check:
    code: str
    result: str  # pass | fail | unknown
    message: dict[str, str]
    detail: str = ""
    # what a trust or status check decided with (docs/architecture.md, "Evidence"); an additional JSON field, only
    # on those checks: the trusted list's sequence number and dates, the Status List Token's iat/exp and fetch time
    evidence: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        out = {"code": self.code, "result": self.result, "message": dict(self.message)}
        if self.evidence is not None:
            out["evidence"] = dict(self.evidence)
        return out


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
    report: Report | None = field(default=None, compare=False, repr=False)  # the core's, when it made one
    # which shape the claims were read from (credential.shapes, issue 16): shape, source_vct, read_as, unmapped
    # (claims with no place in our model, as received), conversions; None for our own shape with nothing unmapped
    shape: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """Exactly the CLI's ``--json`` object (issue #5, item 3), with ``shape`` once claims were read (issue 16)."""
        out = {
            "result": self.result,
            "checks": [c.as_json() for c in self.checks],
            "credential_type": self.credential_type,
            "issuer": self.issuer,
            "claims": self.claims,
            "validity": self.validity,
            "data_age": self.data_age,
        }
        if self.shape is not None:
            out["shape"] = self.shape
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], preset: str | None = None) -> "Decision":
        """The inverse of :meth:`as_json` (a decision kept in a shared transaction store; ``detail`` is not kept)."""
        checks = [Check(str(c["code"]), str(c["result"]), dict(c.get("message") or {}),
                        evidence=dict(c["evidence"]) if isinstance(c.get("evidence"), dict) else None)
                  for c in data["checks"]]
        return cls(str(data["result"]), checks, data.get("credential_type"), data.get("issuer"),
                   dict(data.get("claims") or {}), dict(data.get("validity") or {}),
                   dict(data.get("data_age") or {}), preset,
                   shape=dict(data["shape"]) if isinstance(data.get("shape"), dict) else None)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.checks]

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.result != "pass"]

    @property
    def decisive(self) -> str | None:
        """The code of the check that decided a result other than PASSED: the first that failed, else the first that
        could not be completed; None when every check passed."""
        return next((c.code for c in self.checks if c.result == "fail"), None) or next(
            (c.code for c in self.checks if c.result == "unknown"), None)

    def failed_with(self, reason: Reason) -> bool:
        """Whether ``reason`` is among the checks that did not pass (e.g. ``kb.nonce``: made for another request)."""
        return any(c.code == reason.code and c.result != "pass" for c in self.checks)


def verify_presentation(presentation: str, ctx: VerificationContext) -> Decision:
    report = Report()
    preset: P.Preset | None = None
    if ctx.preset is not None:
        try:
            preset = P.get(ctx.preset)
        except KeyError:
            report.refuse(V.REQUEST_PRESET, Stage.REQUEST, ctx.preset[:40])
            return _decision(report, ctx)
    report.data_age = {"trust_list_s": ctx.trust.age(PUB_EAA, ctx.now), "status_list_s": None}
    if ctx.trust_fetched_at is not None:
        report.data_age["trust_list_fetched_s"] = ctx.now - ctx.trust_fetched_at
    key_binding = core.KeyBinding(required=ctx.key_binding, nonce=ctx.nonce, aud=ctx.aud, max_age_s=ctx.kb_max_age_s)
    cache = ctx.cache
    core.verify_presentation(
        presentation, trust=TrustAnchor(ctx.trust, cache.trust if cache is not None else None), now=ctx.now,
        key_binding=key_binding, inspection_date=ctx.day(), status=ctx.status,
        request=preset.query if preset is not None else None, cache=cache.status if cache is not None else None,
        report=report)
    return _decision(report, ctx)


class _ReportCheck(Check):
    """A :class:`Check` read from the core's report; its words are made only when asked for (a verifier that stores
    codes, or decides thousands of presentations a second, does not build sentences nobody reads)."""

    def __init__(self, check: core_report.Check) -> None:  # noqa: D107 - not the dataclass's fields
        self._check = check
        self.code, self.result, self.detail = check.reason.code, check.kind.value, check.detail

    @property  # type: ignore[override]
    def message(self) -> dict[str, str]:
        return self._check.message()

    @property  # type: ignore[override]
    def evidence(self) -> dict[str, Any] | None:  # made only for the JSON, like the words
        return _json_evidence(self._check)


# The evidence the JSON shows: the trusted list that decided, and the Status List Token's times. Never the status
# index (it links presentations of one credential) nor the list's URI.
_EVIDENCE_KEYS = {
    Stage.TRUST: ("trust_list_sequence_number", "trust_list_issued", "trust_list_next_update"),
    Stage.STATUS: ("status_list_iat", "status_list_exp", "status_list_fetched_at", "age_s", "fetched_age_s"),
}


def _json_evidence(check: core_report.Check) -> dict[str, Any] | None:
    keys = _EVIDENCE_KEYS.get(check.stage)
    if keys is None or not check.evidence:
        return None
    return {k: check.evidence[k] for k in keys if k in check.evidence}


def _decision(report: Report, ctx: VerificationContext) -> Decision:
    payload = report.payload
    return Decision(
        result=report.result,
        checks=[_ReportCheck(c) for c in report.checks],
        credential_type=payload.get("vct") if payload is not None else None,
        issuer=report.issuer,
        claims=core.user_claims(payload) if payload is not None else {},
        validity=report.validity,
        data_age=report.data_age,
        preset=ctx.preset,
        report=report,
        shape=_shape(report),
    )


def _shape(report: Report) -> dict[str, Any] | None:
    """The decision's ``shape`` (issue 16) when it says something: a credential of another issuer's shape, or one
    with claims that have no place in our model. Our own credentials keep the decision exactly as before."""
    read = report.shape
    if read is None or (read.shape == "esspass" and not read.unmapped):
        return None
    return read.as_json()
