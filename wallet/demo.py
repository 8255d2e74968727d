"""Demo data for screenshots and the desktop demo: a wallet holding an A1 and an EHIC issued by the
demo ecosystem's Udbetaling Danmark, a history, and a relying party that over-asks.

Everything is fictitious (``credential.types.sample_claims``) and generated at run time.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field

import httpx

from credential import jose, sd_jwt_vc
from credential.dcql import PRESETS, asking_also
from credential.types import get_type, sample_claims

from .core import Card, Copy, Event, Wallet, new_id, private_jwk

RP_BASE = "https://checkin.rigshospitalet.dk"


def issue_demo_card(eco, wallet: Wallet, type_key: str, now: int, copies: int = 5, *,
                    institution: str = "udk") -> Card:
    """A card as OpenID4VCI would deliver it, signed by the demo Udbetaling Danmark (or another demo Nordic
    ``institution``: ``fk``, ``nav``, ``kela``, ``sjukra``; its name and country then stand in the claims)."""
    inst = eco.institution(institution)
    ctype = get_type(type_key)
    claims = sample_claims(type_key)
    iss = "https://udbetaling.example.dk"
    if institution != "udk":
        name, country = inst.name, inst.country
        iss = f"https://{institution}.example.{country.lower()}"
        code = f"{country}:{institution.upper()}"
        claims["issuing_authority"] = {"id": code, "name": name, "country": country}
        if "issuing_country" in claims:
            claims["issuing_country"] = country
        if isinstance(claims.get("authentic_source"), dict):
            claims["authentic_source"] = {"id": code, "name": name}
        claims["document_number"] = f"{country}-{type_key.upper()}-0001"
    out = []
    for _ in range(copies):
        key = jose.SigningKey.generate()
        issued = sd_jwt_vc.issue_vc(claims, inst.credential_key, vct=ctype.vct, iat=now - 3600,
                                    exp=now + 365 * 86400, iss=iss,
                                    sd_paths=ctype.sd_layout, holder_jwk=key.public_jwk(),
                                    header={"kid": inst.credential_x5t[:16], "x5t#S256": inst.credential_x5t})
        out.append(Copy(sd_jwt=issued.serialize(), key=private_jwk(key)))
    card = Card(id=new_id(), vct=ctype.vct, type_key=type_key, issuer_id=iss,
                issuer_name=inst.name, configuration_id=f"{type_key}_sd_jwt", claims=claims, received_at=now - 3600,
                iat=now - 3600, exp=now + 365 * 86400, status="VALID", status_checked_at=now, copies=out)
    wallet.save_card(card)
    return card


def demo_history(wallet: Wallet, cards: list[Card], now: int) -> None:
    a1 = next(c for c in cards if c.type_key == "pda1")
    ehic = next(c for c in cards if c.type_key == "ehic")
    events = [
        Event(new_id(), now - 3500, "issuance", "Udbetaling Danmark", a1.issuer_id, a1.vct, sorted(a1.claims), {},
              "received", card_id=a1.id),
        Event(new_id(), now - 3400, "issuance", "Udbetaling Danmark", ehic.issuer_id, ehic.vct, sorted(ehic.claims), {},
              "received", card_id=ehic.id),
        Event(new_id(), now - 1800, "presentation", "Arbejdstilsynet", "x509_hash:demo", a1.vct,
              ["document_number", "employer", "ending_date", "legislation_country", "starting_date",
               "subject.familynames", "subject.forenames"],
              {"en": "Inspection of posted workers' social security coverage",
               "da": "Kontrol af udstationerede arbejdstageres sociale sikring"}, "shared", card_id=a1.id),
        Event(new_id(), now - 900, "presentation", "shop.example.com", "x509_san_dns:shop.example.com", "", [], {},
              "refused", reason="rp.registration"),
        Event(new_id(), now - 600, "presentation", "Rigshospitalet", "x509_hash:demo2", ehic.vct, [],
              {"en": "Entitlement to necessary health care during a stay",
               "da": "Ret til nødvendig behandling under ophold"}, "declined", reason="wallet.declined"),
    ]
    for e in events:
        wallet.record(e)


@dataclass
class DemoRelyingParty:
    """A registered relying party (the demo hospital) that asks for more than its registration allows."""

    request_jws: str
    uri: str
    posted: list[dict[str, str]] = field(default_factory=list)

    def client(self) -> httpx.Client:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "GET" and request.url.path == "/request":
                return httpx.Response(200, text=self.request_jws)
            if request.method == "POST":
                self.posted.append({k: v[0] for k, v in urllib.parse.parse_qs(request.content.decode()).items()})
                return httpx.Response(200, json={})
            return httpx.Response(404)

        return httpx.Client(transport=httpx.MockTransport(handler))


def over_asking_rp(eco, now: int, slug: str = "hospital") -> DemoRelyingParty:
    from jwcrypto import jwk as jw_jwk

    rp = eco.relying_parties[slug]
    enc = jw_jwk.JWK.generate(kty="EC", crv="P-256")
    pub = {**json.loads(enc.export_public()), "use": "enc", "alg": "ECDH-ES", "kid": "demo"}
    query = asking_also(PRESETS["ehic-care"], [["date_of_issuance"], ["starting_date"]])
    claims = {"client_id": rp.client_id, "response_type": "vp_token", "response_mode": "direct_post.jwt",
              "response_uri": f"{RP_BASE}/response", "nonce": new_id(), "state": new_id(), "dcql_query": query,
              "iat": now, "exp": now + 600, "aud": "https://self-issued.me/v2",
              "client_metadata": {"jwks": {"keys": [pub]}, "encrypted_response_enc_values_supported": ["A128GCM"]},
              "verifier_info": rp.verifier_info}
    jws = jose.sign_compact({"typ": "oauth-authz-req+jwt", "x5c": rp.access_x5c}, claims, rp.access_key)
    uri = "openid4vp://?" + urllib.parse.urlencode({"client_id": rp.client_id, "request_uri": f"{RP_BASE}/request"})
    return DemoRelyingParty(jws, uri)
