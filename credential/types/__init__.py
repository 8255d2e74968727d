"""The two credential types of ESSPASS: Portable Document A1 and the European Health Insurance Card.

Pure and I/O-free apart from reading the package's own JSON files once at import time.
The claims follow ``shared/specs/credential-types.md`` (DC4EU WP6 rulebooks, with our stated choices).
Per type this module holds:

* the JSON Schema (draft 2020-12) of the *user claims* (``pda1.schema.json``, ``ehic.schema.json``);
* the selective-disclosure layout the issuer applies (:attr:`CredentialType.sd_layout`);
* the SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc-18 §8: ``display``, ``claims`` with labels,
  ``mandatory`` and ``sd``), also published as ``pda1.metadata.json`` / ``ehic.metadata.json``;
* realistic, fictitious demo data (:func:`sample_claims`).

Schema scope: the registered claims ``iss``, ``iat``, ``nbf``, ``exp``, ``vct``, ``vct#integrity``, ``cnf``,
``status`` and ``_sd_alg`` are added by the issuer and are never selectively disclosable. The schema describes the
user claims only; :func:`validate_claims` validates a copy without the registered claims (and checks that a
present ``vct`` is the type's own), so the same function serves the issuer before signing and a verifier on the
processed payload (there with ``require_all=False``, because a presentation discloses only what was asked).
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from credential.i18n import text
from credential.reasons import define
from credential.text import TEXT_PATTERN, unsafe_characters

__all__ = [
    "LEGAL_CATEGORY",
    "PLAIN_CLAIMS",
    "RENAMED",
    "REGISTERED_CLAIMS",
    "TYPES",
    "CredentialType",
    "FieldError",
    "claim_label",
    "get_type",
    "sample_claims",
    "validate_claims",
    "with_derived_claims",
]

ClaimPath = tuple[str | int | None, ...]

# Claims the issuer adds and never makes selectively disclosable (credential-types.md; SD-JWT VC §3.2.2.2).
REGISTERED_CLAIMS: frozenset[str] = frozenset(
    {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd_alg"}
)

# Bounds on input to validate_claims (ARCHITECTURE.md: bound every input). The largest legitimate A1
# (50 employers, 50 work addresses of 10 members) has depth 4 and ~700 nodes, well inside these.
MAX_DEPTH = 8
MAX_NODES = 2_000
MAX_STRING = 1_000  # characters in any one string or member name (the schema's own limits are tighter)
MAX_TOTAL_CHARS = 64 * 1024

_DATE_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_COUNTRY_PATTERN = "^[A-Z]{2}$"

# ---------------------------------------------------------------------------------------------
# Reason codes of field errors (each FieldError carries a specific message; the catalogue holds
# the generic one for reports that list codes).
# ---------------------------------------------------------------------------------------------
R_CONTROL = define("claims.control_character")
R_NOT_OBJECT = define("claims.not_object")
R_TOO_LARGE = define("claims.too_large")
R_NOT_JSON = define("claims.not_json")
R_MISSING = define("claims.missing")
R_UNKNOWN = define("claims.unknown")
R_RENAMED = define("claims.renamed")
R_TYPE = define("claims.type")
R_DATE = define("claims.date")
R_COUNTRY = define("claims.country")
R_LENGTH = define("claims.length")
R_CODE = define("claims.code")
R_COUNT = define("claims.count")
R_DATE_ORDER = define("claims.date_order")
R_WORK_INFORMATION = define("claims.work_information")
R_ISSUING_COUNTRY = define("claims.issuing_country")
R_VCT = define("claims.vct_mismatch")


@dataclass(frozen=True)
class FieldError:
    """One problem with one field. ``path`` is dotted (``subject.date_of_birth``, ``employer.0.country``);
    the empty string means the claims object as a whole. Messages never repeat the field's value."""

    path: str
    code: str
    en: str
    da: str
    key: str = ""  # the catalog's ``claims.error.<key>``, when the words come from it (any language: :meth:`words`)
    values: tuple[tuple[str, Any], ...] = ()

    def words(self, lang: str) -> str:
        """The problem in ``lang`` (the ten languages of the catalogs; English and Danish only for older errors)."""
        if self.key:
            return text(f"claims.error.{self.key}", lang, **dict(self.values))
        return self.da if lang == "da" else self.en


