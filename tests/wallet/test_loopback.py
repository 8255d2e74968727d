"""The loopback redirect of RFC 8252 §7.3 (wallet.loopback) with real sockets and a real HTTP client, and the
institutions a wallet can log in at (wallet.institutions) from real trust lists."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from hypothesis import given, settings, strategies as st

from credential.reasons import Rejected
from tests.support import free_port
from wallet.loopback import LoopbackRedirect, simple_page, system_browser


def test_the_first_callback_is_the_answer_and_other_paths_are_not():
    with LoopbackRedirect(port=free_port(), page=lambda ok: simple_page("T", "done" if ok else "not this")) as rx:
        assert rx.redirect_uri == f"http://127.0.0.1:{rx.port}/callback"
        r = httpx.get(f"http://127.0.0.1:{rx.port}/favicon.ico")
        assert r.status_code == 404 and "not this" in r.text
        r = httpx.get(f"http://127.0.0.1:{rx.port}/callbackx?code=evil")
        assert r.status_code == 404
        r = httpx.get(f"{rx.redirect_uri}?code=abc&state=s1&iss=https%3A%2F%2Fi.example")
        assert r.status_code == 200 and "done" in r.text and r.headers["referrer-policy"] == "no-referrer"
        r = httpx.get(f"{rx.redirect_uri}?code=second&state=s1")  # a second answer does not replace the first
        assert r.status_code == 409
        assert rx.wait(1) == f"{rx.redirect_uri}?code=abc&state=s1&iss=https%3A%2F%2Fi.example"


def test_wait_ends_with_cancel_or_timeout():
    with LoopbackRedirect(port=free_port()) as rx:
        with pytest.raises(Rejected) as e:
            rx.wait(0.3)
        assert e.value.code == "wallet.login_timeout"
        stop = threading.Event()
        threading.Timer(0.2, stop.set).start()
        started = time.monotonic()
        with pytest.raises(Rejected) as e:
            rx.wait(30, stop)
        assert e.value.code == "wallet.login_cancelled" and time.monotonic() - started < 5
        assert "Nothing was received" in e.value.reason.en


def test_system_browser_opens_then_waits_and_says_when_no_browser_opens():
    with LoopbackRedirect(port=free_port()) as rx:
        opened = []

        def opener(url: str) -> bool:  # a "browser" that follows the login straight back
            opened.append(url)
            threading.Thread(target=lambda: httpx.get(f"{rx.redirect_uri}?code=c1&state=s")).start()
            return True

        assert system_browser(rx, opener, timeout=10)("https://as.example/authorize?x=1").endswith("code=c1&state=s")
        assert opened == ["https://as.example/authorize?x=1"]
    for opener in (lambda url: False, lambda url: 1 / 0):
        with LoopbackRedirect(port=free_port()) as rx, pytest.raises(Rejected) as e:
            system_browser(rx, opener, timeout=1)("https://as.example/authorize")
        assert e.value.code == "wallet.login_browser"


@settings(max_examples=40, deadline=None)
@given(path=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60))
def test_only_the_callback_path_is_delivered(path):
    path = "/" + path.lstrip("/").replace("#", "")
    with LoopbackRedirect(port=free_port()) as rx:
        try:
            r = httpx.get(f"http://127.0.0.1:{rx.port}{path}")
        except httpx.HTTPError:  # a target httpx itself refuses: nothing reached the wallet
            return
        delivered = rx._got is not None
        assert delivered == (r.status_code == 200)
        sent = httpx.URL(f"http://127.0.0.1:{rx.port}{path}").raw_path.split(b"?")[0]  # as it went on the wire
        assert delivered == (sent == b"/callback")
