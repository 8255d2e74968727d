"""Keys and certificates for a configured service, read at start-up and checked before anything is served.

Each function takes the name of the setting it serves, so that a problem stops start-up with one sentence naming
it (:class:`deployment.errors.ConfigError`): a missing or unreadable file, a key that does not match its
certificate, an expired or not yet valid chain, a chain that does not chain, a token that refuses.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from credential.jose import JoseError, SigningKey

from .errors import ConfigError
from .pkcs11_uri import Pkcs11UriError, is_pkcs11_uri, parse_pkcs11_uri
from .settings import SharedSettings

MAX_FILE_BYTES = 1024 * 1024


def env_name(field: str) -> str:
    return f"ESSPASS_{field.upper()}"


def read_file(path: Path | str, setting: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise ConfigError(setting, f"the file {p} does not exist")
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(setting, f"the file {p} cannot be read ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(setting, f"the file {p} is larger than {MAX_FILE_BYTES} bytes")
    return data


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def load_certificates(path: Path | str, setting: str) -> list[x509.Certificate]:
    """Every certificate in a PEM file, in file order; at least one."""
    data = read_file(path, setting)
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ConfigError(setting, f"{path} holds no PEM certificate") from None
    return certs


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc)


def check_validity(certs: list[x509.Certificate], now: int, setting: str) -> None:
    at = _at(now)
    for cert in certs:
        if cert.not_valid_after_utc < at:
            raise ConfigError(setting, f"the certificate {_name(cert)} expired on "
                                       f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
        if cert.not_valid_before_utc > at:
            raise ConfigError(setting, f"the certificate {_name(cert)} is not valid before "
                                       f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")


def check_chain_links(chain: list[x509.Certificate], setting: str) -> None:
    """Each certificate is signed by the next one (leaf first, RFC 7515 §4.1.6 x5c order)."""
    for child, parent in zip(chain, chain[1:]):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise ConfigError(setting, f"the certificate {_name(child)} is not issued by the next one in the "
                                       f"file, {_name(parent)} (the chain goes leaf first)") from None


def load_chain(path: Path | str, setting: str, now: int) -> list[x509.Certificate]:
    """A certificate chain, leaf first, each link checked, every certificate valid at ``now``."""
    chain = load_certificates(path, setting)
    check_chain_links(chain, setting)
    check_validity(chain, now, setting)
    return chain


def _pin(shared: SharedSettings, pin_source: str | None, setting: str) -> str:
    if pin_source is not None:
        return read_file(pin_source, f"{setting} (pin-source)").decode("utf-8", "replace").strip()
    if shared.pkcs11_pin is not None:
        return shared.pkcs11_pin.get_secret_value()
    if shared.pkcs11_pin_file is not None:
        return read_file(shared.pkcs11_pin_file, "ESSPASS_PKCS11_PIN_FILE").decode("utf-8", "replace").strip()
    raise ConfigError(setting, "names a PKCS#11 key but no PIN is configured: set ESSPASS_PKCS11_PIN or "
                               "ESSPASS_PKCS11_PIN_FILE")


def load_signing_key(reference: str, setting: str, shared: SharedSettings) -> SigningKey:
    """A private key from a PEM file (PKCS#8 or SEC1, unencrypted) or a PKCS#11 URI (RFC 7512)."""
    if is_pkcs11_uri(reference):
        try:
            uri = parse_pkcs11_uri(reference)
        except Pkcs11UriError as exc:
            raise ConfigError(setting, f"is not a usable PKCS#11 URI ({exc})") from None
        module = uri.module_path or (str(shared.pkcs11_module) if shared.pkcs11_module else None)
        if module is None:
            raise ConfigError(setting, "names a PKCS#11 key but no module: set ESSPASS_PKCS11_MODULE "
                                       "(e.g. /usr/lib/softhsm/libsofthsm2.so) or module-path in the URI")
        from .pkcs11 import Pkcs11Key, Pkcs11KeyError

        try:
            return SigningKey(Pkcs11Key(uri, module, _pin(shared, uri.pin_source, setting)))
        except Pkcs11KeyError as exc:
            raise ConfigError(setting, str(exc)) from None
    data = read_file(reference, setting)
    if os.name == "posix" and Path(reference).stat().st_mode & 0o077:
        raise ConfigError(setting, f"the private key file {reference} is readable by others (chmod 600 it)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigError(setting, f"{reference} holds no unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(setting, f"{reference} is not an EC private key (ES256/ES384/ES512 only)")
    try:
        signing_key = SigningKey(key)
        signing_key.alg  # noqa: B018 - a curve JWS has no algorithm for fails here
    except (KeyError, JoseError):
        raise ConfigError(setting, f"{reference}: the curve {key.curve.name} has no JWS algorithm") from None
    return signing_key


def check_key_matches(key: SigningKey, chain: list[x509.Certificate], key_setting: str, chain_setting: str) -> None:
    pub = chain[0].public_key()
    mine = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if not isinstance(pub, ec.EllipticCurvePublicKey) or pub.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != mine:
        raise ConfigError(key_setting, f"the key does not match the certificate {_name(chain[0])}, the first in "
                                       f"{chain_setting}")
