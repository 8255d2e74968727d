"""Back office for institution officers: server-rendered Jinja2 pages in English and Danish.

Sessions are HMAC-signed cookies (key under ESSPASS_HOME, mode 0600) so any worker can check them;
every POST carries a CSRF token derived from the session (synchroniser token, HMAC of the session id).
The login form, which has no session yet, carries one derived from a random pre-login cookie
(login CSRF). Failed logins are throttled per user name and per client address (:class:`LoginThrottle`).
Passwords are hashed with scrypt (issuer.core). Roles: officer (cases, offers, paper copies,
suspend/reinstate) and admin (also revoke and the audit log).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from credential import types
from credential.types import claim_label

from .service import ClaimsInvalid, Conflict, IssuerService, NotFound

COOKIE = "esspass_issuer_session"
LOGIN_COOKIE = "esspass_issuer_login"  # random pre-login value the login form's CSRF token is bound to
SESSION_TTL = 8 * 3600
LOGIN_FORM_TTL = 3600

# The case form: (dotted path, input kind). Labels come from the type metadata (claim_label).
COMMON_FIELDS = [
    ("subject.familynames", "text"), ("subject.forenames", "text"), ("subject.date_of_birth", "date"),
    ("personal_administrative_number", "text"), ("document_number", "text"),
    ("issuing_authority.id", "text"), ("issuing_authority.name", "text"), ("issuing_authority.country", "text"),
    ("authentic_source.id", "text"), ("authentic_source.name", "text"),
    ("date_of_issuance", "date"), ("date_of_expiry", "date"), ("starting_date", "date"), ("ending_date", "date"),
]
PDA1_FIELDS = [
    ("legislation_country", "text"), ("status_confirmation", "select"), ("transitional_rules", "checkbox"),
    ("employer.0.type", "employer_type"), ("employer.0.id", "text"), ("employer.0.name", "text"),
    ("employer.0.country", "text"),
    ("work_information.work_address.0.company_name", "text"),
    ("work_information.work_address.0.street_address", "text"),
    ("work_information.work_address.0.house_number", "text"),
    ("work_information.work_address.0.postal_code", "text"),
    ("work_information.work_address.0.locality", "text"),
    ("work_information.work_address.0.country", "text"),
]
FIELDS = {"pda1": COMMON_FIELDS + PDA1_FIELDS, "ehic": COMMON_FIELDS}

TEXT = {
    "en": {"title": "ESSPASS issuer back office", "login": "Log in", "logout": "Log out", "username": "User name",
           "password": "Password", "bad_login": "Wrong user name or password.", "cases": "Cases",
           "new_a1": "New A1", "new_ehic": "New EHIC", "search": "Search document number", "create": "Create case",
           "fix": "Please correct the marked fields.", "offer": "Credential offer",
           "scan": "The citizen scans this QR code with the wallet.", "tx_code": "Transaction code (send by SMS)",
           "paper": "Paper copy (PDF)", "revoke": "Revoke", "suspend": "Suspend", "reinstate": "Reinstate",
           "reason": "Reason", "status": "Status", "audit": "Audit log", "credentials": "Issued credentials",
           "document": "Document", "type": "Type", "created": "Created", "by": "By", "none": "None yet.",
           "new_offer": "New offer", "expires": "Offer expires", "demo": "Fill with demo data",
           "csrf": "The form expired. Please try again.", "forbidden": "Your role does not allow this.",
           "throttled": "Too many failed log-ins. Try again in {minutes} min."},
    "da": {"title": "ESSPASS udsteder – backoffice", "login": "Log ind", "logout": "Log ud", "username": "Brugernavn",
           "password": "Adgangskode", "bad_login": "Forkert brugernavn eller adgangskode.", "cases": "Sager",
           "new_a1": "Nyt A1", "new_ehic": "Nyt EHIC", "search": "Søg dokumentnummer", "create": "Opret sag",
           "fix": "Ret venligst de markerede felter.", "offer": "Tilbud om legitimation",
           "scan": "Borgeren scanner QR-koden med sin wallet.", "tx_code": "Transaktionskode (sendes pr. SMS)",
           "paper": "Papirkopi (PDF)", "revoke": "Tilbagekald", "suspend": "Suspender", "reinstate": "Genindsæt",
           "reason": "Begrundelse", "status": "Status", "audit": "Revisionslog", "credentials": "Udstedte legitimationer",
           "document": "Dokument", "type": "Type", "created": "Oprettet", "by": "Af", "none": "Ingen endnu.",
           "new_offer": "Nyt tilbud", "expires": "Tilbuddet udløber", "demo": "Udfyld med demodata",
           "csrf": "Formularen er udløbet. Prøv igen.", "forbidden": "Din rolle tillader ikke dette.",
           "throttled": "For mange mislykkede log-ind. Prøv igen om {minutes} min."},
}

_env = Environment(loader=PackageLoader("issuer", "templates"), autoescape=select_autoescape(["html"]))


def _fmt_time(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


_env.filters["time"] = _fmt_time


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


class Sessions:
    def __init__(self, key_path: Path) -> None:
        if not key_path.exists():
            from trust_list.certificates import atomic_write

            atomic_write(key_path, secrets.token_bytes(32), mode=0o600)
        self.key = key_path.read_bytes()

    def _mac(self, data: str) -> str:
        return hmac.new(self.key, data.encode(), hashlib.sha256).hexdigest()

    def issue(self, username: str, role: str) -> str:
        payload = json.dumps({"u": username, "r": role, "e": int(time.time()) + SESSION_TTL,
                              "s": secrets.token_urlsafe(12)}, separators=(",", ":"))
        data = payload.encode().hex()
        return f"{data}.{self._mac(data)}"

    def read(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or "." not in cookie:
            return None
        data, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(data)):
            return None
        try:
            session = json.loads(bytes.fromhex(data))
        except ValueError:
            return None
        return session if session.get("e", 0) > time.time() else None

    def csrf(self, session: dict[str, Any]) -> str:
        return self._mac("csrf:" + session["s"])

    def login_csrf(self, login_cookie: str) -> str:
        return self._mac("login-csrf:" + login_cookie)


class LoginThrottle:
    """Failed back-office logins within a sliding ``window`` (seconds), per user name and per client
    address. Once ``max_failures`` for the user name (or ``max_failures_per_ip`` for the address) lie in
    the window, logins are refused, whatever the password, until the oldest of them leaves it.

    :meth:`attempt` counts a login as failed before its password is checked (so parallel guesses
    cannot slip past the limit while the slow password hash runs); :meth:`succeeded` takes the
    address's count back and clears the user name's failures. In memory, per process (with
    ``serve --workers N`` each worker counts for itself); ``clock`` is injected."""

    MAX_KEYS = 50_000  # bounded memory under a spray of user names

    def __init__(self, clock: Callable[[], float], *, max_failures: int, max_failures_per_ip: int,
                 window: int) -> None:
        self.clock, self.window = clock, window
        self.limits = {"user": max(1, max_failures), "ip": max(1, max_failures_per_ip)}
        self._fails: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, ip: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", username.strip().lower()[:100]), ("ip", ip)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._fails[key]
        return q

    def _wait(self, username: str, ip: str, now: float) -> int:
        wait = 0.0
        for key in self._keys(username, ip):
            q = self._recent(key, now)
            limit = self.limits[key[0]]
            if len(q) >= limit:
                wait = max(wait, q[-limit] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def retry_after(self, username: str, ip: str) -> int:
        """Seconds until a login for ``username`` from ``ip`` may be tried again; 0: now."""
        with self._lock:
            return self._wait(username, ip, self.clock())

    def attempt(self, username: str, ip: str) -> tuple[int, float]:
        """(seconds to wait, 0) when locked; else (0, ticket): the attempt is counted as failed until
        :meth:`succeeded` is called with the ticket."""
        with self._lock:
            now = self.clock()
            wait = self._wait(username, ip, now)
            if wait:
                return wait, 0.0
            for key in self._keys(username, ip):
                q = self._fails.setdefault(key, deque(maxlen=max(self.limits.values())))
                q.append(now)
                self._fails.move_to_end(key)
            while len(self._fails) > self.MAX_KEYS:
                self._fails.popitem(last=False)
            return 0, now

    def succeeded(self, username: str, ip: str, ticket: float) -> None:
        with self._lock:
            user_key, ip_key = self._keys(username, ip)
            self._fails.pop(user_key, None)
            q = self._fails.get(ip_key)
            if q is not None and ticket in q:
                q.remove(ticket)


def router(svc: IssuerService) -> APIRouter:
    r = APIRouter(prefix="/backoffice", include_in_schema=False)
    sessions = Sessions(svc.settings.issuer_dir / "session_key")
    throttle = LoginThrottle(svc.clock, max_failures=svc.settings.login_max_failures,
                             max_failures_per_ip=svc.settings.login_max_failures_per_ip,
                             window=svc.settings.login_failure_window)
    secure = svc.url.startswith("https://")

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("esspass_lang") or "en"
        return lang if lang in TEXT else "en"

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        session = sessions.read(request.cookies.get(COOKIE))
        html = _env.get_template(name).render(
            t=TEXT[lang], lang=lang, session=session, csrf=sessions.csrf(session) if session else "",
            path=request.url.path, **ctx)
        resp = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        if request.query_params.get("lang") in TEXT:
            resp.set_cookie("esspass_lang", lang, samesite="lax", httponly=True)
        return resp

    def need(request: Request, role: str = "officer") -> dict[str, Any] | Response:
        session = sessions.read(request.cookies.get(COOKIE))
        if session is None:
            return RedirectResponse("/backoffice/login", status_code=303)
        if role == "admin" and session["r"] != "admin":
            return render(request, "message.html", 403, message=TEXT[lang_of(request)]["forbidden"])
        return session

    async def posted(request: Request, role: str = "officer") -> tuple[dict | None, dict, Response | None]:
        session = need(request, role)
        if isinstance(session, Response):
            return None, {}, session
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not hmac.compare_digest(form.get("csrf", ""), sessions.csrf(session)):
            return None, form, render(request, "message.html", 403, message=TEXT[lang_of(request)]["csrf"])
        return session, form, None

    def login_page(request: Request, status: int = 200, headers: dict[str, str] | None = None,
                   **ctx: Any) -> HTMLResponse:
        """The login form with a fresh pre-login cookie and the CSRF token bound to it."""
        value = secrets.token_urlsafe(18)
        resp = render(request, "login.html", status, login_csrf=sessions.login_csrf(value), **ctx)
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
        if not cookie or not hmac.compare_digest(csrf, sessions.login_csrf(cookie)):
            return login_page(request, 403, message=t["csrf"])
        ip = request.client.host if request.client else "-"
        wait, ticket = throttle.attempt(username, ip)
        if wait:  # locked: the password is not even checked
            return login_page(request, 429, {"Retry-After": str(wait)},
                              message=t["throttled"].format(minutes=max(1, math.ceil(wait / 60))))
        user = svc.check_login(username, password) if username and password and len(username) <= 100 else None
        if user is None:
            return login_page(request, 401, error=True)
        throttle.succeeded(username, ip, ticket)
        resp = RedirectResponse("/backoffice/", status_code=303)
        resp.set_cookie(COOKIE, sessions.issue(user.username, user.role), httponly=True, samesite="strict",
                        max_age=SESSION_TTL, secure=secure)
        resp.delete_cookie(LOGIN_COOKIE, path="/backoffice")
        return resp

    @r.post("/logout")
    async def logout(request: Request):
        session, _, err = await posted(request)
        if err:
            return err
        resp = RedirectResponse("/backoffice/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @r.get("/")
    def cases(request: Request, q: str = ""):
        session = need(request)
        if isinstance(session, Response):
            return session
        return render(request, "cases.html", rows=svc.search(q.strip()[:50]), q=q)

    def form_context(type_key: str, lang: str, values: dict[str, Any], errors: list) -> dict[str, Any]:
        ctype = types.get_type(type_key)
        by_path: dict[str, list] = {}
        for e in errors:
            by_path.setdefault(e.path, []).append(e)
        known = {p for p, _ in FIELDS[type_key]}
        fields = []
        for path, kind in FIELDS[type_key]:
            try:
                label = claim_label(ctype, path, lang)
            except Exception:  # noqa: BLE001 - a label is never worth a failed page
                label = path
            value = _get(values, path)
            fields.append({"path": path, "kind": kind, "label": label, "value": "" if value is None else value,
                           "errors": [getattr(e, lang) for e in by_path.get(path, [])]})
        other = [f"{e.path or '-'}: {getattr(e, lang)}" for e in errors if e.path not in known]
        return {"type_key": type_key, "fields": fields, "other_errors": other, "has_errors": bool(errors)}

    @r.get("/cases/new/{type_key}")
    def new_case(request: Request, type_key: str, demo: int = 0):
        session = need(request)
        if isinstance(session, Response):
            return session
        if type_key not in FIELDS:
            return render(request, "message.html", 404, message="?")
        own = svc.keys.issuing_authority
        values = types.sample_claims(type_key) if demo else {
            "issuing_authority": dict(own), "authentic_source": {"id": own["id"], "name": own["name"]}}
        return render(request, "new_case.html", **form_context(type_key, lang_of(request), values, []))

    @r.post("/cases/new/{type_key}")
    async def create_case(request: Request, type_key: str):
        session, form, err = await posted(request)
        if err:
            return err
        if type_key not in FIELDS:
            return render(request, "message.html", 404, message="?")
        claims = claims_from_form(type_key, form)
        try:
            view = svc.create_case(type_key, claims, f"user:{session['u']}",
                                   with_tx_code=form.get("with_tx_code", "on") == "on")
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
            return render(request, "message.html", 404, message="?")
        qr_svg = segno.make(view.offer_uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
        return render(request, "case.html", view=view, qr_svg=qr_svg,
                      credentials=svc.credentials_of(view.document_number),
                      document_q=quote(view.document_number, safe=""), now=svc.now())

    @r.post("/cases/{case_id}/offer")
    async def new_offer(request: Request, case_id: str):
        session, form, err = await posted(request)
        if err:
            return err
        svc.reoffer(case_id, f"user:{session['u']}")
        return RedirectResponse(f"/backoffice/cases/{case_id}", status_code=303)

    @r.post("/cases/{case_id}/paper")
    async def paper(request: Request, case_id: str):
        session, form, err = await posted(request)
        if err:
            return err
        from .paper import paper_pdf

        pdf = paper_pdf(svc, case_id, f"user:{session['u']}")
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="paper-{case_id}.pdf"',
                                 "Cache-Control": "no-store"})

    @r.post("/cases/{case_id}/status/{action}")
    async def set_status(request: Request, case_id: str, action: str):
        session, form, err = await posted(request, "admin" if action == "revoke" else "officer")
        if err:
            return err
        view = svc.case_view(case_id)
        try:
            svc.set_status(view.document_number, action, reason=form.get("reason", "").strip() or "-",
                           actor=f"user:{session['u']}")
        except (NotFound, Conflict, ValueError) as exc:
            return render(request, "message.html", 409, message=str(exc))
        return RedirectResponse(f"/backoffice/cases/{case_id}", status_code=303)

    @r.get("/audit")
    def audit(request: Request):
        session = need(request, "admin")
        if isinstance(session, Response):
            return session
        return render(request, "audit.html", entries=svc.audit_entries())

    @r.get("/static/style.css")
    def style():
        css = (Path(__file__).parent / "templates" / "style.css").read_text("utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    return r
