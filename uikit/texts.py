"""The kit's own words (dialogs shared by both apps), in every language the apps ship."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "leave.title": "Leave the app?",
        "leave.text": "Nothing is lost: your data stays on this device. Tap \"Stay\" to go on.",
        "leave.yes": "Leave",
        "leave.no": "Stay",
        "file.open": "Open",
        "file.cancel": "Cancel",
    },
    "da": {
        "leave.title": "Forlad appen?",
        "leave.text": "Intet går tabt: dine data bliver på denne enhed. Tryk på \"Bliv\" for at fortsætte.",
        "leave.yes": "Forlad",
        "leave.no": "Bliv",
        "file.open": "Åbn",
        "file.cancel": "Annullér",
    },
}


def kit_text(key: str, lang: str) -> str:
    return TEXT.get(lang, TEXT["en"]).get(key) or TEXT["en"][key]
