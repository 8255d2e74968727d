"""The Kivy screens and panels of the citizen's safety nets (issue 15, item 4), built from the kit's widgets
(``uikit/common.kv``, ``wallet.kv``); all logic in :mod:`wallet.ui.care` on the controller.

Screens: ``guide`` (first run: what the A1 and the EHIC are, how to get them, the PIN and the backup), ``backup``,
``restore``, ``change_pin``, ``lost``, ``forgot`` (a forgotten PIN: erase, then restore or ask again). Panels added to the existing screens: the expiry banner on the documents
screen, copies / new copies / paper copy / Nordic note on a card's detail, the choice between matching cards and the
Nordic note on the consent screen, the safety section of the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from uikit.palette import DANGER, OK, WARN_INK, rgba
from uikit import make

PRE_UNLOCK = ("guide", "restore", "lost", "forgot")  # reachable before a wallet exists or is unlocked


def _app():
    return App.get_running_app()


def _tr(key: str, **kw: Any) -> str:
    app = _app()
    return app.tr(key, app.lang, **kw)


def _page(screen: Screen, title_key: str, back: bool = True) -> BoxLayout:
    """The screen's frame: a top bar and a scrolling column (returned) that ``refresh`` fills."""
    screen.clear_widgets()
    outer = BoxLayout(orientation="vertical")
    outer.add_widget(make("TopBar", title=_tr(title_key), back=back))
    scroller = make("Scroller")
    column = make("Column", padding=(dp(20), dp(20)))
    scroller.add_widget(column)
    outer.add_widget(scroller)
    screen.add_widget(outer)
    return column


def _button(kind: str, key: str, action: Any, **kw: Any):
    b = make(kind, text=_tr(key), **kw)
    b.bind(on_release=lambda *_: action())
    return b


def _field(password: bool = False, pin: bool = False, text: str = ""):
    f = make("PinField" if pin else "Field", text=text)
    if password and not pin:
        f.password = True
    return f


