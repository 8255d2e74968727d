"""Encrypted wallet storage: one SQLite file in which every record is sealed with AES-256-GCM.

Key hierarchy
-------------
* The PIN is stretched with scrypt (RFC 7914) into a 256-bit key-encryption key (KEK).
  Parameters (stored next to the salt, so they can be raised later without breaking old wallets):
  ``N = 2**15``, ``r = 8``, ``p = 1``, 16-byte random salt, 32-byte output: about 32 MiB of memory
  and 50-150 ms on a phone, which makes each PIN guess expensive while keeping unlock quick.
* A random 256-bit data key (DEK) encrypts the records. The DEK is stored only wrapped by the KEK
  (AES-256-GCM, associated data ``esspass-wallet/v1|dek``); a wrong PIN fails the GCM tag.
* Every record is ``nonce (12 random bytes) || AES-256-GCM(DEK, json)`` with associated data
  ``esspass-wallet/v1|<kind>|<id>``, so a record moved to another id or kind fails to open.
* A sealed manifest lists the SHA-256 of every record's ciphertext. A record that was changed,
  swapped for an older copy, deleted or added outside the wallet is detected on unlock and on every
  read, and reported as ``wallet.tampered`` - the wallet never silently uses such data.

Holder private keys live only inside sealed credential records: never in clear on disk.

PIN attempts
------------
The counter of failed attempts and the earliest time of the next attempt must be readable before the PIN is known,
so they are not sealed with it; instead they are authenticated (HMAC-SHA256) with a key the device holds outside
the wallet file, with a sequence number the device also holds (:mod:`wallet.device_secret`: the platform keyring
where available, else a 0600 file elsewhere). An edited counter, or an older copy of it put back, is detected and
counts as lockout (issue 14, finding 15). After ``FREE_ATTEMPTS`` failures each further attempt waits
``BASE_DELAY_S * 2**(failures - FREE_ATTEMPTS)`` seconds; after ``MAX_ATTEMPTS`` failures the wallet is locked for
good and can only be erased. Limitations, stated plainly (docs/wallet.md): someone who copies the file can guess
PINs offline at scrypt's cost; someone who can write both the wallet file and the device secret can reset the
counter; wrapping the DEK with a hardware-backed Android Keystore key is the next step (docs/android.md).

The clock is injected (``clock: () -> float``) so tests control the delays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from . import reasons as R
from .device_secret import DeviceSecrets, default_secrets

FORMAT_VERSION = 1
AAD_PREFIX = b"esspass-wallet/v1|"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
NONCE_BYTES = 12

FREE_ATTEMPTS = 3
BASE_DELAY_S = 30
MAX_ATTEMPTS = 10

MIN_PIN, MAX_PIN = 6, 12
DB_NAME = "wallet.sqlite"
_MANIFEST = ("_manifest", "_")


@dataclass(frozen=True)
class KdfParams:
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def derive(self, pin: str, salt: bytes) -> bytes:
        return Scrypt(salt=salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p).derive(pin.encode("utf-8"))


class PinDelay(R.Rejected):
    """Raised while a delay after wrong PINs runs; ``wait_s`` says how long is left."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(R.PIN_DELAY, f"{wait_s:.0f} s left")
        self.wait_s = wait_s


class WrongPin(R.Rejected):
    def __init__(self, attempts_left: int, delay_s: float) -> None:
        super().__init__(R.PIN_WRONG, f"{attempts_left} attempts left")
        self.attempts_left = attempts_left
        self.delay_s = delay_s


def check_pin_format(pin: str) -> None:
    if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii() or not MIN_PIN <= len(pin) <= MAX_PIN:
        raise R.Rejected(R.PIN_FORMAT)


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive wrong PINs."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(BASE_DELAY_S * 2 ** (failures - FREE_ATTEMPTS))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _aad(kind: str, rid: str) -> bytes:
    return AAD_PREFIX + kind.encode("utf-8") + b"|" + rid.encode("utf-8")


def _digest(nonce: bytes, ct: bytes) -> str:
    return hashlib.sha256(nonce + ct).hexdigest()


