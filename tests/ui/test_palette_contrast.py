"""Issue 15 item 7: every text colour of the apps' palette (uikit/palette.py) against every background it is drawn on
has WCAG 2.1 AA contrast (success criterion 1.4.3: 4.5:1 for normal text). Contrast ratio and relative luminance as
WCAG 2.1 defines them (§ "contrast ratio", "relative luminance")."""

from __future__ import annotations

import pytest

from uikit import palette as P

AA = 4.5


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def rgb(hex_colour: str) -> tuple[float, float, float]:
    r, g, b, _a = P.rgba(hex_colour)
    return r, g, b


def over(top: tuple[float, ...], alpha: float, bottom: tuple[float, ...]) -> tuple[float, float, float]:
    """``top`` at ``alpha`` painted over ``bottom`` (a translucent background)."""
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top, bottom))  # type: ignore[return-value]


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)  # type: ignore[arg-type]
    return (a + 0.05) / (b + 0.05)


# (text, background, where): every pairing the kv files and screens use
PAIRS = [
    ("INK", "WHITE", "body text on panels"), ("INK", "PAGE", "body text on the page"),
    ("MUTED", "WHITE", "secondary text on panels"), ("MUTED", "PAGE", "secondary text on the page"),
    ("MUTED", "WARN_BG", "sync message on the stale-data panel"),
    ("NAVY", "WHITE", "headings, secondary buttons"), ("NAVY", "PAGE", "sub-headings on the page"),
    ("NAVY", "LINE", "a pressed secondary button"),
    ("WHITE", "NAVY", "primary buttons, top bars"), ("WHITE", "NAVY_DOWN", "a pressed primary button, viewfinder"),
    ("WHITE", "OK", "PASSED banner and pills"), ("WHITE", "WARN", "INDETERMINATE banner and pills"),
    ("WHITE", "DANGER", "FAILED banner and pills"),
    ("OK", "WHITE", "valid words"), ("OK", "OK_BG", "valid words on green"),
    ("WARN_INK", "WARN_BG", "reminder and why-panel text"), ("DANGER_INK", "DANGER_BG", "paper-copy reminder"),
    ("DANGER", "WHITE", "danger buttons"), ("DANGER", "PAGE", "scan errors on the page"),
    ("DANGER", "DANGER_BG", "refusals on red"),
]


@pytest.mark.parametrize("fg, bg, where", PAIRS)
def test_palette_text_colours_are_wcag_aa(fg, bg, where):
    ratio = contrast(rgb(getattr(P, fg)), rgb(getattr(P, bg)))
    assert ratio >= AA, f"{fg} on {bg} ({where}): {ratio:.2f}:1 < {AA}:1"


def test_language_selector_on_the_top_bar():
    # white text on the top bar's selector: white at 16 % over navy (common.kv / inspector.kv ITopBar Spinner)
    bg = over((1.0, 1.0, 1.0), 0.16, rgb(P.NAVY))
    assert contrast(rgb(P.WHITE), bg) >= AA


def test_the_contrast_formula_itself():
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert contrast(rgb("#777777"), rgb("#FFFFFF")) == pytest.approx(4.48, abs=0.01)  # the classic near-miss
    assert contrast(rgb("#777777"), rgb("#FFFFFF")) < AA  # such a grey would fail here
    assert contrast(rgb("#767676"), rgb("#FFFFFF")) >= AA
