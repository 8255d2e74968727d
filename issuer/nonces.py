"""Stateless ``c_nonce`` values (OID4VCI §7), pure: no database, no clock, no randomness of its own.

Issue 14 finding 5: the anonymous nonce endpoint used to insert a row per request, so anyone could grow the
database without bound. Now a ``c_nonce`` is an authenticated, encrypted timestamp under a server key:

    c_nonce = base64url( iv(12) || AES-256-GCM(key, iv, expires_at(8, big-endian) || salt(8), aad=AAD) )

The nonce endpoint writes nothing. The credential endpoint opens the nonce (a forged or altered one fails the
GCM tag), checks that it has not expired, and spends it by inserting its hash into ``nonces`` inside the
issuance transaction (OID4VCI §7: a c_nonce is used once); those rows are purged once expired, so the table
holds at most the nonces actually spent within one ``nonce_ttl``.

The key is 32 random bytes shared by every instance of one issuer (``ESSPASS_ISSUER_NONCE_KEY``, base64url, or
``ESSPASS_HOME/issuer/nonce_key``, created at first start, mode 0600). Changing it invalidates the nonces
handed out, nothing else.
"""

from __future__ import annotations

import base64
import binascii
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AAD = b"esspass c_nonce v1"
KEY_BYTES = 32
_PLAIN = struct.Struct(">Q8s")  # expires_at, salt
ENCODED_CHARS = 59  # base64url without padding of 12 + 16 + 16 bytes


class NonceInvalid(Exception):
    """Not a c_nonce of this issuer, or expired (OID4VCI §8.3.1.2 ``invalid_nonce``)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def seal(key: bytes, expires_at: int, iv: bytes, salt: bytes) -> str:
    """A c_nonce valid until ``expires_at``; ``iv`` (12 bytes) and ``salt`` (8 bytes) fresh random."""
    if len(key) != KEY_BYTES or len(iv) != 12 or len(salt) != 8:
        raise ValueError("nonce key, iv or salt of the wrong length")
    return _b64(iv + AESGCM(key).encrypt(iv, _PLAIN.pack(expires_at, salt), AAD))


def open_nonce(key: bytes, value: object, now: int, max_ttl: int) -> int:
    """The nonce's expiry time if it is one of ours and fresh; else :class:`NonceInvalid`. ``max_ttl`` bounds
    how far in the future an expiry may lie (a nonce sealed under a longer ttl, or a skewed clock)."""
    if not isinstance(value, str) or len(value) != ENCODED_CHARS:
        raise NonceInvalid("c_nonce is not one of this issuer's")
    try:
        raw = base64.urlsafe_b64decode(value + "=")
    except (binascii.Error, ValueError):
        raise NonceInvalid("c_nonce is not one of this issuer's") from None
    if _b64(raw) != value:  # one encoding only (no alternative padding bits)
        raise NonceInvalid("c_nonce is not one of this issuer's")
    try:
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], AAD)
    except InvalidTag:
        raise NonceInvalid("c_nonce is not one of this issuer's") from None
    expires_at, _salt = _PLAIN.unpack(plain)
    if expires_at <= now or expires_at > now + max_ttl:
        raise NonceInvalid("c_nonce is expired")
    return expires_at


def parse_key(text: str) -> bytes:
    """A nonce key from its base64url text (``ESSPASS_ISSUER_NONCE_KEY`` or the key file)."""
    text = text.strip()
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("the c_nonce key is not base64url") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"the c_nonce key must be {KEY_BYTES} bytes")
    return key


def encode_key(key: bytes) -> str:
    return _b64(key)
