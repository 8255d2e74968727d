"""Fresh SQLite files opened by several processes at once (scale-out instances on one home, ``--workers N``): the
switch to WAL waits for the other process instead of failing with "database is locked" (the CI failure of
``tests/scaleout/test_verifier_faults.py``: one of two verifier instances exited at start)."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path

import pytest

from deployment.sqlite_wal import use_wal


def _open_records(path: str, start, answers) -> None:
    from verifier.records import InspectionRecords

    start.wait()
    try:
        InspectionRecords(Path(path), frozenset({"decision"}), 30)
        answers.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        answers.put(repr(exc))


def test_verifier_instances_open_one_fresh_records_file_at_once(tmp_path):
    ctx = mp.get_context("spawn")
    failures = []
    for round_ in range(8):
        path = str(tmp_path / f"records{round_}.sqlite")
        start, answers = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_open_records, args=(path, start, answers)) for _ in range(4)]
        for p in procs:
            p.start()
        results = [answers.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
        failures += [r for r in results if r != "ok"]
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert failures == []


def test_wal_waits_for_a_lock_released_in_time(tmp_path):
    path = tmp_path / "db.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    other = sqlite3.connect(path, timeout=0)
    use_wal(other, timeout_s=10)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_wal_gives_up_on_a_lock_held_too_long(tmp_path):
    path = tmp_path / "db.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(other, timeout_s=0.2)
    holder.execute("COMMIT")


def test_other_errors_are_not_retried(tmp_path):
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    conn.close()
    with pytest.raises(sqlite3.ProgrammingError):
        use_wal(conn, timeout_s=5)
