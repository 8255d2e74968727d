"""Running out of one-time copies (``wallet.no_copies_left``, the card's reminder), history titles that say what
happened, and PIN messages that say how long to wait - in the library, the CLI and the app's controller."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

import qrimage
from credential.reasons import Rejected
from trust_list.demo import build_demo_ecosystem
from wallet.core import Wallet
from wallet.offline import decline_offline, open_offline, respond_offline
from wallet.storage import KdfParams
from wallet.trust import load_trust_store

from .test_offline import issue_offline_card, make_request

PIN = "135790"


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("home") / "ecosystem", int(time.time()))


@pytest.fixture()
def store(eco):
    return load_trust_store(eco.home, int(time.time()))


def controller(eco, tmp_path, clock=time.time):
    from wallet.ui.controller import WalletController

    ctl = WalletController(tmp_path / "app", eco.home, kdf=KdfParams(n=2**10), clock=clock)
    ctl.create(PIN, PIN)
    return ctl


# ---------------------------------------------------------------- no copies left


def test_no_copies_left_is_said_and_logged(eco, store, tmp_path):
    w = Wallet(tmp_path / "w", kdf=KdfParams(n=2**10))
    w.create(PIN)
    issue_offline_card(eco, w, "pda1", copies=2)
    for _ in range(2):
        respond_offline(w, open_offline(w, make_request(eco)[0], store))
    with pytest.raises(Rejected) as e:
        open_offline(w, make_request(eco)[0], store)
    assert e.value.code == "wallet.no_copies_left"
    assert "issue it again" in e.value.reason.en and "udstede det igen" in e.value.reason.da
    assert (w.history()[-1].outcome, w.history()[-1].reason) == ("failed", "wallet.no_copies_left")
    # a request the used-up card could not answer anyway is still "no matching credential"
    with pytest.raises(Rejected) as e:
        open_offline(w, make_request(eco, slug="border-police", preset="ehic-care")[0], store)
    assert e.value.code == "wallet.no_matching_credential"
    # another A1 with copies left answers: the used-up one is skipped
    fresh = issue_offline_card(eco, w, "pda1", copies=1)
    assert open_offline(w, make_request(eco)[0], store).items[0].card.id == fresh.id


def test_cli_respond_offline_no_copies_left(eco, tmp_path):
    from wallet.cli import app

    w = Wallet(tmp_path / "w", kdf=KdfParams(n=2**10))
    w.create(PIN)
    card = issue_offline_card(eco, w, "pda1", copies=1)
    for copy in card.copies:
        copy.used_at = int(time.time())
    w.save_card(card)
    w.close()
    png = tmp_path / "rq.png"
    qrimage.encode_qr_png(make_request(eco)[0], png)
    r = CliRunner().invoke(app, ["respond-offline", str(png), "--store", str(tmp_path / "w"), "--pin", PIN, "--yes",
                                 "--out", str(tmp_path / "resp.png"), "--trust-dir", str(eco.home), "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "wallet.no_copies_left", r.output
    r = CliRunner().invoke(app, ["list", "--store", str(tmp_path / "w"), "--pin", PIN, "--json"])
    [reminder] = [x for x in json.loads(r.stdout)["reminders"] if x["layer"] == "copies"]
    assert reminder["copies_left"] == 0 and reminder["days_left"] is None
    r = CliRunner().invoke(app, ["list", "--store", str(tmp_path / "w"), "--pin", PIN])
    assert "no one-time copies left" in r.stdout and "(0 days)" not in r.stdout and "None" not in r.stdout


def test_card_reminder_for_few_and_no_copies(eco, store, tmp_path):
    ctl = controller(eco, tmp_path)
    card = issue_offline_card(eco, ctl.wallet, "pda1", copies=2)  # ends in 2027 and beyond: no date reminder

    def tile():
        [v] = [c for c in ctl.cards() if c.id == card.id]
        return v

    # in plain words (issue 15): how many more times it can be shown, and what to do when it cannot
    assert tile().reminder == "" and tile().copies == "Can be shown 2 more times"
    respond_offline(ctl.wallet, open_offline(ctl.wallet, make_request(eco)[0], store))
    assert tile().copies == "Can be shown 1 more time" and tile().status_code == "VALID"
    respond_offline(ctl.wallet, open_offline(ctl.wallet, make_request(eco)[0], store))
    # none left and no way to renew (a card without a refresh token): never a plain green "Valid"
    assert tile().status_code == "NO_COPIES" and tile().status == "Valid, but cannot be shown now"
    assert tile().reminder == "Cannot be shown right now: ask Udbetaling Danmark for a new offer"
    assert "Ends in" not in tile().reminder and "0 days" not in tile().reminder
    ctl.set_language("da")
    assert tile().reminder.startswith("Kan ikke vises lige nu") and "Udløber" not in tile().reminder
    # the app: presenting says to ask the issuer again
    msg = ctl.open_offline_request(make_request(eco)[0])
    assert msg.code == "wallet.no_copies_left" and "udstede det igen" in msg.text


# ---------------------------------------------------------------- history titles


def test_history_titles_say_what_happened(eco, store, tmp_path):
    from wallet.export import history_pdf

    ctl = controller(eco, tmp_path)
    w = ctl.wallet
    issue_offline_card(eco, w, "pda1")
    w.log(kind="issuance", party="Udbetaling Danmark", party_id="https://udk", credential="urn:eudi:pda1:1",
          outcome="received")
    respond_offline(w, open_offline(w, make_request(eco)[0], store))
    decline_offline(w, open_offline(w, make_request(eco)[0], store))
    with pytest.raises(Rejected):
        open_offline(w, make_request(eco, registration=False)[0], store)
    with pytest.raises(Rejected):
        open_offline(w, make_request(eco, slug="border-police", preset="ehic-care")[0], store)
    titles = [r["title"].split(" · ")[0] for r in ctl.history_rows()]  # newest first
    assert titles == ["Not shown", "Refused", "Declined", "Shown offline", "Received"], titles
    assert not any(t.startswith("Shown ·") for t in (r["title"] for r in ctl.history_rows()))
    ctl.set_language("da")
    titles = [r["title"].split(" · ")[0] for r in ctl.history_rows()]
    assert titles == ["Ikke vist", "Afvist", "Afslået", "Vist offline", "Modtaget"], titles
    assert history_pdf(w, "en").startswith(b"%PDF")


def test_history_title_shared_online():
    from wallet.i18n import history_title

    assert history_title("presentation", "shared") == "Shared"
    assert history_title("presentation", "shared", "da") == "Delt"
    assert history_title("presentation", "something-new") == "Shown"  # an unknown outcome keeps the kind


# ---------------------------------------------------------------- PIN waits


class Clock:
    def __init__(self) -> None:
        self.t = float(time.time())

    def __call__(self) -> float:
        return self.t


def test_unlock_says_how_long_to_wait(eco, tmp_path):
    from wallet.i18n import wait_text

    assert [wait_text(s) for s in (0.2, 1, 45, 119.5, 120, 235, 1920)] == [
        "1 second", "1 second", "45 seconds", "2 minutes", "2 minutes", "4 minutes", "32 minutes"]
    assert wait_text(235, "da") == "4 minutter" and wait_text(60, "da") == "60 sekunder"

    clock = Clock()
    ctl = controller(eco, tmp_path, clock)
    ctl.lock()
    for _ in range(2):
        assert "seconds" not in ctl.unlock("000000").text
    msg = ctl.unlock("000000")  # the third wrong PIN starts a 30 s delay
    assert msg.code == "wallet.pin_wrong" and "7 attempts left" in msg.text and "30 seconds" in msg.text, msg
    clock.t += 1
    msg = ctl.unlock(PIN)
    assert msg.code == "wallet.pin_delay" and "wait 29 seconds" in msg.title, msg
    clock.t += 30
    for _ in range(3):
        msg = ctl.unlock("000000")
        clock.t += 10_000
    assert "4 minutes" in msg.text, msg  # 30 s x 2^3
    clock.t -= 10_000
    ctl.set_language("da")
    msg = ctl.unlock(PIN)
    assert msg.code == "wallet.pin_delay" and "vent 4 minutter" in msg.title, msg
