"""The app base class both apps build on: language, text size, layout loading, background work."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable, ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

COMMON_KV = Path(__file__).with_name("common.kv")


def load_kv_once(path: Path) -> None:
    """Load a ``.kv`` file unless this process has already: loading one twice applies its rules twice."""
    path = Path(path).resolve()
    if not any(Path(f).resolve() == path for f in Builder.files):
        Builder.load_file(str(path))


def activate(app: App | None) -> None:
    """Make ``app`` the running Kivy app: ``App.get_running_app()`` and the ``app`` of kv rules. Kivy's kv ``app``
    is a proxy that keeps the first app it saw until that app stops; where two apps take turns in one process
    (the test of the offline exchange, two phones on a desk) new widgets would otherwise read the other app's
    properties. ``activate(None)`` leaves no app behind."""
    from kivy.lang.parser import global_idmap

    App._running_app = app
    proxy = global_idmap.get("app")
    if proxy is not None:
        try:
            object.__setattr__(proxy, "_obj", app)
        except (AttributeError, TypeError):  # a Kivy without the cache: nothing to do
            pass


class KitApp(App):
    """``layout``: the app's own ``.kv`` (loaded after ``common.kv``, each once per process, instead of Kivy's
    class-name convention). ``sync = True`` (tests, screenshots) runs background work inline, so a tap completes
    before the next frame."""

    layout: ClassVar[Path | None] = None
    lang = StringProperty("en")
    font_scale = NumericProperty(1.0)  # the user's text size
    type_scale = NumericProperty(1.0)  # the app's base text size against the kit's
    current = StringProperty("")
    sync = False

    def load_kv(self, filename: str | None = None) -> bool:
        activate(self)
        load_kv_once(COMMON_KV)
        if self.layout is not None:
            load_kv_once(self.layout)
        return True

    def screen_manager(self, screens: list[Screen]) -> ScreenManager:
        sm = ScreenManager(transition=NoTransition())
        for s in screens:
            sm.add_widget(s)
        self.sm = sm
        return sm

    def screen(self, name: str) -> Screen:
        return self.sm.get_screen(name)

    def camera_text(self, key: str, lang: str) -> str:
        """The kit's own words (camera), for kv rules."""
        from .scan import camera_text

        return camera_text(key, lang)

    def kit_tr(self, key: str, lang: str) -> str:
        """The kit's own words (``uikit.<key>``), for kv rules."""
        from .texts import kit_text

        return kit_text(key, lang)

    def sp(self, value: float) -> float:
        """A text size for widgets made in Python, as ``common.kv`` sizes its own."""
        from kivy.metrics import sp

        return sp(value) * self.font_scale * self.type_scale

    def fit_font(self, texts: str | list[str], width: float, wanted: float, bold: bool = True) -> float:
        """``wanted`` (a font size in pixels), or as much smaller as the widest of ``texts`` needs to fit ``width``
        on one line (bottom bars, where a larger text size must not push a label into the screen edge)."""
        texts = [texts] if isinstance(texts, str) else [t for t in texts if t]
        if not texts or width <= 0 or wanted <= 0:
            return wanted
        widest = max(_text_width(t, wanted, bold) for t in texts)
        return wanted if widest <= width else max(1.0, wanted * width / widest)

    # ------------------------------------------------------------ dialogs and the Back key (issue 17, item 3)

    dialog: Any = None  # the dialog on screen, if any

    def open_dialog(self, dialog: Any) -> Any:
        self.dialog = dialog
        dialog.bind(on_dismiss=lambda d: setattr(self, "dialog", None) if self.dialog is d else None)
        dialog.open(animation=False)  # there at once, gone at once: no half-faded dialog swallowing the next tap
        return dialog

    def confirm(self, title: str, text: str, yes: str, no: str, on_yes: Callable[[], Any], *,
                danger: bool = False) -> Any:
        """Ask before doing ``on_yes`` (:class:`uikit.dialogs.ConfirmDialog`); returns the dialog."""
        from .dialogs import ConfirmDialog

        return self.open_dialog(ConfirmDialog(title, text, yes, no, on_yes, danger=danger))

    def open_file_dialog(self, title: str, on_file: Callable[[Path], Any], state_dir: Path | None, *,
                         filters: tuple[str, ...] | None = None) -> Any:
        """The kit's file dialog (:class:`uikit.dialogs.FileDialog`) for pictures, in the app's language; it
        remembers the folder in ``state_dir``."""
        from .dialogs import FileDialog
        from .texts import kit_text

        return self.open_dialog(FileDialog(title, kit_text("file.open", self.lang), kit_text("file.cancel", self.lang),
                                           on_file, state_dir=state_dir,
                                           **({"filters": filters} if filters is not None else {})))

    def open_folder_dialog(self, title: str, on_folder: Callable[[Path], Any], state_dir: Path | None, *,
                           start: Path | None = None) -> Any:
        """The kit's folder dialog (:class:`uikit.dialogs.FolderDialog`): where a backup or an export goes."""
        from .dialogs import FolderDialog
        from .texts import kit_text

        return self.open_dialog(FolderDialog(title, kit_text("file.use_folder", self.lang),
                                             kit_text("file.cancel", self.lang), on_folder, state_dir=state_dir,
                                             start=start))

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.bind(on_keyboard=self._on_keyboard)

    def on_stop(self) -> None:
        from kivy.core.window import Window

        Window.unbind(on_keyboard=self._on_keyboard)

    def _on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        """Esc on a desktop, Back on Android (both key 27): never Kivy's default of quitting from any screen."""
        if key != 27 or App.get_running_app() is not self:  # tests run several apps in one process
            return False
        self.back_pressed()
        return True

    def back_pressed(self) -> None:
        """Close the dialog on screen; else go back a screen; else (on the first screen) ask before leaving."""
        if self.dialog is not None:
            answer = getattr(self.dialog, "answer", None)
            answer(False) if answer is not None else self.dialog.dismiss()
            return
        if self.navigate_back():
            return
        self.ask_to_leave()

    def navigate_back(self) -> bool:
        """Go back one screen; False on the app's first screen. Each app says what "back" means."""
        return False

    def ask_to_leave(self) -> Any:
        from .texts import kit_text

        return self.confirm(kit_text("leave.title", self.lang), kit_text("leave.text", self.lang),
                            kit_text("leave.yes", self.lang), kit_text("leave.no", self.lang), self.stop)

    def run_task(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """``fn`` off the UI thread (network), then ``done(result)`` back on it through ``Clock``."""
        if self.sync:
            done(fn())
            return

        def work() -> None:
            result = fn()
            Clock.schedule_once(lambda _dt: done(result))

        threading.Thread(target=work, daemon=True).start()


_WIDTHS: dict[tuple[str, float, bool], float] = {}


def _text_width(text: str, font_size: float, bold: bool) -> float:
    """Width in pixels of ``text`` on one line in Kivy's default font (cached: kv rules ask on every layout)."""
    key = (text, round(font_size, 2), bold)
    if key not in _WIDTHS:
        from kivy.core.text import Label as CoreLabel

        _WIDTHS[key] = float(CoreLabel(font_size=font_size, bold=bold).get_extents(text)[0])
    return _WIDTHS[key]