class GuideScreen(Screen):
    """First run: the four things a newcomer needs before choosing a PIN."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(name="guide", **kw)

    def refresh(self) -> None:
        app = _app()
        col = _page(self, "guide.title", back=False)
        for heading, text in app.ctl.guide_sections():
            panel = make("Panel")
            panel.add_widget(make("SubHeading", text=heading))
            panel.add_widget(make("Body", text=text))
            col.add_widget(panel)
        first = app.ctl.needs_setup
        self.continue_button = _button("PrimaryButton", "guide.continue",
                                       lambda: app.show("onboarding" if first else "settings"))
        col.add_widget(self.continue_button)
        if first:
            self.restore_button = _button("SecondaryButton", "guide.restore", lambda: app.show("restore"))
            col.add_widget(self.restore_button)
        self.lost_button = _button("SecondaryButton", "guide.lost", lambda: app.show("lost"))
        col.add_widget(self.lost_button)


class LostScreen(Screen):
    def __init__(self, **kw: Any) -> None:
        super().__init__(name="lost", **kw)

    def refresh(self) -> None:
        col = _page(self, "lost.title")
        for step in _app().ctl.lost_phone_steps():
            col.add_widget(make("Body", text=step))


class BackupScreen(Screen):
    """Back up to a file: under a recovery phrase (shown once, recommended) or the PIN (with the warning)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(name="backup", **kw)
        self.mode = "phrase"
        self.phrase = ""

    def on_leave(self, *args: Any) -> None:
        self.phrase = ""  # shown once: gone when the person leaves the screen
        _app().ctl.pending_phrase = ""

    def refresh(self) -> None:
        app = _app()
        col = _page(self, "backup.title")
        col.add_widget(make("Body", text=_tr("backup.explain")))
        col.add_widget(make("Muted", text=app.ctl.backup_status()))
        row = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8))
        row.bind(minimum_height=row.setter("height"))
        self.phrase_button = _button("PrimaryButton" if self.mode == "phrase" else "SecondaryButton",
                                     "backup.with_phrase", lambda: self.choose("phrase"))
        self.pin_button = _button("PrimaryButton" if self.mode == "pin" else "SecondaryButton", "backup.with_pin",
                                  lambda: self.choose("pin"))
        row.add_widget(self.phrase_button)
        row.add_widget(self.pin_button)
        col.add_widget(row)
        if self.mode == "phrase":
            if not self.phrase:
                self.phrase = app.ctl.new_phrase()
            warn = make("WarningPanel")
            warn.add_widget(make("Body", text=_tr("backup.phrase_show"), color=rgba(WARN_INK)))
            self.phrase_label = make("Heading", text=self.phrase, halign="center", font_name="RobotoMono-Regular")
            warn.add_widget(self.phrase_label)
            col.add_widget(warn)
            self.pin = None
        else:
            col.add_widget(make("Muted", text=_tr("backup.pin_warning"), color=rgba(WARN_INK)))
            col.add_widget(make("SubHeading", text=_tr("backup.pin_label")))
            self.pin = _field(pin=True)
            col.add_widget(self.pin)
        col.add_widget(make("SubHeading", text=_tr("backup.folder")))
        self.folder = make("Field", text=str(app.export_folder()))
        col.add_widget(self.folder)
        self.folder_button = _button("SecondaryButton", "backup.choose_folder", self.choose_folder)
        col.add_widget(self.folder_button)
        self.message = make("Body", text="", color=rgba(DANGER))
        col.add_widget(self.message)
        self.save_button = _button("PrimaryButton", "backup.save", self.save)
        col.add_widget(self.save_button)

    def choose(self, mode: str) -> None:
        self.mode = mode
        self.refresh()

    def choose_folder(self) -> Any:
        """The folder dialog, starting at the folder in the field; the folder chosen goes into the field (which can
        still be typed in, as on a desktop without a file manager)."""
        app = _app()
        typed = Path(self.folder.text.strip()).expanduser()
        return app.open_folder_dialog(_tr("backup.folder"), lambda folder: setattr(self.folder, "text", str(folder)),
                                      None, start=typed if typed.is_dir() else None)

    def save(self) -> Path | None:
        from credential.reasons import Rejected

        app = _app()
        try:
            path = app.ctl.write_backup(self.folder.text.strip(), use_pin=self.mode == "pin",
                                        pin=self.pin.text if self.pin is not None else "",
                                        p2c=getattr(app, "backup_p2c", None))
        except Rejected as exc:
            self.message.color = rgba(DANGER)
            self.message.text = exc.reason.text(app.lang)
            if self.pin is not None:
                self.pin.text = ""
            return None
        except OSError as exc:
            self.message.color = rgba(DANGER)
            self.message.text = f"{self.folder.text}: {exc.strerror}"
            return None
        app.remember_export_folder(path.parent)
        app.last_backup = path
        self.message.color = rgba(OK)
        self.message.text = _tr("backup.saved", path=str(path))
        if self.pin is not None:
            self.pin.text = ""
        return path


