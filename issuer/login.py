"""How the citizen logs in at the issuer's authorization endpoint (OpenID4VCI 1.0 §5): pluggable
authenticators that end in one value, the person's personal number.

- :class:`UpstreamOidc`: an upstream OpenID Connect provider (how a national eID broker such as
  MitID's is reached), OpenID Connect Core 1.0 authorization code flow as a confidential client
  (``client_secret_basic``, RFC 6749 §2.3.1) with PKCE (RFC 7636) and ``nonce``; discovery per
  OpenID Connect Discovery 1.0 §4; ID token validation per Core §3.1.3.7; the personal number is
  the claim named by configuration, from the ID token or else from UserInfo (Core §5.3, whose
  ``sub`` must equal the ID token's, §5.3.2).
- :class:`DemoLogin`: the embedded demo login, the demo citizens only, in demo mode only.

Edge I/O (HTTP) goes through :mod:`netio`; the clock is injected.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, quote

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import netio
from credential import jose, types

ID_TOKEN_ALGS = ("ES256", "RS256")  # accepted upstream ID token signatures (Core §3.1.3.7 step 6-7)
MAX_CLAIM = 100
CLOCK_SKEW = 120


class LoginFailed(Exception):
    """The login did not establish a person. ``code``: a stable reason (``login.*``)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class DemoCitizen:
    personal_number: str
    name: str
    holds: str  # what the demo issues them


def demo_citizens() -> list[DemoCitizen]:
    """The fictitious people of the demo data (credential.types samples)."""
    out = []
    for key, label in (("pda1", "A1"), ("ehic", "EHIC")):
        c = types.sample_claims(key)
        out.append(DemoCitizen(c["personal_administrative_number"],
                               f"{c['subject']['forenames']} {c['subject']['familynames']}", label))
    return out


class DemoLogin:
    """Embedded demo login: the user picks one of the demo citizens. Only built in demo mode and
    never when an upstream provider is configured (see :func:`authenticator_for`)."""

    kind = "demo"

    def citizens(self) -> list[DemoCitizen]:
        return demo_citizens()

    def subject_of(self, personal_number: str) -> str:
        for c in demo_citizens():
            if c.personal_number == personal_number:
                return c.personal_number
        raise LoginFailed("login.unknown_demo_citizen", "not one of the demo citizens")


def _b64u_json(part: str) -> dict[str, Any]:
    try:
        value = json.loads(jose.b64u_decode_strict(part))
    except (ValueError, jose.JoseError):
        raise LoginFailed("login.id_token_malformed", "an ID token part is not base64url JSON") from None
    if not isinstance(value, dict):
        raise LoginFailed("login.id_token_malformed", "an ID token part is not a JSON object")
    return value


def _verify_jws(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify a compact JWS (ES256 or RS256) with the key of ``jwks`` its ``kid`` names (or the only
    key usable for the alg). Returns the payload."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16_384:
        raise LoginFailed("login.id_token_malformed", "the ID token is not a compact JWS")
    h, p, s = token.split(".")
    header, payload = _b64u_json(h), _b64u_json(p)
    alg = header.get("alg")
    if alg not in ID_TOKEN_ALGS:
        raise LoginFailed("login.id_token_alg", "the ID token's alg is not accepted")
    try:
        sig = jose.b64u_decode_strict(s)
    except jose.JoseError:
        raise LoginFailed("login.id_token_malformed", "the ID token signature is not base64url") from None
    kty = "EC" if alg == "ES256" else "RSA"
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kty") == kty
            and k.get("use", "sig") == "sig" and k.get("alg", alg) == alg]
    if header.get("kid") is not None:
        keys = [k for k in keys if k.get("kid") == header["kid"]]
    if len(keys) != 1:
        raise LoginFailed("login.id_token_key", "no single upstream key matches the ID token")
    jwk, signing_input = keys[0], f"{h}.{p}".encode("ascii")
    try:
        if alg == "ES256":
            key = jose.jwk_to_public_key({k: jwk.get(k) for k in ("kty", "crv", "x", "y")})
            if len(sig) != 64:
                raise InvalidSignature()
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            n = int.from_bytes(jose.b64u_decode_strict(jwk["n"]), "big")
            e = int.from_bytes(jose.b64u_decode_strict(jwk["e"]), "big")
            pub = rsa.RSAPublicNumbers(e, n).public_key()
            if pub.key_size < 2048:
                raise LoginFailed("login.id_token_key", "the upstream RSA key is shorter than 2048 bits")
            pub.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, jose.JoseError, KeyError, TypeError, ValueError):
        raise LoginFailed("login.id_token_signature", "the ID token signature does not verify") from None
    return payload


