"""A real OpenID Connect provider for tests: panva/oidc-provider (npm, pinned in
``tests/interop/node/package.json``, installed by ``npm ci`` from ``.ci/run``) run by Node on
127.0.0.1. It stands in for a national eID broker in the issuer's upstream-login tests."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support import free_port, skip_or_fail

NODE_DIR = Path(__file__).resolve().parent / "node"


@contextmanager
def oidc_provider(client_id: str, client_secret: str, redirect_uri: str):
    """Start the provider; yields its issuer URL; stops it on exit."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        skip_or_fail("node and tests/interop/node/node_modules (npm ci) are needed for the OpenID Connect provider")
    port = free_port()
    proc = subprocess.Popen([node, "oidc_provider.mjs", str(port), client_id, client_secret, redirect_uri],
                            cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()  # "READY <issuer>" once listening
        if not line.startswith("READY "):
            raise RuntimeError(f"oidc-provider did not start: {line!r}")
        issuer = line.split()[1]
        httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).raise_for_status()
        yield issuer
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def log_in_upstream(browser: httpx.Client, url: str, account: str, stop: str) -> httpx.Response:
    """Play the person's browser from ``url`` through the provider's login page as ``account`` until
    a redirect to a URL starting with ``stop`` (not followed) or a page. Returns that response."""
    r = browser.get(url)
    for _ in range(20):
        if r.status_code in (302, 303) and r.headers["location"].startswith(stop):
            return r
        if r.status_code in (301, 302, 303, 307):
            r = browser.get(httpx.URL(str(r.url)).join(r.headers["location"]))
            continue
        if r.status_code == 200 and "/interaction/" in str(r.url) and 'name="login"' in r.text:
            r = browser.post(str(r.url) + "/login", data={"login": account})
            continue
        return r
    raise AssertionError("too many redirects")
