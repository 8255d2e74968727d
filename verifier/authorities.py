"""DCQL ``trusted_authorities`` of type ``aki`` the verifier sends (OpenID4VP 1.0 §6.1.1.1; HAIP 1.0 §5: the
``aki`` Trusted Authority Query MUST be supported, "collecting the relevant X.509 certificates for the trusted
Issuers and including the encoded Key Identifiers from the certificates in the aki array").

For a credential query, the values are the key identifiers by which a credential's chain names an issuer this
verifier accepts for one of the query's ``vct`` values: every Pub-EAA issuance service in force (not withdrawn)
that lists such a type contributes, for each listed CA certificate, its own key identifier (the
AuthorityKeyIdentifier of whatever it issued) and, for each listed end-entity certificate, its
AuthorityKeyIdentifier (the key identifier of its issuer, which the certificate's own chain carries). A wallet
then offers only credentials this verifier could accept; the verifier's own checks do not change (a credential
that matches is still verified in full, one sent anyway is still refused by ``issuer.*``).
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509

from credential.jose import b64u_encode
from credential.reasons import Rejected
from trust_list import PUB_EAA, STATUS_WITHDRAWN, SVC_PUBEAA_ISSUANCE
from trust_list import TrustStore

MAX_VALUES = 64  # more than this: send none (a cut list would hide credentials of issuers we do accept)


def _key_id(cert: x509.Certificate) -> bytes | None:
    """The certificate's SubjectKeyIdentifier, else the RFC 5280 §4.2.1.2 method (1) value of its key."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        try:
            return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
        except (ValueError, TypeError):
            return None


def _authority_key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def aki_values(store: TrustStore, vct_values: Iterable[str], now: int) -> list[str]:
    """The base64url key identifiers for a query asking for ``vct_values`` (sorted, unique); empty when no listed
    issuer may issue any of them, or when there are more than ``MAX_VALUES`` (then nothing is sent)."""
    wanted = set(vct_values)
    try:
        lote = store.require(PUB_EAA, now).lote
    except Rejected:  # no list in force: send no trusted_authorities; the verification itself says why
        return []
    out: set[str] = set()
    for _, service in lote.services(SVC_PUBEAA_ISSUANCE):
        record = service.current
        if record.status == STATUS_WITHDRAWN or not wanted.intersection(record.credential_types):
            continue
        for der in record.certificates:
            try:
                cert = x509.load_der_x509_certificate(der)
            except ValueError:
                continue
            key_id = _key_id(cert) if _is_ca(cert) else _authority_key_id(cert)
            if key_id:
                out.add(b64u_encode(key_id))
    return sorted(out) if len(out) <= MAX_VALUES else []
