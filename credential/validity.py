"""The three validity layers of an A1 or EHIC credential (``shared/specs/credential-types.md``).

1. technical - the SD-JWT's ``iat``/``nbf``/``exp`` (RFC 7519 §4.1.4-§4.1.6; RFC 9901 §7.1 step 5);
2. document  - ``date_of_issuance`` <= inspection date <= ``date_of_expiry``;
3. coverage  - ``starting_date`` <= inspection date <= ``ending_date`` (A1: coverage by the legislation of
   ``legislation_country``; EHIC: entitlement to necessary health care).

A credential can be technically valid while the coverage it attests has ended; the verifier reports the three
separately and says which. A layer whose dates were not disclosed is ``unknown``, never "expired".
Pure: the caller passes ``now`` (unix seconds, for the technical layer) and the inspection date (the date
in the inspector's own time zone, for the date-only layers). Dates are inclusive at both ends.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from credential.i18n import LANGS, country_name, text
from credential.reasons import Reason, define

from .report import Kind, Report, Stage

__all__ = ["Layer", "ValidityReport", "check_layers", "technical_layer", "validity_layers"]

State = Literal["valid", "not_yet_valid", "expired", "unknown"]

R_TECH_EXPIRED = define("validity.technical_expired")
R_TECH_NOT_YET = define("validity.technical_not_yet_valid")
R_TECH_UNKNOWN = define("validity.technical_unknown")
R_DOC_EXPIRED = define("validity.document_expired")
R_DOC_NOT_YET = define("validity.document_not_yet_valid")
R_DOC_UNKNOWN = define("validity.document_unknown")
R_COV_ENDED = define("coverage.ended")
R_COV_NOT_STARTED = define("coverage.not_started")
R_COV_UNKNOWN = define("coverage.unknown")

# ---- the words of a layer that passed, and of a date that is no date
R_OK_TECHNICAL = define("validity.technical")
R_OK_DOCUMENT = define("validity.document")
R_OK_COVERAGE = define("coverage.in_force")
R_DATE_MALFORMED = define("validity.date_malformed")

_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_PDA1 = "urn:eudi:pda1:1"
_EHIC = "urn:eudi:ehic:1"


@dataclass(frozen=True)
class Layer:
    """One validity layer. ``start``/``end`` are ISO 8601 (datetime in UTC for technical, dates otherwise)
    as found in the credential, or None when absent. ``code`` is None exactly when ``state`` is valid.
    ``sentence`` (a catalog id) with ``values`` explains the state to an inspector in full sentences: :meth:`text`,
    ``en``, ``da``."""

    name: Literal["technical", "document", "coverage"]
    state: State
    start: str | None
    end: str | None
    code: str | None
    sentence: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str = "en") -> str:
        values = dict(self.values)
        if "country" in values:  # the legislation's country in words (issue 15), not its ISO code
            values["country"] = country_name(values["country"], lang)
        return text(self.sentence, lang, **values) if self.sentence else ""

    @property
    def en(self) -> str:
        return self.text("en")

    @property
    def da(self) -> str:
        return self.text("da")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "start": self.start,
            "end": self.end,
            "code": self.code,
            "message": {lang: self.text(lang) for lang in LANGS},
        }


@dataclass(frozen=True)
class ValidityReport:
    technical: Layer
    document: Layer
    coverage: Layer
    inspection_date: str

    @property
    def layers(self) -> tuple[Layer, Layer, Layer]:
        return (self.technical, self.document, self.coverage)

    @property
    def all_valid(self) -> bool:
        return all(layer.state == "valid" for layer in self.layers)

    def codes(self) -> list[str]:
        return [layer.code for layer in self.layers if layer.code is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection_date": self.inspection_date,
            "all_valid": self.all_valid,
            "layers": [layer.to_dict() for layer in self.layers],
        }


# ---------------------------------------------------------------------------------------------
def _num(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def _iso(ts: int | float) -> str | None:
    try:
        return _dt.datetime.fromtimestamp(int(ts), tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def _human(ts: int | float) -> str:
    iso = _iso(ts)
    return f"{iso[:10]} {iso[11:16]} UTC" if iso else str(ts)


def _technical(payload: dict[str, Any], now: int, skew: int) -> Layer:
    raw = {k: payload.get(k) for k in ("iat", "nbf", "exp")}
    vals = {k: _num(v) for k, v in raw.items()}
    if any(raw[k] is not None and vals[k] is None for k in raw):
        return _layer("technical", "unknown", None, None, R_TECH_UNKNOWN, R_TECH_UNKNOWN.code)
    start_ts = vals["nbf"] if vals["nbf"] is not None else vals["iat"]
    start = _iso(start_ts) if start_ts is not None else None
    end = _iso(vals["exp"]) if vals["exp"] is not None else None
    if vals["exp"] is not None and now >= vals["exp"] + skew:  # RFC 7519 §4.1.4: "on or after"
        return _layer("technical", "expired", start, end, R_TECH_EXPIRED, "validity.technical.expired_at",
                      when=_human(vals["exp"]))
    for name in ("nbf", "iat"):
        v = vals[name]
        if v is not None and now + skew < v:
            return _layer("technical", "not_yet_valid", start, end, R_TECH_NOT_YET, "validity.technical.not_before",
                          when=_human(v), claim=name)
    return _layer("technical", "valid", start, end, None,
                  "validity.technical.in_period" if end else "validity.technical.no_expiry")


def _date(value: Any) -> tuple[_dt.date | None, str | None, bool]:
    """(date, original string, malformed?)"""
    if value is None:
        return None, None, False
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return None, None, True
    try:
        return _dt.date.fromisoformat(value), value, False
    except ValueError:
        return None, None, True


def _layer(name: Any, state: State, start: str | None, end: str | None, reason: Reason | None, sentence: str, /,
           **values: str) -> Layer:
    return Layer(name, state, start, end, reason.code if reason else None, sentence, tuple(values.items()))


def _document(payload: dict[str, Any], today: _dt.date, kind: str) -> Layer:
    doi, doi_s, bad1 = _date(payload.get("date_of_issuance"))
    doe, doe_s, bad2 = _date(payload.get("date_of_expiry"))
    t = today.isoformat()
    if doe is not None and today > doe:
        return _layer("document", "expired", doi_s, doe_s, R_DOC_EXPIRED, f"validity.document.expired.{kind}",
                      expiry=str(doe_s), today=t)
    if doi is not None and today < doi:
        return _layer("document", "not_yet_valid", doi_s, doe_s, R_DOC_NOT_YET, f"validity.document.not_yet.{kind}",
                      issued=str(doi_s), today=t)
    if doi is None or doe is None:
        why = "malformed" if bad1 or bad2 else "not_shown"
        return _layer("document", "unknown", doi_s, doe_s, R_DOC_UNKNOWN, f"validity.document.{why}.{kind}")
    return _layer("document", "valid", doi_s, doe_s, None, f"validity.document.valid.{kind}",
                  issued=str(doi_s), expiry=str(doe_s))


def _coverage(payload: dict[str, Any], today: _dt.date, kind: str) -> Layer:
    start, start_s, bad1 = _date(payload.get("starting_date"))
    end, end_s, bad2 = _date(payload.get("ending_date"))
    values = {"today": today.isoformat()}
    country = payload.get("legislation_country")
    country = country if isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country) else None
    variant = kind
    if kind == "a1":  # the legislation that applies, by its country when the A1 names one
        variant = "a1.country" if country else "a1.named"
        if country:
            values["country"] = country

    if end is not None and today > end:
        return _layer("coverage", "expired", start_s, end_s, R_COV_ENDED, f"validity.coverage.ended.{variant}",
                      end=str(end_s), **values)
    if start is not None and today < start:
        return _layer("coverage", "not_yet_valid", start_s, end_s, R_COV_NOT_STARTED,
                      f"validity.coverage.not_started.{variant}", start=str(start_s), **values)
    if end is None:
        # The ending date decides "still covered"; without it nothing can be said. An EHIC verifier that asks
        # only for ending_date (ehic-care) gets a decision on the ending date alone, see below.
        why = "malformed" if bad2 else "not_shown"
        return _layer("coverage", "unknown", start_s, end_s, R_COV_UNKNOWN, f"validity.coverage.{why}.{kind}",
                      today=values["today"])
    if start is None and (bad1 or kind != "ehic"):
        # A1: the period's start matters (a future posting is not coverage today). EHIC: the card is in force
        # from issuance and the ehic-care preset asks only for the ending date (card field 9), so a missing
        # starting_date does not make EHIC coverage unknown; a malformed one does.
        why = "malformed" if bad1 else "not_shown"
        return _layer("coverage", "unknown", start_s, end_s, R_COV_UNKNOWN, f"validity.coverage.{why}.{kind}",
                      today=values["today"])
    if kind == "ehic":
        return _layer("coverage", "valid", start_s, end_s, None, "validity.coverage.valid.ehic", end=str(end_s),
                      **values)
    return _layer("coverage", "valid", start_s, end_s, None, f"validity.coverage.valid.{variant}",
                  start=str(start_s), end=str(end_s), **values)


def validity_layers(payload: dict[str, Any], now: int, inspection_date: _dt.date, *, skew: int = 60) -> ValidityReport:
    """The three layers for a processed SD-JWT VC payload (registered claims plus whatever was disclosed).

    ``now`` is unix time for ``iat``/``nbf``/``exp`` (with ``skew`` seconds of clock tolerance);
    ``inspection_date`` is compared with the date claims, inclusive at both ends.
    """
    if not isinstance(payload, dict):
        payload = {}
    kind = {_PDA1: "a1", _EHIC: "ehic"}.get(payload.get("vct"), "other")  # type: ignore[arg-type]
    return ValidityReport(
        technical=_technical(payload, now, skew),
        document=_document(payload, inspection_date, kind),
        coverage=_coverage(payload, inspection_date, kind),
        inspection_date=inspection_date.isoformat(),
    )


# ---------------------------------------------------------------------------------------------
# The layers in a verification report (decision shape, unchanged since issue #5):
# ``{"technical": {"status", "from", "until", "issued_at"},
#   "document": {"status", "from", "until", "inspection_date", "partial"?},
#   "coverage": {"status", "from", "until", "inspection_date", "partial"?, "legislation_country"?}}``.
# Status words: technical ``valid | expired | not_yet_valid | malformed``; document ``valid | expired |
# not_yet_valid | not_disclosed | unknown | malformed``; coverage ``in_force | ended | not_started | not_disclosed |
# unknown | malformed``. A valid layer passes (``validity.technical``, ``validity.document``, ``coverage.in_force``);
# an expired / not yet valid one fails with its code and the sentence naming the dates; a malformed date fails with
# ``validity.date_malformed``. A layer whose dates were not disclosed is ``not_disclosed`` and makes no check (it was
# not checked, and the report says so); one disclosed only in part is ``unknown`` and makes no check either (what a
# request needs is enforced by the ``request.claims`` check). The technical layer uses the SD-JWT core's clock
# leeway, so a credential the core refused with ``sd.expired`` shows the same state here.

_DOC_STATUS = {"valid": "valid", "expired": "expired", "not_yet_valid": "not_yet_valid"}
_COV_STATUS = {"valid": "in_force", "expired": "ended", "not_yet_valid": "not_started"}
_TECH_FAIL = {"expired": R_TECH_EXPIRED, "not_yet_valid": R_TECH_NOT_YET}
_LAYER_FAIL = {R.code: R for R in (R_DOC_EXPIRED, R_DOC_NOT_YET, R_COV_ENDED, R_COV_NOT_STARTED)}


def _utc(t: Any) -> str | None:
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        return None
    try:
        return _dt.datetime.fromtimestamp(int(t), _dt.timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def _sentence(layer: Layer) -> Layer | None:
    """The layer as the check's words (made into sentences only when a screen asks: credential.report.Check)."""
    return layer if layer.sentence else None


