"""Receiving credentials through the Authorization Code Flow (OpenID4VCI 1.0 §5, §6.1), as HAIP 1.0
§4 profiles it: a pushed authorization request (RFC 9126) with PKCE S256 (RFC 7636) and the ``scope``
of the credential configuration (HAIP §4.3), DPoP from the pushed request on (RFC 9449 §10, with
``DPoP-Nonce`` handled, §8/§9), and the authorization response checked for ``state`` and ``iss``
(RFC 6749 §4.1.2, RFC 9207 §2.4) before its code is used.

Issuer-initiated (an offer whose ``authorization_code`` grant carries ``issuer_state``, §4.1.1) or
wallet-initiated (a credential issuer and a configuration id). The person's login happens in a
browser: ``browse(url)`` opens the authorization URL and returns the URL the browser was finally
sent to (the wallet's redirect URI with ``code`` or ``error``); the app passes the system browser
and its redirect handler, the tests an HTTP client playing the person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from credential import jose
from credential.reasons import Rejected
from trust_list import TrustStore

from . import attestation, http
from . import reasons as R
from .core import Wallet
from .issuance import (DEFAULT_COPIES, CredentialOffer, Received, _Auth, client_auth, fetch_metadata, parse_offer,
                       store_credentials)

CLIENT_ID = "esspass-wallet"  # as a public client; with a wallet attestation its sub (HAIP §4.4.1)
REDIRECT_URI = "eu.esspass.wallet:/issuance"  # RFC 8252 §7.1 private-use scheme of the app


def _pkce() -> tuple[str, str]:
    """RFC 7636 §4.1-4.2: a 64-character verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, jose.b64u_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def code_from_redirect(url: str, *, redirect_uri: str, state: str, issuer: str) -> str:
    """The authorization response (RFC 6749 §4.1.2): it must come to our redirect URI, carry our
    ``state`` and the authorization server's ``iss`` (RFC 9207 §2.4, mix-up defence). An ``error``
    (§4.1.2.1, e.g. ``access_denied``: no decided case) is a refusal."""
    if not isinstance(url, str) or len(url) > 8192 or not url.startswith(redirect_uri.split("?")[0]):
        raise Rejected(R.AUTHORIZATION_RESPONSE, "not our redirect URI")
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if not hmac.compare_digest(q.get("state", ""), state):
        raise Rejected(R.AUTHORIZATION_RESPONSE, "state differs")
    if q.get("iss") != issuer:
        raise Rejected(R.AUTHORIZATION_RESPONSE, "iss differs from the authorization server")
    if "error" in q:
        raise Rejected(R.AUTHORIZATION_REFUSED, f"authorization endpoint: {q['error'][:60]}")
    if not q.get("code"):
        raise Rejected(R.AUTHORIZATION_RESPONSE, "no code")
    return q["code"]


def receive_authorized(
    wallet: Wallet,
    store: TrustStore,
    browse: Callable[[str], str],
    *,
    offer_uri: str | None = None,
    credential_issuer: str | None = None,
    configuration_id: str | None = None,
    client: httpx.Client | None = None,
    client_id: str = CLIENT_ID,
    redirect_uri: str = REDIRECT_URI,
    copies: int = DEFAULT_COPIES,
    new_key: Callable[[], jose.SigningKey] = lambda: jose.SigningKey.generate("P-256"),
    provider: attestation.WalletProviderClient | None = None,
) -> Received:
    """Run the authorization code flow from an offer or (wallet-initiated) for ``configuration_id``
    at ``credential_issuer``; store the credentials; every outcome goes to the history. ``provider``: the
    wallet provider (default ``ESSPASS_WALLET_PROVIDER_URL``): the wallet then authenticates with a wallet
    attestation at the PAR and token endpoints (HAIP 1.0 §4.3, §4.4.1), ``client_id`` = its ``sub``."""
    own = client or http.new_client()
    provider = provider or attestation.configured_provider()
    party = credential_issuer or ""
    try:
        if offer_uri is not None:
            offer = parse_offer(offer_uri, own)
        else:
            if not credential_issuer or not configuration_id:
                raise Rejected(R.OFFER_INVALID, "a credential issuer and a configuration are needed")
            offer = CredentialOffer(credential_issuer, (configuration_id,), None, None)
        party = offer.credential_issuer
        if len(offer.configuration_ids) != 1:
            raise Rejected(R.OFFER_INVALID, "one credential configuration per authorization")
        meta = fetch_metadata(own, offer.credential_issuer)
        party = meta.display_name()
        asm = meta.authorization_server or {}
        par_endpoint = http.check_url(asm.get("pushed_authorization_request_endpoint"), R.ISSUER_METADATA)
        authorize = http.check_url(asm.get("authorization_endpoint"), R.ISSUER_METADATA)
        scope = meta.configuration(offer.configuration_ids[0]).get("scope")
        if not isinstance(scope, str) or "S256" not in (asm.get("code_challenge_methods_supported") or []):
            raise Rejected(R.ISSUER_METADATA, "no scope for the configuration, or no PKCE S256")
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(24)
        dpop = _Auth(None, jose.SigningKey.generate("P-256") if "ES256" in meta.dpop_algs else None)
        attested = attestation.attest_for(asm, provider, own, wallet.now())
        if attested is not None:  # HAIP §4.4.1: the client_id in the PAR request is the attestation's sub
            client_id = attested.client_id
        auth_headers = client_auth(attested, meta, wallet)
        form = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
                "code_challenge": challenge, "code_challenge_method": "S256", "scope": scope}
        if offer.issuer_state:
            form["issuer_state"] = offer.issuer_state
        resp = dpop.post(own, par_endpoint, fail=R.AUTHORIZATION_REFUSED, now=wallet.now(), data=form,
                         extra=auth_headers)
        pushed = http.json_of(resp, R.AUTHORIZATION_REFUSED) if resp.status_code == 201 else {}
        request_uri = pushed.get("request_uri")
        if not isinstance(request_uri, str):
            raise Rejected(R.AUTHORIZATION_REFUSED, f"pushed request: {resp.status_code}")
        sep = "&" if "?" in authorize else "?"
        landed = browse(f"{authorize}{sep}{urlencode({'client_id': client_id, 'request_uri': request_uri})}")
        code = code_from_redirect(landed, redirect_uri=redirect_uri, state=state, issuer=asm.get("issuer", ""))
        token_form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                      "code_verifier": verifier, "client_id": client_id}
        resp = dpop.post(own, meta.token_endpoint, fail=R.TOKEN_REFUSED, now=wallet.now(), data=token_form,
                         extra=auth_headers)
        if resp.status_code != 200:
            raise Rejected(R.TOKEN_REFUSED, f"token endpoint: {resp.status_code}")
        return store_credentials(wallet, own, meta, offer, http.json_of(resp, R.TOKEN_REFUSED), dpop, store,
                                 copies, new_key, provider)
    except Rejected as exc:
        by = "issuer" if exc.code in (R.AUTHORIZATION_REFUSED.code, R.TOKEN_REFUSED.code,
                                      R.CREDENTIAL_REFUSED.code) else "wallet"
        wallet.log(kind="issuance", party=party, party_id=credential_issuer or "", credential="",
                   outcome="refused", reason=exc.code, refused_by=by)
        raise
    finally:
        if client is None:
            own.close()
