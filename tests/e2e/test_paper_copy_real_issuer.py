"""A paper copy from the REAL issuer, checked by the inspector's CLI: the issuer (``issuer.api.create_app``) runs on
loopback; a case is created through its case API and its paper copy fetched as the citizen gets it
(``/api/v1/cases/{id}/paper.pdf``); the QR code is taken out of the PDF itself (the embedded image, as printed) and
``esspass inspect verify --json`` decides on it: PASSED, with ``kb.not_bound`` (not bound to a phone: check the
holder's identity document), the status list fetched from the issuer over loopback.

The image is read with what the project already has: fpdf2 embeds a black-and-white PNG as a CCITT group 4 image
XObject, which Pillow (libtiff) decodes once wrapped in a one-strip TIFF; other filters (Flate, DCT) are handled too
so that a change of fpdf2's encoding does not break the test for nothing."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import httpx
from PIL import Image

import qrimage
from credential.types import sample_claims
from tests.support import free_port
from tests.verifier.servers import serve_app

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the image inside the PDF


def _tiff_g4(data: bytes, width: int, height: int, black_is_1: bool) -> bytes:
    """A minimal little-endian TIFF holding one CCITT group 4 strip (what a PDF /CCITTFaxDecode /K -1 stream is)."""
    tags = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 1), (259, 3, 1, 4),
            (262, 3, 1, 1 if black_is_1 else 0),  # 0: WhiteIsZero (PDF default: 0 = black); 1: BlackIsZero
            (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, len(data))]
    ifd_at = 8
    data_at = ifd_at + 2 + 12 * len(tags) + 4
    tags = [(t, k, n, data_at if t == 273 else v) for t, k, n, v in tags]
    out = b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", len(tags))
    for tag, kind, count, value in tags:
        out += struct.pack("<HHI", tag, kind, count) + (struct.pack("<HH", value, 0) if kind == 3
                                                         else struct.pack("<I", value))
    return out + struct.pack("<I", 0) + data


def _png_unpredict(raw: bytes, columns: int, colors: int, bpc: int) -> bytes:
    """Undo the PNG row predictors of a /FlateDecode /DecodeParms <</Predictor >= 10>> stream."""
    bpp = max(1, colors * bpc // 8)
    stride = (columns * colors * bpc + 7) // 8
    out, prev, i = bytearray(), bytearray(stride), 0
    while i < len(raw):
        kind, row = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(len(row)):
            left = row[x - bpp] if x >= bpp else 0
            up, ul = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                row[x] = (row[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 0xFF
        out += row
        prev = row
    return bytes(out)


def pdf_images(pdf: bytes) -> list[Image.Image]:
    """Every image XObject of ``pdf`` (uncompressed object streams, as fpdf2 writes them) as a Pillow image."""
    images = []
    for m in re.finditer(rb"<<((?:(?!>>\s*stream).)*?/Subtype\s*/Image.*?)>>\s*stream\r?\n", pdf, re.S):
        head = m.group(1)

        def num(key: bytes, default: int | None = None) -> int | None:
            found = re.search(rb"/" + key + rb"\s+(-?\d+)", head)
            return int(found.group(1)) if found else default

        length = num(b"Length")
        data = pdf[m.end():m.end() + length]
        width, height, bpc = num(b"Width"), num(b"Height"), num(b"BitsPerComponent", 8)
        filt = re.search(rb"/Filter\s*/(\w+)", head)
        filt = filt.group(1) if filt else b""
        gray = b"/DeviceGray" in head
        if filt == b"CCITTFaxDecode":
            assert num(b"K", 0) < 0, "only group 4 is expected from fpdf2"
            black_is_1 = re.search(rb"/BlackIs1\s+true", head) is not None
            images.append(Image.open(io.BytesIO(_tiff_g4(data, width, height, black_is_1))).convert("L"))
        elif filt == b"DCTDecode":
            images.append(Image.open(io.BytesIO(data)).convert("L"))
        elif filt == b"FlateDecode":
            raw = zlib.decompress(data)
            colors = 1 if gray else 3
            if (num(b"Predictor", 1) or 1) >= 10:
                raw = _png_unpredict(raw, num(b"Columns", width), num(b"Colors", colors), bpc)
            mode = {(1, 1): "1", (1, 8): "L", (3, 8): "RGB"}[(colors, bpc)]
            images.append(Image.frombytes(mode, (width, height), raw).convert("L"))
    return images


# ---------------------------------------------------------------- the test


def test_paper_copy_pdf_from_the_real_issuer_verifies_with_inspect_verify(tmp_path):
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings

    home = tmp_path / "home"
    port = free_port()
    settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000)
    service = IssuerService(settings)  # builds the demo ecosystem under home/ecosystem: the inspector's too
    try:
        with serve_app(create_app(settings, service), port) as url:
            with httpx.Client(base_url=url, timeout=30,
                              headers={"Authorization": f"Bearer {service.api_token}"}) as api:
                r = api.post("/api/v1/cases", json={"type": "pda1", "claims": sample_claims("pda1")})
                assert r.status_code == 201, r.text
                case = r.json()
                r = api.get(f"/api/v1/cases/{case['case_id']}/paper.pdf")
            assert r.status_code == 200 and r.content.startswith(b"%PDF")

            # the QR code as printed: the image embedded in the PDF, decoded as a camera would
            [qr_image] = pdf_images(r.content)
            assert min(qr_image.size) > 200
            png = tmp_path / "paper-qr.png"
            qr_image.save(png)
            text = qrimage.decode_qr_image(png)
            assert text.startswith("VP2:")

            env = {**os.environ, "ESSPASS_HOME": str(home), "PYTHONPATH": str(ROOT)}
            run = subprocess.run([sys.executable, "-m", "esspass.cli", "inspect", "verify", str(png),
                                  "--preset", "a1-inspection", "--json"],
                                 env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        service.close()
    assert run.returncode == 0, (run.stdout, run.stderr[-2000:])
    decision = json.loads(run.stdout)
    assert decision["result"] == "PASSED", decision
    checks = {c["code"]: c for c in decision["checks"]}
    assert "kb.not_bound" in checks and "identity document" in checks["kb.not_bound"]["message"]["en"]
    assert checks["kb.not_bound"]["result"] == "pass"
    assert not [c for c in decision["checks"] if c["result"] != "pass"], decision["checks"]
    assert decision["claims"]["document_number"] == sample_claims("pda1")["document_number"]
