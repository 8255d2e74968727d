"""The EU LoTE profiles of ETSI TS 119 602 V1.1.1, one :class:`ListProfile` per LoTEType, and the
required ListAndSchemeInformation fields they share (docs/trust-lists-profile.md §1, §3).

Everything that differs between list types is data here, so a new list type (the wallet providers'
list of issue 13, or any other EU profile) gets the same field machinery by adding one profile:
:func:`profile_fields` writes the fixed fields into a list being signed, :func:`field_problem`
checks them on a list received, each field with its own reason code (:mod:`trust_list.reasons`).

Sources: the TS 119 602 PDF was not available to us (not in our reference store), so
the URIs below are the ones the EUDI reference library eudi-lib-kmp-etsi-1196x2 (``ETSI19602.kt``)
and EU DSS's LoTE test fixtures use for TS 119 602 V1.1.1 clause 6.3 and Annexes E (wallet
providers), F (WRPAC providers), G (WRPRC providers) and H (Pub-EAA providers).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import reasons as R

_BASE = "http://uri.etsi.org/19602"

# LoTEType (TS 119 602 clause 6.3.3; Annexes E–H)
PUB_EAA = f"{_BASE}/LoTEType/EUPubEAAProvidersList"
WRPAC = f"{_BASE}/LoTEType/EUWRPACProvidersList"
WRPRC = f"{_BASE}/LoTEType/EUWRPRCProvidersList"
WALLET_PROVIDERS = f"{_BASE}/LoTEType/EUWalletProvidersList"

# ServiceTypeIdentifier (clause 6.6.1; Annexes E–H)
SVC_PUBEAA_ISSUANCE = f"{_BASE}/SvcType/PubEAA/Issuance"
SVC_PUBEAA_REVOCATION = f"{_BASE}/SvcType/PubEAA/Revocation"
SVC_WRPAC_ISSUANCE = f"{_BASE}/SvcType/WRPAC/Issuance"
SVC_WRPRC_ISSUANCE = f"{_BASE}/SvcType/WRPRC/Issuance"
SVC_WALLET_ISSUANCE = f"{_BASE}/SvcType/WalletSolution/Issuance"
SVC_WALLET_REVOCATION = f"{_BASE}/SvcType/WalletSolution/Revocation"

# ServiceStatus of the Pub-EAA list (Annex H)
STATUS_NOTIFIED = f"{_BASE}/PubEAAProvidersList/SvcStatus/notified"
STATUS_WITHDRAWN = f"{_BASE}/PubEAAProvidersList/SvcStatus/withdrawn"

SCHEME_TERRITORY = "EU"  # clause 6.3.10, every EU profile
LOTE_VERSION = 1  # clause 6.3.1
# clause 6.3.12 / Annex H: 65535 on the Pub-EAA list; absent on the other EU lists
HISTORICAL_INFORMATION_PERIOD = 65535
# A sane bound for LoTESequenceNumber: a signed 32-bit integer (what other implementations store),
# and far beyond any real list's life. A larger number would lock every party's rollback state.
MAX_SEQUENCE_NUMBER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ListProfile:
    """What an EU LoTE profile fixes for one LoTEType."""

    list_type: str
    short_name: str  # file and CLI name (pub-eaa.jwt, --list pub-eaa)
    status_determination_approach: str  # clause 6.3.8: the value we write
    community_rules: str  # clause 6.3.9: the SchemeTypeCommunityRules URI we write
    service_types: tuple[str, ...]  # clause 6.6.1: to the exclusion of any other
    service_statuses: tuple[str, ...] = ()  # clause 6.6.4: empty = ServiceStatus/StatusStartingTime not used
    historical_information_period: int | None = None  # clause 6.3.12: None = absent
    # further StatusDeterminationApproach spellings accepted on receipt (see WRPRC below)
    status_determination_aliases: tuple[str, ...] = ()

    @property
    def has_status(self) -> bool:
        return bool(self.service_statuses)

    def accepts_status_determination(self, value: Any) -> bool:
        return value == self.status_determination_approach or value in self.status_determination_aliases


PROFILES: dict[str, ListProfile] = {}


def register_profile(profile: ListProfile) -> ListProfile:
    if profile.list_type in PROFILES or any(p.short_name == profile.short_name for p in PROFILES.values()):
        raise ValueError(f"a profile for {profile.list_type} or {profile.short_name} already exists")
    PROFILES[profile.list_type] = profile
    return profile


register_profile(ListProfile(
    PUB_EAA, "pub-eaa",
    status_determination_approach=f"{_BASE}/PubEAAProvidersList/StatusDetn/EU",
    community_rules=f"{_BASE}/PubEAAProvidersList/schemerules/EU",
    service_types=(SVC_PUBEAA_ISSUANCE, SVC_PUBEAA_REVOCATION),
    service_statuses=(STATUS_NOTIFIED, STATUS_WITHDRAWN),
    historical_information_period=HISTORICAL_INFORMATION_PERIOD,
))
register_profile(ListProfile(
    WRPAC, "wrpac",
    status_determination_approach=f"{_BASE}/WRPACProvidersList/StatusDetn/EU",
    community_rules=f"{_BASE}/WRPACProvidersList/schemerules/EU",
    service_types=(SVC_WRPAC_ISSUANCE,),
))
register_profile(ListProfile(
    WRPRC, "wrprc",
    # Annex G as published writes "WRPRCrovidersList" (sic); the EUDI reference library uses that
    # spelling, so we write it, and accept the evidently intended one as well.
    status_determination_approach=f"{_BASE}/WRPRCrovidersList/StatusDetn/EU",
    status_determination_aliases=(f"{_BASE}/WRPRCProvidersList/StatusDetn/EU",),
    community_rules=f"{_BASE}/WRPRCProvidersList/schemerules/EU",
    service_types=(SVC_WRPRC_ISSUANCE,),
))
register_profile(ListProfile(
    WALLET_PROVIDERS, "wallet-providers",
    status_determination_approach=f"{_BASE}/WalletProvidersList/StatusDetn/EU",
    community_rules=f"{_BASE}/WalletProvidersList/schemerules/EU",
    service_types=(SVC_WALLET_ISSUANCE, SVC_WALLET_REVOCATION),
))


def profile_of(list_type: str) -> ListProfile:
    try:
        return PROFILES[list_type]
    except KeyError:
        raise ValueError(f"no LoTE profile for {list_type!r}") from None


# ---------------------------------------------------------------- producing


def profile_fields(profile: ListProfile) -> dict[str, Any]:
    """The ListAndSchemeInformation fields the profile fixes, as they are written into a list."""
    fields: dict[str, Any] = {
        "LoTEVersionIdentifier": LOTE_VERSION,
        "LoTEType": profile.list_type,
        "StatusDeterminationApproach": profile.status_determination_approach,
        "SchemeTypeCommunityRules": [{"lang": "en", "uriValue": profile.community_rules}],
        "SchemeTerritory": SCHEME_TERRITORY,
    }
    if profile.historical_information_period is not None:
        fields["HistoricalInformationPeriod"] = profile.historical_information_period
    return fields


def apply_profile(info: dict[str, Any], profile: ListProfile) -> dict[str, Any]:
    """``info`` (a ListAndSchemeInformation) with the profile's fixed fields set; a
    HistoricalInformationPeriod the profile does not allow is removed. Returns a new dict."""
    out = dict(info)
    out.update(profile_fields(profile))
    if profile.historical_information_period is None:
        out.pop("HistoricalInformationPeriod", None)
    return out


# ---------------------------------------------------------------- checking


def _is_int(value: Any) -> bool:
    return type(value) is int  # JSON integers only: not true/false, not 1.0


def _multilang(value: Any, key: str) -> bool:
    """A non-empty list of {"lang": str, key: non-empty str}."""
    return (isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and isinstance(v.get("lang"), str) and isinstance(v.get(key), str) and v[key].strip()
        for v in value))


_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", re.ASCII | re.IGNORECASE)


def _date_time(value: Any) -> bool:
    """RFC 3339 date-time with an explicit offset (clause 6.3.14/6.3.15 say UTC; the schema says date-time)."""
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _address(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("SchemeOperatorPostalAddress"), list)
            and bool(value["SchemeOperatorPostalAddress"])
            and _multilang(value.get("SchemeOperatorElectronicAddress"), "uriValue"))


@dataclass(frozen=True, slots=True)
class FieldRule:
    name: str
    reason: R.Reason
    check: Callable[[Any, ListProfile], str | None]  # (value or MISSING, profile) -> problem or None
    since_v2: bool = False  # required only of JAdES-signed (profile v2) lists; v1 lists may lack it


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _present(check: Callable[[Any, ListProfile], str | None]) -> Callable[[Any, ListProfile], str | None]:
    def rule(value: Any, profile: ListProfile) -> str | None:
        return "missing" if value is MISSING else check(value, profile)
    return rule


def _historical(value: Any, profile: ListProfile) -> str | None:
    wanted = profile.historical_information_period
    if wanted is None:
        return None if value is MISSING else "must be absent on this list"
    if value is MISSING:
        return "missing"
    return None if _is_int(value) and value == wanted else f"must be {wanted}"


def _community_rules(value: Any, profile: ListProfile) -> str | None:
    if not _multilang(value, "uriValue"):
        return "not a list of {lang, uriValue}"
    if profile.community_rules not in [v["uriValue"] for v in value]:
        return f"must contain {profile.community_rules}"
    return None


FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule("LoTEVersionIdentifier", R.FIELD_VERSION, _present(
        lambda v, p: None if _is_int(v) and v == LOTE_VERSION else f"must be {LOTE_VERSION}")),
    FieldRule("LoTESequenceNumber", R.FIELD_SEQUENCE_NUMBER, _present(
        lambda v, p: None if _is_int(v) and 0 <= v <= MAX_SEQUENCE_NUMBER
        else f"must be an integer from 0 to {MAX_SEQUENCE_NUMBER}")),
    FieldRule("SchemeOperatorName", R.FIELD_OPERATOR_NAME, _present(
        lambda v, p: None if _multilang(v, "value") else "not a list of {lang, value}")),
    FieldRule("SchemeOperatorAddress", R.FIELD_OPERATOR_ADDRESS, _present(
        lambda v, p: None if _address(v) else "needs postal and electronic addresses"), since_v2=True),
    FieldRule("SchemeName", R.FIELD_SCHEME_NAME, _present(
        lambda v, p: None if _multilang(v, "value") else "not a list of {lang, value}"), since_v2=True),
    FieldRule("SchemeInformationURI", R.FIELD_SCHEME_INFORMATION_URI, _present(
        lambda v, p: None if _multilang(v, "uriValue") else "not a list of {lang, uriValue}"), since_v2=True),
    FieldRule("StatusDeterminationApproach", R.FIELD_STATUS_DETERMINATION, _present(
        lambda v, p: None if p.accepts_status_determination(v) else f"must be {p.status_determination_approach}"),
        since_v2=True),
    FieldRule("SchemeTypeCommunityRules", R.FIELD_COMMUNITY_RULES, _present(_community_rules), since_v2=True),
    FieldRule("SchemeTerritory", R.FIELD_TERRITORY, _present(
        lambda v, p: None if v == SCHEME_TERRITORY else f"must be {SCHEME_TERRITORY}")),
    FieldRule("HistoricalInformationPeriod", R.FIELD_HISTORICAL_PERIOD, _historical),
    FieldRule("ListIssueDateTime", R.FIELD_ISSUE_TIME, _present(
        lambda v, p: None if _date_time(v) else "not an RFC 3339 date-time with offset")),
    FieldRule("NextUpdate", R.FIELD_NEXT_UPDATE, _present(
        lambda v, p: None if _date_time(v) else "not an RFC 3339 date-time with offset")),
)


def field_problem(info: Any, profile: ListProfile, *, v2: bool) -> tuple[R.Reason, str] | None:
    """The first required field that is missing or not the profile's value, as (reason, detail).

    ``v2``: the list is JAdES-signed (profile v2), so the fields new in v2 are required too; a v1
    list (plain JWS) may lack them, but one it carries must still be right."""
    if not isinstance(info, dict):
        return R.LIST_SCHEMA, "ListAndSchemeInformation is not an object"
    for rule in FIELD_RULES:
        value = info.get(rule.name, MISSING)
        if value is MISSING and rule.since_v2 and not v2:
            continue
        problem = rule.check(value, profile)
        if problem:
            return rule.reason, f"{rule.name}: {problem}"
    return None
