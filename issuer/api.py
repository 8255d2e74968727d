"""HTTP: OpenID4VCI 1.0 endpoints, metadata, Status List Tokens and the JSON API for case systems.

``create_app(settings)`` builds the FastAPI application; tests run it with uvicorn on loopback.
Section numbers: OpenID4VCI 1.0 final ("OID4VCI"), draft-ietf-oauth-status-list-20 ("TSL"),
RFC 6749 (OAuth 2.0), RFC 6750 (Bearer), RFC 8414 (AS metadata), RFC 9457 (problem details).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from typing import Any

import orjson
from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from credential import types

from . import core
from .service import ClaimsInvalid, Conflict, InvalidToken, IssuerService, NotFound, OAuthError
from .settings import Settings

log = logging.getLogger("esspass.issuer")
NO_STORE = {"Cache-Control": "no-store"}


# ---------------------------------------------------------------- bounded bodies


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (declared or streamed) with 413, before parsing."""

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
                    return await _too_large(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope, receive, send):
    body = json.dumps({"error": "invalid_request", "error_description": "request body too large"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- helpers


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JSONResponse:
    """RFC 9457 problem details."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def oauth_error(code: str, description: str = "", status: int = 400, headers: dict | None = None) -> JSONResponse:
    body = {"error": code}
    if description:
        body["error_description"] = core.ascii_description(description)
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


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
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(core.PROOF_ALGS)}},
            "credential_metadata": {"display": display, "claims": claims},
        }
    return {
        "credential_issuer": url,  # §12.2.4: identical to the identifier the wallet used
        "credential_endpoint": f"{url}/credential",
        "nonce_endpoint": f"{url}/nonce",
        "batch_credential_issuance": {"batch_size": svc.settings.batch_size},
        "display": [{"name": svc.keys.name, "locale": "en"}, {"name": svc.keys.name, "locale": "da"}],
        "credential_configurations_supported": configs,
    }


def as_metadata(svc: IssuerService) -> dict[str, Any]:
    """RFC 8414 with OID4VCI §12.3; pre-authorized code only, anonymous token requests allowed."""
    return {
        "issuer": svc.url,
        "token_endpoint": f"{svc.url}/token",
        "grant_types_supported": [core.PRE_AUTH_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


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
    app = FastAPI(title="ESSPASS issuer", version="1.0",
                  description="OpenID4VCI 1.0 issuer of A1 and EHIC credentials, status lists and case API.")
    app.state.service = svc
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"path": ".".join(str(p) for p in e.get("loc", ())[1:]), "code": e.get("type", ""),
                   "en": e.get("msg", ""), "da": e.get("msg", "")} for e in exc.errors()]
        return problem(422, "Invalid request", "the request does not have the documented shape", errors=errors)

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
            return problem(404, "Not found")
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
        try:
            return JSONResponse(await run_in_threadpool(svc.token, fields), headers=NO_STORE)
        except OAuthError as exc:
            return oauth_error(exc.code, exc.description, exc.status)

    # ---- §7 nonce endpoint
    @app.post("/nonce", tags=["openid4vci"])
    async def _nonce():
        return JSONResponse({"c_nonce": await run_in_threadpool(svc.nonce)}, headers=NO_STORE)

    # ---- §8 credential endpoint
    @app.post("/credential", tags=["openid4vci"])
    async def _credential(request: Request):
        """OID4VCI §8: ``Authorization: Bearer <access token>``, JSON body with ``proofs.jwt``."""
        token = bearer(request.headers.get("authorization"))
        if token is None:  # RFC 6750 §3.1: no credentials -> no error code
            return JSONResponse({"error": "invalid_token", "error_description": "a Bearer access token is required"},
                                status_code=401, headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="esspass"'})
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        body: Any = None
        if ctype == "application/json":  # §8.2 unencrypted requests are application/json
            try:
                body = orjson.loads(raw)  # strict RFC 8259 (no NaN), bounded nesting
            except orjson.JSONDecodeError:
                body = None
        try:
            creds = await run_in_threadpool(svc.issue, token, body)
        except InvalidToken:
            return oauth_error("invalid_token", "the access token is unknown, used or expired", 401,
                               {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        except core.CredentialRequestError as exc:
            return oauth_error(exc.code, exc.description)
        return Response(orjson.dumps({"credentials": [{"credential": c} for c in creds]}),
                        media_type="application/json", headers=NO_STORE)

    # ---- TSL status list tokens
    @app.get("/status/{list_id}", tags=["status"])
    def _status(list_id: int, request: Request):
        try:
            token, version, exp = svc.status_token(list_id)
        except NotFound:
            return problem(404, "Unknown status list")
        etag = '"' + hashlib.sha256(token.encode()).hexdigest()[:32] + '"'
        max_age = max(0, min(settings.status_list_ttl, exp - svc.now()))
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(token, media_type="application/statuslist+jwt", headers=headers)  # TSL §5.1, §8.1

    # ---- case-system API
    def api_actor(authorization: str | None) -> str | None:
        return svc.api_actor(bearer(authorization))

    unauthorized = lambda: problem(401, "Unauthorized", "a valid API bearer token is required")  # noqa: E731

    @app.post("/api/v1/cases", tags=["case API"], status_code=201)
    async def _create_case(req: CaseRequest, authorization: str | None = Header(None),
                           idempotency_key: str | None = Header(None)):
        actor = await run_in_threadpool(api_actor, authorization)
        if actor is None:
            return unauthorized()
        rid = req.client_request_id or idempotency_key
        try:
            view = await run_in_threadpool(lambda: svc.create_case(req.type, req.claims, actor,
                                                                   client_request_id=rid, with_tx_code=req.tx_code))
        except ClaimsInvalid as exc:
            return problem(422, "Invalid claims", "some fields are not valid", errors=field_errors(exc.errors))
        except Conflict as exc:
            return problem(409, "Conflict", str(exc))
        return JSONResponse(view.public(), status_code=201)

    @app.get("/api/v1/cases/{case_id}", tags=["case API"])
    def _get_case(case_id: str, authorization: str | None = Header(None)):
        if api_actor(authorization) is None:
            return unauthorized()
        try:
            view = svc.case_view(case_id)
        except NotFound:
            return problem(404, "Unknown case")
        return {**view.public(), "credentials": svc.credentials_of(view.document_number)}

    @app.post("/api/v1/cases/{case_id}/offer", tags=["case API"])
    def _reoffer(case_id: str, authorization: str | None = Header(None)):
        actor = api_actor(authorization)
        if actor is None:
            return unauthorized()
        try:
            return svc.reoffer(case_id, actor).public()
        except NotFound:
            return problem(404, "Unknown case")

    @app.get("/api/v1/cases/{case_id}/paper.pdf", tags=["case API"])
    def _paper(case_id: str, authorization: str | None = Header(None)):
        actor = api_actor(authorization)
        if actor is None:
            return unauthorized()
        from .paper import paper_pdf

        try:
            pdf = paper_pdf(svc, case_id, actor)
        except NotFound:
            return problem(404, "Unknown case")
        return Response(pdf, media_type="application/pdf", headers=NO_STORE)

    @app.get("/api/v1/documents/{document_number}", tags=["case API"])
    def _document(document_number: str, authorization: str | None = Header(None)):
        if api_actor(authorization) is None:
            return unauthorized()
        creds = svc.credentials_of(document_number)
        if not creds:
            return problem(404, "Unknown document")
        return {"document_number": document_number, "credentials": creds}

    @app.post("/api/v1/documents/{document_number}/{action}", tags=["case API"])
    def _set_status(document_number: str, action: str, req: StatusRequest,
                    authorization: str | None = Header(None)):
        actor = api_actor(authorization)
        if actor is None:
            return unauthorized()
        if action not in ("revoke", "suspend", "reinstate"):
            return problem(404, "Unknown action")
        try:
            return svc.set_status(document_number, action, reason=req.reason, actor=actor)
        except NotFound:
            return problem(404, "Unknown document", "no credential was issued for this document number")
        except Conflict as exc:
            return problem(409, "Conflict", str(exc))

    @app.get("/healthz", include_in_schema=False)
    def _health():
        return {"ok": True}

    from .backoffice import router as backoffice_router  # noqa: PLC0415

    app.include_router(backoffice_router(svc))
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
    """uvicorn factory (``issuer.api:app_from_env``) for ``serve --workers N``."""
    app = create_app(Settings())
    freeze_startup_heap()
    return app
