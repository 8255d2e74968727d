"""Reading A1 and EHIC credentials of the other shapes in the field into our model (issue 16, item 2).

Three shapes exist for the same two documents (docs/credential-model.md §4 has the table this module implements):

* ``esspass`` - ours: the DC4EU WP6 rulebook's claims (``credential.types``), vct ``urn:eudi:pda1:1`` /
  ``urn:eudi:ehic:1``;
* ``dc4eu`` - DC4EU's issuer (``dc4eu/vc``): the same vct values and mostly the rulebook's names, but the country
  only in a top-level ``issuing_country`` (``issuing_authority`` has no ``country``), and in the A1 one ``employer``
  object without ``type`` and one top-level ``work_address`` with ``building_number``;
* ``eudi`` - the EUDI reference issuer (``eudi-srv-web-issuing-eudiw-py``): vct ``urn:eu.europa.ec.eudi:pda1:1`` /
  ``urn:eu.europa.ec.eudi:ehic:1`` and its own names (``social_security_pin``, ``credential_holder``,
  ``document_id``, ``competent_institution``, ``issuance_date``/``expiry_date``, ``issuing_authority`` as a string,
  in the A1 nested ``legislation``, ``employment_details[]``, ``places_of_work``).

:func:`read_claims` turns the user claims of a *verified* credential (signature, trust list and vct already
checked by the caller: this module never decides trust) into our model, says which shape it read, and lists every
claim it could not map, with its value, so nothing is dropped silently. Pure: no I/O, no clock; bounded by the
caller's SD-JWT limits (it walks only what a verified payload holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from credential.i18n import LANGS, text
from credential.reasons import define

__all__ = [
    "SHAPE_DC4EU",
    "SHAPE_ESSPASS",
    "SHAPE_EUDI",
    "R_SHAPE_READ",
    "R_UNMAPPED",
    "VCT_MODEL",
    "Read",
    "Unmapped",
    "detect_shape",
    "read_claims",
]

PDA1 = "urn:eudi:pda1:1"
EHIC = "urn:eudi:ehic:1"
EUDI_PDA1 = "urn:eu.europa.ec.eudi:pda1:1"
EUDI_EHIC = "urn:eu.europa.ec.eudi:ehic:1"

SHAPE_ESSPASS, SHAPE_DC4EU, SHAPE_EUDI = "esspass", "dc4eu", "eudi"
R_SHAPE_READ = define("claims.shape")  # another issuer's shape was read (words: catalogs, credential/i18n.py)
R_UNMAPPED = define("claims.unmapped")  # some claims have no place in our model; shown as received


# vct as issued -> the vct of our model it is read as
VCT_MODEL: dict[str, str] = {PDA1: PDA1, EHIC: EHIC, EUDI_PDA1: PDA1, EUDI_EHIC: EHIC}

# Our model's user claims per type (credential.types schemas, top level), for "unknown extra claim" in our shape.
_OURS_COMMON = frozenset({
    "attestation_legal_category", "personal_administrative_number", "subject", "issuing_authority",
    "issuing_country", "authentic_source", "document_number", "date_of_issuance", "date_of_expiry",
    "starting_date", "ending_date",
})
_OURS = {
    PDA1: _OURS_COMMON | {"legislation_country", "transitional_rules", "status_confirmation", "employer",
                          "work_information"},
    EHIC: _OURS_COMMON,
}
# EUDI employment_type words (the issuer's form) -> the rulebook's employer.type codes; codes pass unchanged. Words
# are compared in lower case without spaces, hyphens and underscores ("Self-employed" = "self_employed").
_EMPLOYMENT_TYPE = {
    "01": "01", "02": "02",
    "employed": "01", "employment": "01", "employee": "01",
    "selfemployed": "02", "selfemployment": "02",
}


def _employment_code(kind: Any) -> str | None:
    if not isinstance(kind, str):
        return None
    return _EMPLOYMENT_TYPE.get(kind.strip().lower().replace("-", "").replace("_", "").replace(" ", ""))


@dataclass(frozen=True)
class Unmapped:
    """A disclosed claim with no equivalent in our model: ``path`` dotted as received (``employment_details.0.
    street``), ``value`` as received, ``why`` one of ``unknown`` (not part of the shape as published) or
    ``no_equivalent`` (part of the shape; our model has no place for it)."""

    path: str
    value: Any
    why: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value, "why": self.why}


@dataclass(frozen=True)
class Read:
    shape: str
    source_vct: str
    vct: str  # the vct of our model the claims are read as
    claims: dict[str, Any]
    unmapped: tuple[Unmapped, ...] = ()
    conversions: tuple[str, ...] = field(default=())  # our dotted paths whose value was converted, not copied

    def as_json(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "source_vct": self.source_vct,
            "read_as": self.vct,
            "unmapped": [u.as_json() for u in self.unmapped],
            "conversions": list(self.conversions),
        }


def detect_shape(vct: str, claims: Mapping[str, Any]) -> str | None:
    """Which shape a credential of type ``vct`` with (disclosed) user ``claims`` has; None for a vct we do not read.

    The DC4EU issuer shares our vct values: its credentials are told apart by what only it does - an
    ``issuing_authority`` without ``country``, one ``employer`` object instead of a list, a top-level
    ``work_address``. A presentation that discloses none of those reads as ours (the claims it does disclose have
    the same names and meaning in both)."""
    if vct in (EUDI_PDA1, EUDI_EHIC):
        return SHAPE_EUDI
    if vct not in (PDA1, EHIC):
        return None
    authority = claims.get("issuing_authority")
    if (
        isinstance(authority, dict) and "country" not in authority
        or isinstance(claims.get("employer"), dict)
        or "work_address" in claims
    ):
        return SHAPE_DC4EU
    return SHAPE_ESSPASS


class _Reader:
    def __init__(self, claims: Mapping[str, Any]) -> None:
        self.src = claims
        self.out: dict[str, Any] = {}
        self.unmapped: list[Unmapped] = []
        self.conversions: list[str] = []

    def extra(self, path: str, value: Any, why: str = "no_equivalent") -> None:
        self.unmapped.append(Unmapped(path, value, why))

    def rest(self, obj: Any, prefix: str, used: set[str], why: str = "unknown") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k not in used:
                    self.extra(f"{prefix}{k}", v, why)

    def copy(self, name: str, target: str | None = None) -> None:
        if name in self.src:
            self.out[target or name] = self.src[name]

    def names(self, obj: Any, prefix: str) -> dict[str, Any] | None:
        """credential_holder / subject {family_name, given_name, birth_date} -> our subject."""
        if not isinstance(obj, dict):
            if obj is not None:
                self.extra(prefix.rstrip("."), obj, "unknown")
            return None
        subject: dict[str, Any] = {}
        for theirs, ours in (("family_name", "familynames"), ("given_name", "forenames"),
                             ("birth_date", "date_of_birth")):
            if theirs in obj:
                subject[ours] = obj[theirs]
        self.rest(obj, prefix, {"family_name", "given_name", "birth_date"})
        return subject or None

    def institution(self, obj: Any, prefix: str) -> None:
        """competent_institution {institution_id, institution_name, country_code} -> authentic_source {id, name}."""
        if not isinstance(obj, dict):
            self.extra(prefix.rstrip("."), obj, "unknown")
            return
        source: dict[str, Any] = {}
        if "institution_id" in obj:
            source["id"] = obj["institution_id"]
        if "institution_name" in obj:
            source["name"] = obj["institution_name"]
        if source:
            self.out["authentic_source"] = source
        if "country_code" in obj:
            self.extra(f"{prefix}country_code", obj["country_code"])  # authentic_source has no country
        self.rest(obj, prefix, {"institution_id", "institution_name", "country_code"})

    def authority_and_country(self, authority: Any, as_name: bool) -> None:
        """issuing_authority (a string, EUDI; or {id, name}, DC4EU) and issuing_country -> our issuing_authority
        {id, name, country} and issuing_country."""
        country = self.src.get("issuing_country")
        if as_name:
            if authority is not None:
                if isinstance(authority, str):
                    self.out["issuing_authority"] = {"name": authority}
                    self.conversions.append("issuing_authority.name")
                else:
                    self.extra("issuing_authority", authority, "unknown")
        elif isinstance(authority, dict):
            self.out["issuing_authority"] = dict(authority)
        elif authority is not None:
            self.extra("issuing_authority", authority, "unknown")
        if country is not None:
            self.out["issuing_country"] = country
            if isinstance(self.out.get("issuing_authority"), dict) and "country" not in self.out["issuing_authority"]:
                self.out["issuing_authority"]["country"] = country
                self.conversions.append("issuing_authority.country")


def _read_eudi(vct: str, claims: Mapping[str, Any]) -> _Reader:
    r = _Reader(claims)
    used = {"social_security_pin", "document_id", "competent_institution", "issuance_date", "expiry_date",
            "issuing_authority", "issuing_country", "credential_holder", "subject"}
    r.copy("social_security_pin", "personal_administrative_number")
    r.copy("document_id", "document_number")
    r.copy("issuance_date", "date_of_issuance")
    r.copy("expiry_date", "date_of_expiry")
    if "competent_institution" in claims:
        r.institution(claims["competent_institution"], "competent_institution.")
    r.authority_and_country(claims.get("issuing_authority"), as_name=True)
    # EHIC: subject is the insured person, credential_holder the wallet's holder (the same person for a card);
    # our subject takes the insured person when disclosed, else the holder. The other is shown, not dropped.
    chosen, other = ("subject", "credential_holder") if "subject" in claims else ("credential_holder", "subject")
    if chosen in claims:
        subject = r.names(claims[chosen], f"{chosen}.")
        if subject:
            r.out["subject"] = subject
    if other in claims:
        r.extra(other, claims[other])
    if vct == EUDI_EHIC:
        used |= {"starting_date", "ending_date"}
        r.copy("starting_date")
        r.copy("ending_date")
    else:
        used |= {"legislation", "status_confirmation", "employment_details", "places_of_work"}
        r.copy("status_confirmation")
        _eudi_legislation(r, claims.get("legislation"))
        _eudi_employment(r, claims.get("employment_details"))
        _eudi_places(r, claims.get("places_of_work"))
    r.rest(claims, "", used)
    return r


def _eudi_legislation(r: _Reader, legislation: Any) -> None:
    if legislation is None:
        return
    if not isinstance(legislation, dict):
        r.extra("legislation", legislation, "unknown")
        return
    for theirs, ours in (("member_state", "legislation_country"), ("starting_date", "starting_date"),
                         ("ending_date", "ending_date"), ("transitional_rules", "transitional_rules")):
        if theirs in legislation:
            r.out[ours] = legislation[theirs]
    r.rest(legislation, "legislation.", {"member_state", "starting_date", "ending_date", "transitional_rules"})


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _eudi_employment(r: _Reader, details: Any) -> None:
    if details is None:
        return
    employers = []
    for i, d in enumerate(_listed(details)):
        prefix = f"employment_details.{i}."
        if not isinstance(d, dict):
            r.extra(prefix.rstrip("."), d, "unknown")
            continue
        e: dict[str, Any] = {}
        kind = d.get("employment_type")
        if kind is not None:
            code = _employment_code(kind)
            if code is None:
                r.extra(f"{prefix}employment_type", kind)  # a word we do not know: shown, not guessed
            else:
                e["type"] = code
                if code != kind:
                    r.conversions.append(f"employer.{len(employers)}.type")
        for theirs, ours in (("employer_id", "id"), ("name", "name"), ("country_code", "country")):
            if theirs in d:
                e[ours] = d[theirs]
        for theirs in ("id_type", "street", "town", "postal_code"):  # the employer's address: no place in ours
            if theirs in d:
                r.extra(f"{prefix}{theirs}", d[theirs])
        r.rest(d, prefix, {"employment_type", "employer_id", "name", "country_code", "id_type", "street", "town",
                           "postal_code"})
        employers.append(e)
    if employers:
        r.out["employer"] = employers


def _eudi_places(r: _Reader, places: Any) -> None:
    if places is None:
        return
    if not isinstance(places, dict):
        r.extra("places_of_work", places, "unknown")
        return
    addresses = []
    for i, p in enumerate(_listed(places.get("place_of_work", []))):
        prefix = f"places_of_work.place_of_work.{i}."
        if not isinstance(p, dict):
            r.extra(prefix.rstrip("."), p, "unknown")
            continue
        a: dict[str, Any] = {}
        for theirs, ours in (("company", "company_name"), ("company_id", "company_id"),
                             ("flag_base_home_state", "flag_base_home"), ("street", "street_address"),
                             ("town", "locality"), ("postal_code", "postal_code"), ("country_code", "country")):
            if theirs in p:
                a[ours] = p[theirs]
        if "id_type" in p:
            r.extra(f"{prefix}id_type", p["id_type"])
        r.rest(p, prefix, {"company", "company_id", "flag_base_home_state", "street", "town", "postal_code",
                           "country_code", "id_type"})
        addresses.append(a)
    info: dict[str, Any] = {}
    if addresses:
        info["work_address"] = addresses
    fixed = _listed(places["no_fixed_place"]) if "no_fixed_place" in places else []
    for i, n in enumerate(fixed):
        prefix = f"places_of_work.no_fixed_place.{i}."
        country = n.get("country_code") if isinstance(n, dict) else None
        if i == 0 and country is not None and not addresses:
            info["no_fixed_place_of_work"] = country  # ours holds one State with no fixed place of work
            r.rest(n, prefix, {"country_code"})
        else:
            r.extra(prefix.rstrip("."), n)
    if info:
        r.out["work_information"] = info
    r.rest(places, "places_of_work.", {"place_of_work", "no_fixed_place"})


def _read_dc4eu(vct: str, claims: Mapping[str, Any]) -> _Reader:
    r = _Reader(claims)
    same = _OURS[vct] - {"issuing_authority", "issuing_country", "employer", "work_information"}
    for name in same:
        r.copy(name)
    r.authority_and_country(claims.get("issuing_authority"), as_name=False)
    used = set(same) | {"issuing_authority", "issuing_country"}
    if vct == PDA1:
        used |= {"employer", "work_address", "work_information"}
        employer = claims.get("employer")
        if isinstance(employer, dict):  # one object without type -> a list of one, type not stated
            r.out["employer"] = [dict(employer)]
            r.conversions.append("employer")
        elif employer is not None:
            r.out["employer"] = employer
        address = claims.get("work_address")
        if address is not None:
            entries = []
            for a in _listed(address):
                entries.append({("house_number" if k == "building_number" else k): v for k, v in a.items()}
                               if isinstance(a, dict) else a)
            r.out["work_information"] = {"work_address": entries}
            r.conversions.append("work_information.work_address")
        elif "work_information" in claims:
            r.out["work_information"] = claims["work_information"]
    r.rest(claims, "", used)
    return r


def _read_ours(vct: str, claims: Mapping[str, Any]) -> _Reader:
    r = _Reader(claims)
    for name in _OURS[vct]:
        r.copy(name)
    r.rest(claims, "", set(_OURS[vct]))
    return r


def shape_words(read: Read) -> dict[str, str]:
    """The words of the ``claims.shape`` check for ``read``, naming the shape (catalog keys ``shape.<shape>``)."""
    return {lang: text("claims.shape.read", lang, label=text(f"shape.{read.shape}", lang), vct=read.source_vct)
            for lang in LANGS}


def read_claims(vct: str, claims: Mapping[str, Any]) -> Read | None:
    """The user ``claims`` (registered claims removed, every Disclosure applied) of a verified credential of type
    ``vct``, read into our model; None for a vct that is neither ours nor one of the two other shapes."""
    shape = detect_shape(vct, claims)
    if shape is None:
        return None
    model_vct = VCT_MODEL[vct]
    reader = {SHAPE_EUDI: _read_eudi, SHAPE_DC4EU: _read_dc4eu, SHAPE_ESSPASS: _read_ours}[shape](vct, claims)
    return Read(shape, vct, model_vct, reader.out, tuple(reader.unmapped), tuple(reader.conversions))
