"""Issue 14, finding 15: the PIN failure counter cannot be reset by editing the wallet file. Before the fix,
``UPDATE meta SET value='0' WHERE key='failures'`` gave a locked-out attacker a fresh set of guesses; now the
counter is authenticated with a device-held key and a sequence number, and any edit or rollback counts as lockout."""

from __future__ import annotations

import sqlite3

import pytest

from credential.reasons import Rejected
from wallet import storage as S
from wallet.core import Wallet
from wallet.device_secret import FileSecrets

PIN = "135790"


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _wallet(tmp_path, clock, device):
    w = Wallet(tmp_path / "w", clock=clock, kdf=S.KdfParams(n=2**10))
    w.storage._device = device
    return w


def _fail(w, clock, times):
    for _ in range(times):
        with pytest.raises((S.WrongPin, Rejected)):
            w.unlock("000000")
        clock.t += 10**6


def _sql(tmp_path, statement, *args):
    db = sqlite3.connect(tmp_path / "w" / S.DB_NAME, isolation_level=None)
    db.execute(statement, args)
    db.close()


def _fresh(tmp_path, clock, device):
    w = _wallet(tmp_path, clock, device)
    w.create(PIN)
    w.close()
    return _wallet(tmp_path, clock, device)


def test_editing_the_counter_counts_as_lockout(tmp_path):
    clock, device = Clock(), FileSecrets(tmp_path / "device")
    w = _fresh(tmp_path, clock, device)
    _fail(w, clock, S.MAX_ATTEMPTS - 1)
    assert w.storage.attempts_state()["attempts_left"] == 1
    w.close()
    # the attacker rewrites the counter in the file (as before the fix, and in the new place)
    _sql(tmp_path, "UPDATE meta SET value = '0' WHERE key IN ('failures', 'next_attempt_at')")
    _sql(tmp_path, "UPDATE meta SET value = replace(value, '\"failures\":9', '\"failures\":0') WHERE key = 'attempts'")
    w = _wallet(tmp_path, clock, device)
    assert w.storage.attempts_state()["attempts_left"] == 0
    with pytest.raises(Rejected) as e:
        w.unlock(PIN)  # even the right PIN
    assert e.value.code == "wallet.locked"


def test_putting_back_an_older_counter_counts_as_lockout(tmp_path):
    clock, device = Clock(), FileSecrets(tmp_path / "device")
    w = _fresh(tmp_path, clock, device)
    db = sqlite3.connect(tmp_path / "w" / S.DB_NAME, isolation_level=None)
    saved = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('attempts', 'attempts_mac')").fetchall())
    db.close()
    _fail(w, clock, 5)
    w.close()
    for key, value in saved.items():  # a genuine, correctly authenticated, but older counter
        _sql(tmp_path, "UPDATE meta SET value = ? WHERE key = ?", value, key)
    w = _wallet(tmp_path, clock, device)
    with pytest.raises(Rejected) as e:
        w.unlock(PIN)
    assert e.value.code == "wallet.locked"


def test_removing_the_protected_counter_or_the_device_secret_counts_as_lockout(tmp_path):
    clock, device = Clock(), FileSecrets(tmp_path / "device")
    w = _fresh(tmp_path, clock, device)
    _fail(w, clock, 2)
    w.close()
    _sql(tmp_path, "DELETE FROM meta WHERE key IN ('attempts', 'attempts_mac')")  # pass for an old wallet?
    with pytest.raises(Rejected) as e:
        _wallet(tmp_path, clock, device).unlock(PIN)
    assert e.value.code == "wallet.locked"
    # a copy of the wallet directory on a device that never held its secret
    other = tmp_path / "elsewhere"
    w2 = _wallet(tmp_path / "b", clock, device)
    w2.create(PIN)
    w2.close()
    with pytest.raises(Rejected) as e:
        _wallet(tmp_path / "b", clock, FileSecrets(other)).unlock(PIN)
    assert e.value.code == "wallet.locked"


def test_normal_use_pin_change_and_an_unprotected_old_wallet(tmp_path):
    clock, device = Clock(), FileSecrets(tmp_path / "device")
    w = _fresh(tmp_path, clock, device)
    _fail(w, clock, 2)
    w.unlock(PIN)
    assert w.storage.attempts_state()["failures"] == 0
    w.storage.change_pin(PIN, "246801")
    w.close()
    w = _wallet(tmp_path, clock, device)
    _fail(w, clock, 1)
    w.unlock("246801")
    w.close()
    # a wallet written before the counter was protected: its clear counter is taken once, then protected
    _sql(tmp_path, "DELETE FROM meta WHERE key IN ('attempts', 'attempts_mac')")
    _sql(tmp_path, "INSERT OR REPLACE INTO meta (key, value) VALUES ('failures', '4')")
    w = _wallet(tmp_path, clock, FileSecrets(tmp_path / "new-device"))
    assert w.storage.attempts_state()["failures"] == 4
    w.unlock("246801")
    assert w.storage.attempts_state()["failures"] == 0
