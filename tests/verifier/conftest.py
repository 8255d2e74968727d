from __future__ import annotations

import pytest

from tests.verifier.helpers import NOW, ecosystem


@pytest.fixture(scope="session")
def eco(tmp_path_factory):
    return ecosystem(tmp_path_factory.mktemp("ecosystem"))


@pytest.fixture()
def store(eco):
    return eco.trust_store(NOW)
