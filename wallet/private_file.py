"""Exported files that stay private (issue 17, item 4).

A history export is a list of every institution and authority that received or saw the citizen's data. It is
written so that only its owner can open it:

* **encrypted by default** as a compact JWE (RFC 7516 §7.1) with password-based key wrapping,
  ``PBES2-HS512+A256KW`` (RFC 7518 §4.8: PBKDF2-HMAC-SHA-512 with a random 16-byte ``p2s`` salt and
  ``p2c`` = :data:`P2C` iterations, the OWASP 2023 figure for that hash) and content encryption ``A256GCM``
  (RFC 7518 §5.3); ``cty`` says what is inside. The secret is the wallet PIN or a passphrase the user types. Any
  JOSE library that implements PBES2 can open it (some cap ``p2c`` below ours by default, e.g. jwcrypto at 16384:
  raise the cap), and ``esspass wallet open-export`` does;
* **readable** only when the user explicitly asks for a readable copy;
* in both cases **mode 0600** (owner only), written atomically (a temporary file in the same folder, then renamed),
  in a folder the user chose.

Pure functions (:func:`seal`, :func:`open_sealed`) plus one small I/O function (:func:`write_private`); randomness is
a parameter.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from .reasons import EXPORT_DAMAGED as R_EXPORT_DAMAGED
from .reasons import EXPORT_FORMAT as R_EXPORT_FORMAT
from .reasons import EXPORT_SECRET as R_EXPORT_SECRET
from .reasons import EXPORT_WEAK as R_EXPORT_WEAK
from .reasons import MIN_EXPORT_SECRET as MIN_SECRET
from .reasons import Rejected

ALG = "PBES2-HS512+A256KW"
ENC = "A256GCM"
P2C = 210_000
MAX_P2C = 1_000_000  # opening: bound the work a crafted file can ask for
MAX_FILE_BYTES = 64 * 1024 * 1024
SUFFIX = ".jwe"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _kek(secret: str, p2s: bytes, p2c: int) -> bytes:
    # RFC 7518 §4.8.1.1: salt = UTF8(alg) || 0x00 || p2s; HS512 → PBKDF2-HMAC-SHA-512, a 256-bit key for A256KW
    salt = ALG.encode("ascii") + b"\x00" + p2s
    return PBKDF2HMAC(algorithm=hashes.SHA512(), length=32, salt=salt, iterations=p2c).derive(secret.encode("utf-8"))


def check_secret(secret: str | None) -> str:
    """``secret`` if it is long enough to protect a file, else Rejected(wallet.export_weak_secret)."""
    if not secret or len(secret) < MIN_SECRET:
        raise Rejected(R_EXPORT_WEAK)
    return secret


def seal(data: bytes, secret: str, *, content_type: str, p2c: int = P2C,
         random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """``data`` as a compact JWE protected by ``secret`` (see the module docstring)."""
    check_secret(secret)
    p2s, cek, iv = random_bytes(16), random_bytes(32), random_bytes(12)
    header = {"alg": ALG, "enc": ENC, "p2s": _b64(p2s), "p2c": p2c, "cty": content_type}
    protected = _b64(json.dumps(header, separators=(",", ":")).encode("ascii"))
    wrapped = aes_key_wrap(_kek(secret, p2s, p2c), cek)  # RFC 3394
    # RFC 7516 §5.1 step 14: AAD = ASCII(BASE64URL(UTF8(JWE Protected Header)))
    sealed = AESGCM(cek).encrypt(iv, data, protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join((protected, _b64(wrapped), _b64(iv), _b64(ciphertext), _b64(tag)))


def open_sealed(token: str | bytes, secret: str, *, tell_damage: bool = False) -> tuple[bytes, str]:
    """(data, content type) of a file made by :func:`seal`; Rejected(wallet.export_format / export_secret).
    ``tell_damage``: a file whose key unwraps with ``secret`` (RFC 3394's integrity check: the secret is right)
    but whose content fails its GCM tag is ``wallet.export_damaged``, not a wrong secret (a backup says which)."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeError:
            raise Rejected(R_EXPORT_FORMAT, "not ASCII") from None
    parts = token.strip().split(".")
    if len(parts) != 5:
        raise Rejected(R_EXPORT_FORMAT, "not a compact JWE")
    try:
        header = json.loads(_unb64(parts[0]))
        wrapped, iv, ciphertext, tag = (_unb64(p) for p in parts[1:])
        p2s, p2c = _unb64(header["p2s"]), header["p2c"]
    except (ValueError, KeyError, TypeError):
        raise Rejected(R_EXPORT_FORMAT, "unreadable header") from None
    if header.get("alg") != ALG or header.get("enc") != ENC or "crit" in header:
        raise Rejected(R_EXPORT_FORMAT, f"alg {header.get('alg')!r} enc {header.get('enc')!r}")
    if not isinstance(p2c, int) or isinstance(p2c, bool) or not 1000 <= p2c <= MAX_P2C or len(p2s) < 8:
        raise Rejected(R_EXPORT_FORMAT, "p2c or p2s out of bounds")
    try:
        cek = aes_key_unwrap(_kek(secret, p2s, p2c), wrapped)
    except (InvalidUnwrap, ValueError):
        raise Rejected(R_EXPORT_SECRET) from None
    try:
        data = AESGCM(cek).decrypt(iv, ciphertext + tag, parts[0].encode("ascii"))
    except (InvalidTag, ValueError):
        raise Rejected(R_EXPORT_DAMAGED if tell_damage else R_EXPORT_SECRET) from None
    return data, str(header.get("cty", ""))


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` readable by its owner only (0600), atomically; the folder is created (0700)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # whatever the umask
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
