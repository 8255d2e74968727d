"""RFC 5280 certification path building to arbitrary trust anchors (cryptography.x509.verification).

The trust anchors are certificates taken from a trust list (or pinned operator certificates). CAs on
the path must satisfy the Web PKI CA profile of pyca/cryptography (BasicConstraints CA, keyCertSign,
...). The end-entity needs no EKU or SAN (these are not TLS certificates) and, as RFC 5280 allows,
no KeyUsage either; when it has a KeyUsage, that must include digitalSignature (a certificate whose
KeyUsage restricts its key to other uses is refused). An end-entity without KeyUsage must not be a CA
(BasicConstraints cA): RFC 5280 §4.2.1.3 requires KeyUsage on CA certificates. List signers are
stricter (docs/trust-lists-profile.md §2: KeyUsage must include digitalSignature), see
:func:`signs_digitally`. A listed certificate that *is* the leaf is accepted as a one-element path
(docs/trust-lists-profile.md §4 step 1: "A listed end-entity certificate may also be x5c[0] itself").
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from .model import to_datetime

MAX_CHAIN_DEPTH = 6


class PathError(ValueError):
    """No valid path; the message is a technical detail for logs."""


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def may_sign(cert: x509.Certificate) -> bool:
    """An end-entity key may sign data (§4, RFC 5280): KeyUsage absent (not a CA), or it has
    digitalSignature."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature)
    except x509.ExtensionNotFound:
        return not _is_ca(cert)


def _ee_key_usage(policy: Policy, cert: x509.Certificate, ku: x509.KeyUsage | None) -> None:
    if ku is None:
        if _is_ca(cert):
            raise ValueError("CA certificate without KeyUsage")
        return
    if not ku.digital_signature:
        raise ValueError("KeyUsage lacks digitalSignature")


_EE_POLICY = ExtensionPolicy.permit_all().may_be_present(
    x509.KeyUsage, Criticality.AGNOSTIC, _ee_key_usage
)
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca()


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _valid_at(cert: x509.Certificate, at: int) -> bool:
    return cert.not_valid_before_utc <= to_datetime(at) <= cert.not_valid_after_utc


def signs_digitally(cert: x509.Certificate) -> bool:
    """KeyUsage present with digitalSignature (§2, the list signer)."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature)
    except x509.ExtensionNotFound:
        return False


def build_path(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    at: int,
) -> list[x509.Certificate]:
    """Path ``[leaf, ..., anchor]`` valid at ``at`` (Unix seconds), or PathError."""
    if not anchors:
        raise PathError("no trust anchors")
    if not _valid_at(leaf, at):
        raise PathError("leaf certificate not valid at the given time")
    leaf_der = _der(leaf)
    for anchor in anchors:
        if _der(anchor) == leaf_der:
            if not may_sign(leaf):
                raise PathError("listed certificate may not sign (KeyUsage)")
            return [leaf]
    verifier = (
        PolicyBuilder()
        .store(Store(anchors))
        .time(to_datetime(at))
        .max_chain_depth(MAX_CHAIN_DEPTH)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
        .build_client_verifier()
    )
    try:
        return list(verifier.verify(leaf, intermediates).chain)
    except VerificationError as exc:
        raise PathError(str(exc)) from None
