"""Encrypted backup of the whole wallet to a file, and restore on a new phone (issue 15, item 4).

The PIN cannot be recovered (it only unlocks the data key on this phone, wallet.storage); a backup is the way back
after a lost, broken or replaced phone.

* **What is inside**: every card with all its one-time copies *and their holder private keys* (so a restored
  credential still presents with key binding, RFC 9901 §4.3 / the KB-JWT), the history, the settings and the
  removed cards that can still be put back: every sealed record of the store, as JSON.
* **How it is protected**: the same compact JWE as the history exports (:mod:`wallet.private_file`:
  ``PBES2-HS512+A256KW`` with 210 000 PBKDF2 iterations, ``A256GCM``; RFC 7516, RFC 7518 §4.8), content type
  :data:`CONTENT_TYPE`, written 0600 where the user chose. The secret is either the wallet PIN or a **recovery
  phrase** the app makes once (:func:`new_recovery_phrase`, 100 random bits) and shows once. A PIN has only
  10^6..10^12 values and a copied backup file can be attacked offline at PBKDF2's cost, so the app recommends the
  phrase; the PIN is offered because a pensioner remembers it.
* **Restore** (:func:`restore`) creates a new wallet under a PIN the user picks and writes every record back; it
  never overwrites a wallet that exists (``wallet.already_set_up``), and a failure half-way erases the half-made
  wallet, so nothing is lost either way. Refusals are specific: wrong PIN or phrase (``wallet.backup_secret``),
  a damaged or truncated file (``wallet.backup_damaged``), an ESSPASS file that is not a wallet backup, e.g. a
  history export (``wallet.backup_foreign``), a backup from a newer app (``wallet.backup_newer``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import reasons as R
from .core import Wallet
from .private_file import open_sealed, seal, write_private

CONTENT_TYPE = "application/vnd.esspass.wallet-backup+json"
FORMAT = "esspass-wallet-backup"
VERSION = 1
KINDS = ("settings", "card", "event", "removed")  # every record kind of wallet.core
MAX_BACKUP_BYTES = 32 * 1024 * 1024
# Crockford's base32 without the letters people confuse (RFC 4648 §6 alphabet minus I L O U): 5 bits a character
PHRASE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PHRASE_GROUPS, GROUP_LEN = 5, 4  # 20 characters: 100 bits


def new_recovery_phrase(random_below: Callable[[int], int] = secrets.randbelow) -> str:
    """A recovery phrase such as ``K7QD-M2XP-9RTA-4HVE-W1BN``: 100 random bits, grouped to be written down."""
    chars = "".join(PHRASE_ALPHABET[random_below(32)] for _ in range(PHRASE_GROUPS * GROUP_LEN))
    return "-".join(chars[i:i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


def normalise_secret(secret: str) -> str:
    """A PIN stays as typed; a recovery phrase is read forgivingly: case, spaces and dashes do not matter, and
    O/I/L typed for 0/1 are taken as meant (Crockford's decoding)."""
    text = (secret or "").strip()
    if text.isdigit():
        return text
    squeezed = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    squeezed = squeezed.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(squeezed) == PHRASE_GROUPS * GROUP_LEN and all(ch in PHRASE_ALPHABET for ch in squeezed):
        return "-".join(squeezed[i:i + GROUP_LEN] for i in range(0, len(squeezed), GROUP_LEN))
    return text


def backup_bytes(wallet: Wallet, secret: str, *, p2c: int | None = None) -> bytes:
    """The whole wallet (unlocked) as an encrypted backup file's content."""
    records = {kind: dict(wallet.storage.all(kind)) for kind in KINDS}
    body = {"format": FORMAT, "version": VERSION, "created_at": wallet.now(), "records": records}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    kw = {"p2c": p2c} if p2c else {}
    return seal(data, normalise_secret(secret), content_type=CONTENT_TYPE, **kw).encode("ascii")


def default_name(now: int) -> str:
    return f"esspass-backup-{dt.datetime.fromtimestamp(now, dt.timezone.utc):%Y-%m-%d}.jwe"


def write_backup(wallet: Wallet, folder: Path | str, secret: str, *, p2c: int | None = None) -> Path:
    """Write the backup into ``folder`` (0600) and return its path."""
    path = Path(folder).expanduser() / default_name(wallet.now())
    return write_private(path, backup_bytes(wallet, secret, p2c=p2c))


def read_backup(data: bytes | str, secret: str) -> dict[str, Any]:
    """The records of a backup file; Rejected with the specific reason (module docstring)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    if len(data) > MAX_BACKUP_BYTES:
        raise R.Rejected(R.BACKUP_DAMAGED, "too large")
    try:
        plain, cty = open_sealed(data, normalise_secret(secret), tell_damage=True)
    except R.Rejected as exc:
        if exc.code == R.EXPORT_SECRET.code:
            raise R.Rejected(R.BACKUP_SECRET) from None
        raise R.Rejected(R.BACKUP_DAMAGED, exc.code) from None
    if cty != CONTENT_TYPE:
        raise R.Rejected(R.BACKUP_FOREIGN, f"content type {cty[:60]!r}")
    try:
        body = json.loads(plain)
        fmt, version, records = body["format"], body["version"], body["records"]
    except (ValueError, KeyError, TypeError):
        raise R.Rejected(R.BACKUP_DAMAGED, "content unreadable") from None
    if fmt != FORMAT:
        raise R.Rejected(R.BACKUP_FOREIGN, "format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise R.Rejected(R.BACKUP_DAMAGED, "version")
    if version > VERSION:
        raise R.Rejected(R.BACKUP_NEWER, str(version))
    if not isinstance(records, dict) or not all(isinstance(records.get(k, {}), dict) for k in KINDS):
        raise R.Rejected(R.BACKUP_DAMAGED, "records")
    _check_cards(records.get("card", {}))
    return records


def _check_cards(cards: dict[str, Any]) -> None:
    """Every card must read as a card (with its copies and keys) before anything is written."""
    from .core import Card, key_from_jwk

    try:
        for value in cards.values():
            card = Card.from_json(value)
            for copy in card.copies:
                key_from_jwk(copy.key)
    except (TypeError, KeyError, ValueError, AttributeError):
        raise R.Rejected(R.BACKUP_DAMAGED, "a card cannot be read") from None


def restore(wallet: Wallet, data: bytes | str, secret: str, new_pin: str) -> int:
    """Restore a backup into ``wallet``'s directory as a new wallet under ``new_pin``; returns the number of cards.
    Refused before anything is written when the file cannot be opened, and when a wallet exists there."""
    from .storage import check_pin_format

    check_pin_format(new_pin)
    records = read_backup(data, secret)
    if wallet.exists:
        raise R.Rejected(R.ALREADY_SET_UP)
    wallet.create(new_pin)
    try:
        for kind in KINDS:
            for rid, value in (records.get(kind) or {}).items():
                wallet.storage.put(kind, str(rid), value)
    except BaseException:
        wallet.erase()  # no half-restored wallet: the backup file is untouched, try again
        raise
    return len(records.get("card") or {})
