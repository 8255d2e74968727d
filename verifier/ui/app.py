"""The Kivy inspector app: screens from ``inspector.kv``; all logic in
:class:`~verifier.ui.controller.InspectorController`.

Flow: home (offline data and its age, update, choose a preset or a paper copy) → request (the ``RQ1:`` QR code,
full screen) → scan (camera + zxing-cpp where there is one; "open image file" on a desktop) → decision (result
large and coloured, the identity-document reminder, claims with labels, every check in en/da) → home. The log
screen lists past inspections without personal data.

Network work (sync) runs in a thread and comes back through ``Clock``; tests set ``sync = True``.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager
from kivy.utils import get_color_from_hex, platform

from .controller import InspectorController, tr

KV = Path(__file__).with_name("inspector.kv")


class IPanel(BoxLayout):
    bg = ColorProperty([1, 1, 1, 1])
    edge = ColorProperty(get_color_from_hex("#D5DAE3"))


class IKeyValue(BoxLayout):
    key = StringProperty("")
    value = StringProperty("")


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
    codes = StringProperty("")
    colour = StringProperty("#0B6B3A")


def _label(cls: str, **kw: Any):
    from kivy.factory import Factory

    return getattr(Factory, cls)(**kw)


class HomeScreen(Screen):
    data_text = StringProperty("")
    sync_text = StringProperty("")
    stale = BooleanProperty(False)

    def refresh(self) -> None:
        app = App.get_running_app()
        self.data_text, self.stale = app.ctl.data_summary()
        self.sync_text = app.ctl.sync_message
        box = self.ids.presets
        box.clear_widgets()
        for name, title in app.ctl.presets():
            button = _label("IPresetButton", text=title)
            button.preset = name  # a kv-declared property: set after construction
            box.add_widget(button)


class RequestScreen(Screen):
    preset_title = StringProperty("")
    expires = StringProperty("")

    def refresh(self) -> None:
        from kivy.core.image import Image as CoreImage

        app = App.get_running_app()
        ctl = app.ctl
        if ctl.session is None:
            return
        from .. import presets as P

        self.preset_title = P.get(ctl.session.preset).title(ctl.lang)
        self.expires = ctl.request_expiry_text()
        texture = CoreImage(io.BytesIO(ctl.request_png(scale=6)), ext="png").texture
        texture.mag_filter = "nearest"  # crisp modules at any size
        texture.min_filter = "nearest"
        self.ids.qr.texture = texture


class ScanScreen(Screen):
    error = StringProperty("")
    _camera = None
    _poll = None

    def refresh(self) -> None:
        self.error = ""

    def on_leave(self, *args) -> None:
        self.stop_camera()

    def open_image(self) -> None:
        """Desktop: choose a picture of the QR code."""
        from kivy.uix.filechooser import FileChooserListView
        from kivy.uix.popup import Popup

        app = App.get_running_app()
        chooser = FileChooserListView(path=str(Path.home()), filters=["*.png", "*.jpg", "*.jpeg"])
        popup = Popup(title=tr("scan.open_image", app.ctl.lang), content=chooser, size_hint=(0.95, 0.9))
        chooser.bind(on_submit=lambda _c, sel, *_: (popup.dismiss(), self.load_image(sel[0]) if sel else None))
        popup.open()

    def load_image(self, source: Any) -> None:
        app = App.get_running_app()
        outcome = app.ctl.decide_image(source)
        if outcome.decision is None:
            self.error = outcome.error.get(app.ctl.lang, outcome.error.get("en", outcome.error_code))
            return
        self.stop_camera()
        app.show("decision")

    # camera: Kivy's Camera widget, frames read with zxing-cpp twice a second
    def start_camera(self) -> None:
        app = App.get_running_app()
        if self._camera is not None:
            return
        try:
            from kivy.uix.camera import Camera

            cam = Camera(play=True, resolution=(1280, 720))
        except Exception:  # noqa: BLE001 - no camera provider or device
            cam = None
        if cam is None or getattr(cam, "_camera", None) is None:
            self.error = tr("scan.no_camera", app.ctl.lang)
            return
        self._camera = cam
        self.ids.viewfinder.add_widget(cam)
        self._poll = Clock.schedule_interval(self._read_frame, 0.5)

    def stop_camera(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        if self._camera is not None:
            self._camera.play = False
            self.ids.viewfinder.remove_widget(self._camera)
            self._camera = None

    def _read_frame(self, _dt) -> None:
        from PIL import Image

        from credential import qr_transport
        from credential.reasons import Rejected

        tex = self._camera.texture if self._camera is not None else None
        if tex is None:
            return
        img = Image.frombytes("RGBA", tex.size, bytes(tex.pixels))
        try:
            text = qr_transport.decode_qr_image(img)
        except Rejected:
            return  # nothing readable in this frame yet
        app = App.get_running_app()
        self.stop_camera()
        app.ctl.decide_text(text)
        app.show("decision")


class DecisionScreen(Screen):
    result = StringProperty("PASSED")
    colour = StringProperty("#0B6B3A")
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
        red, amber = get_color_from_hex("#B42318"), get_color_from_hex("#B54708")
        remind = IPanel(bg=get_color_from_hex("#FEECEB" if v.paper else "#FFF1E0"), edge=red if v.paper else amber)
        remind.add_widget(_label("IBody", text=f"[b]{v.reminder}[/b]",
                                 color=get_color_from_hex("#7A1A12" if v.paper else "#7A2E0B"),
                                 font_size=app.sp(19)))
        if v.result != "FAILED":  # a failed document is refused; no identity check to remind of
            box.add_widget(remind)
        if v.holder or v.document:
            who = IPanel()
            if v.holder:
                who.add_widget(_label("IMuted", text=tr("decision.holder", app.ctl.lang)))
                who.add_widget(_label("IHeading", text=v.holder))
            if v.document:
                who.add_widget(_label("IMuted", text=tr("decision.document", app.ctl.lang) + ": " + v.document))
            box.add_widget(who)
        from ..web import text as web_text

        words = web_text(app.ctl.lang)
        checks = IPanel()
        checks.add_widget(_label("ISubHeading", text=words["checks"]))
        for c in v.checks:
            checks.add_widget(ICheckRow(code=c.code, result=c.result, word=c.word, message=c.message))
        if v.claims:
            claims = IPanel()
            claims.add_widget(_label("ISubHeading", text=words["claims"]))
            for key, value in v.claims:
                claims.add_widget(IKeyValue(key=key, value=value))
        if v.result == "PASSED" and v.claims:
            box.add_widget(claims)
            box.add_widget(checks)
        else:  # what went wrong first
            box.add_widget(checks)
            if v.claims:
                box.add_widget(claims)
        box.add_widget(_label("IMuted", text=f"{words['data_age']}: {v.data_age}"))


class LogScreen(Screen):
    def refresh(self) -> None:
        app = App.get_running_app()
        box = self.ids.body
        box.clear_widgets()
        box.add_widget(_label("IMuted", text=tr("log.note", app.ctl.lang)))
        rows = app.ctl.log_rows()
        if not rows:
            box.add_widget(_label("IBody", text=tr("log.empty", app.ctl.lang)))
        from .controller import COLOURS

        for r in rows[:200]:
            box.add_widget(ILogRow(when=r["when"], title=r["title"], word=r["word"], issuer=r["issuer"],
                                   codes=r["codes"], colour=COLOURS.get(r["result"], "#4A5468")))


SCREENS = (("home", HomeScreen), ("request", RequestScreen), ("scan", ScanScreen), ("decision", DecisionScreen),
           ("log", LogScreen))


class InspectorApp(App):
    lang = StringProperty("en")
    font_scale = NumericProperty(1.0)
    paper_mode = BooleanProperty(False)
    current = StringProperty("")
    title = "ESSPASS inspection"

    def __init__(self, controller: InspectorController, *, sync: bool = False, auto_sync: bool = False,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.ctl = controller
        self.sync = sync
        self.auto_sync = auto_sync
        self.lang = controller.lang

    # helpers used by kv
    def t(self, key: str, lang: str, **kw: Any) -> str:
        return tr(key, lang, **kw)

    def sp(self, value: float) -> float:
        from kivy.metrics import sp

        return sp(value) * self.font_scale

    def build(self):
        if KV.name not in {Path(f).name for f in Builder.files}:
            Builder.load_file(str(KV))
        sm = ScreenManager(transition=NoTransition())
        for name, cls in SCREENS:
            sm.add_widget(cls(name=name))
        self.sm = sm
        self.show("home")
        if self.auto_sync:
            Clock.schedule_once(lambda _dt: self.sync_bundle(), 0.5)
        return sm

    def screen(self, name: str) -> Screen:
        return self.sm.get_screen(name)

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

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        self.show(self.current or "home")

    def sync_bundle(self) -> None:
        self.run_task(self.ctl.sync, lambda _ok: self.show("home") if self.current == "home" else None)

    def run_task(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.sync:
            done(fn())
            return

        def work() -> None:
            result = fn()
            Clock.schedule_once(lambda _dt: done(result))

        threading.Thread(target=work, daemon=True).start()


def run(*, home: Path, bundle: Path | None = None, state: Path | None = None, lang: str = "en") -> None:
    """Start the app on a desktop or phone (``esspass inspect app``)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.core.window import Window

    if platform not in ("android", "ios"):
        Window.size = (432, 900)
    Window.clearcolor = get_color_from_hex("#F3F5F9")
    state = state or Path(home) / "inspector"
    ctl = InspectorController(home, bundle=bundle or state / "bundle.json", state=state, lang=lang)
    InspectorApp(ctl, auto_sync=True).run()
