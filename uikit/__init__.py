"""The Kivy kit both apps share: the citizen's wallet (``wallet/ui``) and the inspector app (``verifier/ui``).

What is the same in both lives here; each app keeps its own screens, texts and ``.kv`` layout.

* :mod:`.env` — the process environment for Kivy (headless for tests and screenshots, desktop windows);
* :mod:`.palette` and ``common.kv`` — colours, type and the common widgets (text styles, buttons, fields,
  panels, key/value rows, scroll columns, the camera viewfinder);
* :mod:`.widgets` — the Python side of those widgets;
* :mod:`.qr` — :class:`~uikit.qr.QrView`, a QR code drawn crisp from its text;
* :mod:`.scan` — :func:`~uikit.scan.decode_frame` (camera frame → QR text, pure) and
  :class:`~uikit.scan.CameraScanner` (Kivy's ``Camera`` read with zxing-cpp);
* :mod:`.base` — :class:`~uikit.base.KitApp`, the app base class (language, text size, background work);
* :mod:`.shots` — offscreen screenshot runs (``esspass wallet screenshots``, ``esspass inspect screenshots``).

Importing this package, :mod:`.env`, :mod:`.palette` or :func:`.scan.decode_frame` does not import Kivy: the
environment must be set before Kivy is first imported.
"""

from credential.exports import lazy

_EXPORTS = {
    "KitApp": "base", "activate": "base", "offscreen": "env", "desktop_window": "env", "rgba": "palette",
    "QrView": "qr", "CameraScanner": "scan", "decode_frame": "scan", "camera_available": "scan",
    "Screenshots": "shots", "CameraScreen": "widgets", "KeyValue": "widgets", "Panel": "widgets", "make": "widgets",
    "load_kv_once": "base", "parse_size": "env", "recent_folder": "dialogs", "remember_folder": "dialogs",
}
_SUBMODULES = ["env", "palette"]  # the colours by name; the process environment for Kivy
__all__ = sorted(_EXPORTS) + _SUBMODULES
__getattr__ = lazy(__name__, _EXPORTS, _SUBMODULES)
