"""Inspection records (issue #5, item 6).

By default a record keeps only the decision, the preset, the time, the issuer's name and the check codes: no
personal data (GDPR art. 5(1)(c) data minimisation). What is kept is configured with ``ESSPASS_VERIFIER_RECORDS``
(a comma-separated subset of :data:`verifier.settings.RECORD_FIELDS`; ``none`` keeps nothing) and records older
than ``ESSPASS_VERIFIER_RECORD_RETENTION_DAYS`` are deleted whenever a record is written or read.
Storage: one SQLite file under ``ESSPASS_HOME/verifier`` (``records.sqlite``, mode 0600).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from deployment import use_wal
from .policy import Decision


class InspectionRecords:
    def __init__(self, path: Path | None, fields: frozenset[str], retention_days: int) -> None:
        self.fields = fields
        self.retention_s = max(0, retention_days) * 86400
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # owner-only (0600) before SQLite opens it; SQLite gives its -wal and -shm files the same mode
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
        self._db = sqlite3.connect(str(path) if path is not None else ":memory:", check_same_thread=False)
        use_wal(self._db)  # instances sharing a home open it at once
        if path is not None:
            for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                try:
                    os.chmod(extra, 0o600)  # files left by an older version with a wider mode
                except OSError:
                    pass
        self._db.execute("PRAGMA synchronous=NORMAL")  # a lost last record on power loss is acceptable
        self._db.execute("CREATE TABLE IF NOT EXISTS records (time INTEGER NOT NULL, data TEXT NOT NULL)")
        self._db.commit()

    def _purge(self, now: int) -> None:
        self._db.execute("DELETE FROM records WHERE time < ?", (now - self.retention_s,))

    def add(self, decision: Decision, now: int) -> dict[str, Any] | None:
        if not self.fields:
            return None
        full = {
            "decision": decision.result,
            "preset": decision.preset,
            "time": now,
            "issuer": decision.issuer,
            "codes": [c.code for c in decision.checks],
            "reason": decision.decisive,  # kept with the codes (the "codes" field): the console says it in words
            "credential_type": decision.credential_type,
            "claims": decision.claims,
        }
        if full["reason"] is None:  # a decision that passed has no decisive reason
            del full["reason"]
        record = {k: v for k, v in full.items() if (k if k != "reason" else "codes") in self.fields}
        with self._lock:
            self._purge(now)
            self._db.execute("INSERT INTO records (time, data) VALUES (?, ?)", (now, json.dumps(record)))
            self._db.commit()
        return record

    def list(self, now: int, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            self._purge(now)
            self._db.commit()
            rows = self._db.execute("SELECT data FROM records ORDER BY time DESC LIMIT ?", (limit,)).fetchall()
        return [json.loads(r[0]) for r in rows]
