"""The process environment for Kivy. Kivy reads it when first imported, so call these before any ``import kivy``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = [
    "desktop_window", "fit_window", "offscreen", "parse_size", "quiet_logs", "system_language", "usable_display",
]


# Optional Kivy providers an app works without (it says so on screen: "No camera on this device…"); Kivy logs their
# absence as CRITICAL with a traceback per candidate, which buries real problems (issue 17, item 7).
OPTIONAL_PROVIDERS = ("Camera", "Clipboard", "Cutbuffer", "Spelling", "Audio", "Video")
HTTP_LOGGERS = ("httpx", "httpcore", "hpack")


class OptionalProviderFilter:
    """A logging filter for Kivy's logger: "no provider" for an optional feature becomes one INFO line."""

    def filter(self, record) -> bool:  # noqa: A003 - the logging.Filter protocol
        import logging

        if record.levelno >= logging.ERROR:
            message = str(record.msg)
            for name in OPTIONAL_PROVIDERS:
                if message.startswith(f"{name}: Unable to find any valuable"):
                    record.levelno, record.levelname = logging.INFO, "INFO"
                    record.msg, record.args, record.exc_info = f"{name}: none here (optional)", (), None
                    break
        return True


def quiet_logs(*, verbose: bool = False) -> None:
    """No CRITICAL lines for optional features that are simply absent (camera, clipboard), and the HTTP client's
    debug lines only when asked (``verbose``: ``--verbose``). Safe to call more than once, before or after Kivy."""
    import logging

    kivy_logger = logging.getLogger("kivy")
    if not any(isinstance(f, OptionalProviderFilter) for f in kivy_logger.filters):
        kivy_logger.addFilter(OptionalProviderFilter())
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


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
    quiet_logs()


def parse_size(text: str) -> tuple[int, int]:
    """``"420x860"`` → (420, 860); ValueError for anything else or outside 240..4000 pixels."""
    w, sep, h = str(text).lower().strip().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise ValueError(f"window size must look like 420x860, not {text!r}")
    size = int(w), int(h)
    if not all(240 <= n <= 4000 for n in size):
        raise ValueError("window width and height must be 240 to 4000 pixels")
    return size


def fit_window(wanted: tuple[int, int], display: tuple[int, int, int, int] | None, *, margin: float = 0.92
               ) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(size, (left, top)) of a window of ``wanted`` size on a display whose usable area is ``display``
    (x, y, width, height): scaled down, keeping its shape, to fit ``margin`` of the area, and centred in it. Without a
    display: ``wanted``, position left to the window manager."""
    w, h = wanted
    if display is None or display[2] <= 0 or display[3] <= 0:
        return (w, h), None
    x, y, dw, dh = display
    scale = min(1.0, dw * margin / w, dh * margin / h)
    w, h = max(1, int(w * scale)), max(1, int(h * scale))
    return (w, h), (x + (dw - w) // 2, y + (dh - h) // 2)


def usable_display() -> tuple[int, int, int, int] | None:
    """The usable area (x, y, width, height) of the first display, from the SDL2 library Kivy has loaded (no panel or
    dock: ``SDL_GetDisplayUsableBounds``); None where that cannot be asked."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            paths = sorted({line.split()[-1] for line in fh if "libSDL2-2" in line or "libSDL2.so" in line
                            or "libSDL2-2.0" in line})
        if not paths:
            return None

        class Rect(ctypes.Structure):
            _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int), ("h", ctypes.c_int)]

        rect = Rect()
        if ctypes.CDLL(paths[0]).SDL_GetDisplayUsableBounds(0, ctypes.byref(rect)) != 0:
            return None
        return rect.x, rect.y, rect.w, rect.h
    except (OSError, AttributeError, IndexError, ValueError):
        return None


def desktop_window(size: tuple[int, int]):
    """For ``esspass wallet app`` / ``esspass inspect app``: Kivy leaves our command line alone; on a desktop the
    window gets a phone's ``size`` (smaller if the display is smaller) and is centred on the display — all of it on
    screen (issue 17: Kivy placed an 800 x 600 window, and a resize left it partly off-screen); the page colour
    behind every screen. Returns Kivy's ``Window``."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.core.window import Window
    from kivy.utils import get_color_from_hex, platform

    from .palette import PAGE

    if platform not in ("android", "ios"):
        fitted, pos = fit_window(size, usable_display())
        Window.size = fitted
        if pos is not None:
            Window.left, Window.top = pos
    Window.clearcolor = get_color_from_hex(PAGE)
    return Window


def system_language() -> str | None:
    """The device's language tag (``pl_PL.UTF-8``, ``nb``), or None: Android's default Locale where pyjnius is there
    (the app's own process language on a phone), else the POSIX variables in the order gettext reads them."""
    try:
        from jnius import autoclass  # type: ignore[import-not-found]  # only on Android

        return str(autoclass("java.util.Locale").getDefault().toLanguageTag())
    except Exception:  # noqa: BLE001 - not on Android (ImportError) or no JVM: the environment decides
        pass
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(":")[0]
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value
    return None
