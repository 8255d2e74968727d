"""HTTP: the OpenID4VP 1.0 endpoints, a small JSON API for the CLI, and the inspector console.

Routes
  POST /openid4vp/transactions            {"preset"} -> {"request_uri": "openid4vp://...", "transaction": ID}
  GET  /openid4vp/transactions/{ID}       {"status": pending|done|expired|error, "decision": {...}|null, ...}
  GET  /openid4vp/request/{ID}            the signed Request Object (application/oauth-authz-req+jwt, RFC 9101 §5.2)
  POST /openid4vp/response                direct_post.jwt (OpenID4VP 1.0 §8.3): form ``response=<JWE>``
  GET  /                                  console: choose a preset (``?lang=da``)
  POST /console/start                     console: start a transaction, redirect to its page
  GET  /console/t/{ID}                    console: QR while pending, then the decision
  GET  /console/records                   console: inspection records (no personal data by default)
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from . import openid4vp as vp
from . import presets as P
from .service import VerifierService
from .settings import VerifierSettings
from .web import TEMPLATES, text

MAX_FORM_BYTES = vp.MAX_RESPONSE_CHARS + 4096


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in ("en", "da") else "en"


def _qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=4, border=2)


def _claim_rows(decision: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    claims = decision.get("claims") or {}
    vct = decision.get("credential_type")
    try:
        from credential.types import claim_label, get_type

        ctype = get_type(vct) if vct else None
    except (ImportError, KeyError):
        ctype = None
    rows: list[tuple[str, str]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(v, (*path, k))
        elif isinstance(value, list) and value and any(isinstance(x, (dict, list)) for x in value):
            for i, v in enumerate(value):
                walk(v, (*path, i))
        else:
            label = ".".join(str(p) for p in path)
            if ctype is not None:
                try:
                    label = claim_label(ctype, path, lang) or label
                    parent = [p for p in path[:-1] if isinstance(p, str)]
                    if parent and len(path) > 1:
                        label = f"{claim_label(ctype, tuple(parent), lang)}: {label}"
                except Exception:  # labels are cosmetic; never fail a page on them
                    pass
            shown = ", ".join(map(str, value)) if isinstance(value, list) else (
                "✓" if value is True else "✗" if value is False else str(value))
            rows.append((label, shown))

    walk(claims, ())
    return rows


def create_app(settings: VerifierSettings | None = None, *, clock: Callable[[], float] = time.time,
               service: VerifierService | None = None) -> FastAPI:
    svc = service or VerifierService(settings, clock=clock)
    app = FastAPI(title="ESSPASS verifier", docs_url=None, redoc_url=None)
    app.state.service = svc
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)

    def render(name: str, request: Request, **kw: Any) -> HTMLResponse:
        lang = _lang(request)
        html = env.get_template(name).render(lang=lang, t=text(lang), **kw)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    # ------------------------------------------------------------ OpenID4VP and JSON API

    @app.post("/openid4vp/transactions")
    async def create_transaction(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body() or b"{}")
            preset = body.get("preset") if isinstance(body, dict) else None
            t, url = svc.create_transaction(str(preset))
        except (ValueError, KeyError):
            return JSONResponse({"error": "invalid_request", "error_description": "unknown preset",
                                 "presets": list(P.NAMES)}, status_code=400)
        return JSONResponse({"request_uri": url, "transaction": t.id})

    @app.get("/openid4vp/transactions/{tid}")
    def get_transaction(tid: str) -> JSONResponse:
        view = svc.transaction_view(tid)
        if view is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse(view, headers={"Cache-Control": "no-store"})

    @app.get("/openid4vp/request/{tid}")
    def get_request_object(tid: str) -> Response:
        try:
            jws = svc.request_object(tid)
        except vp.ResponseError as exc:
            return JSONResponse(exc.as_json(), status_code=exc.status)
        return Response(jws, media_type="application/oauth-authz-req+jwt", headers={"Cache-Control": "no-store"})

    @app.post("/openid4vp/response")
    async def post_response(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_FORM_BYTES:
            return JSONResponse({"error": "invalid_request", "error_description": "response too large"},
                                status_code=413)
        try:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8"), strict_parsing=False).items()}
        except UnicodeError:
            form = {}
        try:
            svc.handle_response(form)
        except vp.ResponseError as exc:
            return JSONResponse(exc.as_json(), status_code=exc.status, headers={"Cache-Control": "no-store"})
        return JSONResponse({}, headers={"Cache-Control": "no-store"})  # §8.2: 200, no redirect_uri

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", **svc.trust_list_info()}

    # ------------------------------------------------------------ console

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        lang = _lang(request)
        return render("index.html", request, presets=[(n, P.get(n).title(lang)) for n in P.NAMES])

    @app.post("/console/start")
    async def start(request: Request) -> Response:
        raw = (await request.body())[:4096].decode("utf-8", "replace")
        preset = urllib.parse.parse_qs(raw).get("preset", [""])[0]
        try:
            t, _ = svc.create_transaction(preset)
        except KeyError:
            return RedirectResponse(f"/?lang={_lang(request)}", status_code=303)
        return RedirectResponse(f"/console/t/{t.id}?lang={_lang(request)}", status_code=303)

    @app.get("/console/t/{tid}", response_class=HTMLResponse)
    def transaction_page(tid: str, request: Request) -> HTMLResponse:
        view = svc.transaction_view(tid)
        t = svc.transactions.get(tid)
        if view is None or t is None:
            return RedirectResponse(f"/?lang={_lang(request)}", status_code=303)  # type: ignore[return-value]
        lang = _lang(request)
        auth_url = vp.authorization_request(t, svc.rp, svc.base_url)
        decision = view.get("decision") or {}
        type_name = decision.get("credential_type") or ""
        try:
            from credential.types import get_type

            meta = get_type(type_name).metadata if type_name else {}
            for d in meta.get("display", []):
                if str(d.get("locale", d.get("lang", ""))).startswith(lang):
                    type_name = d.get("name", type_name)
                    break
        except (ImportError, KeyError):
            pass
        return render("transaction.html", request, view=view, preset_title=P.get(t.preset).title(lang),
                      qr_svg=_qr_svg(auth_url) if view["status"] == "pending" else "", auth_url=auth_url,
                      claims=_claim_rows(decision, lang) if decision else [], type_name=type_name,
                      refresh=2 if view["status"] == "pending" else None)

    @app.get("/console/records", response_class=HTMLResponse)
    def records(request: Request) -> HTMLResponse:
        return render("records.html", request, records=svc.records.list(svc.now()))

    return app
