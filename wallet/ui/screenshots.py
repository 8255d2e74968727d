"""``esspass wallet screenshots --out DIR``: every screen rendered offscreen with demo data, in all ten languages
(or ``--lang``), into PNG files (so anyone can look at the app without a phone), including the offline
presentation (an inspector's request QR -> consent -> the response QR full screen) and a card with no one-time
copies left.

The demo data is built at run time in a temporary directory: the demo trust ecosystem, a wallet with
an A1 and an EHIC issued by Udbetaling Danmark, a history, and a registered relying party that asks
for more than its registration allows (to show the over-asking warning).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from credential.i18n import LANGS
from uikit import Screenshots

PHONE = (412, 892)


def offline_request(eco, now: int, slug: str = "arbejdstilsynet", preset: str = "a1-inspection") -> str:
    """An inspector's ``RQ1:`` request text for ``preset``, signed with the demo relying party's access key."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from credential.dcql import PRESETS
    from credential.offline_request import build_request_object, new_nonce
    from credential.qr_transport import encode_request

    rp = eco.relying_parties[slug]
    jws = build_request_object(rp.access_key, [c.public_bytes(Encoding.DER) for c in rp.access_chain],
                               dcql_query=PRESETS[preset], nonce=new_nonce(), iat=now,
                               registration_certificate=rp.registration_jws)
    return encode_request(jws)