@dataclass(frozen=True)
class CredentialType:
    key: str
    vct: str
    schema: dict[str, Any]
    sd_layout: tuple[ClaimPath, ...]
    metadata: dict[str, Any]


def _load_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Selective-disclosure layouts.
#
# Every personal-data claim is selectively disclosable; the registered claims never are. The unit of
# disclosure is chosen for small presentations, because an offline presentation must fit one QR code
# (a1-inspection: version <= 27, EC level L, ~1,400 bytes after DEFLATE; ehic-care: version <= 20, ~850 bytes).
# Each disclosure costs twice: a 43-character digest in the signed payload whether or not it is disclosed
# (random, so DEFLATE cannot shrink it), and, when disclosed, a 22-character random salt plus name and value.
# So:
# * Every top-level claim is one disclosure: no verifier preset needs less than a whole top-level claim.
# * Objects that every preset asks for as a whole are ONE disclosure with their members inside it:
#   ``subject`` (names and date of birth are always asked together: a1-inspection, ehic-care, to match an
#   identity document), ``issuing_authority`` (id, name and country together say who issued it),
#   ``work_information`` (the inspector needs every place of work) and ``employer``
#   (the whole list: an inspector needs every employer; per-element disclosure would add one digest and
#   one salt per employer for no preset that uses it).
# * Genuine selective disclosure stays where presets differ: a1-coverage discloses only
#   legislation_country, starting_date, ending_date and issuing_authority (4 of 13), never subject,
#   employer, work places or the personal number; ehic-care discloses subject, personal number, issuing
#   authority, document number and ending date (5 of 8), never starting_date or the document dates.
# * No decoy digests are part of the layout (RFC 9901 §4.2.5 makes them optional): each costs ~33 bytes.
# * Plain (never disclosable), as the rulebook marks them (WP6 PDA1 rulebook §3.2 "sd never"): the institution
#   data that is no personal data and that no verifier should have to ask for - ``authentic_source``
#   (the competent institution), ``issuing_country`` and ``attestation_legal_category``. Plain claims cost only
#   their bytes (which the QR transport's DEFLATE shares with issuing_authority), no digest and no salt.
# docs/credential-model.md lists where this layout deviates from the rulebook's ``sd`` markings, and why.
# Members of grouped objects are marked ``sd: "never"`` in the type metadata: per SD-JWT VC §8.3 a claim is
# selectively disclosable only if it is a Disclosure of its own, not because its parent is one.
# ---------------------------------------------------------------------------------------------
# User claims issued as plain claims of the issuer-signed payload (never a Disclosure): see above.
PLAIN_CLAIMS: frozenset[str] = frozenset({"attestation_legal_category", "issuing_country", "authentic_source"})

_COMMON_LAYOUT: tuple[ClaimPath, ...] = (
    ("personal_administrative_number",),
    ("subject",),
    ("issuing_authority",),
    ("document_number",),
    ("date_of_issuance",),
    ("date_of_expiry",),
)
_PDA1_LAYOUT: tuple[ClaimPath, ...] = _COMMON_LAYOUT + (
    ("legislation_country",),
    ("starting_date",),
    ("ending_date",),
    ("transitional_rules",),
    ("status_confirmation",),
    ("employer",),
    ("work_information",),
)
_EHIC_LAYOUT: tuple[ClaimPath, ...] = _COMMON_LAYOUT + (
    ("starting_date",),
    ("ending_date",),
)


def _make(key: str, vct: str, layout: tuple[ClaimPath, ...]) -> CredentialType:
    schema = _load_json(f"{key}.schema.json")
    Draft202012Validator.check_schema(schema)
    metadata = _load_json(f"{key}.metadata.json")
    if metadata.get("vct") != vct:
        raise RuntimeError(f"{key}.metadata.json names vct {metadata.get('vct')!r}, expected {vct!r}")
    return CredentialType(key=key, vct=vct, schema=schema, sd_layout=layout, metadata=metadata)


