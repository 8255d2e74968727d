"""Texts people read, from gettext catalogs (one per language): ``credential/locale/<lang>/LC_MESSAGES/esspass.po``,
compiled to ``esspass.mo`` beside it (both committed; ``tests/test_catalogs.py`` fails when a ``.mo`` is older than
its ``.po``, a message is missing or empty, or a translation's ``{placeholders}`` differ from English).

Every message id is a stable key, never English: a reason code (``sd.signature``, the words of
:class:`credential.reasons.Reason`) or a dotted UI key (``wallet.nav.cards``, ``inspector.decision.new``,
``layer.status.expired``). English is a catalog like any other, so a text is written once, in the catalogs. Working with the catalogs (docs/architecture.md, "Texts"):

    pybabel extract -F babel.cfg -k define -k N_ -o /tmp/esspass.pot .   # the ids the code names
    pybabel compile -d credential/locale -D esspass                      # .po -> .mo (commit both)

A new text: add its key with its words to every language's ``.po``, then compile (docs/architecture.md, "Texts").

``text(key, lang, **values)`` looks a key up in ``lang``, falls back to English, then to the key itself, and fills
``{placeholders}`` (Python ``str.format``) when values are given.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

__all__ = ["DOMAIN", "LANGS", "LOCALE_DIR", "has", "keys", "text"]

DOMAIN = "esspass"
LANGS = ("en", "da")  # languages shipped; English is the fallback
LOCALE_DIR = Path(__file__).with_name("locale")


@cache
def _translation(lang: str) -> gettext.NullTranslations:
    if lang not in LANGS:
        return _translation("en")
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
        translation = gettext.GNUTranslations(fh)
    if lang != "en":
        translation.add_fallback(_translation("en"))
    return translation


def text(key: str, lang: str = "en", /, **values: object) -> str:
    """The text of ``key`` in ``lang`` (a shipped language; anything else reads English)."""
    words = _translation(lang).gettext(key)
    return words.format(**values) if values else words


def has(key: str) -> bool:
    """Whether ``key`` is in the English catalog."""
    return _translation("en").gettext(key) != key


def keys(prefix: str = "") -> list[str]:
    """Every message id (of the English catalog) that starts with ``prefix``, in catalog order."""
    catalog = getattr(_translation("en"), "_catalog", {})
    return [k for k in catalog if isinstance(k, str) and k and k.startswith(prefix)]
