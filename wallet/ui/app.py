"""The Kivy wallet app: screens from ``wallet.kv``; all logic in :class:`~wallet.ui.controller.WalletController`.

Network work runs in a background thread and comes back to the UI thread through ``Clock``;
tests set ``app.sync = True`` so a tap completes before the next frame.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from uikit import env
from uikit import KitApp
from uikit.palette import DANGER, WARN_INK, rgba
from uikit import QrView  # noqa: F401 - used by wallet.kv
from uikit import CameraScreen, KeyValue, make

from credential.i18n import by_name

from ..i18n import t
from . import care_screens
from .controller import Message, WalletController

KV = Path(__file__).with_name("wallet.kv")
MAIN_SCREENS = ("cards", "scan", "history", "settings")


class CardTile(ButtonBehavior, BoxLayout):
    card_id = StringProperty("")
    title = StringProperty("")
    holder = StringProperty("")
    issuer = StringProperty("")
    valid_until = StringProperty("")
    background = StringProperty("#1D3F8C")
    text_colour = StringProperty("#FFFFFF")
    status = StringProperty("")
    status_code = StringProperty("")
    copies = StringProperty("")
    reminder = StringProperty("")

    def on_release(self):
        App.get_running_app().show_card(self.card_id)


class HistoryRow(BoxLayout):
    title = StringProperty("")
    when = StringProperty("")
    outcome = StringProperty("")
    ok = BooleanProperty(True)
    purpose = StringProperty("")
    claims = StringProperty("")
    reason = StringProperty("")


class OnboardingScreen(Screen):
    def submit(self) -> None:
        app = App.get_running_app()
        msg = app.ctl.create(self.ids.pin.text, self.ids.pin2.text)
        if msg is not None:
            self.ids.error.text = msg.text
            return
        self.ids.pin.text = self.ids.pin2.text = self.ids.error.text = ""
        app.show("cards")


class UnlockScreen(Screen):
    _ticking = None
    _title = ""

    def submit(self) -> None:
        app = App.get_running_app()
        msg = app.ctl.unlock(self.ids.pin.text)
        self.ids.pin.text = ""
        if msg is not None:
            self.ids.error.text = f"{msg.title}\n{msg.text}"
            self._title = msg.title
            if app.ctl.unlock_wait()[0] > 0:  # a wait: count it down, second by second (issue 17)
                self.tick()
                if self._ticking is None:
                    self._ticking = Clock.schedule_interval(lambda _dt: self.tick(), 1.0)
            return
        self.ids.error.text = ""
        self._stop_ticking()
        app.lang, app.font_scale = app.ctl.lang, app.ctl.font_scale
        app.show("cards")
        app.refresh_status_background()

    def tick(self) -> None:
        """The wait as it is now; when it is over: "You can try again now."."""
        wait, text = App.get_running_app().ctl.unlock_wait()
        self.ids.error.text = f"{self._title}\n{text}" if self._title else text
        if wait <= 0:
            self._stop_ticking()

    def _stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking.cancel()
            self._ticking = None


class CardsScreen(Screen):
    removed_id = StringProperty("")  # the card just removed: "Undo" puts it back
    removed_text = StringProperty("")

    def undo(self) -> None:
        app = App.get_running_app()
        if self.removed_id:
            app.ctl.restore_card(self.removed_id)
        self.removed_id = self.removed_text = ""
        self.refresh()

    def on_leave(self, *args: Any) -> None:
        self.removed_id = self.removed_text = ""  # the undo bar is for right after the removal; Settings keeps it

    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.list
        box.clear_widgets()
        cards = app.ctl.cards() if app.ctl.wallet.unlocked else []
        care_screens.reminder_banner(app, box)  # documents ending soon (issue 15)
        if not cards:
            box.add_widget(make("Body", text=app.tr("cards.empty", app.lang)))
        for c in cards:
            box.add_widget(CardTile(card_id=c.id, title=c.title, holder=c.holder, issuer=c.issuer,
                                    valid_until=c.valid_until, background=c.background, text_colour=c.text_colour,
                                    status=c.status, status_code=c.status_code, copies=c.copies, reminder=c.reminder))
        box.backup_nudge = None
        if cards:
            care_screens.backup_nudge(app, box)  # documents and no backup yet: the way to one, below the cards


class DetailScreen(Screen):
    card_id = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.body
        box.clear_widgets()
        if not self.card_id:
            return
        d = app.ctl.card_detail(self.card_id)
        tile = [c for c in app.ctl.cards() if c.id == self.card_id]
        if tile:
            c = tile[0]
            box.add_widget(CardTile(card_id="", title=c.title, holder=c.holder, issuer=c.issuer,
                                    valid_until=c.valid_until, background=c.background, text_colour=c.text_colour,
                                    status=c.status, status_code=c.status_code, copies=c.copies, reminder=c.reminder))
        panel = make("Panel")
        panel.add_widget(make("SubHeading", text=app.tr("detail.validity", app.lang)))
        for name, value, state_text, state in d["layers"]:
            colour = "0B6B3A" if state == "ok" else "B42318"
            panel.add_widget(KeyValue(key=name, value=f"{value}   [b][color=#{colour}]{state_text}[/color][/b]"))
        panel.add_widget(KeyValue(key=app.tr("detail.status", app.lang), value=d["status"]))
        box.add_widget(panel)
        claims = make("Panel")
        claims.add_widget(make("SubHeading", text=app.tr("detail.claims", app.lang)))
        for key, value in d["rows"]:
            claims.add_widget(KeyValue(key=key, value=value))
        box.add_widget(claims)
        care_screens.detail_extras(app, box, self.card_id, d)  # copies, new copies, paper copy (issue 15)
        delete = make("DangerButton", text=app.tr("detail.delete", app.lang))
        delete.bind(on_release=lambda *_: self.delete())
        box.add_widget(delete)

    def delete(self) -> None:
        """Ask first (issue 17: one tap used to delete a card for good); the card stays restorable."""
        app = App.get_running_app()
        card_id = self.card_id
        title, text = app.ctl.remove_question(card_id)

        def remove() -> None:
            done = app.ctl.remove_card(card_id)
            app.show("cards")
            cards = app.screen("cards")
            cards.removed_id, cards.removed_text = card_id, done

        return app.confirm(title, text, app.tr("remove.yes", app.lang), app.tr("remove.no", app.lang), remove,
                           danger=True)


class WalletScanScreen(CameraScreen):
    """The scan screen ("scan"): the camera where there is one, "open image" and "paste link" everywhere. Named
    apart from the inspector app's ``ScanScreen``: Kivy matches kv rules by class name, so both apps in one process
    (the offline exchange test) would otherwise get each other's layout."""

    needs_code = BooleanProperty(False)
    code_length = NumericProperty(0)  # digits the issuer said the code has (OID4VCI 1.0 §4.1.1 tx_code.length)
    no_camera_key = "camera.none_image_or_link"

    def refresh(self) -> None:
        self.ids.error.text = ""
        app = App.get_running_app()
        self.ids.code_label.text = app.ctl.code_prompt(self.code_length)
        self.refresh_camera()

    def link_changed(self) -> None:
        """A new link (typed, pasted, scanned): yesterday's error and code prompt no longer apply."""
        if self.ids.link.text.strip() != getattr(self, "_asked_for", None):
            self.ids.error.text = ""
            self.needs_code, self.code_length = False, 0

    def on_code(self, text: str) -> None:
        """A QR code read by the camera: as if its text had been pasted."""
        self.ids.link.text = text
        self.go()

    def open_image(self):
        """Choose a picture of a QR code (a screenshot, a photo, a file sent by mail): the kit's file dialog, with
        the folder shown, the folder used last time, and Open / Cancel."""
        app = App.get_running_app()
        return app.open_file_dialog(app.tr("scan.open_image", app.lang), self.load_image,
                                    Path(app.ctl.wallet.directory) / "ui")

    def load_image(self, path: str | Path) -> None:
        app = App.get_running_app()
        text = app.ctl.decode_image(path)
        if not text:
            self.ids.error.text = app.tr("scan.no_code", app.lang)
            return
        self.ids.link.text = text
        self.go()

    def _received(self, link: str, msg: Message) -> None:
        """After receiving: a wrong code keeps the link and asks again, with the tries left (issue 17)."""
        app = App.get_running_app()
        if not msg.ok and msg.code == "wallet.tx_code_wrong":  # tries left: stay here, link kept, ask again
            self.ids.link.text = link
            self.needs_code = True
            self.ids.error.text = msg.text
            return
        self.ids.link.text = ""
        self._asked_for = None
        self.needs_code, self.code_length = False, 0
        app.show_result(msg)

    def go(self) -> None:
        app = App.get_running_app()
        link = self.ids.link.text.strip()
        if not link:
            self.ids.error.text = app.tr("scan.empty", app.lang)
            return
        kind = app.ctl.classify(link)
        self.ids.error.text = ""
        if kind == "offer":
            if not self.needs_code:
                from credential.reasons import Rejected

                try:
                    if app.document_login.needs_login(link):  # only the authorization_code grant: log in first
                        self.ids.link.text = ""
                        app.show_get_document(offer_uri=link)
                        return
                    tx = app.ctl.offer_code(link)
                except Rejected as exc:
                    app.show_result(app.ctl.reason(exc))
                    return
                if tx is not None:
                    self._asked_for = link
                    self.needs_code, self.code_length = True, tx.length or 0
                    self.ids.code_label.text = app.ctl.code_prompt(tx.length)
                    self.ids.error.text = self.ids.code_label.text
                    return
            code = self.ids.tx_code.text.strip() or None
            if self.needs_code and self.code_length and len(code or "") != self.code_length:
                # a code of the wrong length would only cost one of the issuer's few tries
                self.ids.error.text = app.tr("scan.tx_code_length", app.lang, n=self.code_length)
                return
            self.ids.tx_code.text = ""
            app.run_task(lambda: app.ctl.receive(link, code), lambda msg: self._received(link, msg))
        elif kind == "request":
            self.ids.link.text = ""
            app.run_task(lambda: app.ctl.open_request(link), app.show_consent_or_result)
        elif kind == "offline_request":  # an inspector's RQ1: code: checked offline, no network
            self.ids.link.text = ""
            app.run_task(lambda: app.ctl.open_offline_request(link), app.show_consent_or_result)
        else:
            self.ids.error.text = app.tr("scan.unknown", app.lang)