TYPES: dict[str, CredentialType] = {
    "pda1": _make("pda1", "urn:eudi:pda1:1", _PDA1_LAYOUT),
    "ehic": _make("ehic", "urn:eudi:ehic:1", _EHIC_LAYOUT),
}
_BY_VCT = {t.vct: t for t in TYPES.values()}
_VALIDATORS = {key: Draft202012Validator(t.schema) for key, t in TYPES.items()}


def get_type(key_or_vct: str) -> CredentialType:
    """The credential type for a key (``"pda1"``, ``"ehic"``) or a vct (``"urn:eudi:pda1:1"``)."""
    if isinstance(key_or_vct, str):
        found = TYPES.get(key_or_vct) or _BY_VCT.get(key_or_vct)
        if found is not None:
            return found
    known = ", ".join([*TYPES, *_BY_VCT])
    raise KeyError(f"unknown credential type {key_or_vct!r}; known keys and vct values: {known}")


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def _err(path: Sequence[str | int], reason_code: str, key: str, **values: Any) -> FieldError:
    """A field error; its words are the catalogs' ``claims.error.<key>`` (credential/i18n.py)."""
    en, da = (text(f"claims.error.{key}", lang, **values) for lang in ("en", "da"))
    return FieldError(".".join(str(p) for p in path), reason_code, en, da, key, tuple(values.items()))


