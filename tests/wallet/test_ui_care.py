"""Issue 15, item 4, on the real Kivy app offscreen with the real issuer and verifier on loopback, driven by taps:
first-run guide → PIN; a card's copies in plain words, new copies now, the paper copy; the expiry banner; backup
with a recovery phrase → change PIN → PIN forgotten: erase from the unlock screen → restore (wrong phrase first) →
present: PASSED; two matching cards:
the citizen chooses; the Nordic note; lost-phone guidance. Every screen in all ten languages without raw codes
(tests/rawcodes.py)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy
from tests.rawcodes import assert_no_raw, kivy_texts

from credential.i18n import LANGS


def _no_raw(app, where: str, claims=None) -> None:
    for lang in LANGS:
        app.set_language(lang)
        assert_no_raw(kivy_texts(app.screen(app.current), f"{where}-{lang}"), claims=claims, where=f"{where} {lang}")
    app.set_language("en")


def _texts(screen) -> str:
    return "\n".join(s.text for s in kivy_texts(screen))


class TestCareJourney(KivyTestCase):
    def tap(self, widget, frames: int = 3):
        """Scroll the widget into view first, as a person would, then tap it."""
        from kivy.uix.scrollview import ScrollView

        parent, depth = widget.parent, 0
        while parent is not None and not isinstance(parent, ScrollView) and depth < 40:
            parent, depth = parent.parent, depth + 1
        if not isinstance(parent, ScrollView):
            parent = None
        if parent is not None and parent.children and parent.children[0].height > parent.height:
            self.advance_frames(2)
            parent.scroll_to(widget, animate=False)
            self.advance_frames(2)
        super().tap(widget, frames)

    def test_guide_backup_change_pin_restore_present(self):
        from kivy.core.window import Window

        from tests.wallet.servers import start_services
        from wallet.issuance import receive
        from wallet.storage import KdfParams
        from wallet.trust import load_trust_store
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(__import__("tempfile").mkdtemp(prefix="esspass-care-"))
        services, stop = start_services(tmp / "home")
        try:
            ctl = WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10))
            app = WalletApp(ctl, sync=True, export_dir=tmp / "exports", first_run_guide=True)
            app._run_prepare()
            self.advance_frames(3)

            # first run: the guide, before the PIN
            assert app.current == "guide"
            guide = app.screen("guide")
            text = _texts(guide)
            assert "A1" in text and "European Health Insurance Card" in text and "Nobody can recover" in text
            _no_raw(app, "guide")
            self.tap(guide.lost_button)
            assert app.current == "lost" and "revoke the copies" in _texts(app.screen("lost"))
            app.go_back()
            assert app.current == "guide"
            self.tap(app.screen("guide").continue_button)
            assert app.current == "onboarding"
            onb = app.screen("onboarding")
            onb.ids.pin.text = onb.ids.pin2.text = "123456"
            self.tap(onb.ids.create)
            assert app.current == "cards"

            # an EHIC with 2 copies from the real issuer; one shown to the real verifier
            store = load_trust_store(services.trust_dir, int(time.time()))
            offer, code, view = services.offer("ehic")
            card = receive(ctl.wallet, offer, store, tx_code=code, copies=2).cards[0]
            self._present(app, ctl, services)
            app.show_card(card.id)
            detail = app.screen("detail")
            assert "Can be shown 1 more time" in _texts(detail) and "one-time" not in _texts(detail)
            assert "Nordic convention" in _texts(detail)  # a Danish EHIC
            _no_raw(app, "detail", claims=card.claims)
            self.tap(app.screen("detail").renew_button)  # copies run low → new ones from the issuer
            from wallet.issuance import DEFAULT_COPIES

            n = ctl.wallet.card(card.id).copies_left
            assert n == 1 + DEFAULT_COPIES  # the unused one kept, a new batch added
            assert f"Can be shown {n} more times" in _texts(app.screen("detail"))
            assert f"{DEFAULT_COPIES} new copies received" in _texts(app.screen("detail"))
            self.tap(app.screen("detail").paper_button)
            pdfs = list((tmp / "exports").glob("*paper-copy*.pdf"))
            assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")

            # no backup yet: the documents screen says so below the cards and leads to the backup
            app.show("cards")
            nudge = app.screen("cards").ids.list.backup_nudge
            assert nudge is not None and "No backup yet" in _texts(nudge)
            self.tap(nudge.backup_button)
            assert app.current == "backup"
            # settings → backup with a recovery phrase, shown once
            app.show("settings")
            assert "No backup yet" in _texts(app.screen("settings"))
            _no_raw(app, "settings")
            self.tap(app.screen("settings").backup_button)
            assert app.current == "backup"
            backup = app.screen("backup")
            phrase = backup.phrase_label.text
            assert len(phrase) == 24
            _no_raw(app, "backup-phrase")
            backup = app.screen("backup")
            phrase = backup.phrase_label.text  # the language switches re-rendered the screen: still the same phrase
            # where it goes: chosen in the folder dialog (folders only), or typed
            (tmp / "backups" / "2026").mkdir(parents=True)
            (tmp / "backups" / "notes.txt").write_text("not a folder")
            backup.folder.text = str(tmp / "backups")
            dialog = backup.choose_folder()
            self.advance_frames(3)
            listed = {Path(f).name for f in dialog.chooser.files}
            assert "2026" in listed and "notes.txt" not in listed, listed
            assert not dialog.open_button.disabled and dialog.open_button.text == "Use this folder"
            self.tap(dialog.cancel_button)  # cancelled: the field keeps what it had
            assert app.dialog is None and backup.folder.text == str(tmp / "backups")
            dialog = backup.choose_folder()
            self.advance_frames(3)
            dialog.choose(str(tmp / "backups" / "2026"))  # a folder opened
            self.advance_frames(2)
            self.tap(dialog.open_button)  # "Use this folder": the one shown
            assert app.dialog is None and backup.folder.text == str(tmp / "backups" / "2026")
            self.tap(backup.save_button)
            assert app.last_backup is not None and app.last_backup.exists(), backup.message.text
            assert app.last_backup.parent == tmp / "backups" / "2026"
            app.show("cards")
            assert app.screen("cards").ids.list.backup_nudge is None  # made: no more nudge
            app.show("backup")
            backup = app.screen("backup")
            self.tap(backup.pin_button)  # the PIN variant says why the phrase is safer
            assert "much safer" in _texts(app.screen("backup"))
            _no_raw(app, "backup-pin")

            # change the PIN: a wrong current PIN first
            app.show("change_pin")
            pin = app.screen("change_pin")
            pin.old.text, pin.new.text, pin.repeat.text = "000000", "246802", "246802"
            self.tap(pin.change_button)
            assert app.current == "change_pin" and "9 attempts left" in pin.message.text
            _no_raw(app, "change-pin")
            pin = app.screen("change_pin")
            pin.old.text, pin.new.text, pin.repeat.text = "123456", "246802", "246802"
            self.tap(pin.change_button)
            assert app.current == "result" and app.screen("result").ok
            app.lock()
            unlock = app.screen("unlock")
            unlock.ids.pin.text = "246802"
            self.tap(unlock.ids.unlock)
            assert app.current == "cards"

            # the PIN is forgotten: from the unlock screen, erase (two taps), then restore the backup (wrong phrase
            # first)
            history = len(ctl.wallet.history())
            app.lock()
            self.tap(app.screen("unlock").ids.forgot)
            assert app.current == "forgot"
            forgot = app.screen("forgot")
            assert "Nobody can recover a forgotten PIN" in _texts(forgot) and "recovery phrase" in _texts(forgot)
            _no_raw(app, "forgot")
            forgot = app.screen("forgot")
            self.tap(forgot.erase_button)
            assert ctl.wallet.exists and app.current == "forgot"  # the first tap only asks again
            assert "Tap again" in forgot.erase_button.text
            self.tap(forgot.erase_button)
            assert not ctl.wallet.exists and app.current == "guide"
            self.tap(app.screen("guide").restore_button)
            assert app.current == "restore"
            restore = app.screen("restore")
            _no_raw(app, "restore")
            restore = app.screen("restore")
            dialog = restore.choose_file()  # the file chooser shows backup files
            assert dialog.chooser.filters == ["*.jwe"]
            dialog.dismiss(animation=False)  # an animated dismissal leaves the view over the screen for a while,
            self.advance_frames(2)  # where it takes the next tap (on a fast machine the tap came first)
            assert dialog.parent is None
            restore.file.text = str(app.last_backup)
            restore.secret.text = "AAAA-BBBB-CCCC-DDDD-EEEE"
            restore.pin.text = restore.pin2.text = "135791"
            self.tap(restore.restore_button)
            assert app.current == "restore" and "does not open this backup" in restore.error.text
            assert not ctl.wallet.exists
            restore.secret.text = phrase.lower()
            restore.pin.text = restore.pin2.text = "135791"
            self.tap(restore.restore_button)
            assert app.current == "result" and app.screen("result").ok, restore.error.text
            assert len(ctl.wallet.history()) == history + 0  # the whole history came back
            assert self._present(app, ctl, services, tap=False) == "PASSED"
            Window.remove_widget(app.root)
        finally:
            stop()

    def _present(self, app, ctl, services, *, tap: bool = True) -> str:
        app.show("scan")
        url, tid = services.request("ehic-care")
        scan = app.screen("scan")
        scan.ids.link.text = url
        if tap:
            self.tap(scan.ids.go)
        else:
            # after the restore the offscreen test window took the next tap on this screen as a scroll (scroll_y
            # far below 0; not seen with a mouse): press Go through the screen, as its button does
            scan.go()
        assert app.current == "consent", (scan.ids.error.text, ctl.last_message)
        self.tap(app.screen("consent").ids.share)
        assert app.screen("result").ok, app.screen("result").text
        return services.verifier.transaction_view(tid)["decision"]["result"]

    def test_two_matching_cards_the_citizen_chooses_and_nordic_note(self):
        from kivy.core.window import Window

        from trust_list.demo import build_demo_ecosystem
        from wallet.demo import issue_demo_card, over_asking_rp
        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(__import__("tempfile").mkdtemp(prefix="esspass-care2-"))
        now = int(time.time())
        eco = build_demo_ecosystem(tmp / "eco", now)
        rp = over_asking_rp(eco, now)  # Rigshospitalet (DK)
        ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10), http_client=rp.client)
        ctl.create("123456", "123456")
        first = issue_demo_card(eco, ctl.wallet, "ehic", now)
        second = _swedish_ehic(eco, ctl.wallet, now)  # Försäkringskassan: care in Denmark on a Swedish card
        app = WalletApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        app.show("cards")
        app.show_consent_or_result(ctl.open_request(rp.uri))
        consent = app.screen("consent")
        assert [c.card_id for c in ctl.choices(ctl.consent.items[0].query_id)] == [first.id, second.id]
        assert len(consent.choice_buttons) == 2 and consent.choice_buttons[0].chosen
        assert "Nordic convention" not in _texts(consent)  # a Danish card at a Danish hospital
        _no_raw(app, "consent-choose")
        consent = app.screen("consent")
        self.tap(consent.choice_buttons[1])
        assert ctl.consent.items[0].card.id == second.id
        consent = app.screen("consent")
        assert consent.choice_buttons[1].chosen and "Nordic convention" in _texts(consent)
        _no_raw(app, "consent-nordic")
        self.tap(app.screen("consent").ids.share)
        assert app.screen("result").ok
        assert ctl.wallet.history()[-1].card_id == second.id  # the chosen card was the one shown
        assert ctl.wallet.card(second.id).copies_left == 4 and ctl.wallet.card(first.id).copies_left == 5
        Window.remove_widget(app.root)

    def test_expiry_banner_and_no_copies_not_plain_valid(self):
        from kivy.core.window import Window

        from trust_list.demo import build_demo_ecosystem
        from wallet.demo import issue_demo_card
        from wallet.storage import KdfParams
        from wallet.ui.app import CardTile, WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(__import__("tempfile").mkdtemp(prefix="esspass-care3-"))
        now = int(time.time())
        eco = build_demo_ecosystem(tmp / "eco", now)
        import datetime as dt

        ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10), clock=lambda: now)
        ctl.create("123456", "123456")
        card = issue_demo_card(eco, ctl.wallet, "pda1", now, copies=1)
        ends = (dt.datetime.fromtimestamp(now, dt.timezone.utc).date() + dt.timedelta(days=12)).isoformat()
        card.claims = {**card.claims, "ending_date": ends}
        card.copies[0].used_at = now  # none left, and this demo card cannot be renewed
        ctl.wallet.save_card(card)
        app = WalletApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(2)
        app.show("cards")
        cards = app.screen("cards")
        banner = getattr(cards.ids.list, "banner", None)
        assert banner is not None and "ends in 12 days" in _texts(banner)
        tile = [w for w in cards.ids.list.children if isinstance(w, CardTile)][0]
        assert tile.status_code != "VALID" and tile.status == "Valid, but cannot be shown now"
        assert "ask Udbetaling Danmark for a new offer" in tile.copies
        _no_raw(app, "cards-banner", claims=card.claims)
        app.show_card(card.id)
        _no_raw(app, "detail-no-copies", claims=card.claims)
        # the document's period is the first validity line, the signature's the last (not read as the card's end)
        assert [row[0] for row in ctl.card_detail(card.id)["layers"]] == ["Document period", "Coverage period",
                                                                          "Signature valid"]
        Window.remove_widget(app.root)


def _swedish_ehic(eco, wallet, now):
    """An EHIC signed by the demo Försäkringskassan (SE), as OpenID4VCI would deliver it."""
    from credential import jose, sd_jwt_vc
    from credential.types import get_type, sample_claims
    from wallet.core import Card, Copy, new_id, private_jwk

    inst = eco.institution("fk")
    ctype = get_type("ehic")
    claims = sample_claims("ehic")
    claims["issuing_authority"] = {**claims["issuing_authority"], "id": "SE:FK", "name": "Försäkringskassan",
                                   "country": "SE"}
    claims["issuing_country"] = "SE"
    claims["document_number"] = "SE-EHIC-0001"
    copies = []
    payload = {}
    for _ in range(5):
        key = jose.SigningKey.generate()
        issued = sd_jwt_vc.issue_vc(claims, inst.credential_key, vct=ctype.vct, iat=now - 3600, exp=now + 365 * 86400,
                                    iss="https://www.forsakringskassan.se", sd_paths=ctype.sd_layout,
                                    holder_jwk=key.public_jwk(),
                                    header={"kid": inst.credential_x5t[:16], "x5t#S256": inst.credential_x5t})
        copies.append(Copy(sd_jwt=issued.serialize(), key=private_jwk(key)))
        payload = claims
    card = Card(id=new_id(), vct=ctype.vct, type_key="ehic", issuer_id="https://www.forsakringskassan.se",
                issuer_name="Försäkringskassan", configuration_id="ehic_sd_jwt", claims=payload,
                received_at=now + 1, iat=now - 3600, exp=now + 365 * 86400, copies=copies)
    wallet.save_card(card)
    return card
