"""Inspector console: server-rendered Jinja pages that work in a phone's browser (the ten languages)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from credential import explain
from credential.i18n import LANGS, keys
from credential.i18n import text as i18n_text

TEMPLATES = Path(__file__).parent / "templates"

# Words of the page (gettext catalogs: ``console.<key>``) and, under their old names for the templates, the
# explain layer's words for check results, validity layers and their states.
_SHARED = {"pass": "check.pass", "fail": "check.fail", "unknown": "check.unknown", "technical": "layer.technical",
           "document": "layer.document", "coverage": "layer.coverage",
           "not_disclosed": "layer.status.not_disclosed", "valid": "layer.status.valid",
           "in_force": "layer.status.in_force", "expired_s": "layer.status.expired", "ended": "layer.status.ended",
           "not_started": "layer.status.not_started", "not_yet_valid": "layer.status.not_yet_valid",
           "malformed": "layer.status.malformed"}


@cache
def text(lang: str) -> dict[str, str]:
    lang = lang if lang in LANGS else "en"
    words = {k[len("console."):]: i18n_text(k, lang) for k in keys("console.")}
    words.update({k: i18n_text(v, lang) for k, v in _SHARED.items()})
    return words


def headline_hint(decision: dict, lang: str, *, with_reason: bool = True) -> str:
    """The sentence under the big result word. A PASSED paper copy (``kb.not_bound``: no proof of a holder's
    device) does not say just "every check passed": the inspector must still check an identity document."""
    t = text(lang)
    result = decision.get("result", "")
    codes = {c.get("code") for c in decision.get("checks") or [] if isinstance(c, dict)}
    if result == "PASSED" and "kb.not_bound" in codes:
        return t["PASSED_paper_hint"]
    # a decision that did not pass: its decisive reason (unless the page shows it on a line of its own) and the next
    # step, as on the inspector's banner
    age = explain.data_age_text(decision.get("data_age"), decision.get("checks") or [], lang)
    hint = (explain.decision_hint if with_reason else explain.next_step)(decision, lang, age)
    return hint or t.get(f"{result}_hint", "")
