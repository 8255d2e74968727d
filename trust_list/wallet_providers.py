"""Is this wallet provider trusted now? (the Wallet Providers list of ETSI TS 119 602; our profile,
docs/trust-lists-profile.md §6)

A Wallet Instance Attestation (OpenID4VCI 1.0 Appendix E; draft-ietf-oauth-attestation-based-client-auth
§5.1) and a key attestation (OpenID4VCI 1.0 Appendix D) carry the signer's certificate in ``x5c``.
:func:`check_wallet_provider` answers whether that chain leads to a certificate listed in a
``WalletSolution/Issuance`` service of the Wallet Providers list in force, and raises Rejected:

1. ``wallet_provider.self_signed``: ``x5c[0]`` is self-signed (HAIP 1.0 §4.5.1: "The X.509 certificate
   signing the key attestation MUST NOT be self-signed"; we hold Wallet Instance Attestations to the same);
2. ``wallet_provider.anchor_sent``: a listed certificate appears in ``x5c`` after the signer (HAIP 1.0 §4.4.1,
   §4.5.1: the trust anchor MUST NOT be included);
3. ``wallet_provider.untrusted``: no RFC 5280 path at ``now`` from ``x5c[0]`` to a listed certificate, or
   a malformed ``x5c``.

A listed service is trusted while it is listed (no ServiceStatus on this list, as on WRPAC/WRPRC):
withdrawing removes it, and the next list stops every attestation it signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509

from . import reasons as R
from .certificates import certificates_from_x5c, der, is_self_signed
from .model import SVC_WALLET_ISSUANCE, WALLET_PROVIDERS
from .paths import PathError, build_path
from .store import TrustStore


@dataclass(frozen=True, slots=True)
class WalletProviderTrust:
    """Why a wallet provider's signature is trusted."""

    entity_name: str
    service_name: str
    chain: tuple[x509.Certificate, ...]  # signer ... listed certificate
    list_sequence_number: int

    @property
    def signing_key(self):  # the public key that must verify the attestation
        return self.chain[0].public_key()


def check_wallet_provider(store: TrustStore, x5c: Any, now: int) -> WalletProviderTrust:
    """The chain ``x5c`` (header value: base64 DER strings, leaf first) against the Wallet Providers
    list in force at ``now`` (``list.unavailable`` / ``list.expired`` when there is none)."""
    validated = store.require(WALLET_PROVIDERS, now)
    try:
        chain = certificates_from_x5c(x5c)
    except (ValueError, TypeError) as exc:
        raise R.Rejected(R.WALLET_PROVIDER_UNTRUSTED, f"x5c: {exc}") from None
    if is_self_signed(chain[0]):
        raise R.Rejected(R.WALLET_PROVIDER_SELF_SIGNED, "x5c[0] is self-signed")
    services = validated.lote.services(SVC_WALLET_ISSUANCE)
    listed = {d: (e, s) for e, s in services for d in s.current.certificates}
    if any(der(c) in listed for c in chain[1:]):
        raise R.Rejected(R.WALLET_PROVIDER_ANCHOR_SENT, "x5c includes the listed trust anchor")
    anchors = [x509.load_der_x509_certificate(d) for d in listed]
    try:
        path = build_path(chain[0], chain[1:], anchors, now)
    except PathError as exc:
        raise R.Rejected(R.WALLET_PROVIDER_UNTRUSTED, str(exc)) from None
    entity, service = listed[der(path[-1])]
    return WalletProviderTrust(entity.name, service.name, tuple(path), validated.sequence_number)
