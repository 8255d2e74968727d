"""The trust-list operator's workspace: drafts, changes and signing (docs/trust-lists-profile.md §1–§3).

Pure functions change a draft LoTE document (a dict) at a given time; :class:`Operator` is the I/O
shell around a home directory::

    operator.json        name, territory, URI
    operator-key.pem     list-signing key (mode 0600, encrypted when a passphrase is given)
    operator-cert.pem    list-signing certificate (the one verifiers pin)
    drafts/<list>.json   the unsigned documents; LoTESequenceNumber is the last one signed
    signed/<list>.jwt    the signed lists to publish

A change never rewrites the past: on the Pub-EAA list the service's current ServiceInformation moves
into ServiceHistory (newest first) and the new state starts at the change time, which must be later
than the current state's StatusStartingTime. The WRPAC and WRPRC lists carry no status: a listed
service is trusted while listed, so withdrawing removes it.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from credential.jose import SigningKey

from .certificates import atomic_write, der, operator_certificate, read_certificates, read_private_key, write_certificates, write_private_key, x5c_of
from .model import (
    LIST_SHORT_NAMES,
    LIST_TYPES,
    SCHEME_TERRITORY,
    STATUS_NOTIFIED,
    STATUS_WITHDRAWN,
    add_months,
    apply_profile,
    entity_document,
    first_english,
    format_time,
    list_document,
    parse_time,
    profile_of,
    service_document,
)
from .validation import MAX_VALIDITY_MONTHS, sign_list

YEAR = 365 * 24 * 3600
DAY = 24 * 3600
PASSPHRASE_ENV = "ESSPASS_OPERATOR_PASSPHRASE"


class OperatorError(ValueError):
    """An operator action that cannot be done (unknown entity, retroactive change, ...)."""


# ---------------------------------------------------------------- pure changes


def _entities(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["LoTE"].setdefault("TrustedEntitiesList", [])


def _list_type(doc: dict[str, Any]) -> str:
    return doc["LoTE"]["ListAndSchemeInformation"]["LoTEType"]


def _has_status(doc: dict[str, Any]) -> bool:
    """Services of this list carry ServiceStatus and StatusStartingTime (the Pub-EAA list, Annex H)."""
    return profile_of(_list_type(doc)).has_status


def find_entity(doc: dict[str, Any], entity_name: str) -> dict[str, Any]:
    for entity in doc["LoTE"].get("TrustedEntitiesList", []):
        if first_english(entity["TrustedEntityInformation"]["TEName"]) == entity_name:
            return entity
    raise OperatorError(f"no trusted entity named {entity_name!r}")


def find_service(doc: dict[str, Any], entity_name: str, service_name: str) -> dict[str, Any]:
    for service in find_entity(doc, entity_name)["TrustedEntityServices"]:
        if first_english(service["ServiceInformation"]["ServiceName"]) == service_name:
            return service
    raise OperatorError(f"{entity_name!r} has no service named {service_name!r}")


def add_entity(doc: dict[str, Any], entity_name: str, country: str, uri: str) -> dict[str, Any]:
    """A new trusted entity, without services yet (it is written out once it has one)."""
    _check_country(country)
    doc = copy.deepcopy(doc)
    try:
        find_entity(doc, entity_name)
    except OperatorError:
        entity = entity_document(entity_name, country, uri, [])
        _entities(doc).append(entity)
        return doc
    raise OperatorError(f"trusted entity {entity_name!r} already exists")


def _check_country(country: str) -> None:
    if not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper()):
        raise OperatorError(f"country {country!r} is not a two-letter code (ISO 3166-1 alpha-2, or EU)")


def _set_english(values: list[dict[str, Any]], key: str, value: str) -> None:
    """Set ``key`` of the first English entry of a multi-language list (added when there is none)."""
    for item in values:
        if str(item.get("lang", "")).lower().startswith("en"):
            item[key] = value
            return
    values.insert(0, {"lang": "en", key: value})


def update_entity(doc: dict[str, Any], entity_name: str, *, name: str | None = None,
                  country: str | None = None, uri: str | None = None, street: str | None = None,
                  locality: str | None = None, postal_code: str | None = None) -> dict[str, Any]:
    """Change a trusted entity's name, URI (electronic address and information URI) or postal address.

    TS 119 602 keeps no history of TrustedEntityInformation (only services have ServiceHistory), so
    this takes effect in the next signed list and is never retroactive: lists already signed keep
    the old values, and the entity's services, their status and their ServiceHistory are untouched
    (an issuer's trust at a past signing time is still read from that history, §4)."""
    if all(v is None for v in (name, country, uri, street, locality, postal_code)):
        raise OperatorError("nothing to update (give a new name, country, URI or address)")
    doc = copy.deepcopy(doc)
    entity = find_entity(doc, entity_name)
    info = entity["TrustedEntityInformation"]
    if name is not None:
        if not name.strip():
            raise OperatorError("the new name is empty")
        if name != entity_name:
            try:
                find_entity(doc, name)
            except OperatorError:
                pass
            else:
                raise OperatorError(f"trusted entity {name!r} already exists")
        _set_english(info["TEName"], "value", name)
    address = info["TEAddress"]
    if country is not None:
        _check_country(country)
        for postal in address["TEPostalAddress"]:
            postal["Country"] = country
    for key, value in (("StreetAddress", street), ("Locality", locality), ("PostalCode", postal_code)):
        if value is not None:
            postal = address["TEPostalAddress"]
            _set_english(postal, key, value)
            postal[0].setdefault("StreetAddress", "-")
            postal[0].setdefault("Country", postal[-1].get("Country", "EU"))
    if uri is not None:
        if not uri.strip():
            raise OperatorError("the new URI is empty")
        _set_english(address["TEElectronicAddress"], "uriValue", uri)
        _set_english(info["TEInformationURI"], "uriValue", uri)
    return doc


def add_service(doc: dict[str, Any], entity_name: str, service_name: str, service_type: str,
                certificates: list[x509.Certificate], at: int,
                credential_types: list[str] | None = None) -> dict[str, Any]:
    """List a service from ``at`` (Pub-EAA: status notified from ``at``)."""
    doc = copy.deepcopy(doc)
    entity = find_entity(doc, entity_name)
    for service in entity["TrustedEntityServices"]:
        if first_english(service["ServiceInformation"]["ServiceName"]) == service_name:
            raise OperatorError(f"service {service_name!r} already exists")
    pub = _has_status(doc)
    info = service_document(
        service_name, service_type, [der(c) for c in certificates],
        status=STATUS_NOTIFIED if pub else None, starting_time=at if pub else None,
        credential_types=credential_types,
    )
    entity["TrustedEntityServices"].append({"ServiceInformation": info})
    return doc


def update_service(doc: dict[str, Any], entity_name: str, service_name: str, at: int, *,
                   certificates: list[x509.Certificate] | None = None,
                   credential_types: list[str] | None = None,
                   status: str | None = None) -> dict[str, Any]:
    """Change a service from ``at`` on; on the Pub-EAA list the old state goes to ServiceHistory."""
    doc = copy.deepcopy(doc)
    service = find_service(doc, entity_name, service_name)
    info = service["ServiceInformation"]
    new = copy.deepcopy(info)
    if certificates is not None:
        new["ServiceDigitalIdentity"] = {
            "X509Certificates": [{"val": v} for v in x5c_of(certificates)]
        }
    if credential_types is not None:
        new["ServiceInformationExtensions"] = [{"credentialTypes": list(credential_types)}]
    if not _has_status(doc):
        if status is not None:
            raise OperatorError("only Pub-EAA services have a status")
        service["ServiceInformation"] = new
        return doc
    previous_start = parse_time(info["StatusStartingTime"])
    if at <= previous_start:
        raise OperatorError("a change must start after the current state (never retroactive)")
    if status is not None:
        new["ServiceStatus"] = status
    new["StatusStartingTime"] = format_time(at)
    instance = {k: info[k] for k in (
        "ServiceName", "ServiceDigitalIdentity", "ServiceStatus", "StatusStartingTime",
        "ServiceTypeIdentifier", "ServiceInformationExtensions") if k in info}
    service["ServiceHistory"] = [instance, *service.get("ServiceHistory", [])]
    service["ServiceInformation"] = new
    return doc


def withdraw_service(doc: dict[str, Any], entity_name: str, service_name: str, at: int) -> dict[str, Any]:
    """Pub-EAA: status withdrawn from ``at``. Other lists: the service is removed."""
    if _has_status(doc):
        return update_service(doc, entity_name, service_name, at, status=STATUS_WITHDRAWN)
    doc = copy.deepcopy(doc)
    entity = find_entity(doc, entity_name)
    service = find_service(doc, entity_name, service_name)
    entity["TrustedEntityServices"].remove(service)
    if not entity["TrustedEntityServices"]:
        _entities(doc).remove(entity)
    return doc


def notify_service(doc: dict[str, Any], entity_name: str, service_name: str, at: int) -> dict[str, Any]:
    """Re-notification of a withdrawn Pub-EAA service from ``at``."""
    return update_service(doc, entity_name, service_name, at, status=STATUS_NOTIFIED)


def withdraw_entity(doc: dict[str, Any], entity_name: str, at: int) -> dict[str, Any]:
    entity = find_entity(doc, entity_name)
    for name in [first_english(s["ServiceInformation"]["ServiceName"]) for s in entity["TrustedEntityServices"]]:
        current = find_service(doc, entity_name, name) if _has_status(doc) else None
        if current is not None and current["ServiceInformation"].get("ServiceStatus") == STATUS_WITHDRAWN:
            continue
        doc = withdraw_service(doc, entity_name, name, at)
    return doc


def prepared_for_signing(doc: dict[str, Any], sequence_number: int, issue_time: int,
                         next_update: int) -> dict[str, Any]:
    """The document as it will be signed: sequence number, issue time, NextUpdate and the fields its
    EU profile fixes (a draft written before profile v2 lacks StatusDeterminationApproach and
    SchemeTypeCommunityRules: they are filled in here, docs/trust-lists-profile.md §1); entities
    without services are left out (the schema needs at least one service per entity)."""
    doc = copy.deepcopy(doc)
    doc["LoTE"]["ListAndSchemeInformation"] = apply_profile(
        doc["LoTE"]["ListAndSchemeInformation"], profile_of(_list_type(doc)))
    info = doc["LoTE"]["ListAndSchemeInformation"]
    info["LoTESequenceNumber"] = sequence_number
    info["ListIssueDateTime"] = format_time(issue_time)
    info["NextUpdate"] = format_time(next_update)
    entities = [e for e in doc["LoTE"].get("TrustedEntitiesList", []) if e["TrustedEntityServices"]]
    if entities:
        doc["LoTE"]["TrustedEntitiesList"] = entities
    else:
        doc["LoTE"].pop("TrustedEntitiesList", None)
    return doc


def latest_next_update(issue_time: int) -> int:
    """The latest NextUpdate a list issued at ``issue_time`` may carry (§3: six calendar months)."""
    return add_months(issue_time, MAX_VALIDITY_MONTHS)


# ---------------------------------------------------------------- the workspace


def _passphrase(passphrase: bytes | None) -> bytes | None:
    if passphrase is not None:
        return passphrase or None
    env = os.environ.get(PASSPHRASE_ENV)
    return env.encode() if env else None


@dataclass
class Operator:
    home: Path
    name: str
    territory: str
    uri: str
    key: SigningKey
    chain: list[x509.Certificate]

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def certificate_path(self) -> Path:
        return self.home / "operator-cert.pem"

    @classmethod
    def create(cls, home: Path, name: str, now: int, *, uri: str = "https://trust.esspass.eu",
               territory: str = SCHEME_TERRITORY, passphrase: bytes | None = None,
               validity: int = 5 * YEAR) -> "Operator":
        home = Path(home)
        if (home / "operator.json").exists():
            raise OperatorError(f"an operator already exists in {home.name}")
        key = SigningKey.generate("P-256")
        cert = operator_certificate(key, territory=territory, operator_name=name,
                                      not_before=now - 3600, not_after=now + validity)
        write_private_key(home / "operator-key.pem", key, _passphrase(passphrase))
        write_certificates(home / "operator-cert.pem", [cert])
        atomic_write(home / "operator.json",
                       json.dumps({"name": name, "territory": territory, "uri": uri}, indent=1).encode())
        op = cls(home, name, territory, uri, key, [cert])
        for list_type in LIST_TYPES:
            op.save_draft(list_document(list_type, name, sequence_number=0, issue_time=now,
                                        next_update=now, operator_uri=uri))
        return op

    @classmethod
    def open(cls, home: Path, passphrase: bytes | None = None) -> "Operator":
        home = Path(home)
        try:
            meta = json.loads((home / "operator.json").read_text("utf-8"))
        except FileNotFoundError:
            raise OperatorError(f"no operator in {home.name} (run init first)") from None
        key = read_private_key(home / "operator-key.pem", _passphrase(passphrase))
        chain = read_certificates(home / "operator-cert.pem")
        return cls(home, meta["name"], meta["territory"], meta["uri"], key, chain)

    def draft_path(self, list_type: str) -> Path:
        return self.home / "drafts" / f"{LIST_SHORT_NAMES[list_type]}.json"

    def signed_path(self, list_type: str) -> Path:
        return self.home / "signed" / f"{LIST_SHORT_NAMES[list_type]}.jwt"

    def load_draft(self, list_type: str) -> dict[str, Any]:
        return json.loads(self.draft_path(list_type).read_text("utf-8"))

    def save_draft(self, doc: dict[str, Any]) -> None:
        data = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
        atomic_write(self.draft_path(_list_type(doc)), data)

    def change(self, list_type: str, fn, *args, **kwargs) -> dict[str, Any]:
        """Apply one pure change function to the draft and save it."""
        doc = fn(self.load_draft(list_type), *args, **kwargs)
        self.save_draft(doc)
        return doc

    def sign(self, list_type: str, now: int, next_update: int) -> str:
        """Sign the draft with the next sequence number; write ``signed/<list>.jwt``.

        Refuses (OperatorError) a NextUpdate that every party would reject: not after ``now``, or
        more than six calendar months after it (§3 ``list.next_update_too_far``, counted exactly as
        validation counts, see :func:`latest_next_update`)."""
        latest = latest_next_update(now)
        if next_update > latest:
            raise OperatorError(
                f"NextUpdate {format_time(next_update)} is more than {MAX_VALIDITY_MONTHS} months after "
                f"the issue time {format_time(now)} (at most {format_time(latest)}, i.e. "
                f"{(latest - now) // DAY} days); every party would reject the list")
        if next_update <= now:
            raise OperatorError("NextUpdate must be after the issue time")
        draft = self.load_draft(list_type)
        sequence = int(draft["LoTE"]["ListAndSchemeInformation"]["LoTESequenceNumber"]) + 1
        document = prepared_for_signing(draft, sequence, now, next_update)
        token = sign_list(document, self.key, self.chain, signing_time=now)
        draft["LoTE"]["ListAndSchemeInformation"]["LoTESequenceNumber"] = sequence
        self.save_draft(draft)
        atomic_write(self.signed_path(list_type), token.encode("ascii"))
        return token
