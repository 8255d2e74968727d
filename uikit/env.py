"""The process environment for Kivy. Kivy reads it when first imported, so call these before any ``import kivy``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def offscreen(home: Path | str | None = None, *, python_logging: bool = False) -> None:
    """Headless Kivy (tests, screenshots): SDL's offscreen video driver, no command-line parsing by Kivy, and a
    ``KIVY_HOME`` of our own (``home``, else a fresh temporary directory) so the user's Kivy configuration and
    logs are neither read nor written. Values already in the environment win. ``python_logging`` routes Kivy's
    log through Python's ``logging`` instead of Kivy's own console handler (quiet command output)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if python_logging:
        os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if "KIVY_HOME" not in os.environ:
        os.environ["KIVY_HOME"] = str(home or tempfile.mkdtemp(prefix="esspass-kivy-"))


def desktop_window(size: tuple[int, int]):
    """For ``esspass wallet app`` / ``esspass inspect app``: Kivy leaves our command line alone; on a desktop the
    window gets a phone's ``size``; the page colour behind every screen. Returns Kivy's ``Window``."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.core.window import Window
    from kivy.utils import get_color_from_hex, platform

    from .palette import PAGE

    if platform not in ("android", "ios"):
        Window.size = size
    Window.clearcolor = get_color_from_hex(PAGE)
    return Window
