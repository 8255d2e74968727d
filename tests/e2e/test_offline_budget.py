"""The offline size budget, measured on credentials from the real issuer (issue 7, item 2).

The real issuer on loopback, with its defaults (online copies carry ``x5c``, HAIP 1.0 §6.1.1; the wallet asks
for compact offline copies in the same batch, issue 13), issues an A1 and an EHIC over OpenID4VCI to the real
wallet; the inspector makes a signed request; the wallet answers offline. The response QR must fit: version
<= 27 for ``a1-inspection`` and <= 20 for ``ehic-care`` at error correction L, and the
``a1-inspection`` code must still decode with zxing-cpp after the image is downscaled to 400x400,
blurred (Gaussian, radius 0.7) and saved as JPEG at quality 60. The inspector then decides PASSED.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
from PIL import Image, ImageFilter

import qrimage
from credential import jose
from esspass.servers import serve_in_thread

BUDGET = {"a1-inspection": ("pda1", 27), "ehic-care": ("ehic", 20)}
MEASURED = {**BUDGET, "a1-coverage": ("pda1", None)}  # every offline preset is measured; two have a budget


def _degraded(text: str) -> Image.Image:
    image = qrimage.render_qr_image(text).convert("L").resize((400, 400), Image.Resampling.LANCZOS)
    image = image.filter(ImageFilter.GaussianBlur(radius=0.7))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=60)
    buf.seek(0)
    return Image.open(buf)


def test_offline_budget_with_credentials_from_the_real_issuer(tmp_path: Path) -> None:
    from credential.types import sample_claims
    from issuer.api import create_app
    from issuer.settings import Settings
    from trust_list.demo import build_demo_ecosystem
    from verifier.offline import InspectorSession, OfflineVerifier, choose_relying_party
    from wallet.core import Wallet
    from wallet.issuance import receive
    from wallet.offline import open_offline, respond_offline
    from wallet.trust import load_trust_store

    home = tmp_path / "home"
    with serve_in_thread(lambda url: create_app(Settings(home=home, issuer_url=url))) as issuer_url:
        token = (home / "issuer" / "api_token").read_text("ascii").strip()
        wallet = Wallet(tmp_path / "wallet").open_or_create("135790")
        trust = load_trust_store(home / "ecosystem", int(time.time()))
        with httpx.Client(base_url=issuer_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
            for kind, _ in BUDGET.values():
                r = api.post("/api/v1/cases", json={"type": kind, "claims": sample_claims(kind), "tx_code": False})
                assert r.status_code == 201, r.text
                [card] = receive(wallet, r.json()["offer_uri"], trust).cards
                # the default batch: x5c copies for online use, compact copies kept for the offline QR code
                chains = {(c.use, "x5c" in jose.parse_compact(c.sd_jwt.split("~")[0]).header) for c in card.copies}
                assert chains == {("online", True), ("offline", False)}, chains

        now = int(time.time())
        eco = build_demo_ecosystem(home / "ecosystem", now)
        verifier = OfflineVerifier.embedded(eco, now)  # status lists fetched from the running issuer
        try:
            for preset, (_kind, max_version) in MEASURED.items():
                session = InspectorSession.create(tmp_path / preset, preset, choose_relying_party(eco, preset))
                consent = open_offline(wallet, session.request_text, trust)
                response = respond_offline(wallet, consent)
                print(f"{preset}: QR version {response.qr_version}, {len(response.qr_text)} characters")
                assert max_version is None or response.qr_version <= max_version, (preset, response.qr_version,
                                                                                   len(response.qr_text))
                # the issuer's header names its key by thumbprint, not by a certificate chain
                assert "x5c" not in response.vp_token.split(".")[0]
                if preset == "a1-inspection":
                    assert qrimage.decode_qr_image(_degraded(response.qr_text)) == response.qr_text
                decision = session.verify_response_text(response.qr_text, verifier)
                assert decision.result == "PASSED", [c for c in decision.as_json()["checks"] if c["result"] != "pass"]
        finally:
            verifier.close()
    wallet.close()