def _technical_value(layer: Layer, payload: dict[str, Any]) -> dict[str, Any]:
    status = {"unknown": "malformed"}.get(layer.state, layer.state)
    return {"status": status, "from": layer.start, "until": layer.end, "issued_at": _utc(payload.get("iat"))}


def _check_technical(layer: Layer, report: Report) -> None:
    evidence = {"from": layer.start, "until": layer.end}
    if layer.state == "valid":
        report.add(R_OK_TECHNICAL, Kind.PASSED, Stage.VALIDITY, evidence, words=_sentence(layer))
    elif layer.state in _TECH_FAIL:
        report.add(_TECH_FAIL[layer.state], Kind.FAILED, Stage.VALIDITY, evidence, words=_sentence(layer))
    else:  # malformed times: the core refuses these first
        report.add(R_TECH_UNKNOWN, Kind.FAILED, Stage.VALIDITY, evidence)


def _check_dated(layer: Layer, payload: dict[str, Any], start_name: str, end_name: str, words: dict[str, str],
                 ok: Reason, day: _dt.date, report: Report) -> dict[str, Any]:
    start_raw, end_raw = payload.get(start_name), payload.get(end_name)
    value: dict[str, Any] = {"status": "", "from": layer.start, "until": layer.end,
                             "inspection_date": day.isoformat()}
    evidence = {"from": layer.start, "until": layer.end, "inspection_date": value["inspection_date"]}
    if (start_raw is not None and layer.start is None) or (end_raw is not None and layer.end is None):
        value["status"] = "malformed"  # an issuer-signed date that is not a date: broken, not merely undisclosed
        report.add(R_DATE_MALFORMED, Kind.FAILED, Stage.VALIDITY, evidence)
        return value
    if start_raw is None and end_raw is None:
        value["status"] = "not_disclosed"
        return value
    if layer.state == "unknown":
        value["status"] = "unknown"
        return value
    value["status"] = words[layer.state]
    if layer.start is None or layer.end is None:
        value["partial"] = True  # only one end of the period was disclosed (e.g. ehic-care: ending_date)
    if layer.code in _LAYER_FAIL:
        report.add(_LAYER_FAIL[layer.code], Kind.FAILED, Stage.VALIDITY, evidence, words=_sentence(layer))
    else:
        report.add(ok, Kind.PASSED, Stage.VALIDITY, evidence, words=_sentence(layer))
    return value


