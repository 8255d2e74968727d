"""Back office for institution officers: server-rendered Jinja2 pages in the ten languages (credential.i18n).

Sessions live in the database (a random id in the cookie, its hash stored), so any worker can check
them and logout, a role change or a password change ends them at once (issue 14 finding 6); every
POST carries a CSRF token derived from the session (synchroniser token, HMAC of the session id).
The login form, which has no session yet, carries one derived from a random pre-login cookie
(login CSRF). Failed logins are throttled per (user name, client address) and per address with growing delays
(:class:`LoginThrottle`) and written to the audit log.
Passwords are hashed with scrypt (issuer.core). Roles: officer (cases, offers, paper copies,
suspend/reinstate) and admin (also revoke and the audit log).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from credential import explain, types
from credential.i18n import LANGS, NAMES, country_name, date_format, keys, text
from credential import display_safe
from credential.types import claim_label

from . import core
from .service import ClaimsInvalid, Conflict, IssuerService, NotFound

COOKIE = "esspass_issuer_session"
LOGIN_COOKIE = "esspass_issuer_login"  # random pre-login value the login form's CSRF token is bound to
LOGIN_FORM_TTL = 3600

# The case form in sections: (section, [(dotted path, input kind)]). Labels come from the type metadata
# (claim_label); a section is titled by its object's label, or by a back-office text ("sec_*"). Kinds: text, date,
# country, status_confirmation and employer_type (drop-downs in words, the code only as the value), checkbox.
HOLDER = ("subject", [("subject.familynames", "text"), ("subject.forenames", "text"),
                      ("subject.date_of_birth", "date"), ("personal_administrative_number", "text")])
DOCUMENT = ("sec_document", [("document_number", "text"), ("date_of_issuance", "date"), ("date_of_expiry", "date"),
                             ("starting_date", "date"), ("ending_date", "date")])
AUTHORITY = ("issuing_authority", [("issuing_authority.id", "text"), ("issuing_authority.name", "text"),
                                   ("issuing_authority.country", "country")])
SOURCE = ("authentic_source", [("authentic_source.id", "text"), ("authentic_source.name", "text")])
LEGISLATION = ("sec_legislation", [("legislation_country", "country"), ("status_confirmation", "status_confirmation"),
                                   ("transitional_rules", "checkbox")])
EMPLOYER = ("employer", [("employer.0.type", "employer_type"), ("employer.0.id", "text"), ("employer.0.name", "text"),
                         ("employer.0.country", "country")])
WORKPLACE = ("work_information", [(f"work_information.work_address.0.{k}", kind) for k, kind in (
    ("company_name", "text"), ("street_address", "text"), ("house_number", "text"), ("postal_code", "text"),
    ("locality", "text"), ("country", "country"))])
SECTIONS = {"pda1": [HOLDER, DOCUMENT, LEGISLATION, EMPLOYER, WORKPLACE, AUTHORITY, SOURCE],
            "ehic": [HOLDER, DOCUMENT, AUTHORITY, SOURCE]}
FIELDS = {key: [f for _, fields in sections for f in fields] for key, sections in SECTIONS.items()}
# The code lists the drop-downs offer (catalog keys code.<list>.<code>); countries: the EU, the EEA and Switzerland,
# where Regulation (EC) No 883/2004 applies (ISO 3166-1 alpha-2, as the schemas require), plus the United Kingdom
# (the Withdrawal Agreement's coordination rules).
CODES = {"status_confirmation": [f"{i:02d}" for i in range(1, 13)], "employer_type": ["01", "02"]}
COUNTRIES = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT", "LV",
             "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "CH", "GB")
STATIC = {"style.css": "text/css", "backoffice.js": "text/javascript"}
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,100}")

# The back office's words: gettext catalogs, ``issuer.backoffice.<key>`` (credential/i18n.py).
TEXT = {lang: {k[len("issuer.backoffice."):]: text(k, lang) for k in keys("issuer.backoffice.")} for lang in LANGS}

# every value a page shows passes credential.text.display_safe (issue 14 finding 10); markup the code
# made itself (the QR code's SVG) stays as it is
_env = Environment(loader=PackageLoader("issuer", "templates"), autoescape=select_autoescape(["html"]),
                   finalize=lambda v: v if isinstance(v, Markup) else display_safe(v))
_env.globals["lang_names"] = NAMES  # the language links, each language in its own name (issue 15)
# a catalog text with {placeholders} filled by markup the code made (a <time>): the text escaped, the markup kept
_env.filters["fill"] = lambda words, **values: Markup.escape(words).format(**values)


def _fmt_time(t: int | None, lang: str = "en") -> Markup:
    """A time in the server's local zone with the zone's name (TZ; issue 15: no bare UTC), as people write dates in
    ``lang``; the page's script rewrites it into the browser's own zone (static/backoffice.js)."""
    if t is None:
        return Markup("")
    local = datetime.fromtimestamp(t, timezone.utc).astimezone()
    shown = local.strftime(f"{date_format(lang)} %H:%M ") + (local.tzname() or local.strftime("%z"))
    return Markup('<time datetime="{}" data-local>{}</time>').format(local.isoformat(), shown)


_env.filters["time"] = _fmt_time


def _actor(actor: str, t: dict[str, str]) -> str:
    """Who did something, in words: a user's name, an API client's name, or the system (no ``user:`` prefixes)."""
    kind, _, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "api" and name:
        return t["actor_api"].format(name=name)
    return t.get(f"actor_{actor}", actor)


_env.filters["actor"] = _actor


def _required(schema: dict[str, Any], path: str) -> bool:
    """Whether the claim at ``path`` must be given (every level required in the type's JSON Schema)."""
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        return resolve(defs.get(ref.rsplit("/", 1)[-1], {})) if ref.startswith("#/$defs/") else node

    node = resolve(schema)
    for part in path.split("."):
        if part.isdigit():
            if node.get("minItems", 0) < 1:
                return False
            node = resolve(node.get("items", {}))
        else:
            if part not in node.get("required", []):
                return False
            node = resolve(node.get("properties", {}).get(part, {}))
    return True


def _options(kind: str, lang: str) -> list[tuple[str, str]]:
    """(value, words) of a drop-down: the code only as the value, the words in ``lang`` (issue 15 item 5)."""
    if kind == "country":
        return sorted(((c, country_name(c, lang)) for c in COUNTRIES), key=lambda o: o[1])
    if kind == "status_confirmation":
        return [(c, explain.value_text(c, ("status_confirmation",), lang)) for c in CODES[kind]]
    return [(c, explain.value_text(c, ("employer", 0, "type"), lang)) for c in CODES[kind]]


def _summary(claims: dict[str, Any], type_key: str, lang: str) -> list[tuple[str, str]]:
    """The case's claims as (label, words) rows, as the inspector reads them (credential.explain)."""
    vct = types.get_type(type_key).vct
    skip = {"attestation_legal_category", "issuing_country"}  # technical, or said by the issuing institution
    return [(r.label, r.value) for r in explain.claim_rows(claims, vct, lang) if r.path[0] not in skip]


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, list):
            try:
                obj = obj[int(part)]
            except (ValueError, IndexError):
                return None
        elif isinstance(obj, dict):
            obj = obj.get(part)
        else:
            return None
    return obj


