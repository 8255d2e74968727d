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
    # the code lists are drop-downs in words, the code only as the value; dates are date inputs; required marks
    status = page.locator("[id='f-status_confirmation']")
    assert status.input_value() == "01" and "udsendt" in status.locator("option:checked").inner_text().lower()
    assert "883/2004" in status.locator("option:checked").inner_text()
    assert page.locator("[id='f-employer.0.type'] option:checked").inner_text() == "lønmodtager"
    assert page.locator("[id='f-legislation_country'] option:checked").inner_text() == "Danmark"
    assert page.get_attribute("[id='f-subject.date_of_birth']", "type") == "date"
    assert page.locator("label[for='f-subject.familynames'] .req").count() == 1
    assert page.locator("label[for='f-transitional_rules'] .req").count() == 0
    assert page.locator("fieldset legend").count() >= 6  # sections
    # one invalid field first: the period ends before it starts (checked by the server)
    page.fill("[id='f-ending_date']", "2025-01-01")
    page.click("#create")
    errors = page.locator(".field-error")
    assert errors.count() >= 1 and errors.first.inner_text()
    assert page.locator("#form-errors").is_visible()
    assert page.locator("html").get_attribute("lang") == "da"
    page.fill("[id='f-ending_date']", "2027-08-31")
    page.click("#create")
    page.wait_for_url(re.compile(r".*/backoffice/cases/[^/]+$"))
    assert page.locator("#offer-qr svg").count() == 1
    tx = page.locator("#tx-code").inner_text()
    assert re.fullmatch(r"\d{6}", tx)
    offer_uri = page.locator("#offer-uri").text_content()
    assert offer_uri.startswith("openid-credential-offer://")
    # the citizen's wallet redeems the offer
    from .wallet_client import Wallet

    assert page.get_attribute("#offer-state", "data-collected") == "no"
    creds, keys = Wallet().receive(offer_uri, tx)
    page.reload()
    assert page.get_attribute("#offer-state", "data-collected") == "yes"  # the officer sees it was collected
    assert page.locator(".cred-status").first.get_attribute("data-status") == "VALID"
    assert page.locator(".cred-status").first.inner_text() == "Gyldig"  # in words, in the page's language
    # an officer may not revoke; an admin may
    assert page.locator("#do-revoke").count() == 0
    page.fill("#reason-suspend", "under dispute")
    page.click("#do-suspend")
    assert page.locator(".cred-status").first.get_attribute("data-status") == "SUSPENDED"
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
    case_url = page.url
    # holder-name search: any order of the words, any case
    page.goto(f"{server.url}/backoffice/?q=kowalski+tomasz")
    assert page.locator("#cases tbody tr").count() == 1
    page.goto(f"{server.url}/backoffice/?q=Nowak")
    assert page.locator("#cases").count() == 0 and page.locator("#no-cases").is_visible()
    page.goto(case_url)
    page.fill("#reason-revoke", "determination annulled")
    page.click("#do-revoke")
    # revoking is permanent: a confirmation page first; cancelling changes nothing
    assert page.locator("#confirm-revoke").is_visible()
    page.click("#cancel-revoke")
    assert page.locator(".cred-status").first.get_attribute("data-status") == "SUSPENDED"
    page.fill("#reason-revoke", "determination annulled")
    page.click("#do-revoke")
    assert page.input_value("#reason-confirm") == "determination annulled"
    page.click("#confirm-revoke")
    assert page.locator(".cred-status").first.get_attribute("data-status") == "INVALID"
    # times in local time with the zone's name, never a bare ISO/UTC stamp
    shown = page.locator("time[data-local]").first.inner_text()
    assert re.search(r"\d{2}[:.]\d{2}", shown) and re.search(r"[A-Z]{2,}|GMT|UTC|[+-]\d", shown), shown
    page.goto(f"{server.url}/backoffice/audit")
    text = page.locator("table").inner_text()
    assert "credential.revoke" in text and "boss" in text and "case.create" in text
    assert "Kowalski" not in text  # no personal data in the audit log
    assert not refused, refused  # every page works under the CSP
    assert page.eval_on_selector("body", "e => getComputedStyle(e).fontFamily") != ""
    # no external resources on any page
    assert all(u.startswith(server.url) for u in page.evaluate(
        "Array.from(document.querySelectorAll('[src],[href]')).map(e => e.src || e.href).filter(u => u.startsWith('http'))"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_admin_manages_users_in_the_back_office(server, browser):
    """Issue 15 item 5: create a user, change the role, disable and enable in the UI; a disabled user cannot log in and
    loses their session at once; an officer cannot reach the page; nobody disables themselves."""
    server.service.add_user("boss", "staple battery horse", "admin")
    admin, other = browser.new_page(), browser.new_page()

    def login(page, user, password):
        page.goto(f"{server.url}/backoffice/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("#login")

    login(admin, "boss", "staple battery horse")
    admin.goto(f"{server.url}/backoffice/users")
    admin.fill("#new-username", "clerk")
    admin.fill("#new-password", "aaaaaaaaaaaaaaaaaa")  # long enough for the browser, refused by the server
    admin.click("#create-user")
    assert admin.locator("#user-error").is_visible()  # the password rule, in words
    admin.fill("#new-username", "clerk")
    admin.fill("#new-password", "lantern pebble orchard")
    admin.select_option("#new-role", "officer")
    admin.click("#create-user")
    assert "clerk" in admin.inner_text("#user-done")
    login(other, "clerk", "lantern pebble orchard")
    other.goto(f"{server.url}/backoffice/users")
    assert other.locator("#users").count() == 0  # officers do not manage users
    other.goto(f"{server.url}/backoffice/")
    assert other.locator("#q").count() == 1
    admin.goto(f"{server.url}/backoffice/users")
    assert admin.locator("#disable-boss").count() == 0  # not oneself
    admin.click("#disable-clerk")
    assert admin.locator("tr[data-user=clerk] .s-suspended").count() == 1
    other.goto(f"{server.url}/backoffice/")
    assert other.url.endswith("/backoffice/login")  # the session ended at once
    login(other, "clerk", "lantern pebble orchard")
    assert other.url.endswith("/backoffice/login")  # and the user cannot log in
    admin.click("#enable-clerk")
    admin.click("#role-clerk")
    assert server.service.users()[[u["username"] for u in server.service.users()].index("clerk")]["role"] == "admin"
    login(other, "clerk", "lantern pebble orchard")
    assert other.url.endswith("/backoffice/")
    # the last enabled admin cannot be disabled (through the service: the page never offers disabling oneself)
    server.service.set_disabled("clerk", True)
    server.service.set_disabled("admin", True)  # the first admin the service made at start-up
    with pytest.raises(ValueError):
        server.service.set_disabled("boss", True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_data_link_only_in_demo_mode(server, browser, monkeypatch):
    server.service.add_user("officer1", "correct horse battery", "officer")
    page = browser.new_page()
    page.goto(f"{server.url}/backoffice/login")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login")
    page.goto(f"{server.url}/backoffice/cases/new/pda1")
    assert page.locator("#demo-fill").count() == 1  # this test server runs on the demo keys
    monkeypatch.setattr(type(server.settings), "configured", property(lambda self: True))
    from issuer.api import create_app
    from .conftest import ServerThread
    from tests.support import free_port

    port = free_port()
    with ServerThread(create_app(server.settings, server.service), port):
        page.goto(f"http://127.0.0.1:{port}/backoffice/login")
        page.fill("input[name=username]", "officer1")
        page.fill("input[name=password]", "correct horse battery")
        page.click("#login")
        page.goto(f"http://127.0.0.1:{port}/backoffice/cases/new/pda1?demo=1")
        assert page.locator("#demo-fill").count() == 0
        assert page.input_value("[id='f-subject.familynames']") == ""  # ?demo=1 fills nothing in production
