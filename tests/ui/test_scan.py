"""The kit's camera scanning (uikit/scan.py): camera frames -> QR text with zxing-cpp, on synthetic frames made
from a rendered QR code (RGBA rows bottom-up as Kivy textures give them, and top-down), frames without a code and
garbage; the scanner's start / poll / stop with a stand-in camera; and a real Kivy texture read back from GL."""

from __future__ import annotations

import os
import random

import pytest
from PIL import Image

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy

import qrimage
from uikit.scan import CameraScanner, camera_available, camera_text, decode_frame, grayscale

TEXT = "VP1:" + "6BFOXN*TS0BFOXN*TS0BFOXN*TS0" * 12  # alphanumeric, as the offline QR codes are
FRAME = (640, 480)  # a camera preview's size


def _frame(text: str | None = TEXT, *, bottom_up: bool = True, mode: str = "RGBA", scale: int = 3) -> bytes:
    """A camera-like frame: a QR code (dark on light) on a grey-beige background, off centre."""
    frame = Image.new("RGB", FRAME, (196, 188, 170))
    if text is not None:
        frame.paste(qrimage.render_qr_image(text, scale=scale).convert("RGB"), (70, 40))
    if bottom_up:  # Kivy's Texture.pixels: the bottom row first
        frame = frame.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if mode == "BGRA":
        r, g, b = frame.split()
        return Image.merge("RGBA", (b, g, r, Image.new("L", FRAME, 255))).tobytes()
    return frame.convert(mode).tobytes()


def test_a_kivy_frame_decodes():
    assert decode_frame(_frame(), *FRAME, "rgba") == TEXT


def test_a_top_down_frame_decodes_too():
    assert decode_frame(_frame(bottom_up=False), *FRAME, "rgba") == TEXT


@pytest.mark.parametrize("fmt, mode", [("bgra", "BGRA"), ("rgb", "RGB"), ("luminance", "L")])
def test_other_texture_formats(fmt, mode):
    assert decode_frame(_frame(mode=mode), *FRAME, fmt) == TEXT


def test_a_small_code_far_away_decodes():
    assert decode_frame(_frame("RQ1:ABC", scale=2), *FRAME, "rgba") == "RQ1:ABC"


def test_a_frame_without_a_code_is_none():
    assert decode_frame(_frame(None), *FRAME, "rgba") is None
    noise = random.Random(7).randbytes(FRAME[0] * FRAME[1] * 4)
    assert decode_frame(noise, *FRAME, "rgba") is None


@pytest.mark.parametrize("pixels, width, height, fmt", [
    (b"", 640, 480, "rgba"),
    (b"\x00\x01\x02", 640, 480, "rgba"),  # short
    (os.urandom(1000), 640, 480, "rgba"),  # short garbage
    (_frame(), 640, 481, "rgba"),  # one row short
    (_frame(), 0, 480, "rgba"),
    (_frame(), -640, -480, "rgba"),
    (b"\x00" * 16, 2, 2, "rgba"),  # tiny
    (_frame(), 640, 480, "yuv420"),  # a format we do not read
    (_frame(), 640.0, 480, "rgba"),
    (None, 640, 480, "rgba"),
    ("not bytes", 640, 480, "rgba"),
    (b"\xff" * 64, 100_000, 100_000, "rgba"),  # absurd size: refused before any allocation
])
def test_garbage_is_none_and_never_raises(pixels, width, height, fmt):
    assert decode_frame(pixels, width, height, fmt) is None


def test_grayscale_takes_the_green_channel_row_for_row():
    assert grayscale(bytes([1, 2, 3, 4, 5, 6, 7, 8]), 2, 1, "rgba") == bytes([2, 6])
    assert grayscale(bytes([1, 2, 3, 4, 5, 6]), 1, 2, "rgb") == bytes([2, 5])
    assert grayscale(bytes([9, 8]) + b"extra", 2, 1, "luminance") == bytes([9, 8])  # longer buffers are cut


class _Texture:
    def __init__(self, pixels: bytes, size: tuple[int, int]) -> None:
        self.pixels, self.size = pixels, size


class _Camera:
    """Stands in for kivy.uix.camera.Camera: a texture and ``play``."""

    def __init__(self) -> None:
        self.texture = None
        self.play = True


class _Container:
    def __init__(self) -> None:
        self.children: list = []

    def add_widget(self, w) -> None:
        self.children.append(w)

    def remove_widget(self, w) -> None:
        self.children.remove(w)


class _Event:
    cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def test_scanner_reads_the_camera_until_a_code_then_stops():
    read, events, cam = [], [], _Camera()

    def schedule(fn, interval):
        events.append((fn, interval, _Event()))
        return events[-1][2]

    scanner = CameraScanner(read.append, camera_factory=lambda: cam, schedule=schedule, interval=0.25)
    box = _Container()
    assert scanner.available and scanner.start(box) and box.children == [cam] and scanner.running
    assert scanner.start(box) and len(events) == 1  # already running: nothing new
    poll, interval, event = events[0]
    assert interval == 0.25
    assert poll(0.25) is None and read == []  # no frame yet
    cam.texture = _Texture(_frame(None), FRAME)
    assert poll(0.25) is None and read == []  # a frame without a code: keep looking
    cam.texture = _Texture(_frame(), FRAME)
    assert poll(0.25) == TEXT
    assert read == [TEXT]  # once
    assert event.cancelled and box.children == [] and cam.play is False and not scanner.running
    assert scanner.poll() is None and read == [TEXT]


def test_scanner_without_a_camera_changes_nothing():
    def no_device():
        raise RuntimeError("no camera device")

    box = _Container()
    scanner = CameraScanner(lambda text: None, camera_factory=no_device, schedule=lambda fn, i: _Event())
    assert scanner.start(box) is False and box.children == [] and not scanner.running
    scanner.stop()  # harmless


def test_camera_available_answers_and_the_words_exist_in_both_languages():
    assert camera_available() in (True, False)
    for key in ("camera.start", "camera.stop", "camera.none_image", "camera.none_image_or_link", "camera.failed"):
        assert camera_text(key, "en") != camera_text(key, "da")
    assert "paste a link" in camera_text("camera.none_image_or_link", "en")
    assert camera_text("camera.start", "xx") == camera_text("camera.start", "en")


class TestKivyTexture(KivyTestCase):
    def test_pixels_read_back_from_a_kivy_texture_decode(self):
        """The real path of a camera frame: a GL texture (as the camera provider fills it), ``Texture.pixels``
        read back by Kivy (RGBA, bottom row first), decoded."""
        from kivy.graphics.texture import Texture

        tex = Texture.create(size=FRAME, colorfmt="rgba")
        tex.blit_buffer(_frame(), colorfmt="rgba", bufferfmt="ubyte")  # Kivy textures start at the bottom row
        cam = _Camera()
        cam.texture = tex
        read: list[str] = []
        scanner = CameraScanner(read.append, camera_factory=lambda: cam, schedule=lambda fn, i: _Event())
        scanner.start(_Container())
        assert scanner.poll() == TEXT and read == [TEXT]
