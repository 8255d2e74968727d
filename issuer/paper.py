"""Paper copy: a PDF for citizens without a smartphone, carrying the credential as a QR code.

The QR code holds the credential in the project's compact QR transport (``VP2:``, see
credential/qr_transport.py). The credential has no key binding (no ``cnf``), so a verifier says the holder's identity
document must be checked (OID4VCI §15.2 "Binding of the Credential without Cryptographic Key Binding").

What it says (issue 15 item 6): everything the document says (for an A1 the holder, employer, place of work, the
legislation that applies, the period and the status confirmation in words with its legal basis), in the holder's
language and again in English, with the QR code and a plain explanation of how to check it. The words come from the
same explain layer the inspector app uses (credential.explain), so a code is never printed bare. The font is DejaVu Sans
(issuer/fonts, its free licence beside it): fpdf2's core fonts are Latin-1 and would print Polish, Lithuanian or
Romanian letters as "?".
"""

from __future__ import annotations

import io
from pathlib import Path
from collections.abc import Callable
from typing import Any

from fpdf import FPDF

import qrimage
from credential import explain, qr_transport, types
from credential.i18n import LANGS, country_name, pick, text

from .service import IssuerService

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVu"
# Claims a reader learns nothing from (the EU category of the attestation; the issuing country is the institution's).
_SKIP = {"attestation_legal_category", "issuing_country"}


class _Paper(FPDF):
    def __init__(self, lang: str) -> None:
        super().__init__(format="A4")
        self.lang = lang
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=15)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, text("issuer.paper.page", self.lang, page=self.page_no(), pages="{nb}"), align="C")


def _both(key: str, lang: str) -> str:
    """A label in the holder's language and in English, "words / words" (once when they are the same)."""
    own, en = text("issuer.paper." + key, lang), text("issuer.paper." + key, "en")
    return own if own == en else f"{own} / {en}"


def _rows(claims: dict, type_key: str, lang: str) -> list[tuple[str, str]]:
    vct = types.get_type(type_key).vct
    return [(r.label, r.value) for r in explain.claim_rows(claims, vct, lang) if r.path[0] not in _SKIP]


