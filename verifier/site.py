"""A site session (issue 15 item 3): one inspection visit — place, date, inspector — and each worker checked there,
numbered in the order checked, with the outcome; exportable as CSV and PDF.

What an entry keeps follows the records setting (``ESSPASS_VERIFIER_RECORDS``, :mod:`verifier.records`): the number,
time and outcome always (they are the inspector's own notes, no data of the worker); the credential type only with
``credential_type``; the decisive reason only with ``codes``; the holder's name and the document number only with
``claims``. The default setting keeps no personal data: the list then tells workers apart by their number and time,
which the inspector notes beside the names on their own sheet (GDPR art. 5(1)(c)).

Files: ``<state>/sites/<id>.json`` (mode 0600), the current session's id in ``<state>/sites/current``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from credential import explain
from credential.i18n import text
from credential import display_safe

from .policy import Decision

__all__ = ["SiteEntry", "SiteSession", "SiteStore", "export_csv", "export_pdf", "font_path"]

MAX_FIELD = 120  # place and inspector: a line of text, not a document
MAX_ENTRIES = 2000
RESULTS = ("PASSED", "FAILED", "INDETERMINATE")


@dataclass
class SiteEntry:
    n: int
    time: int
    result: str
    manual: bool = False  # checked by document number only (weaker: nothing proves the holder)
    credential_type: str | None = None
    reason: str | None = None  # the decisive check's code (failed, else could not be checked)
    holder: str | None = None
    document_number: str | None = None


@dataclass
class SiteSession:
    id: str
    place: str
    date: str  # ISO 8601 calendar date
    inspector: str
    started_at: int
    fields: list[str] = field(default_factory=list)  # the records setting when the session started
    entries: list[SiteEntry] = field(default_factory=list)
    ended_at: int | None = None

    @classmethod
    def create(cls, place: str, date: str, inspector: str, *, fields: frozenset[str], now: int) -> "SiteSession":
        place, inspector = _line(place, "place"), _line(inspector, "inspector")
        try:
            day = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise ValueError(f"date: {date!r} is not a date (YYYY-MM-DD)") from None
        return cls(secrets.token_hex(8), place, day.isoformat(), inspector, int(now), sorted(fields))

    def add(self, decision: Decision, now: int, *, manual: bool = False,
            document_number: str | None = None) -> SiteEntry:
        if len(self.entries) >= MAX_ENTRIES:
            raise ValueError(f"a site session holds at most {MAX_ENTRIES} workers: start a new one")
        keep = set(self.fields)
        decisive = decision.decisive
        holder = number = None
        if "claims" in keep:
            subject = (decision.claims or {}).get("subject")
            if isinstance(subject, dict):
                holder = " ".join(str(display_safe(str(subject.get(k) or ""))) for k in ("forenames", "familynames"))
                holder = holder.strip() or None
            number = document_number or (decision.claims or {}).get("document_number")
            number = str(display_safe(str(number))) if number else None
        entry = SiteEntry(len(self.entries) + 1, int(now), decision.result, manual,
                          decision.credential_type if "credential_type" in keep else None,
                          decisive if "codes" in keep else None, holder, number)
        self.entries.append(entry)
        return entry

    def counts(self) -> dict[str, int]:
        out = {r: 0 for r in RESULTS}
        for e in self.entries:
            out[e.result] = out.get(e.result, 0) + 1
        return out

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SiteSession":
        entries = [SiteEntry(**{k: e.get(k) for k in SiteEntry.__dataclass_fields__ if k in e})
                   for e in data.get("entries", []) if isinstance(e, dict)]
        return cls(str(data["id"]), str(data["place"]), str(data["date"]), str(data["inspector"]),
                   int(data["started_at"]), list(data.get("fields", [])), entries, data.get("ended_at"))


def _line(value: str, name: str) -> str:
    value = " ".join(str(display_safe(str(value or ""))).split())
    if not value:
        raise ValueError(f"{name}: required")
    if len(value) > MAX_FIELD:
        raise ValueError(f"{name}: at most {MAX_FIELD} characters")
    return value


class SiteStore:
    """The site sessions of one inspector app (its state directory)."""

    def __init__(self, state: Path) -> None:
        self.dir = Path(state) / "sites"

    def _path(self, sid: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{16}", sid):
            raise ValueError("not a site session id")
        return self.dir / f"{sid}.json"

    def save(self, session: SiteSession) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self._path(session.id)
        tmp = target.with_name(target.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(session.as_json(), fh, ensure_ascii=False)
        os.replace(tmp, target)

    def start(self, session: SiteSession) -> SiteSession:
        self.save(session)
        (self.dir / "current").write_text(session.id, "utf-8")
        return session

    def current(self) -> SiteSession | None:
        try:
            sid = (self.dir / "current").read_text("utf-8").strip()
            return SiteSession.from_json(json.loads(self._path(sid).read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def end(self, session: SiteSession, now: int) -> None:
        session.ended_at = int(now)
        self.save(session)
        (self.dir / "current").unlink(missing_ok=True)


# ---------------------------------------------------------------- export


def _t(key: str, lang: str, **kw: Any) -> str:
    return text("inspector.site." + key, lang, **kw)


def _rows(session: SiteSession, lang: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, details): the words people read, and the reason codes for the details column."""
    keep = set(session.fields)
    header = [_t("col.n", lang), _t("col.time", lang), _t("col.result", lang), _t("col.method", lang)]
    if "credential_type" in keep:
        header.append(_t("col.document", lang))
    if "codes" in keep:
        header.append(_t("col.reason", lang))
    if "claims" in keep:
        header += [_t("col.holder", lang), _t("col.number", lang)]
    rows, details = [], []
    for e in session.entries:
        row = [str(e.n), dt.datetime.fromtimestamp(e.time).strftime("%H:%M"), text(f"inspector.site.result.{e.result}",
                                                                                   lang),
               _t("method.manual" if e.manual else "method.scan", lang)]
        if "credential_type" in keep:
            row.append(explain.type_name(e.credential_type, lang) if e.credential_type else "")
        if "codes" in keep:
            row.append(text(e.reason, lang) if e.reason else "")
        if "claims" in keep:
            row += [e.holder or "", e.document_number or ""]
        rows.append(row)
        details.append(e.reason or "")
    return header, rows, details


