"""Key and certificate sets of the participants, written to a directory (docs/trust-lists-profile.md §1, §4, §5).

What the operator lists and what issuers and relying parties sign with, made by code with
:mod:`trust_list.certificates` (the CLI is ``esspass trust-list cert ...``). Each function writes
into its own directory and refuses to overwrite a file that is already there. Private keys are
P-256, PKCS#8 PEM, mode 0600, encrypted when a passphrase is given.

Institution (a Pub-EAA provider), :func:`make_institution`::

    credential-ca-key.pem  credential-ca-cert.pem   credential CA: list it in the Issuance service
    credential-key.pem     credential-cert.pem      credential-signing certificate (issued by it)
    credential-chain.pem                            leaf + CA: the credentials' x5c, check-issuer --x5c
    status-ca-key.pem      status-ca-cert.pem       status CA: list it in the Revocation service
    status-key.pem         status-cert.pem          status-list-signing certificate (issued by it)
    status-chain.pem                                leaf + CA: the status list tokens' x5c

Two CAs with separate keys, as in the demo ecosystem: a status-signing certificate never passes
the Issuance check, a credential-signing certificate never passes the Revocation check.

Relying-party access CA (WRPAC list), :func:`make_access_ca`: ``ca-key.pem``, ``ca-cert.pem``.
Access certificate, :func:`make_access`: ``access-key.pem``, ``access-cert.pem``, ``access-chain.pem``.
Registrar (WRPRC list), :func:`make_registrar`: ``registrar-key.pem``, ``registrar-cert.pem``.
Registration certificate, :func:`make_registration`: one ``rc-wrp+jwt`` compact JWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from credential.jose import SigningKey

from . import certificates
from .model import add_months

DAY = 24 * 3600
YEAR = 365 * DAY
SKEW = 3600  # not_before is an hour before "now", for parties whose clocks are behind
MAX_REGISTRATION_MONTHS = 12  # §5: exp at most 12 months after iat


class ParticipantError(ValueError):
    """A certificate set that cannot be made (file exists, bad country, ...)."""


def check_country(country: str) -> None:
    if not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper()):
        raise ParticipantError(f"country {country!r} is not a two-letter code (ISO 3166-1 alpha-2, or EU)")


def _check_years(ca_years: int, years: int) -> None:
    if not 1 <= years <= ca_years:
        raise ParticipantError("certificate validity must be at least one year and within the CA's")


def _free(directory: Path, names: list[str]) -> None:
    taken = [n for n in names if (directory / n).exists()]
    if taken:
        raise ParticipantError(f"{', '.join(taken)} already in {directory.name}: refusing to overwrite")


@dataclass
class Issued:
    """A key, its certificate chain (leaf first) and where they were written."""

    key: SigningKey
    chain: list[x509.Certificate]
    key_path: Path
    cert_path: Path


def _write(directory: Path, stem: str, key: SigningKey, chain: list[x509.Certificate],
           passphrase: bytes | None, *, chain_file: bool = False) -> Issued:
    certificates.write_private_key(directory / f"{stem}-key.pem", key, passphrase)
    certificates.write_certificates(directory / f"{stem}-cert.pem", chain[:1])
    if chain_file:
        certificates.write_certificates(directory / f"{stem}-chain.pem", chain)
    return Issued(key, chain, directory / f"{stem}-key.pem", directory / f"{stem}-cert.pem")


def load(directory: Path, stem: str, passphrase: bytes | None) -> Issued:
    """Read back ``<stem>-key.pem`` and ``<stem>-cert.pem`` from ``directory``."""
    directory = Path(directory)
    key = certificates.read_private_key(directory / f"{stem}-key.pem", passphrase)
    chain = certificates.read_certificates(directory / f"{stem}-cert.pem")
    return Issued(key, chain, directory / f"{stem}-key.pem", directory / f"{stem}-cert.pem")


def make_institution(directory: Path, name: str, country: str, now: int, *,
                     passphrase: bytes | None = None, ca_years: int = 10, years: int = 3
                     ) -> dict[str, Issued]:
    """A Pub-EAA provider's credential CA, credential-signing, status CA and status-signing sets."""
    check_country(country)
    _check_years(ca_years, years)
    directory = Path(directory)
    _free(directory, [f"{s}-{k}.pem" for s in ("credential-ca", "credential", "status-ca", "status")
                      for k in ("key", "cert")] + ["credential-chain.pem", "status-chain.pem"])
    out: dict[str, Issued] = {}
    for stem, purpose in (("credential", "credential signing"), ("status", "status list signing")):
        ca_label = "Credential CA" if stem == "credential" else "Status List CA"
        ca_key, key = SigningKey.generate("P-256"), SigningKey.generate("P-256")
        ca = certificates.ca_certificate(ca_key, f"{name} {ca_label}", country=country, organization=name,
                              not_before=now - SKEW, not_after=now + ca_years * YEAR)
        leaf = certificates.end_entity_certificate(key, f"{name} {purpose}", country=country, organization=name,
                                        ca_key=ca_key, ca_cert=ca, not_before=now - SKEW,
                                        not_after=now + years * YEAR)
        out[f"{stem}-ca"] = _write(directory, f"{stem}-ca", ca_key, [ca], passphrase)
        out[stem] = _write(directory, stem, key, [leaf, ca], passphrase, chain_file=True)
    return out


