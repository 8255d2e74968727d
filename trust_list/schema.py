"""The ETSI TS 119 602 LoTE JSON Schema, shipped as package data.

``ts119602-lote.schema.json`` is the spec artefact from shared/specs, with its one external
reference (``rfcs/rfc7517.json#/definitions/jwk`` for PublicKeyValue) replaced by
``{"type": "object"}`` as docs/trust-lists-profile.md allows (the profile never uses PublicKeyValue).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

SCHEMA_FILE = "ts119602-lote.schema.json"
MAX_ERRORS = 5


@lru_cache(maxsize=1)
def lote_schema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_text("utf-8"))


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = lote_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(document: Any) -> list[str]:
    """Messages of the first few schema violations; empty when the document is valid."""
    out = []
    for error in _validator().iter_errors(document):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(f"{where}: {error.message}"[:300])
        if len(out) >= MAX_ERRORS:
            break
    return out
