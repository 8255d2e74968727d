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
