"""HTTP: OpenID4VCI 1.0 endpoints, metadata, Status List Tokens and the JSON API for case systems.

``create_app(settings)`` builds the FastAPI application; tests run it with uvicorn on loopback.
Section numbers: OpenID4VCI 1.0 final ("OID4VCI"), draft-ietf-oauth-status-list-20 ("TSL"),
RFC 6749 (OAuth 2.0), RFC 6750 (Bearer), RFC 8414 (AS metadata), RFC 9457 (problem details),
RFC 9449 (DPoP: sender-constrained access tokens, in addition to Bearer).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import sys
import time
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Security
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from credential import attestations, types
from websec import SecurityHeaders
from websec import RateLimiter

from . import core
from .problems import (Problem, is_api_path, openapi_body, parse_body, problem, problem_bytes, shape_errors,
                       words)
from . import dpop
from .attestation import CLIENT_AUTH_METHOD, AttestationInvalid
from .service import (ClaimsInvalid, Conflict, DpopInvalid, InvalidToken, IssuerService, NotFound, OAuthError,
                      UseDpopNonce)
from .settings import Settings

log = logging.getLogger("esspass.issuer")
NO_STORE = {"Cache-Control": "no-store"}


# ---------------------------------------------------------------- bounded bodies


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (declared or streamed) with 413, before parsing.

    A streamed (chunked) body is counted as the application reads it; once it passes the limit the
    application's own response, if any, is dropped and the 413 sent instead. The 413 is
    problem+json under ``/api/v1`` and an OAuth error elsewhere (the OpenID4VCI endpoints)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    return await _too_large(scope, send, self.limit)
        seen = 0
        exceeded = False
        started = False

        async def limited():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message):
            nonlocal started
            if exceeded and not started:
                return  # whatever the application made of the cut-off body: the 413 goes out instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await _too_large(scope, send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(scope, send, limit: int):
    if is_api_path(scope.get("path", "")):
        body = problem_bytes(413, "Content Too Large", f"the request body is larger than {limit} bytes",
                             code="body_too_large")
        ctype = b"application/problem+json"
    else:
        body = json.dumps({"error": "invalid_request", "error_description": "request body too large"}).encode()
        ctype = b"application/json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", ctype), (b"cache-control", b"no-store"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- helpers


def oauth_error(code: str, description: str = "", status: int = 400, headers: dict | None = None,
                extra: dict | None = None) -> JSONResponse:
    body: dict = {"error": code}
    if description:
        body["error_description"] = core.ascii_description(description)
    body.update({k: v for k, v in (extra or {}).items() if k not in ("error", "error_description", "error_uri")})
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def access_token_of(authorization: str | None) -> tuple[str, str] | None:
    """(scheme, token) of ``Authorization: Bearer <t>`` (RFC 6750 §2.1) or ``DPoP <t>`` (RFC 9449
    §7.1); scheme in lower case. None when absent or another scheme."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme not in ("bearer", "dpop") or not value.strip():
        return None
    return scheme, value.strip()


DPOP_ALGS_PARAM = 'algs="' + " ".join(dpop.DPOP_ALGS) + '"'


def token_error(exc: InvalidToken) -> JSONResponse:
    """401 invalid_token; a DPoP-bound token gets a DPoP challenge (RFC 9449 §7.1)."""
    challenge = (f'DPoP error="invalid_token", {DPOP_ALGS_PARAM}' if exc.dpop
                 else 'Bearer error="invalid_token"')
    return oauth_error("invalid_token", "the access token is unknown, used, expired or presented wrongly", 401,
                       {"WWW-Authenticate": challenge})


def use_dpop_nonce(svc: IssuerService, status: int) -> JSONResponse:
    """RFC 9449 §8 (authorization server: 400 JSON) and §9 (resource server: 401 with a DPoP
    challenge), both with the nonce to use in ``DPoP-Nonce``."""
    headers = {"DPoP-Nonce": svc.dpop_nonce()}
    if status == 401:
        headers["WWW-Authenticate"] = f'DPoP error="use_dpop_nonce", {DPOP_ALGS_PARAM}'
    return oauth_error("use_dpop_nonce", "use the DPoP-Nonce value in the DPoP proof", status, headers)


def dpop_error(exc: DpopInvalid) -> JSONResponse:
    """RFC 9449 §7.1: 401 with a DPoP challenge naming invalid_dpop_proof."""
    return oauth_error("invalid_dpop_proof", exc.description, 401,
                       {"WWW-Authenticate": f'DPoP error="invalid_dpop_proof", {DPOP_ALGS_PARAM}'})