def export_csv(session: SiteSession, lang: str) -> bytes:
    """UTF-8 with a byte order mark (spreadsheet programs then read the letters of every language right);
    the header block (place, date, inspector, counts), then one row per worker; the reason codes last, under
    "Details"."""
    header, rows, details = _rows(session, lang)
    buf = io.StringIO()
    w = csv.writer(buf)
    counts = session.counts()
    w.writerow([_t("place", lang), _cell(session.place)])
    w.writerow([_t("date", lang), session.date])
    w.writerow([_t("inspector", lang), _cell(session.inspector)])
    w.writerow([_t("counter", lang, n=len(session.entries), passed=counts["PASSED"], failed=counts["FAILED"],
                   unknown=counts["INDETERMINATE"])])
    w.writerow([])
    with_details = "codes" in session.fields
    w.writerow(header + ([text("uikit.details", lang)] if with_details else []))
    for row, code in zip(rows, details):
        w.writerow([_cell(c) for c in row] + ([code] if with_details else []))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection: =, +, -, @ at the start)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def font_path() -> Path:
    """A TrueType font with the letters of all ten languages (DejaVu Sans): the project's own copy under
    issuer/fonts when present, else the one Kivy ships, else the system's."""
    here = Path(__file__).resolve().parents[1]
    candidates = [here / "issuer" / "fonts" / "DejaVuSans.ttf"]
    try:
        import importlib.util

        spec = importlib.util.find_spec("kivy")
        if spec is not None and spec.origin:
            candidates.append(Path(spec.origin).parent / "data" / "fonts" / "DejaVuSans.ttf")
    except (ImportError, ValueError):
        pass
    candidates.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    for c in candidates:
        if c.is_file():
            return c
    raise FileNotFoundError("no DejaVuSans.ttf: the site list PDF needs a Unicode font")


def export_pdf(session: SiteSession, lang: str) -> bytes:
    """An A4 list: title, place, date, inspector, counts, then a table of the workers checked."""
    from fpdf import FPDF

    header, rows, _details = _rows(session, lang)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    regular = font_path()
    bold = regular.with_name("DejaVuSans-Bold.ttf")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold if bold.is_file() else regular))  # table headings
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.multi_cell(0, 9, _t("title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    counts = session.counts()
    for line in (f"{_t('place', lang)}: {session.place}", f"{_t('date', lang)}: {explain.date_text(session.date, lang)}",
                 f"{_t('inspector', lang)}: {session.inspector}",
                 _t("counter", lang, n=len(session.entries), passed=counts["PASSED"], failed=counts["FAILED"],
                    unknown=counts["INDETERMINATE"])):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", size=9)
    if rows:
        with pdf.table(text_align="LEFT", first_row_as_headings=True) as table:
            for r in [header, *rows]:
                row = table.row()
                for cell in r:
                    row.cell(cell)
    else:
        pdf.multi_cell(0, 6, _t("empty", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(0, 5, _t("privacy", lang), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
