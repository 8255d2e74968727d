"""OpenID4VP 1.0 verifier side (openid/OpenID4VP, tag 1.0-final), transport-free.

A :class:`Transaction` is one request for one preset:

* a signed Request Object (RFC 9101; OpenID4VP 1.0 §5) with header ``typ: oauth-authz-req+jwt`` and
  ``x5c`` = the access certificate chain; ``client_id`` = ``x509_hash:<b64url SHA-256 of the access
  certificate DER>`` (§5.9.3); ``response_type: vp_token``; ``response_mode: direct_post.jwt`` (§8.3) with
  ``response_uri``; ``nonce`` and ``state`` (§5.2, fresh random, URL-safe); the preset's ``dcql_query`` (§6);
  ``client_metadata`` with an ephemeral ECDH-ES P-256 key in ``jwks`` and
  ``encrypted_response_enc_values_supported`` (§5.1, §8.3: default A128GCM); ``verifier_info`` with the
  registration certificate (§5.1, trust-lists.md §5); ``aud`` = ``https://self-issued.me/v2`` (§5.8, static
  discovery);
* it is fetched by reference: ``openid4vp://?client_id=...&request_uri=...`` (§5, RFC 9101 §5.2);
* the wallet POSTs ``response=<JWE>`` (§8.3); the JWE (ECDH-ES, ``kid`` of our key) decrypts to
  ``{"vp_token": {"<credential query id>": ["<SD-JWT+KB>"]}, "state": ...}`` (§8.1 for dc+sd-jwt);
* the presentation is verified with ``nonce`` = the transaction's and ``aud`` = the full ``client_id`` with
  its prefix (Appendix B.3.6 / §14.1: KB-JWT ``aud`` is the client_id).

Same-device flow (§8.2, §13.3; HAIP 1.0 §5.1): a transaction created with ``same_device`` answers the wallet's
successful POST with ``{"redirect_uri": "<base>/console/back/<id>#response_code=<code>"}``; the ``response_code`` is
fresh (256 bits), kept only as its SHA-256, single use, and the decision is released only to the creator's session
(its result token) together with that code (:func:`response_code_matches`); cross-device transactions answer ``{}``.

Wrong ``state``, a replayed response, an expired transaction, a response for another nonce and an undecryptable
response are refused with :class:`ResponseError` and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from jwcrypto import jwe as jw_jwe
from jwcrypto import jwk as jw_jwk
from jwcrypto.common import JWException

from credential import jose

from . import presets as P
from .policy import Decision

REQUEST_TYP = "oauth-authz-req+jwt"  # RFC 9101 §10.8, OpenID4VP 1.0 §5
STATIC_AUD = "https://self-issued.me/v2"  # OpenID4VP 1.0 §5.8
ENC_VALUES = ["A128GCM", "A256GCM"]  # §8.3 encrypted_response_enc_values_supported
MAX_RESPONSE_CHARS = 1024 * 1024


class ResponseError(Exception):
    """A refused Authorization Response: an OAuth error code (§8.5) and a clear description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class RelyingParty:
    """What this verifier signs with: its access key and chain and its registration certificate."""

    access_key: jose.SigningKey
    access_x5c: list[str]
    client_id: str
    registration_jws: str


@dataclass
class Attempt:
    """A response that did not complete its transaction (an error response, or one refused after decryption):
    kept, bounded, so that the console can show attempts as attempts."""

    at: int
    kind: str  # "error" (a wallet's error response, §8.5) or "refused" (a presentation that did not decide)
    code: str  # the OAuth error code or the reason code, at most 64 characters

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "code": self.code}


