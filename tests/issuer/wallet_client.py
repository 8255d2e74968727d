"""A minimal OpenID4VCI 1.0 wallet written from the specification text, for the tests only.

Pre-authorized code flow: offer (§4.1, by reference or value) -> issuer metadata (§12.2.2) ->
AS metadata (RFC 8414, §12.3) -> token (§6.1, tx_code) -> nonce (§7) -> credential (§8.2, proofs.jwt
per Appendix F.1).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from credential import jose

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def proof_jwt(key: jose.SigningKey, *, aud: str, nonce: str | None, iat: int | None = None,
              typ: str = "openid4vci-proof+jwt", extra_header: dict | None = None,
              extra_claims: dict | None = None) -> str:
    header = {"typ": typ, "jwk": key.public_jwk(), **(extra_header or {})}
    claims: dict[str, Any] = {"aud": aud, "iat": int(time.time()) if iat is None else iat}
    if nonce is not None:
        claims["nonce"] = nonce
    claims.update(extra_claims or {})
    return jose.sign_compact(header, claims, key)


def dpop_proof(key: jose.SigningKey, *, htm: str, htu: str, access_token: str | None = None,
               iat: int | None = None, jti: str | None = None, typ: str = "dpop+jwt",
               extra_header: dict | None = None, extra_claims: dict | None = None) -> str:
    """A DPoP proof JWT (RFC 9449 §4.2): typ dpop+jwt, the public key as jwk, jti/htm/htu/iat, and
    ``ath`` (base64url SHA-256 of the access token) when presented with one (§7.1)."""
    import hashlib
    import secrets

    header = {"typ": typ, "jwk": key.public_jwk(), **(extra_header or {})}
    claims: dict[str, Any] = {"jti": jti or secrets.token_urlsafe(16), "htm": htm, "htu": htu,
                              "iat": int(time.time()) if iat is None else iat}
    if access_token is not None:
        claims["ath"] = jose.b64u_encode(hashlib.sha256(access_token.encode("ascii")).digest())
    claims.update(extra_claims or {})
    return jose.sign_compact(header, claims, key)


@dataclass
class Wallet:
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def resolve_offer(self, offer_uri: str) -> dict[str, Any]:
        assert offer_uri.startswith("openid-credential-offer://")
        q = parse_qs(urlsplit(offer_uri).query)
        if "credential_offer" in q:
            return json.loads(q["credential_offer"][0])
        r = self.http.get(q["credential_offer_uri"][0])
        r.raise_for_status()
        assert r.headers["content-type"].startswith("application/json")
        return r.json()

    def metadata(self, issuer: str) -> tuple[dict, dict]:
        u = urlsplit(issuer)
        meta = self.http.get(f"{u.scheme}://{u.netloc}/.well-known/openid-credential-issuer{u.path}").json()
        assert meta["credential_issuer"] == issuer  # §12.2.4: simple string comparison
        as_url = (meta.get("authorization_servers") or [issuer])[0]
        a = urlsplit(as_url)
        as_meta = self.http.get(f"{a.scheme}://{a.netloc}/.well-known/oauth-authorization-server{a.path}").json()
        return meta, as_meta

    def token(self, as_meta: dict, code: str, tx_code: str | None) -> httpx.Response:
        data = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        if tx_code is not None:
            data["tx_code"] = tx_code
        return self.http.post(as_meta["token_endpoint"], data=data)

    def nonce(self, meta: dict) -> str:
        r = self.http.post(meta["nonce_endpoint"])
        assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
        return r.json()["c_nonce"]

    def credential(self, meta: dict, access_token: str, config_id: str, proofs: list[str]) -> httpx.Response:
        return self.http.post(meta["credential_endpoint"], headers={"Authorization": f"Bearer {access_token}"},
                              json={"credential_configuration_id": config_id, "proofs": {"jwt": proofs}})

    def receive(self, offer_uri: str, tx_code: str | None, n: int = 1) -> tuple[list[str], list[jose.SigningKey]]:
        """The whole happy path: ``n`` credentials, each bound to its own fresh key."""
        offer = self.resolve_offer(offer_uri)
        meta, as_meta = self.metadata(offer["credential_issuer"])
        grant = offer["grants"][PRE_AUTH]
        r = self.token(as_meta, grant["pre-authorized_code"], tx_code if "tx_code" in grant else None)
        assert r.status_code == 200, r.text
        access = r.json()["access_token"]
        nonce = self.nonce(meta)
        keys = [jose.SigningKey.generate() for _ in range(n)]
        cfg = offer["credential_configuration_ids"][0]
        r = self.credential(meta, access, cfg, [proof_jwt(k, aud=meta["credential_issuer"], nonce=nonce) for k in keys])
        assert r.status_code == 200, r.text
        return [c["credential"] for c in r.json()["credentials"]], keys