def check_layers(report: Report, payload: dict[str, Any], now: int, inspection_date: _dt.date, *,
                 leeway: int = 60) -> dict[str, Any]:
    """Add the three layers' checks to ``report`` (technical, document, coverage) and return their decision shape."""
    layers = validity_layers(payload, now, inspection_date, skew=leeway)
    _check_technical(layers.technical, report)
    out: dict[str, Any] = {"technical": _technical_value(layers.technical, payload)}
    out["document"] = _check_dated(layers.document, payload, "date_of_issuance", "date_of_expiry", _DOC_STATUS,
                                   R_OK_DOCUMENT, inspection_date, report)
    cov = _check_dated(layers.coverage, payload, "starting_date", "ending_date", _COV_STATUS, R_OK_COVERAGE,
                       inspection_date, report)
    if payload.get("vct") == _PDA1 and isinstance(payload.get("legislation_country"), str):
        cov["legislation_country"] = payload["legislation_country"]
    out["coverage"] = cov
    return out


def technical_layer(signed_payload: dict[str, Any], now: int, *, leeway: int = 60) -> dict[str, Any]:
    """The technical layer alone, from the issuer-signed JWT payload (``iat``/``nbf``/``exp`` are never
    disclosable), for a report where the core stopped at the times after verifying the issuer's signature."""
    return {"technical": _technical_value(_technical(signed_payload, now, leeway), signed_payload)}
