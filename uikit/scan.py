"""Camera scanning: Kivy's ``Camera`` widget, its frames read with zxing-cpp.

:func:`decode_frame` is pure (bytes in, text out; no Kivy, Pillow or numpy) and is what a phone runs a few times a
second. :class:`CameraScanner` puts a ``kivy.uix.camera.Camera`` into a container widget (the screen's viewfinder),
reads its texture's pixels every ``interval`` seconds on the UI thread (GL may only be touched there) and hands the
first QR text found to its callback, once. Where Kivy has no camera provider (most desktops without OpenCV or
GStreamer, CI) :func:`camera_available` is False and the screens offer "open image" (and, in the wallet, "paste
link") instead. On Android Kivy's ``camera_android`` provider renders the preview into a normal texture, so the same
code reads it; the CAMERA permission is declared in ``buildozer.spec`` (see ``docs/android.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .texts import kit_text as camera_text  # noqa: F401 - the kit's words (gettext catalogs, uikit.*)

MAX_SIDE = 4096  # a frame wider or taller than this is not a camera preview: refused unread

# Kivy texture colour formats -> (bytes per pixel, offset of the green channel, or of the grey value)
_LAYOUT = {
    "rgba": (4, 1), "bgra": (4, 1), "argb": (4, 2), "abgr": (4, 2),
    "rgb": (3, 1), "bgr": (3, 1),
    "luminance": (1, 0), "luminance_alpha": (2, 0),
}



def grayscale(pixels: bytes, width: int, height: int, fmt: str) -> bytes | None:
    """One byte per pixel, rows in the buffer's order; None for an unknown format or a buffer of the wrong size.

    The green channel stands for the luminance: it carries most of it (0.587 in ITU-R BT.601), a QR code is dark
    on light, and taking every n-th byte is a single C-level slice — a 1280x720 frame in about a millisecond."""
    layout = _LAYOUT.get(str(fmt).lower())
    if layout is None or not isinstance(width, int) or not isinstance(height, int):
        return None
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return None
    step, offset = layout
    try:
        data = bytes(pixels)
    except (TypeError, ValueError):
        return None
    if len(data) < width * height * step:
        return None
    data = data[:width * height * step]
    return data if step == 1 else data[offset::step]


def decode_frame(pixels: bytes, width: int, height: int, fmt: str) -> str | None:
    """The text of the first QR code in a camera frame, or None (no code, unreadable, garbage; never raises).

    ``pixels`` as Kivy's ``Texture.pixels`` gives them: ``fmt`` (``"rgba"`` there), rows from the bottom up. The
    rows are put top-down before decoding; zxing-cpp also reads mirror images, so a top-down frame decodes too."""
    gray = grayscale(pixels, width, height, fmt)
    if gray is None:
        return None
    top_down = b"".join(gray[row * width:(row + 1) * width] for row in range(height - 1, -1, -1))
    try:
        import zxingcpp

        results = zxingcpp.read_barcodes(memoryview(top_down).cast("B", (height, width)),
                                         formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception:  # noqa: BLE001 - a frame the decoder cannot take is a frame without a code
        return None
    for r in results:
        if r.valid and r.text:
            return r.text
    return None


def camera_available() -> bool:
    """Whether Kivy has a camera provider here (android, opencv, gi, picamera). It says nothing of a device
    being attached: :meth:`CameraScanner.start` finds that out."""
    try:
        from kivy.core.camera import Camera as CoreCamera
    except Exception:  # noqa: BLE001 - no Kivy, or a provider that fails to import
        return False
    return CoreCamera is not None


def android_camera(camera: Any) -> Any:
    """The ``android.hardware.Camera`` (through pyjnius) behind a Kivy ``Camera`` widget on Android, else None.

    Kivy's ``camera_android`` provider keeps it as ``_android_camera`` on the core camera (``widget._camera``);
    no other provider can switch a light, and Kivy has no API of its own for one."""
    return getattr(getattr(camera, "_camera", None), "_android_camera", None)


def torch_supported(camera: Any) -> bool:
    """Whether the camera's flash can stay on while previewing (Camera.Parameters.FLASH_MODE_TORCH is among
    ``getSupportedFlashModes()``; that list is null on a camera without a flash)."""
    device = android_camera(camera)
    if device is None:
        return False
    try:
        modes = device.getParameters().getSupportedFlashModes()
        return modes is not None and bool(modes.contains("torch"))
    except Exception:  # noqa: BLE001 - a camera being released, or a Java error: no light to offer
        return False


def set_torch(camera: Any, on: bool) -> bool:
    """Switch the light on or off (``setFlashMode("torch" | "off")``); True when the camera took it."""
    if not torch_supported(camera):
        return False
    device = android_camera(camera)
    try:
        params = device.getParameters()
        params.setFlashMode("torch" if on else "off")
        device.setParameters(params)
    except Exception:  # noqa: BLE001 - the camera refused (busy, released)
        return False
    return True


def _kivy_camera(resolution: tuple[int, int], index: int) -> Any:
    from kivy.uix.camera import Camera

    cam = Camera(index=index, resolution=resolution, play=True, fit_mode="contain")
    if getattr(cam, "_camera", None) is None:  # a provider but no device
        raise RuntimeError("no camera device")
    return cam


class CameraScanner:
    """Shows the camera in ``container`` and reads a QR code off it.

    ``on_text(text)`` is called once, on the UI thread, with the first QR text read; the camera stops first.
    ``camera_factory`` (tests) returns an object with ``texture`` (``pixels``, ``size``) and ``play``; by default a
    ``kivy.uix.camera.Camera``. ``schedule`` (tests) replaces ``Clock.schedule_interval``.
    """

    def __init__(self, on_text: Callable[[str], Any], *, interval: float = 0.35,
                 resolution: tuple[int, int] = (1280, 720), index: int = 0,
                 camera_factory: Callable[[], Any] | None = None,
                 schedule: Callable[[Callable[..., Any], float], Any] | None = None) -> None:
        self.on_text = on_text
        self.interval = interval
        self._factory = camera_factory or (lambda: _kivy_camera(resolution, index))
        self._schedule = schedule
        self._injected = camera_factory is not None
        self.camera: Any = None
        self.container: Any = None
        self._event: Any = None

    @property
    def available(self) -> bool:
        return self._injected or camera_available()

    @property
    def running(self) -> bool:
        return self.camera is not None

    @property
    def torch_supported(self) -> bool:
        """A light to switch on the running camera (Android with a flash; never on a desktop)."""
        return self.camera is not None and torch_supported(self.camera)

    def set_torch(self, on: bool) -> bool:
        """Light for a dark site (issue 15 item 3); False where there is none or it was refused."""
        return self.camera is not None and set_torch(self.camera, on)

    def start(self, container: Any) -> bool:
        """Start the preview inside ``container``; False where there is no camera (nothing changed then)."""
        if self.camera is not None:
            return True
        if not self.available:
            return False
        try:
            cam = self._factory()
        except Exception:  # noqa: BLE001 - no device, busy, permission refused
            return False
        self.camera, self.container = cam, container
        container.add_widget(cam)
        schedule = self._schedule
        if schedule is None:
            from kivy.clock import Clock

            schedule = Clock.schedule_interval
        self._event = schedule(self.poll, self.interval)
        return True

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        cam, self.camera = self.camera, None
        if cam is not None:
            if torch_supported(cam):  # the light goes off with the preview (a flash left on drains the phone)
                set_torch(cam, False)
            cam.play = False
            if self.container is not None:
                self.container.remove_widget(cam)
        self.container = None

    def poll(self, *_: Any) -> str | None:
        """Read the current frame; on a code: stop, then ``on_text(text)``. Returns the text read, if any."""
        tex = getattr(self.camera, "texture", None)
        if tex is None:  # not started, or no frame yet
            return None
        width, height = (int(v) for v in tex.size)
        text = decode_frame(tex.pixels, width, height, "rgba")  # Texture.pixels: always RGBA, bottom row first
        if text:
            self.stop()
            self.on_text(text)
        return text
