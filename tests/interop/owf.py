"""Drive the OpenWallet Foundation's TypeScript libraries (``@openid4vc/openid4vci``,
``@openid4vc/openid4vp``, ``@openid4vc/oauth2``, ``@sd-jwt/sd-jwt-vc``; pinned in
``tests/interop/node/package.json``, installed by ``npm ci`` from ``.ci/run``) from the tests: each
``owf_*.mjs`` script reads a JSON input file, may print intermediate JSON lines and read answers on
stdin (a login done by the test, for example), and ends with one JSON line ``{"ok": ...}``.

Transport: plain http on 127.0.0.1; the scripts turn on the libraries' insecure-URL setting
(``setGlobalConfig({allowInsecureUrls: true})`` in ``owf_common.mjs``) for that, and only that."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from tests.support import skip_or_fail

NODE_DIR = Path(__file__).resolve().parent / "node"
PACKAGES = ("@openid4vc/openid4vci", "@openid4vc/openid4vp", "@openid4vc/oauth2", "@sd-jwt/sd-jwt-vc", "jose")


def versions() -> dict[str, str]:
    """The installed versions of the libraries (for the record in docs/conformance.md)."""
    return {p: json.loads((NODE_DIR / "node_modules" / p / "package.json").read_text())["version"] for p in PACKAGES}


def node() -> str:
    exe = shutil.which("node")
    if exe is None or not all((NODE_DIR / "node_modules" / p).is_dir() for p in PACKAGES):
        skip_or_fail("node and tests/interop/node/node_modules (npm ci) are needed for the OWF libraries")
    return exe


class OwfError(AssertionError):
    """The script ended with ok: false (the library refused something); ``result`` has its words."""

    def __init__(self, result: dict, stderr: str) -> None:
        super().__init__(f"{result.get('error')} {result.get('details')} | {stderr[-2000:]}")
        self.result = result


def run(script: str, data: dict, on_line: Callable[[dict], str | None] | None = None,
        timeout: float = 90) -> dict:
    """Run ``script`` with ``data``; every JSON line before the last is passed to ``on_line``, whose
    answer (if any) is written to the script's stdin. Returns the last line; raises OwfError when it
    says ok: false."""
    exe = node()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(data, fh)
        path = fh.name
    err = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([exe, script, path], cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=err, text=True)
    last: dict | None = None
    watchdog = threading.Timer(timeout, proc.kill)  # a hung script ends the test instead of hanging it
    watchdog.start()
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            if "ok" in msg:
                last = msg
                break
            answer = on_line(msg) if on_line else None
            if answer is not None:
                proc.stdin.write(answer + "\n")
                proc.stdin.flush()
        proc.wait(timeout)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        Path(path).unlink(missing_ok=True)
    err.seek(0)
    stderr = err.read()
    err.close()
    if last is None:
        raise AssertionError(f"{script} ended without a result (exit {proc.returncode}): {stderr[-3000:]}")
    if not last["ok"]:
        raise OwfError(last, stderr)
    return last


def pem(cert) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM).decode("ascii")
