"""Pure rules of the authorization code flow at the issuer's authorization server: no I/O, the clock
and secrets are arguments.

- OpenID4VCI 1.0 final ("OID4VCI") §5: the authorization request, ``scope`` (§5.1.2) or
  ``authorization_details`` of type ``openid_credential`` (§5.1.1), ``issuer_state`` (§5.1.3);
- RFC 9126 (PAR): every authorization request is pushed first (``require_pushed_authorization_requests``);
- RFC 7636 (PKCE): ``code_challenge_method`` ``S256`` only (HAIP 1.0 §4 via FAPI 2.0);
- RFC 6749 §3.1.2 / §4.1 (redirection URI, authorization response), RFC 9207 (``iss`` in the response);
- RFC 9449 §8/§9 (``DPoP-Nonce`` values: stateless, an HMAC of a time slot under a server secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from credential import jose

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 §2.2
CREDENTIAL_DETAILS_TYPE = "openid_credential"  # OID4VCI §5.1.1
MAX_PARAM = 2048  # any single parameter
MAX_STATE = 512
MAX_CLIENT_ID = 200
MAX_DETAILS = 4096
_PKCE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1 (verifier) and §4.2 (S256 challenge: 43 chars)
# RFC 8252 §7.1: a private-use URI scheme of the reverse-domain form (with a period), for native wallets
_PRIVATE_SCHEME = re.compile(r"[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+")
PAR_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
              "scope", "authorization_details", "issuer_state", "dpop_jkt", "client_assertion_type",
              "client_assertion", "nonce", "prompt", "ui_locales")


class AuthzError(Exception):
    """An OAuth error (RFC 6749 §4.1.2.1 / §5.2, RFC 9126 §2.3, RFC 9396 §5): ``code`` is the
    ``error`` value, ``description`` ASCII for ``error_description``."""

    def __init__(self, code: str, description: str = "", status: int = 400) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.status = code, description, status


@dataclass(frozen=True)
class PushedRequest:
    """A checked pushed authorization request (what the issuer stores behind the request_uri)."""

    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    configuration_id: str
    requested_by: str  # "scope" | "authorization_details"
    issuer_state: str | None
    dpop_jkt: str | None


def check_redirect_uri(uri: str) -> str:
    """RFC 6749 §3.1.2: an absolute URI without fragment. Allowed: ``https``; ``http`` only to a
    loopback host (RFC 8252 §7.3); a private-use scheme of reverse-domain form (RFC 8252 §7.1)."""
    if not uri or len(uri) > MAX_PARAM:
        raise AuthzError("invalid_request", "redirect_uri is missing or too long")
    try:
        u = urlsplit(uri)
        host = u.hostname
    except ValueError:
        raise AuthzError("invalid_request", "redirect_uri is not a URI") from None
    if u.fragment or "#" in uri:
        raise AuthzError("invalid_request", "redirect_uri must not have a fragment")
    scheme = u.scheme.lower()
    if scheme == "https" and host:
        return uri
    if scheme == "http" and host in ("127.0.0.1", "::1", "localhost"):
        return uri
    if _PRIVATE_SCHEME.fullmatch(scheme):
        return uri
    raise AuthzError("invalid_request", "redirect_uri must be https, http to a loopback host, or a "
                                        "private-use scheme of reverse-domain form")


def _configuration_of_scope(scope: str, scopes: dict[str, str]) -> str:
    """OID4VCI §5.1.2: each scope value maps to one credential configuration (HAIP §4.3: the scope
    value MUST map to a specific Credential Type). ``scopes``: scope -> configuration id."""
    values = scope.split()
    unknown = [v for v in values if v not in scopes]
    if unknown or not values:
        raise AuthzError("invalid_scope", "unknown scope value")
    configs = {scopes[v] for v in values}
    if len(configs) != 1:
        raise AuthzError("invalid_scope", "this issuer authorizes one credential configuration per request")
    return configs.pop()


def _configuration_of_details(raw: str, configurations: set[str], issuer: str) -> str:
    """OID4VCI §5.1.1: a JSON array of ``openid_credential`` objects naming a
    ``credential_configuration_id``; RFC 9396 §5 ``invalid_authorization_details`` otherwise."""
    if len(raw) > MAX_DETAILS:
        raise AuthzError("invalid_authorization_details", "authorization_details is too long")
    try:
        details = json.loads(raw)
    except ValueError:
        raise AuthzError("invalid_authorization_details", "authorization_details is not JSON") from None
    if not isinstance(details, list) or not details or not all(isinstance(d, dict) for d in details):
        raise AuthzError("invalid_authorization_details", "authorization_details must be a non-empty array of objects")
    configs = set()
    for d in details:
        if d.get("type") != CREDENTIAL_DETAILS_TYPE:
            raise AuthzError("invalid_authorization_details", "unsupported authorization details type")
        cfg = d.get("credential_configuration_id")
        if not isinstance(cfg, str) or cfg not in configurations:
            raise AuthzError("invalid_authorization_details", "unknown credential_configuration_id")
        locations = d.get("locations")  # RFC 9396 §2.2: if given, it must name this credential issuer
        if locations is not None and (not isinstance(locations, list) or issuer not in locations):
            raise AuthzError("invalid_authorization_details", "locations does not name this credential issuer")
        configs.add(cfg)
    if len(configs) != 1:
        raise AuthzError("invalid_authorization_details",
                         "this issuer authorizes one credential configuration per request")
    return configs.pop()


def check_pushed_request(form: dict[str, str], *, scopes: dict[str, str], issuer: str,
                         dpop_jkt: str | None) -> PushedRequest:
    """RFC 9126 §2.1 / §2.3 and OID4VCI §5.1: the parameters of a pushed authorization request.
    ``dpop_jkt``: the thumbprint of a DPoP proof sent with the request (RFC 9449 §10), if any."""
    for k, v in form.items():
        if len(v) > (MAX_DETAILS if k == "authorization_details" else MAX_PARAM):
            raise AuthzError("invalid_request", f"parameter {k} is too long")
    if "request_uri" in form:  # RFC 9126 §2.1: request_uri is not allowed in a pushed request
        raise AuthzError("invalid_request", "request_uri must not be pushed")
    if "request" in form:
        raise AuthzError("request_not_supported", "request objects are not supported")
    rtype = form.get("response_type")
    if rtype != "code":  # RFC 6749 §4.1.1
        raise AuthzError("unsupported_response_type" if rtype else "invalid_request",
                         "response_type must be code")
    client_id = form.get("client_id", "")
    if not client_id or len(client_id) > MAX_CLIENT_ID:
        raise AuthzError("invalid_request", "client_id is missing or too long")
    redirect_uri = check_redirect_uri(form.get("redirect_uri", ""))
    state = form.get("state")
    if state is not None and (not state or len(state) > MAX_STATE):
        raise AuthzError("invalid_request", "state is empty or too long")
    # RFC 7636 §4.3/§4.4.1: a code challenge is required, and only S256 (HAIP via FAPI 2.0 §5.3.2.2)
    challenge = form.get("code_challenge", "")
    if not challenge:
        raise AuthzError("invalid_request", "code_challenge is required (PKCE)")
    if form.get("code_challenge_method") != "S256":
        raise AuthzError("invalid_request", "code_challenge_method must be S256")
    if len(challenge) != 43 or not _PKCE.fullmatch(challenge):
        raise AuthzError("invalid_request", "code_challenge is not a base64url SHA-256 value")
    scope, details = form.get("scope"), form.get("authorization_details")
    if scope is None and details is None:  # OID4VCI §5.1: one of them names what to issue
        raise AuthzError("invalid_request", "scope or authorization_details is required")
    configurations = set(scopes.values())
    if details is not None:
        cfg, by = _configuration_of_details(details, configurations, issuer), "authorization_details"
        if scope is not None and _configuration_of_scope(scope, scopes) != cfg:
            raise AuthzError("invalid_request", "scope and authorization_details name different credentials")
    else:
        cfg, by = _configuration_of_scope(scope or "", scopes), "scope"
    issuer_state = form.get("issuer_state")
    if issuer_state is not None and not 0 < len(issuer_state) <= 100:
        raise AuthzError("invalid_request", "issuer_state is empty or too long")
    given_jkt = form.get("dpop_jkt")  # RFC 9449 §10: the parameter, or the key of the DPoP proof
    if given_jkt is not None and dpop_jkt is not None and given_jkt != dpop_jkt:
        raise AuthzError("invalid_dpop_proof", "dpop_jkt does not match the DPoP proof's key")
    if given_jkt is not None and not re.fullmatch(r"[A-Za-z0-9_-]{43}", given_jkt):
        raise AuthzError("invalid_request", "dpop_jkt is not a JWK SHA-256 thumbprint")
    return PushedRequest(client_id, redirect_uri, state, challenge, cfg, by, issuer_state, dpop_jkt or given_jkt)


def pkce_matches(verifier: str | None, challenge: str) -> bool:
    """RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge; the verifier's
    form per §4.1."""
    if not isinstance(verifier, str) or not _PKCE.fullmatch(verifier):
        return False
    computed = jose.b64u_encode(hashlib.sha256(verifier.encode("ascii")).digest())
    return hmac.compare_digest(computed, challenge)


def redirect_with(redirect_uri: str, params: dict[str, str | None]) -> str:
    """The redirection URI with ``params`` added to its query (RFC 6749 §4.1.2: "retaining" the
    existing query; §3.1.2 no fragment)."""
    u = urlsplit(redirect_uri)
    query = parse_qsl(u.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((u.scheme, u.netloc, u.path, urlencode(query), ""))


def authorization_response(redirect_uri: str, *, code: str, state: str | None, issuer: str) -> str:
    """RFC 6749 §4.1.2 with RFC 9207 §2 ``iss`` (HAIP §4 via FAPI 2.0)."""
    return redirect_with(redirect_uri, {"code": code, "state": state, "iss": issuer})


def error_response(redirect_uri: str, *, error: str, description: str, state: str | None, issuer: str) -> str:
    """RFC 6749 §4.1.2.1 with RFC 9207 ``iss``."""
    return redirect_with(redirect_uri, {"error": error, "error_description": description, "state": state,
                                        "iss": issuer})


def authorization_details_response(configuration_id: str, identifier: str) -> list[dict[str, Any]]:
    """OID4VCI §6.2: the token response's ``authorization_details`` with ``credential_identifiers``."""
    return [{"type": CREDENTIAL_DETAILS_TYPE, "credential_configuration_id": configuration_id,
             "credential_identifiers": [identifier]}]


# ---------------------------------------------------------------- DPoP-Nonce (RFC 9449 §8, §9)


def dpop_nonce(secret: bytes, now: int, ttl: int) -> str:
    """The server's current DPoP nonce: the time slot and an HMAC of it. Stateless, so every worker
    behind a load balancer issues and accepts the same values (secret shared in the database)."""
    slot = now // ttl
    mac = hmac.new(secret, b"dpop-nonce\x00" + str(slot).encode(), hashlib.sha256).digest()[:18]
    return f"{slot}.{jose.b64u_encode(mac)}"


def dpop_nonce_fresh(secret: bytes, nonce: Any, now: int, ttl: int) -> bool:
    """True for a nonce of the current or the previous slot (so a nonce lives ``ttl`` to ``2*ttl``)."""
    if not isinstance(nonce, str) or len(nonce) > 64:
        return False
    current = now // ttl
    return any(hmac.compare_digest(nonce, dpop_nonce(secret, slot * ttl, ttl)) for slot in (current, current - 1))
