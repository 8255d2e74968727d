"""The institution's signing keys, as the issuer uses them.

Configured (:attr:`issuer.settings.Settings.configured`): from PEM files or a PKCS#11 token, with certificate
chains from PEM files, checked at start (:mod:`deployment.material`, :mod:`deployment.listing`). Embedded default:
from the demo trust ecosystem (``trust_list.demo``), imported only then. Either way they stay behind
:class:`~credential.jose.SigningKey`. The ``x5c`` chains are encoded once here, not per credential.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from credential import types
from credential.jose import SigningKey, b64u_encode
from deployment import ConfigError
from deployment import trusted_list
from deployment import check_key_matches, env_name, load_chain, load_signing_key
from trust_list import x5c_without_anchor

from .settings import KEY_SETTINGS, Settings


@dataclass(frozen=True)
class InstitutionKeys:
    name: str
    country: str
    credential_key: SigningKey
    credential_x5c: list[str]
    status_key: SigningKey
    status_x5c: list[str]
    credential_x5t: str = ""  # x5t#S256 of the signing certificate, which the trust list lists (§4)
    slug: str = ""  # the institution's short name in the demo ecosystem ("udk")
    institution_id: str = ""  # issuing_authority.id in the credentials it signs ("DK:UDK")

    @property
    def issuing_authority(self) -> dict[str, str]:
        """The ``issuing_authority`` claim of every credential this institution signs."""
        return {"id": self.institution_id, "name": self.name, "country": self.country}

    @property
    def credential_kid(self) -> str:
        return self.credential_x5t[:16]

    def credential_header(self, reference: str) -> dict[str, object]:
        """The key reference in a credential's header (trust-lists.md §4): ``x5t`` = ``kid`` +
        ``x5t#S256`` (compact: an offline QR code has no room for a certificate chain), ``x5c`` =
        the full chain (for verifiers that do not hold the trust list's certificates)."""
        if reference == "x5c":
            return {"x5c": self.credential_x5c}
        return {"kid": self.credential_kid, "x5t#S256": self.credential_x5t}


def institution_keys(settings: Settings, now: int) -> InstitutionKeys:
    """The configured institution's keys, or the demo institution's when nothing is configured."""
    if settings.configured:
        return configured_keys(settings, now)
    keys = demo_institution_keys(settings.ecosystem_dir, now, settings.institution, settings.institution_id)
    from trust_list.demo import register_demo_issuer  # noqa: PLC0415 - demo only

    register_demo_issuer(settings.ecosystem_dir, keys.name, settings.public_url)  # for wallet-initiated issuance
    return keys


def _x5t(cert: x509.Certificate) -> str:
    return b64u_encode(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())


def _subject(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def configured_keys(settings: Settings, now: int) -> InstitutionKeys:
    """Keys and chains from the settings; ConfigError (naming the setting) for anything wrong."""
    for name in KEY_SETTINGS:
        if not getattr(settings, name):
            given = next(env_name(n) for n in KEY_SETTINGS if getattr(settings, n))
            raise ConfigError(env_name(name), f"is not set, but {given} is: a configured issuer needs all of "
                                              + ", ".join(env_name(n) for n in KEY_SETTINGS))
    cred_chain = load_chain(settings.issuer_credential_chain, "ESSPASS_ISSUER_CREDENTIAL_CHAIN", now)
    status_chain = load_chain(settings.issuer_status_chain, "ESSPASS_ISSUER_STATUS_CHAIN", now)
    cred_key = load_signing_key(settings.issuer_credential_key, "ESSPASS_ISSUER_CREDENTIAL_KEY", settings)
    check_key_matches(cred_key, cred_chain, "ESSPASS_ISSUER_CREDENTIAL_KEY", "ESSPASS_ISSUER_CREDENTIAL_CHAIN")
    status_key = load_signing_key(settings.issuer_status_key, "ESSPASS_ISSUER_STATUS_KEY", settings)
    check_key_matches(status_key, status_chain, "ESSPASS_ISSUER_STATUS_KEY", "ESSPASS_ISSUER_STATUS_CHAIN")
    leaf = cred_chain[0]
    name = settings.issuer_institution_name or _subject(leaf, NameOID.ORGANIZATION_NAME)
    if not name:
        raise ConfigError("ESSPASS_ISSUER_INSTITUTION_NAME", "is not set and the credential certificate names no "
                                                            "organisation (O)")
    country = _subject(leaf, NameOID.COUNTRY_NAME)
    if not country:
        raise ConfigError("ESSPASS_ISSUER_CREDENTIAL_CHAIN", "the signing certificate names no country (C)")
    if not settings.institution_id:
        raise ConfigError("ESSPASS_INSTITUTION_ID", "is not set: a configured issuer names its institution "
                                                   f"in issuing_authority.id (e.g. {country}:ABC)")
    keys = InstitutionKeys(name, country, cred_key, x5c_without_anchor(cred_chain), status_key,
                           x5c_without_anchor(status_chain),
                           _x5t(leaf), institution_id=settings.institution_id)
    if settings.issuer_trust_anchors or settings.issuer_trust_list:
        check_listed(settings, keys, cred_chain, status_chain, now)
    return keys


def check_listed(settings: Settings, keys: InstitutionKeys, cred_chain: list[x509.Certificate],
                 status_chain: list[x509.Certificate], now: int) -> None:
    """trust-lists.md §4: the credential certificate chains to this institution's Issuance service for every
    credential type the issuer offers, and the status certificate to the same entity's Revocation service."""
    from credential.reasons import Rejected
    from trust_list.issuers import check_issuer, check_status_signer
    from trust_list import PUB_EAA

    if not settings.issuer_trust_anchors:
        raise ConfigError("ESSPASS_ISSUER_TRUST_ANCHORS", "is not set, but ESSPASS_ISSUER_TRUST_LIST is")
    if not settings.issuer_trust_list:
        raise ConfigError("ESSPASS_ISSUER_TRUST_LIST", "is not set, but ESSPASS_ISSUER_TRUST_ANCHORS is")
    store, _ = trusted_list(PUB_EAA, settings.issuer_trust_list, "ESSPASS_ISSUER_TRUST_LIST",
                            settings.issuer_trust_anchors, "ESSPASS_ISSUER_TRUST_ANCHORS", settings, now)
    where = f"the Pub-EAA list at {settings.issuer_trust_list}"
    # what verifiers get: offline and paper copies name the key by kid + x5t#S256 only, so the signing certificate
    # itself must be listed (trust-lists.md §4: "a certificate that is listed"); online copies with x5c chain to it
    references = [keys.credential_x5t] + ([cred_chain] if settings.credential_key_reference == "x5c" else [])
    try:
        trust = None
        for ctype in types.TYPES.values():
            for reference in references:
                trust = check_issuer(store, reference, ctype.vct, now, now)
    except Rejected as exc:
        raise ConfigError("ESSPASS_ISSUER_CREDENTIAL_CHAIN", f"the certificate {cred_chain[0].subject.rfc4514_string()}"
                                                            f" is not on {where} ({exc.code})") from None
    try:
        check_status_signer(store, {"x5c": keys.status_x5c}, trust, now, now)
    except Rejected as exc:
        raise ConfigError("ESSPASS_ISSUER_STATUS_CHAIN", f"the certificate {status_chain[0].subject.rfc4514_string()}"
                                                        f" is not on {where} as a Revocation service of "
                                                        f"{trust.entity_name} ({exc.code})") from None


def demo_institution_keys(home: Path, now: int, country: str = "DK", institution_id: str | None = None) -> InstitutionKeys:
    """The institution's credential-signing and status-list-signing keys with their x5c chains,
    from ``trust_list.demo.build_demo_ecosystem(home, now)`` (a second call reuses the folder).
    ``institution_id`` defaults to ``<country>:<SLUG>`` (``DK:UDK``)."""
    from trust_list.demo import build_demo_ecosystem  # noqa: PLC0415 - heavy, needed once at start-up

    inst = build_demo_ecosystem(Path(home), now).institution(country)
    return InstitutionKeys(inst.name, inst.country, inst.credential_key, inst.credential_x5c,
                           inst.status_key, inst.status_x5c, inst.credential_x5t, slug=inst.slug,
                           institution_id=institution_id or f"{inst.country}:{inst.slug.upper()}")
