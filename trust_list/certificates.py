"""Keys and X.509 certificates for every participant (docs/trust-lists-profile.md §1, §2, §5).

Everything here is made by code, never checked in:
- the scheme operator's list-signing certificate (subject C and O as §2 requires, KeyUsage
  digitalSignature), self-signed, or issued by an operator root;
- an institution CA with credential-signing and status-list-signing end-entity certificates (§4);
- a relying-party access CA and access certificates with a dNSName SAN and organizationIdentifier (§5);
- a registrar certificate and registration certificates (``rc-wrp+jwt`` compact JWS, §5).

Private keys are written with mode 0600, optionally encrypted with a passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any, Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from credential.jose import SigningKey, b64u_encode, sign_compact

from .model import to_datetime

YEAR = 365 * 24 * 3600
REGISTRATION_TYP = "rc-wrp+jwt"


def name(common_name: str, *, country: str | None = None, organization: str | None = None,
         organization_identifier: str | None = None) -> x509.Name:
    attrs = []
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if organization_identifier:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organization_identifier))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _key_usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def issue_certificate(
    subject: x509.Name,
    subject_key: SigningKey,
    *,
    issuer_key: SigningKey,
    issuer_cert: x509.Certificate | None,
    not_before: int,
    not_after: int,
    ca: bool = False,
    path_length: int | None = None,
    digital_signature: bool = True,
    dns_names: Iterable[str] = (),
) -> x509.Certificate:
    """One certificate; ``issuer_cert=None`` makes it self-signed (issuer_key must be subject_key)."""
    issuer_name = issuer_cert.subject if issuer_cert is not None else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(to_datetime(not_before))
        .not_valid_after(to_datetime(not_after))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(_key_usage(signing=digital_signature, ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    dns = list(dns_names)
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    return builder.sign(issuer_key.private_key, _hash_for(issuer_key))


def _hash_for(key: SigningKey) -> hashes.HashAlgorithm:
    return {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}[key.alg]


# ---------------------------------------------------------------- participants


def operator_certificate(key: SigningKey, *, territory: str, operator_name: str, not_before: int,
                         not_after: int, issuer_key: SigningKey | None = None,
                         issuer_cert: x509.Certificate | None = None) -> x509.Certificate:
    """§2: subject C = SchemeTerritory, O = first English SchemeOperatorName, KeyUsage digitalSignature."""
    return issue_certificate(
        name(f"{operator_name} trust list signer", country=territory, organization=operator_name),
        key, issuer_key=issuer_key or key, issuer_cert=issuer_cert,
        not_before=not_before, not_after=not_after,
    )


def ca_certificate(key: SigningKey, common_name: str, *, country: str, organization: str,
                   not_before: int, not_after: int, issuer_key: SigningKey | None = None,
                   issuer_cert: x509.Certificate | None = None) -> x509.Certificate:
    """A CA (self-signed root unless issuer given): BasicConstraints CA, KeyUsage keyCertSign."""
    return issue_certificate(
        name(common_name, country=country, organization=organization), key,
        issuer_key=issuer_key or key, issuer_cert=issuer_cert, not_before=not_before,
        not_after=not_after, ca=True, path_length=None, digital_signature=False,
    )


def end_entity_certificate(key: SigningKey, common_name: str, *, country: str, organization: str,
                           ca_key: SigningKey, ca_cert: x509.Certificate, not_before: int,
                           not_after: int, dns_names: Iterable[str] = (),
                           organization_identifier: str | None = None) -> x509.Certificate:
    return issue_certificate(
        name(common_name, country=country, organization=organization,
             organization_identifier=organization_identifier),
        key, issuer_key=ca_key, issuer_cert=ca_cert, not_before=not_before, not_after=not_after,
        dns_names=dns_names,
    )


def access_certificate(key: SigningKey, *, dns_name: str, organization: str, country: str,
                       organization_identifier: str | None, ca_key: SigningKey,
                       ca_cert: x509.Certificate, not_before: int, not_after: int) -> x509.Certificate:
    """§5: relying-party access certificate with a dNSName SAN (and organizationIdentifier)."""
    return end_entity_certificate(
        key, dns_name, country=country, organization=organization, ca_key=ca_key, ca_cert=ca_cert,
        not_before=not_before, not_after=not_after, dns_names=[dns_name],
        organization_identifier=organization_identifier,
    )


def registration_certificate(registrar_key: SigningKey, registrar_chain: list[x509.Certificate], *,
                             sub: str, name: list[dict[str, str]] | str,
                             purpose: list[dict[str, str]] | str,
                             credentials: list[dict[str, Any]], iat: int, exp: int,
                             extra: dict[str, Any] | None = None) -> str:
    """§5: a ``rc-wrp+jwt`` compact JWS (after ETSI TS 119 475)."""
    as_ml = lambda v: [{"lang": "en", "value": v}] if isinstance(v, str) else v  # noqa: E731
    payload = {"sub": sub, "name": as_ml(name), "purpose": as_ml(purpose),
               "credentials": credentials, "iat": iat, "exp": exp, **(extra or {})}
    header = {"typ": REGISTRATION_TYP, "x5c": x5c_of(registrar_chain)}
    return sign_compact(header, payload, registrar_key)


# ---------------------------------------------------------------- encodings and files


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def x5c_of(chain: Iterable[x509.Certificate]) -> list[str]:
    """RFC 7515 §4.1.6: standard (not url-safe) base64 DER, leaf first."""
    return [base64.b64encode(der(c)).decode("ascii") for c in chain]


def is_self_signed(cert: x509.Certificate) -> bool:
    """Subject equals issuer and the signature verifies under the certificate's own key: a root (a trust anchor)."""
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def x5c_without_anchor(chain: Iterable[x509.Certificate]) -> list[str]:
    """The ``x5c`` a JWS header carries (HAIP 1.0 §6.1.1, §5, §6.1: "the X.509 certificate of the trust anchor MUST
    NOT be included"): the leaf and its intermediates, leaf first, every self-signed certificate left out (the leaf
    is kept even then, so a header is never empty; a self-signed signer is refused by the lists anyway)."""
    certs = list(chain)
    return x5c_of(certs[:1] + [c for c in certs[1:] if not is_self_signed(c)])


