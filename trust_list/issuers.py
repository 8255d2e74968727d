"""Is this issuer trusted for this credential at time T? (docs/trust-lists-profile.md §4)

``check_issuer`` answers for credential signers (PubEAA/Issuance services), ``check_status_signer``
for status list token signers (PubEAA/Revocation services of the same trusted entity). Both take
either an ``x5c`` chain (leaf first) or an ``x5t#S256`` thumbprint, and raise Rejected with a §3 code
(the Pub-EAA list is unavailable or expired) or a §4 code:

1. no RFC 5280 path at T from x5c[0] to a listed certificate, or the leaf expired now: ``issuer.untrusted``;
2. no service state at T (or that state did not list the certificate): ``issuer.not_yet_listed``;
   the state at T is withdrawn: ``issuer.withdrawn_at_signing``;
3. the service is withdrawn now: ``issuer.withdrawn``;
4. ``vct`` not among the service's credentialTypes at T: ``issuer.type_not_allowed``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from credential.jose import JoseError, b64u_decode_strict

from . import reasons as R
from .certificates import certificates_from_x5c
from .model import (
    PUB_EAA,
    STATUS_WITHDRAWN,
    SVC_PUBEAA_ISSUANCE,
    SVC_PUBEAA_REVOCATION,
    Service,
    ServiceRecord,
    TrustedEntity,
    to_datetime,
)
from .paths import PathError, build_path
from .store import TrustStore


@dataclass(frozen=True, slots=True)
class IssuerTrust:
    """Why an issuer (or status signer) is trusted."""

    entity_name: str
    service_name: str
    service_type: str
    chain: tuple[x509.Certificate, ...]  # leaf ... listed certificate
    status_at_signing: str
    credential_types: tuple[str, ...]
    list_sequence_number: int
    list_issued: int | None = None  # the deciding list's ListIssueDateTime (TS 119 602), epoch seconds
    list_next_update: int | None = None  # its NextUpdate

    @property
    def signing_key(self):  # the public key that must verify the credential / token
        return self.chain[0].public_key()

    @property
    def evidence(self) -> dict[str, int | None]:
        """What decided (credential.verification.TrustedIssuer): the trusted list's sequence number and dates."""
        return {"trust_list_sequence_number": self.list_sequence_number, "trust_list_issued": self.list_issued,
                "trust_list_next_update": self.list_next_update}


__all__ = ["IssuerTrust", "check_issuer", "check_issuer_header", "check_status_signer", "key_reference", "x5t_of_der"]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _chain_from(store: TrustStore, x5c_or_x5t: Any, services: list[tuple[TrustedEntity, Service]]
                ) -> list[x509.Certificate]:
    """The candidate chain, leaf first, from an x5c list or an x5t#S256 value."""
    if isinstance(x5c_or_x5t, str):  # x5t#S256
        try:
            digest = b64u_decode_strict(x5c_or_x5t)
        except (JoseError, UnicodeError) as exc:
            raise R.Rejected(R.ISSUER_UNTRUSTED, f"bad x5t#S256: {exc}") from None
        for _, service in services:
            for record in service.records():
                der = record.lists_sha256(digest)
                if der is not None:
                    return [x509.load_der_x509_certificate(der)]
        known = store.known_chains.get(digest)
        if known is None:
            raise R.Rejected(R.ISSUER_UNTRUSTED, "x5t#S256 names no listed or known certificate")
        return list(known)
    if isinstance(x5c_or_x5t, Sequence) and x5c_or_x5t and all(
            isinstance(c, x509.Certificate) for c in x5c_or_x5t):
        return list(x5c_or_x5t)
    try:
        return certificates_from_x5c(list(x5c_or_x5t) if isinstance(x5c_or_x5t, Sequence) else None)
    except (ValueError, TypeError) as exc:
        raise R.Rejected(R.ISSUER_UNTRUSTED, f"x5c: {exc}") from None


