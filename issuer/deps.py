"""The issuer's view of two packages being written concurrently: ``credential.types`` and
``trust_list.demo``.

Each function uses the real module when it is importable and otherwise a small local stand-in with
the same contract (documented in the issue), so the issuer keeps working while those land. Once
both exist this module is only a thin pass-through.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from credential.jose import SigningKey

# ---------------------------------------------------------------- credential types


@dataclass(frozen=True)
class FieldError:
    path: str
    code: str
    en: str
    da: str


@dataclass(frozen=True)
class _LocalType:
    key: str
    vct: str
    schema: dict[str, Any]
    sd_layout: tuple
    metadata: dict[str, Any] = field(default_factory=dict)


TYPE_KEYS = ("pda1", "ehic")


def _real_types():
    try:
        import credential.types as t  # noqa: PLC0415
    except ImportError:
        return None
    return t if hasattr(t, "get_type") and hasattr(t, "validate_claims") else None


def _load_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("credential").joinpath("types", name).read_text("utf-8"))


_LOCAL: dict[str, _LocalType] = {}


def _local_type(key: str) -> _LocalType:
    if key not in TYPE_KEYS:
        raise KeyError(key)
    if key not in _LOCAL:
        meta = _load_json(f"{key}.metadata.json")
        layout = tuple(tuple(c["path"]) for c in meta.get("claims", []) if c.get("sd") == "always")
        _LOCAL[key] = _LocalType(key, meta["vct"], _load_json(f"{key}.schema.json"), layout, meta)
    return _LOCAL[key]


def get_type(key: str):
    t = _real_types()
    return t.get_type(key) if t else _local_type(key)


def validate_claims(ctype, claims: Any) -> list:
    t = _real_types()
    if t:
        return list(t.validate_claims(ctype, claims))
    import jsonschema  # noqa: PLC0415

    validator = jsonschema.Draft202012Validator(ctype.schema)
    errors = []
    for err in validator.iter_errors(claims):
        path = tuple(err.absolute_path)
        if err.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", err.message)
            path = (*path, *(missing[:1]))
            errors.append(FieldError(".".join(map(str, path)), "required", "This field is required.", "Feltet skal udfyldes."))
        else:
            errors.append(FieldError(".".join(map(str, path)), str(err.validator), "This value is not valid here.",
                                     "Værdien er ikke gyldig her."))
    if isinstance(claims, dict):
        for a, b in (("starting_date", "ending_date"), ("date_of_issuance", "date_of_expiry")):
            try:
                if date.fromisoformat(claims[a]) > date.fromisoformat(claims[b]):
                    errors.append(FieldError(b, "date_order", f"Must not be before {a}.",
                                             f"Må ikke ligge før {a}."))
            except (KeyError, TypeError, ValueError):
                pass
    return errors


def sample_claims(key: str) -> dict[str, Any]:
    t = _real_types()
    if t and hasattr(t, "sample_claims"):
        return t.sample_claims(key)
    common = {
        "personal_administrative_number": "120379-1234",
        "subject": {"familynames": "Jensen", "forenames": "Mette", "date_of_birth": "1979-03-12"},
        "issuing_authority": {"id": "DK:UDK", "name": "Udbetaling Danmark", "country": "DK"},
        "authentic_source": {"id": "DK:UDK", "name": "Udbetaling Danmark"},
        "document_number": "DK-A1-2025-000001" if key == "pda1" else "DK-EHIC-2025-000001",
        "date_of_issuance": "2025-01-10",
        "date_of_expiry": "2026-12-31",
        "starting_date": "2025-02-01",
        "ending_date": "2026-01-31",
    }
    if key == "ehic":
        return common
    return {**common, "legislation_country": "DK", "transitional_rules": False, "status_confirmation": "01",
            "employer": [{"type": "01", "id": "DK12345678", "name": "Nordbyg ApS", "country": "DK"}],
            "work_information": {"work_address": [{"formatted": "Hauptstr. 1, 10115 Berlin",
                                                   "country": "DE", "company_name": "Baustelle Mitte"}]}}


# ---------------------------------------------------------------- institution keys


@dataclass(frozen=True)
class InstitutionKeys:
    """What the issuer signs with. Keys stay behind :class:`SigningKey` so an HSM can replace them."""

    name: str
    country: str
    credential_key: SigningKey
    credential_x5c: list[str]
    status_key: SigningKey
    status_x5c: list[str]


def institution_keys(home: Path, now: int, country: str = "DK") -> InstitutionKeys:
    """The institution's credential-signing and status-list-signing keys with their x5c chains,
    from ``trust_list.demo.build_demo_ecosystem(home, now)`` (a second call reuses the folder)."""
    from trust_list.demo import build_demo_ecosystem  # noqa: PLC0415

    inst = build_demo_ecosystem(Path(home), now).institution(country)
    return InstitutionKeys(inst.name, inst.country, inst.credential_key, inst.credential_x5c,
                           inst.status_key, inst.status_x5c)