class UpstreamOidc:
    """An upstream OpenID Connect provider, configured by issuer URL, client id and secret."""

    kind = "oidc"

    def __init__(self, issuer: str, client_id: str, client_secret: str, *, scope: str = "openid",
                 claim: str = "sub", allow_http_loopback: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.issuer, self.client_id, self.client_secret = issuer.rstrip("/"), client_id, client_secret
        self.scope = scope if "openid" in scope.split() else f"openid {scope}"
        self.claim, self.clock = claim, clock
        self.policy = netio.UrlPolicy(allow_loopback=allow_http_loopback)
        self.http = netio.new_client(self.policy)
        self._meta: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    def _json(self, method: str, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
        try:
            got = netio.request(self.http, method, url, policy=self.policy, limits=netio.Limits(max_bytes=256 * 1024),
                                **kw)
        except netio.NetIOError as exc:
            raise LoginFailed("login.upstream_unreachable", f"{type(exc).__name__}: {exc}") from None
        try:
            body = json.loads(got.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise LoginFailed("login.upstream_answer", f"{url} did not answer a JSON object ({got.status_code})")
        return got.status_code, body

    def metadata(self) -> dict[str, Any]:
        """Discovery 1.0 §4: ``<issuer>/.well-known/openid-configuration``; §4.3: its ``issuer``
        must be identical to the configured issuer URL."""
        if self._meta is None:
            status, meta = self._json("GET", f"{self.issuer}/.well-known/openid-configuration")
            if status != 200 or meta.get("issuer", "").rstrip("/") != self.issuer:
                raise LoginFailed("login.upstream_metadata", "the provider's metadata does not name this issuer")
            for k in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(meta.get(k), str):
                    raise LoginFailed("login.upstream_metadata", f"the provider's metadata lacks {k}")
            self._meta = meta
        return self._meta

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str, redirect_uri: str) -> str:
        meta = self.metadata()
        challenge = jose.b64u_encode(hashlib.sha256(code_verifier.encode("ascii")).digest())
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                 "scope": self.scope, "state": state, "nonce": nonce, "code_challenge": challenge,
                 "code_challenge_method": "S256"}
        sep = "&" if "?" in meta["authorization_endpoint"] else "?"
        return meta["authorization_endpoint"] + sep + urlencode(query)

    def _keys(self, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            status, self._jwks = self._json("GET", self.metadata()["jwks_uri"])
        return self._jwks

    def finish(self, *, code: str, nonce: str, code_verifier: str, redirect_uri: str) -> str:
        """Redeem the upstream code and return the personal number (Core §3.1.3)."""
        meta = self.metadata()
        # RFC 6749 §2.3.1: client id and secret form-urlencoded, then Basic
        basic = base64.b64encode(f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
                                 .encode()).decode()
        status, tok = self._json("POST", meta["token_endpoint"], headers={"Authorization": f"Basic {basic}"},
                                 data={"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": redirect_uri, "code_verifier": code_verifier})
        if status != 200 or not isinstance(tok.get("id_token"), str):
            raise LoginFailed("login.upstream_token", f"the provider refused the code ({tok.get('error', status)})")
        try:
            claims = _verify_jws(tok["id_token"], self._keys())
        except LoginFailed as exc:
            if exc.code != "login.id_token_key":
                raise
            claims = _verify_jws(tok["id_token"], self._keys(refresh=True))  # the provider rotated its keys
        self._check_id_token(claims, nonce)
        value = claims.get(self.claim)
        if value is None and isinstance(tok.get("access_token"), str) and meta.get("userinfo_endpoint"):
            status, info = self._json("GET", meta["userinfo_endpoint"],
                                      headers={"Authorization": f"Bearer {tok['access_token']}"})
            if status != 200 or info.get("sub") != claims.get("sub"):  # Core §5.3.2
                raise LoginFailed("login.userinfo", "UserInfo did not answer for the same subject")
            value = info.get(self.claim)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM:
            raise LoginFailed("login.no_personal_number", f"the provider did not give the claim {self.claim}")
        return value.strip()

    def _check_id_token(self, claims: dict[str, Any], nonce: str) -> None:
        """Core §3.1.3.7 steps 2-3, 9-11."""
        now = self.clock()
        if claims.get("iss") != self.issuer and claims.get("iss") != self.issuer + "/":
            raise LoginFailed("login.id_token_iss", "the ID token comes from another issuer")
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if self.client_id not in auds or (len(auds) > 1 and claims.get("azp") != self.client_id):
            raise LoginFailed("login.id_token_aud", "the ID token is not for this client")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or exp + CLOCK_SKEW < now:
            raise LoginFailed("login.id_token_expired", "the ID token has expired")
        if not isinstance(iat, (int, float)) or iat - CLOCK_SKEW > now:
            raise LoginFailed("login.id_token_iat", "the ID token is issued in the future")
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise LoginFailed("login.id_token_nonce", "the ID token's nonce is not the one sent")


def authenticator_for(settings: Any) -> UpstreamOidc | DemoLogin | None:
    """The configured authenticator: the upstream provider when ``oidc_issuer`` is set (then never
    the demo login), else the demo login when ``demo_login`` is on, else None (no authorization code
    flow)."""
    if settings.oidc_issuer:
        if not settings.oidc_client_id or not settings.oidc_client_secret:
            raise ValueError("ESSPASS_OIDC_CLIENT_ID and ESSPASS_OIDC_CLIENT_SECRET are required with ESSPASS_OIDC_ISSUER")
        return UpstreamOidc(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
                            scope=settings.oidc_scope, claim=settings.oidc_personal_number_claim,
                            allow_http_loopback=settings.oidc_allow_http)
    if settings.demo_login:
        return DemoLogin()
    return None
