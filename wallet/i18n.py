"""User-facing words of the wallet in English and Danish (no UI imports: the CLI and PDF use them too)."""

from __future__ import annotations

LANGS = ("en", "da")

_T: dict[str, tuple[str, str]] = {
    # app
    "app.title": ("ESSPASS wallet", "ESSPASS tegnebog"),
    "app.tagline": ("Your social security documents, under your control",
                    "Dine dokumenter om social sikring, under din kontrol"),
    # onboarding / unlock
    "onb.welcome": ("Welcome", "Velkommen"),
    "onb.intro": ("Keep your A1 certificate and European Health Insurance Card on this phone. "
                  "You decide who sees what, and you can always see who saw it.",
                  "Opbevar dit A1-attest og dit europæiske sygesikringskort på telefonen. "
                  "Du bestemmer, hvem der ser hvad, og du kan altid se, hvem der har set det."),
    "onb.choose_pin": ("Choose a PIN of 6 to 12 digits", "Vælg en pinkode på 6 til 12 cifre"),
    "onb.repeat_pin": ("Enter the same PIN again", "Indtast den samme pinkode igen"),
    "onb.pins_differ": ("The two PINs are not the same.", "De to pinkoder er ikke ens."),
    "onb.create": ("Create wallet", "Opret tegnebog"),
    "onb.pin_note": ("Everything in the wallet is encrypted with a key made from your PIN. "
                     "Nobody, not even we, can recover a forgotten PIN.",
                     "Alt i tegnebogen er krypteret med en nøgle lavet ud fra din pinkode. "
                     "Ingen, heller ikke vi, kan genskabe en glemt pinkode."),
    "unlock.title": ("Enter your PIN", "Indtast din pinkode"),
    "unlock.button": ("Unlock", "Lås op"),
    "unlock.attempts_left": ("{n} attempts left", "{n} forsøg tilbage"),
    "unlock.wait": ("Try again in {wait}.", "Prøv igen om {wait}."),
    "unlock.delay": ("Too many wrong PINs: wait {wait} before you try again.",
                     "For mange forkerte pinkoder: vent {wait}, før du prøver igen."),
    "unlock.now": ("You can try again now.", "Du kan prøve igen nu."),
    "wait.second": ("1 second", "1 sekund"),
    "wait.seconds": ("{n} seconds", "{n} sekunder"),
    "wait.minute": ("1 minute", "1 minut"),
    "wait.minutes": ("{n} minutes", "{n} minutter"),
    # cards
    "cards.title": ("My documents", "Mine dokumenter"),
    "cards.empty": ("No documents yet. Tap \"Add document\" and scan the QR code from your institution.",
                    "Ingen dokumenter endnu. Tryk på \"Tilføj dokument\", og scan QR-koden fra din institution."),
    "cards.add": ("Add document", "Tilføj dokument"),
    "cards.share": ("Show to someone", "Vis til nogen"),
    "cards.issued_by": ("Issued by {name}", "Udstedt af {name}"),
    "cards.valid_until": ("Valid until {date}", "Gyldig til {date}"),
    "cards.copies": ("{n} one-time copies left", "{n} engangskopier tilbage"),
    "cards.copy_one": ("1 one-time copy left", "1 engangskopi tilbage"),
    "cards.reminder": ("Ends in {n} days", "Udløber om {n} dage"),
    "cards.reminder_today": ("Ends today", "Udløber i dag"),
    "cards.reminder_one": ("Ends tomorrow", "Udløber i morgen"),
    "cards.no_copies": ("No one-time copies left: ask the issuer to issue it again",
                        "Ingen engangskopier tilbage: bed udstederen om at udstede det igen"),
    "cards.low_copies": ("Only 1 one-time copy left: ask the issuer for new copies soon",
                         "Kun 1 engangskopi tilbage: bed snart udstederen om nye kopier"),
    "cards.ended": ("Has ended", "Er udløbet"),
    # detail
    "detail.title": ("Document", "Dokument"),
    "detail.validity": ("Validity", "Gyldighed"),
    "detail.technical": ("Signature valid", "Signatur gyldig"),
    "detail.document": ("Document period", "Dokumentets periode"),
    "detail.coverage": ("Coverage period", "Dækningsperiode"),
    "detail.status": ("Status at the issuer", "Status hos udstederen"),
    "detail.claims": ("What the document says", "Hvad dokumentet siger"),
    "detail.delete": ("Remove from wallet", "Fjern fra tegnebogen"),
    "remove.title": ("Remove this document?", "Fjern dette dokument?"),
    "remove.text": ("\"{doc}\" from {issuer} will be taken out of the wallet. You can put it back from Settings, "
                    "\"Removed documents\", for {days} days. After that it is gone for good, and only {issuer} "
                    "can issue it again.",
                    "\"{doc}\" fra {issuer} tages ud af tegnebogen. Du kan lægge det tilbage under Indstillinger, "
                    "\"Fjernede dokumenter\", i {days} dage. Derefter er det væk for altid, og kun {issuer} kan "
                    "udstede det igen."),
    "remove.yes": ("Remove", "Fjern"),
    "remove.no": ("Keep it", "Behold det"),
    "remove.done": ("\"{doc}\" was removed.", "\"{doc}\" blev fjernet."),
    "remove.undo": ("Undo", "Fortryd"),
    "removed.title": ("Removed documents", "Fjernede dokumenter"),
    "removed.none": ("None. A removed document can be put back here for {days} days.",
                     "Ingen. Et fjernet dokument kan lægges tilbage her i {days} dage."),
    "removed.row": ("{doc}, removed {date}; can be put back until {until}",
                    "{doc}, fjernet {date}; kan lægges tilbage indtil {until}"),
    "removed.restore": ("Put back", "Læg tilbage"),
    "status.VALID": ("Valid", "Gyldig"),
    "status.INVALID": ("Withdrawn by the issuer", "Trukket tilbage af udstederen"),
    "status.SUSPENDED": ("Suspended by the issuer", "Suspenderet af udstederen"),
    "status.UNKNOWN": ("Not checked yet", "Ikke kontrolleret endnu"),
    "layer.ok": ("OK", "OK"),
    "layer.not_yet": ("Not started yet", "Ikke begyndt endnu"),
    "layer.ended": ("Ended", "Udløbet"),
    # scan
    "scan.title": ("Scan a QR code", "Scan en QR-kode"),
    "scan.hint": ("Point the camera at the QR code from the issuer or the person who asks to see your document.",
                  "Ret kameraet mod QR-koden fra udstederen eller den, der beder om at se dit dokument."),
    "scan.open_image": ("Open image", "Åbn billede"),
    "scan.paste": ("Paste link", "Indsæt link"),
    "scan.go": ("Continue", "Fortsæt"),
    "scan.link_hint": ("openid-credential-offer://…, openid4vp://… or RQ1:…",
                       "openid-credential-offer://…, openid4vp://… eller RQ1:…"),
    "scan.no_code": ("No QR code was found in the image.", "Der blev ikke fundet nogen QR-kode i billedet."),
    "scan.unknown": ("This QR code is not for the wallet.", "Denne QR-kode er ikke til tegnebogen."),
    "scan.tx_code": ("Code from your letter or SMS", "Kode fra dit brev eller din sms"),
    "scan.tx_code_digits": ("Code from your letter or SMS ({n} digits)", "Kode fra dit brev eller din sms ({n} cifre)"),
    "scan.tx_code_length": ("The code has {n} digits: check it against your letter or SMS.",
                            "Koden har {n} cifre: tjek den mod dit brev eller din sms."),
    "scan.tries_left": ("{n} tries left.", "{n} forsøg tilbage."),
    "scan.tries_left_one": ("1 try left: after that the offer is closed.",
                            "1 forsøg tilbage: derefter lukkes tilbuddet."),
    "scan.empty": ("Paste a link or scan a QR code first.", "Indsæt et link eller scan en QR-kode først."),
    "scan.receiving": ("Receiving your document…", "Modtager dit dokument…"),
    # consent
    "consent.title": ("Share your data?", "Del dine oplysninger?"),
    "consent.who": ("Who asks", "Hvem spørger"),
    "consent.verified": ("Registered and verified relying party", "Registreret og verificeret modtager"),
    "consent.why": ("Why", "Hvorfor"),
    "consent.what": ("What will be shared", "Hvad der deles"),
    "consent.from": ("From your {doc}", "Fra dit {doc}"),
    "consent.over_title": ("Warning: asks for more than it is registered for",
                           "Advarsel: beder om mere, end den er registreret til"),
    "consent.over_text": ("{name} asks for data it is not registered to receive. "
                          "Only the registered data will be shared unless you choose otherwise.",
                          "{name} beder om oplysninger, den ikke er registreret til at modtage. "
                          "Kun de registrerede oplysninger deles, medmindre du vælger andet."),
    "consent.over_agree": ("Also share the extra data (not recommended)",
                           "Del også de ekstra oplysninger (frarådes)"),
    "consent.not_shared": ("Not shared", "Deles ikke"),
    "consent.share": ("Share", "Del"),
    "consent.offline": ("Offline check: your answer is shown as a QR code on your screen. Nothing is sent over "
                        "the network.",
                        "Offline-kontrol: dit svar vises som en QR-kode på din skærm. Intet sendes over netværket."),
    # offline presentation: the response QR, full screen
    "offline.title": ("Offline presentation", "Offline-fremvisning"),
    "offline.show": ("Show this to the inspector", "Vis dette til inspektøren"),
    "offline.hint": ("Hold the screen towards the inspector's camera. The code answers this check only.",
                     "Hold skærmen mod inspektørens kamera. Koden gælder kun denne kontrol."),
    "offline.for": ("For {name}: {n} items from your {doc}", "Til {name}: {n} oplysninger fra dit {doc}"),
    "consent.decline": ("Decline", "Afvis"),
    # result
    "result.shared": ("Shared", "Delt"),
    "result.received": ("Document received", "Dokument modtaget"),
    "result.declined": ("You declined. Nothing was shared.", "Du afviste. Intet blev delt."),
    "result.refused": ("Stopped", "Stoppet"),
    "result.done": ("Done", "Færdig"),
    "result.shared_with": ("{name} received: {claims}", "{name} modtog: {claims}"),
    # history
    "history.title": ("Who saw what", "Hvem har set hvad"),
    "history.empty": ("Nothing yet.", "Intet endnu."),
    "history.pdf_title": ("ESSPASS wallet - history", "ESSPASS tegnebog - historik"),
    "history.pdf_intro": ("Every document received and every time data was shown or refused, newest first. "
                          "Exported {when}.",
                          "Alle modtagne dokumenter og hver gang oplysninger blev vist eller afvist, nyeste først. "
                          "Eksporteret {when}."),
    "history.kind.issuance": ("Received", "Modtaget"),
    "history.kind.presentation": ("Shown", "Vist"),
    # history titles: what happened, not only the kind of event (nothing was shown when it was refused)
    "history.title.issuance.received": ("Received", "Modtaget"),
    "history.title.issuance.refused": ("Not received (refused)", "Ikke modtaget (afvist)"),
    "history.title.issuance.failed": ("Not received", "Ikke modtaget"),
    "history.title.issuance.refused.issuer": ("Not received (the issuer refused)",
                                              "Ikke modtaget (udstederen afviste)"),
    "history.title.presentation.refused.verifier": ("Not shown (the request was used or expired)",
                                                    "Ikke vist (anmodningen var brugt eller udløbet)"),
    "history.outcome.refused.verifier": ("the verifier no longer had the request",
                                         "verifikatoren havde ikke længere anmodningen"),
    "history.title.presentation.failed.verifier": ("Not accepted by the verifier",
                                                    "Ikke accepteret af verifikatoren"),
    "history.title.presentation.shared": ("Shared", "Delt"),
    "history.title.presentation.shown_offline": ("Shown offline", "Vist offline"),
    "history.title.presentation.refused": ("Refused", "Afvist"),
    "history.title.presentation.declined": ("Declined", "Afslået"),
    "history.title.presentation.failed": ("Not shown", "Ikke vist"),
    "history.outcome": ("Outcome", "Resultat"),
    "history.outcome.received": ("received", "modtaget"),
    "history.outcome.shared": ("shared", "delt"),
    "history.outcome.shown_offline": ("shown offline as a QR code", "vist offline som QR-kode"),
    "history.outcome.refused": ("refused by the wallet", "afvist af tegnebogen"),
    "history.outcome.refused.issuer": ("refused by the issuer", "afvist af udstederen"),
    "history.outcome.failed.verifier": ("refused by the verifier", "afvist af verifikatoren"),
    "history.outcome.declined": ("declined by you", "afvist af dig"),
    "history.outcome.failed": ("failed", "mislykkedes"),
    "history.reason": ("Reason", "Årsag"),
    "history.purpose": ("Purpose", "Formål"),
    "history.claims": ("Data", "Oplysninger"),
    "history.over_asking": ("Asked beyond registration", "Bedt om ud over registreringen"),
    "history.party_id": ("Identifier", "Identifikator"),
    "history.export_json": ("Export JSON", "Eksportér JSON"),
    "history.export_pdf": ("Export PDF", "Eksportér PDF"),
    "history.exported": ("Saved to {path}", "Gemt i {path}"),
    "export.title": ("Export your history", "Eksportér din historik"),
    "export.explain": ("The files (JSON and PDF) list every institution and authority that received or saw your "
                       "data, when and why. They do not hold the contents of your documents, but they say a lot "
                       "about you: they are encrypted, and only someone who knows the PIN or passphrase you type "
                       "below can open them (with \"esspass wallet open-export\", or any tool for JWE files).",
                       "Filerne (JSON og PDF) viser alle institutioner og myndigheder, der har modtaget eller set "
                       "dine oplysninger, hvornår og hvorfor. De indeholder ikke dine dokumenters indhold, men de "
                       "siger meget om dig: de krypteres, og kun den, der kender den pinkode eller adgangssætning, "
                       "du skriver nedenfor, kan åbne dem (med \"esspass wallet open-export\" eller et andet "
                       "værktøj til JWE-filer)."),
    "export.folder": ("Save in this folder", "Gem i denne mappe"),
    "export.secret": ("Your PIN or a passphrase (a longer passphrase is safer)",
                      "Din pinkode eller en adgangssætning (en længere adgangssætning er sikrere)"),
    "export.readable": ("Save a readable copy instead: NOT encrypted, anyone who gets the files can read them",
                        "Gem en læsbar kopi i stedet: IKKE krypteret, alle, der får filerne, kan læse dem"),
    "export.save": ("Save", "Gem"),
    "export.cancel": ("Cancel", "Annullér"),
    # settings
    "settings.title": ("Settings", "Indstillinger"),
    "settings.language": ("Language", "Sprog"),
    "settings.text_size": ("Text size", "Tekststørrelse"),
    "settings.export": ("Export history", "Eksportér historik"),
    "settings.erase": ("Erase wallet", "Slet tegnebog"),
    "settings.erase_confirm": ("Erase everything? Your documents and history will be gone for good.",
                               "Slet alt? Dine dokumenter og din historik forsvinder for altid."),
    "settings.lock": ("Lock now", "Lås nu"),
    "settings.trust": ("Trust lists", "Tillidslister"),
    # nav
    "nav.cards": ("Documents", "Dokumenter"),
    "nav.scan": ("Scan", "Scan"),
    "nav.history": ("History", "Historik"),
    "nav.settings": ("Settings", "Indstillinger"),
    "nav.back": ("Back", "Tilbage"),
}


