"""QR images at the edge: text -> QR symbol / PNG / Pillow image (segno) and image -> text (zxing-cpp).

The pure codec that makes and reads the texts (``RQ1:``, ``VP2:``; ``VP1:`` is still read) is
:mod:`credential.qr_transport`; this module only draws and reads symbols. Rendering uses QR alphanumeric mode
when every character allows it (base45 texts do), error correction L, boosted within the same version when it
fits (ISO/IEC 18004 §7.4.4 alphanumeric mode, §8.5 error correction levels). Reading is bounded: an image above
``MAX_IMAGE_PIXELS`` is refused before decoding.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO, Any

from credential.qr_transport import R_TOO_LARGE, R_UNREADABLE, is_alphanumeric
from credential.reasons import Rejected

__all__ = ["MAX_IMAGE_PIXELS", "QrInfo", "decode_qr_image", "encode_qr_png", "make_qr", "qr_version_for",
           "render_qr_image"]

MAX_IMAGE_PIXELS = 40_000_000



@dataclass(frozen=True, slots=True)
class QrInfo:
    version: int  # 1..40
    error: str  # effective error correction level (L, or higher if it fitted the same version)
    mode: str  # "alphanumeric" or "byte" (segno's name of the first segment's mode)
    modules: int  # symbol width in modules, without quiet zone


def make_qr(text: str, *, error: str = "L", boost_error: bool = True):
    """A segno QR code of ``text`` (never Micro QR), alphanumeric mode when every character allows it.

    ``boost_error`` raises the error correction above ``error`` only when the symbol stays the same version."""
    import segno

    mode = "alphanumeric" if text and is_alphanumeric(text) else None
    try:
        return segno.make(text, error=error.lower(), mode=mode, micro=False, boost_error=boost_error)
    except segno.DataOverflowError:
        raise Rejected(R_TOO_LARGE, "does not fit in a QR code") from None


def _info(qr: Any) -> QrInfo:
    return QrInfo(int(qr.version), str(qr.error).upper(), str(qr.mode or "byte"), qr.symbol_size(border=0)[0])


def qr_version_for(text: str, *, error: str = "L") -> int:
    """The QR version segno chooses for ``text`` (alphanumeric mode when possible)."""
    return int(make_qr(text, error=error, boost_error=False).version)


def encode_qr_png(
    text: str,
    out: str | os.PathLike[str] | IO[bytes],
    *,
    scale: int = 4,
    border: int = 4,
    error: str = "L",
    boost_error: bool = True,
) -> QrInfo:
    """Write ``text`` as a PNG QR code to a path or binary stream and report its version, level and mode.

    ``border`` is the quiet zone in modules (ISO/IEC 18004 asks for 4); ``scale`` is pixels per module."""
    qr = make_qr(text, error=error, boost_error=boost_error)
    qr.save(out, kind="png", scale=scale, border=border)
    return _info(qr)


def render_qr_image(text: str, *, scale: int = 4, border: int = 4, error: str = "L", boost_error: bool = True):
    """The QR code of ``text`` as a Pillow image (mode "L")."""
    from PIL import Image

    buf = io.BytesIO()
    encode_qr_png(text, buf, scale=scale, border=border, error=error, boost_error=boost_error)
    buf.seek(0)
    with Image.open(buf) as im:
        return im.convert("L")


def decode_qr_image(source: Any) -> str:
    """The text of the (first readable) QR code in an image: a path, encoded image bytes (PNG, JPEG, ...) or a
    Pillow image. Raises ``Rejected``: ``qr.unreadable`` (no image, or no QR code found), ``qr.too_large``."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(source, Image.Image):
            image = source
        else:
            if isinstance(source, (bytes, bytearray, memoryview)):
                stream: Any = io.BytesIO(bytes(source))
            elif isinstance(source, (str, os.PathLike)):
                stream = os.fspath(source)
            else:
                raise Rejected(R_UNREADABLE, f"unsupported image source {type(source).__name__}")
            image = Image.open(stream)
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise Rejected(R_TOO_LARGE, f"image of {image.width}x{image.height} pixels")
        image = image.convert("L")
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except Rejected:
        raise
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise Rejected(R_UNREADABLE, f"image cannot be read: {type(exc).__name__}") from None
    for result in results:
        if result.valid and result.text:
            return result.text
    raise Rejected(R_UNREADABLE, "no QR code found")
