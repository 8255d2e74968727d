"""History export: JSON (machine-readable) and PDF (fpdf2) in English or Danish.

The history is the citizen's own record of who received or saw which of their data, when, why and
with what outcome. Exports contain claim names, never claim values.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from .core import Event, Wallet
from .i18n import history_title, outcome_text, t

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def history_json(wallet: Wallet) -> str:
    return json.dumps({"exported_at": _iso(wallet.now()), "events": wallet.history_json()},
                      indent=1, ensure_ascii=False)


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _font(pdf: Any) -> str:
    """A Unicode TrueType font when one is at hand (Danish letters, ä, ó), else core Helvetica."""
    candidates = []
    try:  # Kivy ships Roboto; use it when Kivy is installed
        import importlib.util

        spec = importlib.util.find_spec("kivy")
        if spec and spec.submodule_search_locations:
            candidates.append(Path(list(spec.submodule_search_locations)[0]) / "data" / "fonts" / "Roboto-Regular.ttf")
    except Exception:  # pragma: no cover
        pass
    candidates += [Path(d) / "DejaVuSans.ttf" for d in FONT_DIRS]
    for path in candidates:
        if path.exists():
            pdf.add_font("body", "", str(path))
            bold = path.with_name(path.name.replace("Regular", "Bold").replace("DejaVuSans.", "DejaVuSans-Bold."))
            pdf.add_font("body", "B", str(bold if bold.exists() else path))
            return "body"
    return "helvetica"


def _latin1(text: str, font: str) -> str:
    return text if font != "helvetica" else text.encode("latin-1", "replace").decode("latin-1")


def history_pdf(wallet: Wallet, lang: str = "en") -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    font = _font(pdf)
    s = lambda text: _latin1(text, font)  # noqa: E731
    pdf.set_font(font, "B", 18)
    pdf.cell(0, 10, s(t("history.pdf_title", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    pdf.multi_cell(0, 5, s(t("history.pdf_intro", lang, when=_iso(wallet.now()))), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    events = wallet.history()
    if not events:
        pdf.cell(0, 8, s(t("history.empty", lang)), new_x="LMARGIN", new_y="NEXT")
    for e in reversed(events):
        _event(pdf, e, lang, font, s)
    return bytes(pdf.output())


def _event(pdf: Any, e: Event, lang: str, font: str, s) -> None:
    pdf.set_font(font, "B", 11)
    pdf.multi_cell(0, 6, s(f"{_iso(e.at)} - {history_title(e.kind, e.outcome, lang, e.refused_by)} - "
                           f"{e.party or '?'}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    lines = [f"{t('history.outcome', lang)}: {outcome_text(e.outcome, lang, e.refused_by)}"]
    if e.reason:
        lines.append(f"{t('history.reason', lang)}: {reason_text(e.reason, lang)} ({e.reason})")
    if e.purpose:
        lines.append(f"{t('history.purpose', lang)}: {e.purpose.get(lang) or e.purpose.get('en', '')}")
    if e.claims:
        lines.append(f"{t('history.claims', lang)}: {', '.join(e.claims)}")
    if e.over_asking:
        lines.append(f"{t('history.over_asking', lang)}: {', '.join(e.over_asking)}")
    if e.party_id:
        lines.append(f"{t('history.party_id', lang)}: {e.party_id}")
    for line in lines:
        pdf.multi_cell(0, 5, s(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def reason_text(code: str, lang: str = "en") -> str:
    from credential.reasons import all_reasons

    r = all_reasons().get(code)
    if r is None:
        return code
    return r.text(lang)
