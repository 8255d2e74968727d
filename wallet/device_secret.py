"""A small secret held by the device, outside the wallet file, that protects the PIN attempt counter.

The counter of wrong PINs must be readable before the PIN is known, so it cannot be sealed with the PIN. Instead
it is authenticated (HMAC-SHA256) with a random key kept *outside* the wallet file, together with a sequence
number that grows with every change of the counter (issue 14, finding 15). Editing the counter in the wallet file,
or putting back an older copy of it, is then detected — and counts as lockout.

Where the key lives, best first:

* the platform keyring through the optional ``keyring`` package (Secret Service on Linux desktops, Keychain on
  macOS, Credential Locker on Windows) when it is installed and has a real backend;
* else one small file per wallet (mode 0600) in ``ESSPASS_DEVICE_KEYS`` or ``$XDG_DATA_HOME/esspass/device-keys``
  (``~/.local/share/esspass/device-keys``) — on Android the app's private storage. This protects against edits or
  restores of the wallet directory alone; someone who can write both places can reset the counter.

What remains is documented in docs/wallet.md ("PIN attempts").
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Protocol

SERVICE = "esspass-wallet-device"
_ID = re.compile(r"^[0-9a-f]{32}$")


class DeviceSecrets(Protocol):
    """Per-wallet records held by the device: ``{"key": base64, "seq": int}``."""

    def get(self, wallet_id: str) -> dict[str, Any] | None: ...

    def put(self, wallet_id: str, record: dict[str, Any]) -> None: ...


class FileSecrets:
    """One JSON file per wallet id, written atomically with mode 0600."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def _path(self, wallet_id: str) -> Path:
        if not _ID.match(wallet_id):
            raise ValueError("wallet id must be 32 hex digits")
        return self.directory / f"{wallet_id}.json"

    def get(self, wallet_id: str) -> dict[str, Any] | None:
        try:
            value = json.loads(self._path(wallet_id).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # present but unreadable: not the record that was written (the caller treats it as edited)
        return value if isinstance(value, dict) else {}

    def put(self, wallet_id: str, record: dict[str, Any]) -> None:
        path = self._path(wallet_id)
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(self.directory, 0o700)
        except OSError:  # pragma: no cover - a file system without modes
            pass
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


class KeyringSecrets:
    """The platform keyring (``keyring`` package), one entry per wallet id."""

    def __init__(self, keyring_module: Any) -> None:
        self._keyring = keyring_module

    def get(self, wallet_id: str) -> dict[str, Any] | None:
        text = self._keyring.get_password(SERVICE, wallet_id)
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def put(self, wallet_id: str, record: dict[str, Any]) -> None:
        self._keyring.set_password(SERVICE, wallet_id, json.dumps(record))


def default_directory() -> Path:
    configured = os.environ.get("ESSPASS_DEVICE_KEYS")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "esspass" / "device-keys"


def default_secrets() -> DeviceSecrets:
    """The keyring when one with a real backend is installed (and ``ESSPASS_DEVICE_KEYS`` is not set), else files."""
    if not os.environ.get("ESSPASS_DEVICE_KEYS"):
        try:
            import keyring  # type: ignore[import-not-found]
            from keyring.backends import fail  # type: ignore[import-not-found]

            if not isinstance(keyring.get_keyring(), fail.Keyring):
                return KeyringSecrets(keyring)
        except Exception:  # noqa: BLE001 - no keyring, or one that cannot start: fall back to files
            pass
    return FileSecrets(default_directory())
