"""Trust lists: ETSI TS 119 602 LoTE lists as profiled by docs/trust-lists-profile.md.

Public API (everything else is internal):

- :func:`load_trusted_lists` / :class:`TrustStore` – the validated Pub-EAA, WRPAC, WRPRC and Wallet Providers lists a
  party holds (§3: last valid list stays in force until its NextUpdate; rollback state per
  (operator, LoTEType)); :func:`validate_list` / :func:`sign_list` for one list (compact JAdES
  baseline B, :mod:`trust_list.jades`; plain JWS lists of profile v1 still accepted), with the EU LoTE
  profile of each list type in :mod:`trust_list.profiles`.
- :func:`check_issuer` (``x5c`` or ``x5t#S256``, ``vct``, signing time ``at``, ``now``) ->
  :class:`IssuerTrust`; :func:`check_status_signer` for status list tokens (§4).
- :func:`check_wallet_provider` (the ``x5c`` of a wallet or key attestation, ``now``) ->
  :class:`WalletProviderTrust` (the Wallet Providers list, TS 119 602).
- :func:`check_relying_party` (request object JWS, ``client_id``, DCQL query, ``now``) ->
  :class:`RpCheck` (§5).
- Every failure raises :class:`credential.reasons.Rejected` with a code of §3–§5
  (see :mod:`trust_list.reasons`).

Operators use :mod:`trust_list.operator` and the CLI (:mod:`trust_list.cli`); certificates for all
participants come from :mod:`trust_list.certificates`; :mod:`trust_list.demo` seeds a demo
ecosystem; :mod:`trust_list.publish` and :mod:`trust_list.fetch` move lists over HTTP.
"""

from credential.reasons import Rejected

from .certificates import (atomic_write, certificates_from_x5c, load_pem_certificates, read_certificates,
                           x5c_without_anchor)
from .reasons import MalformedTrustList
from .issuers import IssuerTrust, check_issuer, check_issuer_header, check_status_signer
from .model import (LIST_BY_SHORT_NAME, LIST_TYPES, PUB_EAA, STATUS_WITHDRAWN, SVC_PUBEAA_ISSUANCE,
                    SVC_PUBEAA_REVOCATION, WALLET_PROVIDERS, WRPAC, WRPRC)
from .relying_party import (CLOCK_SKEW, RpCheck, check_relying_party, check_unlisted_relying_party, path_within,
                            registered_paths, x509_hash_client_id)
from .rollback import RollbackState
from .store import TrustStore, load_trusted_lists
from .validation import ValidatedList, sign_list, validate_list
from .wallet_providers import WalletProviderTrust, check_wallet_provider

__all__ = [
    "PUB_EAA", "WRPAC", "WRPRC", "Rejected", "MalformedTrustList", "TrustStore", "load_trusted_lists", "ValidatedList",
    "sign_list", "validate_list", "IssuerTrust", "check_issuer", "check_issuer_header",
    "check_status_signer", "RpCheck", "check_relying_party", "check_unlisted_relying_party",
    "WALLET_PROVIDERS", "WalletProviderTrust", "check_wallet_provider",
    "LIST_BY_SHORT_NAME", "LIST_TYPES", "STATUS_WITHDRAWN", "SVC_PUBEAA_ISSUANCE", "SVC_PUBEAA_REVOCATION",
    "CLOCK_SKEW", "path_within", "registered_paths", "x509_hash_client_id", "RollbackState",
    "atomic_write", "certificates_from_x5c", "load_pem_certificates", "read_certificates", "x5c_without_anchor",
    # public submodules, each with its own __all__ (docs/architecture.md, "Public faces")
    "cli", "demo", "fetch", "issuers", "reasons",
]
