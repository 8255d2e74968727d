"""The three validity layers a verifier reports separately (shared/specs/credential-types.md,
"Three validity layers"): technical (``iat``/``nbf``/``exp`` of the SD-JWT), document
(``date_of_issuance`` ≤ inspection date ≤ ``date_of_expiry``) and coverage (``starting_date`` ≤
inspection date ≤ ``ending_date``). Pure: the payload, ``now`` and the inspection date are arguments.

A layer whose dates were not disclosed (a preset that does not ask for them) is ``not_disclosed`` and
produces no check: it was not checked, and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from credential.reasons import Reason

from . import reasons as V


@dataclass(frozen=True)
class LayerCheck:
    reason: Reason
    result: str  # pass | fail


def _iso(t: Any) -> str | None:
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        return None
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        raise ValueError
    return dt.date.fromisoformat(value)


def technical(payload: dict[str, Any], now: int, leeway: int = 60) -> dict[str, Any]:
    iat, nbf, exp = payload.get("iat"), payload.get("nbf"), payload.get("exp")
    start = nbf if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else iat
    status = "valid"
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and now >= exp + leeway:
        status = "expired"
    elif isinstance(start, (int, float)) and not isinstance(start, bool) and now + leeway < start:
        status = "not_yet_valid"
    return {"status": status, "from": _iso(start), "until": _iso(exp), "issued_at": _iso(iat)}


def _period(payload: dict[str, Any], start_name: str, end_name: str, day: dt.date,
            ok: Reason, too_late: Reason, too_early: Reason) -> tuple[dict[str, Any], LayerCheck | None]:
    start_raw, end_raw = payload.get(start_name), payload.get(end_name)
    layer: dict[str, Any] = {"from": start_raw if isinstance(start_raw, str) else None,
                             "until": end_raw if isinstance(end_raw, str) else None,
                             "inspection_date": day.isoformat()}
    if start_raw is None and end_raw is None:
        layer["status"] = "not_disclosed"
        return layer, None
    try:
        start = _date(start_raw) if start_raw is not None else None
        end = _date(end_raw) if end_raw is not None else None
    except (ValueError, TypeError):
        layer["status"] = "malformed"
        return layer, LayerCheck(V.DATE_MALFORMED, "fail")
    if end is not None and day > end:
        layer["status"] = "expired" if ok is V.OK_DOCUMENT else "ended"
        return layer, LayerCheck(too_late, "fail")
    if start is not None and day < start:
        layer["status"] = "not_yet_valid" if ok is V.OK_DOCUMENT else "not_started"
        return layer, LayerCheck(too_early, "fail")
    layer["status"] = "valid" if ok is V.OK_DOCUMENT else "in_force"
    if start is None or end is None:
        layer["partial"] = True  # only one end of the period was disclosed (e.g. ehic-care: ending_date)
    return layer, LayerCheck(ok, "pass")


def validity_layers(payload: dict[str, Any], now: int, inspection_date: dt.date
                    ) -> tuple[dict[str, Any], list[LayerCheck]]:
    """The three layers and the checks they produce (document and coverage; the technical layer's
    failures are the core's ``sd.expired``/``sd.not_yet_valid``, so it only reports a pass here)."""
    layers: dict[str, Any] = {"technical": technical(payload, now)}
    checks: list[LayerCheck] = []
    if layers["technical"]["status"] == "valid":
        checks.append(LayerCheck(V.OK_TECHNICAL, "pass"))
    doc, c = _period(payload, "date_of_issuance", "date_of_expiry", inspection_date,
                     V.OK_DOCUMENT, V.DOCUMENT_EXPIRED, V.DOCUMENT_NOT_YET)
    layers["document"] = doc
    if c:
        checks.append(c)
    cov, c = _period(payload, "starting_date", "ending_date", inspection_date,
                     V.OK_COVERAGE, V.COVERAGE_ENDED, V.COVERAGE_NOT_STARTED)
    if payload.get("vct") == "urn:eudi:pda1:1" and isinstance(payload.get("legislation_country"), str):
        cov["legislation_country"] = payload["legislation_country"]
    layers["coverage"] = cov
    if c:
        checks.append(c)
    return layers, checks
