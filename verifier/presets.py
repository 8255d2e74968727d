"""What each kind of check asks for (shared/specs/credential-types.md, "Presentation presets (DCQL)").

A preset names the credential type (``vct``), the claims an inspector needs, and the DCQL query
(OpenID4VP 1.0 §6) that asks for them. When ``credential.dcql`` provides ``PRESETS`` (the shared
definition the wallet also uses) its query is taken; the table below is the same content, kept so the
verifier stays usable on its own.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

PDA1 = "urn:eudi:pda1:1"
EHIC = "urn:eudi:ehic:1"

_SUBJECT = (("subject", "familynames"), ("subject", "forenames"), ("subject", "date_of_birth"))

_TABLE: dict[str, tuple[str, str, tuple[tuple[str, ...], ...]]] = {
    "a1-inspection": (
        "a1", PDA1,
        (*_SUBJECT, ("legislation_country",), ("starting_date",), ("ending_date",), ("status_confirmation",),
         ("employer",), ("work_information",), ("issuing_authority",), ("document_number",)),
    ),
    "a1-coverage": (
        "a1", PDA1,
        (("legislation_country",), ("starting_date",), ("ending_date",), ("issuing_authority",)),
    ),
    "ehic-care": (
        "ehic", EHIC,
        (*_SUBJECT, ("personal_administrative_number",), ("issuing_authority",), ("document_number",),
         ("ending_date",)),
    ),
}
NAMES = tuple(_TABLE)

TITLES = {
    "a1-inspection": {"en": "A1 inspection at a workplace", "da": "A1-kontrol på en arbejdsplads"},
    "a1-coverage": {"en": "A1 coverage only", "da": "Kun A1-dækning"},
    "ehic-care": {"en": "EHIC for health care", "da": "EHIC til sundhedsydelser"},
}


@dataclass(frozen=True)
class Preset:
    name: str
    query_id: str
    vct: str
    paths: tuple[tuple[str | int | None, ...], ...]
    dcql_query: dict[str, Any]

    def title(self, lang: str = "en") -> str:
        return TITLES.get(self.name, {}).get(lang) or self.name


def _local_query(query_id: str, vct: str, paths) -> dict[str, Any]:
    # OpenID4VP 1.0 §6.1 Credential Query, §6.3 Claims Query; dc+sd-jwt meta per Annex B.3.5 (vct_values).
    return {
        "credentials": [
            {
                "id": query_id,
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct]},
                "claims": [{"path": list(p)} for p in paths],
            }
        ]
    }


def _shared_query(name: str) -> dict[str, Any] | None:
    try:
        from credential import dcql  # written by the credential core; optional here
    except ImportError:
        return None
    presets = getattr(dcql, "PRESETS", None)
    entry = presets.get(name) if isinstance(presets, dict) else None
    query = getattr(entry, "dcql_query", None) or getattr(entry, "query", None) or entry
    if isinstance(query, dict) and isinstance(query.get("credentials"), list) and query["credentials"]:
        return copy.deepcopy(query)
    return None


def get(name: str) -> Preset:
    """The preset called ``name``; KeyError if there is none. Callers must not modify ``dcql_query``."""
    if name not in _TABLE:
        raise KeyError(name)
    return _get(name)


@lru_cache(maxsize=None)
def _get(name: str) -> Preset:
    query_id, vct, paths = _TABLE[name]
    query = _shared_query(name)
    if query is not None:
        cq = query["credentials"][0]
        query_id = cq.get("id", query_id)
        vcts = (cq.get("meta") or {}).get("vct_values") or [vct]
        vct = vcts[0]
        paths = tuple(tuple(c["path"]) for c in cq.get("claims", []) if isinstance(c, dict) and "path" in c) or paths
    else:
        query = _local_query(query_id, vct, paths)
    return Preset(name, query_id, vct, tuple(paths), query)
