"""The Kivy app gets documents by logging in at the institution (issue 13): wallet-initiated (institution from the
trust list, then A1 or EHIC) and from an offer with only the ``authorization_code`` grant. Real issuer in demo mode
on loopback (PAR, PKCE S256, DPoP, the embedded demo login), real Chromium (Playwright, /usr/bin/chromium) as the
system browser, the loopback redirect of RFC 8252 §7.3 back into the app, the app offscreen."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from tests.kivy_support import KivyTestCase, skip_or_fail  # first: sets up headless Kivy

from .servers import ServerThread, free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def chromium_login(personal_number: str, seen: dict):
    """The system browser: opens the authorization URL, picks the demo citizen, follows the redirect to the app."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")

    def opener(url: str) -> bool:
        def run() -> None:
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                    page = browser.new_page()
                    page.goto(url)
                    seen["label"] = page.inner_text("#demo-label")
                    page.click(f'form:has(input[name="personal_number"][value="{personal_number}"]) button')
                    page.wait_for_url(lambda u: urlsplit(u).path == "/callback", timeout=60_000)
                    seen["landed"], seen["page"] = page.url, page.inner_text("body")
                    browser.close()
            except Exception as exc:  # noqa: BLE001 - reported by the test
                seen["error"] = repr(exc)[:300] + " at " + (page.url if "page" in locals() else "-")

        seen["opened"] = url
        seen["browser"] = threading.Thread(target=run, daemon=True)
        seen["browser"].start()
        return True

    return opener


def auth_code_only(offer_uri: str) -> str:
    """The issuer's offer (by value) with only its authorization_code grant, as an issuer without pre-authorized
    codes sends it."""
    offer = json.loads(parse_qs(urlsplit(offer_uri).query)["credential_offer"][0])
    offer["grants"] = {"authorization_code": offer["grants"]["authorization_code"]}
    return "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer), safe="")


class TestGetDocumentFromInstitution(KivyTestCase):
    def test_log_in_in_chromium_and_the_document_arrives_in_the_app(self):
        from kivy.core.window import Window

        from credential.types import sample_claims
        from issuer.api import create_app
        from issuer.service import IssuerService
        from issuer.settings import Settings
        from wallet.storage import KdfParams
        from wallet.ui.app import CardTile, WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-getdoc-"))
        port = free_port()
        settings = Settings(home=tmp / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000,
                            demo_login=True)
        service = IssuerService(settings)
        server = ServerThread(create_app(settings, service), port).start()
        try:
            a1 = sample_claims("pda1")
            service.create_case("pda1", a1, "test", with_tx_code=False)
            ctl = WalletController(tmp / "wallet", tmp / "home" / "ecosystem", kdf=KdfParams(n=2**10))
            ctl.create("123456", "123456")
            app = WalletApp(ctl, sync=True)
            app._run_prepare()
            self.advance_frames(2)
            app.document_login.port = free_port()

            # wallet-initiated: Add -> scan -> "Get a document from an institution"
            app.show("cards")
            self.tap(app.screen("cards").ids.add)
            self.tap(app.screen("scan").ids.get_document)
            assert app.current == "get_document"
            screen = app.screen("get_document")
            assert screen.ids.action.disabled  # nothing chosen yet: the login button is off
            names = [b.text for b in screen.ids.institutions.children]
            assert names == ["Udbetaling Danmark"], names  # the demo issuer running here, from the trust list
            self.tap(screen.ids.institutions.children[0])
            docs = {b.text: b for b in screen.ids.documents.children}
            assert len(docs) == 2, list(docs)
            self.tap(next(b for t, b in docs.items() if "A1" in t))
            assert screen.vct == "urn:eudi:pda1:1" and not screen.ids.action.disabled
            seen: dict = {}
            app.document_login.opener = chromium_login(a1["personal_administrative_number"], seen)
            self.tap(screen.ids.action)
            # the app is done when the redirect reaches it; the browser's thread may still be reading the page it
            # landed on (seen in CI): wait for it before reading what it saw
            seen["browser"].join(60)
            assert "error" not in seen, seen
            assert app.current == "result" and app.screen("result").ok, (app.screen("result").text, seen)
            assert "DEMO" in seen["label"] and "You are logged in" in seen["page"]
            landed = urlsplit(seen["landed"])
            assert landed.hostname == "127.0.0.1" and landed.path == "/callback" and "code=" in landed.query
            assert urlsplit(seen["opened"]).path == "/authorize" and "request_uri=" in seen["opened"]  # PAR first
            self.tap(app.screen("result").ids.done)
            tiles = [w for w in app.screen("cards").ids.list.children if isinstance(w, CardTile)]
            assert len(tiles) == 1 and "Kowalski" in tiles[0].holder, [t.holder for t in tiles]
            [card] = ctl.wallet.cards()
            assert card.vct == "urn:eudi:pda1:1" and card.copies_left >= 2
            assert [(e.kind, e.outcome) for e in ctl.wallet.history()] == [("issuance", "received")]

            # an offer with only the authorization_code grant, pasted on the scan screen, in German
            app.set_language("de")
            ehic = sample_claims("ehic")
            view = service.create_case("ehic", ehic, "test", with_tx_code=True)
            app.show("scan")
            app.screen("scan").ids.link.text = auth_code_only(view.offer_uri_by_value)
            self.tap(app.screen("scan").ids.go)
            assert app.current == "get_document" and screen.offer_uri
            assert screen.ids.hint.text.startswith("Für dieses Angebot müssen Sie sich zuerst")
            assert screen.ids.action.text == "Bei der Behörde anmelden"
            seen = {}
            app.document_login.opener = chromium_login(ehic["personal_administrative_number"], seen)
            self.tap(screen.ids.action)
            seen["browser"].join(60)
            assert app.current == "result" and app.screen("result").ok, (app.screen("result").text, seen)
            assert "Sie sind angemeldet" in seen["page"], seen
            assert sorted(c.vct for c in ctl.wallet.cards()) == ["urn:eudi:ehic:1", "urn:eudi:pda1:1"]

            # the browser never comes back: the app stops waiting and says so, nothing is stored
            app.set_language("en")
            app.document_login.opener = lambda url: True
            app.document_login.timeout = 0.5
            app.show_get_document()
            self.tap(screen.ids.institutions.children[0])
            self.tap(next(b for b in screen.ids.documents.children if "A1" in b.text))
            self.tap(screen.ids.action)
            result = app.screen("result")
            assert app.current == "result" and not result.ok and result.code == "wallet.login_timeout"
            assert "did not come back" in result.text and len(ctl.wallet.cards()) == 2
            assert ctl.wallet.history()[-1].reason == "wallet.login_timeout"
            self.close(app)
        finally:
            server.stop()
            service.close()
