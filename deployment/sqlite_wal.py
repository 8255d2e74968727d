"""Switching an SQLite file to WAL when several processes open it at once (scale-out instances, ``--workers N``).

``PRAGMA journal_mode=WAL`` on a fresh file takes an exclusive lock and answers ``database is locked`` at once
when another process holds one (SQLite does not call the busy handler for it; https://sqlite.org/wal.html
"Activating And Configuring WAL Mode"). Seen in CI: two verifier instances started together on one home, one of
them exited. Once the file is in WAL mode the setting is persistent and the pragma takes no lock."""

from __future__ import annotations

import sqlite3
import time


def use_wal(conn: sqlite3.Connection, timeout_s: float = 10.0, clock=time.monotonic, sleep=time.sleep) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the lock, for up to ``timeout_s``."""
    deadline = clock() + timeout_s
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or clock() >= deadline:
                raise
            sleep(pause)
            pause = min(pause * 2, 0.1)
