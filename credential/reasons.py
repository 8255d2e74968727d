"""Stable reason codes; their words are in the gettext catalogs (:mod:`credential.i18n`), one per language.

Every rejection anywhere in ESSPASS names one of these codes (ARCHITECTURE.md, "Principles"). Each package defines
its own codes with :func:`define` in its own module, so the catalogue is assembled at import time and a code is
defined once; the code is also the message id of its words in ``credential/locale/<lang>/LC_MESSAGES/esspass.po``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .i18n import LANGS, text

__all__ = ["MalformedDisclosure", "MalformedInput", "MalformedQrText", "MalformedStatusList", "MalformedToken",
           "Reason", "Rejected", "all_reasons", "define", "lookup", "malformed"]


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

    Its class follows from its reason: ``Rejected(reason)`` with a reason registered by :func:`malformed` (input at a
    boundary that is not what it claims to be) is an instance of that reason's :class:`MalformedInput` subclass, so
    every place that raises the code raises the typed exception, and ``except Rejected`` still catches it.
    """

    stage: str | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> "Rejected":  # subclasses keep their own __init__ signatures
        typed = None
        if cls is Rejected:
            reason = args[0] if args else kwargs.get("reason")
            typed = _MALFORMED.get(getattr(reason, "code", None))
        return super().__new__(typed if typed is not None else cls)

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.code}: {detail}" if detail else reason.code)
        self.reason = reason
        self.detail = detail

    @property
    def code(self) -> str:
        return self.reason.code


# ---------------------------------------------------------------- typed exceptions at the boundaries
# Modelled on pyca/cryptography's ``InvalidSignature``: a caller catches the type, never a string. Each is a
# :class:`Rejected` (its ``code`` is the stable reason code the reports and JSON already use), not a ValueError: an
# ``except ValueError`` written for another purpose must not start swallowing a rejection.


class MalformedInput(Rejected):
    """Input at a boundary that is not what it claims to be (the base of every package's malformed-input types)."""


class MalformedToken(MalformedInput):
    """A token that is not a well-formed (SD-)JWT / compact JWS: ``sd.format``, ``sd.too_large``,
    ``sd.jwt_malformed``, ``sd.payload_malformed``, ``kb.malformed`` (RFC 9901 §4, RFC 7515 §7.1)."""


class MalformedDisclosure(MalformedInput):
    """A disclosure that is not base64url JSON of the right shape: ``sd.disclosure_malformed``,
    ``sd.disclosure_wrong_shape`` (RFC 9901 §4.2)."""


class MalformedStatusList(MalformedInput):
    """A Status List Token or status claim that does not parse: ``status.token_malformed``,
    ``status.reference_malformed`` (draft-ietf-oauth-status-list §5, §6)."""


class MalformedQrText(MalformedInput):
    """A QR payload that is not ours: ``qr.malformed``, ``qr.version``, ``qr.kind``, ``qr.too_large``,
    ``qr.unreadable``."""


_MALFORMED: dict[str | None, type[MalformedInput]] = {}


def malformed(cls: type[MalformedInput], *codes: str) -> None:
    """Register ``codes`` as malformed input of type ``cls``: ``Rejected(reason)`` with one of them is a ``cls``."""
    if not (isinstance(cls, type) and issubclass(cls, MalformedInput)):
        raise TypeError(f"{cls!r} is not a MalformedInput subclass")
    for code in codes:
        _MALFORMED[code] = cls


malformed(MalformedToken, "sd.format", "sd.too_large", "sd.jwt_malformed", "sd.payload_malformed", "kb.malformed")
malformed(MalformedDisclosure, "sd.disclosure_malformed", "sd.disclosure_wrong_shape")
malformed(MalformedStatusList, "status.token_malformed", "status.reference_malformed")
malformed(MalformedQrText, "qr.malformed", "qr.version", "qr.kind", "qr.too_large", "qr.unreadable")
