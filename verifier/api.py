"""HTTP: the OpenID4VP 1.0 endpoints, a small JSON API for the CLI, and the inspector console.

Routes
  POST /openid4vp/transactions            {"preset"} -> {"request_uri": "openid4vp://...", "transaction": ID,
                                          "result_token": SECRET} (also a cookie scoped to the result URL)
  GET  /openid4vp/transactions/{ID}       {"status": pending|done|expired|error, "decision": {...}|null, ...};
                                          only with ``Authorization: Bearer <result_token>`` (or that cookie)
  GET  /openid4vp/request/{ID}            the signed Request Object (application/oauth-authz-req+jwt, RFC 9101 §5.2)
  POST /openid4vp/response                direct_post.jwt (OpenID4VP 1.0 §8.3): form ``response=<JWE>``
  GET  /                                  console: choose a preset (``?lang=da``)
  POST /console/start                     console: start a transaction, redirect to its page
  GET  /console/t/{RESULT_TOKEN}          console: QR while pending, then the decision (the path is the secret)
  GET  /console/login?token=T             console: exchange the console access token for a cookie
  GET  /console/records                   console: inspection records (console access token; no personal data)

The transaction ID is public (it is in the QR code); results are released only to the creator (verifier.access).
Bodies are read as bounded streams (413 beyond the limit) and bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import asyncio
import math
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from markupsafe import Markup

from credential import jose
from credential import explain
from credential.i18n import LANGS, NAMES, date_format, has as has_text, pick
from credential.i18n import text as text_of
from credential.reasons import lookup
from credential import display_safe
from websec import SecurityHeaders, cookie_secure

from . import access
from . import openid4vp as vp
from . import presets as P
from .service import AuthenticationRequired, RateLimited, RedeemRefused, VerifierService
from .settings import VerifierSettings
from .web import TEMPLATES, headline_hint, text

MAX_FORM_BYTES = vp.MAX_RESPONSE_CHARS + 4096  # the response endpoint: a 1 MiB JWE and its form field
MAX_JSON_BYTES = access.MAX_SMALL_BODY
NO_STORE = {"Cache-Control": "no-store"}
CONSOLE_CSS = (TEMPLATES.parent / "static" / "console.css").read_text("utf-8")
BACK_JS = (TEMPLATES.parent / "static" / "back.js").read_text("utf-8")  # the same-device landing page's script
CONSOLE_JS = (TEMPLATES.parent / "static" / "console.js").read_text("utf-8")  # the waiting page's poll, local times
FLOWS = ("cross_device", "same_device")
CONSOLE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _error(status: int, description: str, error: str = "invalid_request", **extra: Any) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="esspass-verifier"'
    return JSONResponse({"error": error, "error_description": description, **extra}, status_code=status,
                        headers=headers)


async def _body(request: Request, limit: int) -> bytes | JSONResponse:
    try:
        return await access.read_body(request, limit)
    except access.BodyTooLarge as exc:
        return _error(413, f"the request body is larger than {exc.limit} bytes")
    except access.BadBody as exc:
        return _error(400, str(exc))




def _lang(request: Request) -> str:
    """``?lang=`` when it names a shipped language, else the browser's first shipped one (Accept-Language), else
    English."""
    lang = request.query_params.get("lang")
    if lang in LANGS:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        if (found := pick(part.split(";")[0].strip())) is not None:
            return found
    return "en"


def _local_time(t: float, lang: str, *, with_date: bool = False) -> Markup:
    """A time in the server's local zone with the zone's name (TZ), as ``<time>`` the page's script rewrites into the
    browser's own zone (issue 15: no bare UTC)."""
    local = datetime.fromtimestamp(t, timezone.utc).astimezone()
    shown = local.strftime((date_format(lang) + " " if with_date else "") + "%H:%M ") + (local.tzname() or "")
    return Markup('<time datetime="{}" data-local{}>{}</time>').format(
        local.isoformat(), Markup(' data-date') if with_date else "", shown.strip())


def _decisive(decision: dict[str, Any], lang: str) -> str:
    """The reason a check did not pass, for the banner (issue 15: the banner states the reason, not "see below"):
    the first failed check's words, else the first one that could not be checked."""
    checks = [c for c in decision.get("checks") or [] if isinstance(c, dict)]
    for wanted in ("fail", "unknown"):
        for c in checks:
            if c.get("result") == wanted and isinstance(c.get("message"), dict):
                return str(c["message"].get(lang) or c["message"].get("en") or "")
    return ""


def _qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=4, border=4, omitsize=True)  # sized by the style sheet


