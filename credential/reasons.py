"""Stable reason codes with plain-language messages in English and Danish.

Every rejection anywhere in ESSPASS names one of these codes (ARCHITECTURE.md, "Principles").
Each package defines its own codes with :func:`define` in its own module, so the catalogue is
assembled at import time and a code can never be defined twice with different words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    en: str
    da: str

    def message(self) -> dict[str, str]:
        return {"en": self.en, "da": self.da}


_CATALOGUE: dict[str, Reason] = {}


def define(code: str, en: str, da: str) -> Reason:
    existing = _CATALOGUE.get(code)
    if existing is not None:
        if (existing.en, existing.da) != (en, da):
            raise ValueError(f"reason code {code} defined twice with different messages")
        return existing
    reason = Reason(code, en, da)
    _CATALOGUE[code] = reason
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