class RestoreScreen(Screen):
    """Restore a backup file as this phone's wallet (first run, or after erasing)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(name="restore", **kw)

    def refresh(self) -> None:
        app = _app()
        col = _page(self, "restore.title")
        col.add_widget(make("Body", text=_tr("restore.explain")))
        col.add_widget(make("SubHeading", text=_tr("restore.file")))
        self.file = make("Field", text="")
        col.add_widget(self.file)
        self.choose_button = _button("SecondaryButton", "restore.choose_file", self.choose_file)
        col.add_widget(self.choose_button)
        col.add_widget(make("SubHeading", text=_tr("restore.secret")))
        self.secret = _field(password=True)
        col.add_widget(self.secret)
        col.add_widget(make("SubHeading", text=_tr("onb.choose_pin")))
        self.pin = _field(pin=True)
        col.add_widget(self.pin)
        col.add_widget(make("SubHeading", text=_tr("onb.repeat_pin")))
        self.pin2 = _field(pin=True)
        col.add_widget(self.pin2)
        self.error = make("Body", text="", color=rgba(DANGER))
        col.add_widget(self.error)
        self.restore_button = _button("PrimaryButton", "restore.button", self.restore)
        col.add_widget(self.restore_button)
        _ = app

    def choose_file(self):
        app = _app()

        def chosen(path: Path) -> None:
            self.file.text = str(path)

        return app.open_file_dialog(_tr("restore.file"), chosen, Path(app.ctl.wallet.directory) / "ui",
                                    filters=("*.jwe",))

    def restore(self) -> None:
        app = _app()
        msg = app.ctl.restore(self.file.text.strip(), self.secret.text, self.pin.text, self.pin2.text)
        self.secret.text = self.pin.text = self.pin2.text = ""
        if not msg.ok:
            self.error.text = msg.text
            return
        self.error.text = ""
        app.lang, app.font_scale = app.ctl.lang, app.ctl.font_scale
        app.show_result(msg)


class ChangePinScreen(Screen):
    def __init__(self, **kw: Any) -> None:
        super().__init__(name="change_pin", **kw)

    def refresh(self) -> None:
        col = _page(self, "pin.title")
        fields = []
        for key in ("pin.old", "pin.new", "pin.repeat"):
            col.add_widget(make("SubHeading", text=_tr(key)))
            f = _field(pin=True)
            col.add_widget(f)
            fields.append(f)
        self.old, self.new, self.repeat = fields
        self.message = make("Body", text="", color=rgba(DANGER))
        col.add_widget(self.message)
        self.change_button = _button("PrimaryButton", "pin.button", self.change)
        col.add_widget(self.change_button)

    def change(self) -> None:
        app = _app()
        msg = app.ctl.change_pin(self.old.text, self.new.text, self.repeat.text)
        self.old.text = self.new.text = self.repeat.text = ""
        if msg.ok:
            app.show_result(msg)
            return
        self.message.text = f"{msg.title}\n{msg.text}"


class ForgotPinScreen(Screen):
    """A forgotten PIN (from the unlock screen): nobody can recover it, so say plainly what can be done — erase this
    phone's wallet, then restore a backup made with a recovery phrase, or ask the institutions for new offers. The
    erase needs a second tap; it cannot reveal anything (the data stays sealed under the forgotten PIN)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(name="forgot", **kw)
        self.confirm = False

    def refresh(self) -> None:
        self.confirm = False
        col = _page(self, "forgot.title")
        for key in ("forgot.text", "forgot.backup", "forgot.no_backup"):
            col.add_widget(make("Body", text=_tr(key)))
        self.erase_button = _button("DangerButton", "forgot.erase", self.erase)
        col.add_widget(self.erase_button)

    def erase(self) -> None:
        app = _app()
        if not self.confirm:  # a second, explicit tap is needed
            self.confirm = True
            self.erase_button.text = _tr("forgot.erase_confirm")
            return
        app.ctl.erase()
        self.confirm = False
        app.history_stack.clear()
        app.show("guide")  # first run again: "Continue" (a new PIN) or "I have a backup: restore it"


SCREENS = (GuideScreen, LostScreen, BackupScreen, RestoreScreen, ChangePinScreen, ForgotPinScreen)


# ---------------------------------------------------------------- panels on the existing screens

def reminder_banner(app: Any, box: Any) -> None:
    """The documents screen: a banner per document ending within 30 days (above the cards)."""
    lines = app.ctl.reminder_banner() if app.ctl.wallet.unlocked else []
    if not lines:
        return
    warn = make("WarningPanel")
    for line in lines:
        warn.add_widget(make("Body", text=line, color=rgba(WARN_INK)))
    box.banner = warn
    box.add_widget(warn, index=len(box.children))  # first in the column


def backup_nudge(app: Any, box: Any) -> None:
    """The documents screen, below the cards, while no backup was ever made: the PIN cannot be recovered, so the
    backup is the only way back after a lost phone (seen while looking at the screenshots: it was only in Settings)."""
    box.backup_nudge = None
    if not app.ctl.wallet.unlocked or app.ctl.wallet.settings().get("last_backup"):
        return
    panel = make("Panel")
    panel.add_widget(make("Body", text=app.ctl.backup_status()))
    panel.backup_button = _button("SecondaryButton", "settings.backup", lambda: app.show("backup"))
    panel.add_widget(panel.backup_button)
    box.backup_nudge = panel
    box.add_widget(panel)