def _set(obj: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur: Any = obj
    for i, part in enumerate(parts[:-1]):
        nxt_is_index = parts[i + 1].isdigit()
        if isinstance(cur, list):
            idx = int(part)
            while len(cur) <= idx:
                cur.append([] if nxt_is_index else {})
            cur = cur[idx]
        else:
            cur = cur.setdefault(part, [] if nxt_is_index else {})
    last = parts[-1]
    if isinstance(cur, list):
        cur.append(value)
    else:
        cur[last] = value


def claims_from_form(type_key: str, form: dict[str, str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for path, kind in FIELDS[type_key]:
        if kind == "checkbox":
            _set(claims, path, form.get(path) == "on")
            continue
        value = (form.get(path) or "").strip()
        if value:
            _set(claims, path, value)
    return claims


class FormKeys:
    """The key (under ESSPASS_HOME, mode 0600) that derives CSRF tokens: HMAC of the session id, or
    of the random pre-login cookie for the login form. The sessions themselves live in the database
    (:meth:`IssuerService.session`)."""

    def __init__(self, key_path: Path) -> None:
        if not key_path.exists():
            from trust_list import atomic_write

            atomic_write(key_path, secrets.token_bytes(32), mode=0o600)
        self.key = key_path.read_bytes()

    def _mac(self, data: str) -> str:
        return hmac.new(self.key, data.encode(), hashlib.sha256).hexdigest()

    def csrf(self, session: dict[str, Any]) -> str:
        return self._mac("csrf:" + session["s"])

    def login_csrf(self, login_cookie: str) -> str:
        return self._mac("login-csrf:" + login_cookie)


@dataclass
class _Failures:
    count: int
    last: float
    reported: bool = False  # a refusal while waiting was already written to the audit log


class LoginThrottle:
    """Failed back-office logins (issue 14 finding 7), counted per (user name, client address) and
    per client address, never per user name alone: a stranger's guesses cannot lock a user out
    from where the user logs in.

    The first ``free`` failures of a key cost nothing; after that each try must wait
    ``2 ** (failures - free)`` seconds after the last failure, at most ``max_delay``. Failures are
    forgotten ``memory`` seconds after the last one; a success clears its (user, address) key and
    refunds the address. :meth:`attempt` counts a login as failed before its password is checked (so
    parallel guesses cannot slip past while the slow hash runs). In memory, per process (with
    ``serve --workers N`` each worker counts for itself); ``clock`` is injected."""

    MAX_KEYS = 50_000  # bounded memory under a spray of user names

    def __init__(self, clock: Callable[[], float], *, free: int, free_per_ip: int, max_delay: float,
                 memory: float) -> None:
        self.clock, self.max_delay, self.memory = clock, max_delay, memory
        self.free = {"pair": max(1, free), "ip": max(1, free_per_ip)}
        self._fails: OrderedDict[tuple[str, ...], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, ip: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("pair", username.strip().lower()[:100], ip), ("ip", ip)

    def delay(self, kind: str, failures: int) -> float:
        """Seconds a key with ``failures`` must wait after its last failure."""
        over = failures - self.free[kind]
        return 0.0 if over < 0 else min(self.max_delay, 2.0 ** min(over, 40))

    def _state(self, key: tuple[str, ...], now: float) -> _Failures | None:
        f = self._fails.get(key)
        if f is not None and now - f.last >= self.memory:
            del self._fails[key]
            return None
        return f

    def _wait(self, username: str, ip: str, now: float) -> tuple[int, list[_Failures]]:
        wait, waiting = 0.0, []
        for key in self._keys(username, ip):
            f = self._state(key, now)
            if f is not None:
                w = f.last + self.delay(key[0], f.count) - now
                if w > 0:
                    wait, waiting = max(wait, w), [*waiting, f]
        return (math.ceil(wait) if wait > 0 else 0), waiting

    def retry_after(self, username: str, ip: str) -> int:
        """Seconds until a login for ``username`` from ``ip`` may be tried again; 0: now."""
        with self._lock:
            return self._wait(username, ip, self.clock())[0]

    def attempt(self, username: str, ip: str) -> tuple[int, bool]:
        """(seconds to wait, first refusal since the last failure) when refused, not counted; else
        (0, False) and the attempt is counted as failed until :meth:`succeeded`."""
        with self._lock:
            now = self.clock()
            wait, waiting = self._wait(username, ip, now)
            if wait:
                first = not any(f.reported for f in waiting)
                for f in waiting:
                    f.reported = True
                return wait, first
            for key in self._keys(username, ip):
                f = self._state(key, now)
                self._fails[key] = _Failures((f.count if f else 0) + 1, now)
                self._fails.move_to_end(key)
            while len(self._fails) > self.MAX_KEYS:
                self._fails.popitem(last=False)
            return 0, False

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            pair, ip_key = self._keys(username, ip)
            self._fails.pop(pair, None)
            f = self._fails.get(ip_key)
            if f is not None:
                f.count -= 1
                if f.count <= 0:
                    del self._fails[ip_key]


def router(svc: IssuerService) -> APIRouter:
    r = APIRouter(prefix="/backoffice", include_in_schema=False)
    keys = FormKeys(svc.settings.issuer_dir / "session_key")
    throttle = LoginThrottle(svc.clock, free=svc.settings.login_max_failures,
                             free_per_ip=svc.settings.login_max_failures_per_ip,
                             max_delay=svc.settings.login_failure_window, memory=svc.settings.login_failure_memory)
    secure = svc.url.startswith("https://")
    demo_mode = not svc.settings.configured  # the demo's keys: demo data may be offered, never in production

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("esspass_lang") or "en"
        return lang if lang in TEXT else "en"

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        session = session_of(request)
        html = _env.get_template(name).render(
            t=TEXT[lang], lang=lang, session=session, csrf=keys.csrf(session) if session else "",
            path=request.url.path, demo_mode=demo_mode, **ctx)
        resp = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        if request.query_params.get("lang") in TEXT:
            resp.set_cookie("esspass_lang", lang, samesite="lax", httponly=True, secure=secure)
        return resp

    def session_of(request: Request) -> dict[str, Any] | None:
        """The request's server-side session (looked up once per request)."""
        if not hasattr(request.state, "session"):
            request.state.session = svc.session(request.cookies.get(COOKIE))
        return request.state.session

    def need(request: Request, role: str = "officer") -> dict[str, Any] | Response:
        session = session_of(request)
        if session is None:
            return RedirectResponse("/backoffice/login", status_code=303)
        if role == "admin" and session["r"] != "admin":
            return render(request, "message.html", 403, message=TEXT[lang_of(request)]["forbidden"])
        return session

    def unknown_case(request: Request) -> HTMLResponse:
        return render(request, "message.html", 404, message=TEXT[lang_of(request)]["unknown_case"])

    async def posted(request: Request, role: str = "officer") -> tuple[dict | None, dict, Response | None]:
        session = need(request, role)
        if isinstance(session, Response):
            return None, {}, session
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not hmac.compare_digest(form.get("csrf", ""), keys.csrf(session)):
            return None, form, render(request, "message.html", 403, message=TEXT[lang_of(request)]["csrf"])
        return session, form, None

    def login_page(request: Request, status: int = 200, headers: dict[str, str] | None = None,
                   **ctx: Any) -> HTMLResponse:
        """The login form with a fresh pre-login cookie and the CSRF token bound to it."""
        value = secrets.token_urlsafe(18)
        resp = render(request, "login.html", status, login_csrf=keys.login_csrf(value), **ctx)
        resp.set_cookie(LOGIN_COOKIE, value, httponly=True, samesite="strict", max_age=LOGIN_FORM_TTL,
                        path="/backoffice", secure=secure)
        for k, v in (headers or {}).items():
            resp.headers[k] = v
        return resp

    @r.get("/login")
    def login_form(request: Request):
        return login_page(request)

    @r.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form("")):
        t = TEXT[lang_of(request)]
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(csrf, keys.login_csrf(cookie)):
            return login_page(request, 403, message=t["csrf"])
        ip = request.client.host if request.client else "-"
        wait, first_refusal = throttle.attempt(username, ip)
        if wait:  # must wait: the password is not even checked
            if first_refusal:  # once per waiting period: refusals are cheap to send, the log is not
                svc.login_failed(username, ip, "throttled")
            return login_page(request, 429, {"Retry-After": str(wait)}, message=t["throttled"].format(seconds=wait))
        user = svc.check_login(username, password) if username and password and len(username) <= 100 else None
        if user is None:
            svc.login_failed(username, ip, "password")
            return login_page(request, 401, error=True)
        throttle.succeeded(username, ip)
        resp = RedirectResponse("/backoffice/", status_code=303)
        resp.set_cookie(COOKIE, svc.open_session(user.username, ip), httponly=True, samesite="strict",
                        max_age=svc.settings.session_ttl, secure=secure)
        resp.delete_cookie(LOGIN_COOKIE, path="/backoffice")
        return resp

    @r.post("/logout")
    async def logout(request: Request):
        session, _, err = await posted(request)
        if err:
            return err
        svc.close_session(session)  # the session ends on the server, not only in this browser
        resp = RedirectResponse("/backoffice/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @r.get("/")
    def cases(request: Request, q: str = ""):
        session = need(request)
        if isinstance(session, Response):
            return session
        lang = lang_of(request)
        return render(request, "cases.html", rows=svc.search(q.strip()[:50]), q=q.strip()[:50],
                      type_names={k: explain.type_name(types.get_type(k).vct, lang) for k in FIELDS})

    def form_context(type_key: str, lang: str, values: dict[str, Any], errors: list) -> dict[str, Any]:
        ctype = types.get_type(type_key)
        t = TEXT[lang]
        by_path: dict[str, list] = {}
        for e in errors:
            by_path.setdefault(e.path, []).append(e)
        known = {p for p, _ in FIELDS[type_key]}

        def label(path: str) -> str:
            try:
                return claim_label(ctype, path, lang)
            except Exception:  # noqa: BLE001 - a label is never worth a failed page
                return path

        sections = []
        for title, paths in SECTIONS[type_key]:
            fields = []
            for path, kind in paths:
                value = _get(values, path)
                value = "" if value is None else value
                options = _options(kind, lang) if kind in ("country", *CODES) else []
                if options and value and value not in {v for v, _ in options}:
                    options.append((value, str(value)))  # a value from elsewhere stays selectable as it is
                fields.append({"path": path, "kind": kind, "label": label(path), "value": value, "options": options,
                               "required": kind != "checkbox" and _required(ctype.schema, path),
                               "errors": [e.words(lang) for e in by_path.get(path, [])]})
            sections.append({"title": t[title] if title.startswith("sec_") else label(title), "fields": fields})
        other = [f"{label(e.path)}: {e.words(lang)}" if e.path else e.words(lang) for e in errors if e.path not in known]
        return {"type_key": type_key, "sections": sections, "other_errors": other, "has_errors": bool(errors),
                "type_name": explain.type_name(ctype.vct, lang)}

    @r.get("/cases/new/{type_key}")
    def new_case(request: Request, type_key: str, demo: int = 0):
        session = need(request)
        if isinstance(session, Response):
            return session
        if type_key not in FIELDS:
            return unknown_case(request)
        own = svc.keys.issuing_authority
        values = types.sample_claims(type_key) if demo and demo_mode else {
            "issuing_authority": dict(own), "authentic_source": {"id": own["id"], "name": own["name"]}}
        return render(request, "new_case.html", **form_context(type_key, lang_of(request), values, []))

    @r.post("/cases/new/{type_key}")
    async def create_case(request: Request, type_key: str):
        session, form, err = await posted(request)
        if err:
            return err
        if type_key not in FIELDS:
            return unknown_case(request)
        claims = claims_from_form(type_key, form)
        try:
            # an unticked box is not sent at all: the form says it was shown ("form"), a bare API-style post keeps
            # the code on
            view = svc.create_case(type_key, claims, f"user:{session['u']}",
                                   with_tx_code=form.get("with_tx_code") == "on" if "form" in form else True)
        except ClaimsInvalid as exc:
            ctx = form_context(type_key, lang_of(request), claims, exc.errors)
            return render(request, "new_case.html", 422, **ctx)
        except Conflict as exc:  # e.g. a revoked document number
            ctx = form_context(type_key, lang_of(request), claims,
                               [types.FieldError("", exc.code, exc.en, exc.da)])
            return render(request, "new_case.html", 409, **ctx)
        return RedirectResponse(f"/backoffice/cases/{view.public_id}", status_code=303)

    @r.get("/cases/{case_id}")
    def case_page(request: Request, case_id: str):
        session = need(request)
        if isinstance(session, Response):
            return session
        try:
            view = svc.case_view(case_id)
        except NotFound:
            return unknown_case(request)
        qr_svg = segno.make(view.offer_uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                                  omitsize=True)
        lang = lang_of(request)
        claims = svc.case_claims(case_id)
        subject = claims.get("subject") or {}
        holder = " ".join(str(subject.get(k, "")) for k in ("forenames", "familynames")).strip()
        credentials = svc.credentials_of(view.document_number)
        statuses = {c["status"] for c in credentials}
        return render(request, "case.html", view=view, qr_svg=qr_svg, credentials=credentials, holder=holder,
                      type_name=explain.type_name(types.get_type(view.type_key).vct, lang),
                      rows=_summary(claims, view.type_key, lang), statuses=statuses, revocable=bool(statuses - {"INVALID"}),
                      document_q=quote(view.document_number, safe=""), now=svc.now())

    @r.post("/cases/{case_id}/offer")
    async def new_offer(request: Request, case_id: str):
        session, form, err = await posted(request)
        if err:
            return err
        try:
            svc.reoffer(case_id, f"user:{session['u']}")
        except NotFound:
            return unknown_case(request)
        return RedirectResponse(f"/backoffice/cases/{case_id}", status_code=303)

    @r.post("/cases/{case_id}/paper")
    async def paper(request: Request, case_id: str):
        session, form, err = await posted(request)
        if err:
            return err
        from .paper import paper_pdf

        try:
            pdf = paper_pdf(svc, case_id, f"user:{session['u']}",
                            lang=form.get("lang") if form.get("lang") in LANGS else lang_of(request))
        except NotFound:
            return unknown_case(request)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="paper-{case_id}.pdf"',
                                 "Cache-Control": "no-store"})

    @r.post("/cases/{case_id}/status/{action}")
    async def set_status(request: Request, case_id: str, action: str):
        session, form, err = await posted(request, "admin" if action == "revoke" else "officer")
        if err:
            return err
        try:
            view = svc.case_view(case_id)
        except NotFound:
            return unknown_case(request)
        if action == "revoke" and form.get("confirm") != "yes":  # permanent: asked once more on its own page
            return render(request, "confirm_revoke.html", view=view, reason=form.get("reason", "").strip()[:500])
        try:
            svc.set_status(view.document_number, action, reason=form.get("reason", "").strip() or "-",
                           actor=f"user:{session['u']}")
        except (NotFound, Conflict, ValueError):
            return render(request, "message.html", 409, message=TEXT[lang_of(request)]["status_refused"])
        return RedirectResponse(f"/backoffice/cases/{case_id}", status_code=303)

    @r.post("/cases/{case_id}/device-lost")
    async def device_lost(request: Request, case_id: str):
        """Issue 15: the holder reports the phone lost. Asks for an explicit confirmation (a ticked box): the copies
        on that phone are revoked for good; the document stays valid and a new offer can be made."""
        session, form, err = await posted(request)
        if err:
            return err
        if form.get("confirm") != "yes":
            return render(request, "message.html", 400, message=TEXT[lang_of(request)]["device_lost_confirm_needed"])
        try:
            svc.device_lost(case_id, actor=f"user:{session['u']}", reason=form.get("reason", ""))
        except NotFound:
            return unknown_case(request)
        return RedirectResponse(f"/backoffice/cases/{case_id}", status_code=303)

    @r.get("/audit")
    def audit(request: Request):
        session = need(request, "admin")
        if isinstance(session, Response):
            return session
        lang = lang_of(request)
        # the action in words (its code stays in the details line); a target that is a document type by its name
        return render(request, "audit.html", entries=svc.audit_entries(),
                      type_names={k: explain.type_name(types.get_type(k).vct, lang) for k in FIELDS})

    # ------------------------------------------------------------ user management (admin; issue 15 item 5)

    def users_page(request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
        return render(request, "users.html", status, users=svc.users(), **ctx)

    @r.get("/users")
    def users(request: Request):
        session = need(request, "admin")
        if isinstance(session, Response):
            return session
        return users_page(request)

    @r.post("/users")
    async def create_user(request: Request):
        session, form, err = await posted(request, "admin")
        if err:
            return err
        t = TEXT[lang_of(request)]
        username, role = form.get("username", "").strip(), form.get("role", "")
        if not USERNAME.fullmatch(username):
            return users_page(request, 422, error=t["user_bad_name"], form=form)
        if role not in ("officer", "admin"):
            return users_page(request, 422, error=t["user_bad_role"], form=form)
        if core.password_problem(username, form.get("password", "")):
            return users_page(request, 422, error=t["user_bad_password"].format(min=core.PASSWORD_MIN), form=form)
        try:
            svc.add_user(username, form["password"], role, actor=f"user:{session['u']}")
        except ValueError:
            return users_page(request, 409, error=t["user_exists"].format(name=username), form=form)
        return users_page(request, 201, done=t["user_created"].format(name=username))

    @r.post("/users/{username}/{change}")
    async def change_user(request: Request, username: str, change: str):
        session, form, err = await posted(request, "admin")
        if err:
            return err
        t = TEXT[lang_of(request)]
        if change not in ("disable", "enable", "role"):
            return users_page(request, 404, error=t["user_unknown"])
        if username == session["u"] and change != "enable":  # nobody locks themselves out by a slip
            return users_page(request, 409, error=t["user_self"])
        try:
            if change == "role":
                svc.set_role(username, form.get("role", ""), actor=f"user:{session['u']}")
            else:
                svc.set_disabled(username, change == "disable", actor=f"user:{session['u']}")
        except NotFound:
            return users_page(request, 404, error=t["user_unknown"])
        except ValueError:
            return users_page(request, 409, error=t["user_last_admin" if change == "disable" else "user_bad_role"])
        return RedirectResponse("/backoffice/users", status_code=303)

    @r.get("/static/{name}")
    def static(name: str):
        if name not in STATIC:
            return Response(status_code=404)
        body = (Path(__file__).parent / "templates" / name).read_text("utf-8")
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"})

    return r
