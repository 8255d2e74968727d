"""Issue 14 finding 11 on the issuer: security headers on every answer (CSP without inline script,
no framing, nosniff, no referrer), HSTS and Secure cookies only under https. The pages still work in
Chromium under this CSP: tests/issuer/test_backoffice_browser.py fails on any CSP violation."""

from __future__ import annotations

import re

import httpx
import pytest

from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings

from .conftest import ServerThread, free_port

PATHS = ["/backoffice/login", "/.well-known/openid-credential-issuer", "/status/1", "/api/v1/cases/none",
         "/backoffice/static/style.css", "/openapi.json", "/no-such-page"]


def _check(r: httpx.Response, https: bool) -> None:
    h = r.headers
    csp = {d.split()[0]: d.split()[1:] for d in (x.strip() for x in h["content-security-policy"].split(";")) if d}
    assert csp["frame-ancestors"] == ["'none'"] and csp["script-src"] == ["'self'"], h
    assert "'unsafe-inline'" not in h["content-security-policy"]
    assert csp["default-src"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert ("strict-transport-security" in h) == https
    if https:
        assert int(re.search(r"max-age=(\d+)", h["strict-transport-security"]).group(1)) >= 31536000


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)


def no_inline_script(base: str, html: str) -> list[str]:
    """The page runs no inline script (script-src 'self' would block it, and allowing it would undo the CSP):
    every <script> loads a same-origin file and has no body, no element carries an on* handler, no javascript:
    URL. Each script file is served with the same headers. Returns the script paths."""
    scripts = _SCRIPT.findall(html)
    assert len(scripts) == len(re.findall(r"<script\b", html, re.I)), html  # no unterminated <script
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.I) and "javascript:" not in html.lower(), html
    paths = []
    for attrs, body in scripts:
        src = re.search(r'\bsrc="(/(?!/)[^"]*)"', attrs)
        assert src and not body.strip(), (attrs, body)
        paths.append(src.group(1))
        r = httpx.get(base + src.group(1))
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], (src.group(1), r.status_code)
    return paths


def test_no_inline_script_catches_inline_code():
    """Negative controls for no_inline_script: inline code, handlers and foreign scripts are caught."""
    for page in ('<script>alert(1)</script>', '<script src="/a.js">alert(1)</script>', '<a onclick="x()">a</a>',
                 '<script src="https://cdn.example/a.js"></script>', '<script src="//cdn.example/a.js"></script>',
                 '<a href="javascript:x()">a</a>', '<script src="/a.js">'):
        with pytest.raises(AssertionError):
            no_inline_script("http://127.0.0.1:1", page)
    assert no_inline_script("", "<p>no script</p>") == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_headers_on_every_kind_of_answer_over_http(server):
    for path in PATHS:
        _check(httpx.get(server.url + path), https=False)
    _check(httpx.post(server.url + "/token", content=b"x" * (server.settings.max_body_bytes + 1)), https=False)
    # no inline script to allow: the page's script is a file from 'self'
    no_inline_script(server.url, httpx.get(server.url + "/backoffice/login").text)
    assert httpx.get(server.url + "/docs").status_code == 404  # Swagger UI would need inline script


def test_https_public_url_adds_hsts_and_secure_cookies(tmp_path):
    """Behind a TLS-terminating proxy the public URL is https: HSTS and Secure cookies (RFC 6797, RFC 6265)."""
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"https://issuer.example:{port}", status_list_size=1000)
    svc = IssuerService(settings)
    svc.add_user("officer1", "correct horse battery", "officer")
    base = f"http://127.0.0.1:{port}"
    with ServerThread(create_app(settings, svc), port):
        for path in PATHS:
            _check(httpx.get(base + path), https=True)
        r = httpx.get(base + "/backoffice/login?lang=da")
        set_cookies = r.headers.get_list("set-cookie")
        assert len(set_cookies) == 2 and all("secure" in x.lower() for x in set_cookies), set_cookies
        # (a client honouring Secure sends these only over https: hand the login cookie over explicitly)
        login_cookie = re.search(r"esspass_issuer_login=([^;]+)", " ".join(set_cookies)).group(1)
        token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = httpx.post(base + "/backoffice/login", headers={"Cookie": f"esspass_issuer_login={login_cookie}"},
                       data={"username": "officer1", "password": "correct horse battery", "csrf": token})
        assert r.status_code == 303
        session = [x for x in r.headers.get_list("set-cookie") if x.startswith("esspass_issuer_session=")]
        assert session and "secure" in session[0].lower() and "httponly" in session[0].lower()
    svc.close()
