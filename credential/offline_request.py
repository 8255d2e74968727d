"""The OpenID4VP request object of the offline presentation (docs/offline-presentation.md §2), built by value.

Pure: keys, certificates (DER), time and randomness are arguments. The relying party signs with the key of its
access certificate (shared/specs/trust-lists.md §5); the wallet checks the result with
``trust_list.relying_party`` before it shows anything to its user. Section numbers refer to OpenID4VP 1.0.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from . import jose

__all__ = [
    "AUD_STATIC", "DEFAULT_LIFETIME_S", "REQUEST_TYP", "RESPONSE_MODE", "build_request_object", "new_nonce",
    "x509_hash_client_id",
]

REQUEST_TYP = "oauth-authz-req+jwt"  # RFC 9101 §10.8, OpenID4VP §5
AUD_STATIC = "https://self-issued.me/v2"  # OpenID4VP §5.8: request object audience without wallet metadata
RESPONSE_MODE = "esspass_qr"  # ESSPASS extension: the response is shown as a QR code (no response_uri)
DEFAULT_LIFETIME_S = 300
NONCE_BYTES = 16  # 22 base64url characters, 128 bits


def x509_hash_client_id(access_certificate_der: bytes) -> str:
    """OpenID4VP §5.9.3 ``x509_hash`` Client Identifier: base64url SHA-256 of the DER access certificate."""
    return "x509_hash:" + jose.b64u_encode(hashlib.sha256(access_certificate_der).digest())


def new_nonce(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    return jose.b64u_encode(random_bytes(NONCE_BYTES))


def request_claims(
    *,
    client_id: str,
    dcql_query: dict[str, Any],
    nonce: str,
    iat: int,
    registration_certificate: str,
    lifetime_s: int = DEFAULT_LIFETIME_S,
) -> dict[str, Any]:
    """The request object's claims (§5.1): vp_token by DCQL, nonce, time, registration certificate."""
    return {
        "response_type": "vp_token",
        "response_mode": RESPONSE_MODE,
        "client_id": client_id,
        "aud": AUD_STATIC,
        "nonce": nonce,
        "iat": iat,
        "exp": iat + lifetime_s,
        "dcql_query": dcql_query,
        "verifier_info": [{"format": "registration_cert", "data": registration_certificate}],
    }


def build_request_object(
    access_key: jose.SigningKey,
    access_chain_der: Sequence[bytes],
    *,
    dcql_query: dict[str, Any],
    nonce: str,
    iat: int,
    registration_certificate: str,
    lifetime_s: int = DEFAULT_LIFETIME_S,
) -> str:
    """A signed request object (compact JWS) with ``x5c`` = the access certificate chain, leaf first, and
    ``client_id`` = its ``x509_hash``."""
    if not access_chain_der:
        raise ValueError("the access certificate chain is empty")
    header = {
        "typ": REQUEST_TYP,
        "x5c": [base64.b64encode(der).decode("ascii") for der in access_chain_der],
    }
    claims = request_claims(
        client_id=x509_hash_client_id(access_chain_der[0]),
        dcql_query=dcql_query,
        nonce=nonce,
        iat=iat,
        registration_certificate=registration_certificate,
        lifetime_s=lifetime_s,
    )
    return jose.sign_compact(header, claims, access_key)
