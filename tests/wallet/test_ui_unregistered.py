"""The Kivy consent screen offscreen for a verifier on none of our lists (issue 13 item 4), against real verifiers
on 127.0.0.1: the warning first with who it claims to be and where the answer goes, Share disabled until the
explicit tick, the same-device redirect opened; the strict setting on the settings screen refuses; every
decision in the history."""

from __future__ import annotations

import pathlib
import tempfile
import time

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


class TestUnregisteredVerifierOnScreen(KivyTestCase):
    def test_warning_explicit_yes_redirect_decline_and_strict(self):
        from kivy.core.window import Window

        from tests.verifier.servers import free_port, serve_app
        from verifier.api import create_app
        from verifier.service import VerifierService
        from verifier.settings import VerifierSettings
        from wallet.issuance import receive
        from wallet.storage import KdfParams
        from wallet.trust import load_trust_store
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        from .servers import start_services
        from .test_same_device import _rogue_party

        Window.size = (412, 892)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="esspass-ui-unreg-"))
        services, stop = start_services(tmp / "home")
        port = free_port()
        rogue = VerifierService(VerifierSettings(home=services.home, verifier_url=f"http://127.0.0.1:{port}"))
        rogue.rp = _rogue_party()
        try:
            with serve_app(create_app(service=rogue), port) as rogue_url:
                ctl = WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10))
                opened: list[str] = []
                ctl.open_url = opened.append  # the system browser, recorded
                ctl.create("123456", "123456")
                offer, code, _ = services.offer("ehic")
                receive(ctl.wallet, offer, load_trust_store(services.trust_dir, int(time.time())), tx_code=code)
                app = WalletApp(ctl, sync=True)
                app._run_prepare()
                self.advance_frames(2)
                scan, consent = app.screen("scan"), app.screen("consent")

                def open_link(link: str) -> None:
                    app.show("scan")
                    scan.ids.link.text = link
                    self.tap(scan.ids.go)

                def texts() -> list[str]:
                    return [w.text for w in consent.walk() if hasattr(w, "text") and isinstance(w.text, str)]

                # 1. the warning, who it claims to be, where the answer goes; Share disabled without the tick
                t, link = rogue.create_transaction("ehic-care", same_device=True)
                open_link(link)
                assert app.current == "consent", ctl.last_message
                shown = "\n".join(texts())
                assert "Warning: not a registered verifier" in shown
                assert "rogue.example" in shown and "Rogue Ltd" in shown  # its certificate's subject
                assert "Your answer would go to: 127.0.0.1" in shown
                assert "Registered and verified" not in shown  # never said of it
                assert "Totally Official Agency" not in shown  # its self-written registration is not believed
                assert consent.ids.share.disabled
                consent.share()  # even if called, nothing is sent without the tick
                self.advance_frames(2)
                assert app.current == "consent" and rogue.transaction_view(t.id)["attempts"] == []
                self.tap(consent.unregistered_checkbox)
                assert consent.agree_unregistered and not consent.ids.share.disabled
                self.tap(consent.ids.share)
                assert app.current == "result" and app.screen("result").ok, app.screen("result").text
                assert len(opened) == 1 and opened[0].startswith(f"{rogue_url}/console/back/{t.id}#response_code=")
                assert "127.0.0.1" in app.screen("result").text  # "the verifier's page opens in your browser"
                assert rogue.transaction_view(t.id)["status"] == "awaiting_redirect"
                event = ctl.wallet.history()[-1]
                assert (event.outcome, event.unregistered) == ("shared", True) and event.claims

                # 2. declined, in German: the warning in that language
                app.set_language("de")
                _, link = rogue.create_transaction("ehic-care")
                open_link(link)
                assert "Achtung: keine registrierte prüfende Stelle" in "\n".join(texts())
                self.tap(consent.ids.decline)
                event = ctl.wallet.history()[-1]
                assert (event.outcome, event.unregistered) == ("declined", True)
                app.set_language("en")
                # the history says it on each such line, shared or declined
                rows = ctl.history_rows()
                assert "not on the lists of registered verifiers" in rows[0]["reason"]  # declined
                assert "not on the lists of registered verifiers" in rows[1]["reason"]  # shared
                assert rows[0]["reason"].count("not on the lists") == 1

                # 3. strict, set on the settings screen: refused outright, no consent screen
                app.show("settings")
                settings = app.screen("settings")
                assert not settings.ids.strict.active
                self.tap(settings.ids.strict)
                assert ctl.wallet.settings()["strict_verifiers"] is True
                _, link = rogue.create_transaction("ehic-care")
                open_link(link)
                assert app.current == "result" and not app.screen("result").ok
                event = ctl.wallet.history()[-1]
                assert (event.outcome, event.reason, event.unregistered) == ("refused", "rp.signature", True)
                # a registered verifier is not affected by strict, and its same-device redirect is opened too
                t2, link = services.verifier.create_transaction("ehic-care", same_device=True)
                open_link(link)
                assert app.current == "consent" and not consent.unregistered
                assert "Warning: not a registered verifier" not in "\n".join(texts())
                self.tap(consent.ids.share)
                assert app.screen("result").ok and opened[-1].startswith(f"{services.verifier_url}/console/back/{t2.id}#")
                Window.remove_widget(app.root)
        finally:
            stop()
