"""Issue 17 item 5, the wallet offscreen against the real issuer: a wrong transaction code used to be a dead end —
the pasted link was cleared, the tries left were not shown (the issuer burns the offer after the fifth), and the
history blamed the wallet ("refused by the wallet") for what the issuer refused."""

from __future__ import annotations


from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy



def _wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


class TestTransactionCode(KivyTestCase):
    def test_wrong_code_keeps_the_link_says_tries_left_and_history_names_the_issuer(self):
        from wallet.ui.app import HistoryRow

        _tmp, services, ctl, app, stop = self.wallet_with_services("esspass-txcode-")
        try:
            app.show("scan")
            scan = app.screen("scan")

            # an empty "Continue" says what to do, not "This QR code is not for the wallet" (item 8)
            self.tap(scan.ids.go)
            assert scan.ids.error.text == "Paste a link or scan a QR code first."
            offer, code, _ = services.offer("ehic")
            scan.ids.link.text = offer
            assert scan.ids.error.text == ""  # a new link clears the old error
            self.tap(scan.ids.go)
            assert scan.needs_code and scan.ids.code_label.text == f"Code from your letter or SMS ({len(code)} digits)"

            # too short: said before it costs one of the issuer's tries
            scan.ids.tx_code.text = code[:-1]
            self.tap(scan.ids.go)
            assert scan.ids.error.text == f"The code has {len(code)} digits: check it against your letter or SMS."

            # wrong: the link stays, the tries left are shown
            scan.ids.tx_code.text = _wrong(code)
            self.tap(scan.ids.go)
            assert app.current == "scan" and scan.ids.link.text == offer and scan.needs_code
            assert scan.ids.error.text.startswith("The issuer did not accept the code")
            assert scan.ids.error.text.endswith("4 tries left."), scan.ids.error.text

            # right: received
            scan.ids.tx_code.text = code
            self.tap(scan.ids.go)
            assert app.current == "result" and app.screen("result").ok, app.screen("result").text
            assert scan.ids.link.text == "" and not scan.needs_code

            # the history: the issuer refused, by name; not "refused by the wallet"
            app.show("history")
            rows = [w for w in app.screen("history").ids.list.children if isinstance(w, HistoryRow)]
            refused = [r for r in rows if not r.ok]
            assert len(refused) == 1
            assert refused[0].title == "Not received (the issuer refused) · Udbetaling Danmark", refused[0].title
            assert refused[0].outcome == "refused by the issuer"
            app.set_language("da")
            refused = [w for w in app.screen("history").ids.list.children if isinstance(w, HistoryRow) and not w.ok]
            assert refused[0].outcome == "afvist af udstederen"

            # five wrong codes burn the offer: the last try is announced, then the offer is closed
            offer, code, _ = services.offer("ehic")
            app.show("scan")
            scan.ids.link.text = offer
            self.tap(scan.ids.go)
            for left in (4, 3, 2, 1):
                scan.ids.tx_code.text = _wrong(code)
                self.tap(scan.ids.go)
                assert app.current == "scan", left
            assert scan.ids.error.text.endswith("1 forsøg tilbage: derefter lukkes tilbuddet."), scan.ids.error.text
            scan.ids.tx_code.text = _wrong(code)
            self.tap(scan.ids.go)
            result = app.screen("result")
            assert app.current == "result" and not result.ok and result.code == "wallet.tx_code_used_up"
            assert "Bed institutionen om et nyt" in result.text
        finally:
            self.close(app)
            stop()
