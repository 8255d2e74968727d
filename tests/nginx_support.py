"""A real nginx for the tests (``benchmarks.services.Nginx``): skipped locally, failed in CI
(``tests.support.skip_or_fail``) when the program is missing."""

from __future__ import annotations

from pathlib import Path

from benchmarks import services
from benchmarks.services import proxy, upstream  # noqa: F401 - re-exported to the tests

from tests.support import skip_or_fail


class Nginx(services.Nginx):
    @classmethod
    def start(cls, dir: Path, server_body: str, http_extra: str = "", port: int | None = None) -> "Nginx":
        try:
            return super().start(dir, server_body, http_extra, port)
        except services.ServiceMissing as exc:
            skip_or_fail(str(exc))
            raise
