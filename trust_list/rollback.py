"""Rollback state per (operator, LoTEType) (docs/trust-lists-profile.md §3 ``list.rollback``).

A party remembers, for each operator and list type, the highest LoTESequenceNumber it accepted,
a digest of that list's content and the accepted token itself (so a restarted process still has
the last valid list at hand). With a directory the state is one JSON file per key, replaced
atomically; without one it lives in memory only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .certificates import atomic_write


class RollbackStateError(ValueError):
    """A stored record cannot be read; callers fail closed (``list.rollback``)."""


@dataclass(frozen=True, slots=True)
class AcceptedList:
    operator: str
    list_type: str
    sequence_number: int
    content_sha256: str
    accepted_at: int
    token: str


def state_key(operator: str, list_type: str) -> str:
    return hashlib.sha256(f"{operator}\n{list_type}".encode()).hexdigest()[:32]


def is_rollback(previous: AcceptedList | None, sequence_number: int, content_sha256: str) -> bool:
    """§3: lower than the highest accepted, or equal to it with different content."""
    if previous is None:
        return False
    if sequence_number < previous.sequence_number:
        return True
    return sequence_number == previous.sequence_number and content_sha256 != previous.content_sha256


class RollbackState:
    """Accepted-list memory; persistent when ``directory`` is given."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._memory: dict[str, AcceptedList] = {}

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.json"

    def get(self, operator: str, list_type: str) -> AcceptedList | None:
        key = state_key(operator, list_type)
        if key in self._memory:
            return self._memory[key]
        if self.directory is None:
            return None
        path = self._path(key)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
            record = AcceptedList(**data)
            if not isinstance(record.sequence_number, int) or not isinstance(record.content_sha256, str):
                raise TypeError("bad field types")
        except (OSError, ValueError, TypeError, RecursionError) as exc:
            raise RollbackStateError(f"unreadable rollback state {path.name}: {type(exc).__name__}") from None
        self._memory[key] = record
        return record

    def record(self, accepted: AcceptedList) -> None:
        previous = self.get(accepted.operator, accepted.list_type)
        if previous is not None and previous.sequence_number > accepted.sequence_number:
            return  # never move backwards
        key = state_key(accepted.operator, accepted.list_type)
        self._memory[key] = accepted
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path(key), json.dumps(asdict(accepted), indent=1).encode(), mode=0o644)
