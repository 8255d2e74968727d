"""The kit's own words (camera, dialogs shared by both apps): the gettext catalogs' ``uikit.<key>`` entries, in every
language the apps ship (credential/i18n.py)."""

from __future__ import annotations

from credential.i18n import text


def kit_text(key: str, lang: str) -> str:
    return text(f"uikit.{key}", lang)
