"""The LoTE model (ETSI TS 119 602 JSON binding) as profiled by docs/trust-lists-profile.md §1.

``parse_lote`` turns a schema-valid ``{"LoTE": {...}}`` document into typed, read-only values; the
builders (``list_document``, ``entity_document``, ``service_document``) make documents for operators
and tests. Times are integers (Unix seconds, UTC) inside the core; documents carry RFC 3339 strings.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .profiles import (  # noqa: F401  (re-exported: the names the rest of the package has always imported from here)
    HISTORICAL_INFORMATION_PERIOD,
    LOTE_VERSION,
    PROFILES,
    PUB_EAA,
    SCHEME_TERRITORY,
    STATUS_NOTIFIED,
    STATUS_WITHDRAWN,
    SVC_PUBEAA_ISSUANCE,
    SVC_PUBEAA_REVOCATION,
    SVC_WALLET_ISSUANCE,
    SVC_WALLET_REVOCATION,
    SVC_WRPAC_ISSUANCE,
    SVC_WRPRC_ISSUANCE,
    WALLET_PROVIDERS,
    WRPAC,
    WRPRC,
    apply_profile,
    profile_of,
)

# The list types ESSPASS operates and reads (docs/trust-lists-profile.md §1); what each one's EU profile
# fixes is in :mod:`trust_list.profiles`. A further list type: register its profile there and add it here.
# WALLET_PROVIDERS (TS 119 602 Annex E): the providers whose keys sign Wallet Instance Attestations
# (OpenID4VCI 1.0 Appendix E) and key attestations (Appendix D); see trust_list.wallet_providers
LIST_TYPES = (PUB_EAA, WRPAC, WRPRC, WALLET_PROVIDERS)
LIST_SHORT_NAMES = {t: PROFILES[t].short_name for t in LIST_TYPES}
LIST_BY_SHORT_NAME = {v: k for k, v in LIST_SHORT_NAMES.items()}
SERVICE_TYPES_BY_LIST = {t: PROFILES[t].service_types for t in LIST_TYPES}


# ---------------------------------------------------------------- time


def format_time(t: int) -> str:
    """Unix seconds -> RFC 3339 UTC ``YYYY-MM-DDTHH:MM:SSZ``."""
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> int:
    """RFC 3339 date-time with an explicit offset -> Unix seconds. ValueError otherwise."""
    if not isinstance(text, str) or "T" not in text.upper():
        raise ValueError("not an RFC 3339 date-time")
    value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError("date-time without offset")
    return int(value.timestamp())


def add_months(t: int, months: int) -> int:
    """Calendar months after ``t`` (UTC), day clamped to the month's length (§3: six months)."""
    d = dt.datetime.fromtimestamp(int(t), dt.timezone.utc)
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in range(d.day, 27, -1):
        try:
            return int(d.replace(year=year, month=month, day=day).timestamp())
        except ValueError:
            continue
    return int(d.replace(year=year, month=month, day=min(d.day, 28)).timestamp())


def to_datetime(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc)


# ---------------------------------------------------------------- typed view


def first_english(values: Any) -> str | None:
    """The first ``{"lang": "en...", "value"}`` of a multi-language list, else the first value."""
    if not isinstance(values, list) or not values:
        return None
    for item in values:
        if isinstance(item, dict) and str(item.get("lang", "")).lower().startswith("en"):
            return item.get("value")
    first = values[0]
    return first.get("value") if isinstance(first, dict) else None


def certificate_der_list(digital_identity: dict[str, Any]) -> tuple[bytes, ...]:
    """DERs of ``ServiceDigitalIdentity.X509Certificates[].val`` (standard padded base64, §1)."""
    out = []
    for item in digital_identity.get("X509Certificates", []) or []:
        out.append(base64.b64decode(item["val"], validate=True))
    return tuple(out)