def access_refused(svc: IssuerService, exc: InvalidToken | UseDpopNonce | DpopInvalid) -> JSONResponse:
    """A protected resource's answer to a refused access token or DPoP proof (RFC 9449 §7.1, §9)."""
    if isinstance(exc, InvalidToken):
        return token_error(exc)
    if isinstance(exc, UseDpopNonce):
        return use_dpop_nonce(svc, 401)
    return dpop_error(exc)


def attestation_error(exc: AttestationInvalid, headers: dict | None = None) -> JSONResponse:
    """ABCA §6.4 / RFC 6749 §5.2: ``invalid_client`` (the wallet's attestation or its PoP was refused),
    with the stable reason code in the extension member ``reason`` (RFC 6749 §8.2)."""
    return oauth_error("invalid_client", exc.description, 401, headers, extra={"reason": exc.code})


def dpop_header(request: Request) -> str | None:
    """The one ``DPoP`` header value (RFC 9449 §4.3 step 1); :class:`DpopInvalid` for two."""
    try:
        return dpop.single_header(request.headers.getlist("dpop"))
    except dpop.DpopError as exc:
        raise DpopInvalid(exc.description) from None


class CaseRequest(BaseModel):
    type: str = Field(description="pda1 or ehic")
    claims: dict[str, Any] = Field(description="the user claims (shared/specs/credential-types.md)")
    tx_code: bool = Field(True, description="protect the offer with a Transaction Code (OID4VCI §4.1.1)")
    client_request_id: str | None = Field(None, max_length=100,
                                          description="idempotency key: the same id returns the same case")


class StatusRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def field_errors(errors: list) -> list[dict[str, str]]:
    return [{"path": e.path, "code": e.code, "en": e.en, "da": e.da} for e in errors]


# ---------------------------------------------------------------- metadata (OID4VCI §12)


def proof_types(svc: IssuerService) -> dict[str, Any]:
    """OID4VCI §12.2.4 ``proof_types_supported``: ``jwt`` (Appendix F.1, with an optional ``key_attestation``
    header) and, when wallet providers are known, ``attestation`` (F.3); ``key_attestations_required`` (empty:
    no attack-potential constraint) only when the issuer requires them (HAIP 1.0 §4.5.1)."""
    algs = {"proof_signing_alg_values_supported": list(core.PROOF_ALGS)}
    if svc.settings.key_attestation_required:
        algs["key_attestations_required"] = {}
    out = {"jwt": dict(algs)}
    if svc.wallet_providers.enabled:
        out["attestation"] = dict(algs)
    return out


def issuer_metadata(svc: IssuerService) -> dict[str, Any]:
    url = svc.url
    configs = {}
    for cfg, key in core.CONFIGURATIONS.items():
        ctype = types.get_type(key)
        meta = ctype.metadata
        display = [{k: v for k, v in {"name": d.get("name"), "locale": d.get("locale"),
                                      "description": d.get("description"),
                                      "background_color": d.get("rendering", {}).get("simple", {}).get("background_color"),
                                      "text_color": d.get("rendering", {}).get("simple", {}).get("text_color")}.items()
                    if v is not None} for d in meta.get("display", []) if d.get("locale") in ("en", "da")]
        claims = [{"path": c["path"], "mandatory": bool(c.get("mandatory", False)),
                   "display": [{"name": d["label"], "locale": d["locale"]} for d in c.get("display", [])
                               if d.get("locale") in ("en", "da")]}
                  for c in meta.get("claims", [])]
        configs[cfg] = {
            "format": "dc+sd-jwt",  # Appendix A.3
            "scope": cfg,
            "vct": ctype.vct,
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": [svc.keys.credential_key.alg],
            "proof_types_supported": proof_types(svc),
            "credential_metadata": {"display": display, "claims": claims},
        }
    return {
        "credential_issuer": url,  # §12.2.4: identical to the identifier the wallet used
        "credential_endpoint": f"{url}/credential",
        "nonce_endpoint": f"{url}/nonce",
        "batch_credential_issuance": {"batch_size": svc.settings.batch_size},
        # ESSPASS extension (§12.2.4 allows more metadata): a credential request may ask for compact offline copies
        # with esspass_offline_copies (issuer/issuing.py)
        "esspass_offline_copies_supported": svc.settings.credential_key_reference == "x5c",
        "display": [{"name": svc.keys.name, "locale": "en"}, {"name": svc.keys.name, "locale": "da"}],
        "credential_configurations_supported": configs,
    }


