"""Our credentials against the DC4EU WP6 rulebook's JSON schemas (issue 16, item 5).

The schemas in ``tests/data/rulebook`` are written from the rulebook text; ``README.md`` there lists the rulebook's
known defects we do not follow and our one addition. A real credential of each type (issued with the real core,
every Disclosure applied) validates once exactly those are allowed, and fails on exactly those without them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from credential import sd_jwt, sd_jwt_vc
from credential.jose import SigningKey
from credential.types import get_type, sample_claims

RULEBOOK = Path(__file__).resolve().parents[1] / "data" / "rulebook"
NOW = 1_795_000_000

# README.md items 1-4: claims the rulebook's schema forbids that our credentials carry, and claims it requires that
# they do not.
ALLOWED_BEYOND_RULEBOOK = {"status": "defect 1", "issuing_country": "defect 3", "subject": "our addition 4"}
NOT_REQUIRED = {"sub": "defect 2", "jti": "defect 2"}


def _schema(key: str) -> dict:
    schema = json.loads((RULEBOOK / f"{key}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


def _with_our_deviations(schema: dict) -> dict:
    out = copy.deepcopy(schema)
    for name in ALLOWED_BEYOND_RULEBOOK:
        out["properties"].setdefault(name, {})
    out["required"] = [r for r in out["required"] if r not in NOT_REQUIRED]
    return out


def _processed(key: str) -> dict:
    """Our credential as a verifier sees it with every Disclosure applied (registered claims included)."""
    ctype = get_type(key)
    issuer, holder = SigningKey.generate(), SigningKey.generate()
    issued = sd_jwt_vc.issue_vc(
        sample_claims(key), issuer, vct=ctype.vct, iat=NOW, exp=NOW + 86400, iss="https://issuer.example.test",
        sd_paths=ctype.sd_layout, holder_jwk=holder.public_jwk(),
        status=sd_jwt_vc.StatusRef(3, "https://issuer.example.test/status/1"),
    )
    policy = sd_jwt.VerifyPolicy(now=NOW, key_binding=sd_jwt.KeyBindingPolicy(required=False))
    return sd_jwt.verify(issued.serialize(), issuer.public_key(), policy).payload


def _problems(schema: dict, payload: dict) -> set[tuple[str, str]]:
    out = set()
    for e in Draft202012Validator(schema).iter_errors(payload):
        if e.validator == "additionalProperties":
            out |= {(name, "forbidden") for name in e.instance if name not in e.schema.get("properties", {})}
        elif e.validator == "required":
            out |= {(name, "missing") for name in e.validator_value if name not in e.instance}
        else:
            out.add((".".join(map(str, e.absolute_path)), e.validator))
    return out


@pytest.mark.parametrize("key", ["pda1", "ehic"])
def test_our_credentials_validate_against_the_rulebook_apart_from_its_listed_defects(key: str) -> None:
    payload = _processed(key)
    assert _problems(_with_our_deviations(_schema(key)), payload) == set()
    # without the deviations the rulebook's schema refuses exactly the listed claims, nothing else
    assert _problems(_schema(key), payload) == (
        {(name, "forbidden") for name in ALLOWED_BEYOND_RULEBOOK} | {(name, "missing") for name in NOT_REQUIRED}
    )


def test_the_rulebook_schemas_can_fail() -> None:
    """The schemas check something: the renamed field, a missing mandatory claim and a bad code are refused."""
    payload = _processed("pda1")
    schema = _with_our_deviations(_schema("pda1"))
    bad = copy.deepcopy(payload)
    address = bad["work_information"]["work_address"][0]
    address["building_number"] = address.pop("house_number")
    del bad["attestation_legal_category"]
    bad["status_confirmation"] = "13"
    problems = _problems(schema, bad)
    assert ("building_number", "forbidden") in problems
    assert ("attestation_legal_category", "missing") in problems
    assert ("status_confirmation", "enum") in problems