def render_all(out: Path | str, langs: Sequence[str] = LANGS, *,
               check: Callable[[str, str, Any], None] | None = None, images: bool = True) -> list[Path]:
    """Every screen in every language of ``langs`` (all ten by default); ``check(name, lang, app)`` runs at each
    shot (uikit.shots.Screenshots)."""
    with Screenshots(out, PHONE, check=check, images=images) as run:
        from trust_list.demo import build_demo_ecosystem

        from trust_list.demo import register_demo_issuer

        from ..demo import demo_history, issue_demo_card, over_asking_rp
        from ..storage import KdfParams
        from .app import WalletApp
        from .controller import Message, WalletController

        work, shot = run.work, run.shot
        now = int(time.time())
        eco = build_demo_ecosystem(work / "ecosystem", now)
        rp = over_asking_rp(eco, now)
        ctl = WalletController(work / "wallet", work / "ecosystem", kdf=KdfParams(n=2**12),
                               http_client=rp.client)
        ctl.create("123456", "123456")
        cards = [issue_demo_card(eco, ctl.wallet, "pda1", now), issue_demo_card(eco, ctl.wallet, "ehic", now)]
        demo_history(ctl.wallet, cards, now)
        app = run.start(WalletApp(ctl, sync=True, export_dir=work / "exports"))
        fresh = WalletController(work / "fresh")
        for lang in langs:
            app.set_language(lang)
            app.font_scale = 1.0
            ctl.font_scale = 1.0
            # onboarding: a controller without a wallet
            app.ctl, fresh.lang = fresh, lang
            app.show("onboarding")
            shot("01-onboarding", lang)
            app.ctl = ctl
            ctl.lock()
            app.show("unlock")
            unlock = app.screen("unlock")
            unlock.ids.pin.text = "111111"
            unlock.submit()
            shot("02-unlock-wrong-pin", lang)
            unlock.ids.pin.text = "123456"
            unlock.submit()
            app.set_language(lang)
            shot("03-cards", lang)
            app.show_card(cards[0].id)
            shot("04-detail-a1", lang)
            app.show_card(cards[1].id)
            shot("05-detail-ehic", lang)
            app.show("scan")
            shot("06-scan", lang)
            app.show_consent_or_result(ctl.open_request(rp.uri))
            shot("07-consent-over-asking", lang)
            app.screen("consent").share()
            shot("08-result-shared", lang)
            from credential.reasons import lookup  # the reason in the shot's language (it was English but in Danish)

            app.show_result(Message(False, ctl.t("result.refused"), lookup("rp.registration").text(lang),
                                    "rp.registration"))
            shot("09-result-unregistered", lang)
            app.show("history")
            shot("10-history", lang)
            app.show("settings")
            shot("11-settings", lang)
            app.set_font_scale(1.6)
            app.show("cards")
            shot("12-cards-large-text", lang)
            app.show_card(cards[0].id)
            shot("13-detail-large-text", lang)
            app.set_font_scale(1.0)
            # offline presentation: an inspector's RQ1: request -> consent -> the response QR full screen
            app.show_consent_or_result(ctl.open_offline_request(offline_request(eco, now)))
            shot("14-consent-offline", lang)
            app.screen("consent").share()
            shot("15-offline-qr", lang)
            app.screen("offline_qr").done()
            # a card whose one-time copies are all used: the reminder to ask the issuer again
            used = issue_demo_card(eco, ctl.wallet, "pda1", now, copies=1)
            for copy in used.copies:
                copy.used_at = now
            ctl.wallet.save_card(used)
            app.show("cards")
            shot("16-cards-no-copies-left", lang)
            ctl.wallet.delete_card(used.id)
            # getting a document by logging in at an institution (a demo issuer noted as running on this machine)
            register_demo_issuer(eco.home, eco.institution("udk").name, "http://127.0.0.1:8441")
            app.show_get_document()
            getdoc = app.screen("get_document")
            getdoc.choose_institution("http://127.0.0.1:8441")
            getdoc.choose_document("urn:eudi:pda1:1")
            shot("17-get-document", lang)
            # issue 15: the citizen's safety nets
            for name, screen in (("18-guide", "guide"), ("19-backup", "backup"), ("20-change-pin", "change_pin"),
                                 ("21-lost-phone", "lost")):
                app.show(screen)
                shot(name, lang)
            app.show("backup")  # where the backup goes: the folder dialog, in a folder with folders and a file
            place = Path(work) / "backups"
            for sub in ("2025", "2026", "USB"):
                (place / sub).mkdir(parents=True, exist_ok=True)
            (place / "notes.txt").write_text("not a folder: not listed")
            app.screen("backup").folder.text = str(place)
            folder_dialog = app.screen("backup").choose_folder()
            shot("27-backup-folder-dialog", lang)
            folder_dialog.dismiss(animation=False)
            app.ctl, fresh.lang = fresh, lang  # restoring happens before a wallet exists
            app.show("restore")
            shot("22-restore", lang)
            app.show("guide")  # the first run: also "I have a backup: restore it"
            shot("26-guide-first-run", lang)
            app.ctl = ctl
            app.show("forgot")  # from the unlock screen: "Forgot your PIN?"
            shot("25-forgot-pin", lang)
            # an A1 ending in 12 days: the reminder banner on the documents screen
            import datetime as dt

            ending = issue_demo_card(eco, ctl.wallet, "pda1", now)
            ending.claims = {**ending.claims, "ending_date": (dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
                                                              + dt.timedelta(days=12)).isoformat()}
            ctl.wallet.save_card(ending)
            app.show("cards")
            shot("23-cards-expiry-banner", lang)
            ctl.wallet.delete_card(ending.id)
            # two health insurance cards answer the hospital: the citizen chooses; the Swedish one shows the Nordic note
            swedish = issue_demo_card(eco, ctl.wallet, "ehic", now, institution="fk")
            app.show_consent_or_result(ctl.open_request(rp.uri))
            consent = app.screen("consent")
            if len(getattr(consent, "choice_buttons", [])) > 1:
                consent.choice_buttons[-1].dispatch("on_release")
            shot("24-consent-choose-card", lang)
            app.show("cards")
            ctl.wallet.delete_card(swedish.id)
            # fresh cards for the next language: each run shares two one-time copies of the A1
            for card in cards:
                ctl.wallet.delete_card(card.id)
            cards = [issue_demo_card(eco, ctl.wallet, "pda1", now), issue_demo_card(eco, ctl.wallet, "ehic", now)]
    return run.paths