def as_metadata(svc: IssuerService) -> dict[str, Any]:
    """RFC 8414 with OID4VCI §12.3; anonymous pre-authorized token requests allowed. With a login
    configured also the authorization code flow: PAR required (RFC 9126 §5), PKCE S256 (RFC 7636,
    RFC 8414 §2), ``iss`` in the response (RFC 9207 §3), ``openid_credential`` details (RFC 9396 §10)."""
    meta: dict[str, Any] = {
        "issuer": svc.url,
        "token_endpoint": f"{svc.url}/token",
        "grant_types_supported": [core.PRE_AUTH_GRANT] + (["refresh_token"] if svc.settings.refresh_token_ttl else []),
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
        "dpop_signing_alg_values_supported": list(dpop.DPOP_ALGS),  # RFC 9449 §5.1
    }
    if svc.wallet_providers.enabled:
        # ABCA §8: attest_jwt_client_auth, and (MUST, with the PoP JWT) the algorithms of both JWTs. Required:
        # "none" goes (HAIP 1.0 §4.4.1, issuers MUST require client authentication), and with it anonymous
        # pre-authorized access (OpenID4VCI §12.3)
        required = svc.settings.wallet_attestation_required
        meta["token_endpoint_auth_methods_supported"] = (
            [CLIENT_AUTH_METHOD] if required else ["none", CLIENT_AUTH_METHOD])
        meta["pre-authorized_grant_anonymous_access_supported"] = not required
        meta["client_attestation_signing_alg_values_supported"] = list(attestations.ATTESTATION_ALGS)
        meta["client_attestation_pop_signing_alg_values_supported"] = list(attestations.ATTESTATION_ALGS)
    if svc.authorization.enabled:
        meta.update({
            "authorization_endpoint": f"{svc.url}/authorize",
            "pushed_authorization_request_endpoint": f"{svc.url}/par",
            "require_pushed_authorization_requests": True,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", *meta["grant_types_supported"]],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "authorization_details_types_supported": ["openid_credential"],
            "scopes_supported": list(core.CONFIGURATIONS),
        })
    return meta


def jwt_vc_issuer_metadata(svc: IssuerService) -> dict[str, Any]:
    """SD-JWT VC issuer metadata (draft-ietf-oauth-sd-jwt-vc-18 §5): the credential-signing key."""
    jwk = {**svc.keys.credential_key.public_jwk(), "use": "sig", "alg": svc.keys.credential_key.alg,
           "x5c": svc.keys.credential_x5c}
    jwk["kid"] = svc.keys.credential_kid  # the kid credentials carry beside x5t#S256
    return {"issuer": svc.url, "jwks": {"keys": [jwk]}}


# ---------------------------------------------------------------- the app


