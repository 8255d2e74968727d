"""Online copies with ``x5c`` and compact offline copies in one batch (HAIP 1.0 §6.1.1 and the offline two-QR
budget; docs/offline-presentation.md §1.3): the real issuer and verifier on loopback, the real wallet."""

from __future__ import annotations

import time

import pytest

from credential import jose
from credential.reasons import Rejected
from trust_list.demo import build_demo_ecosystem
from wallet.core import ANY, OFFLINE, ONLINE
from wallet.issuance import receive
from wallet.offline import open_offline, respond_offline
from wallet.presentation import fetch_request, plan, respond
from wallet.trust import load_trust_store

from .servers import new_online_wallet
from .test_offline import make_request


def header(sd_jwt: str) -> dict:
    return jose.parse_compact(sd_jwt.split("~")[0]).header


def test_online_copies_carry_x5c_offline_copies_are_compact_and_each_is_used_for_its_own(services, tmp_path):
    wallet = new_online_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    [card] = receive(wallet, offer, store, tx_code=code, copies=4).cards
    # 4 copies: 2 online (x5c) and 2 offline (compact), told apart by their headers
    assert sorted(c.use for c in card.copies) == [OFFLINE, OFFLINE, ONLINE, ONLINE]
    assert all(("x5c" in header(c.sd_jwt)) == (c.use == ONLINE) for c in card.copies)
    assert card.public_summary()["online_copies_left"] == 2 and card.public_summary()["offline_copies_left"] == 2

    for _ in range(2):  # online: the verifier accepts the x5c copies
        url, tid = services.request("ehic-care")
        respond(wallet, plan(wallet, fetch_request(url, store, wallet.now(), demo=True)))
        assert services.verifier.transaction_view(tid)["decision"]["result"] == "PASSED"
    assert {c.use for c in wallet.card(card.id).copies if c.used_at is not None} == {ONLINE}
    # the online copies are used up; the compact ones stay reserved for the offline QR code
    url, _ = services.request("ehic-care")
    with pytest.raises(Rejected) as e:
        plan(wallet, fetch_request(url, store, wallet.now(), demo=True))
    assert e.value.code == "wallet.no_online_copies_left" and "QR" in e.value.reason.en
    assert wallet.card(card.id).copies_left == 2
    assert [r["use"] for r in wallet.expiry_reminders() if r["layer"] == "copies"] == [ONLINE]

    eco = build_demo_ecosystem(services.trust_dir, int(time.time()))
    for _ in range(2):  # offline: compact copies, within the QR budget
        response = respond_offline(wallet, open_offline(wallet, make_request(eco, slug="border-police",
                                                                             preset="ehic-care")[0], store))
        assert "x5c" not in header(response.vp_token) and response.qr_version <= 20
    with pytest.raises(Rejected) as e:
        open_offline(wallet, make_request(eco, slug="border-police", preset="ehic-care")[0], store)
    assert e.value.code == "wallet.no_copies_left"  # now all are used


def test_offline_copies_used_up_while_online_copies_are_left(services, tmp_path):
    wallet = new_online_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    [card] = receive(wallet, offer, store, tx_code=code, copies=3).cards
    assert sorted(c.use for c in card.copies) == [OFFLINE, ONLINE, ONLINE]  # at most half are offline copies
    eco = build_demo_ecosystem(services.trust_dir, int(time.time()))
    respond_offline(wallet, open_offline(wallet, make_request(eco, slug="border-police", preset="ehic-care")[0],
                                         store))
    with pytest.raises(Rejected) as e:
        open_offline(wallet, make_request(eco, slug="border-police", preset="ehic-care")[0], store)
    assert e.value.code == "wallet.no_offline_copies_left"
    assert (wallet.history()[-1].outcome, wallet.history()[-1].reason) == ("failed", "wallet.no_offline_copies_left")
    with pytest.raises(Rejected) as e:  # take_copy itself keeps the reserve, whatever asks
        wallet.take_copy(card.id, OFFLINE)
    assert e.value.code == "wallet.no_offline_copies_left"


def test_one_copy_serves_both_uses(services, tmp_path):
    """A batch of one kind (a single copy here; another issuer; a card from before) is not split."""
    wallet = new_online_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    [card] = receive(wallet, offer, store, tx_code=code, copies=1).cards
    assert [c.use for c in card.copies] == [ANY]
    copy, _ = wallet.take_copy(card.id, OFFLINE)
    assert copy.use == ANY and wallet.card(card.id).copies_left == 0


def test_card_reminder_names_the_reserve_running_out(services, tmp_path):
    from wallet.storage import KdfParams
    from wallet.ui.controller import WalletController

    ctl = WalletController(tmp_path / "app", services.trust_dir, kdf=KdfParams(n=2**10), system_lang=lambda: "en")
    ctl.create("135790", "135790")
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    [card] = receive(ctl.wallet, offer, store, tx_code=code, copies=4).cards
    assert "QR" not in ctl.reminder_text(card, ctl.wallet.expiry_reminders())
    ctl.wallet.take_copy(card.id, OFFLINE)
    assert ctl.reminder_text(card, ctl.wallet.expiry_reminders()) == \
        "One-time copies for showing as a QR code left: 1. Ask the issuer for new copies soon"
    ctl.set_language("da")
    assert ctl.reminder_text(card, ctl.wallet.expiry_reminders()).startswith("Engangskopier til visning som QR-kode")
