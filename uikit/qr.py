"""A QR code on screen, drawn crisp from its text."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget


class QrView(Widget):
    """A QR code drawn crisp: one texel per module (quiet zone included), scaled by a whole number with
    nearest-neighbour filtering, black on white, centred; as large as the widget allows. The symbol is the one
    :func:`credential.qrimage.render_qr_image` makes (the same version and error correction as the PNG files)."""

    text = StringProperty("")
    modules = NumericProperty(0)  # symbol width with quiet zone, in modules
    pixels_per_module = NumericProperty(0)

    def __init__(self, **kw: Any) -> None:
        self._texture = None
        super().__init__(**kw)
        self.bind(text=self._make_texture, size=self._draw, pos=self._draw)
        if self.text:
            self._make_texture()

    def _make_texture(self, *_: Any) -> None:
        self._texture = None
        if self.text:
            from PIL import Image

            from qrimage import render_qr_image

            image = render_qr_image(self.text, scale=1, border=4).convert("RGBA")
            tex = Texture.create(size=image.size, colorfmt="rgba")
            # Kivy textures start at the bottom row
            tex.blit_buffer(image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes(), colorfmt="rgba",
                            bufferfmt="ubyte")
            tex.mag_filter = tex.min_filter = "nearest"
            self._texture = tex
            self.modules = image.size[0]
        else:
            self.modules = 0
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=self.pos, size=self.size)
            if self._texture is None or not self.modules:
                self.pixels_per_module = 0
                return
            scale = max(1, int(min(self.width, self.height) // self.modules))
            side = scale * self.modules
            self.pixels_per_module = scale
            Rectangle(texture=self._texture, size=(side, side),
                      pos=(int(self.center_x - side / 2), int(self.center_y - side / 2)))
