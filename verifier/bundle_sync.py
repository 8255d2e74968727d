"""Updating an offline bundle without ever losing good data (issue 17, item 1).

An inspector presses "update" wherever they are — in a cellar, on a building site without signal. What they carry
must survive that: :func:`merge_bundle` decides, per trust list and per Status List Token, whether what was fetched
now replaces what the bundle held, and it does only when the new token

* validates now (trust lists: every check of shared/specs/trust-lists.md §3 against the pinned operator
  certificates; Status List Tokens: draft-ietf-oauth-status-list-20 §8.3 steps 3–4 — ``typ``, signature by a
  PubEAA/Revocation service of the trust list held, ``sub`` equal to the URI, not expired), and
* is not older than the held one (trust lists: ``LoTESequenceNumber``, trust-lists.md §3 rollback rule; Status List
  Tokens: ``iat``).

Anything else — nothing fetched (no network, server down), a token that does not validate, an older one — keeps the
held data with the time it was fetched, and the item says why. The function is pure (no I/O, ``now`` given); the
shell (:func:`verifier.offline.sync_bundle`) fetches, merges, and writes the bundle atomically
(:meth:`verifier.sources.Bundle.save`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credential import jose, status_list
from credential.reasons import Rejected

from .sources import Bundle

TRUST_LIST = "trust_list"
STATUS_LIST = "status_list"

UPDATED = "updated"  # the fetched token replaced the held one (or there was none)
UNCHANGED = "unchanged"  # the same token was fetched again: the held data is confirmed as of now
KEPT = "kept"  # not updated (nothing fetched, not valid, older): the held data stays
MISSING = "missing"  # nothing held and nothing usable fetched


@dataclass(frozen=True)
class SyncItem:
    kind: str  # TRUST_LIST | STATUS_LIST
    name: str  # the LoTEType, or the Status List Token URI
    outcome: str  # UPDATED | UNCHANGED | KEPT | MISSING
    fetched_at: int | None  # when the data the bundle now holds for this item was fetched
    reason: str = ""  # why the fetched data was not taken: "not fetched", a reason code, "older"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "outcome": self.outcome, "fetched_at": self.fetched_at,
                "reason": self.reason}


@dataclass
class SyncResult:
    bundle: Bundle
    items: list[SyncItem] = field(default_factory=list)
    path: Path | None = None  # where the shell saved it

    def unreachable(self) -> list[str]:
        """Status List Token URIs nothing could be fetched from."""
        return [i.name for i in self.items if i.kind == STATUS_LIST and i.reason == "not fetched"]

    @property
    def not_updated(self) -> list[SyncItem]:
        """Items the update could not refresh (kept or missing)."""
        return [i for i in self.items if i.outcome in (KEPT, MISSING)]

    @property
    def complete(self) -> bool:
        return not self.not_updated

    def kept_since(self) -> int | None:
        """When the oldest data kept from before was fetched (for "keeping data from …")."""
        return min((i.fetched_at for i in self.items if i.outcome == KEPT and i.fetched_at is not None),
                   default=None)

    def as_json(self) -> dict[str, Any]:
        return {"trust_lists": len(self.bundle.trust_lists), "status_lists": len(self.bundle.status_lists),
                "created_at": self.bundle.created_at, "complete": self.complete,
                "kept_since": self.kept_since(), "items": [i.as_json() for i in self.items]}


def _validated_list(token: str | None, list_type: str, anchors: list[Any], now: int) -> tuple[Any, str]:
    """(ValidatedList or None, reason code when not valid)."""
    from trust_list import RollbackState
    from trust_list import validate_list

    if not token:
        return None, "not fetched"
    try:
        return validate_list(token.strip(), anchors, list_type, now, RollbackState()), ""
    except Rejected as exc:
        return None, exc.code


def _status_iat(token: str | None, uri: str, trust: Any, now: int) -> tuple[int | None, str]:
    """(iat of a Status List Token that validates now, or None; reason code when not valid). The signer must be a
    PubEAA/Revocation service of the trust list held (trust-lists.md §4); which entity's, only the credential can
    say — the verification at inspection time checks that again."""
    from trust_list import issuers

    if not token:
        return None, "not fetched"
    try:
        jws = jose.parse_compact(token, max_bytes=status_list.MAX_STATUS_TOKEN_BYTES)
        header, iat = jws.header, jws.payload().get("iat")
        at = int(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else now
        key = issuers.check_status_signer(trust, dict(header), None, at, now).signing_key
        result = status_list.validate_status_list_token(token, public_key=key, expected_sub=uri, now=now, idx=0)
    except Rejected as exc:
        return None, exc.code
    except jose.JoseError as exc:
        return None, f"{status_list.R_TOKEN_MALFORMED.code}: {exc.kind}"
    return result.iat, ""


def merge_bundle(old: Bundle | None, trust_fetched: Mapping[str, str], status_fetched: Mapping[str, str],
                 status_wanted: Iterable[str], anchors: list[Any], now: int,
                 status_optional: Iterable[str] = ()) -> SyncResult:
    """The bundle to save after an update at ``now``: ``old`` (None: no bundle yet) merged with the tokens fetched
    now (``trust_fetched``: LoTEType → token; ``status_fetched``: URI → token; absent = not fetched), per item, as
    the module docstring says. ``status_wanted``: every URI the bundle should hold (those of ``old`` are added);
    ``status_optional``: URIs tried on the off chance (the local demo issuer) — not having them is no failure."""
    from trust_list import LIST_TYPES
    from trust_list import TrustStore

    held_trust = dict(old.trust_lists) if old is not None else {}
    held_status = dict(old.status_lists) if old is not None else {}
    items: list[SyncItem] = []
    trust_out: dict[str, tuple[str, int]] = {}
    store = TrustStore(anchors={t: list(anchors) for t in LIST_TYPES})
    for list_type in [t for t in LIST_TYPES if t in held_trust or t in trust_fetched]:
        new, why = _validated_list(trust_fetched.get(list_type), list_type, anchors, now)
        held_token, held_at = held_trust.get(list_type, (None, None))
        held, _ = _validated_list(held_token, list_type, anchors, now)
        if new is not None and held is not None and new.sequence_number < held.sequence_number:
            new, why = None, "older"  # trust-lists.md §3: never go back to a lower sequence number
        if new is None:
            if held_token is not None:
                trust_out[list_type] = (held_token, held_at)
                items.append(SyncItem(TRUST_LIST, list_type, KEPT, held_at, why))
            else:
                items.append(SyncItem(TRUST_LIST, list_type, MISSING, None, why))
            if held is not None:
                store.lists[list_type] = held
            continue
        same = held is not None and new.content_sha256 == held.content_sha256
        trust_out[list_type] = (new.token, now)
        store.lists[list_type] = new
        items.append(SyncItem(TRUST_LIST, list_type, UNCHANGED if same else UPDATED, now))

    status_out: dict[str, tuple[str, int]] = {}
    optional = set(status_optional)
    for uri in dict.fromkeys([*status_wanted, *held_status, *status_fetched]):
        new_iat, why = _status_iat(status_fetched.get(uri), uri, store, now)
        held_token, held_at = held_status.get(uri, (None, None))
        held_iat, _ = _status_iat(held_token, uri, store, now)
        if new_iat is not None and held_iat is not None and new_iat < held_iat:
            new_iat, why = None, "older"
        if new_iat is None:
            if held_token is not None:
                status_out[uri] = (held_token, held_at)
                items.append(SyncItem(STATUS_LIST, uri, KEPT, held_at, why))
            elif uri not in optional:
                items.append(SyncItem(STATUS_LIST, uri, MISSING, None, why))
            continue
        token = status_fetched[uri].strip()
        status_out[uri] = (token, now)
        items.append(SyncItem(STATUS_LIST, uri, UNCHANGED if token == held_token else UPDATED, now))
    return SyncResult(Bundle(now, trust_out, status_out), items)
