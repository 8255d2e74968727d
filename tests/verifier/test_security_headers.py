"""Issue 14 finding 11 on the verifier: security headers on the console and the OpenID4VP API,
HSTS and Secure cookies under https. The console still works in Chromium under this CSP:
tests/verifier/test_console_browser.py fails on any CSP violation and checks the styles apply."""

from __future__ import annotations

import httpx

from tests.issuer.test_security_headers import _check, no_inline_script
from tests.verifier.helpers import NOW
from tests.verifier.servers import Clock, free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings


def _serve(tmp_path, public: str, port: int):
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=public), clock=Clock(NOW))
    return svc, serve_app(create_app(service=svc), port)


def test_console_and_api_headers_over_http(tmp_path):
    port = free_port()
    svc, server = _serve(tmp_path, f"http://127.0.0.1:{port}", port)
    with server as url:
        for path in ("/", "/health", "/static/console.css", "/console/records", "/openid4vp/request/nope"):
            _check(httpx.get(url + path), https=False)
        page = httpx.get(url + "/")
        no_inline_script(url, page.text)
        assert "<style" not in page.text
        r = httpx.post(url + "/openid4vp/transactions", json={"preset": "a1-inspection"})
        _check(r, https=False)
        assert "secure" not in r.headers["set-cookie"].lower()


def test_https_public_url_adds_hsts_and_secure_cookies(tmp_path):
    port = free_port()
    svc, server = _serve(tmp_path, f"https://verifier.example:{port}", port)
    with server as url:
        _check(httpx.get(url + "/"), https=True)
        r = httpx.post(url + "/openid4vp/transactions", json={"preset": "a1-inspection"})
        _check(r, https=True)
        assert "secure" in r.headers["set-cookie"].lower()
        r = httpx.get(url + f"/console/login?token={svc.console_token}")
        assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()