def certificates_from_x5c(x5c: Any, max_certs: int = 8) -> list[x509.Certificate]:
    """Decode an ``x5c`` header; ValueError on anything but 1..max_certs base64 DER certificates."""
    if not isinstance(x5c, list) or not 1 <= len(x5c) <= max_certs:
        raise ValueError("x5c must be a list of 1 to %d certificates" % max_certs)
    out = []
    for item in x5c:
        if not isinstance(item, str):
            raise ValueError("x5c entry is not a string")
        out.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
    return out


def x5t_s256(cert: x509.Certificate) -> str:
    """RFC 7515 §4.1.8 ``x5t#S256``: base64url SHA-256 of the DER."""
    return b64u_encode(hashlib.sha256(der(cert)).digest())


def to_pem(certs: Iterable[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


def write_certificates(path: Path, certs: Iterable[x509.Certificate]) -> None:
    atomic_write(path, to_pem(certs), mode=0o644)


def read_certificates(path: Path) -> list[x509.Certificate]:
    return load_pem_certificates(Path(path).read_bytes())


def write_private_key(path: Path, key: SigningKey, passphrase: bytes | None = None) -> None:
    """PKCS#8 PEM, mode 0600 from the first byte on; encrypted when a passphrase is given."""
    atomic_write(path, key.to_pem(passphrase), mode=0o600)


def read_private_key(path: Path, passphrase: bytes | None = None) -> SigningKey:
    return SigningKey.from_pem(Path(path).read_bytes(), passphrase)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - platforms without directory fsync
        pass