class ConsentScreen(Screen):
    agree_extra = BooleanProperty(False)
    agree_unregistered = BooleanProperty(False)
    unregistered = BooleanProperty(False)

    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.body
        box.clear_widgets()
        if app.ctl.consent is None:
            return
        v = app.ctl.consent_view()
        self.agree_extra = self.agree_unregistered = False
        self.unregistered = v.unregistered
        if v.unregistered:  # issue 13 item 4: unmistakable, first; nothing is shared without the tick below
            ink = rgba(WARN_INK)
            warn = make("WarningPanel")
            warn.add_widget(make("Body", text=f"[b]{app.tr('consent.unreg_title', app.lang)}[/b]", color=ink,
                                 font_size=app.sp(18)))
            warn.add_widget(make("Body", text=v.unreg_text, color=ink))
            for line in v.unreg_lines:
                warn.add_widget(make("Body", text=line, color=ink))
            row, self.unregistered_checkbox = check_row(
                app.tr("consent.unreg_agree", app.lang), ink, lambda value: setattr(self, "agree_unregistered", value))
            warn.add_widget(row)
            box.add_widget(warn)
        if v.over_asking:  # unmistakable, first thing on the screen
            ink = rgba(WARN_INK)
            warn = make("WarningPanel")
            warn.add_widget(make("Body", text=f"[b]{app.tr('consent.over_title', app.lang)}[/b]", color=ink,
                               font_size=app.sp(18)))
            warn.add_widget(make("Body", text=v.over_text, color=ink))
            for g in v.groups:
                if g["extra"]:
                    not_shared = f"[b]{app.tr('consent.not_shared', app.lang)}:[/b] " + ", ".join(g["extra"])
                    warn.add_widget(make("Body", text=not_shared, color=ink))
            row, self.extra_checkbox = check_row(
                app.tr("consent.over_agree", app.lang), ink, lambda value: setattr(self, "agree_extra", value))
            warn.add_widget(row)
            box.add_widget(warn)
        who = make("Panel")
        who.add_widget(make("Muted", text=app.tr("consent.who", app.lang)))
        who.add_widget(make("Heading", text=v.who))
        who.add_widget(make("Muted", text=v.who_detail))
        who.add_widget(make("Muted", text=app.tr("consent.why", app.lang)))
        who.add_widget(make("Body", text=v.why))
        box.add_widget(who)
        what = make("Panel")
        what.add_widget(make("SubHeading", text=app.tr("consent.what", app.lang)))
        for g in v.groups:
            what.add_widget(make("Muted", text=g["doc"]))
            for label in g["claims"]:
                what.add_widget(make("Body", text=f"•  {label}"))
        box.add_widget(what)
        care_screens.consent_extras(app, box, v)  # choose between matching cards, the Nordic note (issue 15)

    def share(self) -> None:
        app = App.get_running_app()
        extra, unreg = self.agree_extra, self.agree_unregistered
        if self.unregistered and not unreg:  # the Share button is disabled then; never share without the yes
            return
        if app.ctl.consent_offline:  # offline: the answer is a QR code on this screen, no network
            app.run_task(lambda: app.ctl.share_offline(include_over_asking=extra), app.show_offline_or_result)
            return
        app.run_task(lambda: app.ctl.share(include_over_asking=extra, accept_unregistered=unreg), app.show_result)

    def decline(self) -> None:
        app = App.get_running_app()
        app.run_task(app.ctl.decline, app.show_result)


