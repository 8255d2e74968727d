"""The Kivy inspector app: screens from ``inspector.kv``; all logic in
:class:`~verifier.ui.controller.InspectorController`.

Flow: home (offline data and its age, update, choose a preset or a paper copy) → request (the ``RQ1:`` QR code,
full screen) → scan (the camera read with zxing-cpp where Kivy has one; "open image file" everywhere) → decision
(result large and coloured, the identity-document reminder, claims with labels, every check in en/da) → home. The
log screen lists past inspections without personal data.

Network work (sync) runs in a thread and comes back through ``Clock``; tests set ``sync = True``. The widgets,
colours, QR view and camera scanner are the kit's (:mod:`uikit`), shared with the wallet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from uikit import env
from uikit import KitApp
from uikit.palette import DANGER, DANGER_BG, DANGER_INK, MUTED, OK, WARN, WARN_BG, WARN_INK, rgba
from uikit import QrView  # noqa: F401 - used by inspector.kv
from uikit import CameraScreen, KeyValue, Panel, make

from credential.i18n import by_name

from .controller import InspectorController, configured_lookup, tr

KV = Path(__file__).with_name("inspector.kv")


class ICheckRow(BoxLayout):
    code = StringProperty("")
    result = StringProperty("pass")
    word = StringProperty("")
    message = StringProperty("")


class ILogRow(BoxLayout):
    when = StringProperty("")
    title = StringProperty("")
    word = StringProperty("")
    issuer = StringProperty("")
    reasons = StringProperty("")  # the failed checks in words
    codes = StringProperty("")  # their codes: the details line
    colour = StringProperty(OK)


class ISiteRow(BoxLayout):
    n = StringProperty("")
    when = StringProperty("")
    word = StringProperty("")
    what = StringProperty("")
    reason = StringProperty("")
    code = StringProperty("")
    colour = StringProperty(OK)


class HomeScreen(Screen):
    data_text = StringProperty("")
    sync_text = StringProperty("")
    site_text = StringProperty("")
    stale = BooleanProperty(False)

    def refresh(self) -> None:
        app = App.get_running_app()
        self.data_text, self.stale = app.ctl.data_summary()
        self.site_text = app.ctl.site_summary()
        self.sync_text = app.ctl.sync_message
        box = self.ids.presets
        box.clear_widgets()
        for name, title in app.ctl.presets():
            button = make("PresetButton", text=title)
            button.preset = name  # a kv-declared property: set after construction
            box.add_widget(button)


class RequestScreen(Screen):
    preset_title = StringProperty("")
    expires = StringProperty("")
    worker_lang = StringProperty("en")

    def set_worker_language(self, name: str) -> None:
        """The worker's language, from the selector (by the language's own name)."""
        lang = by_name(name)
        if lang is not None:
            App.get_running_app().ctl.set_worker_language(lang)
            self.worker_lang = lang

    def refresh(self) -> None:
        app = App.get_running_app()
        ctl = app.ctl
        self.worker_lang = ctl.worker_lang
        if ctl.session is None:
            self.ids.qr.text = ""
            return
        from .. import presets as P

        self.preset_title = P.get(ctl.session.preset).title(ctl.lang)
        self.expires = ctl.request_expiry_text()
        self.ids.qr.text = ctl.session.request_text  # drawn crisp, a whole number of pixels per module


class ScanScreen(CameraScreen):
    error = StringProperty("")
    no_camera_key = "camera.none_image"

    def refresh(self) -> None:
        self.error = ""
        self.refresh_camera()

    def open_image(self):
        """Choose a picture of the QR code (a desktop, or a photo taken with another app): the kit's file dialog,
        with the folder shown, the folder used last time, and Open / Cancel."""
        app = App.get_running_app()
        return app.open_file_dialog(tr("scan.open_image", app.ctl.lang), self.load_image, app.ctl.state)

    def load_image(self, source: Any) -> None:
        app = App.get_running_app()
        outcome = app.ctl.decide_image(source)
        if outcome.decision is None:
            self.error = outcome.error.get(app.ctl.lang, outcome.error.get("en", outcome.error_code))
            return
        self.stop_camera()
        app.show("decision")

    def on_code(self, text: str) -> None:
        """A QR code read by the camera (the scanner has stopped it)."""
        app = App.get_running_app()
        outcome = app.ctl.decide_text(text)
        if outcome.decision is None:  # not an answer to this check: say so here, scan again
            self.error = outcome.error.get(app.ctl.lang, outcome.error.get("en", outcome.error_code))
            return
        app.show("decision")


class DecisionScreen(Screen):
    result = StringProperty("PASSED")
    look = StringProperty("PASSED")  # the banner's icon: the result, or RESCAN ("!": scan again, no verdict)
    colour = StringProperty(OK)
    headline = StringProperty("")
    hint = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        v = app.ctl.view()
        box = self.ids.body
        box.clear_widgets()
        if v is None:
            return
        self.result, self.colour, self.headline, self.hint = v.result, v.colour, v.headline, v.hint
        # a manual check is never shown with the tick: at best "!" in amber, it proves nothing of the holder
        self.look = "RESCAN" if v.rescan else ("INDETERMINATE" if v.manual and v.result == "PASSED" else v.result)
        from ..web import text as web_text

        words = web_text(app.ctl.lang)
        entry, site = app.ctl.site_entry, app.ctl.site
        if entry is not None and site is not None:  # which of the workers on the site list this is
            box.add_widget(make("SubHeading", text=tr("site.worker", app.ctl.lang, n=entry.n, place=site.place)))
        # The banner says the first thing that could not be checked and how old the data is; a panel lists the
        # others only when there are more (looked at: with one, it repeated the banner word for word and pushed
        # period and legislation country below the fold).
        if v.result == "INDETERMINATE" and len(v.why) > 1:
            why = Panel(bg=rgba(WARN_BG), edge=rgba(WARN))
            why.add_widget(make("SubHeading", text=tr("decision.why", app.ctl.lang), color=rgba(WARN_INK)))
            for message in v.why:
                why.add_widget(make("Body", text=f"•  {message}", color=rgba(WARN_INK)))
            why.add_widget(make("Body", text=f"[b]{words['data_age']}:[/b] {v.data_age}", color=rgba(WARN_INK)))
            box.add_widget(why)
        remind = Panel(bg=rgba(DANGER_BG if v.paper else WARN_BG), edge=rgba(DANGER if v.paper else WARN))
        remind.add_widget(make("Body", text=f"[b]{v.reminder}[/b]", color=rgba(DANGER_INK if v.paper else WARN_INK),
                               font_size=app.sp(18)))
        # A failed document is refused: no identity check to remind of. A paper copy's reminder (it proves nothing
        # of the holder) comes first; otherwise right after the holder and the facts, so that these fit on the first
        # screen in every language (looked at: in German the legislation country fell below the fold).
        remind_first = v.result != "FAILED" and v.paper
        remind_after = v.result != "FAILED" and not v.paper
        if remind_first:
            box.add_widget(remind)
        if v.holder or v.document:
            who = Panel()
            if v.holder:
                who.add_widget(make("Muted", text=tr("decision.holder", app.ctl.lang)))
                who.add_widget(make("Heading", text=v.holder))
            if v.document:
                who.add_widget(make("Muted", text=tr("decision.document", app.ctl.lang) + ": " + v.document))
            for key, value in v.facts:  # employer, place of work, period, legislation country: first, not below
                who.add_widget(KeyValue(key=key, value=value))
            box.add_widget(who)
        if remind_after:
            box.add_widget(remind)
        checks = Panel()
        checks.add_widget(make("SubHeading", text=words["checks"]))
        for c in v.checks:
            said = f"{c.message}\n{c.evidence}" if c.evidence else c.message
            checks.add_widget(ICheckRow(code=c.code, result=c.result, word=c.word, message=said))
        if v.claims:
            claims = Panel()
            claims.add_widget(make("SubHeading", text=words["claims"]))
            for key, value in v.claims:
                claims.add_widget(KeyValue(key=key, value=value))
        if v.result == "PASSED" and v.claims:
            box.add_widget(claims)
            box.add_widget(checks)
        else:  # what went wrong first
            box.add_widget(checks)
            if v.claims:
                box.add_widget(claims)
        if v.result != "INDETERMINATE":  # said in the banner there
            box.add_widget(make("Muted", text=f"{words['data_age']}: {v.data_age}"))


class LogScreen(Screen):
    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.body
        box.clear_widgets()
        box.add_widget(make("Muted", text=tr("log.note", app.ctl.lang)))
        rows = app.ctl.log_rows()
        if not rows:
            box.add_widget(make("Body", text=tr("log.empty", app.ctl.lang)))
        from .controller import COLOURS

        for r in rows[:200]:
            box.add_widget(ILogRow(when=r["when"], title=r["title"], word=r["word"], issuer=r["issuer"],
                                   reasons=r["reasons"], codes=r["codes"],
                                   colour=WARN if r["rescan"] else COLOURS.get(r["result"], MUTED)))


class SiteNewScreen(Screen):
    """Place, date (today), inspector: then every check joins the site list."""

    error = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        self.error = ""
        import datetime as dt

        if not self.ids.date.text:
            self.ids.date.text = dt.date.fromtimestamp(app.ctl.now()).isoformat()

    def begin(self) -> None:
        app = App.get_running_app()
        try:
            app.ctl.start_site(self.ids.place.text, self.ids.date.text, self.ids.inspector.text)
        except ValueError:
            self.error = tr("site.invalid", app.ctl.lang)
            return
        self.error = ""
        app.show("home")


class SiteScreen(Screen):
    """The site list: who was checked here, numbered, with the outcome; the counter; CSV / PDF; end."""

    saved = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        ctl = app.ctl
        box = self.ids.body
        box.clear_widgets()
        site = ctl.site
        if site is None:
            box.add_widget(make("Body", text=tr("site.empty", ctl.lang)))
            return
        head = Panel()
        for key, value in (("site.place", site.place), ("site.date", _date(site.date, ctl.lang)),
                           ("site.inspector", site.inspector)):
            head.add_widget(KeyValue(key=tr(key, ctl.lang), value=value))
        head.add_widget(make("SubHeading", text=ctl.site_counter()))
        box.add_widget(head)
        rows = ctl.site_rows()
        if not rows:
            box.add_widget(make("Body", text=tr("site.empty", ctl.lang)))
        from .controller import COLOURS

        for r in rows:
            box.add_widget(ISiteRow(n=r["n"], when=r["when"], word=r["word"], what=r["what"], reason=r["reason"],
                                    code=r["code"], colour=COLOURS.get(r["result"], MUTED)))
        box.add_widget(make("Muted", text=tr("site.privacy", ctl.lang)))

    def export(self, kind: str) -> None:
        app = App.get_running_app()
        path = app.ctl.export_site(kind)
        self.saved = tr("site.saved", app.ctl.lang, path=str(path))

    def end(self) -> None:
        app = App.get_running_app()
        app.confirm(tr("site.end", app.ctl.lang), app.ctl.site_counter(), tr("site.end", app.ctl.lang),
                    tr("cancel", app.ctl.lang), self._ended)

    def _ended(self) -> None:
        app = App.get_running_app()
        app.ctl.end_site()
        self.saved = ""
        app.show("home")


class ManualScreen(Screen):
    """Manual entry of the document number (issue 15 item 3): the fallback when no QR code can be scanned. What was
    typed stays in the field whatever goes wrong; the reason is said under it."""

    error = StringProperty("")

    def refresh(self) -> None:
        self.error = ""

    def check(self) -> None:
        app = App.get_running_app()
        outcome = app.ctl.manual_check(self.ids.number.text)
        if outcome.decision is None:
            self.error = outcome.error.get(app.ctl.lang, outcome.error.get("en", outcome.error_code))
            return
        self.ids.number.text = ""
        app.show("decision")


def _date(iso: str, lang: str) -> str:
    from credential import explain

    return explain.date_text(iso, lang)


SCREENS = (("home", HomeScreen), ("request", RequestScreen), ("scan", ScanScreen), ("decision", DecisionScreen),
           ("log", LogScreen), ("site_new", SiteNewScreen), ("site", SiteScreen), ("manual", ManualScreen))


class InspectorApp(KitApp):
    layout = KV
    type_scale = NumericProperty(17 / 16)  # a step larger than the wallet's: read at arm's length, outdoors
    paper_mode = BooleanProperty(False)

    def __init__(self, controller: InspectorController, *, sync: bool = False, auto_sync: bool = False,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.ctl = controller
        self.title = tr("app.title", "en")  # the window's title (the screens follow the chosen language)
        self.sync = sync
        self.auto_sync = auto_sync
        self.lang = controller.lang

    # helpers used by kv
    def t(self, key: str, lang: str, **kw: Any) -> str:
        return tr(key, lang, **kw)

    def build(self):
        sm = self.screen_manager([cls(name=name) for name, cls in SCREENS])
        self.show("home")
        if self.auto_sync:
            Clock.schedule_once(lambda _dt: self.sync_bundle(), 0.5)
        return sm

    def navigate_back(self) -> bool:
        """Esc / Android Back: the answer scan goes back to the request it answers, everything else to the home
        screen; on the home screen the kit asks before leaving."""
        if self.current in ("home", ""):
            return False
        if self.current == "scan" and self.ctl.session is not None and not self.paper_mode:
            self.show("request")
        else:
            self.show("home")
        return True

    def show(self, name: str) -> None:
        screen = self.sm.get_screen(name)
        if hasattr(screen, "refresh"):
            screen.refresh()
        self.current = name
        self.sm.current = name

    # actions
    def start(self, preset: str) -> None:
        self.ctl.start(preset)
        self.paper_mode = False
        self.show("request")

    def start_paper(self) -> None:
        self.ctl.start_paper()
        self.paper_mode = True
        self.show("scan")

    def toggle_language(self) -> None:
        self.ctl.toggle_language()
        self.lang = self.ctl.lang
        self.show(self.current or "home")

    def set_language(self, lang: str) -> None:
        self.ctl.set_language(lang)
        self.lang = self.ctl.lang
        self.show(self.current or "home")

    def set_language_named(self, name: str) -> None:
        """The language selector's choice, by the language's own name (credential.i18n.NAMES)."""
        lang = by_name(name)
        if lang is not None and lang != self.lang:
            self.set_language(lang)

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        self.show(self.current or "home")

    def sync_bundle(self) -> None:
        self.run_task(self.ctl.sync, lambda _ok: self.show("home") if self.current == "home" else None)


WINDOW_SIZE = (432, 900)  # a phone's shape on a desktop


def run(*, home: Path, bundle: Path | None = None, state: Path | None = None, lang: str = "en",
        size: tuple[int, int] = WINDOW_SIZE, verbose: bool = False) -> None:
    """Start the app on a desktop or phone (``esspass inspect app``): the window fitted to the display, centred."""
    env.quiet_logs(verbose=verbose)
    env.desktop_window(size)
    state = state or Path(home) / "inspector"
    ctl = InspectorController(home, bundle=bundle or state / "bundle.json", state=state, lang=lang,
                              lookup=configured_lookup(state))
    InspectorApp(ctl, auto_sync=True).run()