def make_wallet_provider(directory: Path, name: str, country: str, now: int, *,
                         passphrase: bytes | None = None, ca_years: int = 10, years: int = 3) -> dict[str, Issued]:
    """A wallet provider: a CA (list ``wallet-provider-ca-cert.pem`` in a WalletSolution/Issuance service of
    the Wallet Providers list) and the attestation-signing certificate under it, whose key signs Wallet
    Instance Attestations and key attestations; their ``x5c`` is ``attestation-chain.pem`` without the CA
    (HAIP 1.0 §4.4.1, §4.5.1: the signer is not self-signed and the trust anchor is not sent)."""
    check_country(country)
    _check_years(ca_years, years)
    directory = Path(directory)
    _free(directory, [f"{s}-{k}.pem" for s in ("wallet-provider-ca", "attestation") for k in ("key", "cert")]
          + ["attestation-chain.pem"])
    ca_key, key = SigningKey.generate("P-256"), SigningKey.generate("P-256")
    ca = certificates.ca_certificate(ca_key, f"{name} Wallet Provider CA", country=country, organization=name,
                                     not_before=now - SKEW, not_after=now + ca_years * YEAR)
    leaf = certificates.end_entity_certificate(key, f"{name} wallet attestation signing", country=country,
                                               organization=name, ca_key=ca_key, ca_cert=ca,
                                               not_before=now - SKEW, not_after=now + years * YEAR)
    return {"wallet-provider-ca": _write(directory, "wallet-provider-ca", ca_key, [ca], passphrase),
            "attestation": _write(directory, "attestation", key, [leaf, ca], passphrase, chain_file=True)}


def make_access_ca(directory: Path, name: str, country: str, now: int, *,
                   passphrase: bytes | None = None, years: int = 10) -> Issued:
    """A relying-party access CA (list ``ca-cert.pem`` in the WRPAC list)."""
    check_country(country)
    _check_years(years, 1)
    directory = Path(directory)
    _free(directory, ["ca-key.pem", "ca-cert.pem"])
    key = SigningKey.generate("P-256")
    cert = certificates.ca_certificate(key, name, country=country, organization=name, not_before=now - SKEW,
                            not_after=now + years * YEAR)
    return _write(directory, "ca", key, [cert], passphrase)


_DNS = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def make_access(directory: Path, ca_directory: Path, *, dns_name: str, organization: str, country: str,
                organization_identifier: str | None, now: int, passphrase: bytes | None = None,
                ca_passphrase: bytes | None = None, years: int = 3) -> Issued:
    """§5: a relying party's access certificate (dNSName SAN, organizationIdentifier) from the
    access CA in ``ca_directory``; ``access-chain.pem`` is leaf + CA (the request objects' x5c)."""
    check_country(country)
    if not _DNS.match(dns_name):
        raise ParticipantError(f"{dns_name!r} is not a DNS name (lower case, no scheme)")
    directory = Path(directory)
    _free(directory, ["access-key.pem", "access-cert.pem", "access-chain.pem"])
    ca = load(ca_directory, "ca", ca_passphrase)
    if ca.chain[0].not_valid_after_utc.timestamp() < now + years * YEAR:
        raise ParticipantError("the access certificate would outlive its CA")
    key = SigningKey.generate("P-256")
    cert = certificates.access_certificate(key, dns_name=dns_name, organization=organization, country=country,
                                organization_identifier=organization_identifier, ca_key=ca.key,
                                ca_cert=ca.chain[0], not_before=now - SKEW, not_after=now + years * YEAR)
    return _write(directory, "access", key, [cert, ca.chain[0]], passphrase, chain_file=True)


def make_registrar(directory: Path, name: str, country: str, now: int, *,
                   passphrase: bytes | None = None, years: int = 5) -> Issued:
    """A registrar: self-signed certificate with KeyUsage digitalSignature whose key signs
    registration certificates (list ``registrar-cert.pem`` in the WRPRC list)."""
    check_country(country)
    _check_years(years, 1)
    directory = Path(directory)
    _free(directory, ["registrar-key.pem", "registrar-cert.pem"])
    key = SigningKey.generate("P-256")
    cert = certificates.issue_certificate(certificates.name(name, country=country, organization=name), key, issuer_key=key,
                               issuer_cert=None, not_before=now - SKEW, not_after=now + years * YEAR)
    return _write(directory, "registrar", key, [cert], passphrase)


def make_registration(registrar_directory: Path, *, sub: str, name: list[dict[str, str]],
                      purpose: list[dict[str, str]], credentials: list[dict[str, Any]], now: int,
                      valid_days: int = 360, passphrase: bytes | None = None) -> str:
    """§5: a registration certificate (``rc-wrp+jwt``) signed by the registrar's key."""
    exp = now + valid_days * DAY
    if valid_days < 1 or exp > add_months(now, MAX_REGISTRATION_MONTHS):
        raise ParticipantError("a registration certificate is valid for 1 day to 12 months (§5)")
    if not sub:
        raise ParticipantError("sub is empty")
    registrar = load(registrar_directory, "registrar", passphrase)
    return certificates.registration_certificate(registrar.key, registrar.chain, sub=sub, name=name, purpose=purpose,
                                      credentials=credentials, iat=now, exp=exp)
