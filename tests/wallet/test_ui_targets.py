"""Issue 15 item 7 for the wallet: every control a finger can use is at least 48 dp in both directions, on every
screen of the wallet's screenshot run (the real app offscreen with demo data), in the languages with the longest
words, and every screen's layout settles; a check box's words tick it too."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tests.kivy_support import KivyTestCase, window_or_skip  # first: headless Kivy

LONG_LANGS = ["en", "de", "pl", "fi", "ro"]  # English, and the languages whose words run longest


def small_targets(root: Any, where: str) -> list[str]:
    """The controls under ``root`` smaller than 48 dp: buttons (any ButtonBehavior: check boxes, tiles, spinners)
    and text fields that are shown and usable (not hidden with opacity 0, not disabled, not of zero size)."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.textinput import TextInput

    out = []
    tops = list(root.children) if not hasattr(root, "walk") else [root]  # the Window: its root and open dialogs
    for w in (w for top in tops for w in top.walk(restrict=False)):
        if not isinstance(w, (ButtonBehavior, TextInput)) or w.get_root_window() is None:
            continue
        if w.opacity == 0 or w.disabled or w.width < 1 or w.height < 1:
            continue
        if w.width < dp(48) - 0.5 or w.height < dp(48) - 0.5:
            text = getattr(w, "text", "")
            out.append(f"{where}: {type(w).__name__} {text if isinstance(text, str) else ''!r:.40} "
                       f"{w.width / dp(1):.0f}x{w.height / dp(1):.0f} dp")
    return out


def layout_moving(window: Any, where: str) -> list[str]:
    """Widgets whose size still changes two frames after the shot: a layout that never settles (a width made from
    a text wrapped to that width grows every frame and keeps a phone's CPU busy)."""
    from uikit import Screenshots

    def sizes() -> dict[Any, tuple[float, float]]:
        return {w: tuple(w.size) for top in list(window.children) for w in top.walk(restrict=False)}

    Screenshots.frames(2)
    before = sizes()
    Screenshots.frames(3)
    after = sizes()
    return [f"{where}: {type(w).__name__} {getattr(w, 'text', '')!r:.30} moves {before[w]} -> {size}"
            for w, size in after.items() if w in before and before[w] != size]


def test_every_wallet_control_is_at_least_48_dp():
    window_or_skip()
    from kivy.core.window import Window

    from wallet.ui.screenshots import render_all

    problems: list[str] = []
    shots: list[str] = []

    def check(name: str, lang: str, app: Any) -> None:
        shots.append(name)
        problems.extend(small_targets(Window, f"{name}-{lang}"))
        problems.extend(layout_moving(Window, f"{name}-{lang}"))

    render_all(Path(tempfile.mkdtemp(prefix="esspass-wallet-targets-")), LONG_LANGS, check=check, images=False)
    assert len(shots) >= 20 * len(LONG_LANGS)
    assert not problems, f"{len(problems)} controls under 48 dp or still moving:\n" + "\n".join(sorted(set(problems))[:60])


class TestCheckRow(KivyTestCase):
    def test_a_small_box_is_found_and_the_words_tick_the_box(self):
        from kivy.core.window import Window
        from kivy.factory import Factory
        from kivy.metrics import dp
        from kivy.uix.boxlayout import BoxLayout

        from wallet.ui.app import check_row

        page = BoxLayout(orientation="vertical", padding=dp(16))
        small = Factory.CheckBox(size_hint=(None, None), size=(dp(44), dp(44)))  # the old size: must be found
        ticked: list[bool] = []
        row, box = check_row("Also share the extra data (not recommended)", (0, 0, 0, 1), ticked.append)
        page.add_widget(small)
        page.add_widget(row)
        page.add_widget(BoxLayout())
        Window.add_widget(page)
        try:
            self.advance_frames(3)
            found = small_targets(page, "page")
            assert len(found) == 1 and "CheckBox" in found[0] and "44x44" in found[0], found
            assert box.width >= dp(48) and row.height >= dp(48)
            self.tap(row.check_label)
            assert box.active and ticked == [True]
            self.tap(row.check_label)
            assert not box.active and ticked == [True, False]
            box.disabled = True
            self.tap(row.check_label)
            assert not box.active  # a disabled box stays as it is
        finally:
            Window.remove_widget(page)
