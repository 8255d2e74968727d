"""The inspector console in real Chromium (Playwright): choose a preset → QR → decision, in Danish and English."""

from __future__ import annotations

import os
import shutil

import httpx
import pytest

from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue, status_token
from tests.support import skip_or_fail
from tests.verifier.servers import Clock, StatusServer, free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _browser_or_skip(p):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        skip_or_fail("chromium is not installed (apt-get install -y chromium)")
    try:
        return p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
                                 args=ARGS, headless=True)
    except Exception as exc:  # pragma: no cover - environment dependent
        if os.environ.get("ESSPASS_REQUIRE_ALL") == "1":
            raise
        skip_or_fail(f"chromium cannot be launched: {exc}")


def test_console_preset_qr_decision(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    port = free_port()
    clock = Clock(NOW)
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"), clock=clock)
    store = svc.ecosystem.trust_store(NOW)
    with StatusServer() as status, serve_app(create_app(service=svc), port) as url, \
            sync_api.sync_playwright() as p, httpx.Client(timeout=10) as client:
        browser = _browser_or_skip(p)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        refused: list[str] = []  # CSP violations (issue 14 finding 11): Chromium logs "Refused to ..." errors
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            uri = status.url + "/udk/1"
            status.tokens["/udk/1"] = status_token(svc.ecosystem, uri=uri, revoked={9: 1})
            good = issue(svc.ecosystem, idx=3, status_uri=uri)
            revoked = issue(svc.ecosystem, idx=9, status_uri=uri)

            shown: list[str] = []  # the openid4vp:// links the console showed

            def run_check(cred, lang):
                page.goto(f"{url}/?lang={lang}")
                page.click("#preset-a1-inspection")
                page.wait_for_selector("#qr svg")
                assert page.locator("meta[http-equiv=refresh]").count() == 0  # (only inside <noscript>)
                assert page.locator("#qr-expiry time").count() == 1  # the code's expiry, in local time
                box = page.locator("#qr svg").bounding_box()
                assert box["width"] >= 300  # large on a 390 px phone ...
                assert abs((box["x"] + box["width"] / 2) - 195) < 12  # ... and centred
                page.evaluate("window.__same_page = true")
                auth = page.get_attribute("#wallet-link", "href")
                assert auth.startswith("openid4vp://")
                shown.append(auth)
                fetched = W.fetch_request(auth, client, store, NOW)
                r = W.post_response(fetched, client, W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW))
                assert r.status_code == 200, r.text
                page.wait_for_selector("#decision", timeout=15000)  # the pending page asks again by itself
                # no reload: the page (and its marker) stayed; only the result part was replaced
                assert page.evaluate("window.__same_page === true")
                return page

            run_check(good, "da")
            assert page.get_attribute("#decision", "data-result") == "PASSED"
            assert "Gyldig" in page.inner_text("#decision")
            assert "Kowalski" in page.inner_text("#claims")
            colour = page.eval_on_selector("#decision", "e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(19, 115, 51)"  # green

            run_check(revoked, "en")
            assert page.get_attribute("#decision", "data-result") == "FAILED"
            assert "Not valid" in page.inner_text("#decision")
            assert "revoked" in page.inner_text("#decision #reason")  # the banner states the decisive reason
            row = page.inner_text(".check[data-code='status.invalid']")
            assert "revoked" in row
            # what went wrong is listed first, above the checks that passed (issue 15 item 8, found on the pages)
            codes = page.eval_on_selector_all("#checks li", "ls => ls.map(l => l.dataset.code)")
            assert codes[0] == "status.invalid" and len(codes) > 1
            # each check's outcome word on one line, not squeezed into a column of letters
            heights = page.eval_on_selector_all("#checks li > span:first-child",
                                                "ss => ss.map(s => s.getBoundingClientRect().height)")
            assert heights and max(heights) < 30, heights
            colour = page.eval_on_selector("#decision", "e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(179, 38, 30)"  # red

            # the decision page's address is the creator's secret, not the transaction ID in the QR code
            secret = page.url.split("/console/t/", 1)[1].split("?", 1)[0]
            assert len(secret) >= 43 and secret not in shown[-1] and shown[-1].rsplit("%2F", 1)[1] != secret

            # the records need the console access token (`esspass verifier serve` prints the login link)
            page.goto(f"{url}/console/records?lang=en")
            assert page.query_selector("#records") is None and page.query_selector("#records-login") is not None
            assert "esspass" not in page.inner_text("#records-login").lower()  # no command line for a console user
            page.goto(f"{url}/console/login?token={svc.console_token}&lang=en")
            assert "/console/records" in page.url
            text = page.inner_text("#records")
            results = page.eval_on_selector_all("#records tr[data-result]", "rs => rs.map(r => r.dataset.result)")
            assert sorted(set(results)) == ["FAILED", "PASSED"]
            assert "Not valid" in text and "Valid" in text and "Kowalski" not in text  # in words, no personal data
            assert "FAILED" not in page.inner_text("#records tbody td:not(:last-child)")
            assert not refused, refused  # every page works under the CSP (the colours above: the style sheet)
        finally:
            browser.close()


def test_same_device_console_landing_page_in_its_own_session_only(tmp_path):
    """OpenID4VP 1.0 §8.2 / HAIP 1.0 §5.1 in real Chromium: the console starts a same-device check (no QR code,
    the openid4vp:// link), the wallet answers and gets a redirect_uri; opened in the browser that started the
    check, the landing page's script brings the response_code back and shows the decision; opened in another
    browser session (a bystander with the link) it shows nothing but the refusal, and a reused link too."""
    sync_api = pytest.importorskip("playwright.sync_api")
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"), clock=Clock(NOW))
    store = svc.ecosystem.trust_store(NOW)
    with StatusServer() as status, serve_app(create_app(service=svc), port) as url, \
            sync_api.sync_playwright() as p, httpx.Client(timeout=10) as client:
        browser = _browser_or_skip(p)
        try:
            uri = status.url + "/udk/1"
            status.tokens["/udk/1"] = status_token(svc.ecosystem, uri=uri)
            cred = issue(svc.ecosystem, idx=3, status_uri=uri)
            mine = browser.new_context()
            page = mine.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{url}/?lang=en")
            page.check("#flow-same-device")
            page.click("#preset-a1-inspection")
            page.wait_for_selector("#wallet-link")
            assert page.query_selector("#qr") is None
            auth = page.get_attribute("#wallet-link", "href")
            fetched = W.fetch_request(auth, client, store, NOW)
            r = W.post_response(fetched, client, W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW))
            redirect = r.json()["redirect_uri"]
            page.wait_for_selector("#status[data-status='awaiting_redirect']", timeout=15000)
            assert page.query_selector("#decision") is None

            # a bystander (another browser session) with the very link: refused, and it does not use the code up
            other = browser.new_context().new_page()
            other.goto(redirect)
            other.wait_for_selector("#refused:not([hidden])", timeout=15000)
            assert "response_code" not in other.url  # the code left the address bar
            assert other.query_selector("#decision") is None

            # the wallet's redirect in the browser that started the check: the decision
            landing = mine.new_page()
            landing.goto(redirect)
            landing.wait_for_selector("#decision", timeout=15000)
            assert landing.get_attribute("#decision", "data-result") == "PASSED"
            assert "/console/t/" in landing.url and "response_code" not in landing.url

            # the same link again (single use): refused, even in the right session
            again = mine.new_page()
            again.goto(redirect)
            again.wait_for_selector("#refused:not([hidden])", timeout=15000)
            assert not refused, refused
        finally:
            browser.close()


def test_console_records_empty_state(tmp_path):
    """Issue 15 item 5: an operator with no records yet reads that, not a blank page."""
    sync_api = pytest.importorskip("playwright.sync_api")
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"), clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as url, sync_api.sync_playwright() as p:
        browser = _browser_or_skip(p)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{url}/console/login?token={svc.console_token}&lang=pl")
            assert page.locator("#records").count() == 0
            assert page.inner_text("#records-empty").strip()
        finally:
            browser.close()
