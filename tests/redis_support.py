"""A real ``redis-server`` for the tests (``benchmarks.services.RedisServer``): skipped locally, failed in CI
(``tests.support.skip_or_fail``) when the program is missing."""

from __future__ import annotations

from pathlib import Path

from benchmarks import services
from tests.support import skip_or_fail


class RedisServer(services.RedisServer):
    @classmethod
    def start(cls, dir: Path) -> "RedisServer":
        try:
            return super().start(dir)
        except services.ServiceMissing as exc:
            skip_or_fail(str(exc))
            raise
