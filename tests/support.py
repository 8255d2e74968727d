"""Helpers every test package uses.

``skip_or_fail``: a test that needs something this machine may lack (PostgreSQL, Chromium, a Kivy
window) skips locally with the reason, but fails when ``ESSPASS_REQUIRE_ALL=1`` (set by ``.ci/run``),
so that CI never passes by skipping.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.services import free_port  # noqa: F401 - one port picker for tests and benchmarks


def skip_or_fail(reason: str) -> None:
    if os.environ.get("ESSPASS_REQUIRE_ALL") == "1":
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)
