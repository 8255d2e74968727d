from __future__ import annotations

import pytest

from tests.redis_support import RedisServer
from tests.verifier.helpers import NOW, ecosystem


@pytest.fixture(scope="session")
def eco(tmp_path_factory):
    return ecosystem(tmp_path_factory.mktemp("ecosystem"))


@pytest.fixture()
def store(eco):
    return eco.trust_store(NOW)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real redis-server for the verifier's tests (each test flushes what it uses)."""
    server = RedisServer.start(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()
