"""The Python side of the widgets in ``common.kv`` (their look is there)."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import Screen

from .palette import LINE, WHITE, rgba
from .scan import CameraScanner, camera_text


class Panel(BoxLayout):
    """A white card with a thin edge; ``bg`` / ``edge`` recolour it (warnings, reminders)."""

    bg = ColorProperty(rgba(WHITE))
    edge = ColorProperty(rgba(LINE))


class KeyValue(BoxLayout):
    """A label above its value, with a separator line below."""

    key = StringProperty("")
    value = StringProperty("")


class Viewfinder(FloatLayout):
    """Where the camera preview goes: dark, with corner marks drawn over the preview; ``message``, where set,
    says why there is no preview (no camera here, it failed to start) and hides the marks."""

    message = StringProperty("")
    corners = ListProperty([[], [], [], []])  # four corner marks framing the middle of the view

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.bind(pos=self._place_corners, size=self._place_corners)

    def _place_corners(self, *_: Any) -> None:
        half = min(self.width, self.height) * 0.38  # half the side of the framed square
        arm = half * 0.38
        cx, cy = self.center
        self.corners = [[cx + sx * half, cy + sy * (half - arm), cx + sx * half, cy + sy * half,
                         cx + sx * (half - arm), cy + sy * half]
                        for sx, sy in ((-1, 1), (1, 1), (-1, -1), (1, -1))]

    def add_widget(self, widget: Any, *args: Any, **kw: Any) -> None:
        if not widget.pos_hint:  # the preview fills the viewfinder
            widget.pos_hint = {"x": 0, "y": 0}
        super().add_widget(widget, *args, **kw)


def make(cls: str, **kw: Any):
    """A widget of a kv-declared class (``make("Body", text=...)``)."""
    return getattr(Factory, cls)(**kw)


class CameraScreen(Screen):
    """A scan screen with a camera: a :class:`Viewfinder` (``ids.viewfinder``) and a button bound to
    :meth:`toggle_camera`, shown only where :attr:`camera_ok`. Subclasses say what a code read does
    (:meth:`on_code`) and what to say where there is no camera (:attr:`no_camera_key`, a key of
    the catalogs' ``uikit.camera.*``). On a phone the camera starts when the screen is entered."""

    camera_ok = BooleanProperty(False)  # Kivy has a camera provider here
    camera_on = BooleanProperty(False)
    camera_message = StringProperty("")  # in the viewfinder while the camera is off
    torch_ok = BooleanProperty(False)  # the running camera has a light (Android with a flash)
    torch_on = BooleanProperty(False)
    no_camera_key = "camera.none_image"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.scanner = CameraScanner(self._code_read)

    def refresh_camera(self) -> None:
        """Call from the screen's ``refresh`` (language, availability)."""
        self.camera_ok = self.scanner.available
        self._say("" if self.camera_ok else self.no_camera_key)

    def _say(self, key: str) -> None:
        from kivy.app import App

        self.camera_message = camera_text(key, App.get_running_app().lang) if key else ""

    def start_camera(self) -> bool:
        started = self.scanner.start(self.ids.viewfinder)
        self.camera_on = started
        self.torch_ok = started and self.scanner.torch_supported
        self.torch_on = False
        self._say("" if started else ("camera.failed" if self.camera_ok else self.no_camera_key))
        return started

    def stop_camera(self) -> None:
        self.scanner.stop()  # switches the light off too
        self.camera_on = False
        self.torch_ok = self.torch_on = False

    def toggle_torch(self) -> None:
        """The light on or off; nothing where the camera has none."""
        want = not self.torch_on
        if self.scanner.set_torch(want):
            self.torch_on = want

    def toggle_camera(self) -> None:
        self.stop_camera() if self.camera_on else self.start_camera()

    def on_enter(self, *args: Any) -> None:
        from kivy.utils import platform

        if platform in ("android", "ios") and self.camera_ok and not self.camera_on:
            self.start_camera()

    def on_leave(self, *args: Any) -> None:
        self.stop_camera()

    def _code_read(self, text: str) -> None:
        self.camera_on = False  # the scanner stopped itself (and its light)
        self.torch_ok = self.torch_on = False
        self.on_code(text)

    def on_code(self, text: str) -> None:  # pragma: no cover - every scan screen says
        raise NotImplementedError
