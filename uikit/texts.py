"""The kit's own words (camera, dialogs shared by both apps), in every language the apps ship."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "camera.start": "Use the camera",
        "camera.stop": "Stop the camera",
        "camera.looking": "Hold the QR code inside the frame.",
        "camera.failed": "The camera could not be started.",
        "camera.none_image": "No camera on this device: open an image of the code.",
        "camera.none_image_or_link": "No camera on this device: open an image or paste a link.",
        "leave.title": "Leave the app?",
        "leave.text": "Nothing is lost: your data stays on this device. Tap \"Stay\" to go on.",
        "leave.yes": "Leave",
        "leave.no": "Stay",
        "file.open": "Open",
        "file.cancel": "Cancel",
    },
    "da": {
        "camera.start": "Brug kameraet",
        "camera.stop": "Stop kameraet",
        "camera.looking": "Hold QR-koden inden for rammen.",
        "camera.failed": "Kameraet kunne ikke startes.",
        "camera.none_image": "Intet kamera på denne enhed: åbn et billede af koden.",
        "camera.none_image_or_link": "Intet kamera på denne enhed: åbn et billede, eller indsæt et link.",
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
