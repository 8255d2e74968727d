"""A demo ecosystem with a credential in a wallet and a scriptable relying party (httpx MockTransport).

Used where the real verifier cannot misbehave on purpose: over-asking and unregistered relying parties.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from jwcrypto import jwe as jw_jwe
from jwcrypto import jwk as jw_jwk

from credential import jose, sd_jwt_vc
from credential.dcql import PRESETS, asking_also
from credential.types import get_type, sample_claims
from wallet.core import Card, Copy, Wallet, new_id, private_jwk
from wallet.storage import KdfParams

PIN = "135790"
RP_HOST = "https://rp.example"


def issue_card(eco, wallet: Wallet, type_key: str = "ehic", copies: int = 3, now: int | None = None) -> Card:
    now = now or int(time.time())
    inst = eco.institution("udk")
    ctype = get_type(type_key)
    claims = sample_claims(type_key)
    out = []
    payload_claims = None
    for _ in range(copies):
        key = jose.SigningKey.generate()
        issued = sd_jwt_vc.issue_vc(claims, inst.credential_key, vct=ctype.vct, iat=now - 60, exp=now + 86400 * 365,
                                    iss="https://issuer.example", sd_paths=ctype.sd_layout,
                                    holder_jwk=key.public_jwk(), header={"x5c": inst.credential_x5c})
        out.append(Copy(sd_jwt=issued.serialize(), key=private_jwk(key)))
        payload_claims = claims
    card = Card(id=new_id(), vct=ctype.vct, type_key=type_key, issuer_id="https://issuer.example",
                issuer_name=inst.name, configuration_id=f"{type_key}_sd_jwt", claims=payload_claims,
                received_at=now, iat=now - 60, exp=now + 86400 * 365, copies=out)
    wallet.save_card(card)
    return card


@dataclass
class FakeRP:
    """Serves one signed request object and captures the wallet's response."""

    request_jws: str
    enc_key: jw_jwk.JWK
    posted: list[dict[str, str]] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "GET" and request.url.path == "/request":
                return httpx.Response(200, text=self.request_jws,
                                      headers={"Content-Type": "application/oauth-authz-req+jwt"})
            if request.method == "POST" and request.url.path == "/response":
                form = {k: v[0] for k, v in urllib.parse.parse_qs(request.content.decode()).items()}
                self.posted.append(form)
                return httpx.Response(200, json={})
            return httpx.Response(404)

        return httpx.MockTransport(handler)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def decrypted(self) -> dict[str, Any]:
        token = jw_jwe.JWE()
        token.deserialize(self.posted[-1]["response"], key=self.enc_key)
        return json.loads(token.payload)


def make_rp(eco, slug: str, dcql: dict[str, Any], *, client_id: str | None = None, with_registration: bool = True,
            signer=None, x5c=None, now: int | None = None, registration_jws: str | None = None
            ) -> tuple[FakeRP, str]:
    now = now or int(time.time())
    rp = eco.relying_parties[slug]
    enc = jw_jwk.JWK.generate(kty="EC", crv="P-256")
    pub = {**json.loads(enc.export_public()), "use": "enc", "alg": "ECDH-ES", "kid": "k1"}
    cid = client_id or rp.client_id
    claims = {
        "client_id": cid, "response_type": "vp_token", "response_mode": "direct_post.jwt",
        "response_uri": f"{RP_HOST}/response", "nonce": "n-" + new_id(), "state": "s-" + new_id(),
        "dcql_query": dcql, "iat": now, "exp": now + 300, "aud": "https://self-issued.me/v2",
        "client_metadata": {"jwks": {"keys": [pub]}, "encrypted_response_enc_values_supported": ["A128GCM"]},
    }
    if with_registration:
        claims["verifier_info"] = ([{"format": "registration_cert", "data": registration_jws}]
                                   if registration_jws else rp.verifier_info)
    jws = jose.sign_compact({"typ": "oauth-authz-req+jwt", "x5c": x5c or rp.access_x5c}, claims,
                            signer or rp.access_key)
    fake = FakeRP(jws, enc)
    uri = "openid4vp://?" + urllib.parse.urlencode({"client_id": cid, "request_uri": f"{RP_HOST}/request"})
    return fake, uri


def registration_for(eco, slug: str, claims: list[list[Any]], vct: str = "urn:eudi:ehic:1",
                     now: int | None = None) -> str:
    """A registration certificate from the demo registrar for ``slug`` allowing exactly ``claims``."""
    from trust_list import certificates as C
    from trust_list.demo import DAY

    now = now or int(time.time())
    rp = eco.relying_parties[slug]
    registrar_key = C.read_private_key(eco.home / "registrar" / "key.pem")
    registrar = C.read_certificates(eco.home / "registrar" / "cert.pem")
    current = jose.parse_compact(rp.registration_jws).payload()
    return C.registration_certificate(
        registrar_key, registrar, sub=current["sub"], name=current["name"], purpose=current["purpose"],
        credentials=[{"format": "dc+sd-jwt", "meta": {"vct_values": [vct]}, "claims": [{"path": p} for p in claims]}],
        iat=now - DAY, exp=now + DAY)


def over_asking_ehic() -> dict[str, Any]:
    return asking_also(PRESETS["ehic-care"], [["date_of_issuance"], ["starting_date"]])


def new_wallet(path: Path) -> Wallet:
    w = Wallet(path, kdf=KdfParams(n=2**10))
    w.create(PIN)
    return w
