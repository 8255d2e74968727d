"""What a presentation that answered a preset with a lesser claim set did not give, and what the inspector must check
instead (issue 16, item 3).

A preset's DCQL query (``credential.dcql.PRESETS``) lists claim sets in order of preference (OpenID4VP 1.0 §6.1,
§6.4.1): first the complete preset, then sets without the holder's identity and/or the document number, because
the credentials of other issuers in the field lack them. A verifier that accepts such an answer must not present it
as complete: :func:`unavailable` names the expected claims that were not available, each with the reason code and
the plain-language instruction for the inspector (English and Danish). Pure: it compares the preferred claim set
with the claims read (``credential.shapes`` model, every Disclosure applied).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credential import dcql
from credential.reasons import Reason, define

__all__ = ["NO_DOCUMENT_NUMBER", "NO_IDENTITY", "Unavailable", "unavailable"]

NO_IDENTITY = define("request.identity_unavailable")  # words (what to check instead): the catalogs
NO_DOCUMENT_NUMBER = define("request.document_number_unavailable")

# Expected claims of our model (the preferred claim set's paths) that may be missing, per group.
_GROUPS: tuple[tuple[Reason, tuple[tuple[str, ...], ...]], ...] = (
    (NO_IDENTITY, (("subject", "familynames"), ("subject", "forenames"), ("subject", "date_of_birth"))),
    (NO_DOCUMENT_NUMBER, (("document_number",),)),
)


@dataclass(frozen=True)
class Unavailable:
    reason: Reason
    paths: tuple[tuple[str, ...], ...]  # the expected claims (our model) that were not available

    def dotted(self) -> list[str]:
        return [".".join(p) for p in self.paths]


def _present(claims: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    try:
        dcql.process_path(claims, path)
    except ValueError:
        return False
    return True


def unavailable(credential_query: dcql.CredentialQuery, claims: Mapping[str, Any]) -> list[Unavailable]:
    """The groups of expected claims (identity, document number) that the query's preferred claim set asks for and
    ``claims`` (our model) does not hold. Empty when the query has no claim sets: then every claim is required and
    a missing one fails the request check instead."""
    if not credential_query.claim_sets:
        return []
    preferred = {tuple(p) for p in dcql.preferred_paths(credential_query)}
    out = []
    for reason, paths in _GROUPS:
        wanted = tuple(p for p in paths if p in preferred)
        missing = tuple(p for p in wanted if not _present(claims, p))
        if missing:
            out.append(Unavailable(reason, missing))
    return out
