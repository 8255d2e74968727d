"""Offline presentation over QR codes: size budget and speed of ``credential.qr_transport``.

Per DCQL preset (``a1-inspection``, ``a1-coverage``, ``ehic-care``) a real presentation is built: the type's
disclosure layout and sample claims, ES256, a header with ``kid`` + ``x5t#S256`` instead of ``x5c``
(trust-lists.md §4), ``cnf.jwk``, a ``status`` reference, ``iss``/``iat``/``exp``; the preset's claims are
presented with a KB-JWT whose ``aud`` is an ``x509_hash:`` client id and whose nonce has 22 characters.

Row per preset: ``{"name": "qr_<preset>", "ours_ms", "baseline_ms", "ratio", "qr_version", "bytes",
"raw_chars", "decodes_degraded"}`` where ours = transport encode + decode, baseline = segno encoding the raw
vp_token text (what a naive implementation would show), bytes = the container (before base45),
decodes_degraded = the rendered QR code still decodes to the same text after: downscale to 400x400 px,
Gaussian blur radius 0.7, JPEG quality 60 (zxing-cpp). A row ``qr_request_<preset>`` reports the request QR.

Issue 7 targets: a1-inspection at version <= 27 (EC L) and decoding degraded; ehic-care at version <= 20.
"""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

import qrimage
from credential import jose, qr_transport, sd_jwt, sd_jwt_vc
from credential.dcql import PRESETS, parse_query, preferred_paths
from credential.offline_request import build_request_object, new_nonce, x509_hash_client_id
from credential.types import get_type, sample_claims

from .timing import compare

PRESET_NAMES = ("a1-inspection", "a1-coverage", "ehic-care")
NOW = 1_795_000_000  # 2026-11-18, inside the sample claims' validity
DAY = 86_400
TARGETS = {"a1-inspection": 27, "ehic-care": 20}

# Realistic identifiers (Udbetaling Danmark issues both types in the samples).
ISSUER = "https://credentials.borger.dk"
STATUS_URI = {"pda1": f"{ISSUER}/status/pda1/0007", "ehic": f"{ISSUER}/status/ehic/0012"}
KID = {"pda1": "udk-pda1-2026-01", "ehic": "udk-ehic-2026-01"}


def _type_key(preset: str) -> str:
    vct = PRESETS[preset]["credentials"][0]["meta"]["vct_values"][0]
    return get_type(vct).key


def build_presentation(preset: str, *, random_bytes=None) -> dict[str, Any]:
    """A real presentation for ``preset``; returns the vp_token and the request values it answers."""
    import secrets

    rnd = random_bytes or secrets.token_bytes
    key = _type_key(preset)
    ctype = get_type(key)
    claims = sample_claims(key)
    issuer, holder = jose.SigningKey.generate(), jose.SigningKey.generate()
    # The certificate thumbprint stands for the issuer's DER certificate (listed on the Pub-EAA list).
    x5t = jose.b64u_encode(hashlib.sha256(rnd(420)).digest())
    issued = sd_jwt_vc.issue_vc(
        claims,
        issuer,
        vct=ctype.vct,
        iat=NOW - 30 * DAY,
        exp=NOW + 335 * DAY,
        iss=ISSUER,
        sd_paths=[p for p in ctype.sd_layout if p[0] in claims],  # the layout's claims this holder has
        holder_jwk=holder.public_jwk(),
        status=sd_jwt_vc.StatusRef(48_213, STATUS_URI[key]),
        header={"kid": KID[key], "x5t#S256": x5t},
        random_bytes=rnd,
    )
    client_id = "x509_hash:" + jose.b64u_encode(hashlib.sha256(rnd(480)).digest())
    nonce = new_nonce(rnd)
    query = parse_query(PRESETS[preset]).credentials[0]
    vp_token = sd_jwt.present(
        issued.serialize(), preferred_paths(query), holder_key=holder, nonce=nonce, aud=client_id, iat=NOW
    )
    return {"vp_token": vp_token, "nonce": nonce, "client_id": client_id, "issuer": issuer, "holder": holder}


