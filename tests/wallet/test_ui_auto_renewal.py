"""Issue 15, item 4: "refreshed automatically when online". The real Kivy app (offscreen, background work on, as on
a phone) with the real issuer and verifier on loopback: a card down to its last copy gets a new batch after the
person unlocks, without tapping anything; a card the issuer refuses (phone reported lost) is not renewed and says
whom to ask."""

from __future__ import annotations

import time
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


class TestAutomaticRenewal(KivyTestCase):
    def _wait(self, cond, seconds: float = 60.0) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if cond():
                return True
            self.advance_frames(1)
            time.sleep(0.05)
        return cond()

    def test_last_copy_renewed_after_unlock_and_refused_after_device_lost(self):
        import httpx
        from kivy.core.window import Window

        from tests.wallet.servers import start_services
        from wallet.issuance import DEFAULT_COPIES, receive
        from wallet.presentation import fetch_request, plan, respond
        from wallet.storage import KdfParams
        from wallet.trust import load_trust_store
        from wallet.ui.app import CardTile, WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(__import__("tempfile").mkdtemp(prefix="esspass-renew-"))
        services, stop = start_services(tmp / "home")
        try:
            ctl = WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10))
            ctl.create("123456", "123456")
            store = load_trust_store(services.trust_dir, int(time.time()))
            offer, code, view = services.offer("ehic")
            card = receive(ctl.wallet, offer, store, tx_code=code, copies=2).cards[0]
            url, tid = services.request("ehic-care")
            with httpx.Client() as c:
                respond(ctl.wallet, plan(ctl.wallet, fetch_request(url, store, ctl.wallet.now(), c, demo=True)),
                        client=c)
            assert services.verifier.transaction_view(tid)["decision"]["result"] == "PASSED"
            assert ctl.wallet.card(card.id).copies_left == 1

            app = WalletApp(ctl, sync=False)  # background work as on a phone
            app._run_prepare()
            self.advance_frames(3)
            app.lock()
            unlock = app.screen("unlock")
            unlock.ids.pin.text = "123456"
            self.tap(unlock.ids.unlock)
            assert app.current == "cards"
            n = 1 + DEFAULT_COPIES
            # the card is saved before the history line is written (both by the background thread): wait for both
            assert self._wait(lambda: ctl.wallet.card(card.id).copies_left == n
                              and ctl.wallet.history()[-1].outcome == "renewed"), \
                (ctl.wallet.card(card.id).copies_left, ctl.wallet.history()[-1].outcome)
            assert self._wait(lambda: any(f"{n} more times" in t.copies for t in app.screen("cards").ids.list.children
                                          if isinstance(t, CardTile)))

            # the holder reports the phone lost at the institution: the next renewal is refused, the card says so
            services.issuer.device_lost(view.public_id, actor="test", reason="lost")
            while ctl.wallet.card(card.id).copies_left > 1:
                c = ctl.wallet.card(card.id)
                ctl.wallet.take_copy(card.id, "online" if c.copies_left_for("online") else "offline")
            app.lock()
            unlock = app.screen("unlock")
            unlock.ids.pin.text = "123456"
            self.tap(unlock.ids.unlock)
            assert self._wait(lambda: (ctl.wallet.card(card.id).renewal or {}).get("refused") is True)
            assert ctl.wallet.card(card.id).copies_left == 1
            app.show_card(card.id)
            detail = "\n".join(w.text for w in app.screen("detail").walk() if hasattr(w, "text")
                               and isinstance(w.text, str))
            assert "new offer" in detail, detail
            Window.remove_widget(app.root)
        finally:
            stop()
