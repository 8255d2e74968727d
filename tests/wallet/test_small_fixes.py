"""Issue 17 items 6 and 8 in the wallet offscreen: the unlock screen after a restart speaks the saved language and
has the language switch; the PIN wait counts down; a used or expired request says so (not "not a valid
presentation request") and its history entry is not titled with the raw ``x509_hash:…`` client id."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy



class TestUnlockAfterRestart(KivyTestCase):
    def test_saved_language_on_the_unlock_screen_and_the_wait_counts_down(self):
        from kivy.core.window import Window

        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-unlock-"))
        clock = [time.time()]
        first = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10), clock=lambda: clock[0])
        first.create("123456", "123456")
        first.set_language("da")
        first.lock()

        # a restart: a new controller and app on the same wallet, before any PIN
        ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10), clock=lambda: clock[0])
        app = WalletApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        try:
            unlock = app.screen("unlock")
            assert app.current == "unlock" and app.lang == "da"
            texts = [getattr(w, "text", "") for w in unlock.walk()]
            assert "Indtast din pinkode" in texts and "English" in texts and "Dansk" in texts
            self.tap(unlock.ids.en)
            assert "Enter your PIN" in [getattr(w, "text", "") for w in unlock.walk()]
            assert WalletController(tmp / "wallet", tmp / "eco").lang == "en"  # remembered for the next start

            # wrong PINs until a wait starts: the wait counts down and then says "try again now"
            for _ in range(4):
                unlock.ids.pin.text = "000000"
                self.tap(unlock.ids.unlock)
            assert "30 seconds" in unlock.ids.error.text, unlock.ids.error.text
            clock[0] += 12
            unlock.tick()
            assert "18 seconds" in unlock.ids.error.text, unlock.ids.error.text
            clock[0] += 20
            unlock.tick()
            assert unlock.ids.error.text.endswith("You can try again now."), unlock.ids.error.text
            assert unlock._ticking is None
            unlock.ids.pin.text = "123456"
            self.tap(unlock.ids.unlock)
            assert app.current == "cards"
        finally:
            Window.remove_widget(app.root)


class TestUsedRequest(KivyTestCase):
    def test_a_used_request_says_so_and_its_history_names_the_site(self):
        from wallet.ui.app import HistoryRow

        _tmp, services, ctl, app, stop = self.wallet_with_services("esspass-used-")
        try:
            url, tid = services.request("ehic-care")
            q = parse_qs(urlsplit(url).query)
            gone = url.replace(quote(q["request_uri"][0], safe=""), quote(q["request_uri"][0] + "-gone", safe=""))
            assert gone != url
            app.show("scan")
            app.screen("scan").ids.link.text = gone
            self.tap(app.screen("scan").ids.go)
            result = app.screen("result")
            assert app.current == "result" and result.code == "wallet.request_gone"
            assert result.text == "This request has already been answered or has expired. Ask for a new QR code."
            app.show("history")
            [row] = [w for w in app.screen("history").ids.list.children if isinstance(w, HistoryRow)]
            assert "x509_hash" not in row.title and row.title.endswith("· 127.0.0.1"), row.title
            assert row.title.startswith("Not shown (the request was used or expired)")
        finally:
            self.close(app)
            stop()
