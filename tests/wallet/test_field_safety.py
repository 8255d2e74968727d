"""Issue 17 item 3, the wallet offscreen: "Remove from wallet" deleted a card on one tap with no way back, and Esc
(Android: Back) quit the app from any screen. Now removing asks, and a removed card can be put back (right away with
"Undo", later from Settings) until it is purged after RESTORE_DAYS; Esc closes a dialog, goes back a screen, and on
the first screen asks before leaving."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


def esc() -> bool:
    """Press Esc (Android's Back arrives as the same key 27)."""
    from kivy.core.window import Window

    return bool(Window.dispatch("on_keyboard", 27, 41, None, []))


class TestRemoveAndBack(KivyTestCase):
    def test_remove_asks_can_be_undone_and_restored_and_esc_never_quits(self):
        from kivy.core.window import Window

        from trust_list.demo import build_demo_ecosystem
        from uikit.dialogs import ConfirmDialog
        from wallet.core import RESTORE_DAYS
        from wallet.demo import issue_demo_card
        from wallet.storage import KdfParams
        from wallet.ui.app import CardTile, WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-remove-"))
        clock = [time.time()]
        eco = build_demo_ecosystem(tmp / "eco", int(clock[0]))
        ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10), clock=lambda: clock[0])
        ctl.create("123456", "123456")
        card = issue_demo_card(eco, ctl.wallet, "ehic", int(clock[0]))
        app = WalletApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        try:
            def tiles():
                return [w for w in app.screen("cards").ids.list.children if isinstance(w, CardTile)]

            def open_detail_and_tap_remove() -> ConfirmDialog:
                app.show_card(card.id)
                body = app.screen("detail").ids.body
                remove = [w for w in body.children if getattr(w, "text", "") == "Remove from wallet"][0]
                self.advance_frames(2)
                body.parent.scroll_to(remove, animate=False)  # at the end of the card's details
                self.tap(remove)
                assert isinstance(app.dialog, ConfirmDialog), "removing must ask first"
                return app.dialog

            app.show("cards")
            assert len(tiles()) == 1

            # one tap no longer removes: it asks, in plain words, and "Keep it" keeps it
            dialog = open_detail_and_tap_remove()
            assert dialog.title == "Remove this document?"
            assert "put it back from Settings" in dialog.text and f"{RESTORE_DAYS} days" in dialog.text
            assert "Udbetaling Danmark" in dialog.text
            self.tap(dialog.no_button)
            assert app.dialog is None and [c.id for c in ctl.wallet.cards()] == [card.id]
            assert app.current == "detail"

            # Esc closes the question (it is a "no"), then goes back a screen
            open_detail_and_tap_remove()
            assert esc() and app.dialog is None and app.current == "detail"
            assert [c.id for c in ctl.wallet.cards()] == [card.id]
            assert esc() and app.current == "cards"

            # "Remove": gone from the list, an "Undo" right there puts it back
            dialog = open_detail_and_tap_remove()
            self.tap(dialog.yes_button)
            cards = app.screen("cards")
            assert app.current == "cards" and tiles() == [] and ctl.wallet.cards() == []
            assert cards.removed_text == "\"European Health Insurance Card\" was removed."
            self.tap(cards.ids.undo)
            assert [c.id for c in ctl.wallet.cards()] == [card.id] and len(tiles()) == 1
            assert cards.ids.undo_bar.height == 0

            # removed again; later, from Settings, "Put back" (in Danish too)
            dialog = open_detail_and_tap_remove()
            self.tap(dialog.yes_button)
            app.show("settings")
            settings = app.screen("settings")
            rows = [w.text for w in settings.ids.removed.children if hasattr(w, "text")]
            assert any("European Health Insurance Card, removed" in t for t in rows), rows
            app.set_language("da")
            put_back = [w for w in settings.ids.removed.children if getattr(w, "text", "") == "Læg tilbage"]
            self.tap(put_back[0])
            assert [c.id for c in ctl.wallet.cards()] == [card.id]
            assert [getattr(w, "text", "") for w in settings.ids.removed.children][0].startswith("Ingen.")
            app.set_language("en")

            # a removed card is purged after RESTORE_DAYS, not before
            ctl.remove_card(card.id)
            clock[0] += (RESTORE_DAYS - 1) * 86400
            assert [c.id for c, _ in ctl.wallet.removed_cards()] == [card.id]
            clock[0] += 2 * 86400
            assert ctl.wallet.removed_cards() == []
            try:
                ctl.restore_card(card.id)
                raise AssertionError("a purged card came back")
            except KeyError:
                pass

            # Esc on the first screen asks before leaving; "Stay" stays
            app.show("cards")
            app.show("history")
            assert esc() and app.current == "cards" and app.dialog is None
            assert esc() and isinstance(app.dialog, ConfirmDialog)
            assert app.dialog.title == "Leave the app?" and app.dialog.on_yes_action == app.stop
            self.tap(app.dialog.no_button)
            assert app.dialog is None and app.current == "cards"
        finally:
            if app.dialog is not None:
                app.dialog.dismiss()
            Window.remove_widget(app.root)


class TestInspectorBack(KivyTestCase):
    def test_esc_goes_back_to_home_and_asks_there(self):
        _tmp, _eco, _ctl, app = self.inspector("esspass-inspector-back-")
        try:
            app.start("a1-inspection")
            app.show("scan")
            assert esc() and app.current == "request"  # from the scan back to the code the holder scans
            assert esc() and app.current == "home"
            app.show("log")
            assert esc() and app.current == "home"
            assert esc() and app.dialog is not None and app.dialog.title == "Leave the app?"
            assert esc() and app.dialog is None and app.current == "home"  # Esc again: "no"
            app.set_language("da")
            assert esc() and app.dialog.title == "Forlad appen?"
            self.tap(app.dialog.no_button)
        finally:
            self.close(app)