def detail_extras(app: Any, box: Any, card_id: str, d: dict[str, Any]) -> None:
    """A card's detail: how many more times it can be shown and why copies, new copies now, the paper copy, and
    for a Nordic EHIC the Nordic convention."""
    screen = app.screen("detail")
    panel = make("Panel")
    panel.add_widget(make("SubHeading", text=d["copies"]))
    panel.add_widget(make("Body", text=d["copies_explained"]))
    if d.get("can_renew"):
        screen.renew_button = _button("SecondaryButton", "copies.renew_button",
                                      lambda: app.run_task(lambda: app.ctl.renew_now(card_id), _after(app, card_id)))
        panel.add_widget(screen.renew_button)
    box.add_widget(panel)
    paper = make("Panel")
    paper.add_widget(make("SubHeading", text=_tr("paper.title")))
    paper.add_widget(make("Body", text=_tr("paper.explain")))
    screen.paper_button = _button("SecondaryButton", "paper.button",
                                  lambda: app.run_task(lambda: app.ctl.paper_copy(card_id, app.export_folder()),
                                                       _after(app, card_id)))
    paper.add_widget(screen.paper_button)
    box.add_widget(paper)
    if d.get("nordic"):
        note = make("Panel")
        note.add_widget(make("Body", text=d["nordic"]))
        box.add_widget(note)
    screen.extra_message = make("Body", text="")
    box.add_widget(screen.extra_message)


def _after(app: Any, card_id: str):
    def done(msg: Any) -> None:
        screen = app.screen("detail")
        if app.current == "detail" and screen.card_id == card_id:
            screen.refresh()
            screen.extra_message.text = msg.text
            screen.extra_message.color = rgba(OK if msg.ok else DANGER)
    return done


def consent_extras(app: Any, box: Any, view: Any) -> None:
    """The consent screen: when two cards answer, the person chooses; the Nordic convention note."""
    screen = app.screen("consent")
    screen.choice_buttons = []
    for g in view.groups:
        choices = app.ctl.choices(g.get("query_id", ""))
        if not choices:
            continue
        panel = make("Panel")
        panel.add_widget(make("SubHeading", text=_tr("choose.title")))
        for c in choices:
            # one large button per card; the chosen one filled and marked (a button, not a small check box: a
            # target of at least 48 dp that an old finger hits)
            b = make("PrimaryButton" if c.chosen else "SecondaryButton", text=("•  " if c.chosen else "") + c.label,
                     size_hint_y=None, halign="left", valign="middle")
            b.bind(width=lambda w, v: setattr(w, "text_size", (v - dp(28), None)),
                   texture_size=lambda w, v: setattr(w, "height", max(dp(56), v[1] + dp(24))))
            b.card_id, b.chosen = c.card_id, c.chosen
            b.bind(on_release=lambda w, q=g["query_id"]: _choose(app, q, w.card_id))
            screen.choice_buttons.append(b)
            panel.add_widget(b)
        box.add_widget(panel, index=len(box.children))
    if view.note:
        note = make("Panel")
        note.add_widget(make("Body", text=view.note))
        box.add_widget(note)


def _choose(app: Any, query_id: str, card_id: str) -> None:
    current = {i.query_id: i.card.id for i in app.ctl.consent.items}
    if current.get(query_id) == card_id:
        return
    app.ctl.choose(query_id, card_id)
    from kivy.clock import Clock

    if getattr(app, "sync", False):
        app.screen("consent").refresh()
    else:
        Clock.schedule_once(lambda _dt: app.screen("consent").refresh())


def settings_safety(app: Any, box: Any) -> None:
    """The settings: backup (with when the last one was made), change PIN, lost phone, the guide."""
    box.clear_widgets()
    if not app.ctl.wallet.unlocked:
        return
    screen = app.screen("settings")
    box.add_widget(make("Muted", text=app.ctl.backup_status()))
    for attr, key, target in (("backup_button", "settings.backup", "backup"),
                              ("pin_button", "settings.change_pin", "change_pin"),
                              ("lost_button", "settings.lost", "lost"),
                              ("guide_button", "settings.guide", "guide")):
        b = _button("SecondaryButton", key, lambda t=target: app.show(t))
        setattr(screen, attr, b)
        box.add_widget(b)
