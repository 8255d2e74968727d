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

__all__ = ["DOMAIN", "LANGS", "LOCALE_DIR", "NAMES", "by_name", "country_name", "date_format", "has", "keys", "pick", "text"]

DOMAIN = "esspass"
LANGS = ("en", "da", "sv", "nb", "fi", "is", "de", "pl", "lt", "ro")  # shipped; English is the fallback
LOCALE_DIR = Path(__file__).with_name("locale")
# Each language's own name for itself, as a language selector shows it (issue 15: the reader finds their language
# without reading another one).
NAMES = {"en": "English", "da": "Dansk", "sv": "Svenska", "nb": "Norsk bokmål", "fi": "Suomi", "is": "Íslenska",
         "de": "Deutsch", "pl": "Polski", "lt": "Lietuvių", "ro": "Română"}
# Other codes a system or a browser may name for a shipped language (Norwegian "no" and Nynorsk "nn" read bokmål
# rather than fall back to English).
_ALIASES = {"no": "nb", "nn": "nb"}
# How a calendar date is written in running text (strftime): numeric where the language writes it so, never an
# English month name inside another language's sentence.
_DATES = {"en": "%d %b %Y", "sv": "%Y-%m-%d", "lt": "%Y-%m-%d"}


def pick(tag: str | None) -> str | None:
    """The shipped language a system or browser language tag names (``pl_PL.UTF-8``, ``nb-NO``, ``de``), or None."""
    if not tag:
        return None
    code = tag.replace("-", "_").split("_")[0].split(".")[0].strip().lower()
    code = _ALIASES.get(code, code)
    return code if code in LANGS else None


def by_name(name: str) -> str | None:
    """The language whose own name (:data:`NAMES`) is ``name``, or None."""
    return next((lang for lang, own in NAMES.items() if own == name), None)


@cache
def country_name(code: str, lang: str) -> str:
    """A country in words in ``lang`` ("DK" -> "Dänemark"), from CLDR through Babel; a code CLDR does not know is
    returned as it is (issue 15: no raw codes where a person reads)."""
    try:
        from babel import Locale

        return str(Locale.parse(lang if lang in LANGS else "en").territories.get(code.upper(), code))
    except Exception:  # noqa: BLE001 - Babel missing or no CLDR data: the code is still true
        return code


def date_format(lang: str) -> str:
    """The strftime pattern of a calendar date in ``lang``."""
    return _DATES.get(lang, "%d.%m.%Y")


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
