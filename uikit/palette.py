"""The colours of both apps (hex, as Kivy's ``get_color_from_hex`` reads them). Text colours have WCAG AA contrast
(4.5:1 or more) on white and on their own ``*_BG``; ``common.kv`` sets each as a kv constant of the same name."""

from __future__ import annotations

__all__ = [
    "DANGER", "DANGER_BG", "DANGER_INK", "INK", "LINE", "MUTED", "NAVY", "NAVY_DOWN", "OK", "OK_BG", "PAGE", "WARN",
    "WARN_BG", "WARN_INK", "WHITE", "rgba",
]

NAVY = "#12306A"  # top bars, primary buttons, headings
NAVY_DOWN = "#0B1F47"  # a pressed primary button; the camera viewfinder
INK = "#172033"  # body text
MUTED = "#4A5468"  # secondary text
PAGE = "#F3F5F9"  # behind the panels
WHITE = "#FFFFFF"
LINE = "#D5DAE3"  # panel edges, separators
OK = "#0B6B3A"
OK_BG = "#E7F6EC"
WARN = "#B54708"  # amber: warnings, INDETERMINATE
WARN_BG = "#FFF1E0"
WARN_INK = "#7A2E0B"
DANGER = "#B42318"  # red: refusals, FAILED, destructive buttons
DANGER_BG = "#FEECEB"
DANGER_INK = "#7A1A12"


def rgba(hex_colour: str) -> list[float]:
    """``"#RRGGBB"`` as Kivy's ``[r, g, b, a]`` (0..1), without importing Kivy."""
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)] + [int(h[6:8], 16) / 255 if len(h) == 8 else 1.0]