def _bounds_error(claims: Any) -> FieldError | None:
    """Walk iteratively (no recursion, so deep nesting cannot exhaust the stack) and stop early."""
    nodes = 0
    chars = 0
    stack: list[tuple[Any, int]] = [(claims, 0)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            return _err(
                (),
                R_TOO_LARGE.code,
                "too_deep", depth=MAX_DEPTH, nodes=MAX_NODES,
            )
        if isinstance(value, dict):
            for name, child in value.items():
                if not isinstance(name, str):
                    return _err((), R_NOT_JSON.code, "member_names")
                chars += len(name)
                if len(name) > MAX_STRING:
                    return _err(
                        (),
                        R_TOO_LARGE.code,
                        "name_too_long", n=MAX_STRING,
                    )
                stack.append((child, depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((child, depth + 1) for child in value)
        elif isinstance(value, str):
            chars += len(value)
            if len(value) > MAX_STRING:
                return _err(
                    (),
                    R_TOO_LARGE.code,
                    "text_too_long", n=MAX_STRING,
                )
        if chars > MAX_TOTAL_CHARS:
            return _err(
                (),
                R_TOO_LARGE.code,
                "too_much_text", n=MAX_TOTAL_CHARS,
            )
    return None


# Claim names we used before aligning with the WP6 rulebook, and their rulebook names. Input that still uses an
# old name is refused with ``claims.renamed`` naming the new one (never silently renamed: a case system must be
# fixed once, and a signed credential must carry exactly what its issuer was asked to sign).
RENAMED: dict[str, str] = {"building_number": "house_number"}  # work_information.work_address[] (PDA1 §2.6)


def _enum_message(path: Sequence[str | int], allowed: list[Any]) -> tuple[str, dict[str, str]]:
    last = path[-1] if path else ""
    if last == "status_confirmation":
        return "status_confirmation", {}
    if last == "type" and len(path) >= 2 and path[0] == "employer":
        return "employer_type", {}
    return "one_of", {"listed": ", ".join(json.dumps(a) for a in allowed)}


def _map_error(e: ValidationError, validator: Draft202012Validator, prefix: tuple[str | int, ...]) -> list[FieldError]:
    path: tuple[str | int, ...] = prefix + tuple(e.absolute_path)
    kind = e.validator
    if kind == "required":
        instance = e.instance if isinstance(e.instance, dict) else {}
        return [
            _err((*path, name), R_MISSING.code, "missing")
            for name in e.validator_value
            if name not in instance
        ]
    if kind == "additionalProperties":
        known = set(e.schema.get("properties", {}))
        instance = e.instance if isinstance(e.instance, dict) else {}
        return [
            _err((*path, name), R_RENAMED.code, "renamed", new=RENAMED[name])
            if name in RENAMED and RENAMED[name] in known
            else _err((*path, name), R_UNKNOWN.code, "unknown_field")
            for name in instance
            if name not in known
        ]
    if kind == "type":
        named = str(e.validator_value)
        return [_err(path, R_TYPE.code, f"type.{named}" if named in ("string", "object", "array", "boolean")
                     else "type.other")]
    if kind == "pattern" and e.validator_value == _DATE_PATTERN:
        return [_err(path, R_DATE.code, "date")]
    if kind == "pattern" and e.validator_value == _COUNTRY_PATTERN:
        return [_err(path, R_COUNTRY.code, "country")]
    if kind == "pattern" and e.validator_value == TEXT_PATTERN:
        return [_control_error(path, e.instance)]
    if kind == "minLength":
        n = e.validator_value
        return [_err(path, R_LENGTH.code, "min_length", n=n)]
    if kind == "maxLength":
        n = e.validator_value
        return [_err(path, R_LENGTH.code, "max_length", n=n)]
    if kind in ("enum", "const"):
        allowed = list(e.validator_value) if kind == "enum" else [e.validator_value]
        key, values = _enum_message(path, allowed)
        return [_err(path, R_CODE.code, key, **values)]
    if kind == "minItems":
        n = e.validator_value
        return [_err(path, R_COUNT.code, "min_items", n=n)]
    if kind == "maxItems":
        n = e.validator_value
        return [_err(path, R_COUNT.code, "max_items", n=n)]
    if kind == "oneOf":
        return _map_one_of(e, validator, path)
    return [_err(path, R_TYPE.code, "not_valid_here")]  # pragma: no cover - defensive


def _control_error(path: Sequence[str | int], text: Any) -> FieldError:
    which = ", ".join(unsafe_characters(text)) if isinstance(text, str) else "?"
    return _err(path, R_CONTROL.code, "control", which=which)


def _unsafe_text_errors(value: Any, path: tuple[str | int, ...] = ()) -> list[FieldError]:
    """Free text with a control, format or separator character beyond what the schemas' pattern
    names (credential.text: the pattern lists the Basic Multilingual Plane's). Bounded input only."""
    out: list[FieldError] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        v, p = stack.pop()
        if isinstance(v, dict):
            stack.extend((c, (*p, k)) for k, c in v.items())
        elif isinstance(v, list):
            stack.extend((c, (*p, i)) for i, c in enumerate(v))
        elif isinstance(v, str) and unsafe_characters(v):
            out.append(_control_error(p, v))
    return out


def _map_one_of(e: ValidationError, validator: Draft202012Validator, path: tuple[str | int, ...]) -> list[FieldError]:
    """``work_information`` is oneOf {work_address[]} | {no_fixed_place_of_work}; explain which branch failed
    by validating against the branch the instance chose (by its member names)."""
    instance = e.instance
    branches = e.validator_value
    if isinstance(instance, dict):
        chosen = [b for b in branches if any(r in instance for r in b.get("required", []))]
        if len(chosen) == 1:
            sub = validator.evolve(schema=chosen[0])
            out: list[FieldError] = []
            for sub_e in sub.iter_errors(instance):
                out.extend(_map_error(sub_e, validator, path))
            if out:
                return out
    return [_err(path, R_WORK_INFORMATION.code, "work_information")]


_DATE_PATHS = (
    ("subject", "date_of_birth"),
    ("date_of_issuance",),
    ("date_of_expiry",),
    ("starting_date",),
    ("ending_date",),
)


def _get(obj: Any, path: Sequence[str]) -> Any:
    for p in path:
        if not isinstance(obj, dict) or p not in obj:
            return None
        obj = obj[p]
    return obj


def _as_date(value: Any) -> _dt.date | None:
    if not isinstance(value, str) or re.fullmatch(_DATE_PATTERN, value) is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        return None


def validate_claims(ctype: CredentialType, claims: Any, *, require_all: bool = True) -> list[FieldError]:
    """Check ``claims`` against the type's schema and cross-field rules. Empty list means valid.

    Registered claims (:data:`REGISTERED_CLAIMS`) are ignored, except that a present ``vct`` must be the
    type's own. With ``require_all=False`` (a verifier looking at a presentation) a missing top-level claim
    is not an error, but any claim that is present must be complete and well formed.
    Never raises on hostile input: oversized or deeply nested input yields one ``claims.too_large`` error.
    """
    if not isinstance(claims, dict):
        return [_err((), R_NOT_OBJECT.code, "not_object")]
    bounds = _bounds_error(claims)
    if bounds is not None:
        return [bounds]
    errors: list[FieldError] = []
    if "vct" in claims and claims["vct"] != ctype.vct:
        errors.append(_err(("vct",), R_VCT.code, "vct", vct=ctype.vct))
    user = {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}
    validator = _VALIDATORS[ctype.key]
    seen: set[tuple[str, str]] = set()
    try:
        raw = sorted(validator.iter_errors(user), key=lambda x: [str(p) for p in x.absolute_path])
    except (RecursionError, TypeError, ValueError):  # pragma: no cover - bounded above; defensive only
        return [_err((), R_TOO_LARGE.code, "not_checked")]
    for e in raw:
        if not require_all and e.validator == "required" and not e.absolute_path:
            continue
        for fe in _map_error(e, validator, ()):
            if (fe.path, fe.code) not in seen:
                seen.add((fe.path, fe.code))
                errors.append(fe)
    bad_paths = {fe.path for fe in errors}
    for fe in _unsafe_text_errors(user):  # issue 14 finding 10: also outside the BMP and in unknown fields
        if fe.path not in bad_paths:
            errors.append(fe)
            bad_paths.add(fe.path)
    for path in _DATE_PATHS:
        value = _get(user, path)
        dotted = ".".join(path)
        if isinstance(value, str) and dotted not in bad_paths and _as_date(value) is None:
            errors.append(_err(path, R_DATE.code, "real_date"))
            bad_paths.add(dotted)
    for start, end, key in (("starting_date", "ending_date", "before_start"),
                            ("date_of_issuance", "date_of_expiry", "before_issuance")):
        a, b = _as_date(user.get(start)), _as_date(user.get(end))
        if a is not None and b is not None and b < a and end not in bad_paths:
            errors.append(_err((end,), R_DATE_ORDER.code, key))
    # issuing_country is the top-level copy of issuing_authority.country (the EUDI and DC4EU issuers' place for
    # it, and the rulebook's chapter 3 tables): the two must never disagree.
    country, authority_country = user.get("issuing_country"), _get(user, ("issuing_authority", "country"))
    if (isinstance(country, str) and isinstance(authority_country, str) and country != authority_country
            and "issuing_country" not in bad_paths):
        errors.append(_err(("issuing_country",), R_ISSUING_COUNTRY.code, "issuing_country"))
    return errors


# ---------------------------------------------------------------------------------------------
# Claims an issuer derives (WP6 rulebook chapter 2; credential-types.md)
# ---------------------------------------------------------------------------------------------
LEGAL_CATEGORY = "PuB-EAA"  # rulebook chapter 2.1 / ARF Annex 2 ARB_11: our issuers are public bodies


def with_derived_claims(claims: Any) -> Any:
    """``claims`` with the claims an issuer derives filled in where absent: ``attestation_legal_category``
    (``PuB-EAA``) and ``issuing_country`` (= ``issuing_authority.country``). A value that is present is kept,
    so :func:`validate_claims` can refuse one that disagrees. Anything but an object is returned unchanged."""
    if not isinstance(claims, dict):
        return claims
    out = dict(claims)
    out.setdefault("attestation_legal_category", LEGAL_CATEGORY)
    country = _get(out, ("issuing_authority", "country"))
    if "issuing_country" not in out and isinstance(country, str):
        out["issuing_country"] = country
    return out


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
def _norm(path: Sequence[str | int | None]) -> tuple[str | None, ...]:
    return tuple(None if (p is None or isinstance(p, int)) else p for p in path)


def claim_label(ctype: CredentialType, path: Sequence[str | int | None] | str, lang: str = "en") -> str:
    """The display label of a claim in ``lang`` (a language tag: ``da``, ``da-DK``, ``no`` -> ``nb``), falling
    back to English and then to the claim name. ``path`` is a claim path or a dotted string; array indices
    and ``None`` are equivalent (labels are per array, not per element)."""
    if isinstance(path, str):
        path = [int(p) if p.isdigit() else (None if p == "*" else p) for p in path.split(".")]
    wanted = _norm(path)
    tag = (lang or "en").replace("_", "-").lower()
    primary = tag.split("-")[0]
    candidates = [tag, primary, "nb" if primary in ("no", "nn") else primary, "en"]
    for entry in ctype.metadata.get("claims", []):
        if _norm(entry.get("path", [])) != wanted:
            continue
        by_locale = {str(d.get("locale", d.get("lang", ""))).lower(): d.get("label") for d in entry.get("display", [])}
        for c in candidates:
            if by_locale.get(c):
                return str(by_locale[c])
    names = [p for p in wanted if isinstance(p, str)]
    return names[-1] if names else ""


# ---------------------------------------------------------------------------------------------
# Demo data (fictitious people, numbers and companies)
# ---------------------------------------------------------------------------------------------
_UDK = {"id": "DK:UDK", "name": "Udbetaling Danmark", "country": "DK"}
_UDK_SOURCE = {"id": "DK:UDK", "name": "Udbetaling Danmark"}  # competent institution (EESSI) = issuer here

_SAMPLES: dict[str, dict[str, Any]] = {
    # A Polish welder living in Denmark, employed by a Danish steel-erection firm and posted to a bridge
    # repair in Malmö: Danish legislation keeps applying (art. 12 of Regulation 883/2004, status 01).
    "pda1": {
        "personal_administrative_number": "140788-4417",
        "subject": {"familynames": "Kowalski", "forenames": "Tomasz Piotr", "date_of_birth": "1988-07-14"},
        "attestation_legal_category": LEGAL_CATEGORY,
        "issuing_authority": dict(_UDK),
        "issuing_country": "DK",
        "authentic_source": dict(_UDK_SOURCE),
        "document_number": "A1-DK-2026-048213",
        "date_of_issuance": "2026-08-20",
        "date_of_expiry": "2027-08-31",
        "legislation_country": "DK",
        "starting_date": "2026-09-01",
        "ending_date": "2027-08-31",
        # transitional_rules (art. 87(8)) is left out: it concerns only people still under Regulation
        # 1408/71, and an absent claim costs nothing in the QR code while a present one costs a digest.
        "status_confirmation": "01",
        "employer": [{"type": "01", "id": "43817209", "name": "Nordhavn Stålmontage ApS", "country": "DK"}],
        "work_information": {
            "work_address": [
                {
                    "company_name": "Malmö Brounderhåll AB",
                    "street_address": "Hamngatan",
                    "house_number": "12",
                    "postal_code": "211 22",
                    "locality": "Malmö",
                    "country": "SE",
                }
            ]
        },
    },
    # A Danish resident's blue card, valid five years.
    "ehic": {
        "personal_administrative_number": "020379-5128",
        "subject": {"familynames": "Jensen", "forenames": "Mette Louise", "date_of_birth": "1979-03-02"},
        "attestation_legal_category": LEGAL_CATEGORY,
        "issuing_authority": dict(_UDK),
        "issuing_country": "DK",
        "authentic_source": dict(_UDK_SOURCE),
        "document_number": "80208000012345678901",
        "date_of_issuance": "2026-01-15",
        "date_of_expiry": "2031-01-14",
        "starting_date": "2026-01-15",
        "ending_date": "2031-01-14",
    },
}


def sample_claims(key: str) -> dict[str, Any]:
    """A fresh deep copy of the demo claims for ``key`` (``pda1``/``ehic`` or its vct); valid on 2026-11-26."""
    return copy.deepcopy(_SAMPLES[get_type(key).key])
