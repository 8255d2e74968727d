"""Issue 15 item 2: every Kivy screen of the inspector app and of the wallet, in every one of the ten languages, shows
no raw claim key, code value or reason code outside its details line.

The screens are walked through the apps' own screenshot runs (verifier/ui/screenshots.py, wallet/ui/screenshots.py:
the real apps offscreen with demo data), so a screen added there is covered here; at every shot the whole window
(dialogs included) is read with tests.rawcodes. A screen of an app that no run ever shows fails the test too: add a
shot for it to the app's screenshots module."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

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


def _walk(render_all, app_name: str) -> None:
    from kivy.core.window import Window

    from tests.rawcodes import find_raw, kivy_texts

    problems: list[str] = []
    seen: set[str] = set()
    names: set[str] = set()
    shots: list[tuple[str, str]] = []

    def check(name: str, lang: str, app: Any) -> None:
        seen.add(app.sm.current)
        names.update(app.sm.screen_names)
        shots.append((name, lang))
        texts = kivy_texts(Window, f"{app_name}/{name}-{lang}")
        assert texts, f"{app_name}/{name}-{lang}: nothing read off the window"
        problems.extend(map(str, find_raw(texts, claims=_claims_shown(app))))

    out = Path(tempfile.mkdtemp(prefix=f"esspass-{app_name}-raw-"))
    render_all(out, LANGS, check=check, images=False)
    assert {lang for _, lang in shots} == set(LANGS)
    assert not problems, f"{len(problems)} raw codes on {app_name} screens:\n" + "\n".join(problems[:80])
    assert names and names <= seen, f"{app_name} screens never shown by the screenshot run: {sorted(names - seen)}"


def test_inspector_screens_in_every_language():
    window_or_skip()
    from verifier.ui.screenshots import render_all

    _walk(render_all, "inspector")


def test_wallet_screens_in_every_language():
    window_or_skip()
    from wallet.ui.screenshots import render_all

    _walk(render_all, "wallet")
