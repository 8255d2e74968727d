"""HTTP of the authorization code flow: the PAR endpoint (RFC 9126 §2), the authorization endpoint
(OpenID4VCI 1.0 §5, RFC 9126 §4), the upstream provider's redirect back, the embedded demo login,
and the pages the citizen sees (English and Danish).

The login is bound to the browser by a cookie holding a random handle (HttpOnly, SameSite=Lax,
path ``/authorize``): the upstream provider's ``state`` must equal it, and the demo form carries a
value derived from it (double submit)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from credential.i18n import LANGS, NAMES, keys, text
from credential.reasons import define

from websec import CSP

from . import authz
from .attestation import AttestationInvalid
from .login import DemoLogin, LoginFailed

log = logging.getLogger("esspass.issuer")
COOKIE = "esspass_authz"


def redirect_source(redirect_uri: str) -> str:
    """The CSP source expression (CSP Level 3 §2.3.1) of a redirect URI that authz.check_redirect_uri accepted:
    its origin for http(s), its scheme for a private-use scheme (RFC 8252 §7.1)."""
    from urllib.parse import urlsplit

    u = urlsplit(redirect_uri)
    scheme = "".join(ch for ch in u.scheme.lower() if ch.isalnum() or ch in "+.-")
    if scheme not in ("http", "https"):
        return f"{scheme}:"
    host = u.hostname or ""
    host = f"[{host}]" if ":" in host else "".join(ch for ch in host if ch.isalnum() or ch in ".-")
    return f"{scheme}://{host}" + (f":{u.port}" if u.port else "")
NO_STORE = {"Cache-Control": "no-store"}
_env = Environment(loader=PackageLoader("issuer", "templates"), autoescape=select_autoescape(["html"]))

# The citizen's pages: the gettext catalogs' ``issuer.citizen.<key>`` (credential/i18n.py).
TEXT: dict[str, dict[str, str]] = {
    lang: {k[len("issuer.citizen."):]: text(k, lang) for k in keys("issuer.citizen.")} for lang in LANGS}

# Every reason the login or the authorization endpoint stops with: a stable code, its words in the catalogs.
REASONS = {code: define(code) for code in (
    "login.no_session",
    "login.state",
    "login.upstream_refused",
    "login.upstream_unreachable",
    "login.upstream_metadata",
    "login.upstream_answer",
    "login.upstream_token",
    "login.userinfo",
    "login.no_personal_number",
    "login.unknown_demo_citizen",
    "login.id_token_malformed",
    "login.id_token_alg",
    "login.id_token_key",
    "login.id_token_signature",
    "login.id_token_iss",
    "login.id_token_aud",
    "login.id_token_expired",
    "login.id_token_iat",
    "login.id_token_nonce",
    "authorize.request",
)}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in TEXT:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in TEXT:
            return tag
    return "en"


def page(request: Request, status: int, **ctx: Any) -> HTMLResponse:
    lang = lang_of(request)
    # the language picker, on the demo login page only: it can be shown again from the login cookie
    # (GET /authorize/demo). Every other citizen page answers a one-time request (a pushed request_uri, the upstream's
    # code, a form) and follows the browser's language (Accept-Language: the phone's) or the ``lang`` it was sent with.
    links = {code: f"/authorize/demo?lang={code}" for code in LANGS} if ctx.get("demo") else {}
    html = _env.get_template("citizen.html").render(t=TEXT[lang], lang=lang, lang_links=links, lang_names=NAMES,
                                                    language=text("issuer.backoffice.language", lang), **ctx)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def reason_page(request: Request, code: str, status: int = 400) -> HTMLResponse:
    reason = REASONS.get(code, REASONS["authorize.request"])
    return page(request, status, heading_key="error_title", message=reason.text(lang_of(request)), code=code)


def form_check(handle: str) -> str:
    """The demo form's anti-forgery value: derived from the cookie's handle (double submit)."""
    return hashlib.sha256(b"esspass-demo-login\x00" + handle.encode()).hexdigest()[:32]


def router(svc, oauth_error, dpop_header) -> APIRouter:
    """``oauth_error(code, description, status, headers)`` and ``dpop_header(request)``: the api
    module's helpers (one shape for every OAuth error of the issuer)."""
    flow = svc.authorization
    r = APIRouter(tags=["openid4vci"])
    secure = svc.url.startswith("https://")

    def with_cookie(resp: Response, handle: str | None) -> Response:
        if handle is None:
            resp.delete_cookie(COOKIE, path="/authorize")
        else:
            resp.set_cookie(COOKIE, handle, max_age=svc.settings.login_ttl, path="/authorize", httponly=True,
                            samesite="lax", secure=secure)
        return resp

    @r.post("/par", status_code=201)
    async def _par(request: Request):
        """RFC 9126 §2: a pushed authorization request (form encoded); answer 201 with request_uri."""
        from .service import DpopInvalid, UseDpopNonce  # noqa: PLC0415

        nonce = {"DPoP-Nonce": svc.dpop_nonce()}
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return oauth_error("invalid_request", "the pushed request must be form encoded", 400, nonce)
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - malformed form bodies
            return oauth_error("invalid_request", "malformed form body", 400, nonce)
        fields: dict[str, str] = {}
        for k in form.keys():
            values = form.getlist(k)
            if len(values) != 1 or not isinstance(values[0], str):  # RFC 6749 §3.1: no repeats
                return oauth_error("invalid_request", f"parameter {k} repeated or not text", 400, nonce)
            fields[k] = values[0]
        try:
            # HAIP 1.0 §4.3: wallets authenticate at the PAR endpoint as at the token endpoint (§4.4.1)
            attested = await run_in_threadpool(svc.check_client_attestation, request.headers, fields.get("client_id"))
            if attested is not None:  # ABCA §6.1 step 7, §7: a client_id, when sent, is the attestation's sub;
                fields.setdefault("client_id", attested.client_id)  # when left out, the sub is the client
            proof = svc.check_token_dpop(dpop_header(request), htu=f"{svc.url}/par")  # RFC 9449 §10.1
            body = await run_in_threadpool(flow.push, fields, proof)
        except UseDpopNonce:
            return oauth_error("use_dpop_nonce", "use the DPoP-Nonce value in the DPoP proof", 400, nonce)
        except DpopInvalid as exc:
            return oauth_error("invalid_dpop_proof", exc.description, 400, nonce)
        except authz.AuthzError as exc:
            return oauth_error(exc.code, exc.description, exc.status, nonce)
        except AttestationInvalid as exc:  # ABCA §6.4, RFC 6749 §5.2
            return oauth_error("invalid_client", exc.description, 401, nonce, extra={"reason": exc.code})
        return JSONResponse(body, status_code=201, headers={**NO_STORE, **nonce})

    @r.get("/authorize", include_in_schema=True)
    async def _authorize(request: Request):
        """OID4VCI §5.1 / RFC 9126 §4: ``client_id`` and ``request_uri`` of a pushed request."""
        q = request.query_params
        try:
            start = await run_in_threadpool(flow.start, q.get("client_id"), q.get("request_uri"))
        except authz.AuthzError:
            return reason_page(request, "authorize.request")
        except LoginFailed as exc:
            return reason_page(request, exc.code, 502)
        if start.redirect is not None:
            return with_cookie(RedirectResponse(start.redirect, status_code=303, headers=NO_STORE), start.handle)
        return await demo_page(request, start.handle)

    async def demo_page(request: Request, handle: str) -> Response:
        assert isinstance(flow.authenticator, DemoLogin)
        citizens = [{"number": c.personal_number, "name": c.name, "holds": c.holds}
                    for c in flow.authenticator.citizens()]
        row = await run_in_threadpool(flow.pending, handle)  # LoginFailed when no login is in progress
        resp = page(request, 200, demo=True, citizens=citizens, check=form_check(handle), heading_key="title")
        # The demo form's answer is a 303 to the wallet's redirect URI, another origin; CSP Level 3 applies
        # form-action to the redirects after a form submission, so 'self' alone would stop the browser there
        # (found with Chromium and the wallet's loopback redirect, RFC 8252 §7.3)
        resp.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {redirect_source(row.redirect_uri)}")
        return with_cookie(resp, handle)

    @r.get("/authorize/demo", include_in_schema=False)
    async def _demo_again(request: Request):
        """The demo login page of the login in progress in this browser, again (in another language)."""
        if not isinstance(flow.authenticator, DemoLogin):
            return reason_page(request, "login.no_session")
        try:
            return await demo_page(request, request.cookies.get(COOKIE) or "")
        except LoginFailed as exc:
            return reason_page(request, exc.code)

    def outcome_response(request: Request, outcome) -> Response:
        if outcome.undecided is not None:
            t = TEXT[lang_of(request)]
            kind = t["A1" if outcome.undecided == "pda1" else "EHIC"]
            return with_cookie(page(request, 200, heading_key="undecided_title",
                                    message=t["undecided"].format(kind=kind), back=outcome.redirect), None)
        return with_cookie(RedirectResponse(outcome.redirect, status_code=303, headers=NO_STORE), None)

    @r.get("/authorize/callback", include_in_schema=False)
    async def _callback(request: Request):
        """The upstream provider's authorization response (OIDC Core §3.1.2.5 / §3.1.2.6)."""
        q = request.query_params
        try:
            outcome = await run_in_threadpool(flow.finish_upstream, request.cookies.get(COOKIE), q.get("state"),
                                              q.get("code"))
        except LoginFailed as exc:
            log.info("authorization endpoint: login failed (%s)", exc.code)
            return reason_page(request, exc.code)
        return outcome_response(request, outcome)

    @r.post("/authorize/demo", include_in_schema=False)
    async def _demo(request: Request, personal_number: str = Form(..., max_length=100),
                    check: str = Form(..., max_length=100)):
        handle = request.cookies.get(COOKIE)
        if not handle or not hmac.compare_digest(check, form_check(handle)):
            return reason_page(request, "login.state")
        try:
            outcome = await run_in_threadpool(flow.finish_demo, handle, personal_number)
        except LoginFailed as exc:
            return reason_page(request, exc.code)
        return outcome_response(request, outcome)

    return r

