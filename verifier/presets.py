"""What each kind of check asks for: the presets of ``credential.dcql.PRESETS`` (shared/specs/credential-types.md,
"Presentation presets (DCQL)"), the single definition the wallet uses too. Each is parsed once with
:func:`credential.dcql.parse_query` (OpenID4VP 1.0 §6); the verifier adds only the titles an inspector chooses from.

A preset has exactly one Credential Query (``dc+sd-jwt``; its first ``vct`` is ours, the next the EUDI reference
issuer's for the same document); ``paths`` are its first choice, :func:`credential.dcql.preferred_paths` (the
complete preset; its claim_sets degrade from there, issue 16), and a presentation satisfies it when
:func:`credential.dcql.match` says so (see :func:`verifier.policy.verify_presentation`, "the request").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from credential import dcql
from credential.i18n import has, text

PDA1 = "urn:eudi:pda1:1"
EHIC = "urn:eudi:ehic:1"

NAMES = tuple(dcql.PRESETS)

# Each preset's title is the gettext catalogs' ``preset.<name>`` (credential/i18n.py).


@dataclass(frozen=True)
class Preset:
    name: str
    query_id: str
    vct: str
    paths: tuple[tuple[str | int | None, ...], ...]
    dcql_query: dict[str, Any]  # the JSON sent in the request object; callers must not modify it
    query: dcql.DcqlQuery  # the same, parsed

    @property
    def credential_query(self) -> dcql.CredentialQuery:
        return self.query.credentials[0]

    def title(self, lang: str = "en") -> str:
        key = f"preset.{self.name}"
        return text(key, lang) if has(key) else self.name


def get(name: str) -> Preset:
    """The preset called ``name``; KeyError if there is none."""
    if name not in dcql.PRESETS:
        raise KeyError(name)
    return _get(name)


@lru_cache(maxsize=None)
def _get(name: str) -> Preset:
    raw = copy.deepcopy(dcql.PRESETS[name])
    query = dcql.parse_query(raw)
    if len(query.credentials) != 1:  # pragma: no cover - guards a change of the shared presets
        raise ValueError(f"preset {name!r} must have exactly one credential query")
    cq = query.credentials[0]
    if cq.format != dcql.FORMAT_SD_JWT_VC or not cq.vct_values:
        raise ValueError(f"preset {name!r} must ask for a dc+sd-jwt vct")  # pragma: no cover
    return Preset(name, cq.id, cq.vct_values[0], tuple(tuple(p) for p in dcql.preferred_paths(cq)), raw, query)
