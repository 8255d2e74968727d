"""The three validity layers in a decision: an adapter from :func:`credential.validity.validity_layers` (the credential
core's single definition of technical, document and coverage validity, shared/specs/credential-types.md "Three
validity layers") to the decision's ``validity`` object and checks. Nothing about dates is decided here.

Decision shape (unchanged): ``{"technical": {"status", "from", "until", "issued_at"},
"document": {"status", "from", "until", "inspection_date", "partial"?},
"coverage": {"status", "from", "until", "inspection_date", "partial"?, "legislation_country"?}}``.
Status words: technical ``valid | expired | not_yet_valid | malformed``; document ``valid | expired |
not_yet_valid | not_disclosed | unknown | malformed``; coverage ``in_force | ended | not_started | not_disclosed |
unknown | malformed``.

Checks: a layer that is valid passes (``validity.technical``, ``validity.document``, ``coverage.in_force``); one
that is expired / not yet valid fails with the core's code (``validity.technical_expired``,
``validity.technical_not_yet_valid``, ``validity.document_expired``, ``validity.document_not_yet_valid``,
``coverage.ended``, ``coverage.not_started``) and the core's explanation naming the dates; a malformed date fails
with ``validity.date_malformed``. A layer whose dates were not disclosed (a preset that does not ask for them) is
``not_disclosed`` and produces no check: it was not checked, and the report says so; one disclosed only in part
(the core says ``unknown``) is ``unknown`` and produces no check either (what the preset needs is enforced by the
``request.claims`` check).

The technical layer uses the same clock leeway as the SD-JWT core (``credential.sd_jwt.VerifyPolicy``), so a
credential the core refused with ``sd.expired`` / ``sd.not_yet_valid`` / ``sd.issued_in_future`` shows the same
state here (:func:`technical_only` builds that layer from the signed payload for such a decision).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from credential import validity as CV
from credential.reasons import Reason

from . import reasons as V

# The SD-JWT core's clock leeway (credential.sd_jwt.VerifyPolicy.clock_leeway_s); the layer uses the same.
DEFAULT_LEEWAY_S = 60

_DOC_STATUS = {"valid": "valid", "expired": "expired", "not_yet_valid": "not_yet_valid"}
_COV_STATUS = {"valid": "in_force", "expired": "ended", "not_yet_valid": "not_started"}
_TECH_FAIL = {"expired": CV.R_TECH_EXPIRED, "not_yet_valid": CV.R_TECH_NOT_YET}
_LAYER_FAIL = {"expired", "not_yet_valid"}


@dataclass(frozen=True)
class LayerCheck:
    reason: Reason
    result: str  # pass | fail
    message: dict[str, str] | None = None  # the core's sentence for this credential (dates named), if any

    def words(self) -> dict[str, str]:
        return dict(self.message) if self.message else self.reason.message()


def _iso(t: Any) -> str | None:
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        return None
    try:
        return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def _words(layer: CV.Layer) -> dict[str, str] | None:
    return {"en": layer.en, "da": layer.da} if layer.en else None


def _technical(layer: CV.Layer, payload: dict[str, Any]) -> tuple[dict[str, Any], LayerCheck | None]:
    status = {"unknown": "malformed"}.get(layer.state, layer.state)
    value = {"status": status, "from": layer.start, "until": layer.end, "issued_at": _iso(payload.get("iat"))}
    if layer.state == "valid":
        return value, LayerCheck(V.OK_TECHNICAL, "pass", _words(layer))
    if layer.state in _TECH_FAIL:
        return value, LayerCheck(_TECH_FAIL[layer.state], "fail", _words(layer))
    return value, LayerCheck(CV.R_TECH_UNKNOWN, "fail")  # malformed times: the core refuses these first


def _dated(layer: CV.Layer, payload: dict[str, Any], start_name: str, end_name: str, words: dict[str, str],
           ok: Reason, day: dt.date) -> tuple[dict[str, Any], LayerCheck | None]:
    start_raw, end_raw = payload.get(start_name), payload.get(end_name)
    value: dict[str, Any] = {"status": "", "from": layer.start, "until": layer.end,
                             "inspection_date": day.isoformat()}
    malformed = (start_raw is not None and layer.start is None) or (end_raw is not None and layer.end is None)
    if malformed:  # an issuer-signed date that is not a date: the credential is broken, not merely undisclosed
        value["status"] = "malformed"
        return value, LayerCheck(V.DATE_MALFORMED, "fail")
    if start_raw is None and end_raw is None:
        value["status"] = "not_disclosed"
        return value, None
    if layer.state == "unknown":
        value["status"] = "unknown"
        return value, None
    value["status"] = words[layer.state]
    if layer.start is None or layer.end is None:
        value["partial"] = True  # only one end of the period was disclosed (e.g. ehic-care: ending_date)
    if layer.state in _LAYER_FAIL:
        return value, LayerCheck(_reason_of(layer), "fail", _words(layer))
    return value, LayerCheck(ok, "pass", _words(layer))


def _reason_of(layer: CV.Layer) -> Reason:
    return {
        CV.R_DOC_EXPIRED.code: CV.R_DOC_EXPIRED, CV.R_DOC_NOT_YET.code: CV.R_DOC_NOT_YET,
        CV.R_COV_ENDED.code: CV.R_COV_ENDED, CV.R_COV_NOT_STARTED.code: CV.R_COV_NOT_STARTED,
    }[layer.code or ""]


def validity_layers(payload: dict[str, Any], now: int, inspection_date: dt.date, *,
                    leeway: int = DEFAULT_LEEWAY_S) -> tuple[dict[str, Any], list[LayerCheck]]:
    """The three layers (decision shape) and the checks they produce, in the order technical, document, coverage."""
    report = CV.validity_layers(payload, now, inspection_date, skew=leeway)
    layers: dict[str, Any] = {}
    checks: list[LayerCheck] = []
    tech, c = _technical(report.technical, payload)
    layers["technical"] = tech
    checks.append(c)
    doc, c = _dated(report.document, payload, "date_of_issuance", "date_of_expiry", _DOC_STATUS, V.OK_DOCUMENT,
                    inspection_date)
    layers["document"] = doc
    if c:
        checks.append(c)
    cov, c = _dated(report.coverage, payload, "starting_date", "ending_date", _COV_STATUS, V.OK_COVERAGE,
                    inspection_date)
    if payload.get("vct") == "urn:eudi:pda1:1" and isinstance(payload.get("legislation_country"), str):
        cov["legislation_country"] = payload["legislation_country"]
    layers["coverage"] = cov
    if c:
        checks.append(c)
    return layers, [c for c in checks if c is not None]


def technical_only(signed_payload: dict[str, Any], now: int, *, leeway: int = DEFAULT_LEEWAY_S) -> dict[str, Any]:
    """The technical layer alone, from the issuer-signed JWT payload (``iat``/``nbf``/``exp`` are never
    disclosable), for a decision where the core refused the credential on its times after verifying the
    issuer's signature."""
    report = CV.validity_layers(signed_payload, now, dt.date(1970, 1, 1), skew=leeway)
    return {"technical": _technical(report.technical, signed_payload)[0]}