def build_request(preset: str) -> dict[str, Any]:
    """A signed request object for ``preset`` with a real access certificate chain and registration cert."""
    from trust_list import certificates

    ca_key, rp_key, reg_ca_key, reg_key = (jose.SigningKey.generate() for _ in range(4))
    nb, na = NOW - 30 * DAY, NOW + 700 * DAY
    ca = certificates.ca_certificate(ca_key, "EU WRPAC Demo CA", country="DK", organization="Digitaliseringsstyrelsen",
                          not_before=nb, not_after=na)
    access = certificates.access_certificate(rp_key, dns_name="inspect.at.dk", organization="Arbejdstilsynet", country="DK",
                                  organization_identifier="VATDK-21481815", ca_key=ca_key, ca_cert=ca,
                                  not_before=nb, not_after=na)
    reg_ca = certificates.ca_certificate(reg_ca_key, "WRPRC Demo Registrar", country="DK",
                              organization="Digitaliseringsstyrelsen", not_before=nb, not_after=na)
    registrar = certificates.end_entity_certificate(reg_key, "WRPRC registration signing", country="DK",
                                         organization="Digitaliseringsstyrelsen", ca_key=reg_ca_key,
                                         ca_cert=reg_ca, not_before=nb, not_after=na)
    query = PRESETS[preset]
    registration = certificates.registration_certificate(
        reg_key, [registrar],
        sub="VATDK-21481815",
        name=[{"lang": "en", "value": "Danish Working Environment Authority"}, {"lang": "da", "value": "Arbejdstilsynet"}],
        purpose=[{"lang": "en", "value": "Inspection of posted workers' social security coverage"},
                 {"lang": "da", "value": "Kontrol af udstationerede arbejdstageres sociale sikring"}],
        credentials=[{"format": c["format"], "meta": c["meta"], "claims": c["claims"]} for c in query["credentials"]],
        iat=nb, exp=nb + 360 * DAY,
    )
    nonce = new_nonce()
    jws = build_request_object(rp_key, [certificates.der(access)], dcql_query=query, nonce=nonce, iat=NOW,
                               registration_certificate=registration)
    return {"request": jws, "nonce": nonce, "client_id": x509_hash_client_id(certificates.der(access))}


def degrade(png_or_image: Any):
    """Issue 7's camera stand-in: downscale to 400x400 px, Gaussian blur radius 0.7, JPEG quality 60."""
    from PIL import Image, ImageFilter

    image = png_or_image if isinstance(png_or_image, Image.Image) else Image.open(io.BytesIO(png_or_image))
    small = image.convert("L").resize((400, 400), Image.Resampling.LANCZOS)
    blurred = small.filter(ImageFilter.GaussianBlur(radius=0.7))
    buf = io.BytesIO()
    blurred.save(buf, format="JPEG", quality=60)
    return buf.getvalue()


def decodes_degraded(qr_text: str, *, scale: int = 8) -> bool:
    buf = io.BytesIO()
    qrimage.encode_qr_png(qr_text, buf, scale=scale)
    try:
        return qrimage.decode_qr_image(degrade(buf.getvalue())) == qr_text
    except Exception:  # noqa: BLE001 - any failure to read counts as "does not decode"
        return False


RAW_BYTE_CAPACITY = 2953  # version 40, EC L, byte mode


def _segno_raw(text: str) -> None:
    """Baseline: segno encoding the raw compact text in byte mode. A text longer than any QR code holds (the
    raw request object) is cut to the largest QR code's capacity, so the baseline is a lower bound."""
    import segno

    segno.make(text[:RAW_BYTE_CAPACITY], error="l", micro=False, boost_error=False)


