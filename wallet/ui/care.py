"""The citizen's safety nets, as app logic (issue 15, item 4): the first-run guide, backup and restore, change PIN,
the lost-phone guidance, expiry reminders (banner and Android notification), copies in plain words and renewed when
online, choosing between two matching cards, the paper copy, and the Nordic convention note.

A mixin of :class:`~wallet.ui.controller.WalletController` (``self`` is the controller): no Kivy here, the screens
in :mod:`wallet.ui.care_screens` render what these return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credential.reasons import Rejected

from .. import reasons as R

NORDIC = frozenset({"DK", "SE", "NO", "FI", "IS"})  # the Nordic Convention on Social Security (2012) countries
BANNER_DAYS = 30  # the in-app banner: a document or coverage ending within this many days (or ended)
NOTIFY_DAYS = (30, 7, 1, 0)  # Android notifications: on these days before the end, once each


@dataclass
class Choice:
    """One card that can answer a request, as the person tells them apart."""

    card_id: str
    label: str
    chosen: bool


class CareActions:
    # ------------------------------------------------------------ first-run guide
    def guide_sections(self) -> list[tuple[str, str]]:
        """(heading, text): what the A1 and the EHIC are, how to get them, the PIN and the backup."""
        return [(self.t(f"guide.{k}.title"), self.t(f"guide.{k}.text")) for k in ("a1", "ehic", "get", "pin")]

    # ------------------------------------------------------------ backup and restore
    def new_phrase(self) -> str:
        """A recovery phrase, made once for the backup about to be written and shown once."""
        from ..backup import new_recovery_phrase

        self.pending_phrase = new_recovery_phrase()
        return self.pending_phrase

    def write_backup(self, folder: Path | str, *, use_pin: bool, pin: str = "", p2c: int | None = None) -> Path:
        """Write the encrypted backup to ``folder``: under the PIN (checked: the wallet's own PIN) or under the
        recovery phrase made by :meth:`new_phrase`. Rejected(wallet.pin_wrong) for another PIN."""
        from ..backup import write_backup

        if use_pin:
            self._check_own_pin(pin)
            secret = pin
        else:
            secret = getattr(self, "pending_phrase", "")
            if not secret:  # a phrase nobody saw would lock the person out of their own backup
                raise RuntimeError("show the recovery phrase (new_phrase) before writing the backup")
        path = write_backup(self.wallet, folder, secret, p2c=p2c)
        self.pending_phrase = ""
        self.wallet.update_settings(last_backup=self.wallet.now())
        return path

    def _check_own_pin(self, pin: str) -> None:
        """The wallet's own PIN, checked like at unlock: a wrong one counts as a failed attempt (WrongPin)."""
        self.wallet.storage.unlock(pin)

    def backup_status(self) -> str:
        """"Last backup: …" or "No backup yet …" for the settings screen."""
        at = self.wallet.settings().get("last_backup") if self.wallet.unlocked else None
        if not at:
            return self.t("backup.none_yet")
        from .controller import _ts_date

        return self.t("backup.last", date=_ts_date(int(at), self.lang))

    def restore(self, path: Path | str, secret: str, pin: str, repeat: str) -> "Any":
        """Restore a backup file as this phone's wallet; None when done, else a Message (nothing changed)."""
        from ..backup import restore
        from .controller import Message

        if pin != repeat:
            return Message(False, self.t("restore.title"), self.t("onb.pins_differ"), R.PIN_MISMATCH.code)
        try:
            data = Path(path).expanduser().read_bytes()
        except OSError as exc:
            return Message(False, self.t("restore.title"), self.t("restore.unreadable", path=str(path),
                                                                  why=exc.strerror or ""), R.BACKUP_DAMAGED.code)
        try:
            n = restore(self.wallet, data, secret, pin)
        except Rejected as exc:
            return Message(False, self.t("restore.title"), exc.reason.text(self.lang), exc.code)
        self.wallet.update_settings(lang=self.lang, font_scale=self.font_scale)
        self._save_lang()
        return Message(True, self.t("restore.done_title"), self.t("restore.done", n=n))

    # ------------------------------------------------------------ change PIN
    def change_pin(self, old: str, new: str, repeat: str) -> "Any":
        """Message: done, or why not (wrong old PIN with attempts left, new PINs differ, wrong form)."""
        from ..storage import PinDelay, WrongPin
        from .controller import Message

        if new != repeat:
            return Message(False, self.t("pin.title"), self.t("onb.pins_differ"), R.PIN_MISMATCH.code)
        try:
            self.wallet.storage.change_pin(old, new)
        except WrongPin as exc:
            return Message(False, exc.reason.text(self.lang), self.t("unlock.attempts_left", n=exc.attempts_left),
                           exc.code)
        except PinDelay as exc:
            from ..i18n import refusal

            return Message(False, self.t("pin.title"), refusal(exc)[self.lang], exc.code)
        except Rejected as exc:
            return Message(False, self.t("pin.title"), exc.reason.text(self.lang), exc.code)
        return Message(True, self.t("pin.done_title"), self.t("pin.done"))

    # ------------------------------------------------------------ lost phone
    def lost_phone_steps(self) -> list[str]:
        """What to do when the phone is lost, naming the institutions of the cards in this wallet."""
        names = sorted({c.issuer_name for c in self.wallet.cards()}) if self.wallet.unlocked else []
        who = ", ".join(names) if names else self.t("lost.the_institution")
        return [self.t("lost.step1", who=who), self.t("lost.step2"), self.t("lost.step3"), self.t("lost.step4")]

    # ------------------------------------------------------------ reminders
    def reminder_banner(self) -> list[str]:
        """One line per card whose document or coverage ends within :data:`BANNER_DAYS` days (or has ended):
        "Your A1 ends in 12 days (31.12.2026): ask Udbetaling Danmark in time if you still need it"."""
        from .controller import _date, _type_display

        lines = []
        seen = set()
        cards = {c.id: c for c in self.wallet.cards()}
        for r in sorted(self.wallet.expiry_reminders(BANNER_DAYS), key=lambda r: (r["days_left"] is None,
                                                                               r["days_left"] or 0)):
            if r["layer"] not in ("document", "coverage") or r["card_id"] in seen:
                continue
            seen.add(r["card_id"])
            card = cards[r["card_id"]]
            doc = _type_display(card.vct, self.lang, card.type_metadata)[0]
            n, date = r["days_left"], _date(r["date"], self.lang)
            key = "ended" if n < 0 else "today" if n == 0 else "one" if n == 1 else "days"
            lines.append(self.t(f"banner.{key}", doc=doc, n=n, date=date, issuer=card.issuer_name))
        return lines

    def due_notifications(self) -> list[tuple[str, str, str]]:
        """(id, title, text) of the reminders to notify now: each card's end on the days of :data:`NOTIFY_DAYS`
        before it (or the first time the app sees it within them), once each (remembered in the settings)."""
        from .controller import _date, _type_display

        done = set(self.wallet.settings().get("notified") or [])
        out = []
        cards = {c.id: c for c in self.wallet.cards()}
        for r in self.wallet.expiry_reminders(max(NOTIFY_DAYS)):
            if r["layer"] not in ("document", "coverage") or r["days_left"] < 0:
                continue
            step = min(d for d in NOTIFY_DAYS if d >= r["days_left"])
            nid = f"{r['card_id']}:{r['layer']}:{r['date']}:{step}"
            if nid in done:
                continue
            card = cards[r["card_id"]]
            doc = _type_display(card.vct, self.lang, card.type_metadata)[0]
            n = r["days_left"]
            key = "today" if n == 0 else "one" if n == 1 else "days"
            out.append((nid, self.t("notify.title"), self.t(f"banner.{key}", doc=doc, n=n,
                                                             date=_date(r["date"], self.lang),
                                                             issuer=card.issuer_name)))
        return out

    def notify(self, notifier: Any = None) -> int:
        """Show the due reminders as Android notifications through plyer where it is installed and works (the
        import is guarded: on a desktop without plyer, or where it has no backend, only the in-app banner shows);
        returns how many were shown. Each is marked shown only when the notification went out."""
        if notifier is None:
            try:
                from plyer import notification as notifier  # type: ignore[import-not-found,no-redef]
            except ImportError:
                return 0
            if not _notifications_allowed():
                return 0  # asked now; the reminders stay due and are shown next time
        shown = []
        for nid, title, text in self.due_notifications():
            try:
                notifier.notify(title=title, message=text, app_name="ESSPASS", timeout=10)
            except (NotImplementedError, ImportError, OSError, AttributeError):
                break  # plyer without a backend on this platform
            shown.append(nid)
        if shown:
            notified = list(self.wallet.settings().get("notified") or []) + shown
            self.wallet.update_settings(notified=notified[-200:])
        return len(shown)

    # ------------------------------------------------------------ copies in plain words
    def copies_plain(self, card: Any) -> str:
        """How many more times the card can be shown, or what to do when it cannot."""
        from ..renewal import can_renew

        n = card.copies_left
        if n > 1:
            return self.t("copies.times", n=n)
        if n == 1:
            return self.t("copies.once")
        return self.t("copies.renewing") if can_renew(card) else self.t("copies.ask_issuer", issuer=card.issuer_name)

    def copies_explained(self, card: Any) -> str:
        from ..renewal import can_renew

        return self.t("copies.explain") + " " + (self.t("copies.auto", issuer=card.issuer_name) if can_renew(card)
                                                 else self.t("copies.manual", issuer=card.issuer_name))

    def renew_now(self, card_id: str) -> "Any":
        from ..renewal import renew
        from .controller import Message

        try:
            with self._client() as client:
                got = renew(self.wallet, card_id, self._store(), client)
        except Rejected as exc:
            card = self.wallet.card(card_id)
            text = exc.reason.text(self.lang)
            if (card.renewal or {}).get("refused"):
                text = self.t("copies.refused", issuer=card.issuer_name)
            return Message(False, self.t("copies.renew_title"), text, exc.code)
        return Message(True, self.t("copies.renew_title"), self.t("copies.renewed", n=got.added))

    def renew_low(self) -> int:
        """Best effort, in the background after unlock: renew every card that runs low; how many were renewed."""
        from ..renewal import renew_low

        with self._client() as client:
            return len(renew_low(self.wallet, self._store(), client))

    # ------------------------------------------------------------ paper copy
    def paper_copy(self, card_id: str, folder: Path | str) -> "Any":
        """Fetch the paper copy (PDF) from the issuer and save it in ``folder``; a Message with where it went."""
        from ..private_file import write_private
        from ..renewal import paper_copy
        from .controller import Message, _type_display

        card = self.wallet.card(card_id)
        try:
            with self._client() as client:
                pdf = paper_copy(self.wallet, card_id, client)
        except Rejected as exc:
            text = exc.reason.text(self.lang)
            if exc.code == R.RENEWAL_UNAVAILABLE.code or (card.renewal or {}).get("refused"):
                text = self.t("paper.ask_issuer", issuer=card.issuer_name)
            return Message(False, self.t("paper.title"), text, exc.code)
        doc = _type_display(card.vct, "en")[0].replace(" ", "-")
        day = dt.datetime.fromtimestamp(self.wallet.now(), dt.timezone.utc).strftime("%Y-%m-%d")
        try:
            path = write_private(Path(folder).expanduser() / f"{doc}-paper-copy-{day}.pdf", pdf)
        except OSError as exc:
            return Message(False, self.t("paper.title"), f"{folder}: {exc.strerror}", "wallet.file_error")
        self.last_paper = path
        return Message(True, self.t("paper.title"), self.t("paper.saved", path=str(path)))

    # ------------------------------------------------------------ choosing a card, the Nordic note
    def choices(self, query_id: str) -> list[Choice]:
        """The cards that can answer one query of the request on the consent screen (more than one: the person
        chooses); empty when only one can."""
        from .controller import _date, _model, _type_display

        if self.consent is None:
            return []
        item = next((i for i in self.consent.items if i.query_id == query_id), None)
        if item is None or not item.candidates:
            return []
        out = []
        # in the order received, whichever is chosen: the list does not jump when the person picks another
        for card in sorted((self.wallet.card(c) for c in [item.card.id, *item.candidates]),
                           key=lambda c: (c.received_at, c.id)):
            cid = card.id
            _vct, model = _model(card)
            until = model.get("ending_date") or model.get("date_of_expiry")
            label = self.t("choose.card", doc=_type_display(card.vct, self.lang, card.type_metadata)[0],
                           issuer=card.issuer_name, date=_date(until, self.lang),
                           received=_date(dt.datetime.fromtimestamp(card.received_at, dt.timezone.utc)
                                          .date().isoformat(), self.lang))
            out.append(Choice(cid, label, cid == item.card.id))
        return out

    def choose(self, query_id: str, card_id: str) -> None:
        """Answer ``query_id`` with ``card_id`` (one of :meth:`choices`)."""
        from ..presentation import choose_card

        self.consent = choose_card(self.wallet, self.consent, query_id, card_id)

    def nordic_note(self) -> str:
        """In EHIC care between Nordic countries: the Nordic convention lets the person get care on an ID document
        and their address (a note on the consent screen when the clinic's certificate and the card are from two
        Nordic countries)."""
        if self.consent is None:
            return ""
        from cryptography.x509.oid import NameOID

        try:
            cert = self.consent.request.rp.access_chain[0]
            where = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value
        except (IndexError, AttributeError):
            return ""
        for item in self.consent.items:
            home = _card_country(item.card)
            if item.card.type_key == "ehic" and home in NORDIC and where in NORDIC and home != where:
                return self.t("nordic.note")
        return ""

    def nordic_card_note(self, card: Any) -> str:
        """The same note on an EHIC card from a Nordic country (the detail screen)."""
        return self.t("nordic.note") if card.type_key == "ehic" and _card_country(card) in NORDIC else ""


def _card_country(card: Any) -> str:
    claims = card.claims or {}
    ia = claims.get("issuing_authority") if isinstance(claims.get("issuing_authority"), dict) else {}
    return str(claims.get("issuing_country") or ia.get("country") or "")


def _notifications_allowed() -> bool:
    """Android 13+ (API 33) shows an app's notifications only after the person granted POST_NOTIFICATIONS (declared in
    buildozer.spec): ask once when it is missing. Elsewhere (no python-for-android ``android`` module) there is
    nothing to ask. Not exercised in CI: it needs a phone."""
    try:
        from android.permissions import check_permission, request_permissions  # type: ignore[import-not-found]
    except ImportError:
        return True
    name = "android.permission.POST_NOTIFICATIONS"
    try:
        if check_permission(name):
            return True
        request_permissions([name])
    except Exception:  # noqa: BLE001 - an older python-for-android: let plyer try, as before
        return True
    return False
