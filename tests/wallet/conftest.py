"""Fixtures shared by the wallet tests."""

from __future__ import annotations

import pytest

from .servers import start_services


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """The real issuer and verifier on loopback, sharing one ESSPASS_HOME, for a test module."""
    svc, stop = start_services(tmp_path_factory.mktemp("home"))
    yield svc
    stop()
