"""Status List Tokens as static files (issue 12 item 3; draft-ietf-oauth-status-list §8 "Status List Token
Distribution": any HTTP server may serve them).

The issuer writes each committed token to ``<status_dir>/<list_id>`` (atomically: a temporary file, then
``rename``), right after the transaction that signed it commits, so a status change is in the file within the
same request. nginx (or a CDN) serves the directory at ``/status/`` with ``ETag`` (nginx: size and mtime) and
``Cache-Control: max-age=<ttl>`` (see :func:`nginx_location` and docs/deploy.md).

Several processes write the same directory (workers, instances sharing it): a writer holds an exclusive
``flock`` on ``<status_dir>/.lock`` while it reads the committed tokens *and* writes them, so the last writer has
read the newest committed version and an older token never overwrites a newer one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

MEDIA_TYPE = "application/statuslist+jwt"  # draft-ietf-oauth-status-list §5.1


def write_tokens(directory: Path, read: Callable[[], list[tuple[int, str]]]) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for list_id, token in read():
            path = directory / str(int(list_id))
            tmp = directory / f".{list_id}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="ascii") as fh:
                fh.write(token)
            os.chmod(tmp, 0o644)  # public: served as is
            os.replace(tmp, path)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def nginx_location(directory: Path, ttl: int, prefix: str = "/status/") -> str:
    """The nginx ``location`` block that serves ``directory`` at ``prefix`` as the issuer's app route would."""
    return (f"location {prefix} {{\n"
            f"    alias {Path(directory).resolve()}/;\n"
            f"    types {{ }}\n"
            f"    default_type {MEDIA_TYPE};\n"
            f"    etag on;\n"
            f"    add_header Cache-Control \"public, max-age={int(ttl)}\" always;\n"
            f"    location ~ /\\. {{ return 404; }}\n"
            f"}}\n")
