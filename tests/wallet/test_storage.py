"""Wallet core: encrypted storage, PIN lockout with growing delays, tamper detection, copies, history."""

from __future__ import annotations

import sqlite3

import pytest

from credential.reasons import Rejected
from wallet import storage as S
from wallet.core import Card, Copy, Wallet, key_from_jwk, private_jwk
from credential.jose import SigningKey

FAST = S.KdfParams(n=2**10, r=8, p=1)
PIN = "123456"


class Clock:
    def __init__(self, t: float = 1_790_000_000) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(tmp_path, clock=None) -> Wallet:
    w = Wallet(tmp_path / "w", clock=clock or Clock(), kdf=FAST)
    w.create(PIN)
    return w


def card(n_copies: int = 2) -> Card:
    keys = [SigningKey.generate() for _ in range(n_copies)]
    return Card(id="c1", vct="urn:eudi:ehic:1", type_key="ehic", issuer_id="https://i.example", issuer_name="UDK",
                configuration_id="ehic_sd_jwt", claims={"document_number": "80208000012345678901",
                                                        "ending_date": "2031-01-14"},
                received_at=1_790_000_000, exp=1_790_000_000 + 86400 * 365,
                copies=[Copy(sd_jwt=f"jwt{i}~", key=private_jwk(k)) for i, k in enumerate(keys)])


def test_default_kdf_parameters_are_documented_values():
    assert (S.SCRYPT_N, S.SCRYPT_R, S.SCRYPT_P, S.KEY_BYTES) == (2**15, 8, 1, 32)


def test_nothing_in_clear_on_disk(tmp_path):
    w = make(tmp_path)
    c = card()
    w.save_card(c)
    w.close()
    raw = (tmp_path / "w" / S.DB_NAME).read_bytes()
    for secret in (b"80208000012345678901", c.copies[0].key["d"].encode(), b"urn:eudi:ehic:1", b"UDK"):
        assert secret not in raw


def test_roundtrip_and_reopen(tmp_path):
    w = make(tmp_path)
    w.save_card(card())
    w.close()
    w2 = Wallet(tmp_path / "w", clock=Clock())
    w2.unlock(PIN)
    [c] = w2.cards()
    assert c.claims["ending_date"] == "2031-01-14"
    key = key_from_jwk(c.copies[0].key)
    assert key.public_jwk() == {k: v for k, v in c.copies[0].key.items() if k != "d"}


def test_pin_format():
    for bad in ("12345", "abcdef", "1234567890123", "１２３４５６"):
        with pytest.raises(Rejected) as e:
            S.check_pin_format(bad)
        assert e.value.code == "wallet.pin_format"


def test_wrong_pin_delays_grow_then_lock_for_good(tmp_path):
    clock = Clock()
    w = make(tmp_path, clock)
    w.close()
    w = Wallet(tmp_path / "w", clock=clock)
    delays = []
    for attempt in range(1, S.MAX_ATTEMPTS):
        with pytest.raises(S.WrongPin) as e:
            w.unlock("000000")
        delays.append(e.value.delay_s)
        assert e.value.code == "wallet.pin_wrong"
        assert e.value.attempts_left == S.MAX_ATTEMPTS - attempt
        if e.value.delay_s:
            with pytest.raises(S.PinDelay):  # even the right PIN must wait
                w.unlock(PIN)
            clock.t += e.value.delay_s
    assert delays[:2] == [0, 0] and delays[2] == S.BASE_DELAY_S
    assert all(b == 2 * a for a, b in zip(delays[2:], delays[3:]))
    with pytest.raises(Rejected) as e:
        w.unlock("000000")
    assert e.value.code == "wallet.locked"
    clock.t += 10**9
    with pytest.raises(Rejected) as e:
        w.unlock(PIN)  # even the right PIN: locked for good
    assert e.value.code == "wallet.locked"


def test_right_pin_resets_the_counter(tmp_path):
    clock = Clock()
    w = make(tmp_path, clock)
    for _ in range(2):
        with pytest.raises(S.WrongPin):
            w.unlock("999999")
    w.unlock(PIN)
    assert w.storage.attempts_state()["failures"] == 0


