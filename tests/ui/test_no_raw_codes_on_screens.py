"""Issue 15 items 2 and 7: every Kivy screen of the inspector app and of the wallet, in every one of the ten languages,
shows no raw claim key, code value or reason code outside its details line; and every control on it is at least
48 x 48 dp and carries words a person (and a screen reader, where Kivy gives it one) can take as its name.

The screens are walked through the apps' own screenshot runs (verifier/ui/screenshots.py, wallet/ui/screenshots.py:
the real apps offscreen with demo data), so a screen added there is covered here; at every shot the whole window
(dialogs included) is read with tests.rawcodes. A screen of an app that no run ever shows fails the test too: add a
shot for it to the app's screenshots module."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.kivy_support import window_or_skip  # first: headless Kivy

from credential.i18n import LANGS


def _claims_shown(app: Any) -> dict[str, Any]:
    """The claims of every credential the app holds or shows (their code values must appear only as words)."""
    out: dict[str, Any] = {}
    ctl = app.ctl
    decision = getattr(ctl, "decision", None)
    if decision is not None:
        out["decision"] = decision.claims or {}
    wallet = getattr(ctl, "wallet", None)
    if wallet is not None:
        try:
            out["cards"] = [c.claims for c in wallet.cards()]
        except Exception:  # noqa: BLE001 - locked or no wallet: no card shown
            pass
    return out


def _walk(render_all, app_name: str, lang: str) -> None:
    from kivy.core.window import Window

    from tests.rawcodes import find_raw, kivy_texts

    problems: list[str] = []
    controls: list[str] = []
    seen: set[str] = set()
    names: set[str] = set()
    shots: list[tuple[str, str]] = []

    def check(name: str, lang: str, app: Any) -> None:
        if not shots:
            _planted_codes_are_caught(Window, f"{app_name}/{name}-{lang}")
        seen.add(app.sm.current)
        names.update(app.sm.screen_names)
        shots.append((name, lang))
        texts = kivy_texts(Window, f"{app_name}/{name}-{lang}")
        assert texts, f"{app_name}/{name}-{lang}: nothing read off the window"
        problems.extend(map(str, find_raw(texts, claims=_claims_shown(app))))
        controls.extend(_control_problems(Window, f"{app_name}/{name}-{lang}"))

    out = Path(tempfile.mkdtemp(prefix=f"esspass-{app_name}-raw-"))
    render_all(out, [lang], check=check, images=False)
    assert shots and {shot_lang for _, shot_lang in shots} == {lang}
    assert not problems, f"{len(problems)} raw codes on {app_name} screens:\n" + "\n".join(problems[:80])
    assert names and names <= seen, f"{app_name} screens never shown by the screenshot run: {sorted(names - seen)}"
    assert not controls, f"{len(controls)} controls too small or without a name on {app_name} screens:\n" + \
        "\n".join(sorted(set(controls))[:80])


MIN_DP = 48  # Android's and WCAG 2.5.5's touch target


def _planted_codes_are_caught(window: Any, where: str) -> None:
    """Negative control on the real window of the run (its first shot): a label with a reason code, a claim key and
    an enumeration value, and a small unnamed button, planted on the screen shown, are all found; a label planted
    inside a details line is not. Then they are taken away again."""
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from tests.rawcodes import find_raw, kivy_texts

    root = window.children[-1]  # the app's root: a ScreenManager; plant on the screen shown
    screen = getattr(root, "current_screen", None) or root
    planted = Label(text="status.token_expired company_name VALID")
    tiny = BoxLayout(size_hint=(None, None), size=(30, 30))  # alone in its box: no words beside it either
    tiny.add_widget(Button(text="", size_hint=(None, None), size=(30, 30)))
    details = BoxLayout()
    details.details_line = True
    details.add_widget(Label(text="kb.nonce"))
    for w in (planted, tiny, details):
        screen.add_widget(w)
    try:
        tokens = {f.token for f in find_raw(kivy_texts(window, where))}
        assert {"status.token_expired", "company_name", "VALID"} <= tokens, tokens
        assert "kb.nonce" not in tokens, tokens
        found = [p for p in _control_problems(window, where) if p.startswith(f"{where}:Button ''")]
        assert any("no words name it" in p for p in found) and any(" dp" in p for p in found), found
    finally:
        for w in (planted, tiny, details):
            screen.remove_widget(w)


def _control_problems(root: Any, where: str) -> list[str]:
    """Visible controls (buttons, selectors, text fields, tappable tiles) smaller than 48 x 48 dp, or with no words
    to name them (their text, a field's hint, the labels inside a tile)."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    out: list[str] = []

    def name_of(w: Any) -> str:
        """Its own words (text, a field's hint, the labels inside a tile), else ``accessible_name``, else the words
        beside it in the same row or column (the label of a check box or of a PIN field)."""
        own = (w.hint_text or "") if isinstance(w, TextInput) else w.text if isinstance(w, Label) else " ".join(
            c.text for c in w.walk(restrict=True) if isinstance(c, Label) and c.text.strip())
        if own.strip():
            return own
        if getattr(w, "accessible_name", ""):
            return w.accessible_name
        parent = getattr(w, "parent", None)
        return " ".join(c.text for c in getattr(parent, "children", []) if isinstance(c, Label)
                        and not isinstance(c, ButtonBehavior) and c.text.strip() and c.opacity > 0)

    def visit(w: Any) -> None:
        if getattr(w, "opacity", 1) == 0:
            return
        if isinstance(w, (ButtonBehavior, TextInput)) and not getattr(w, "disabled", False):
            label = f"{where}:{type(w).__name__} {name_of(w)[:40]!r}"
            if w.height < dp(MIN_DP) - 0.5 or w.width < dp(MIN_DP) - 0.5:
                out.append(f"{label}: {w.width / dp(1):.0f} x {w.height / dp(1):.0f} dp")
            if not name_of(w).strip():
                out.append(f"{label}: no words name it")
        for child in list(getattr(w, "children", [])):
            visit(child)

    visit(root)
    return out


# one test per language: each a whole run of the app (a loaded machine stays within the per-test timeout)
@pytest.mark.parametrize("lang", LANGS)
def test_inspector_screens(lang):
    window_or_skip()
    from verifier.ui.screenshots import render_all

    _walk(render_all, "inspector", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_wallet_screens(lang):
    window_or_skip()
    from wallet.ui.screenshots import render_all

    _walk(render_all, "wallet", lang)
