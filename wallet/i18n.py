"""User-facing words of the wallet in every shipped language (no UI imports: the CLI and PDF use them too)."""

from __future__ import annotations

from credential.i18n import LANGS, has, keys as _keys, text

# The words are in the gettext catalogs (credential/locale/<lang>/LC_MESSAGES/esspass.po) under ``wallet.<key>``.
_PREFIX = "wallet."


def t(key: str, lang: str = "en", **kw: object) -> str:
    if not has(_PREFIX + key):
        return key
    return text(_PREFIX + key, lang, **kw)


def wait_text(seconds: float, lang: str = "en") -> str:
    """How long to wait, in words: "45 seconds", "4 minutes" (rounded up, never "0")."""
    import math

    s = max(1, math.ceil(seconds))
    if s < 120:
        return t("wait.second", lang) if s == 1 else t("wait.seconds", lang, n=s)
    m = math.ceil(s / 60)
    return t("wait.minute", lang) if m == 1 else t("wait.minutes", lang, n=m)


def refusal(exc: object) -> dict[str, str]:
    """The message of a refusal in en and da, with what the exception knows on top of its reason: how long to
    wait after wrong PINs (``PinDelay.wait_s``), attempts left and the delay that starts (``WrongPin``)."""
    reason = exc.reason  # type: ignore[attr-defined]
    out = {}
    for lang in LANGS:
        words = reason.text(lang)
        wait_s = getattr(exc, "wait_s", None)
        attempts_left = getattr(exc, "attempts_left", None)
        if wait_s is not None:
            words = t("unlock.delay", lang, wait=wait_text(wait_s, lang))
        elif attempts_left is not None and not (attempts_left == 0 and reason.code == "wallet.tx_code_used_up"):
            # (a closed offer says so itself: no "0 attempts left" after it)
            words += " " + t("unlock.attempts_left", lang, n=attempts_left) + "."
            if getattr(exc, "delay_s", 0):
                words += " " + t("unlock.wait", lang, wait=wait_text(exc.delay_s, lang))  # type: ignore[attr-defined]
        out[lang] = words
    return out


def history_title(kind: str, outcome: str, lang: str = "en", refused_by: str = "") -> str:
    """"Shared", "Refused", "Shown offline"…: the outcome in the words of the history, not just the kind; a refusal
    says which side refused ("Not received (the issuer refused)")."""
    for key in (f"history.title.{kind}.{outcome}.{refused_by}", f"history.title.{kind}.{outcome}"):
        if has(_PREFIX + key):
            return t(key, lang)
    return t(f"history.kind.{kind}", lang)


def outcome_text(outcome: str, lang: str = "en", refused_by: str = "") -> str:
    """"received", "refused by the wallet", "refused by the issuer"…"""
    key = f"history.outcome.{outcome}.{refused_by}"
    return t(key if has(_PREFIX + key) else f"history.outcome.{outcome}", lang)


def keys() -> list[str]:
    return [k[len(_PREFIX):] for k in _keys(_PREFIX)]
