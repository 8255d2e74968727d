"""Test-wide settings.

Hypothesis explores new random inputs on every local run (that is how it finds bugs), but CI must
judge the same inputs on every run: under ``ESSPASS_REQUIRE_ALL=1`` (set by ``.ci/run``) the
property tests are derandomized, and a failure found locally is added as an explicit example.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("ESSPASS_REQUIRE_ALL") == "1" else "dev")

# The wallet's device secrets (wallet.device_secret: the PIN counter's key) go to a directory of this test run,
# never to the keyring or the home directory of whoever runs the tests; subprocesses inherit it.
if not os.environ.get("ESSPASS_DEVICE_KEYS"):
    import tempfile

    os.environ["ESSPASS_DEVICE_KEYS"] = tempfile.mkdtemp(prefix="esspass-device-keys-")