def _claim_rows(decision: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    return [(r.label, r.value) for r in [*explain.claim_rows(decision.get("claims") or {},
                                                             decision.get("credential_type"), lang),
                                         *explain.unmapped_rows(decision.get("shape"), lang)]]


def _attempt_rows(attempts: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """Answers that did not decide (issue 14, finding 1), newest first, in words: a reason code's sentence, or the
    wallet's OAuth error code as sent."""
    words = text(lang)
    rows = []
    for a in reversed(attempts):
        try:
            said = lookup(a["code"]).text(lang)
        except KeyError:
            said = a["code"]
        rows.append({"time": time.strftime("%H:%M:%S", time.gmtime(a["at"])), "kind": a["kind"], "code": a["code"],
                     "label": words["attempt_error" if a["kind"] == "error" else "attempt_refused"], "text": said})
    return rows


VERIFY_THREADS = 8  # presentations verified at the same time per process; more wait their turn


def create_app(settings: VerifierSettings | None = None, *, clock: Callable[[], float] = time.time,
               service: VerifierService | None = None) -> FastAPI:
    svc = service or VerifierService(settings, clock=clock)
    app = FastAPI(title="ESSPASS verifier", docs_url=None, redoc_url=None)
    app.state.service = svc
    verify_pool = ThreadPoolExecutor(max_workers=VERIFY_THREADS, thread_name_prefix="esspass-verify")
    app.add_middleware(SecurityHeaders, public_url=svc.base_url)  # issue 14 finding 11
    # every shown value passes display_safe (issue 14 finding 10); the code's own markup (QR SVG) stays
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             finalize=lambda v: v if isinstance(v, Markup) else display_safe(v))
    env.globals["lang_names"] = NAMES  # the language links, each language in its own name (issue 15)
    env.globals["evidence_text"] = explain.evidence_text  # a trust or status check's evidence in words
    env.globals["data_age_text"] = explain.data_age_text  # how old the trusted and status lists were, in words
    # a catalog text with {placeholders} filled by markup the code made (a <time>): the text escaped, the markup kept
    env.filters["fill"] = lambda words, **values: Markup.escape(words).format(**values)

    def render(name: str, request: Request, status_code: int = 200, **kw: Any) -> HTMLResponse:
        lang = _lang(request)
        html = env.get_template(name).render(lang=lang, t=text(lang), **kw)
        return HTMLResponse(html, status_code=status_code, headers=CONSOLE_HEADERS)

    def create(preset: Any, request: Request, same_device: bool = False) -> tuple[vp.Transaction, str] | JSONResponse:
        try:
            owner = access.creator(request, svc.console_token, svc.clients)
            return svc.create_transaction(preset if isinstance(preset, str) else "", access.client_key(request),
                                          owner, same_device=same_device)
        except access.Unauthenticated as exc:
            return _error(401, str(exc), error="invalid_token")
        except AuthenticationRequired as exc:
            return _error(401, str(exc), error="invalid_token")
        except KeyError:
            return _error(400, "unknown preset", presets=list(P.NAMES))
        except vp.QuotaExceeded as exc:
            if owner == access.ANONYMOUS:  # the shared pool: authenticated clients are not affected
                response = _error(503, "too many anonymous checks are open; sign in to the console or use an API "
                                       "client's token", error="temporarily_unavailable")
            else:
                response = _error(429, str(exc), error="temporarily_unavailable")
            response.headers["Retry-After"] = "30"
            return response
        except RateLimited as exc:
            response = _error(429, "too many new checks from this client; try again shortly",
                              error="temporarily_unavailable")
            response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
            return response
        except vp.StoreFull as exc:
            response = _error(503, str(exc), error="temporarily_unavailable")
            response.headers["Retry-After"] = "30"
            return response

    @app.exception_handler(vp.StoreUnavailable)
    async def store_unavailable(request: Request, exc: vp.StoreUnavailable) -> JSONResponse:
        # the shared store (Redis) is gone: say so, and let the client retry; the instance recovers by itself
        response = _error(503, f"{exc}; try again shortly", error="temporarily_unavailable")
        response.headers["Retry-After"] = "2"
        return response

    def result_cookie(response: Response, t: vp.Transaction, request: Request) -> None:
        # The creator's secret, also as a cookie only its own result URLs receive (a client that keeps cookies,
        # e.g. one httpx.Client or a browser, reads its result without handling the token itself). For the
        # same-device flow this cookie is the session the response_code must come back in (HAIP 1.0 §5.1).
        response.set_cookie(access.RESULT_COOKIE, t.result_token, path=f"/openid4vp/transactions/{t.id}",
                            max_age=max(60, t.expires_at - t.created_at + vp.RESULT_RETENTION_S),
                            httponly=True, samesite="strict", secure=cookie_secure(svc.base_url, request.url.scheme))

    def console_access(request: Request) -> bool:
        return access.same(request.cookies.get(access.CONSOLE_COOKIE) or access.bearer(request), svc.console_token)

    # ------------------------------------------------------------ OpenID4VP and JSON API

    @app.post("/openid4vp/transactions")
    async def create_transaction(request: Request) -> JSONResponse:
        raw = await _body(request, MAX_JSON_BYTES)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            body = jose.json_loads(raw) if raw.strip() else {}
        except ValueError:
            return _error(400, "the body is not JSON", presets=list(P.NAMES))
        flow = body.get("flow", "cross_device") if isinstance(body, dict) else "cross_device"
        if flow not in FLOWS:
            return _error(400, "flow must be 'cross_device' (the default) or 'same_device'", flows=list(FLOWS))
        created = create(body.get("preset") if isinstance(body, dict) else None, request, flow == "same_device")
        if isinstance(created, JSONResponse):
            return created
        t, url = created
        response = JSONResponse({"request_uri": url, "transaction": t.id, "result_token": t.result_token,
                                 "flow": flow}, headers=NO_STORE)
        result_cookie(response, t, request)
        return response

    @app.get("/openid4vp/transactions/{tid}")
    def get_transaction(tid: str, request: Request) -> JSONResponse:
        if svc.transactions.get(tid) is None:
            return _error(404, "no such transaction", error="not_found")
        token = access.bearer(request) or request.cookies.get(access.RESULT_COOKIE)
        if svc.authorised_transaction(tid, token) is None:
            return _error(401, "the result of a check is given only to whoever started it: send "
                               "'Authorization: Bearer <result_token>' from the creation response",
                          error="invalid_token")
        view = svc.transaction_view(tid)
        if view is None:
            return _error(404, "no such transaction", error="not_found")
        return JSONResponse(view, headers=NO_STORE)

    @app.post("/openid4vp/transactions/{tid}/result")
    async def redeem_result(tid: str, request: Request) -> JSONResponse:
        """OpenID4VP 1.0 §13.3 steps 7-9: the front end that received the redirect brings the response_code back,
        in the session that started the check (its result token as bearer or cookie); the result is released once."""
        raw = await _body(request, MAX_JSON_BYTES)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            body = jose.json_loads(raw) if raw.strip() else {}
        except ValueError:
            return _error(400, "the body is not JSON")
        if svc.transactions.get(tid) is None:
            return _error(404, "no such transaction", error="not_found")
        token = access.bearer(request) or request.cookies.get(access.RESULT_COOKIE)
        try:
            view = svc.redeem(tid, token, body.get("response_code") if isinstance(body, dict) else None)
        except RedeemRefused as exc:
            return _error(exc.status, exc.description, error=exc.error)
        return JSONResponse({**view, "console": f"/console/t/{token}"}, headers=NO_STORE)

    @app.get("/openid4vp/request/{tid}")
    def get_request_object(tid: str) -> Response:
        try:
            jws = svc.request_object(tid)
        except vp.ResponseError as exc:
            return JSONResponse(exc.as_json(), status_code=exc.status)
        return Response(jws, media_type="application/oauth-authz-req+jwt", headers={"Cache-Control": "no-store"})

    @app.post("/openid4vp/response")
    async def post_response(request: Request) -> JSONResponse:
        raw = await _body(request, MAX_FORM_BYTES)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8"), strict_parsing=False,
                                                              max_num_fields=16).items()}
        except (UnicodeError, ValueError):  # not UTF-8, or more fields than a response has
            form = {}
        try:
            # verification (signature checks, status and trust fetches) runs on its own bounded pool of threads,
            # never on the event loop nor on the pool the other endpoints use: one slow status host cannot freeze
            # /health or the console (issue 14, finding 3); each check ends by its deadline (service._decide)
            t = await asyncio.get_running_loop().run_in_executor(verify_pool, svc.handle_response, form)
        except vp.ResponseError as exc:
            return JSONResponse(exc.as_json(), status_code=exc.status, headers={"Cache-Control": "no-store"})
        # §8.2: 200 with a JSON object; a same-device check that this response decided sends the wallet back with
        # its response_code (HAIP 1.0 §5.1); cross-device, and answers that decided nothing, get {}
        redirect = svc.redirect_for(t)
        return JSONResponse({"redirect_uri": redirect} if redirect else {}, headers={"Cache-Control": "no-store"})

    @app.get("/static/back.js", include_in_schema=False)
    def back_js() -> Response:
        return Response(BACK_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/console/back/{tid}", response_class=HTMLResponse)
    def back(tid: str, request: Request) -> HTMLResponse:
        """The same-device redirect target (§8.2): the page's script reads the response_code from the fragment
        (which no server sees) and asks for the result with it, in this browser's session."""
        return render("back.html", request, tid=tid)

    @app.get("/static/console.js", include_in_schema=False)
    def console_js() -> Response:
        return Response(CONSOLE_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/static/console.css", include_in_schema=False)
    def console_css() -> Response:
        return Response(CONSOLE_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/health")
    def health() -> dict[str, Any]:
        svc.transactions.ping()  # StoreUnavailable -> 503: a load balancer's health check sees the store too
        return {"status": "ok", **svc.trust_list_info()}

    # ------------------------------------------------------------ console

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        lang = _lang(request)
        return render("index.html", request, presets=[(n, P.get(n).title(lang)) for n in P.NAMES])

    @app.post("/console/start")
    async def start(request: Request) -> Response:
        raw = await _body(request, MAX_JSON_BYTES)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), max_num_fields=16)
        except ValueError:
            form = {}
        same_device = (form.get("flow") or [""])[0] == "same_device"
        created = create((form.get("preset") or [""])[0], request, same_device)
        if isinstance(created, JSONResponse):
            if created.status_code == 400:
                return RedirectResponse(f"/?lang={_lang(request)}", status_code=303)
            # a page for people, with the same status (401: sign in; 429/503: busy) and Retry-After
            lang = _lang(request)
            page = render("index.html", request, status_code=created.status_code,
                          presets=[(n, P.get(n).title(lang)) for n in P.NAMES],
                          notice=text(lang)["start_sign_in_plain" if created.status_code == 401 else "start_busy"])
            if "retry-after" in created.headers:
                page.headers["Retry-After"] = created.headers["retry-after"]
            return page
        t, _ = created
        # the page's address is the creator's secret (a capability URL), never the public transaction ID
        response = RedirectResponse(f"/console/t/{t.result_token}?lang={_lang(request)}", status_code=303,
                                    headers=CONSOLE_HEADERS)
        if same_device:  # this browser is the session the response_code must come back in
            result_cookie(response, t, request)
        return response

    @app.get("/console/t/{token}", response_class=HTMLResponse)
    def transaction_page(token: str, request: Request) -> HTMLResponse:
        t = svc.transactions.by_result_token(token)
        view = svc.transaction_view(t.id) if t is not None else None
        if view is None or t is None:
            return RedirectResponse(f"/?lang={_lang(request)}", status_code=303)  # type: ignore[return-value]
        lang = _lang(request)
        auth_url = vp.authorization_request(t, svc.rp, svc.base_url)
        decision = view.get("decision") or {}
        type_name = explain.type_name(decision.get("credential_type"), lang)
        return render("transaction.html", request, view=view, preset_title=P.get(t.preset).title(lang),
                      qr_svg=_qr_svg(auth_url) if view["status"] == "pending" and not t.same_device else "",
                      auth_url=auth_url, same_device=t.same_device,
                      claims=_claim_rows(decision, lang) if decision else [], type_name=type_name,
                      hint=headline_hint(decision, lang, with_reason=False) if decision else "",  # reason: its own line
                      attempts=_attempt_rows(view.get("attempts") or [], lang),
                      expires=_local_time(view["expires_at"], lang), dates=lambda v: explain.bound_text(v, lang),
                      decisive=_decisive(decision, lang),
                      # the page's script asks again while the check waits (console.js; no reload, no flicker)
                      poll=view["status"] in ("pending", "awaiting_redirect"))

    @app.get("/console/login")
    def login(request: Request) -> Response:
        lang = _lang(request)
        if not access.same(request.query_params.get("token"), svc.console_token):
            return render("records.html", request, status_code=401, records=None)
        response = RedirectResponse(f"/console/records?lang={lang}", status_code=303, headers=CONSOLE_HEADERS)
        response.set_cookie(access.CONSOLE_COOKIE, svc.console_token, path="/", httponly=True, samesite="strict",
                            secure=cookie_secure(svc.base_url, request.url.scheme), max_age=30 * 86400)
        return response

    @app.get("/console/records", response_class=HTMLResponse)
    def records(request: Request) -> HTMLResponse:
        if not console_access(request):
            return render("records.html", request, status_code=401, records=None)
        lang = _lang(request)

        def preset_name(name: str) -> str:
            try:
                return P.get(name).title(lang)
            except KeyError:
                return name or "—"

        def reason_words(code: Any) -> str:  # the decisive check in words; its code stays in the details column
            return text_of(code, lang) if isinstance(code, str) and has_text(code) else "—"

        return render("records.html", request, records=svc.records.list(svc.now()), preset_name=preset_name,
                      reason_words=reason_words,
                      when=lambda t: _local_time(t, lang, with_date=True) if isinstance(t, (int, float)) else "—")

    def openapi() -> dict[str, Any]:  # the hand-written, complete description (verifier/openapi.py)
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            from .openapi import describe

            app.openapi_schema = describe(get_openapi(title=app.title, version=app.version, routes=[]))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
