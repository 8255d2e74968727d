"""The wallet's look where the reviewer found faults, measured on the offscreen window: large text keeps the cards
screen's two buttons equal and aligned, the bottom bar's labels grow with the text size but stay inside their
buttons and off the screen edge, the back control is labelled, onboarding puts the language first and labels both
PIN fields alike. Skips when Kivy cannot open a window, unless ESSPASS_REQUIRE_ALL=1."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


class TestWalletLayout(KivyTestCase):
    def test_large_text_buttons_bottom_bar_back_and_onboarding(self):
        from kivy.core.window import Window
        from kivy.metrics import dp, sp

        from trust_list.demo import build_demo_ecosystem
        from wallet.demo import issue_demo_card
        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-ui-layout-"))
        now = int(time.time())
        eco = build_demo_ecosystem(tmp / "eco", now)
        fresh = WalletController(tmp / "fresh", tmp / "eco", kdf=KdfParams(n=2**10))
        app = WalletApp(fresh, sync=True)
        app._run_prepare()
        self.advance_frames(3)
        try:
            # onboarding: the language first, then the two PIN fields under labels of one style
            onb = app.screen("onboarding")
            assert app.current == "onboarding"
            heading = [w for w in onb.walk() if getattr(w, "text", "") == "Welcome"][0]
            assert onb.ids.languages.y > heading.y  # above the welcome text
            a, b = onb.ids.pin_label, onb.ids.pin2_label
            assert type(a) is type(b) and (a.font_size, a.bold, tuple(a.color)) == (b.font_size, b.bold,
                                                                                   tuple(b.color))
            self.tap(onb.ids.da)
            assert app.lang == "da" and heading.text == "Velkommen"
            self.tap(onb.ids.en)

            ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10))
            ctl.create("123456", "123456")
            card = issue_demo_card(eco, ctl.wallet, "pda1", now)
            app.ctl = ctl
            app.show("cards")
            self.advance_frames(4)
            cards = app.screen("cards")
            nav = [w for w in cards.walk() if type(w).__name__ == "NavBar"][0]
            buttons = [w for w in nav.children if getattr(w, "target", "")]
            normal = nav.label_size
            assert normal == sp(14)

            for lang in ("en", "da"):
                app.set_language(lang)
                app.set_font_scale(1.6)
                app.show("cards")
                self.advance_frames(4)
                add, show = cards.ids.add, cards.ids.show
                if lang == "da":  # "Tilføj dokument" wraps at this size, "Vis til nogen" does not
                    assert add.texture_size[1] > show.texture_size[1]
                assert add.height == show.height and add.y == show.y and add.top == show.top
                assert add.texture_size[1] <= add.height and show.texture_size[1] <= show.height
                # the bottom bar: larger than at 100 % where it fits, never over a button's or the screen's edge
                if lang == "en":
                    assert nav.label_size > normal
                for button in buttons:
                    assert button.font_size == nav.label_size
                    assert button.texture_size[0] <= button.width - dp(8), (button.text, button.texture_size)
                left = min(buttons, key=lambda w: w.x)
                right = max(buttons, key=lambda w: w.x)
                assert left.center_x - left.texture_size[0] / 2 >= dp(6)
                assert right.center_x + right.texture_size[0] / 2 <= Window.width - dp(6)
                assert nav.height >= nav.label_size + dp(30)

                # the back control says what it does
                app.show_card(card.id)
                self.advance_frames(2)
                back = [w for w in app.screen("detail").walk() if "‹" in getattr(w, "text", "")]
                assert [w.text for w in back] == ["‹  " + ("Back" if lang == "en" else "Tilbage")]
                assert back[0].width >= back[0].texture_size[0] + dp(20) and not back[0].disabled
                self.tap(back[0])
                assert app.current == "cards"
                app.set_font_scale(1.0)
        finally:
            Window.remove_widget(app.root)
