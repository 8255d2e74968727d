"""The typed, staged verification report (ARCHITECTURE.md, "Verification reports, not exceptions").

A verification returns a :class:`Report`, not an exception at the first failure. Each check made is a
:class:`Check`: its stable reason code, its :class:`Kind` (passed / failed / could not check), the :class:`Stage` it
belongs to and the evidence it used (times, status-list age, the issuer's name). The stages of an SD-JWT VC
presentation run in the order of :data:`STAGES`; the first seven are the credential core's (RFC 9901 §7.1 and §7.3,
SD-JWT VC draft-18 §3.2), each one only after the one before it passed, so when one fails every later stage is
:attr:`Kind.NOT_REACHED` - never guessed. The last three (the request, the status, the validity layers) each run once
the core passed.

The decision follows ETSI TS 119 102-1 §5.1.3 (validation report status indications): any failed check → FAILED;
else any check that could not be made → INDETERMINATE; else PASSED. "Could not check" is never "revoked".

Objects here use ``__slots__`` and compute the per-stage view only when asked (a verifier deciding thousands of
presentations a second pays for the list of checks and nothing more).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from .i18n import LANGS
from .reasons import Reason

__all__ = ["FAILED", "INDETERMINATE", "PASSED", "STAGES", "Check", "Kind", "Report", "Stage", "outcome"]

# The three result words (ETSI TS 119 102-1 §5.1.3: TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE).
PASSED, FAILED, INDETERMINATE = "PASSED", "FAILED", "INDETERMINATE"


class Kind(StrEnum):
    """What became of one check (the value is the ``result`` word of the JSON reports)."""

    PASSED = "pass"
    FAILED = "fail"
    COULD_NOT_CHECK = "unknown"
    NOT_REACHED = "not_reached"


class Stage(StrEnum):
    BEFORE_SIGNATURE = "before_signature"  # size, form, header (alg, typ, crit): RFC 9901 §7.1 step 1
    TRUST = "trust"  # the issuer's key through the trusted list (trust-lists.md §4)
    SIGNATURE = "signature"  # RFC 9901 §7.1 step 2
    DISCLOSURES = "disclosures"  # RFC 9901 §7.1 step 3; SD-JWT VC §3.2.2.2 (never-disclosable claims)
    TIMES = "times"  # RFC 9901 §7.1 step 5 / RFC 7519 §4.1.4-§4.1.6
    KEY_BINDING = "key_binding"  # RFC 9901 §7.3
    VC_RULES = "vc_rules"  # SD-JWT VC draft-18 §3.2 (vct, iss, cnf, status)
    REQUEST = "request"  # OpenID4VP 1.0 §8.6 step 2.2 (the DCQL query)
    STATUS = "status"  # draft-ietf-oauth-status-list §8.3
    VALIDITY = "validity"  # the three validity layers (shared/specs/credential-types.md)


STAGES: tuple[Stage, ...] = tuple(Stage)
CORE_STAGES: tuple[Stage, ...] = STAGES[:7]
_ORDER = {s: i for i, s in enumerate(STAGES)}


class Check:
    """One check made: ``reason`` (its code and words), ``kind``, ``stage``, the ``evidence`` it used, a technical
    ``detail`` for logs (never personal data) and, where the words name this credential's own dates, ``words``:
    the words in every language, or anything with ``text(lang)`` (a validity layer), turned into words only when
    :meth:`message` is asked for."""

    __slots__ = ("reason", "kind", "stage", "evidence", "detail", "words")

    def __init__(self, reason: Reason, kind: Kind, stage: Stage, evidence: dict[str, Any] | None = None,
                 detail: str = "", words: Any = None) -> None:
        self.reason, self.kind, self.stage = reason, kind, stage
        self.evidence, self.detail, self.words = evidence, detail, words

    @property
    def code(self) -> str:
        return self.reason.code

    def message(self) -> dict[str, str]:
        words = self.words
        if not words:
            return self.reason.message()
        if isinstance(words, dict):
            return dict(words)
        return {lang: words.text(lang) for lang in LANGS}

    def __repr__(self) -> str:
        return f"Check({self.code!r}, {self.kind.name}, {self.stage.value})"


def outcome(checks: Iterable[Check]) -> str:
    """PASSED / FAILED / INDETERMINATE of a list of checks (ETSI TS 119 102-1 §5.1.3)."""
    kinds = {c.kind for c in checks}
    if Kind.FAILED in kinds:
        return FAILED
    if Kind.COULD_NOT_CHECK in kinds:
        return INDETERMINATE
    return PASSED


class Report:
    """The checks made, in order, and where the core stopped (``stopped_at``: the stage of the check that ended
    the core's stages, or None when all of them passed). ``issuer``, ``payload`` (the processed claims, read into
    our model), ``validity`` (the three layers), ``data_age`` and ``shape`` are what the checks found."""

    __slots__ = ("checks", "stopped_at", "started", "issuer", "payload", "validity", "data_age", "shape")

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.stopped_at: Stage | None = None
        self.started = True
        self.issuer: str | None = None
        self.payload: dict[str, Any] | None = None
        self.validity: dict[str, Any] = {}
        self.data_age: dict[str, Any] = {}
        self.shape: Any = None  # credential.shapes.Read: which shape the trusted credential was read from (issue 16)

    def add(self, reason: Reason, kind: Kind, stage: Stage, evidence: dict[str, Any] | None = None,
            detail: str = "", words: Any = None) -> Check:
        check = Check(reason, kind, stage, evidence, detail, words)
        self.checks.append(check)
        return check

    def stop(self, reason: Reason, kind: Kind, stage: Stage, detail: str = "") -> Check:
        """The check that ends verification: every later stage is not reached."""
        self.stopped_at = stage
        return self.add(reason, kind, stage, detail=detail)

    def refuse(self, reason: Reason, stage: Stage, detail: str = "") -> Check:
        """A verification that could not start (e.g. an unknown kind of check): every stage is not reached."""
        self.started = False
        return self.add(reason, Kind.FAILED, stage, detail=detail)

    @property
    def result(self) -> str:
        return outcome(self.checks)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.checks]

    def failed(self, reason: Reason | None = None) -> list[Check]:
        """The checks that did not pass (failed or could not check); with ``reason``, only that one's."""
        return [c for c in self.checks if c.kind is not Kind.PASSED and (reason is None or c.reason == reason)]

    def stage(self, stage: Stage) -> Kind | None:
        """What became of a stage: NOT_REACHED after the one where verification stopped; the worst kind of its
        checks; PASSED for a core stage passed without a check of its own; None for a stage nothing asked for
        (no request, no status reference)."""
        if self.stopped_at is not None and _ORDER[stage] > _ORDER[self.stopped_at]:
            return Kind.NOT_REACHED
        kinds = {c.kind for c in self.checks if c.stage is stage}
        if not self.started:
            return Kind.FAILED if kinds else Kind.NOT_REACHED
        for kind in (Kind.FAILED, Kind.COULD_NOT_CHECK, Kind.PASSED):
            if kind in kinds:
                return kind
        return Kind.PASSED if stage in CORE_STAGES else None

    def stages(self) -> dict[Stage, Kind | None]:
        return {s: self.stage(s) for s in STAGES}