def alternatives(vp_token: str, context: qr_transport.Context) -> dict[str, dict[str, Any]]:
    """The encodings measured for docs/offline-presentation.md: container bytes and QR version at EC L."""
    import base64
    import re
    import zlib

    import segno

    def version(data: Any, mode: str | None) -> int | str:
        try:
            return int(segno.make(data, error="l", mode=mode, micro=False, boost_error=False).version)
        except segno.DataOverflowError:
            return ">40"

    def parts_decoded(text: str) -> bytes:  # the naive layout: each '.'/'~' part base64url-decoded, length-prefixed
        out = bytearray()
        tokens = re.split(r"([.~])", text)
        for part, sep in zip(tokens[0::2], [*tokens[1::2], ""]):
            data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) if part else b""
            out += qr_transport._varint(len(data) * 3 + ".~".find(sep) + 1) + data
        return bytes(out)

    def raw_deflate(data: bytes, zdict: bytes = b"") -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, **({"zdict": zdict} if zdict else {}))
        return c.compress(data) + c.flush()

    def row(blob: bytes) -> dict[str, Any]:
        return {
            "bytes": len(blob),
            "v_base45_alnum": version(base45(blob), "alphanumeric"),
            "v_binary_byte": version(blob, "byte"),
            "v_base64url_byte": version(jose.b64u_encode(blob), "byte"),
        }

    base45 = qr_transport.base45_encode
    parts = parts_decoded(vp_token)
    enc_plain = qr_transport.encode_detailed("response", vp_token)
    enc_ctx = qr_transport.encode_detailed("response", vp_token, context)
    b45_len = lambda e: len(qr_transport.base45_decode(e.text[4:]))  # noqa: E731
    out = {
        "raw text (byte mode)": {"bytes": len(vp_token), "v_binary_byte": version(vp_token, "byte")},
        "DEFLATE of raw text": row(raw_deflate(vp_token.encode())),
        "parts decoded, no DEFLATE": row(parts),
        "parts decoded + DEFLATE": row(raw_deflate(parts)),
        "parts decoded + DEFLATE + VP1 dictionary (tuned for the skeleton, not this layout)": row(raw_deflate(parts, qr_transport.dictionary("response"))),
        "VP1 skeleton, no context": {"bytes": b45_len(enc_plain), "v_base45_alnum": qrimage.qr_version_for(enc_plain.text)},
        "VP1 skeleton + context (chosen)": {"bytes": b45_len(enc_ctx), "v_base45_alnum": qrimage.qr_version_for(enc_ctx.text)},
    }
    return out


def measure(preset: str) -> dict[str, Any]:
    fx = build_presentation(preset)
    vp, ctx = fx["vp_token"], qr_transport.Context(fx["nonce"], fx["client_id"])
    detail = qr_transport.encode_detailed("response", vp, ctx)

    def ours() -> None:
        text = qr_transport.encode_response(vp, nonce=ctx.nonce, client_id=ctx.client_id)
        qr_transport.decode_response(text, nonce=ctx.nonce, client_id=ctx.client_id)

    row = compare(f"qr_{preset}", ours, lambda: _segno_raw(vp), repeat=5, inner=3)
    row.update(
        qr_version=qrimage.qr_version_for(detail.text),
        bytes=detail.container_bytes,
        raw_chars=len(vp),
        decodes_degraded=decodes_degraded(detail.text),
        qr_chars=len(detail.text),
        entropy_bytes=detail.entropy_bytes,
        deflated_skeleton_bytes=detail.deflated_bytes,
        target_version=TARGETS.get(preset),
    )
    return row


def measure_request(preset: str) -> dict[str, Any]:
    fx = build_request(preset)
    jws = fx["request"]
    detail = qr_transport.encode_detailed("request", jws)

    def ours() -> None:
        qr_transport.decode_request(qr_transport.encode_request(jws))

    row = compare(f"qr_request_{preset}", ours, lambda: _segno_raw(jws), repeat=5, inner=3)
    row.update(
        qr_version=qrimage.qr_version_for(detail.text),
        bytes=detail.container_bytes,
        raw_chars=len(jws),
        raw_fits_qr=len(jws) <= RAW_BYTE_CAPACITY,
        decodes_degraded=decodes_degraded(detail.text),
        qr_chars=len(detail.text),
    )
    return row


def run() -> list[dict]:
    rows = [measure(p) for p in PRESET_NAMES]
    rows += [measure_request(p) for p in PRESET_NAMES]
    return rows


if __name__ == "__main__":  # pragma: no cover
    import json

    t0 = time.perf_counter()
    for r in run():
        print(json.dumps(r))
    fx = build_presentation("a1-inspection")
    print(json.dumps(alternatives(fx["vp_token"], qr_transport.Context(fx["nonce"], fx["client_id"])), indent=1))