class Storage:
    """The sealed record store of one wallet directory. Thread-safe (one lock, one connection)."""

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time,
                 kdf: KdfParams | None = None, device: DeviceSecrets | None = None) -> None:
        self.directory = Path(directory)
        self._device = device
        self.path = self.directory / DB_NAME
        self.clock = clock
        self._new_kdf = kdf or KdfParams()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._dek: AESGCM | None = None

    # ------------------------------------------------------------ lifecycle

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                os.chmod(self.directory, 0o700)
            except OSError:  # pragma: no cover - e.g. a file system without modes
                pass
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, id TEXT NOT NULL, "
                "nonce BLOB NOT NULL, ct BLOB NOT NULL, PRIMARY KEY (kind, id))"
            )
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._dek = None
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def exists(self) -> bool:
        if not self.path.exists():
            return False
        try:
            return self._meta("wrapped_dek") is not None
        except sqlite3.DatabaseError:  # a file that is not a wallet database: there is one, and unlock says so
            self._drop_connection()
            return True

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    @property
    def unlocked(self) -> bool:
        return self._dek is not None

    def lock(self) -> None:
        self._dek = None

    def _meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db().execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------ PIN

    def create(self, pin: str) -> None:
        """Set up a new wallet protected by ``pin``."""
        check_pin_format(pin)
        with self._lock:
            if self.exists():
                raise R.Rejected(R.ALREADY_SET_UP)
            salt = os.urandom(SALT_BYTES)
            kek = AESGCM(self._new_kdf.derive(pin, salt))
            dek = AESGCM.generate_key(KEY_BYTES * 8)
            nonce = os.urandom(NONCE_BYTES)
            wrapped = nonce + kek.encrypt(nonce, dek, AAD_PREFIX + b"dek")
            db = self._db()
            db.execute("BEGIN")
            try:
                self._set_meta("format", str(FORMAT_VERSION))
                self._set_meta("kdf", json.dumps({"alg": "scrypt", "n": self._new_kdf.n, "r": self._new_kdf.r,
                                                   "p": self._new_kdf.p, "salt": _b64(salt)}))
                self._set_meta("wrapped_dek", _b64(wrapped))
                self._write_attempts(0, 0.0, fresh=True)
                self._dek = AESGCM(dek)
                self._write_manifest({})
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._dek = None
                raise

    # ------------------------------------------------------------ the protected attempt counter

    @property
    def device(self) -> DeviceSecrets:
        if self._device is None:
            self._device = default_secrets()
        return self._device

    def _wallet_id(self) -> str:
        """Names this wallet's device secret: derived from the wrapped data key, which cannot be changed without
        breaking the PIN, so removing the protected counter cannot pass for a wallet that never had one."""
        wrapped = (self._meta("wrapped_dek") or "").encode("ascii")
        return hashlib.sha256(AAD_PREFIX + b"device|" + wrapped).hexdigest()[:32]

    def _attempts_mac(self, key: bytes, wallet_id: str, text: str) -> str:
        return _b64(hmac.new(key, f"esspass-wallet/v1|attempts|{wallet_id}|{text}".encode("utf-8"),
                             hashlib.sha256).digest())

    def _write_attempts(self, failures: int, next_at: float, *, fresh: bool = False) -> None:
        """Store the counter with its MAC and the next sequence number; the device's copy of the sequence number
        follows (a crash in between leaves the wallet's one step ahead, which :meth:`_attempts` accepts)."""
        wallet_id = self._wallet_id()
        record = None if fresh else self.device.get(wallet_id)
        if not record or not isinstance(record.get("key"), str):
            record = {"key": _b64(os.urandom(32)), "seq": 0}
        seq = int(record.get("seq", 0)) + 1
        text = json.dumps({"failures": failures, "next_attempt_at": next_at, "seq": seq}, separators=(",", ":"))
        self._set_meta("attempts", text)
        self._set_meta("attempts_mac", self._attempts_mac(_unb64(record["key"]), wallet_id, text))
        self.device.put(wallet_id, {"key": record["key"], "seq": seq})

    def _attempts(self) -> tuple[int, float]:
        """(failures, earliest next attempt). A counter that was edited, rolled back, or whose device secret is
        gone counts as lockout: ``MAX_ATTEMPTS`` failures."""
        wallet_id = self._wallet_id()
        text, mac = self._meta("attempts"), self._meta("attempts_mac")
        try:
            record = self.device.get(wallet_id)
            if text is None and mac is None and record is None:
                # a wallet from before the counter was protected: take its clear counter once, protect it from now on
                failures = int(self._meta("failures") or 0)
                next_at = float(self._meta("next_attempt_at") or 0)
                self._write_attempts(failures, next_at, fresh=True)
                return failures, next_at
            key = _unb64(record["key"]) if record else b""
            if not key or not hmac.compare_digest(self._attempts_mac(key, wallet_id, text or ""), mac or ""):
                return MAX_ATTEMPTS, 0.0
            state = json.loads(text or "")
            if int(state["seq"]) not in (int(record["seq"]), int(record["seq"]) + 1):
                return MAX_ATTEMPTS, 0.0  # an older copy of the counter was put back
            return int(state["failures"]), float(state["next_attempt_at"])
        except (ValueError, KeyError, TypeError, OSError):
            return MAX_ATTEMPTS, 0.0

    def attempts_state(self) -> dict[str, float]:
        """Failures so far, attempts left and seconds to wait now (for the unlock screen)."""
        failures, next_at = self._attempts()
        wait = max(0.0, next_at - self.clock())
        return {"failures": failures, "attempts_left": max(0, MAX_ATTEMPTS - failures), "wait_s": wait}

    def unlock(self, pin: str) -> None:
        """Open the wallet; raises WrongPin, PinDelay, Rejected(wallet.locked / wallet.tampered)."""
        try:
            self._unlock(pin)
        except sqlite3.DatabaseError as exc:  # the file was overwritten or truncated outside the app
            self._dek = None
            self._drop_connection()
            raise R.Rejected(R.TAMPERED, f"database unreadable: {type(exc).__name__}") from None

    def _unlock(self, pin: str) -> None:
        with self._lock:
            if not self.exists():
                raise R.Rejected(R.NOT_SET_UP)
            failures, next_at = self._attempts()
            if failures >= MAX_ATTEMPTS:
                raise R.Rejected(R.PIN_LOCKED)
            wait = next_at - self.clock()
            if wait > 0:
                raise PinDelay(wait)
            try:
                kdf = json.loads(self._meta("kdf") or "")
                params = KdfParams(int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
                salt = _unb64(kdf["salt"])
                wrapped = _unb64(self._meta("wrapped_dek") or "")
            except (ValueError, KeyError, TypeError) as exc:
                raise R.Rejected(R.TAMPERED, f"meta unreadable: {type(exc).__name__}") from None
            try:
                kek = params.derive(pin, salt) if isinstance(pin, str) and pin.isascii() else b"\0" * KEY_BYTES
                dek = AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], AAD_PREFIX + b"dek")
            except (InvalidTag, ValueError):
                failures += 1
                delay = delay_after(failures)
                self._write_attempts(failures, self.clock() + delay)
                if failures >= MAX_ATTEMPTS:
                    raise R.Rejected(R.PIN_LOCKED) from None
                raise WrongPin(MAX_ATTEMPTS - failures, delay) from None
            if failures or next_at:
                self._write_attempts(0, 0.0)
            self._dek = AESGCM(dek)
            try:
                self.verify_integrity()
            except R.Rejected:
                self._dek = None
                raise

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Replace the PIN and re-encrypt the store (issue 15): a new random data key, every record sealed again
        under it, a new salt and KEK wrapping it, in one transaction, so an old copy of the file opens with
        neither PIN's key material alone. A wrong ``old_pin`` counts as a wrong PIN (WrongPin / PinDelay)."""
        check_pin_format(new_pin)
        with self._lock:
            self.unlock(old_pin)
            salt = os.urandom(SALT_BYTES)
            kek = AESGCM(self._new_kdf.derive(new_pin, salt))
            new_dek = AESGCM.generate_key(KEY_BYTES * 8)
            old_id = self._wallet_id()
            record = self.device.get(old_id)
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                manifest = self._read_manifest()
                rows = [(kind, rid, self._open(kind, rid, nonce, ct)) for kind, rid, nonce, ct in
                        db.execute("SELECT kind, id, nonce, ct FROM records").fetchall() if (kind, rid) != _MANIFEST]
                self._dek = AESGCM(new_dek)
                fresh: dict[str, dict[str, str]] = {k: {} for k in manifest}
                for kind, rid, value in rows:
                    nonce, ct = self._seal(kind, rid, value)
                    db.execute("UPDATE records SET nonce = ?, ct = ? WHERE kind = ? AND id = ?", (nonce, ct, kind, rid))
                    fresh.setdefault(kind, {})[rid] = _digest(nonce, ct)
                self._write_manifest(fresh)
                nonce = os.urandom(NONCE_BYTES)
                self._set_meta("kdf", json.dumps({"alg": "scrypt", "n": self._new_kdf.n, "r": self._new_kdf.r,
                                                   "p": self._new_kdf.p, "salt": _b64(salt)}))
                self._set_meta("wrapped_dek", _b64(nonce + kek.encrypt(nonce, new_dek, AAD_PREFIX + b"dek")))
                if record:  # the device secret follows the new wrapped key (before COMMIT: a crash keeps the old)
                    self.device.put(self._wallet_id(), record)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._dek = None
                raise
            self._write_attempts(0, 0.0)

    def erase(self) -> None:
        """Delete the wallet file (and its journal) for good."""
        with self._lock:
            self.close()
            for suffix in ("", "-journal", "-wal", "-shm"):
                p = self.path.with_name(self.path.name + suffix)
                if p.exists():
                    p.unlink()

    # ------------------------------------------------------------ sealed records

    def _aead(self) -> AESGCM:
        if self._dek is None:
            raise R.Rejected(R.PIN_WRONG, "wallet is locked")
        return self._dek

    def _seal(self, kind: str, rid: str, value: Any) -> tuple[bytes, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return nonce, self._aead().encrypt(nonce, data, _aad(kind, rid))

    def _open(self, kind: str, rid: str, nonce: bytes, ct: bytes) -> Any:
        try:
            return json.loads(self._aead().decrypt(nonce, ct, _aad(kind, rid)))
        except (InvalidTag, ValueError):
            raise R.Rejected(R.TAMPERED, f"record {kind} cannot be opened") from None

    def _read_manifest(self) -> dict[str, dict[str, str]]:
        row = self._db().execute("SELECT nonce, ct FROM records WHERE kind = ? AND id = ?", _MANIFEST).fetchone()
        if row is None:
            raise R.Rejected(R.TAMPERED, "manifest missing")
        manifest = self._open(*_MANIFEST, row[0], row[1])
        if not isinstance(manifest, dict):
            raise R.Rejected(R.TAMPERED, "manifest malformed")
        return manifest

    def _write_manifest(self, manifest: dict[str, dict[str, str]]) -> None:
        nonce, ct = self._seal(*_MANIFEST, manifest)
        self._db().execute("INSERT OR REPLACE INTO records (kind, id, nonce, ct) VALUES (?, ?, ?, ?)",
                           (*_MANIFEST, nonce, ct))

    def verify_integrity(self) -> None:
        """Every record present, unchanged and listed; nothing extra (else ``wallet.tampered``)."""
        with self._lock:
            manifest = self._read_manifest()
            seen: dict[str, dict[str, str]] = {}
            for kind, rid, nonce, ct in self._db().execute("SELECT kind, id, nonce, ct FROM records"):
                if (kind, rid) == _MANIFEST:
                    continue
                seen.setdefault(kind, {})[rid] = _digest(nonce, ct)
            if seen != {k: v for k, v in manifest.items() if v}:
                raise R.Rejected(R.TAMPERED, "records differ from the manifest")

    def put(self, kind: str, rid: str, value: Any) -> None:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                manifest = self._read_manifest()
                nonce, ct = self._seal(kind, rid, value)
                db.execute("INSERT OR REPLACE INTO records (kind, id, nonce, ct) VALUES (?, ?, ?, ?)",
                           (kind, rid, nonce, ct))
                manifest.setdefault(kind, {})[rid] = _digest(nonce, ct)
                self._write_manifest(manifest)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def delete(self, kind: str, rid: str) -> None:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                manifest = self._read_manifest()
                db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, rid))
                manifest.get(kind, {}).pop(rid, None)
                self._write_manifest(manifest)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def get(self, kind: str, rid: str) -> Any | None:
        with self._lock:
            manifest = self._read_manifest()
            row = self._db().execute("SELECT nonce, ct FROM records WHERE kind = ? AND id = ?", (kind, rid)).fetchone()
            expected = manifest.get(kind, {}).get(rid)
            if row is None:
                if expected is not None:
                    raise R.Rejected(R.TAMPERED, "record missing")
                return None
            if expected != _digest(row[0], row[1]):
                raise R.Rejected(R.TAMPERED, "record not in manifest")
            return self._open(kind, rid, row[0], row[1])

    def all(self, kind: str) -> Iterator[tuple[str, Any]]:
        with self._lock:
            manifest = self._read_manifest().get(kind, {})
            rows = self._db().execute("SELECT id, nonce, ct FROM records WHERE kind = ? ORDER BY id", (kind,)).fetchall()
            if {r[0] for r in rows} != set(manifest):
                raise R.Rejected(R.TAMPERED, "records differ from the manifest")
            out = []
            for rid, nonce, ct in rows:
                if manifest[rid] != _digest(nonce, ct):
                    raise R.Rejected(R.TAMPERED, "record not in manifest")
                out.append((rid, self._open(kind, rid, nonce, ct)))
        return iter(out)