def _db(tmp_path):
    return sqlite3.connect(tmp_path / "w" / S.DB_NAME, isolation_level=None)


def test_flipped_bit_is_reported_as_tampering(tmp_path):
    w = make(tmp_path)
    w.save_card(card())
    w.close()
    db = _db(tmp_path)
    ct = bytearray(db.execute("SELECT ct FROM records WHERE kind='card'").fetchone()[0])
    ct[5] ^= 1
    db.execute("UPDATE records SET ct=? WHERE kind='card'", (bytes(ct),))
    db.close()
    w = Wallet(tmp_path / "w", clock=Clock())
    with pytest.raises(Rejected) as e:
        w.unlock(PIN)
    assert e.value.code == "wallet.tampered"


def test_deleted_and_rolled_back_records_are_detected(tmp_path):
    w = make(tmp_path)
    c = card()
    w.save_card(c)
    old = _db(tmp_path).execute("SELECT nonce, ct FROM records WHERE kind='card'").fetchone()
    w.take_copy("c1")  # marks a copy used: the record changes
    w.close()
    db = _db(tmp_path)
    db.execute("UPDATE records SET nonce=?, ct=? WHERE kind='card'", old)  # roll back to "unused"
    db.close()
    with pytest.raises(Rejected) as e:
        Wallet(tmp_path / "w", clock=Clock()).unlock(PIN)
    assert e.value.code == "wallet.tampered"
    db = _db(tmp_path)
    db.execute("DELETE FROM records WHERE kind='card'")
    db.close()
    with pytest.raises(Rejected) as e:
        Wallet(tmp_path / "w", clock=Clock()).unlock(PIN)
    assert e.value.code == "wallet.tampered"


def test_record_moved_to_another_id_fails(tmp_path):
    w = make(tmp_path)
    w.save_card(card())
    w.close()
    db = _db(tmp_path)
    db.execute("UPDATE records SET id='c2' WHERE kind='card'")
    db.close()
    with pytest.raises(Rejected) as e:
        Wallet(tmp_path / "w", clock=Clock()).unlock(PIN)
    assert e.value.code == "wallet.tampered"


def test_copies_are_used_once_each(tmp_path):
    w = make(tmp_path)
    w.save_card(card(2))
    a, _ = w.take_copy("c1")
    b, _ = w.take_copy("c1")
    assert a.sd_jwt != b.sd_jwt
    with pytest.raises(Rejected) as e:
        w.take_copy("c1")
    assert e.value.code == "wallet.no_copies_left"


def test_history_and_exports(tmp_path):
    from wallet.export import history_json, history_pdf

    clock = Clock()
    w = make(tmp_path, clock)
    w.log(kind="presentation", party="Rigshospitalet", party_id="x509_hash:abc", credential="urn:eudi:ehic:1",
          claims=["subject.familynames"], purpose={"en": "Care", "da": "Behandling"}, outcome="shared")
    clock.t += 60
    w.log(kind="presentation", party="Nobody", party_id="x", credential="", outcome="refused",
          reason="rp.registration")
    h = w.history_json()
    assert [e["outcome"] for e in h] == ["shared", "refused"]
    assert '"Rigshospitalet"' in history_json(w)
    for lang in ("en", "da"):
        pdf = history_pdf(w, lang)
        assert pdf.startswith(b"%PDF")


def test_expiry_reminders(tmp_path):
    clock = Clock()
    w = make(tmp_path, clock)
    c = card()
    import datetime as dt

    soon = (dt.datetime.fromtimestamp(clock.t, dt.timezone.utc).date() + dt.timedelta(days=10)).isoformat()
    c.claims["ending_date"] = soon
    w.save_card(c)
    rem = w.expiry_reminders(30)
    assert any(r["layer"] == "coverage" and r["days_left"] == 10 for r in rem)


def test_erase(tmp_path):
    w = make(tmp_path)
    w.erase()
    assert not Wallet(tmp_path / "w").exists