def create_app(settings: Settings | None = None, service: IssuerService | None = None) -> FastAPI:
    settings = settings or Settings()
    svc = service or IssuerService(settings)
    # No interactive /docs: Swagger UI needs inline script and a CDN, which the CSP refuses (finding
    # 11); the description is at /openapi.json.
    app = FastAPI(title="ESSPASS issuer", version="1.0", docs_url=None, redoc_url=None,
                  description="OpenID4VCI 1.0 issuer of A1 and EHIC credentials, status lists and case API.")
    app.state.service = svc
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, public_url=svc.url)  # outermost: also on 413s (issue 14 finding 11)
    # burst = the per-minute budget: a wallet may fetch its nonces at once, then the bucket refills
    nonce_limiter = RateLimiter(settings.nonce_per_minute, settings.nonce_per_minute, clock=time.monotonic)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return problem(422, "Unprocessable Content", "the request does not have the documented shape",
                       code="invalid_request", errors=shape_errors(list(exc.errors()), skip=1))

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        """Routing errors (unknown path 404, wrong method 405, ...): problem+json under /api/v1."""
        if not is_api_path(request.url.path):
            return await http_exception_handler(request, exc)
        phrase = HTTPStatus(exc.status_code).phrase
        detail = {404: "there is no such resource in the case API",
                  405: f"{request.method} is not allowed on this resource"}.get(exc.status_code, str(exc.detail))
        return problem(exc.status_code, phrase, detail, headers=dict(exc.headers or {}),
                       code={404: "not_found", 405: "method_not_allowed"}.get(exc.status_code))

    @app.exception_handler(NotFound)
    async def _unknown(request: Request, exc: NotFound):
        """A safety net: an unknown id that a route did not catch is a 404, never a 500 (which also
        drops the kept-alive connection). The routes answer their own, more specific 404s."""
        if is_api_path(request.url.path):
            return problem(404, "Not Found", "there is no such resource in the case API", code="not_found")
        return PlainTextResponse("Not Found", status_code=404, headers=NO_STORE)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if is_api_path(request.url.path):
            return problem(500, "Internal Server Error", "the issuer could not handle the request", code="internal")
        return PlainTextResponse("Internal Server Error", status_code=500)

    # ---- metadata
    @app.get("/.well-known/openid-credential-issuer", tags=["metadata"])
    def _issuer_meta():
        return JSONResponse(issuer_metadata(svc))

    @app.get("/.well-known/oauth-authorization-server", tags=["metadata"])
    def _as_meta():
        return JSONResponse(as_metadata(svc))

    @app.get("/.well-known/jwt-vc-issuer", tags=["metadata"])
    def _vc_meta():
        return JSONResponse(jwt_vc_issuer_metadata(svc))

    @app.get("/type-metadata/{key}", tags=["metadata"])
    def _type_meta(key: str):
        if key not in core.CONFIG_OF_TYPE:
            return problem(404, "Not Found", "no such credential type")
        return JSONResponse(types.get_type(key).metadata)

    # ---- §4.1.3 offer by reference
    @app.get("/credential-offer/{offer_id}", tags=["openid4vci"])
    def _offer(offer_id: str):
        try:
            return JSONResponse(svc.offer_object(offer_id), headers=NO_STORE)
        except NotFound:
            return oauth_error("invalid_request", "unknown or expired credential offer", 404)

    # ---- §6 token endpoint
    @app.post("/token", tags=["openid4vci"])
    async def _token(request: Request):
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":  # RFC 6749 §4.1.3 / §3.2
            return oauth_error("invalid_request", "the token request must be form encoded")
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - malformed form bodies
            return oauth_error("invalid_request", "malformed form body")
        fields: dict[str, str] = {}
        for k in form.keys():
            values = form.getlist(k)
            if len(values) != 1 or not isinstance(values[0], str):  # RFC 6749 §3.2: no repeats
                return oauth_error("invalid_request", f"parameter {k} repeated or not text")
            fields[k] = values[0]
        nonce = {"DPoP-Nonce": svc.dpop_nonce()}  # RFC 9449 §8.2: offered with every answer
        try:
            # HAIP 1.0 §4.4.1: client authentication by wallet attestation (ABCA §7), before anything else
            attested = await run_in_threadpool(svc.check_client_attestation, request.headers, fields.get("client_id"))
            if attested is not None:  # ABCA §7: client_id is optional then ("If the token request contains a
                fields.setdefault("client_id", attested.client_id)  # client_id ..."); the client is the sub
            proof = svc.check_token_dpop(dpop_header(request))  # RFC 9449 §5: optional, Bearer without
            return JSONResponse(await run_in_threadpool(svc.token, fields, proof), headers={**NO_STORE, **nonce})
        except AttestationInvalid as exc:
            return attestation_error(exc, nonce)
        except UseDpopNonce:
            return use_dpop_nonce(svc, 400)
        except DpopInvalid as exc:  # RFC 9449 §5: 400 invalid_dpop_proof
            return oauth_error("invalid_dpop_proof", exc.description, 400, nonce)
        except OAuthError as exc:
            return oauth_error(exc.code, exc.description, exc.status, nonce, extra=exc.extra)

    # ---- §7 nonce endpoint (not a protected resource; an Authorization header is checked if sent)
    @app.post("/nonce", tags=["openid4vci"])
    async def _nonce(request: Request):
        header = request.headers.get("authorization")
        if header is None:  # anonymous: a budget per client address (issue 14 finding 5)
            wait = nonce_limiter.allow(request.client.host if request.client else "-")
            if wait > 0:
                return oauth_error("slow_down", "too many nonce requests from this address; try again shortly",
                                   429, {"Retry-After": str(max(1, math.ceil(wait)))})
        access = None
        if header is not None:
            given = access_token_of(header)
            if given is None:
                return token_error(InvalidToken("unsupported authorization scheme"))
            try:
                access = (*given, dpop_header(request))
            except DpopInvalid as exc:
                return dpop_error(exc)
        try:
            value = await run_in_threadpool(svc.nonce, access)
        except (InvalidToken, UseDpopNonce, DpopInvalid) as exc:
            return access_refused(svc, exc)
        # HAIP 1.0 §4: wallets handle DPoP-Nonce from the nonce endpoint (RFC 9449 §9)
        return JSONResponse({"c_nonce": value}, headers={**NO_STORE, "DPoP-Nonce": svc.dpop_nonce()})

    # ---- §8 credential endpoint
    @app.post("/credential", tags=["openid4vci"])
    async def _credential(request: Request):
        """OID4VCI §8: ``Authorization: Bearer <access token>`` or, for a DPoP-bound token,
        ``Authorization: DPoP <access token>`` with a ``DPoP`` proof (RFC 9449 §7.1); JSON body with
        ``proofs.jwt``."""
        given = access_token_of(request.headers.get("authorization"))
        if given is None:  # RFC 6750 §3.1: no credentials -> no error code
            return JSONResponse({"error": "invalid_token", "error_description": "a Bearer access token is required"},
                                status_code=401, headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="esspass"'})
        scheme, token = given
        try:
            proof = dpop_header(request)
        except DpopInvalid as exc:
            return dpop_error(exc)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        body: Any = None
        if ctype == "application/json":  # §8.2 unencrypted requests are application/json
            try:
                body = orjson.loads(raw)  # strict RFC 8259 (no NaN), bounded nesting
            except orjson.JSONDecodeError:
                body = None
        try:
            creds = await run_in_threadpool(svc.issue, token, body, scheme=scheme, dpop_proof=proof)
        except (InvalidToken, UseDpopNonce, DpopInvalid) as exc:
            return access_refused(svc, exc)
        except core.CredentialRequestError as exc:
            return oauth_error(exc.code, exc.description, extra={"reason": exc.reason} if exc.reason else None)
        return Response(orjson.dumps({"credentials": [{"credential": c} for c in creds]}),
                        media_type="application/json", headers={**NO_STORE, "DPoP-Nonce": svc.dpop_nonce()})

    # ---- the holder's paper copy (issue 15): the wallet's access token, as at the credential endpoint
    @app.post("/paper-copy", tags=["openid4vci"])
    async def _holder_paper(request: Request):
        given = access_token_of(request.headers.get("authorization"))
        if given is None:
            return JSONResponse({"error": "invalid_token", "error_description": "an access token is required"},
                                status_code=401, headers={**NO_STORE, "WWW-Authenticate": 'DPoP realm="esspass"'})
        scheme, token = given
        try:
            proof = dpop_header(request)
            public_id = await run_in_threadpool(svc.holder_paper_case, token, scheme=scheme, dpop_proof=proof)
        except (InvalidToken, UseDpopNonce, DpopInvalid) as exc:
            return access_refused(svc, exc)
        except Conflict as exc:
            return conflict(exc)
        from .paper import paper_pdf

        pdf = await run_in_threadpool(paper_pdf, svc, public_id, "wallet", paper_language(request))
        return Response(pdf, media_type="application/pdf",
                        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="paper-copy.pdf"',
                                 "DPoP-Nonce": svc.dpop_nonce()})

    # ---- TSL status list tokens
    def status_response(list_id: int, request: Request, head: bool) -> Response:
        try:
            token, version, exp = svc.status_token(list_id)
        except NotFound:
            return problem(404, "Not Found", "no such status list", code="unknown_status_list")
        etag = '"' + hashlib.sha256(token.encode()).hexdigest()[:32] + '"'
        max_age = max(0, min(settings.status_list_ttl, exp - svc.now()))
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        if head:  # the GET's headers, with the GET body's length, and no body (RFC 9110 §9.3.2)
            return Response(status_code=200, media_type="application/statuslist+jwt",
                            headers={**headers, "Content-Length": str(len(token.encode()))})
        return Response(token, media_type="application/statuslist+jwt", headers=headers)  # TSL §5.1, §8.1

    @app.get("/status/{list_id}", tags=["status"])
    def _status(list_id: int, request: Request):
        return status_response(list_id, request, head=False)

    @app.head("/status/{list_id}", include_in_schema=False)
    def _status_head(list_id: int, request: Request):
        return status_response(list_id, request, head=True)

    # ---- case-system API: authentication (a dependency) comes before the body, which each endpoint
    # parses itself (problems.parse_body), so every error is problem+json and none skips the token check
    api_bearer = HTTPBearer(auto_error=False, description="the case-system API token")

    def api_actor(scope: str):
        """The dependency of a case-API route that needs ``scope`` (issue 14 finding 13): the actor
        ``api:<token name>`` for the audit log. RFC 6750 §3.1: 401 without or with an unknown or
        revoked token, 403 ``insufficient_scope`` with a token that lacks the scope."""

        def check(credentials: HTTPAuthorizationCredentials | None = Security(api_bearer)) -> str:
            if credentials is None:  # RFC 6750 §3.1: no credentials -> no error code
                raise Problem(401, "Unauthorized", "a valid API bearer token is required", code="unauthorized",
                              headers={"WWW-Authenticate": 'Bearer realm="esspass"'})
            got = svc.api_token_scopes(credentials.credentials)
            if got is None:
                raise Problem(401, "Unauthorized", "the API bearer token is not valid", code="invalid_token",
                              headers={"WWW-Authenticate": 'Bearer realm="esspass", error="invalid_token"'})
            actor, scopes = got
            if scope not in scopes:
                raise Problem(403, "Forbidden", f"this API token does not have the scope {scope}",
                              code="insufficient_scope", scope=scope,
                              headers={"WWW-Authenticate": f'Bearer realm="esspass", error="insufficient_scope", '
                                                           f'scope="{scope}"'})
            return actor

        return check

    def not_found(what: str, detail: str) -> JSONResponse:
        return problem(404, "Not Found", detail, code=f"unknown_{what}")

    def conflict(exc: Conflict) -> JSONResponse:
        return problem(409, "Conflict", str(exc), code=exc.code,
                       errors=[{"path": "", "code": exc.code, "en": exc.en, "da": exc.da}])

    async def body_of(request: Request, model: type[BaseModel]) -> Any:
        return parse_body(await request.body(), request.headers.get("content-type"), model, settings.max_json_depth)

    api = APIRouter(prefix="/api/v1", tags=["case API"])

    @api.post("/cases", status_code=201, openapi_extra=openapi_body(CaseRequest))
    async def _create_case(request: Request, actor: str = Depends(api_actor("create")),
                           idempotency_key: str | None = Header(None, description="same as client_request_id")):
        req: CaseRequest = await body_of(request, CaseRequest)
        if idempotency_key is not None and len(idempotency_key) > 100:
            raise Problem(422, "Unprocessable Content", "the Idempotency-Key header is too long", code="invalid_request",
                          errors=[{"path": "Idempotency-Key", "code": "request.string_too_long",
                                   **words("string_too_long", n=100)}])
        if req.client_request_id is not None and idempotency_key is not None \
                and req.client_request_id != idempotency_key:
            raise Problem(422, "Unprocessable Content", "client_request_id and Idempotency-Key name different keys",
                          code="invalid_request",
                          errors=[{"path": "client_request_id", "code": "request.idempotency_key_mismatch",
                                   **words("idempotency_key_mismatch")}])
        rid = req.client_request_id or idempotency_key
        try:
            view = await run_in_threadpool(lambda: svc.create_case(req.type, req.claims, actor,
                                                                   client_request_id=rid, with_tx_code=req.tx_code))
        except ClaimsInvalid as exc:
            return problem(422, "Unprocessable Content", "some fields are not valid", code="invalid_claims",
                           errors=field_errors(exc.errors))
        except Conflict as exc:
            return conflict(exc)
        return JSONResponse(view.public(), status_code=201)

    @api.get("/cases/{case_id}")
    def _get_case(case_id: str, actor: str = Depends(api_actor("read"))):
        try:
            view = svc.case_view(case_id)
        except NotFound:
            return not_found("case", "no case with this id")
        return {**view.public(), "credentials": svc.credentials_of(view.document_number)}

    @api.post("/cases/{case_id}/offer")
    def _reoffer(case_id: str, actor: str = Depends(api_actor("create"))):
        try:
            return svc.reoffer(case_id, actor).public()
        except NotFound:
            return not_found("case", "no case with this id")

    from .paper import paper_language

    @api.get("/cases/{case_id}/paper.pdf")
    def _paper(case_id: str, request: Request, actor: str = Depends(api_actor("paper"))):
        from .paper import paper_pdf

        try:
            pdf = paper_pdf(svc, case_id, actor, paper_language(request))
        except NotFound:
            return not_found("case", "no case with this id")
        return Response(pdf, media_type="application/pdf", headers=NO_STORE)

    @api.post("/cases/{case_id}/device-lost", openapi_extra=openapi_body(StatusRequest))
    async def _device_lost(case_id: str, request: Request, actor: str = Depends(api_actor("status"))):
        """Issue 15: the holder reports the phone lost: every wallet credential of the holder is revoked."""
        req: StatusRequest = await body_of(request, StatusRequest)
        try:
            return await run_in_threadpool(lambda: svc.device_lost(case_id, actor=actor, reason=req.reason))
        except NotFound:
            return not_found("case", "no case with this id")

    @api.get("/documents/{document_number}")
    def _document(document_number: str, actor: str = Depends(api_actor("read"))):
        creds = svc.credentials_of(document_number)
        if not creds:
            return not_found("document", "no credential was issued for this document number")
        return {"document_number": document_number, "credentials": creds}

    @api.get("/document-status/{document_number}")
    def _document_status(document_number: str, actor: str = Depends(api_actor("lookup"))):
        """Issue 15 item 3: the inspector's manual entry asks only this (scope ``lookup``); the app then reads the
        status from the issuer's signed Status List Token at ``references`` (so the verdict is signed, not this
        reply)."""
        if len(document_number) > 100:
            raise Problem(422, "Unprocessable Content", "the document number is too long", code="invalid_request",
                          errors=[{"path": "document_number", "code": "request.string_too_long",
                                   **words("string_too_long", n=100)}])
        found = svc.document_status(document_number)
        if found is None:
            return not_found("document", "no credential was issued for this document number")
        return JSONResponse({"document_number": document_number, **found}, headers=NO_STORE)

    @api.post("/documents/{document_number}/{action}", openapi_extra=openapi_body(StatusRequest))
    async def _set_status(document_number: str, action: str, request: Request,
                          actor: str = Depends(api_actor("status"))):
        if action not in ("revoke", "suspend", "reinstate"):
            return not_found("action", "the action must be revoke, suspend or reinstate")
        req: StatusRequest = await body_of(request, StatusRequest)
        try:
            return await run_in_threadpool(svc.set_status, document_number, action, reason=req.reason, actor=actor)
        except NotFound:
            return not_found("document", "no credential was issued for this document number")
        except Conflict as exc:
            return conflict(exc)
        except ValueError:  # a reason of blanks only
            return problem(422, "Unprocessable Content", "a reason is required", code="invalid_request",
                           errors=[{"path": "reason", "code": "request.blank", **words("reason_blank")}])

    app.include_router(api)

    @app.get("/healthz", include_in_schema=False)
    def _health():
        return {"ok": True}

    from .authorize_api import router as authorize_router  # noqa: PLC0415
    from .backoffice import router as backoffice_router  # noqa: PLC0415

    app.include_router(authorize_router(svc, oauth_error, dpop_header))

    app.include_router(backoffice_router(svc))

    def openapi() -> dict[str, Any]:  # the hand-written, complete description (issuer/openapi.py)
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi  # noqa: PLC0415

            from .openapi import describe  # noqa: PLC0415

            app.openapi_schema = describe(get_openapi(title=app.title, version=app.version, routes=[]))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def freeze_startup_heap() -> None:
    """For a server process, once its application is built: move every object alive now (modules,
    the app, keys, SQLAlchemy metadata, ...) out of the cyclic garbage collector's sight
    (``gc.freeze``). Otherwise each full collection walks all of them again, which stalled every
    request in flight for 60-90 ms a few times a minute under load. Objects created later are
    collected as usual."""
    gc.collect()
    gc.freeze()


def app_from_env() -> FastAPI:
    """uvicorn factory (``issuer.api:app_from_env``) for ``serve --workers N``. Each worker reads the settings
    (and ``ESSPASS_ENV_FILE``) when it starts: after a SIGHUP uvicorn replaces the workers one by one, so changed
    keys take effect without downtime (docs/deploy.md, key rotation); a worker whose configuration is wrong says
    why in one sentence and does not start, and uvicorn keeps the old one."""
    from deployment import ConfigError

    try:
        app = create_app(Settings())
    except ConfigError as exc:
        print(exc.sentence, file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    freeze_startup_heap()
    return app