def _check(store: TrustStore, x5c_or_x5t: Any, service_type: str, at: int, now: int,
           entity_name: str | None, vct: str | None) -> IssuerTrust:
    validated = store.require(PUB_EAA, now)
    services = [
        (e, s) for e, s in validated.lote.services(service_type)
        if entity_name is None or e.name == entity_name
    ]
    chain = _chain_from(store, x5c_or_x5t, services)
    anchors_der: list[bytes] = []
    for _, service in services:
        for record in service.records():
            anchors_der.extend(d for d in record.certificates if d not in anchors_der)
    anchors = [x509.load_der_x509_certificate(d) for d in anchors_der]
    try:
        path = build_path(chain[0], chain[1:], anchors, at)
    except PathError as exc:
        raise R.Rejected(R.ISSUER_UNTRUSTED, str(exc)) from None
    if chain[0].not_valid_after_utc < to_datetime(now):
        raise R.Rejected(R.ISSUER_UNTRUSTED, "signing certificate has expired")
    anchor_der = _der(path[-1])
    entity, service = next(
        (e, s) for e, s in services if any(r.lists_certificate(anchor_der) for r in s.records())
    )
    record: ServiceRecord | None = service.record_at(at)
    if record is None or not record.lists_certificate(anchor_der):
        raise R.Rejected(R.ISSUER_NOT_YET_LISTED, f"{entity.name}: no listed state at T")
    if record.status == STATUS_WITHDRAWN:
        raise R.Rejected(R.ISSUER_WITHDRAWN_AT_SIGNING, f"{entity.name}: withdrawn at T")
    if service.current.status == STATUS_WITHDRAWN:
        raise R.Rejected(R.ISSUER_WITHDRAWN, f"{entity.name}: withdrawn now")
    if vct is not None and vct not in record.credential_types:
        raise R.Rejected(R.ISSUER_TYPE_NOT_ALLOWED, f"{entity.name}: {vct!r} not allowed")
    store.remember_chain(chain)
    return IssuerTrust(
        entity_name=entity.name,
        service_name=service.name,
        service_type=service_type,
        chain=tuple(path),
        status_at_signing=record.status or "",
        credential_types=record.credential_types,
        list_sequence_number=validated.sequence_number,
        list_issued=validated.lote.issue_time,
        list_next_update=validated.lote.next_update,
    )


def check_issuer(store: TrustStore, x5c_or_x5t: Any, vct: str, at: int, now: int) -> IssuerTrust:
    """§4 for a credential signed at ``at`` (its iat), verified at ``now``.

    ``x5c_or_x5t``: the header ``x5c`` (list of base64 DER, or of Certificates, leaf first) or the
    header ``x5t#S256`` string.
    """
    return _check(store, x5c_or_x5t, SVC_PUBEAA_ISSUANCE, at, now, None, vct)


def check_status_signer(store: TrustStore, header: dict[str, Any], entity: str | IssuerTrust | None,
                        at: int, now: int) -> IssuerTrust:
    """§4 last sentence: a status list token's signer must be a PubEAA/Revocation service of the
    same trusted entity as the credential's issuer. ``header`` is the token's JWS header;
    ``at`` its iat. ``entity`` None: of any listed entity (an offline bundle's update, before any
    credential names the entity)."""
    name = entity.entity_name if isinstance(entity, IssuerTrust) else entity
    return _check(store, key_reference(header), SVC_PUBEAA_REVOCATION, at, now, name, None)


def check_issuer_header(store: TrustStore, header: dict[str, Any], vct: str, at: int, now: int
                        ) -> IssuerTrust:
    """:func:`check_issuer` with the reference taken from a JWS header (``x5c`` or ``x5t#S256``)."""
    return check_issuer(store, key_reference(header), vct, at, now)


def key_reference(header: dict[str, Any]) -> Any:
    if "x5c" in header:
        return header["x5c"]
    if isinstance(header.get("x5t#S256"), str):
        return header["x5t#S256"]
    raise R.Rejected(R.ISSUER_UNTRUSTED, "header has neither x5c nor x5t#S256")


def x5t_of_der(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