class ResultScreen(Screen):
    ok = BooleanProperty(True)
    title = StringProperty("")
    text = StringProperty("")
    code = StringProperty("")

    def refresh(self) -> None:
        pass


class OfflineQrScreen(Screen):
    """The response QR full screen: large, black on white, one short instruction; no navigation around it."""

    detail = StringProperty("")
    qr_text = StringProperty("")

    def refresh(self) -> None:
        view = App.get_running_app().ctl.offline
        self.qr_text = view.qr_text if view is not None else ""
        self.detail = view.detail if view is not None else ""

    def done(self) -> None:
        app = App.get_running_app()
        app.ctl.close_offline()
        self.qr_text = self.detail = ""
        app.show("cards")


class ExportDialog(ModalView):
    """Where to save the history and how to protect it, with a plain explanation of what is inside (issue 17,
    item 4): a folder the user chooses, their PIN or a passphrase, or — only if ticked — a readable copy."""

    def __init__(self, app: "WalletApp", done: Any, **kw: Any) -> None:
        from kivy.metrics import dp

        kw.setdefault("size_hint", (0.94, 0.9))
        kw.setdefault("auto_dismiss", False)
        super().__init__(**kw)
        self.app, self.done = app, done
        tr = lambda key, **k: app.tr(key, app.lang, **k)  # noqa: E731
        column = make("Column")
        column.add_widget(make("Heading", text=tr("export.title")))
        column.add_widget(make("Body", text=tr("export.explain")))
        column.add_widget(make("SubHeading", text=tr("export.folder")))
        self.folder = make("Field", text=str(app.export_folder()))
        column.add_widget(self.folder)
        column.add_widget(make("SubHeading", text=tr("export.secret")))
        self.secret = make("Field", password=True)
        column.add_widget(self.secret)
        row, self.readable = check_row(tr("export.readable"), rgba(WARN_INK), None, min_height=dp(64))
        column.add_widget(row)
        self.error = make("Body", text="", color=rgba(DANGER))
        column.add_widget(self.error)
        buttons = BoxLayout(size_hint_y=None, height=dp(60), spacing=dp(10))
        self.cancel_button = make("SecondaryButton", text=tr("export.cancel"), size_hint_y=1)
        self.save_button = make("PrimaryButton", text=tr("export.save"), size_hint_y=1)
        buttons.add_widget(self.cancel_button)
        buttons.add_widget(self.save_button)
        column.add_widget(buttons)
        scroller = make("Scroller")
        scroller.add_widget(column)
        panel = make("Panel", size_hint_y=1, padding=0)
        panel.add_widget(scroller)
        self.add_widget(panel)
        self.cancel_button.bind(on_release=lambda *_: self.answer(False))
        self.save_button.bind(on_release=lambda *_: self.save())

    def answer(self, _yes: bool) -> None:  # Esc / Back: as "Cancel"
        self.dismiss(animation=False)

    def save(self) -> None:
        from credential.reasons import Rejected

        app = self.app
        try:
            paths = app.ctl.export(self.folder.text.strip(), self.secret.text, readable=self.readable.active)
        except Rejected as exc:
            self.error.text = exc.reason.text(app.lang)
            return
        except OSError as exc:
            self.error.text = f"{self.folder.text}: {exc.strerror}"
            return
        self.secret.text = ""
        app.remember_export_folder(paths[0].parent)
        self.dismiss(animation=False)
        self.done(paths)


