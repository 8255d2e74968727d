"""Pure issuer logic: key proofs, credential offers, secrets and passwords. No I/O; the clock and
randomness are arguments.

Section numbers refer to OpenID for Verifiable Credential Issuance 1.0 (final), "OID4VCI".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from credential import jose

PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"  # OID4VCI §4.1.1
PROOF_TYP = "openid4vci-proof+jwt"  # OID4VCI Appendix F.1
PROOF_ALGS = ("ES256",)  # what our metadata advertises in proof_signing_alg_values_supported
CONFIGURATIONS = {"pda1_sd_jwt": "pda1", "ehic_sd_jwt": "ehic"}  # configuration id -> type key
CONFIG_OF_TYPE = {v: k for k, v in CONFIGURATIONS.items()}
MAX_PROOF_BYTES = 8 * 1024


class CredentialRequestError(Exception):
    """OID4VCI §8.3.1.2 error: ``code`` is the ``error`` value, ``description`` ASCII only."""

    def __init__(self, code: str, description: str = "", reason: str | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.reason = reason  # a stable reason code (key attestations), sent as the extension member "reason"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def tx_code(length: int = 6) -> str:
    """A numeric Transaction Code (OID4VCI §4.1.1 ``input_mode`` numeric), sent on another channel."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def random_index(size: int, taken: set[int] | frozenset[int] = frozenset()) -> int:
    """A uniformly random index into a list of ``size`` entries that is not in ``taken``.

    Random, not sequential, so an index says nothing about issuance order (draft-ietf-oauth-status-
    list-20 §12.5, herd privacy). The database's unique constraint is the real guard.
    """
    for _ in range(1000):
        i = secrets.randbelow(size)
        if i not in taken:
            return i
    raise RuntimeError("status list too full")


# ---------------------------------------------------------------- credential offer (§4.1)


def credential_offer(issuer_url: str, configuration_id: str, code: str, *, with_tx_code: bool,
                     tx_length: int = 6, grants: dict[str, Any] | None = None) -> dict[str, Any]:
    """§4.1.1: the offer with its pre-authorized code grant and ``grants`` (e.g. ``authorization_code``
    with ``issuer_state``) beside it."""
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if with_tx_code:
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_length,
                            "description": "The code was sent to you by SMS / Koden er sendt til dig pr. SMS"}
    return {"credential_issuer": issuer_url, "credential_configuration_ids": [configuration_id],
            "grants": {**(grants or {}), PRE_AUTH_GRANT: grant}}


def offer_uri_by_reference(offer_url: str) -> str:
    """§4.1.3: ``openid-credential-offer://?credential_offer_uri=...`` (scheme from §12.1.1)."""
    return "openid-credential-offer://?credential_offer_uri=" + quote(offer_url, safe="")


def offer_uri_by_value(offer: dict[str, Any]) -> str:
    """§4.1.2: the offer object itself in ``credential_offer``."""
    text = json.dumps(offer, separators=(",", ":"))
    return "openid-credential-offer://?credential_offer=" + quote(text, safe="")


# ---------------------------------------------------------------- key proofs (§8.2, Appendix F.1)


@dataclass(frozen=True, slots=True)
class ProofResult:
    jwk: dict[str, str]
    thumbprint: str
    nonce: str
    key_attestation: Any = None  # the JOSE header ``key_attestation`` (OID4VCI F.1), unchecked


def check_jwt_proof(proof: Any, *, audience: str, now: int, window: int) -> ProofResult:
    """Validate one ``jwt`` key proof (OID4VCI Appendix F.1) apart from the nonce's freshness,
    which needs the database. Raises :class:`CredentialRequestError` ``invalid_proof``."""

    def bad(why: str) -> CredentialRequestError:
        return CredentialRequestError("invalid_proof", why)

    if not isinstance(proof, str) or len(proof) > MAX_PROOF_BYTES:
        raise bad("proof must be a compact JWT of reasonable size")
    try:
        jws = jose.parse_compact(proof, max_bytes=MAX_PROOF_BYTES)  # alg allow-list: no none, no MAC
    except jose.JoseError as exc:
        raise bad(f"proof is not a valid JWS ({exc.kind})") from None
    header = jws.header
    if header.get("typ") != PROOF_TYP:  # F.1: typ REQUIRED, openid4vci-proof+jwt
        raise bad("proof typ must be openid4vci-proof+jwt")
    if header.get("alg") not in PROOF_ALGS:  # F.1: alg MUST match proof_signing_alg_values_supported
        raise bad("proof alg is not supported")
    if "crit" in header:
        raise bad("crit is not supported")
    if "kid" in header or "x5c" in header or not isinstance(header.get("jwk"), dict):
        raise bad("the proof must carry the holder key as jwk (binding method jwk)")
    jwk = header["jwk"]
    try:
        key = jose.jwk_to_public_key(jwk)  # refuses private members and points off the curve
    except jose.JoseError as exc:
        raise bad(f"jwk is invalid ({exc.kind})") from None
    if not jose.verify_signature(jws, key):  # F.1: signed by the key in the header
        raise bad("proof signature does not verify")
    try:
        claims = jws.payload()
    except jose.JoseError:
        raise bad("proof payload is not a JSON object") from None
    if claims.get("aud") != audience:  # F.1: aud MUST be the Credential Issuer Identifier
        raise bad("proof aud must be the credential issuer identifier")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)) or abs(now - iat) > window:
        raise bad("proof iat is missing or outside the accepted window")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:  # §8.3.1.2 invalid_proof (3): no c_nonce
        raise bad("proof nonce is missing")
    public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    return ProofResult(public, jose.jwk_thumbprint(public), nonce, header.get("key_attestation"))


# ---------------------------------------------------------------- passwords (back office)

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def ascii_description(text: str) -> str:
    """§8.3.1.2: error_description only uses %x20-21 / %x23-5B / %x5D-7E."""
    return "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in '"\\')[:300]


# NIST SP 800-63B-4 (2025) §3.1.1.2 "Password Verifiers": a password that is the only factor SHALL be
# at least 15 characters (8 only when it is one factor of several); the verifier SHOULD accept at
# least 64; no composition rules (SHALL NOT); each Unicode code point counts as one character. The
# back office logs in with a password alone, so 15.
PASSWORD_MIN = 15
PASSWORD_MAX = 256
ROLES = ("officer", "admin")
API_SCOPES = ("create", "read", "status", "paper", "lookup")  # issue 14 finding 13; the case API's routes name theirs
# lookup (issue 15 item 3): only whether a document number is valid, suspended or revoked and where in which signed
# status list that is said, for the inspector app's manual entry; nothing of the case, nothing personal


def password_problem(username: str, password: str) -> str | None:
    """Why ``password`` cannot be a back-office password, or None. The blocklist part of §3.1.1.2 is
    small here: the user name and one repeated character."""
    if len(password) < PASSWORD_MIN:
        return (f"the password must have at least {PASSWORD_MIN} characters (NIST SP 800-63B-4 §3.1.1.2, "
                "single-factor); a few unrelated words make a good one")
    if len(password) > PASSWORD_MAX:
        return f"the password must have at most {PASSWORD_MAX} characters"
    if password.strip().lower() == username.strip().lower() or len(set(password)) == 1:
        return "the password must not be the user name or one repeated character"
    return None
