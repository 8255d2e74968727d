"""Stable reason codes; their words are in the gettext catalogs (:mod:`credential.i18n`), one per language.

Every rejection anywhere in ESSPASS names one of these codes (ARCHITECTURE.md, "Principles"). Each package defines
its own codes with :func:`define` in its own module, so the catalogue is assembled at import time and a code is
defined once; the code is also the message id of its words in ``credential/locale/<lang>/LC_MESSAGES/esspass.po``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .i18n import LANGS, text

__all__ = ["Reason", "Rejected", "all_reasons", "define", "lookup"]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str

    def text(self, lang: str = "en") -> str:
        return text(self.code, lang)

    @property
    def en(self) -> str:
        return text(self.code, "en")

    @property
    def da(self) -> str:
        return text(self.code, "da")

    def message(self) -> dict[str, str]:
        """The words in every shipped language (the ``message`` object of the JSON reports)."""
        return dict(_words(self.code))


@cache
def _words(code: str) -> tuple[tuple[str, str], ...]:  # the catalogs do not change while a process runs
    return tuple((lang, text(code, lang)) for lang in LANGS)


_CATALOGUE: dict[str, Reason] = {}


def define(code: str, *words: str) -> Reason:
    """The reason ``code`` (its words: the catalogs' entry of the same id)."""
    if words:
        raise TypeError(f"define({code!r}) takes only the code: put its words in every "
                        "credential/locale/<lang>/LC_MESSAGES/esspass.po and run "
                        "'pybabel compile -d credential/locale -D esspass' (docs/architecture.md, Texts)")
    reason = _CATALOGUE.get(code)
    if reason is None:
        reason = _CATALOGUE[code] = Reason(code)
    return reason


def lookup(code: str) -> Reason:
    return _CATALOGUE[code]


def all_reasons() -> dict[str, Reason]:
    return dict(_CATALOGUE)


class Rejected(Exception):
    """Raised by pure checks; carries the stable reason and an optional technical detail.

    The detail is for logs and developers, never personal data; people see the reason's message. A verification
    that raised it sets ``stage`` (a :class:`credential.report.Stage`): where in its order it stopped.
    """

    stage: str | None = None

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.code}: {detail}" if detail else reason.code)
        self.reason = reason
        self.detail = detail

    @property
    def code(self) -> str:
        return self.reason.code
