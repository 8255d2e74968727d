"""What every Kivy test needs: headless Kivy, a window or a reason to skip, and taps.

Import this module before anything imports Kivy (it sets the environment: SDL's offscreen driver, no command-line
parsing by Kivy, a KIVY_HOME of the test run's own). Where Kivy or GL is missing the tests skip, unless
ESSPASS_REQUIRE_ALL=1 (CI), where they fail.
"""

from __future__ import annotations

import sys

from uikit import env

env.offscreen()

from tests.support import skip_or_fail  # noqa: E402

try:
    from kivy.tests.common import GraphicUnitTest, UnitTestTouch
except Exception as exc:  # noqa: BLE001 - no Kivy or no GL
    GraphicUnitTest = object  # type: ignore[misc,assignment]
    UnitTestTouch = None  # type: ignore[assignment,misc]
    KIVY_ERROR = f"Kivy unavailable: {exc}"
else:
    KIVY_ERROR = ""

# The offscreen GL surface keeps the size the window is created with, whatever Window.size says later (and
# GraphicUnitTest would make it 320 x 240): large enough for every Kivy test of the session.
SURFACE = (800, 1000)

__all__ = ["KIVY_ERROR", "KivyTestCase", "skip_or_fail", "window_or_skip"]


def window_or_skip():
    """Kivy's window, created at :data:`SURFACE` if it is not yet; skip (or fail in CI) where it cannot be."""
    if KIVY_ERROR:
        skip_or_fail(KIVY_ERROR)
    if "kivy.core.window" not in sys.modules:
        from kivy.config import Config

        Config.set("graphics", "width", str(SURFACE[0]))
        Config.set("graphics", "height", str(SURFACE[1]))
    try:
        from kivy.core.window import Window
    except Exception as exc:  # noqa: BLE001
        skip_or_fail(f"Kivy cannot open a window: {exc}")
    if Window is None:
        skip_or_fail("Kivy cannot open a window (no GL)")
    return Window


class KivyTestCase(GraphicUnitTest):
    """A GraphicUnitTest that skips without a window and taps widgets like a finger."""

    def setUp(self):
        window_or_skip()
        super().setUp()

    def tap(self, widget, frames: int = 3):
        self.advance_frames(3)  # let layout settle before reading the widget's position
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.advance_frames(1)
        touch.touch_up()
        self.advance_frames(frames)

    def close(self, app) -> None:
        """Take the app off the window (and a dialog it left open)."""
        from kivy.core.window import Window

        if getattr(app, "dialog", None) is not None:
            app.dialog.dismiss()
        Window.remove_widget(app.root)

    def inspector(self, prefix: str):
        """The inspector app on the demo ecosystem with a fresh bundle, at the verifier tests' fixed time:
        (tmp, eco, controller, app), on a 432 x 900 window."""
        import tempfile
        from pathlib import Path

        from kivy.core.window import Window

        from tests.verifier.helpers import NOW
        from trust_list.demo import build_demo_ecosystem
        from verifier.ui import demo
        from verifier.ui.app import InspectorApp
        from verifier.ui.controller import InspectorController

        Window.size = (432, 900)
        tmp = Path(tempfile.mkdtemp(prefix=prefix))
        eco = build_demo_ecosystem(tmp / "home" / "ecosystem", NOW)
        demo.bundle(eco, now=NOW, out=tmp / "bundle.json")
        ctl = InspectorController(tmp / "home", bundle=tmp / "bundle.json", state=tmp / "state", clock=lambda: NOW)
        app = InspectorApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        return tmp, eco, ctl, app

    def wallet_with_services(self, prefix: str):
        """A new wallet (PIN 123456) in the app, next to the real issuer and verifier on loopback:
        (tmp, services, controller, app, stop)."""
        import tempfile
        from pathlib import Path

        from kivy.core.window import Window

        from tests.wallet.servers import start_services
        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix=prefix))
        services, stop = start_services(tmp / "home")
        ctl = WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10))
        ctl.create("123456", "123456")
        app = WalletApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        return tmp, services, ctl, app, stop