def _table(pdf: _Paper, rows: list[tuple[str, str]]) -> None:
    """Label on the left, words on the right; both wrap, the row is as tall as its taller cell."""
    label_w, value_w = 72, pdf.epw - 72
    for label, value in rows:
        # each cell measured in the font it is printed in (the value is bold, so wider), left aligned: justified
        # text in a narrow column stretches the spaces of long compound labels
        pdf.set_font(FONT, "", 9)
        label_lines = len(pdf.multi_cell(label_w, 5, label, dry_run=True, output="LINES", align="L"))
        pdf.set_font(FONT, "B", 9)
        lines = max(label_lines, len(pdf.multi_cell(value_w, 5, value, dry_run=True, output="LINES", align="L")))
        if pdf.will_page_break(lines * 5 + 1):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(70, 70, 70)
        pdf.multi_cell(label_w, 5, label, new_x="RIGHT", new_y="TOP", align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(value_w, 5, value, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_y(y + lines * 5 + 1)
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.get_y() - .5, pdf.l_margin + pdf.epw, pdf.get_y() - .5)


def _in_both(words: Callable[[str], str], lang: str) -> str:
    """A value in words in the holder's language and in English, "words / words" (once when they are the same)."""
    own, en = words(lang), words("en")
    return own if own == en else f"{own} / {en}"


def _a1_facts(claims: dict, lang: str) -> list[tuple[str, str]]:
    """The A1's decisive facts on the first page, beside the QR code, as an inspector reads them first (issue 15
    items 3 and 6): the legislation that applies, the person's status (with its article of Regulation (EC)
    No 883/2004), the employer and the place of work; values in words in both languages."""
    employer = (claims.get("employer") or [{}])[0]
    place = ((claims.get("work_information") or {}).get("work_address") or [{}])[0]
    street = " ".join(str(place.get(k, "")) for k in ("street_address", "house_number")).strip()
    town = " ".join(str(place.get(k, "")) for k in ("postal_code", "locality")).strip()
    where = ", ".join(p for p in (str(place.get("company_name", "")), street, town) if p)
    rows = [
        (_both("legislation", lang),
         _in_both(lambda w: country_name(claims.get("legislation_country", ""), w), lang)),
        (_both("status", lang),
         _in_both(lambda w: explain.value_text(claims.get("status_confirmation", ""), ("status_confirmation",), w),
                  lang)),
        (_both("employer", lang),
         ", ".join(p for p in (str(employer.get("name", "")),
                               _in_both(lambda w: country_name(employer.get("country", ""), w), lang)) if p)),
        (_both("workplace", lang),
         ", ".join(p for p in (where, _in_both(lambda w: country_name(place.get("country", ""), w), lang)) if p)),
    ]
    return [(label, value) for label, value in rows if value]


def paper_language(request: Any) -> str:
    """The holder's language for a paper copy asked for over HTTP: the first shipped language of the request's
    Accept-Language (the wallet sends the phone's), else English."""
    for part in request.headers.get("accept-language", "").split(","):
        if (found := pick(part.split(";")[0].strip())) is not None:
            return found
    return "en"


def paper_pdf(svc: IssuerService, case_id: str, actor: str, lang: str = "en") -> bytes:
    """The paper copy of a case in ``lang`` and English (one language only when ``lang`` is English)."""
    lang = lang if lang in LANGS else "en"
    claims = svc.case_claims(case_id)
    view = svc.case_view(case_id)
    credential = svc.paper_credential(case_id, actor)
    # ESSPASS QR transport v1 (credential/qr_transport.py): the SD-JWT with all its disclosures and no
    # KB-JWT, as the offline presentation carries it ("VP2:"), so the inspector app reads it as is.
    qr_text = qr_transport.encode_response(credential)
    png = io.BytesIO()
    qrimage.encode_qr_png(qr_text, png, scale=3, border=4)
    png.seek(0)
    subject = claims.get("subject", {})
    pdf = _Paper(lang)
    pdf.set_title(f"{text(f'issuer.paper.title.{view.type_key}', lang)} - {view.document_number}")
    pdf.set_lang(lang)
    pdf.add_page()

    # page 1: what it is, whose it is, the QR code and how to check it
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 8, text(f"issuer.paper.title.{view.type_key}", lang), new_x="LMARGIN", new_y="NEXT", align="L")
    if lang != "en":
        pdf.set_font(FONT, "", 12)
        pdf.multi_cell(0, 6, text(f"issuer.paper.title.{view.type_key}", "en"), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    period = f"{explain.date_text(claims.get('starting_date', ''), lang)} – {explain.date_text(claims.get('ending_date', ''), lang)}"
    _table(pdf, [
        (_both("holder", lang), f"{subject.get('forenames', '')} {subject.get('familynames', '')}".strip()),
        (_both("date_of_birth", lang), explain.date_text(subject.get("date_of_birth", ""), lang)),
        (_both("document_number", lang), view.document_number),
        (_both("period", lang), period),
        *(_a1_facts(claims, lang) if view.type_key == "pda1" else []),
        (_both("valid_until", lang), explain.date_text(claims.get("date_of_expiry", ""), lang)),
        (_both("issued_by", lang), claims.get("issuing_authority", {}).get("name", svc.keys.name)),
    ])
    pdf.ln(2)
    for how in dict.fromkeys((lang, "en")):
        pdf.set_font(FONT, "B" if how == lang else "", 9)
        pdf.multi_cell(0, 4.5, text("issuer.paper.how_to_check", how), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    size = min(150.0, pdf.h - pdf.get_y() - 18)
    if size < 90:  # too little room left: the code gets a page of its own, never shrunk past reading
        pdf.add_page()
        size = 150.0
    pdf.image(png, x=(pdf.w - size) / 2, w=size, h=size)

    # then everything the document says, in the holder's language and in English
    for i, words in enumerate(dict.fromkeys((lang, "en"))):
        pdf.add_page()
        pdf.set_font(FONT, "B", 14)
        pdf.multi_cell(0, 7, text("issuer.paper.content" if i == 0 else "issuer.paper.in_english", words),
                       new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, text(f"issuer.paper.title.{view.type_key}", words), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)
        _table(pdf, _rows(claims, view.type_key, words))
    return bytes(pdf.output())