@dataclass
class Transaction:
    id: str
    preset: str
    nonce: str
    state: str
    created_at: int
    expires_at: int
    enc_key: jw_jwk.JWK = field(repr=False)
    kid: str
    request_object: str = ""
    fetched: bool = False
    decision: Decision | None = None
    answered_at: int | None = None
    error: str | None = None  # a wallet's error response (§8.5), e.g. access_denied
    # the creator's secret for reading the result (verifier.access): never in the request_uri, the QR or the
    # request object; 256 bits
    result_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    owner: str = "anonymous"  # who created it (verifier.access: an API client, the console, or anonymous)
    attempts: list[Attempt] = field(default_factory=list)
    # §8.2 same-device: the response endpoint answers with a redirect_uri carrying a response_code, and the result
    # is released only with that code (HAIP 1.0 §5.1). Fixed at creation.
    same_device: bool = False
    redeemed: bool = False  # the response_code came back (once) in the creator's session
    response_code_hash: str | None = field(default=None, repr=False)  # SHA-256 of the code, set on completion
    response_code: str | None = field(default=None, repr=False)  # the code itself: only on the object that
    # handle_response returns, never stored

    @property
    def done(self) -> bool:
        return self.decision is not None or self.error is not None

    def record(self) -> dict[str, Any]:
        """What a shared store keeps of the request itself (immutable once created): JSON-ready."""
        return {"id": self.id, "preset": self.preset, "nonce": self.nonce, "state": self.state,
                "created_at": self.created_at, "expires_at": self.expires_at,
                "enc_key": json.loads(self.enc_key.export_private()), "kid": self.kid,
                "request_object": self.request_object, "result_token": self.result_token, "owner": self.owner,
                "same_device": self.same_device}

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> "Transaction":
        return cls(r["id"], r["preset"], r["nonce"], r["state"], int(r["created_at"]), int(r["expires_at"]),
                   jw_jwk.JWK(**r["enc_key"]), r["kid"], r["request_object"], result_token=r["result_token"],
                   owner=r.get("owner", "anonymous"), same_device=bool(r.get("same_device", False)))


@dataclass(frozen=True)
class Outcome:
    """How a transaction ended, set exactly once (:meth:`TransactionStore.complete`): a decision or a wallet's
    error response."""

    answered_at: int
    decision: dict[str, Any] | None = None  # Decision.as_json()
    error: str | None = None
    response_code_hash: str | None = None  # same-device: SHA-256 (hex) of the response_code sent to the wallet

    def as_json(self) -> dict[str, Any]:
        return {"answered_at": self.answered_at, "decision": self.decision, "error": self.error,
                "response_code_hash": self.response_code_hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Outcome":
        return cls(int(data["answered_at"]), data.get("decision"), data.get("error"), data.get("response_code_hash"))

    def apply(self, t: Transaction) -> None:
        t.answered_at, t.error = self.answered_at, self.error
        t.response_code_hash = self.response_code_hash
        t.decision = Decision.from_json(self.decision, t.preset) if self.decision is not None else None


def _random(n: int = 24) -> str:
    return secrets.token_urlsafe(n)  # §5.2: only ASCII URL-safe characters


class StoreFull(Exception):
    """Every slot holds a transaction that has not expired: refuse the new one (HTTP 503), evict nothing."""


class QuotaExceeded(StoreFull):
    """This client already holds as many open transactions as its quota allows (HTTP 429 for it alone)."""


class StoreUnavailable(Exception):
    """The shared transaction store cannot be reached (HTTP 503 with a problem; the instance recovers by itself
    when the store is back)."""


RESULT_RETENTION_S = 3600  # how long an answered or expired transaction's result stays readable by its creator
MAX_ATTEMPTS = 20  # attempts kept per transaction (older ones are dropped)


def client_metadata(enc_jwk: dict[str, Any]) -> dict[str, Any]:
    return {
        "jwks": {"keys": [enc_jwk]},
        "encrypted_response_enc_values_supported": list(ENC_VALUES),
        # §11.1 vp_formats_supported; Appendix B.3.4 for dc+sd-jwt
        "vp_formats_supported": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]}},
    }


def new_response_code() -> tuple[str, str]:
    """§8.2: "a fresh, cryptographically random value" in the redirect URI (RECOMMENDED: 128 bits or more; we use
    256). Returns (code, its SHA-256 hex): only the hash is stored."""
    code = secrets.token_urlsafe(32)
    return code, response_code_hash(code)


def response_code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()


def response_code_matches(t: Transaction, code: Any) -> bool:
    """Whether ``code`` is the response_code issued for ``t`` (constant-time over the hashes)."""
    if not isinstance(code, str) or not code or len(code) > 256 or t.response_code_hash is None:
        return False
    return secrets.compare_digest(response_code_hash(code), t.response_code_hash)


def redirect_uri(t: Transaction, base_url: str, code: str) -> str:
    """§8.2: where the wallet sends the user agent after a successful same-device response: the console's landing
    page, with the code in the fragment (never sent to a server, kept out of logs and Referer)."""
    return f"{base_url.rstrip('/')}/console/back/{t.id}#response_code={code}"


def dcql_with_authorities(dcql_query: dict[str, Any], aki: list[str]) -> dict[str, Any]:
    """The preset's query with ``trusted_authorities: [{"type": "aki", "values": aki}]`` on each credential query
    (§6.1.1.1; none when ``aki`` is empty). The preset itself is never modified."""
    if not aki:
        return dcql_query
    query = json.loads(json.dumps(dcql_query))
    for cq in query.get("credentials", []):
        cq["trusted_authorities"] = [{"type": "aki", "values": list(aki)}]
    return query