class HistoryScreen(Screen):
    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.list
        box.clear_widgets()
        rows = app.ctl.history_rows() if app.ctl.wallet.unlocked else []
        if not rows:
            box.add_widget(make("Body", text=app.tr("history.empty", app.lang)))
        for r in rows:
            box.add_widget(HistoryRow(title=r["title"], when=r["when"], outcome=r["outcome"], ok=r["ok"] == "1",
                                      purpose=r["purpose"], claims=r["claims"], reason=r["reason"]))

    def export(self) -> ExportDialog:
        return App.get_running_app().ask_export()


class SettingsScreen(Screen):
    confirm_erase = BooleanProperty(False)

    def refresh(self) -> None:
        self.confirm_erase = False
        app = App.get_running_app()
        self.ids.erase.text = app.tr("settings.erase", app.lang)
        if app.ctl.wallet.unlocked:
            self.ids.strict.active = app.ctl.strict_verifiers
        box = self.ids.removed
        box.clear_widgets()
        rows = app.ctl.removed_rows() if app.ctl.wallet.unlocked else []
        if not rows:
            from ..core import RESTORE_DAYS

            box.add_widget(make("Muted", text=app.tr("removed.none", app.lang, days=RESTORE_DAYS)))
        for card_id, text in rows:
            box.add_widget(make("Body", text=text))
            button = make("SecondaryButton", text=app.tr("removed.restore", app.lang))
            button.card_id = card_id
            button.bind(on_release=lambda b: self.restore(b.card_id))
            box.add_widget(button)
        care_screens.settings_safety(app, self.ids.safety)  # backup, change PIN, lost phone (issue 15)

    def set_strict(self, on: bool) -> None:
        app = App.get_running_app()
        if app.ctl.wallet.unlocked and on != app.ctl.strict_verifiers:
            app.ctl.set_strict_verifiers(on)

    def restore(self, card_id: str) -> None:
        App.get_running_app().ctl.restore_card(card_id)
        self.refresh()

    def export(self) -> ExportDialog:
        app = App.get_running_app()

        def said(paths: list[Path]) -> None:
            self.ids.exported.text = app.tr("history.exported", app.lang, path=str(paths[-1].parent))

        return app.ask_export(said)

    def erase(self) -> None:
        app = App.get_running_app()
        if not self.confirm_erase:  # a second, explicit tap is needed
            self.confirm_erase = True
            self.ids.erase.text = app.tr("settings.erase_confirm", app.lang)
            return
        app.ctl.erase()
        self.confirm_erase = False
        app.show("onboarding")