def credential_types_of(extensions: Any) -> tuple[str, ...]:
    """§1: ``{"credentialTypes": [...]}`` among ServiceInformationExtensions; none -> may sign nothing."""
    types: list[str] = []
    for ext in extensions or []:
        if isinstance(ext, dict) and isinstance(ext.get("credentialTypes"), list):
            types.extend(str(v) for v in ext["credentialTypes"])
    return tuple(types)


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One state of a service: the current ServiceInformation or a ServiceHistoryInstance."""

    name: str
    service_type: str | None
    status: str | None
    starting_time: int | None
    certificates: tuple[bytes, ...]
    credential_types: tuple[str, ...]
    # TS 119 602 ServiceSupplyPoints: where the service is reached; for an Issuance service our profile puts the
    # OpenID4VCI Credential Issuer Identifier here (how a wallet finds the institution without an offer)
    supply_points: tuple[str, ...] = ()

    def lists_certificate(self, der: bytes) -> bool:
        return der in self.certificates

    def lists_sha256(self, digest: bytes) -> bytes | None:
        for der in self.certificates:
            if hashlib.sha256(der).digest() == digest:
                return der
        return None


@dataclass(frozen=True, slots=True)
class Service:
    current: ServiceRecord
    history: tuple[ServiceRecord, ...]  # newest first (§3 list.history)

    @property
    def service_type(self) -> str | None:
        return self.current.service_type

    @property
    def name(self) -> str:
        return self.current.name

    def records(self) -> tuple[ServiceRecord, ...]:
        return (self.current, *self.history)

    def record_at(self, t: int) -> ServiceRecord | None:
        """§4 step 2: the state in force at ``t`` (current if t ≥ its StatusStartingTime, else history)."""
        if self.current.starting_time is None or t >= self.current.starting_time:
            return self.current
        for record in self.history:
            if record.starting_time is not None and record.starting_time <= t:
                return record
        return None


@dataclass(frozen=True, slots=True)
class TrustedEntity:
    name: str
    services: tuple[Service, ...]


@dataclass(frozen=True, slots=True)
class Lote:
    list_type: str
    sequence_number: int
    operator_name: str
    territory: str | None
    issue_time: int
    next_update: int
    entities: tuple[TrustedEntity, ...]
    document: dict[str, Any] = field(repr=False, compare=False)

    def services(self, service_type: str) -> list[tuple[TrustedEntity, Service]]:
        return [(e, s) for e in self.entities for s in e.services if s.service_type == service_type]


def _record(info: dict[str, Any], fallback_type: str | None = None) -> ServiceRecord:
    starting = info.get("StatusStartingTime")
    return ServiceRecord(
        name=first_english(info.get("ServiceName")) or "",
        service_type=info.get("ServiceTypeIdentifier", fallback_type),
        status=info.get("ServiceStatus"),
        starting_time=parse_time(starting) if starting is not None else None,
        certificates=certificate_der_list(info.get("ServiceDigitalIdentity", {})),
        credential_types=credential_types_of(info.get("ServiceInformationExtensions")),
        supply_points=tuple(str(p["uriValue"]) for p in info.get("ServiceSupplyPoints") or []
                            if isinstance(p, dict) and isinstance(p.get("uriValue"), str)),
    )


def parse_lote(document: dict[str, Any]) -> Lote:
    """Typed view of a schema-valid document. Raises ValueError/KeyError on malformed values."""
    lote = document["LoTE"]
    info = lote["ListAndSchemeInformation"]
    entities = []
    for te in lote.get("TrustedEntitiesList", []) or []:
        services = []
        for svc in te["TrustedEntityServices"]:
            current = _record(svc["ServiceInformation"])
            history = tuple(_record(h, current.service_type) for h in svc.get("ServiceHistory", []) or [])
            services.append(Service(current, history))
        entities.append(TrustedEntity(first_english(te["TrustedEntityInformation"]["TEName"]) or "", tuple(services)))
    return Lote(
        list_type=info.get("LoTEType", ""),
        sequence_number=int(info["LoTESequenceNumber"]),
        operator_name=first_english(info["SchemeOperatorName"]) or "",
        territory=info.get("SchemeTerritory"),
        issue_time=parse_time(info["ListIssueDateTime"]),
        next_update=parse_time(info["NextUpdate"]),
        entities=tuple(entities),
        document=document,
    )


# ---------------------------------------------------------------- builders


def ml(value: str, lang: str = "en") -> list[dict[str, str]]:
    return [{"lang": lang, "value": value}]


def list_document(
    list_type: str,
    operator_name: str,
    *,
    sequence_number: int,
    issue_time: int,
    next_update: int,
    operator_uri: str = "https://trust.esspass.eu",
    entities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A list of ``list_type`` with every field its EU profile requires (docs/trust-lists-profile.md §1)."""
    profile = profile_of(list_type)
    info: dict[str, Any] = {
        "LoTEVersionIdentifier": LOTE_VERSION,
        "LoTESequenceNumber": sequence_number,
        "LoTEType": list_type,
        "SchemeOperatorName": ml(operator_name),
        "SchemeOperatorAddress": {
            "SchemeOperatorPostalAddress": [
                {"lang": "en", "StreetAddress": "Rue de la Loi 200", "Locality": "Brussels", "Country": "BE"}
            ],
            "SchemeOperatorElectronicAddress": [{"lang": "en", "uriValue": operator_uri}],
        },
        "SchemeName": ml(f"ESSPASS {profile.short_name} list"),
        "SchemeInformationURI": [{"lang": "en", "uriValue": operator_uri}],
        "ListIssueDateTime": format_time(issue_time),
        "NextUpdate": format_time(next_update),
        # clause 6.3.16: where the signed list is published (trust_list.publish serves this path)
        "DistributionPoints": [f"{operator_uri.rstrip('/')}/trust-lists/{profile.short_name}.jwt"],
    }
    info = apply_profile(info, profile)
    lote: dict[str, Any] = {"ListAndSchemeInformation": info}
    if entities:
        lote["TrustedEntitiesList"] = entities
    return {"LoTE": lote}


def entity_document(
    name: str, country: str, uri: str, services: list[dict[str, Any]], *, street: str = "-"
) -> dict[str, Any]:
    return {
        "TrustedEntityInformation": {
            "TEName": ml(name),
            "TEAddress": {
                "TEPostalAddress": [{"lang": "en", "StreetAddress": street, "Country": country}],
                "TEElectronicAddress": [{"lang": "en", "uriValue": uri}],
            },
            "TEInformationURI": [{"lang": "en", "uriValue": uri}],
        },
        "TrustedEntityServices": [{"ServiceInformation": s} for s in services],
    }


def service_document(
    name: str,
    service_type: str,
    certificates_der: list[bytes],
    *,
    status: str | None = None,
    starting_time: int | None = None,
    credential_types: list[str] | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "ServiceName": ml(name),
        "ServiceDigitalIdentity": {
            "X509Certificates": [{"val": base64.b64encode(d).decode("ascii")} for d in certificates_der]
        },
        "ServiceTypeIdentifier": service_type,
    }
    if status is not None:
        info["ServiceStatus"] = status
    if starting_time is not None:
        info["StatusStartingTime"] = format_time(starting_time)
    if credential_types is not None:
        info["ServiceInformationExtensions"] = [{"credentialTypes": list(credential_types)}]
    return info
