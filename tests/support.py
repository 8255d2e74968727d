"""Helpers every test package uses.

``skip_or_fail``: a test that needs something this machine may lack (PostgreSQL, Chromium, a Kivy
window) skips locally with the reason, but fails when ``ESSPASS_REQUIRE_ALL=1`` (set by ``.ci/run``),
so that CI never passes by skipping.
"""

from __future__ import annotations

import os
import socket

import pytest


def skip_or_fail(reason: str) -> None:
    if os.environ.get("ESSPASS_REQUIRE_ALL") == "1":
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
