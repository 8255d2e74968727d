"""Reason codes of the trust-list profile (shared/specs/trust-lists.md §3, §4, §5).

The codes are binding (other parties test against them); each has an English and a Danish message.
"""

from __future__ import annotations

from credential.reasons import Reason, Rejected, define

__all__ = ["Rejected", "Reason", "LIST_REASONS", "ISSUER_REASONS", "RP_REASONS", "WALLET_PROVIDER_REASONS"]

# §3 Validating a list
LIST_SIGNATURE = define("list.signature")
LIST_SIGNER = define("list.signer")
LIST_SCHEMA = define("list.schema")
LIST_EXPIRED = define("list.expired")
LIST_NOT_YET_VALID = define("list.not_yet_valid")
LIST_NEXT_UPDATE_TOO_FAR = define("list.next_update_too_far")
LIST_ROLLBACK = define("list.rollback")
LIST_HISTORY = define("list.history")
LIST_DUPLICATE_KEY = define("list.duplicate_key")
LIST_UNAVAILABLE = define("list.unavailable")
LIST_REASONS = (
    LIST_SIGNATURE, LIST_SIGNER, LIST_SCHEMA, LIST_EXPIRED, LIST_NOT_YET_VALID,
    LIST_NEXT_UPDATE_TOO_FAR, LIST_ROLLBACK, LIST_HISTORY, LIST_DUPLICATE_KEY, LIST_UNAVAILABLE,
)

# §4 Issuers
ISSUER_UNTRUSTED = define("issuer.untrusted")
ISSUER_NOT_YET_LISTED = define("issuer.not_yet_listed")
ISSUER_WITHDRAWN_AT_SIGNING = define("issuer.withdrawn_at_signing")
ISSUER_WITHDRAWN = define("issuer.withdrawn")
ISSUER_TYPE_NOT_ALLOWED = define("issuer.type_not_allowed")
ISSUER_REASONS = (
    ISSUER_UNTRUSTED, ISSUER_NOT_YET_LISTED, ISSUER_WITHDRAWN_AT_SIGNING, ISSUER_WITHDRAWN,
    ISSUER_TYPE_NOT_ALLOWED,
)

# §5 Relying parties
RP_SIGNATURE = define("rp.signature")
RP_CLIENT_ID = define("rp.client_id")
RP_REGISTRATION = define("rp.registration")
RP_OVER_ASKING = define("rp.over_asking")
RP_REASONS = (RP_SIGNATURE, RP_CLIENT_ID, RP_REGISTRATION, RP_OVER_ASKING)

# Wallet providers (TS 119 602 Wallet Providers list; HAIP 1.0 §4.4.1, §4.5.1)
WALLET_PROVIDER_UNTRUSTED = define("wallet_provider.untrusted")
WALLET_PROVIDER_SELF_SIGNED = define("wallet_provider.self_signed")
WALLET_PROVIDER_ANCHOR_SENT = define("wallet_provider.anchor_sent")
WALLET_PROVIDER_REASONS = (WALLET_PROVIDER_UNTRUSTED, WALLET_PROVIDER_SELF_SIGNED, WALLET_PROVIDER_ANCHOR_SENT)
