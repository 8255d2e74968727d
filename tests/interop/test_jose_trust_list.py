"""An independent JOSE implementation (panva/jose, pinned in tests/interop/node/package.json) verifies the trust
lists our operator signs as compact JAdES baseline B (docs/trust-lists-profile.md §2), and like our validator it
refuses them when it is not told that ``sigT`` is processed (RFC 7515 §4.1.11: ``crit``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.interop.owf import NODE_DIR
from tests.support import skip_or_fail
from trust_list.model import LIST_TYPES
from trust_list.operator import Operator

SCRIPT = "jose_trust_list_verify.mjs"


def run(data: dict) -> dict:
    """Run the script on ``data``; its one JSON line (needs only node and jose, not the OWF libraries)."""
    exe = shutil.which("node")
    if exe is None or not (NODE_DIR / "node_modules" / "jose").is_dir():
        skip_or_fail("node and tests/interop/node/node_modules/jose (npm ci) are needed")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(data, fh)
    path = Path(fh.name)
    try:
        proc = subprocess.run([exe, SCRIPT, str(path)], cwd=NODE_DIR, capture_output=True, text=True, timeout=60)
    finally:
        path.unlink(missing_ok=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_jose_verifies_our_jades_lists_and_honours_crit(tmp_path: Path):
    now = int(time.time())
    op = Operator.create(tmp_path / "op", "European Commission ESSPASS Trust Scheme", now - 3600)
    for list_type in LIST_TYPES:
        token = op.sign(list_type, now, now + 30 * 86400)
        result = run({"token": token})
        assert result["ok"], result
        assert result["lote_type"] == list_type
        header = result["header"]
        assert header["crit"] == ["sigT"] and header["typ"] == "trustlist+jwt" and "x5t#S256" in header
        assert result["refused_without_sigT"] == "ERR_JOSE_NOT_SUPPORTED"


def test_jose_refuses_a_tampered_list(tmp_path: Path):
    now = int(time.time())
    op = Operator.create(tmp_path / "op", "European Commission ESSPASS Trust Scheme", now - 3600)
    token = op.sign(LIST_TYPES[0], now, now + 30 * 86400)
    head, payload, signature = token.split(".")
    result = run({"token": f"{head}.{payload}.{signature[:-4]}AAAA"})
    assert result["ok"] is False and "signature verification failed" in result["error"]
