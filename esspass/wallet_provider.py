"""The demo ecosystem's wallet provider: it issues Wallet Instance Attestations and key attestations to ESSPASS
wallets over HTTP (``esspass wallet-provider serve``), signed with the key whose CA the Wallet Providers list names.

- ``POST /wallet-attestation`` ``{"request": JWT}``: the JWT (``typ`` :data:`INSTANCE_REQUEST_TYP`) is signed by
  the wallet instance key, which it carries as ``jwk``, with ``aud`` = this provider's URL and a fresh ``iat``.
  Answer ``{"wallet_attestation": ...}``: ``typ oauth-client-attestation+jwt`` (draft-ietf-oauth-attestation-based-
  client-auth §5.1, OpenID4VCI 1.0 Appendix E), ``sub`` = the wallet solution's client_id shared by every instance
  (OpenID4VCI §15.4.4, HAIP 1.0 §4.4.1), ``cnf.jwk`` = the instance key, ``exp`` = now + ``wia_ttl``, ``x5c`` =
  the signing certificate without the trust anchor.
- ``POST /key-attestation`` ``{"nonce": c_nonce, "proofs": [JWT, ...]}``: one JWT (``typ`` :data:`KEY_REQUEST_TYP`)
  per key, signed by it, with ``aud`` = this provider and ``nonce`` = the issuer's c_nonce. Answer
  ``{"key_attestation": ...}`` (OpenID4VCI 1.0 Appendix D.1): ``attested_keys``, ``nonce``, ``exp``, ``x5c``.

What a real provider does and this one does not: it checks the app's integrity and the device's key storage
(platform key and app attestations, OpenID4VCI Appendix E intro, Appendix D "MUST verify the authenticity of its
claims about the keys") before it signs. This demo provider only checks that the wallet holds the keys, so its
key attestations claim no ``key_storage`` or ``user_authentication`` level (Appendix D.2): it has verified none.
It keeps nothing about the wallets it serves (HAIP 1.0 §11.1: a stateless transformation service).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import typer
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from credential import attestations as A
from credential import jose

INSTANCE_REQUEST_TYP = "esspass-wallet-instance-request+jwt"
KEY_REQUEST_TYP = "esspass-key-possession+jwt"
WALLET_LINK = "https://wallet.esspass.eu"
MAX_KEYS = A.MAX_ATTESTED_KEYS


class RequestRefused(ValueError):
    """A request the provider does not sign for (HTTP 400 ``invalid_request``)."""


@dataclass
class WalletProviderService:
    signer: jose.SigningKey
    x5c: list[str]
    url: str  # this provider's public URL: the ``aud`` of the wallet's requests, the ``iss`` of what it signs
    client_id: str
    wallet_name: str
    clock: Callable[[], float] = field(default=time.time)
    wia_ttl: int = 3600  # a Wallet Instance Attestation is short-lived; the wallet gets one per issuer
    ka_ttl: int = 3600
    window: int = 300  # accepted |now - iat| of a request

    def now(self) -> int:
        return int(self.clock())

    def wallet_attestation(self, request: Any) -> str:
        now = self.now()
        try:
            jwk, _ = A.check_possession_request(request, typ=INSTANCE_REQUEST_TYP, audience=self.url, now=now,
                                                window=self.window)
        except ValueError as exc:
            raise RequestRefused(f"instance request: {exc}") from None
        return A.wallet_attestation(self.signer, self.x5c, issuer=self.url, client_id=self.client_id,
                                    instance_jwk=jwk, iat=now, exp=now + self.wia_ttl, wallet_name=self.wallet_name,
                                    wallet_link=WALLET_LINK)

    def key_attestation(self, body: Any) -> str:
        now = self.now()
        if not isinstance(body, dict):
            raise RequestRefused("the body must be a JSON object")
        nonce, proofs = body.get("nonce"), body.get("proofs")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= 512:
            raise RequestRefused("nonce (the issuer's c_nonce) is required")
        if not isinstance(proofs, list) or not 0 < len(proofs) <= MAX_KEYS:
            raise RequestRefused(f"proofs must be 1 to {MAX_KEYS} JWTs")
        keys = []
        for proof in proofs:
            try:
                jwk, claims = A.check_possession_request(proof, typ=KEY_REQUEST_TYP, audience=self.url, now=now,
                                                         window=self.window)
            except ValueError as exc:
                raise RequestRefused(f"key proof: {exc}") from None
            if claims.get("nonce") != nonce:  # each key agreed to this issuer's nonce
                raise RequestRefused("a key proof names another nonce")
            if jwk in keys:
                raise RequestRefused("a key appears twice")
            keys.append(jwk)
        return A.key_attestation(self.signer, self.x5c, issuer=self.url, attested_keys=keys, iat=now,
                                 exp=now + self.ka_ttl, nonce=nonce)


def demo_service(home: Path, url: str, now: int | None = None) -> WalletProviderService:
    """The demo ecosystem's provider (``trust_list.demo``; built under ``home`` if it is not there yet)."""
    from trust_list.demo import build_demo_ecosystem

    wp = build_demo_ecosystem(Path(home), int(time.time()) if now is None else now).wallet_provider
    assert wp is not None
    return WalletProviderService(wp.attestation_key, wp.x5c, url.rstrip("/"), wp.client_id, wp.wallet_name)


def create_app(service: WalletProviderService) -> FastAPI:
    app = FastAPI(title="ESSPASS demo wallet provider", docs_url=None, redoc_url=None, openapi_url=None)
    no_store = {"Cache-Control": "no-store"}

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > 64 * 1024:
            raise RequestRefused("body too large")
        try:
            return jose.json_object(raw, "body")
        except jose.JoseError:
            raise RequestRefused("the body must be a JSON object") from None

    def refused(exc: RequestRefused) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "error_description": str(exc)[:200]}, 400, no_store)

    @app.post("/wallet-attestation")
    async def _wallet_attestation(request: Request):
        try:
            token = service.wallet_attestation((await body_of(request)).get("request"))
        except RequestRefused as exc:
            return refused(exc)
        return JSONResponse({"wallet_attestation": token}, headers=no_store)

    @app.post("/key-attestation")
    async def _key_attestation(request: Request):
        try:
            token = service.key_attestation(await body_of(request))
        except RequestRefused as exc:
            return refused(exc)
        return JSONResponse({"key_attestation": token}, headers=no_store)

    return app


app = typer.Typer(help="The demo ecosystem's wallet provider (wallet and key attestations).", no_args_is_help=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8444, "--port"),
    url: Optional[str] = typer.Option(None, "--url", help="public URL (default http://HOST:PORT)"),
    home: Optional[Path] = typer.Option(None, "--home", help="ESSPASS_HOME (default ./.esspass)"),
) -> None:
    """Serve attestations signed by the demo ecosystem's wallet provider key."""
    import os

    import uvicorn

    base = Path(home or os.environ.get("ESSPASS_HOME", ".esspass")) / "ecosystem"
    service = demo_service(base, url or f"http://{host}:{port}")
    typer.echo(f"wallet provider at {service.url} (wallets: ESSPASS_WALLET_PROVIDER_URL={service.url})")
    uvicorn.run(create_app(service), host=host, port=port, log_level="warning")
