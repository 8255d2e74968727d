"""Wallet and key attestations: their JWT formats, made and checked (pure: no I/O, the clock is an argument).

- Wallet Instance Attestation = the Client Attestation JWT of draft-ietf-oauth-attestation-based-client-auth
  ("ABCA", -latest, §5.1) as OpenID4VCI 1.0 Appendix E profiles it, with HAIP 1.0 §4.4.1: ``typ``
  ``oauth-client-attestation+jwt``, ``sub`` = the client_id shared by every instance of the wallet solution,
  ``exp``, ``cnf.jwk`` = the wallet instance's key, the signer's certificate chain in ``x5c`` (no trust anchor).
- Client Attestation PoP JWT (ABCA §5.2): ``typ`` ``oauth-client-attestation-pop+jwt``, ``aud`` = the
  authorization server's issuer identifier, ``jti``, ``iat``, signed by the ``cnf`` key.
- Key attestation (OpenID4VCI 1.0 Appendix D.1): ``typ`` ``key-attestation+jwt``, ``iat``, ``exp`` (required
  with the ``jwt`` proof type), ``attested_keys``, optional ``nonce`` (a ``c_nonce``); ``x5c`` per HAIP §4.5.1.

Who signed is decided outside: the checks take ``trusted_key(header)``, which resolves the ``x5c`` against
the Wallet Providers list (``trust_list.check_wallet_provider``) and raises its own Rejected. HAIP 1.0 §7:
ES256 is the algorithm every issuer must validate; it is the one accepted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import jose
from .reasons import Rejected, define

__all__ = [
    "WALLET_ATTESTATION_TYP", "POP_TYP", "KEY_ATTESTATION_TYP", "ATTESTATION_ALGS", "ClientAttestation",
    "KeyAttestation", "wallet_attestation", "attestation_pop", "key_attestation", "check_client_attestation",
    "check_key_attestation", "possession_request", "check_possession_request",
    "MALFORMED", "POP_MALFORMED", "KEY_MISSING", "KEY_NONCE", "KEY_NOT_ATTESTED", "POP_REPLAYED", "MAX_ATTESTED_KEYS",
]

WALLET_ATTESTATION_TYP = "oauth-client-attestation+jwt"  # ABCA §5.1
POP_TYP = "oauth-client-attestation-pop+jwt"  # ABCA §5.2
KEY_ATTESTATION_TYP = "key-attestation+jwt"  # OpenID4VCI 1.0 Appendix D.1
ATTESTATION_ALGS = ("ES256",)  # HAIP 1.0 §7
MAX_ATTESTATION_BYTES = 16 * 1024
MAX_ATTESTED_KEYS = 32

# the checks' reasons (words: credential/locale/<lang>/LC_MESSAGES/esspass.po)
MISSING = define("client_attestation.missing")
MALFORMED = define("client_attestation.malformed")
SIGNATURE = define("client_attestation.signature")
EXPIRED = define("client_attestation.expired")
CLIENT_ID = define("client_attestation.client_id")
POP_MISSING = define("client_attestation.pop_missing")
POP_MALFORMED = define("client_attestation.pop_malformed")
POP_SIGNATURE = define("client_attestation.pop_signature")
POP_AUDIENCE = define("client_attestation.pop_audience")
POP_STALE = define("client_attestation.pop_stale")
POP_REPLAYED = define("client_attestation.pop_replayed")
KEY_MISSING = define("key_attestation.missing")
KEY_MALFORMED = define("key_attestation.malformed")
KEY_SIGNATURE = define("key_attestation.signature")
KEY_EXPIRED = define("key_attestation.expired")
KEY_NOT_ATTESTED = define("key_attestation.key_not_attested")
KEY_NONCE = define("key_attestation.nonce")


@dataclass(frozen=True, slots=True)
class ClientAttestation:
    """A checked Wallet Instance Attestation and its PoP (the PoP's jti still to be spent once)."""

    client_id: str  # the attestation's sub
    instance_jwk: dict[str, str]  # cnf.jwk, public members only
    instance_jkt: str  # its RFC 7638 thumbprint
    pop_jti: str
    pop_iat: int
    provider: Any  # what trusted_key returned beside the key (e.g. trust_list.WalletProviderTrust)


@dataclass(frozen=True, slots=True)
class KeyAttestation:
    attested_keys: tuple[dict[str, str], ...]  # public members only
    thumbprints: tuple[str, ...]
    nonce: str | None
    exp: int | None
    provider: Any


# ---------------------------------------------------------------- making them (wallet provider, wallet)


def wallet_attestation(signer: jose.SigningKey, x5c: list[str], *, issuer: str, client_id: str,
                       instance_jwk: dict[str, str], iat: int, exp: int, wallet_name: str | None = None,
                       wallet_link: str | None = None) -> str:
    """ABCA §5.1 / OpenID4VCI Appendix E, signed by the wallet provider; ``x5c`` without the anchor."""
    claims: dict[str, Any] = {"iss": issuer, "sub": client_id, "iat": iat, "exp": exp,
                              "cnf": {"jwk": _public(instance_jwk)}}
    if wallet_name:
        claims["wallet_name"] = wallet_name
    if wallet_link:
        claims["wallet_link"] = wallet_link
    return jose.sign_compact({"typ": WALLET_ATTESTATION_TYP, "x5c": list(x5c)}, claims, signer)


def attestation_pop(instance_key: jose.SigningKey, *, audience: str, iat: int, jti: str,
                    challenge: str | None = None) -> str:
    """ABCA §5.2, signed by the wallet instance key (the attestation's ``cnf``)."""
    claims: dict[str, Any] = {"aud": audience, "jti": jti, "iat": iat}
    if challenge is not None:
        claims["challenge"] = challenge
    return jose.sign_compact({"typ": POP_TYP}, claims, instance_key)


def key_attestation(signer: jose.SigningKey, x5c: list[str], *, issuer: str, attested_keys: list[dict[str, str]],
                    iat: int, exp: int, nonce: str | None = None) -> str:
    """OpenID4VCI Appendix D.1, signed by the wallet provider. No ``key_storage`` / ``user_authentication``:
    a provider claims an attack potential resistance (Appendix D.2) only when it has verified it."""
    claims: dict[str, Any] = {"iss": issuer, "iat": iat, "exp": exp,
                              "attested_keys": [_public(k) for k in attested_keys]}
    if nonce is not None:
        claims["nonce"] = nonce
    return jose.sign_compact({"typ": KEY_ATTESTATION_TYP, "x5c": list(x5c)}, claims, signer)


def possession_request(key: jose.SigningKey, *, typ: str, audience: str, iat: int,
                       extra: dict[str, Any] | None = None) -> str:
    """A JWT a wallet signs with a key to show a wallet provider that it holds it (``jwk`` in the header)."""
    return jose.sign_compact({"typ": typ, "jwk": key.public_jwk()}, {"aud": audience, "iat": iat, **(extra or {})},
                             key)


def check_possession_request(token: Any, *, typ: str, audience: str, now: int, window: int
                             ) -> tuple[dict[str, str], dict[str, Any]]:
    """The wallet provider's side of :func:`possession_request`: (the public JWK, the claims); ValueError."""
    try:
        jws = jose.parse_compact(token, max_bytes=MAX_ATTESTATION_BYTES)
        if jws.header.get("typ") != typ or jws.header.get("alg") not in ATTESTATION_ALGS:
            raise ValueError("wrong typ or alg")
        key = jose.jwk_to_public_key(jws.header.get("jwk"))
        if not jose.verify_signature(jws, key):
            raise ValueError("signature does not verify under jwk")
        claims = jws.payload()
    except jose.JoseError as exc:
        raise ValueError(str(exc)) from None
    if claims.get("aud") != audience:
        raise ValueError("aud is not this wallet provider")
    if not _number(claims.get("iat")) or abs(now - claims["iat"]) > window:
        raise ValueError("iat missing or outside the window")
    return _public(jws.header["jwk"]), claims


# ---------------------------------------------------------------- checking them (issuer)


def _public(jwk: dict[str, str]) -> dict[str, str]:
    return {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _parse(token: Any, typ: str, malformed) -> jose.CompactJws:
    if not isinstance(token, str) or not token or len(token) > MAX_ATTESTATION_BYTES:
        raise Rejected(malformed, "not a compact JWT of reasonable size")
    try:
        jws = jose.parse_compact(token, max_bytes=MAX_ATTESTATION_BYTES)  # no none, no MAC
        jws.payload()
    except jose.JoseError as exc:
        raise Rejected(malformed, f"not a JWS ({exc.kind})") from None
    if jws.header.get("typ") != typ:
        raise Rejected(malformed, f"typ is not {typ}")
    if jws.header.get("alg") not in ATTESTATION_ALGS:
        raise Rejected(malformed, "alg is not ES256")
    if "crit" in jws.header:
        raise Rejected(malformed, "crit is not supported")
    return jws


def _resolved(trusted_key: Callable[[dict[str, Any]], tuple[Any, Any]], header: dict[str, Any]):
    key, provider = trusted_key(header)  # raises the trust list's Rejected
    return key, provider


def check_client_attestation(
    attestation: Any,
    pop: Any,
    *,
    trusted_key: Callable[[dict[str, Any]], tuple[Any, Any]],
    audience: str,
    now: int,
    client_id: str | None,
    pop_window: int,
    skew: int = 60,
) -> ClientAttestation:
    """ABCA §6.1 (the attestation) then §6.2 (its PoP), in that order; Rejected with one reason. The PoP's
    ``jti`` is not spent here (the caller does it in the transaction it authorizes, §12.1)."""
    if attestation is None:
        raise Rejected(MISSING, "no OAuth-Client-Attestation header")
    jws = _parse(attestation, WALLET_ATTESTATION_TYP, MALFORMED)
    claims = jws.payload()
    sub, exp, cnf = claims.get("sub"), claims.get("exp"), claims.get("cnf")
    if not isinstance(sub, str) or not sub or len(sub) > 200 or not _number(exp):
        raise Rejected(MALFORMED, "sub or exp missing")  # §5.1: both REQUIRED
    if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
        raise Rejected(MALFORMED, "cnf.jwk missing")  # §5.1: REQUIRED, as jwk
    try:
        instance_key = jose.jwk_to_public_key(cnf["jwk"])  # §6.1: "is not a private key"
    except jose.JoseError as exc:
        raise Rejected(MALFORMED, f"cnf.jwk: {exc.kind}") from None
    key, provider = _resolved(trusted_key, jws.header)
    if not jose.verify_signature(jws, key):  # §6.1: verifies with the key of a trusted Client Attester
        raise Rejected(SIGNATURE, "signature does not verify under x5c[0]")
    if exp <= now - skew:  # §5.1 exp: MUST reject when passed
        raise Rejected(EXPIRED, "exp has passed")
    for claim in ("iat", "nbf"):
        if claim in claims and (not _number(claims[claim]) or claims[claim] > now + skew):
            raise Rejected(EXPIRED, f"{claim} is in the future")  # RFC 7519 §4.1.5, ABCA §6.1 freshness
    if client_id is not None and client_id != sub:  # §6.1 last step, §7; HAIP §4.4.1
        raise Rejected(CLIENT_ID, "client_id differs from the attestation's sub")
    if pop is None:
        raise Rejected(POP_MISSING, "no OAuth-Client-Attestation-PoP header")
    pjws = _parse(pop, POP_TYP, POP_MALFORMED)
    pclaims = pjws.payload()
    jti, iat, aud = pclaims.get("jti"), pclaims.get("iat"), pclaims.get("aud")
    if not isinstance(jti, str) or not 0 < len(jti) <= 200 or not _number(iat) or aud is None:
        raise Rejected(POP_MALFORMED, "aud, jti or iat missing")  # §5.2: all REQUIRED
    if not jose.verify_signature(pjws, instance_key):  # §5.2 rule 3, §6.2: the cnf key
        raise Rejected(POP_SIGNATURE, "PoP is not signed by the attestation's cnf key")
    # §5.2 aud: the authorization server's issuer identifier; "intended for a single audience"
    if aud != audience and aud != [audience]:
        raise Rejected(POP_AUDIENCE, "aud is not this authorization server")
    if abs(now - iat) > pop_window:  # §6.2: creation time within an acceptable window
        raise Rejected(POP_STALE, "iat outside the accepted window")
    public = _public(cnf["jwk"])
    return ClientAttestation(sub, public, jose.jwk_thumbprint(public), jti, int(iat), provider)


def check_key_attestation(
    token: Any,
    *,
    trusted_key: Callable[[dict[str, Any]], tuple[Any, Any]],
    now: int,
    require_exp: bool,
    skew: int = 60,
) -> KeyAttestation:
    """OpenID4VCI Appendix D.1 (and §F.4 of its proof-type rules): typ, alg, signature by a listed wallet
    provider, ``iat``, ``exp`` (required with the ``jwt`` proof type) not passed, ``attested_keys`` a
    non-empty array of public EC keys. The ``nonce`` is returned for the caller to check as a c_nonce."""
    jws = _parse(token, KEY_ATTESTATION_TYP, KEY_MALFORMED)
    claims = jws.payload()
    iat, exp, keys, nonce = claims.get("iat"), claims.get("exp"), claims.get("attested_keys"), claims.get("nonce")
    if not _number(iat):
        raise Rejected(KEY_MALFORMED, "iat missing")
    if (exp is not None and not _number(exp)) or (require_exp and exp is None):
        raise Rejected(KEY_MALFORMED, "exp missing or not a number")
    if not isinstance(keys, list) or not 0 < len(keys) <= MAX_ATTESTED_KEYS:
        raise Rejected(KEY_MALFORMED, "attested_keys must be a non-empty array")
    if nonce is not None and (not isinstance(nonce, str) or not nonce):
        raise Rejected(KEY_MALFORMED, "nonce is not a string")
    public = []
    for jwk in keys:
        try:
            jose.jwk_to_public_key(jwk)
        except jose.JoseError as exc:
            raise Rejected(KEY_MALFORMED, f"attested key: {exc.kind}") from None
        public.append(_public(jwk))
    key, provider = _resolved(trusted_key, jws.header)
    if not jose.verify_signature(jws, key):
        raise Rejected(KEY_SIGNATURE, "signature does not verify under x5c[0]")
    if iat > now + skew:
        raise Rejected(KEY_EXPIRED, "iat is in the future")
    if exp is not None and exp <= now - skew:
        raise Rejected(KEY_EXPIRED, "exp has passed")
    return KeyAttestation(tuple(public), tuple(jose.jwk_thumbprint(k) for k in public), nonce,
                          None if exp is None else int(exp), provider)
