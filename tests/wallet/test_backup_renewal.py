"""Issue 15, item 4, in the wallet core against the real issuer and verifier on loopback: encrypted backup → wipe →
restore → present (PASSED); wrong PIN or phrase, damaged and foreign files refused specifically with nothing lost;
change PIN re-encrypts the store; copies run low → renewed with the refresh token → more copies; the paper copy;
a lost phone reported at the issuer stops renewal and the card says so."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from credential.reasons import Rejected
from wallet import backup
from wallet.core import Wallet
from wallet.issuance import receive
from wallet.presentation import fetch_request, plan, respond
from wallet.storage import KdfParams
from wallet.trust import load_trust_store

from .servers import ONLINE_PIN, new_online_wallet, start_services

FAST = 2000  # PBKDF2 iterations for the test files (the app uses private_file.P2C)


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    s, stop = start_services(tmp_path_factory.mktemp("svc") / "home")
    yield s
    stop()


def _store(services):
    return load_trust_store(services.trust_dir, int(time.time()))


def _receive(services, w, type_key="ehic", copies=5):
    offer, code, view = services.offer(type_key)
    with httpx.Client() as c:
        got = receive(w, offer, _store(services), tx_code=code, client=c, copies=copies)
    return got.cards[0], view


def _present(services, w, preset="ehic-care"):
    url, tid = services.request(preset)
    with httpx.Client() as c:
        req = fetch_request(url, _store(services), w.now(), c, demo=True)
        respond(w, plan(w, req), client=c)
    return services.verifier.transaction_view(tid)["decision"]["result"]


def test_backup_wipe_restore_present(services, tmp_path):
    w = new_online_wallet(tmp_path)
    card, _ = _receive(services, w)
    assert _present(services, w) == "PASSED"
    phrase = backup.new_recovery_phrase()
    assert len(phrase) == 24 and phrase.count("-") == 4
    path = backup.write_backup(w, tmp_path / "usb", phrase, p2c=FAST)
    assert path.stat().st_mode & 0o777 == 0o600 and b"Jensen" not in path.read_bytes()
    history = [e.outcome for e in w.history()]
    w.close()
    shutil.rmtree(tmp_path / "wallet")  # the phone is gone

    new = Wallet(tmp_path / "wallet", kdf=KdfParams(n=2**10))
    data = path.read_bytes()
    # refusals first: each says what is wrong, and nothing is created
    for secret, code in ((backup.new_recovery_phrase(), "wallet.backup_secret"), (ONLINE_PIN, "wallet.backup_secret")):
        with pytest.raises(Rejected) as e:
            backup.restore(new, data, secret, "112233")
        assert e.value.code == code and not new.exists
    parts = data.decode().split(".")
    damaged = ".".join([*parts[:3], parts[3][:-4] + ("AAAA" if parts[3][-4:] != "AAAA" else "BBBB"), parts[4]])
    for bad in (damaged.encode(), data[: len(data) // 2], b"not a backup at all", b""):
        with pytest.raises(Rejected) as e:
            backup.restore(new, bad, phrase, "112233")
        assert e.value.code == "wallet.backup_damaged", bad[:40]
        assert not new.exists
    from wallet.private_file import seal

    foreign = seal(b'{"events": []}', phrase, content_type="application/json", p2c=FAST)  # a history export
    with pytest.raises(Rejected) as e:
        backup.restore(new, foreign, phrase, "112233")
    assert e.value.code == "wallet.backup_foreign" and not new.exists
    with pytest.raises(Rejected) as e:
        backup.restore(new, data, phrase, "12")  # a PIN of the wrong form
    assert e.value.code == "wallet.pin_format" and not new.exists

    # the phrase as a person types it: lower case, spaces instead of dashes, O for 0
    typed = phrase.lower().replace("-", " ").replace("0", "o")
    assert backup.restore(new, data, typed, "112233") == 1
    new.lock()
    new.unlock("112233")
    restored = new.card(card.id)
    assert restored.copies_left == card.copies_left - 1 and restored.claims == card.claims
    assert [e.outcome for e in new.history()] == history
    assert _present(services, new) == "PASSED"  # the restored holder keys still bind (KB-JWT)
    # a restore never overwrites a wallet that is there
    with pytest.raises(Rejected) as e:
        backup.restore(new, data, phrase, "112233")
    assert e.value.code == "wallet.already_set_up" and new.card(card.id).copies_left == restored.copies_left - 1


def test_backup_with_the_pin(services, tmp_path):
    w = new_online_wallet(tmp_path)
    _receive(services, w)
    data = backup.backup_bytes(w, ONLINE_PIN, p2c=FAST)
    target = Wallet(tmp_path / "other", kdf=KdfParams(n=2**10))
    with pytest.raises(Rejected) as e:
        backup.restore(target, data, "999999", ONLINE_PIN)
    assert e.value.code == "wallet.backup_secret"
    assert backup.restore(target, data, ONLINE_PIN, ONLINE_PIN) == 1
    assert _present(services, target) == "PASSED"


def test_change_pin_reencrypts_the_store(services, tmp_path):
    w = new_online_wallet(tmp_path)
    card, _ = _receive(services, w)
    db = tmp_path / "wallet" / "wallet.sqlite"
    import sqlite3

    def cipher() -> set[bytes]:
        with sqlite3.connect(db) as c:
            return {row[0] for row in c.execute("SELECT ct FROM records")}

    before = cipher()
    from wallet.storage import WrongPin

    with pytest.raises(WrongPin):
        w.storage.change_pin("000000", "975310")
    w.storage.change_pin(ONLINE_PIN, "975310")
    assert not before & cipher()  # every record sealed again under a new data key
    w.lock()
    with pytest.raises(WrongPin):
        w.unlock(ONLINE_PIN)
    w.unlock("975310")
    assert w.card(card.id).claims == card.claims
    assert _present(services, w) == "PASSED"


def test_copies_run_low_then_renewed_and_paper_copy(services, tmp_path):
    from wallet.core import LOW_COPIES
    from wallet.renewal import paper_copy, renew_low

    w = new_online_wallet(tmp_path)
    card, view = _receive(services, w, copies=2)
    assert card.renewal and card.renewal["refresh_token"]
    assert _present(services, w) == "PASSED"
    assert w.card(card.id).copies_left == LOW_COPIES
    with httpx.Client() as c:
        renewed = renew_low(w, _store(services), c)
    from wallet.issuance import DEFAULT_COPIES

    assert [(r.card_id, r.added) for r in renewed] == [(card.id, DEFAULT_COPIES)]
    n = 1 + DEFAULT_COPIES
    assert w.card(card.id).copies_left == n and len(w.card(card.id).copies) == n  # the used one dropped
    assert w.history()[-1].outcome == "renewed"
    assert len(services.issuer.credentials_of(view.document_number)) == 2 + DEFAULT_COPIES
    assert _present(services, w) == "PASSED"  # a renewed copy presents
    with httpx.Client() as c:
        pdf = paper_copy(w, card.id, c)
    assert pdf.startswith(b"%PDF")
    # the holder reports the phone lost: renewal is refused and the card remembers it
    services.issuer.device_lost(view.public_id, actor="test", reason="lost")
    while w.card(card.id).copies_left > 1:  # use them up (online and offline reserves alike)
        w.take_copy(card.id, "online" if w.card(card.id).copies_left_for("online") else "offline")
    with httpx.Client() as c:
        assert renew_low(w, _store(services), c) == []
    assert w.card(card.id).renewal["refused"] is True