def t(key: str, lang: str = "en", **kw: object) -> str:
    pair = _T.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "da" else pair[0]
    return text.format(**kw) if kw else text


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
        text = reason.da if lang == "da" else reason.en
        wait_s = getattr(exc, "wait_s", None)
        attempts_left = getattr(exc, "attempts_left", None)
        if wait_s is not None:
            text = t("unlock.delay", lang, wait=wait_text(wait_s, lang))
        elif attempts_left is not None:
            text += " " + t("unlock.attempts_left", lang, n=attempts_left) + "."
            if getattr(exc, "delay_s", 0):
                text += " " + t("unlock.wait", lang, wait=wait_text(exc.delay_s, lang))  # type: ignore[attr-defined]
        out[lang] = text
    return out


def history_title(kind: str, outcome: str, lang: str = "en", refused_by: str = "") -> str:
    """"Shared", "Refused", "Shown offline"…: the outcome in the words of the history, not just the kind; a refusal
    says which side refused ("Not received (the issuer refused)")."""
    for key in (f"history.title.{kind}.{outcome}.{refused_by}", f"history.title.{kind}.{outcome}"):
        if key in _T:
            return t(key, lang)
    return t(f"history.kind.{kind}", lang)


def outcome_text(outcome: str, lang: str = "en", refused_by: str = "") -> str:
    """"received", "refused by the wallet", "refused by the issuer"…"""
    key = f"history.outcome.{outcome}.{refused_by}"
    return t(key if key in _T else f"history.outcome.{outcome}", lang)


def keys() -> list[str]:
    return list(_T)