def check_row(text: str, color: Any, on_active: Any, *, min_height: float | None = None) -> tuple[Any, Any]:
    """A check box with its words, as one target: the box is 48 dp wide (issue 15 item 7: every control at least
    48 dp) and a tap on the words ticks it too, as people expect; the row grows with the words (large text, long
    German or Polish sentences). Returns (row, check box); ``on_active(value)`` when given."""
    from kivy.metrics import dp

    low = dp(52) if min_height is None else min_height
    row = BoxLayout(size_hint_y=None, height=low, spacing=dp(8))
    box = Factory.CheckBox(size_hint_x=None, width=dp(48), color=color)
    if on_active is not None:
        box.bind(active=lambda _w, value: on_active(value))
    label = make("Body", text=text, color=color, size_hint_y=1)
    label.bind(texture_size=lambda _w, size: setattr(row, "height", max(low, size[1] + dp(12))))

    def tap_words(widget: Any, touch: Any) -> bool:
        if widget.collide_point(*touch.pos) and not box.disabled:
            box.active = not box.active
            return True
        return False

    label.bind(on_touch_down=tap_words)
    row.add_widget(box)
    row.add_widget(label)
    row.check_label = label
    return row, box


def _documents_folder() -> Path:
    home = Path.home()
    return home / "Documents" if (home / "Documents").is_dir() else home


