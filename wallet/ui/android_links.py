"""Links the system opens the wallet with on Android: an offer or a request clicked on the phone (the same-device
flows of HAIP 1.0 §4.2 and §5.1, OpenID4VP 1.0 §8.2).

The manifest's intent filters (``android/intent_filters.xml``, named in ``buildozer.spec``) make the app the handler of
the offer schemes (``openid-credential-offer``, ``eu-eaa-offer``, ``haip-vci``) and the request schemes (``openid4vp``,
``eudi-openid4vp``, ``haip-vp``; not ``mdoc-openid4vp``: mdoc is not supported). The link
arrives as the data of an ``ACTION_VIEW`` intent: the launch intent when the app was not running, else (the activity
is ``singleTask``, so no second copy starts) through ``onNewIntent``, which python-for-android forwards to
``android.activity.bind(on_new_intent=...)``. Elsewhere (desktop) there is neither and both functions say so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..issuance import OFFER_SCHEMES
from ..presentation import SCHEMES as REQUEST_SCHEMES

__all__ = ["ACTION_VIEW", "MAX_LINK_CHARS", "SCHEMES", "launch_link", "link_of", "on_new_links", "taken_link"]

ACTION_VIEW = "android.intent.action.VIEW"
SCHEMES = (*OFFER_SCHEMES, *(s for s in REQUEST_SCHEMES if not s.startswith("mdoc")))
MAX_LINK_CHARS = 64_000  # a request or offer by value fits; a longer text is not a link we take


def link_of(intent: Any) -> str | None:
    """The link an intent carries: the data of an ``ACTION_VIEW`` intent under one of :data:`SCHEMES`, else None
    (another action, no data, another scheme, or a Java error reading it)."""
    if intent is None:
        return None
    try:
        if intent.getAction() != ACTION_VIEW:
            return None
        data = intent.getDataString()
    except Exception:  # noqa: BLE001 - a Java exception through pyjnius: no link to take
        return None
    if data is None:
        return None
    return taken_link(str(data))


def taken_link(text: str) -> str | None:
    """``text`` as a link the wallet opens from outside (stripped), or None: empty, too long, or not under one of
    :data:`SCHEMES` (compared without case, RFC 3986 §3.1)."""
    link = text.strip()
    if not link or len(link) > MAX_LINK_CHARS or link.split(":", 1)[0].lower() not in SCHEMES:
        return None
    return link


def launch_link() -> str | None:
    """The link the app was started with (the launch intent's), or None (not Android, or started from the icon)."""
    try:
        from jnius import autoclass  # type: ignore[import-not-found]  # only on Android
    except ImportError:
        return None
    try:
        return link_of(autoclass("org.kivy.android.PythonActivity").mActivity.getIntent())
    except Exception:  # noqa: BLE001 - no activity (a service), or a Java error
        return None


def on_new_links(callback: Callable[[str], None]) -> bool:
    """Call ``callback(link)`` for each link the system sends while the app runs; False where there is no Android
    activity to listen to. ``callback`` runs on Android's UI thread: hand it to Kivy's (``kivy.clock.mainthread``)."""
    try:
        from android import activity  # type: ignore[import-not-found]  # python-for-android only
    except ImportError:
        return False

    def new_intent(intent: Any) -> None:
        link = link_of(intent)
        if link is not None:
            callback(link)

    activity.bind(on_new_intent=new_intent)
    return True
