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

from .service import IssuerService

TITLES = {"pda1": ("Portable Document A1", "A1-attest"), "ehic": ("European Health Insurance Card",
                                                                   "Europæisk sygesikringskort")}


def _t(text: str) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


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
    en, da = TITLES[view.type_key]
    subject = claims.get("subject", {})
    pdf = FPDF(format="A4")
    pdf.set_title(f"{en} - {view.document_number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _t(f"{en} / {da}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    rows = [
        ("Issued by / Udstedt af", claims.get("issuing_authority", {}).get("name", svc.keys.name)),
        ("Holder / Indehaver", f"{subject.get('forenames', '')} {subject.get('familynames', '')}"),
        ("Date of birth / Fødselsdato", subject.get("date_of_birth", "")),
        ("Document number / Dokumentnummer", view.document_number),
        ("Period / Periode", f"{claims.get('starting_date', '')} - {claims.get('ending_date', '')}"),
        ("Valid until / Gyldig til", claims.get("date_of_expiry", "")),
    ]
    for label, value in rows:
        pdf.cell(75, 7, _t(label))
        pdf.cell(0, 7, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 5, _t(
        "This paper copy carries the signed credential in the QR code. It is not bound to a phone: "
        "the inspector must check the holder's identity document. / Denne papirkopi indeholder den "
        "signerede legitimation i QR-koden. Den er ikke bundet til en telefon: kontrollanten skal "
        "kontrollere indehaverens identitetsdokument."))
    pdf.ln(2)
    size = min(180, 190)
    pdf.image(png, x=(210 - size) / 2, w=size, h=size)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(0, 3, _t(f"vct {json.dumps(view.configuration_id)} - {len(credential)} characters"))
    return bytes(pdf.output())
