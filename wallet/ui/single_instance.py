"""One wallet app per wallet on a desktop: a link opened while the app runs goes to it, not to a second window.

The desktop starts ``esspass wallet app LINK`` for every offer or request link clicked
(``docs/desktop/esspass-wallet.desktop``). Two apps on one wallet would both hold its database and its PIN
counter, and the citizen would answer in a window they did not expect. So the running app listens on a Unix socket in
the wallet's own folder (mode 0600: the same user only), and a second start hands its link over and ends. The link
is taken only if it is one the wallet opens (:func:`wallet.ui.android_links.taken_link`, the same rule as Android's
intents); the citizen still sees and confirms what it asks, as for a pasted link.

Where Unix sockets are missing (or the path is too long for one) the app runs as before, one window per start.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from .android_links import MAX_LINK_CHARS, taken_link

__all__ = ["Listener", "hand_over"]

SOCKET_NAME = "app.sock"
_TIMEOUT_S = 5.0
_OK, _REFUSED = b"ok\n", b"refused\n"


def _path(store: Path) -> Path:
    return Path(store) / SOCKET_NAME


def hand_over(store: Path, link: str | None) -> bool | None:
    """Give ``link`` (or nothing: "come to the front") to the app already running on ``store``. True when it took it,
    False when it refused it (not a link the wallet opens), None when no app runs there."""
    if not hasattr(socket, "AF_UNIX"):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(_TIMEOUT_S)
            s.connect(str(_path(store)))
            s.sendall((link or "").encode("utf-8")[: MAX_LINK_CHARS + 1] + b"\n")
            s.shutdown(socket.SHUT_WR)
            answer = s.recv(16)
    except (OSError, ValueError):  # no socket, a stale one, a path too long: no app runs there
        return None
    return answer == _OK


def _answers(path: Path) -> bool:
    """Whether an app listens at ``path`` (connect, send nothing: the app opens nothing for it)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(_TIMEOUT_S)
            s.connect(str(path))
    except (OSError, ValueError):
        return False
    return True


class Listener:
    """The running app's end: ``on_link(link)`` for each link handed over (``""``: a start without a link, to bring
    the window forward), called on the listener's thread: hand it to Kivy's (``Clock.schedule_once``)."""

    def __init__(self, store: Path, on_link: Callable[[str], None]) -> None:
        self.path = _path(store)
        self.on_link = on_link
        self.sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen; False where that cannot be done (no Unix sockets, a path too long, another app listening)."""
        if not hasattr(socket, "AF_UNIX"):
            return False
        if _answers(self.path):
            return False  # another app answers there (the caller should have handed its link over)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.unlink(missing_ok=True)  # a socket left by an app that crashed
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old = os.umask(0o177)  # created 0600: no moment where another user could connect
            try:
                sock.bind(str(self.path))
            finally:
                os.umask(old)
            sock.listen(4)
        except OSError:
            return False
        self.sock = sock
        self._thread = threading.Thread(target=self._serve, name="wallet-links", daemon=True)
        self._thread.start()
        return True

    def _serve(self) -> None:
        assert self.sock is not None
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed by stop()
                return
            with conn:
                try:
                    conn.settimeout(_TIMEOUT_S)
                    data = b""
                    while len(data) <= MAX_LINK_CHARS + 1 and not data.endswith(b"\n"):
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if not data:  # a probe (another start asking whether an app runs): nothing to open
                        conn.sendall(_OK)
                        continue
                    text = data.decode("utf-8", "replace").strip()
                    link = taken_link(text) if text else ""
                    conn.sendall(_OK if link is not None else _REFUSED)
                except OSError:
                    continue
            if link is not None:
                self.on_link(link)

    def stop(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
                self.path.unlink(missing_ok=True)