class WalletApp(KitApp):
    layout = KV
    title = "ESSPASS"

    def __init__(self, controller: WalletController, *, sync: bool = False, export_dir: Path | None = None,
                 first_run_guide: bool = False, link: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.ctl = controller
        self.sync = sync
        # the suggested place for exports: the user's documents, never the wallet's own folder (issue 17)
        self.export_dir = export_dir or _documents_folder()
        self.last_export: list[Path] = []
        self.last_backup: Path | None = None
        # the first-run guide before the PIN (issue 15): the app started by ``run`` shows it; tests that start
        # at the PIN screen leave it off, the guide's own tests turn it on
        self.first_run_guide = first_run_guide
        self.history_stack: list[str] = []
        self.lang = controller.lang
        self.font_scale = controller.font_scale
        from .document_login import DocumentLogin

        self.document_login = DocumentLogin(controller)  # logging in at an institution (issue 13)
        # a link the system opened the app with (an offer or a request clicked on this device: the same-device
        # flows of HAIP 1.0 §4.2 and §5.1); taken, once, when the wallet is first open. On Android it is the launch
        # intent's, and later links arrive while the app runs (android_links)
        from . import android_links

        self.pending_link = (link or "").strip() or android_links.launch_link()
        android_links.on_new_links(self._link_from_the_system)

    def _link_from_the_system(self, link: str) -> None:
        """A link the system sent while the app runs (Android's UI thread, or the desktop's second start through
        single_instance; "" from a start without a link): handled on Kivy's thread."""
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: self.open_link(link) if link else self._to_the_front())

    def _to_the_front(self) -> None:
        from kivy.core.window import Window

        try:
            Window.raise_window()
        except Exception:  # noqa: BLE001 - a window provider without it: the window stays where it is
            pass

    def open_link(self, link: str) -> None:
        """An offer or request link from outside (clicked in another app while this one runs): taken at once when the
        wallet is open, else kept until it is unlocked (as a link the app was started with)."""
        self.pending_link = (link or "").strip() or None
        if self.pending_link and self.ctl.wallet.unlocked:
            self.show("cards")  # takes the pending link (show())

    # helpers used by kv
    def tr(self, key: str, lang: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    def dp(self, value: float) -> float:
        from kivy.metrics import dp

        return dp(value) * max(1.0, self.font_scale)

    def build(self):
        from uikit import load_kv_once

        from .get_document import KV as GET_DOCUMENT_KV, GetDocumentScreen

        load_kv_once(GET_DOCUMENT_KV)
        sm = self.screen_manager([cls() for cls in (
            OnboardingScreen, UnlockScreen, CardsScreen, DetailScreen, WalletScanScreen, ConsentScreen, ResultScreen,
            OfflineQrScreen, HistoryScreen, SettingsScreen, GetDocumentScreen)] + [cls() for cls in care_screens.SCREENS])
        first = "guide" if self.first_run_guide else "onboarding"
        self.show(first if self.ctl.needs_setup else "unlock")
        return sm

    # navigation
    def show(self, name: str) -> None:
        if name not in ("onboarding", "unlock", *care_screens.PRE_UNLOCK) and not self.ctl.wallet.unlocked:
            name = "onboarding" if self.ctl.needs_setup else "unlock"
        if name == "cards" and self.pending_link and self.ctl.wallet.unlocked:
            link, self.pending_link = self.pending_link, None
            scan = self.screen("scan")
            scan.ids.link.text = link
            self.show("scan")
            scan.go()  # as if pasted: offers, requests and unknown links are told apart there
            return
        screen = self.sm.get_screen(name)
        if hasattr(screen, "refresh"):
            screen.refresh()
        if self.current and self.current != name:
            self.history_stack.append(self.current)
        self.current = name
        self.sm.current = name

    def navigate_back(self) -> bool:
        """Esc / Android Back: the full-screen answer QR closes, other screens go back; on the first screen (the
        documents, or the PIN) the kit asks before leaving the app."""
        if self.current in ("cards", "unlock", "onboarding", ""):
            return False
        if self.current == "offline_qr":
            self.screen("offline_qr").done()
            return True
        if self.current == "get_document" and self.screen("get_document").waiting:
            self.screen("get_document").cancel()  # stop waiting for the browser; the result screen follows
            return True
        self.go_back()
        return True

    def go_back(self) -> None:
        while self.history_stack:
            prev = self.history_stack.pop()
            if prev not in ("onboarding", "unlock", "result", "consent", "offline_qr"):
                self.show(prev)
                self.history_stack.pop() if self.history_stack and self.history_stack[-1] == prev else None
                return
        self.show("cards")

    def show_get_document(self, offer_uri: str = "") -> None:
        """The screen for logging in at an institution: wallet-initiated, or for an offer that needs a login."""
        screen = self.screen("get_document")
        if not screen.waiting:
            screen.offer_uri = offer_uri
        self.show("get_document")

    def show_card(self, card_id: str) -> None:
        if not card_id:
            return
        self.screen("detail").card_id = card_id
        self.show("detail")

    def show_result(self, msg: Message) -> None:
        r = self.screen("result")
        r.ok, r.title, r.text, r.code = msg.ok, msg.title, msg.text, (msg.code if not msg.ok else "")
        self.show("result")

    def show_consent_or_result(self, outcome) -> None:
        if isinstance(outcome, Message):
            self.show_result(outcome)
        else:
            self.show("consent")

    def show_offline_or_result(self, outcome) -> None:
        if isinstance(outcome, Message):
            self.show_result(outcome)
        else:
            self.show("offline_qr")

    # exports (issue 17, item 4)
    def export_folder(self) -> Path:
        """Where the export dialog suggests saving: the folder used last time, else ``export_dir``."""
        from uikit import recent_folder

        return recent_folder(self.ctl.wallet.directory / "ui", self.export_dir, must_exist=False)

    def remember_export_folder(self, folder: Path) -> None:
        from uikit import remember_folder

        remember_folder(self.ctl.wallet.directory / "ui", folder)

    def ask_export(self, then: Any = None) -> ExportDialog:
        def done(paths: list[Path]) -> None:
            self.last_export = paths
            if then is not None:
                then(paths)

        return self.open_dialog(ExportDialog(self, done))

    # settings
    def set_language(self, lang: str) -> None:
        self.ctl.set_language(lang)
        self.lang = self.ctl.lang
        self._refresh_current()

    def set_language_named(self, name: str) -> None:
        """The language selector's choice, by the language's own name; anything else (its prompt) is no choice."""
        lang = by_name(name)
        if lang is not None and lang != self.lang:
            self.set_language(lang)

    def set_font_scale(self, scale: float) -> None:
        self.ctl.set_font_scale(scale)
        self.font_scale = self.ctl.font_scale
        self._refresh_current()

    def _refresh_current(self) -> None:
        if self.current:
            screen = self.sm.get_screen(self.current)
            if hasattr(screen, "refresh") and (self.ctl.wallet.unlocked or self.current in ("onboarding", "unlock")):
                screen.refresh()

    def lock(self) -> None:
        self.ctl.lock()
        self.history_stack.clear()
        self.show("unlock")

    # background work
    def refresh_status_background(self) -> None:
        """Refresh every card's status from the issuers' status lists when online."""
        if self.sync:
            return

        def work() -> None:
            try:
                from ..status import refresh_all

                refresh_all(self.ctl.wallet, self.ctl._store())
            except Exception:  # noqa: BLE001 - offline or no trust lists: keep the last known status
                return
            try:  # issue 15: new copies for cards that run low; reminders as Android notifications
                self.ctl.renew_low()
                self.ctl.notify()
            except Exception:  # noqa: BLE001 - best effort: the banner and the card say the rest
                pass
            Clock.schedule_once(lambda _dt: self._refresh_current() if self.current == "cards" else None)

        threading.Thread(target=work, daemon=True).start()


WINDOW_SIZE = (420, 860)  # a phone's shape on a desktop


def run(store: Path, trust_dir: Path | None = None, *, size: tuple[int, int] = WINDOW_SIZE,
        lang: str | None = None, verbose: bool = False, link: str | None = None) -> None:
    """Start the app on a desktop (``esspass wallet app``): ``size`` of the window (fitted to the display and
    centred), ``lang`` to start in (default: the one chosen last time), ``link``: an offer or request link the
    system opened the app with (docs/desktop/esspass-wallet.desktop registers the schemes)."""
    env.quiet_logs(verbose=verbose)
    env.desktop_window(size)
    from .single_instance import Listener

    ctl = WalletController(store, trust_dir, system_lang=env.system_language)  # the phone's language first
    if lang is not None:
        ctl.set_language(lang)
    app = WalletApp(ctl, first_run_guide=True, link=link)
    listener = Listener(store, app._link_from_the_system)  # links opened while it runs come here (the CLI's check)
    listener.start()
    try:
        app.run()
    finally:
        listener.stop()
