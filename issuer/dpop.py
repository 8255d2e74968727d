"""DPoP (RFC 9449, OAuth 2.0 Demonstrating Proof of Possession): checking one DPoP proof JWT.

Pure functions (no database): the ``jti`` replay check (RFC 9449 §11.1) needs the database and is
done by the service, in the same transaction as the work the proof authorizes.
Section numbers are RFC 9449's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from credential import jose

DPOP_TYP = "dpop+jwt"  # §4.2: typ
DPOP_ALGS = ("ES256",)  # §5.1 dpop_signing_alg_values_supported: our allow-list (asymmetric only, §4.2)
MAX_PROOF_BYTES = 4096
MAX_JTI = 256


class DpopError(Exception):
    """An invalid DPoP proof: ``invalid_dpop_proof`` (§5 at the token endpoint, §7.1 at resources)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class DpopProof:
    jkt: str  # §6.1: JWK SHA-256 Thumbprint (RFC 7638) of the proof's public key
    jti: str
    iat: int
    nonce: str | None = None  # §8/§9: the server-provided nonce the proof carries, checked by the service


def ath_of(access_token: str) -> str:
    """§4.2 ``ath``: base64url SHA-256 of the ASCII access token value."""
    return jose.b64u_encode(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def _normal_uri(uri: str) -> tuple[str, str, int | None, str] | None:
    """Syntax-based normalization (§4.3 step 9, RFC 3986 §6.2.2-6.2.3), query and fragment dropped."""
    try:
        u = urlsplit(uri)
        port = u.port
    except ValueError:
        return None
    scheme = u.scheme.lower()
    if not scheme or not u.hostname:
        return None
    if port is None:
        port = {"https": 443, "http": 80}.get(scheme)
    return scheme, u.hostname.lower(), port, u.path or "/"


def single_header(values: list[str]) -> str | None:
    """The DPoP header value; §4.3 step 1: at most one ``DPoP`` header. None when absent."""
    if not values:
        return None
    if len(values) > 1:
        raise DpopError("more than one DPoP header")
    return values[0]


def check_proof(proof: Any, *, htm: str, htu: str, now: int, window: int,
                access_token: str | None = None) -> DpopProof:
    """Check a DPoP proof (§4.3), all but ``jti`` uniqueness. ``htu``: the request's URI (this issuer's
    public URL of the endpoint). ``access_token``: given at a protected resource (§7.1), then ``ath``
    must match it. Raises :class:`DpopError`."""
    if not isinstance(proof, str) or not proof or len(proof) > MAX_PROOF_BYTES:  # step 2
        raise DpopError("the DPoP proof must be one compact JWT")
    try:
        jws = jose.parse_compact(proof.strip(), max_bytes=MAX_PROOF_BYTES)  # step 3: well-formed JWS
    except jose.JoseError as exc:
        raise DpopError(f"the DPoP proof is not a valid JWS ({exc.kind})") from None
    header = jws.header
    if header.get("typ") != DPOP_TYP:  # step 5
        raise DpopError("DPoP proof typ must be dpop+jwt")
    if header.get("alg") not in DPOP_ALGS:  # step 6: asymmetric, on our allow-list
        raise DpopError("DPoP proof alg is not supported")
    if "crit" in header:
        raise DpopError("crit is not supported")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise DpopError("DPoP proof header must carry the public key as jwk")
    try:
        key = jose.jwk_to_public_key(jwk)  # step 8: no private key; point on the curve
    except jose.JoseError as exc:
        raise DpopError(f"DPoP proof jwk is invalid ({exc.kind})") from None
    if not jose.verify_signature(jws, key):  # step 7
        raise DpopError("DPoP proof signature does not verify")
    try:
        claims = jws.payload()
    except jose.JoseError:
        raise DpopError("DPoP proof payload is not a JSON object") from None
    jti = claims.get("jti")  # step 4: required claims
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI:
        raise DpopError("DPoP proof jti is missing or too long")
    if claims.get("htm") != htm:  # step 8 (htm): the request method
        raise DpopError("DPoP proof htm does not match the request method")
    claimed = claims.get("htu")
    if not isinstance(claimed, str) or _normal_uri(claimed) is None or _normal_uri(claimed) != _normal_uri(htu):
        raise DpopError("DPoP proof htu does not match the request URI")  # step 9
    iat = claims.get("iat")  # step 11: within an acceptable window (§11.1)
    if isinstance(iat, bool) or not isinstance(iat, (int, float)) or abs(now - iat) > window:
        raise DpopError("DPoP proof iat is missing or outside the accepted window")
    if access_token is not None:  # step 12: ath, and (by the caller) the key bound to the token
        if claims.get("ath") != ath_of(access_token):
            raise DpopError("DPoP proof ath does not match the access token")
    # step 10 (nonce): returned for the service to check against its DPoP-Nonce values (§8, §9)
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise DpopError("DPoP proof nonce must be a string")
    public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    return DpopProof(jose.jwk_thumbprint(public), jti, int(iat), nonce)


def jti_key(jkt: str, jti: str) -> str:
    """The replay-cache key (§11.1): a hash of the key thumbprint and the proof's ``jti``."""
    return hashlib.sha256(f"{jkt}\x00{jti}".encode()).hexdigest()
