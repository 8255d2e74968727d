"""Reason codes of the trust-list profile (docs/trust-lists-profile.md §3, §4, §5; v1 was docs/trust-lists-profile.md).

The codes are binding (other parties test against them); each has words in every shipped language. Profile v2
keeps every v1 code and adds the JAdES header codes and one code per required LoTE field.
"""

from __future__ import annotations

from credential.reasons import MalformedInput, Reason, Rejected, define, malformed

__all__ = ["MalformedTrustList", "Rejected", "Reason", "LIST_REASONS", "FIELD_REASONS", "JADES_REASONS",
           "ISSUER_REASONS", "RP_REASONS", "WALLET_PROVIDER_REASONS", "RP_CLIENT_ID", "RP_REGISTRATION", "RP_SIGNATURE", "WALLET_PROVIDER_UNTRUSTED"]

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

# Profile v2 (docs/trust-lists-profile.md §2): the JAdES baseline B header (ETSI TS 119 182-1)
LIST_CRIT = define("list.crit")                    # crit names what we do not process, or misses a JAdES parameter
LIST_SIGNING_TIME = define("list.signing_time")    # sigT malformed, or later than now + skew
LIST_SIGNER_DIGEST = define("list.signer_digest")  # x5t#S256 missing (JAdES form) or not the digest of x5c[0]
JADES_REASONS = (LIST_CRIT, LIST_SIGNING_TIME, LIST_SIGNER_DIGEST)

# Profile v2 §3: one code per required ListAndSchemeInformation field of the EU LoTE profiles (TS 119 602
# clause 6.3 and Annexes E–H): missing, or not the value the profile fixes.
FIELD_VERSION = define("list.field.version")                          # LoTEVersionIdentifier
FIELD_SEQUENCE_NUMBER = define("list.field.sequence_number")          # LoTESequenceNumber
FIELD_OPERATOR_NAME = define("list.field.operator_name")              # SchemeOperatorName
FIELD_OPERATOR_ADDRESS = define("list.field.operator_address")        # SchemeOperatorAddress
FIELD_SCHEME_NAME = define("list.field.scheme_name")                  # SchemeName
FIELD_SCHEME_INFORMATION_URI = define("list.field.scheme_information_uri")  # SchemeInformationURI
FIELD_STATUS_DETERMINATION = define("list.field.status_determination")      # StatusDeterminationApproach
FIELD_COMMUNITY_RULES = define("list.field.community_rules")          # SchemeTypeCommunityRules
FIELD_TERRITORY = define("list.field.territory")                      # SchemeTerritory
FIELD_HISTORICAL_PERIOD = define("list.field.historical_period")      # HistoricalInformationPeriod
FIELD_ISSUE_TIME = define("list.field.issue_time")                    # ListIssueDateTime
FIELD_NEXT_UPDATE = define("list.field.next_update")                  # NextUpdate
FIELD_REASONS = (
    FIELD_VERSION, FIELD_SEQUENCE_NUMBER, FIELD_OPERATOR_NAME, FIELD_OPERATOR_ADDRESS, FIELD_SCHEME_NAME,
    FIELD_SCHEME_INFORMATION_URI, FIELD_STATUS_DETERMINATION, FIELD_COMMUNITY_RULES, FIELD_TERRITORY,
    FIELD_HISTORICAL_PERIOD, FIELD_ISSUE_TIME, FIELD_NEXT_UPDATE,
)



class MalformedTrustList(MalformedInput):
    """A trust list that does not parse as a LoTE of this profile: ``list.schema``, ``list.duplicate_key`` and one
    ``list.field.*`` code per required field (TS 119 602 §6; docs/trust-lists-profile.md §3)."""


malformed(MalformedTrustList, LIST_SCHEMA.code, LIST_DUPLICATE_KEY.code, *(r.code for r in FIELD_REASONS))

LIST_REASONS = (
    LIST_SIGNATURE, LIST_SIGNER, LIST_SCHEMA, LIST_EXPIRED, LIST_NOT_YET_VALID,
    LIST_NEXT_UPDATE_TOO_FAR, LIST_ROLLBACK, LIST_HISTORY, LIST_DUPLICATE_KEY, LIST_UNAVAILABLE,
    *JADES_REASONS, *FIELD_REASONS,
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
