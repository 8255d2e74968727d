"""One wallet app per wallet on a desktop (wallet/ui/single_instance.py): a second start hands its link to the
running app over a Unix socket in the wallet's folder and ends; real sockets, the real CLI."""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest
from typer.testing import CliRunner

from wallet.ui.single_instance import SOCKET_NAME, Listener, hand_over

OFFER = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1"
REQUEST = "haip-vp://?client_id=x509_san_dns%3Averifier.example&request_uri=https%3A%2F%2Fverifier.example%2Fr%2F1"


class Received:
    def __init__(self) -> None:
        self.links: list[str] = []
        self.event = threading.Event()

    def __call__(self, link: str) -> None:
        self.links.append(link)
        self.event.set()


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "w"
    path.mkdir(mode=0o700)
    return path


def test_no_app_running_means_none(store):
    assert hand_over(store, OFFER) is None
    # a socket file left by an app that crashed: nobody answers, so no app runs
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(store / SOCKET_NAME))
    dead.close()
    assert (store / SOCKET_NAME).exists() and hand_over(store, OFFER) is None
    received = Received()
    listener = Listener(store, received)
    assert listener.start()  # the stale file is replaced
    try:
        assert hand_over(store, OFFER) is True and received.event.wait(5) and received.links == [OFFER]
    finally:
        listener.stop()


def test_the_running_app_takes_offer_and_request_links_and_refuses_anything_else(store):
    received = Received()
    listener = Listener(store, received)
    assert listener.start()
    try:
        assert stat.S_IMODE(os.stat(store / SOCKET_NAME).st_mode) == 0o600  # the same user only
        assert Listener(store, Received()).start() is False  # one app per wallet
        for link in (OFFER, f"  {REQUEST}\n"):
            received.event.clear()
            assert hand_over(store, link) is True and received.event.wait(5)
        assert received.links == [OFFER, REQUEST]
        for refused in ("https://example.com/x", "javascript:alert(1)", "mdoc-openid4vp://?x=1",
                        "openid4vp://?" + "x" * 70_000, "\x00\xff"):
            assert hand_over(store, refused) is False
        received.event.clear()
        assert hand_over(store, None) is True and received.event.wait(5)  # started without a link: "come forward"
        assert received.links == [OFFER, REQUEST, ""]
        # a client that connects and sends nothing, then closes, does not stop the listener
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
            idle.connect(str(store / SOCKET_NAME))
        assert hand_over(store, OFFER) is True
    finally:
        listener.stop()
    assert not (store / SOCKET_NAME).exists() and hand_over(store, OFFER) is None


def test_a_second_start_of_the_app_hands_its_link_over_and_ends(store, monkeypatch):
    import wallet.ui.app as ui_app
    from esspass.cli import app

    started = []
    monkeypatch.setattr(ui_app, "run", lambda *a, **kw: started.append(kw))
    received = Received()
    listener = Listener(store, received)
    assert listener.start()
    try:
        res = CliRunner().invoke(app, ["wallet", "app", REQUEST, "--store", str(store)])
        assert res.exit_code == 0 and "already open" in res.output and "handed" in res.output, res.output
        assert received.event.wait(5) and received.links == [REQUEST] and started == []
        res = CliRunner().invoke(app, ["wallet", "app", "https://example.com/x", "--store", str(store)])
        assert res.exit_code == 2 and "not an offer or request link" in res.output and started == []
        res = CliRunner().invoke(app, ["wallet", "app", "--store", str(store)])
        assert res.exit_code == 0 and "brought forward" in res.output and started == []
    finally:
        listener.stop()
    res = CliRunner().invoke(app, ["wallet", "app", REQUEST, "--store", str(store)])  # none running: the app starts
    assert res.exit_code == 0 and started and started[0]["link"] == REQUEST
