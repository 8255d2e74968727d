"""Issue 14 finding 8: X-Forwarded-For is believed only from ESSPASS_TRUSTED_PROXIES. A local caller that claims
a new address on every attempt still runs into the per-address login throttle of ``esspass issuer serve``."""

from __future__ import annotations

import re
import time

import httpx

from tests.deployment.conftest import serving
from tests.support import free_port

LIMIT = 3


def _failed_logins(base: str, attempts: int) -> list[int]:
    """``attempts`` wrong passwords, each for a new user name and claiming a new client address."""
    codes = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for i in range(attempts):
            page = c.get("/backoffice/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            r = c.post("/backoffice/login", data={"username": f"user{i}", "password": "wrong", "csrf": csrf},
                       headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
            codes.append(r.status_code)
    return codes


def _env(home, **extra):
    return {"ESSPASS_HOME": str(home), "ESSPASS_LOGIN_MAX_FAILURES_PER_IP": str(LIMIT),
            "ESSPASS_LOGIN_MAX_FAILURES": "100", **extra}


def test_spoofed_forwarded_for_does_not_pass_the_login_throttle(tmp_path):
    port = free_port()
    with serving(_env(tmp_path), "issuer", "serve", "--port", str(port), until="listening on") as (proc, lines):
        assert any("forwarded headers ignored" in line for line in lines), lines
        _wait_up(port)
        codes = _failed_logins(f"http://127.0.0.1:{port}", LIMIT + 1)
    assert codes == [401] * LIMIT + [429]


def test_forwarded_for_from_a_configured_proxy_is_believed(tmp_path):
    port = free_port()
    env = _env(tmp_path, ESSPASS_TRUSTED_PROXIES="127.0.0.1")
    with serving(env, "issuer", "serve", "--port", str(port), until="listening on") as (proc, lines):
        assert any("forwarded headers believed from 127.0.0.1" in line for line in lines), lines
        _wait_up(port)
        codes = _failed_logins(f"http://127.0.0.1:{port}", LIMIT + 1)
    assert codes == [401] * (LIMIT + 1)  # each attempt came (through the proxy) from another address


def _wait_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the issuer did not come up")
