"""One issuer instance at a time through first-start set-up (issue 12: several instances, started together).

Set-up runs the migrations, builds the demo keys when missing, writes the API token, the first user, the first
Status List and the c_nonce key: done twice at once it could create a table twice, two first users (and an
``admin_password`` file that matches neither) or two keys. So it runs under

* a PostgreSQL session-level advisory lock (``pg_advisory_lock``), which serialises instances on any host that
  share the database; and
* an exclusive ``flock`` on ``ESSPASS_HOME/issuer/.setup.lock``, which serialises processes that share the
  directory (uvicorn workers, instances on one machine; SQLite has no advisory locks).

Each step is idempotent, so the instance that waited finds everything done and changes nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

ADVISORY_KEY = 0x455353504153  # "ESSPAS": one lock id for this application's set-up


@contextmanager
def _file_lock(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".setup.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def setup_lock(engine: Engine, directory: Path) -> Iterator[None]:
    with _file_lock(Path(directory)):
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
