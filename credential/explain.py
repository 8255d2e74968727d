"""One explain layer for every screen (issue 10, item 2): what a credential says and what a verification found, in
words a person reads.

* claims → labelled, localised rows (:func:`claim_rows`): every nested object is flattened the same way for every
  type (one row per value, labelled "Parent: Member" from the type metadata's claim labels, SD-JWT VC draft-18
  §4.1.1 ``claims[].display``), lists of plain values joined, code lists turned into words, yes/no in words;
* a credential type → its display name (:func:`type_name`, the type metadata's ``display``);
* validity layers → rows with the state in words and the dates (:func:`layer_rows`);
* a report → the per-check explanation (:func:`check_lines`): the result word and the reason's sentence;
* the age of the data a decision used → one line in words (:func:`data_age_text`, :func:`age_text`);
* a decision that did not pass → its decisive reason and the next step (:func:`decision_hint`).

The ``esspass verify`` and ``esspass inspect verify`` commands, the verifier console, the inspector app and the wallet
call these; none formats claims itself. The words themselves live in the gettext catalogs (:mod:`credential.i18n`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import labels as other_labels
from .i18n import country_name, date_format, text
from .text import display_safe
from .types import claim_label, get_type

__all__ = ["RESCAN", "REVOKED", "CheckLine", "LayerRow", "Row", "age_text", "bound_text", "check_lines",
           "claim_rows", "data_age_text", "date_text", "decision_hint", "next_step", "evidence_text", "label",
           "layer_rows", "result_word", "type_name", "unmapped_rows", "value_text"]

LAYERS = ("technical", "document", "coverage")
# Reading order of the top-level claims an inspector looks for first; the rest follow in the credential's order.
_ORDER = ("subject", "personal_administrative_number", "document_number", "legislation_country", "starting_date",
          "ending_date", "status_confirmation", "employer", "work_information", "issuing_authority",
          "date_of_issuance", "date_of_expiry")
# Claims whose values come from a code list: the code is shown with its words (pda1 schema: status_confirmation,
# employer.type; Regulation (EC) 987/2009 portable document A1 fields 3.x and 4.1).
_CODE_LISTS = {("status_confirmation",): "status_confirmation", ("employer", "type"): "employer_type",
               # the EAA's legal category (rulebook chapter 2.1, ARF Annex 2 ARB_11): "PuB-EAA", from a public body
               ("attestation_legal_category",): "attestation_legal_category"}
# The legal basis of each status confirmation (the PD A1 form, section 3, Decision No A2 of the Administrative
# Commission): the article of Regulation (EC) No 883/2004 under which the legislation was determined. Shown with the
# words so a person learns why (GDPR art. 15(1)(h): meaningful information about the logic of a decision).
_STATUS_ARTICLE = {"01": "12(1)", "02": "13(1)", "03": "12(2)", "04": "13(2)", "05": "11(3)(b)", "06": "15",
                   "07": "11(4)", "08": "13(3)", "09": "13(4)", "10": "11(5)", "11": "16", "12": "11(3)(a)"}
# Claims whose value is an ISO 3166-1 alpha-2 country code (pda1/ehic schemas), shown as the country's name.
_COUNTRY_CLAIMS = {"country", "legislation_country", "issuing_country", "no_fixed_place_of_work", "flag_base_home"}


@dataclass(frozen=True, slots=True)
class Row:
    path: tuple[str | int, ...]
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class LayerRow:
    name: str  # technical | document | coverage
    label: str
    status: str  # the report's status word (valid, expired, in_force, ...)
    status_text: str
    start: str | None
    end: str | None


@dataclass(frozen=True, slots=True)
class CheckLine:
    code: str
    result: str  # pass | fail | unknown
    word: str  # "passed" / "bestået" ...
    message: str
    evidence: str = ""  # what the check decided with, in words: the trusted list's number and dates, the status list's


def _ctype(vct: str | None) -> Any:
    try:
        return get_type(vct) if vct else None
    except KeyError:
        return None


def type_name(vct: str | None, lang: str, type_metadata: Mapping[str, Any] | None = None) -> str:
    """The credential type's display name in ``lang`` (then English, then the vct itself). Another issuer's type
    (issue 16): the name from its ``type_metadata`` when given, else our type's through the mapping."""
    ctype = _ctype(vct)
    if ctype is None:
        other = other_labels.type_name(vct, lang, type_metadata) if vct else None
        return str(display_safe(other or vct or ""))
    by = {str(d.get("locale", d.get("lang", ""))).split("-")[0]: d.get("name")
          for d in ctype.metadata.get("display", [])}
    return str(by.get(lang) or by.get("en") or vct)


