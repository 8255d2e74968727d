"""Paper copy: a PDF for citizens without a smartphone, carrying the credential as a QR code.

The QR code holds the credential in the project's compact QR transport (``VP2:``, see
credential/qr_transport.py). The credential has no key binding (no ``cnf``), so a verifier says the holder's identity document
must be checked (OID4VCI §15.2 "Binding of the Credential without Cryptographic Key Binding").
fpdf2's core fonts are Latin-1: Nordic letters print, anything else becomes '?'.
"""

from __future__ import annotations

import io
import json

from fpdf import FPDF

import qrimage
from credential import qr_transport
from credential.i18n import text

from .service import IssuerService


def _both(key: str) -> str:
    """A paper copy is read by anyone: its words in English and Danish, "en / da" (catalogs: ``issuer.paper.*``)."""
    return f"{text('issuer.paper.' + key, 'en')} / {text('issuer.paper.' + key, 'da')}"


def _t(words: str) -> str:
    return str(words).encode("latin-1", "replace").decode("latin-1")


def paper_pdf(svc: IssuerService, case_id: str, actor: str) -> bytes:
    claims = svc.case_claims(case_id)
    view = svc.case_view(case_id)
    credential = svc.paper_credential(case_id, actor)
    # ESSPASS QR transport v1 (credential/qr_transport.py): the SD-JWT with all its disclosures and no
    # KB-JWT, as the offline presentation carries it ("VP2:"), so the inspector app reads it as is.
    qr_text = qr_transport.encode_response(credential)
    png = io.BytesIO()
    qrimage.encode_qr_png(qr_text, png, scale=3, border=4)
    png.seek(0)
    en = text(f"issuer.paper.title.{view.type_key}", "en")
    subject = claims.get("subject", {})
    pdf = FPDF(format="A4")
    pdf.set_title(f"{en} - {view.document_number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _t(_both(f"title.{view.type_key}")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    rows = [
        (_both("issued_by"), claims.get("issuing_authority", {}).get("name", svc.keys.name)),
        (_both("holder"), f"{subject.get('forenames', '')} {subject.get('familynames', '')}"),
        (_both("date_of_birth"), subject.get("date_of_birth", "")),
        (_both("document_number"), view.document_number),
        (_both("period"), f"{claims.get('starting_date', '')} - {claims.get('ending_date', '')}"),
        (_both("valid_until"), claims.get("date_of_expiry", "")),
    ]
    for label, value in rows:
        pdf.cell(75, 7, _t(label))
        pdf.cell(0, 7, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 5, _t(_both("note")))
    pdf.ln(2)
    size = min(180, 190)
    pdf.image(png, x=(210 - size) / 2, w=size, h=size)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(0, 3, _t(f"vct {json.dumps(view.configuration_id)} - {len(credential)} characters"))
    return bytes(pdf.output())