def new_transaction(rp: RelyingParty, preset_name: str, base_url: str, now: int, ttl: int, *,
                    same_device: bool = False, aki: list[str] | None = None) -> Transaction:
    preset = P.get(preset_name)  # KeyError for an unknown preset
    tid = _random(18)
    key = jw_jwk.JWK.generate(kty="EC", crv="P-256")
    kid = _random(12)
    t = Transaction(tid, preset_name, _random(), _random(), now, now + ttl, key, kid, same_device=same_device)
    public = json.loads(key.export_public())
    enc_jwk = {**public, "use": "enc", "alg": "ECDH-ES", "kid": kid}  # §8.3: alg MUST be present
    base = base_url.rstrip("/")
    claims = {
        "iss": rp.client_id,
        "aud": STATIC_AUD,
        "client_id": rp.client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post.jwt",
        "response_uri": f"{base}/openid4vp/response",
        "nonce": t.nonce,
        "state": t.state,
        "dcql_query": dcql_with_authorities(preset.dcql_query, aki or []),
        "client_metadata": client_metadata(enc_jwk),
        "verifier_info": [{"format": "registration_cert", "data": rp.registration_jws}],
        "iat": now,
        "exp": t.expires_at,
    }
    t.request_object = jose.sign_compact({"typ": REQUEST_TYP, "x5c": rp.access_x5c}, claims, rp.access_key)
    return t


def request_uri(t: Transaction, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/openid4vp/request/{t.id}"


def authorization_request(t: Transaction, rp: RelyingParty, base_url: str) -> str:
    """The ``openid4vp://`` URL for the QR code (§5, §13.1; RFC 9101 §5.2 request by reference)."""
    query = urllib.parse.urlencode({"client_id": rp.client_id, "request_uri": request_uri(t, base_url)})
    return f"openid4vp://?{query}"


def decrypt_response(store: Any, response: str) -> tuple[Transaction, dict[str, Any]]:
    """§8.3: decrypt the JWE with the ephemeral key its ``kid`` names; returns the transaction and payload."""
    if not isinstance(response, str) or not response or len(response) > MAX_RESPONSE_CHARS:
        raise ResponseError("invalid_request", "the response is missing or too large")
    parts = response.split(".")
    if len(parts) != 5:
        raise ResponseError("invalid_request", "the response is not a compact JWE")
    try:
        header = jose.json_object(jose.b64u_decode_strict(parts[0]), "header")
    except (jose.JoseError, UnicodeError):
        raise ResponseError("invalid_request", "the response's JWE header cannot be read") from None
    if header.get("alg") != "ECDH-ES" or header.get("enc") not in ENC_VALUES:
        raise ResponseError("invalid_request", "the response must be encrypted with ECDH-ES and A128GCM/A256GCM")
    kid = header.get("kid")
    t = store.by_kid(kid) if isinstance(kid, str) else None
    if t is None:
        raise ResponseError("invalid_request", "the response is encrypted to a key of no known request")
    try:
        token = jw_jwe.JWE(algs=["ECDH-ES", *ENC_VALUES])
        token.deserialize(response, key=t.enc_key)
        payload = jose.json_loads(token.payload)  # strict and depth-bounded: deep nesting is a ValueError
    except (JWException, ValueError, TypeError):
        raise ResponseError("invalid_request", "the response cannot be decrypted with this request's key") from None
    if not isinstance(payload, dict):
        raise ResponseError("invalid_request", "the decrypted response is not a JSON object")
    return t, payload


def presentation_of(t: Transaction, payload: dict[str, Any]) -> str:
    """§8.1: for DCQL, ``vp_token`` is a JSON object {credential query id: [presentation, ...]}."""
    vp_token = payload.get("vp_token")
    if isinstance(vp_token, str):  # tolerate a JSON-encoded object
        try:
            vp_token = jose.json_loads(vp_token.encode("utf-8"))
        except (ValueError, UnicodeError):
            raise ResponseError("invalid_request", "vp_token is not a JSON object") from None
    if not isinstance(vp_token, dict) or not vp_token:
        raise ResponseError("invalid_request", "vp_token is missing or not a JSON object (OpenID4VP 1.0 §8.1)")
    qid = P.get(t.preset).query_id
    items = vp_token.get(qid)
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], str):
        raise ResponseError("invalid_request", f"vp_token must hold exactly one presentation for '{qid}'")
    return items[0]
