"""Text that people read: invisible and direction-changing characters (issue 14 finding 10).

A name such as ``"Kowalski\\u202eXX"`` shows, on screen, other letters in another order than it holds
(Unicode Bidirectional Algorithm, UAX #9 §2: explicit overrides and isolates); control characters,
zero-width characters and line separators hide or move text the same way (Unicode Technical Report
#36, "Unicode Security Considerations", §2.4 "Visual spoofing"). None of them has a place in a name,
a document number or an address on an A1 or EHIC (EU documents write these in Latin, Greek or
Cyrillic script, which need no format controls), so:

- :data:`TEXT_PATTERN` is the JSON Schema ``pattern`` of every free-text claim in
  ``credential/types/*.schema.json`` (the schemas refuse them, in the issuer's input checks and
  wherever claims are validated);
- :func:`unsafe_characters` names them, by General Category: Cc (controls), Cf (format: bidi
  overrides, isolates and marks, zero-width space/joiners, BOM, Unicode tags), Zl, Zp, and lone
  surrogates;
- :func:`display_safe` neutralises them for display (back office, console, wallet, inspector):
  each becomes U+FFFD, so that what is shown is what is there, in its own order.
"""

from __future__ import annotations

import unicodedata

__all__ = ["display_safe"]

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
REPLACEMENT = "\ufffd"

# The Basic Multilingual Plane's Cc, Cf, Zl and Zp characters (Unicode 14-15.1) as one class for
# JSON Schema (ECMA-262 and Python ``re`` both read \\uXXXX); the few outside the BMP (Unicode tags,
# Egyptian/Brahmi/musical format controls) are refused by :func:`unsafe_characters` in code.
UNSAFE_BMP_CLASS = ("\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891"
                    "\\u08e2\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff"
                    "\\ufff9-\\ufffb")
TEXT_PATTERN = f"^[^{UNSAFE_BMP_CLASS}]*$"


def is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in UNSAFE_CATEGORIES


def unsafe_characters(text: str) -> list[str]:
    """The code points of ``text`` that must not be in a name or number, as ``U+XXXX`` (in order,
    each once)."""
    seen: dict[str, None] = {}
    for ch in text:
        if is_unsafe(ch):
            seen[f"U+{ord(ch):04X}"] = None
    return list(seen)


def display_safe(value: object) -> object:
    """``value`` for display: a string with every unsafe character replaced by U+FFFD; any other
    value unchanged (so it can sit in a template's ``finalize``)."""
    if not isinstance(value, str) or not any(is_unsafe(ch) for ch in value):
        return value
    return "".join(REPLACEMENT if is_unsafe(ch) else ch for ch in value)