def label(vct: str | None, path: Iterable[str | int | None], lang: str,
          type_metadata: Mapping[str, Any] | None = None) -> str:
    """A claim's label: "Parent: Member" for a member of an object (array indices are not named). A claim of another
    issuer's shape (issue 16, ``credential.labels``): the label of its ``type_metadata`` when given, else ours
    through the mapping, else its name."""
    names = tuple(p for p in path if isinstance(p, str))
    ctype = _ctype(vct)
    if ctype is None or not names:
        other = other_labels.claim_label(vct, names, lang, type_metadata) if vct and names else None
        return str(display_safe(other or ".".join(names)))
    own = claim_label(ctype, names, lang) or names[-1]
    if own == names[-1]:  # not one of our claims: perhaps DC4EU's name for one of ours (top-level work_address)
        own = other_labels.claim_label(vct, names, lang) or own
    if len(names) > 1:
        parent = claim_label(ctype, names[:1], lang)
        if parent == names[0]:
            parent = other_labels.claim_label(vct, names[:1], lang) or parent
        if parent and parent != own:
            return f"{parent}: {own}"
    return own


def date_text(value: str, lang: str) -> str:
    """An ISO 8601 date as people write it: 14.01.2031 in Danish, 14 Jan 2031 in English, 2031-01-14 in Swedish
    (credential.i18n.date_format; a malformed date is shown as given)."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return str(display_safe(value))
    return day.strftime(date_format(lang))


def bound_text(value: Any, lang: str) -> str:
    """A validity bound (a layer's ``from`` / ``until``) as people write it: the date in the language's way, a time of
    day with its zone (UTC); "" when there is none."""
    if not isinstance(value, str) or not value:
        return ""
    day = date_text(value[:10], lang)
    if len(value) >= 16 and value[10:11] == "T":
        return f"{day} {value[11:16]} UTC" if value.endswith(("Z", "+00:00")) else f"{day} {value[11:16]}"
    return day


def value_text(value: Any, path: tuple[str | int, ...], lang: str) -> str:
    """A plain value in words: yes/no, lists joined, a date as people write it, a code with its meaning."""
    if isinstance(value, bool):
        return text("explain.yes" if value else "explain.no", lang)
    if isinstance(value, list):
        return ", ".join(value_text(v, path, lang) for v in value)
    names = tuple(p for p in path if isinstance(p, str))
    code_list = _CODE_LISTS.get(names)
    if code_list is not None and isinstance(value, str):
        key = f"code.{code_list}.{value}"  # a code outside the list is shown as it is (made display-safe below)
        words = text(key, lang)
        if words != key:  # the words, never the bare code (issue 15); the legal basis where there is one
            article = _STATUS_ARTICLE.get(value) if code_list == "status_confirmation" else None
            return f"{words} ({text('code.legal_basis', lang, article=article)})" if article else words
    last = names[-1] if names else ""
    if isinstance(value, str) and last in _COUNTRY_CLAIMS and len(value) == 2 and value.isalpha():
        return country_name(value, lang)
    if isinstance(value, str) and (last.startswith("date") or last.endswith("_date")):
        return date_text(value, lang)
    return str(display_safe(str(value)))  # no bidi overrides or invisible characters on screen (credential.text)


def claim_rows(claims: Mapping[str, Any], vct: str | None, lang: str,
               type_metadata: Mapping[str, Any] | None = None) -> list[Row]:
    """One row per disclosed value, in reading order; objects (and lists of objects) flattened the same way for
    every type (``type_metadata``: the labels of another issuer's type, see :func:`label`)."""
    keys = [k for k in _ORDER if k in claims] + [k for k in claims if k not in _ORDER]
    rows: list[Row] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(v, (*path, k))
        elif isinstance(value, list) and any(isinstance(x, (dict, list)) for x in value):
            for i, v in enumerate(value):
                walk(v, (*path, i))
        else:
            rows.append(Row(path, label(vct, path, lang, type_metadata), value_text(value, path, lang)))

    for k in keys:
        walk(claims[k], (k,))
    return rows


def unmapped_rows(shape: Mapping[str, Any] | None, lang: str) -> list[Row]:
    """The claims a decision read from another issuer's shape but could not place in our model (its ``shape.unmapped``,
    issue 16): shown as received, each labelled as not read, never dropped."""
    rows: list[Row] = []
    for item in (shape or {}).get("unmapped") or []:
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            path = tuple(item["path"].split("."))
            rows.append(Row(path, text("claims.unmapped.row", lang, path=str(display_safe(item["path"]))),
                            value_text(item.get("value"), path, lang)))
    return rows


def layer_rows(validity: Mapping[str, Any], lang: str) -> list[LayerRow]:
    """The validity layers of a decision (its ``validity`` object), each with its state in words."""
    rows = []
    for name in LAYERS:
        v = validity.get(name)
        if not v:
            continue
        status = str(v.get("status"))
        rows.append(LayerRow(name, text(f"layer.{name}", lang), status, text(f"layer.status.{status}", lang),
                             v.get("from"), v.get("until")))
    return rows


def result_word(result: str, lang: str) -> str:
    """pass | fail | unknown → "passed" / "failed" / "could not be checked" in ``lang``."""
    return text(f"check.{result}", lang)


def _when(value: Any, lang: str) -> str:
    """Epoch seconds as a date and a UTC time in ``lang``'s date order ("-" when unknown)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "-"
    try:
        moment = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "-"
    return f"{moment.strftime(date_format(lang))} {moment:%H:%M} UTC"


def evidence_text(evidence: Mapping[str, Any] | None, lang: str) -> str:
    """The evidence of a trust or status check (the ``evidence`` object of the JSON checks) in words: which trusted
    list decided (its sequence number, TS 119 602 ListIssueDateTime and NextUpdate), or when the Status List Token
    was issued (``iat``) and obtained. Empty for a check without such evidence."""
    if not evidence:
        return ""
    if "trust_list_sequence_number" in evidence:
        return text("evidence.trust_list", lang).format(
            sequence=display_safe(str(evidence["trust_list_sequence_number"])),
            issued=_when(evidence.get("trust_list_issued"), lang),
            next_update=_when(evidence.get("trust_list_next_update"), lang))
    if evidence.get("status_list_iat") is not None:
        return text("evidence.status_list", lang).format(issued=_when(evidence["status_list_iat"], lang),
                                                         fetched=_when(evidence.get("status_list_fetched_at"), lang))
    return ""


def age_text(seconds: Any, lang: str) -> str:
    """An age in seconds as a person says it ("moments", "5 min", "3 h", "2 days"); "-" when unknown."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return "-"
    s = max(0, int(seconds))
    if s < 90:
        return text("inspector.age.now", lang)
    if s < 90 * 60:
        return text("inspector.age.min", lang).format(n=round(s / 60))
    if s < 48 * 3600:
        return text("inspector.age.h", lang).format(n=round(s / 3600))
    return text("inspector.age.d", lang).format(n=s // 86400)


def data_age_text(data_age: Mapping[str, Any] | None, checks: Iterable[Mapping[str, Any]], lang: str) -> str:
    """How old the data behind a decision was (the report's ``data_age``): when the trusted list was fetched (or
    else issued) and when the status list was issued; "none usable" when a status check needed one and had none;
    "-" when the decision used neither."""
    age = data_age or {}
    parts = []
    if age.get("trust_list_fetched_s") is not None:
        parts.append(text("inspector.decision.trust_list", lang).format(age=age_text(age["trust_list_fetched_s"], lang)))
    elif age.get("trust_list_s") is not None:
        parts.append(text("inspector.decision.trust_list_issued", lang).format(age=age_text(age["trust_list_s"], lang)))
    if age.get("status_list_s") is not None:
        parts.append(text("inspector.decision.status_list", lang).format(age=age_text(age["status_list_s"], lang)))
    elif any(str(c.get("code", "")).startswith("status.") and c.get("code") != "status.not_provided" for c in checks):
        parts.append(text("inspector.decision.status_none", lang))
    return "; ".join(parts) or "-"


def check_lines(checks: Iterable[Mapping[str, Any]], lang: str, *, problems_first: bool = False) -> list[CheckLine]:
    """The per-check explanation of a decision's ``checks`` (JSON shape): the result word and the sentence."""
    lines = [CheckLine(c["code"], c["result"], result_word(c["result"], lang),
                       c["message"].get(lang) or c["message"]["en"], evidence_text(c.get("evidence"), lang))
             for c in checks]
    if problems_first:
        lines.sort(key=lambda c: {"fail": 0, "unknown": 1}.get(c.result, 2))
    return lines


# The next step a failed check calls for (issue 15 item 3): withdrawn by the issuer -> do not accept, paper copy or
# institution; an answer made for another request or verifier, or too old -> most likely a mis-scan, scan again.
REVOKED = frozenset({"status.invalid", "status.suspended"})
RESCAN = frozenset({"kb.nonce", "kb.aud", "kb.iat", "qr.context", "qr.kind", "inspect.session_used",
                     "inspect.session_expired"})


def decision_hint(decision: Mapping[str, Any], lang: str, data_age: str) -> str:
    """The words under a decision's headline (inspector banner, ``esspass verify``): for a failure the decisive
    reason and the next step; for a check that could not be completed what it does not mean and what to do, with the
    age of the data used (:func:`data_age_text`). Empty for a decision that passed. (The console shows the decisive
    reason on a line of its own, then :func:`next_step`.)"""
    step = next_step(decision, lang, data_age)
    if not step:
        return ""
    decisive = _decisive_line(decision, lang)
    return " ".join(x for x in (decisive.message if decisive else "", step) if x)


def next_step(decision: Mapping[str, Any], lang: str, data_age: str) -> str:
    """What to do after a decision that did not pass (issue 15 item 3): withdrawn by the issuer → do not accept, ask
    for the paper copy or the institution; most likely a mis-scan → scan again; could not check → not a finding that
    the document is false, check the ID document (with the age of the data used). Empty for one that passed."""
    result = decision.get("result")
    if result == "FAILED":
        decisive = _decisive_line(decision, lang)
        code = decisive.code if decisive is not None else ""
        step = "next.revoked" if code in REVOKED else "next.rescan" if code in RESCAN else "next.failed"
        return text("inspector." + step, lang)
    if result == "INDETERMINATE":
        return text("inspector.next.unknown", lang).format(age=data_age)
    return ""


def _decisive_line(decision: Mapping[str, Any], lang: str) -> CheckLine | None:
    """The check that decided: the first that failed, else the first that could not be completed."""
    lines = check_lines(decision.get("checks") or [], lang, problems_first=True)
    wanted = "fail" if decision.get("result") == "FAILED" else "unknown"
    return next((c for c in lines if c.result == wanted), None)
