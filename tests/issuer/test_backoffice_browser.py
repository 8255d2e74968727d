"""The back office in real Chromium (Playwright for Python, system /usr/bin/chromium)."""

from __future__ import annotations

import os
import re

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def browser():
    from .conftest import skip_or_fail

    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_officer_creates_a1_sees_qr_and_revokes(server, browser):
    server.service.add_user("officer1", "correct horse battery", "officer")
    server.service.add_user("boss", "staple battery horse", "admin")
    page = browser.new_page()
    refused: list[str] = []  # CSP violations (issue 14 finding 11): Chromium logs "Refused to ..." errors
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{server.url}/backoffice/")
    assert page.url.endswith("/backoffice/login")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "wrong")
    page.click("#login")
    assert page.get_by_role("alert").is_visible()
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login")
    page.goto(f"{server.url}/backoffice/cases/new/pda1?demo=1&lang=da")
    # one invalid field first
    page.fill("[id='f-subject.date_of_birth']", "14-07-1988")
    page.click("#create")
    errors = page.locator(".field-error[data-path='subject.date_of_birth']")
    assert errors.count() == 1 and errors.inner_text()
    assert page.locator("#form-errors").is_visible()
    assert page.locator("html").get_attribute("lang") == "da"
    page.fill("[id='f-subject.date_of_birth']", "1988-07-14")
    page.click("#create")
    page.wait_for_url(re.compile(r".*/backoffice/cases/[^/]+$"))
    assert page.locator("#offer-qr svg").count() == 1
    tx = page.locator("#tx-code").inner_text()
    assert re.fullmatch(r"\d{6}", tx)
    offer_uri = page.locator("#offer-uri").inner_text()
    assert offer_uri.startswith("openid-credential-offer://")
    # the citizen's wallet redeems the offer
    from .wallet_client import Wallet

    creds, keys = Wallet().receive(offer_uri, tx)
    page.reload()
    assert page.locator(".cred-status").first.inner_text() == "VALID"
    # an officer may not revoke; an admin may
    assert page.locator("#do-revoke").count() == 0
    page.fill("#reason-suspend", "under dispute")
    page.click("#do-suspend")
    assert page.locator(".cred-status").first.inner_text() == "SUSPENDED"
    # CSRF: a POST without the token is refused
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.post(page.url + "/status/reinstate", data={"reason": "x"}, cookies=cookies)
    assert r.status_code == 403
    page.click("button:has-text('Log ud')")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "staple battery horse")
    page.click("#login")
    page.goto(f"{server.url}/backoffice/?q=A1")
    page.locator("table a").first.click()
    page.fill("#reason-revoke", "determination annulled")
    page.click("#do-revoke")
    assert page.locator(".cred-status").first.inner_text() == "INVALID"
    page.goto(f"{server.url}/backoffice/audit")
    text = page.locator("table").inner_text()
    assert "credential.revoke" in text and "user:boss" in text and "case.create" in text
    assert "Kowalski" not in text  # no personal data in the audit log
    assert not refused, refused  # every page works under the CSP
    assert page.eval_on_selector("body", "e => getComputedStyle(e).fontFamily") != ""
    # no external resources on any page
    assert all(u.startswith(server.url) for u in page.evaluate(
        "Array.from(document.querySelectorAll('[src],[href]')).map(e => e.src || e.href).filter(u => u.startsWith('http'))"))
