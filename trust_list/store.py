"""The validated lists a party holds (docs/trust-lists-profile.md §3, last paragraph).

A :class:`TrustStore` keeps, per LoTEType, the last list that passed :func:`validate_list`. A newer
list that fails is rejected and the old one stays in force until its own NextUpdate; with no valid
list at hand every question about that list type fails with ``list.unavailable`` (fail closed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import reasons as R
from .model import LIST_TYPES
from .rollback import RollbackState, RollbackStateError
from .validation import ValidatedList, validate_list


@dataclass
class TrustStore:
    """Pinned operator certificates per LoTEType, the accepted lists and what was learnt from them."""

    anchors: dict[str, list[x509.Certificate]]
    state: RollbackState = field(default_factory=RollbackState)
    lists: dict[str, ValidatedList] = field(default_factory=dict)
    last_rejection: dict[str, R.Rejected] = field(default_factory=dict)
    # §4: certificates "known to the verifier from an earlier x5c it validated", by SHA-256 of DER,
    # with the rest of the chain they came with.
    known_chains: dict[bytes, list[x509.Certificate]] = field(default_factory=dict)

    def update(self, list_type: str, token: str, now: int) -> ValidatedList:
        """Validate ``token``; on success it replaces the held list, on failure the old one stays."""
        try:
            validated = validate_list(token, self.anchors.get(list_type, []), list_type, now, self.state)
        except R.Rejected as exc:
            self.last_rejection[list_type] = exc
            raise
        self.lists[list_type] = validated
        self.last_rejection.pop(list_type, None)
        return validated

    def restore(self, now: int) -> None:
        """Re-validate the lists remembered in the rollback state (e.g. after a restart)."""
        for list_type in LIST_TYPES:
            for anchor in self.anchors.get(list_type, []):
                for operator in _operators_of(anchor):
                    try:
                        accepted = self.state.get(operator, list_type)
                    except RollbackStateError:
                        continue  # validate_list fails such a list closed (list.rollback)
                    if accepted is not None and list_type not in self.lists:
                        try:
                            self.update(list_type, accepted.token, now)
                        except R.Rejected:
                            pass

    def require(self, list_type: str, now: int) -> ValidatedList:
        """The list in force at ``now`` or Rejected(list.unavailable / list.expired)."""
        held = self.lists.get(list_type)
        if held is None:
            detail = self.last_rejection.get(list_type)
            raise R.Rejected(R.LIST_UNAVAILABLE, f"last attempt: {detail.code}" if detail else "never loaded")
        if now >= held.lote.next_update:
            raise R.Rejected(R.LIST_EXPIRED, "held list passed its NextUpdate")
        return held

    def age(self, list_type: str, now: int) -> int | None:
        """Seconds since the held list was issued (for "how old is my list" displays)."""
        held = self.lists.get(list_type)
        return None if held is None else now - held.lote.issue_time

    def remember_chain(self, chain: list[x509.Certificate]) -> None:
        der = chain[0].public_bytes(serialization.Encoding.DER)
        self.known_chains[hashlib.sha256(der).digest()] = list(chain)


def _operators_of(anchor: x509.Certificate) -> list[str]:
    from cryptography.x509.oid import NameOID

    c = anchor.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    o = anchor.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return [f"{c[0].value}:{o[0].value}"] if c and o else []


def load_trusted_lists(
    tokens: dict[str, str],
    anchors: dict[str, list[x509.Certificate]] | list[x509.Certificate],
    now: int,
    state_dir: Path | None = None,
) -> TrustStore:
    """Validate the given lists (LoTEType -> compact JWS) into a new store.

    ``anchors`` is either a mapping per LoTEType or one list of operator certificates pinned for all
    three types. Lists that fail are recorded in ``store.last_rejection`` and leave that type
    unavailable; nothing is raised here, so one bad list does not hide the others.
    """
    if not isinstance(anchors, dict):
        anchors = {t: list(anchors) for t in LIST_TYPES}
    store = TrustStore(anchors=anchors, state=RollbackState(state_dir))
    for list_type, token in tokens.items():
        try:
            store.update(list_type, token, now)
        except R.Rejected:
            pass
    return store
