"""The wallet's attestations from its wallet provider (HAIP 1.0 §4.4.1, §4.5.1).

For each issuance the wallet makes a fresh wallet instance key and asks its provider for a Wallet Instance
Attestation of it (OpenID4VCI 1.0 Appendix E): HAIP §4.4.1 forbids reusing one across issuers, and a fresh key
keeps two issuers from linking the same wallet. It sends the attestation with a fresh Client Attestation PoP
(draft-ietf-oauth-attestation-based-client-auth §5.2: ``aud`` = the authorization server's issuer identifier, a
new ``jti`` each time) at the PAR and token endpoints, when the issuer's metadata lists ``attest_jwt_client_auth``.
When a credential configuration asks for ``key_attestations_required`` it asks the provider to attest the keys
it is about to bind, with the issuer's ``c_nonce`` (Appendix D; sent in each ``jwt`` proof's ``key_attestation``).

The provider is ``ESSPASS_WALLET_PROVIDER_URL`` (the demo's: ``esspass wallet-provider serve``); its requests
are the JWTs :mod:`esspass.wallet_provider` documents, each signed by the key concerned.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from credential import attestations as A
from credential import jose
from credential.reasons import Rejected

from . import http
from . import reasons as R

CLIENT_AUTH_METHOD = "attest_jwt_client_auth"
# the request types of the demo wallet provider (esspass.wallet_provider); the wallet imports nothing from there
INSTANCE_REQUEST_TYP = "esspass-wallet-instance-request+jwt"
KEY_REQUEST_TYP = "esspass-key-possession+jwt"


@dataclass
class Attested:
    """A wallet instance key with its Wallet Instance Attestation, for one issuer."""

    instance_key: jose.SigningKey
    attestation: str
    client_id: str  # the attestation's sub: the client_id to use at that issuer (ABCA §7, HAIP §4.4.1)

    def headers(self, audience: str, now: int) -> dict[str, str]:
        """``OAuth-Client-Attestation`` and a new ``OAuth-Client-Attestation-PoP`` (ABCA §5.1, §5.2)."""
        pop = A.attestation_pop(self.instance_key, audience=audience, iat=now, jti=secrets.token_urlsafe(16))
        return {"OAuth-Client-Attestation": self.attestation, "OAuth-Client-Attestation-PoP": pop}


@dataclass
class WalletProviderClient:
    url: str

    def _post(self, client: httpx.Client, path: str, body: dict[str, Any], field: str) -> str:
        url = http.check_url(f"{self.url.rstrip('/')}{path}", R.ATTESTATION_UNAVAILABLE)
        try:
            resp = http.request(client, "POST", url, fail=R.ATTESTATION_UNAVAILABLE, json=body)
        except Rejected as exc:  # unreachable: the person reads that the provider, not the issuer, failed
            raise Rejected(R.ATTESTATION_UNAVAILABLE, f"{exc.code}: {exc.detail}"[:120]) from None
        data = http.json_of(resp, R.ATTESTATION_UNAVAILABLE) if resp.content else {}
        value = data.get(field) if resp.status_code == 200 else None
        if not isinstance(value, str):
            raise Rejected(R.ATTESTATION_UNAVAILABLE, f"wallet provider {path}: {str(data.get('error', resp.status_code))[:60]}")
        return value

    def attest_instance(self, client: httpx.Client, now: int) -> Attested:
        key = jose.SigningKey.generate("P-256")
        request = A.possession_request(key, typ=INSTANCE_REQUEST_TYP, audience=self.url.rstrip("/"), iat=now)
        token = self._post(client, "/wallet-attestation", {"request": request}, "wallet_attestation")
        try:
            claims = jose.parse_compact(token).payload()
        except jose.JoseError:
            raise Rejected(R.ATTESTATION_UNAVAILABLE, "the wallet provider's answer is not a JWT") from None
        sub, cnf = claims.get("sub"), (claims.get("cnf") or {}).get("jwk")
        if not isinstance(sub, str) or cnf != key.public_jwk():
            raise Rejected(R.ATTESTATION_UNAVAILABLE, "the attestation is not for this instance key")
        return Attested(key, token, sub)

    def attest_keys(self, client: httpx.Client, keys: list[jose.SigningKey], nonce: str, now: int) -> str:
        proofs = [A.possession_request(k, typ=KEY_REQUEST_TYP, audience=self.url.rstrip("/"), iat=now,
                                       extra={"nonce": nonce}) for k in keys]
        return self._post(client, "/key-attestation", {"nonce": nonce, "proofs": proofs}, "key_attestation")


def configured_provider() -> WalletProviderClient | None:
    """``ESSPASS_WALLET_PROVIDER_URL``, or None."""
    s = http.settings()
    url = getattr(s, "wallet_provider_url", None) if s is not None else None
    return WalletProviderClient(url) if url else None


def supports(as_meta: dict[str, Any] | None) -> tuple[bool, bool]:
    """(the authorization server accepts wallet attestation, it requires it): ABCA §8 metadata."""
    methods = (as_meta or {}).get("token_endpoint_auth_methods_supported") or ["none"]
    if not isinstance(methods, list):
        return False, False
    accepted = CLIENT_AUTH_METHOD in methods
    return accepted, accepted and "none" not in methods


def attest_for(as_meta: dict[str, Any] | None, provider: WalletProviderClient | None, client: httpx.Client,
               now: int) -> Attested | None:
    """A fresh attestation when the issuer accepts one and a provider is set up; a refusal when the issuer
    requires one and there is no provider; otherwise None (the wallet stays a public client)."""
    accepted, required = supports(as_meta)
    if not accepted:
        return None
    if provider is None:
        if required:
            raise Rejected(R.ATTESTATION_NOT_CONFIGURED, "the issuer accepts only attest_jwt_client_auth")
        return None
    return provider.attest_instance(client, now)


def key_attestation_required(configuration: dict[str, Any]) -> bool:
    """OpenID4VCI §12.2.4: ``proof_types_supported.jwt.key_attestations_required`` present."""
    jwt = (configuration.get("proof_types_supported") or {}).get("jwt")
    return isinstance(jwt, dict) and "key_attestations_required" in jwt
