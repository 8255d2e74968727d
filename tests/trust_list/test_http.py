"""Publication and fetching over a real uvicorn server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import shutil
import threading
import time

import httpx
import pytest
import uvicorn

from trust_list.demo import build_demo_ecosystem
import netio
from trust_list.fetch import TrustListFetcher
from trust_list.model import PUB_EAA
from trust_list.publish import create_app
from trust_list.store import TrustStore
from tests.support import free_port

LOOPBACK = netio.UrlPolicy(allow_loopback=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path_factory.mktemp("demo"), now)
    directory = tmp_path_factory.mktemp("www")
    for path in eco.list_paths.values():
        shutil.copy(path, directory / path.name)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(directory), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    yield eco, directory, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_etag_cache_control_and_304(served):
    eco, _, base = served
    r = httpx.get(f"{base}/trust-lists/pub-eaa.jwt")
    assert r.status_code == 200 and r.text == eco.pub_eaa_path.read_text().strip()
    max_age = int(r.headers["cache-control"].split("max-age=")[1])
    assert 0 < max_age <= 3600 and r.headers["etag"] and "expires" in r.headers
    r2 = httpx.get(f"{base}/trust-lists/pub-eaa.jwt", headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304 and r2.headers["etag"] == r.headers["etag"]
    assert httpx.get(f"{base}/trust-lists/other.jwt").status_code == 404


def test_fetcher_conditional_get_and_keeps_last_valid(served):
    eco, directory, base = served
    now = int(time.time())
    store = TrustStore(anchors={PUB_EAA: [eco.operator_cert]})
    url = f"{base}/trust-lists/pub-eaa.jwt"
    with TrustListFetcher(store, {PUB_EAA: url}, timeout=5, policy=LOOPBACK) as fetcher:
        first = fetcher.refresh(PUB_EAA, now)
        assert first.outcome == "updated" and first.in_force.sequence_number == 1
        assert 0 <= first.age_seconds < 600
        assert fetcher.refresh(PUB_EAA, now + 10).outcome == "not_modified"
        # the server now serves a tampered list: rejected, the old one stays in force
        good = (directory / "pub-eaa.jwt").read_text()
        (directory / "pub-eaa.jwt").write_text(good[:-6] + "AAAAAA")
        bad = fetcher.refresh(PUB_EAA, now + 20)
        assert bad.outcome == "kept" and bad.reason == "list.signature"
        assert bad.in_force.sequence_number == 1 and bad.age_seconds == first.age_seconds + 20
        (directory / "pub-eaa.jwt").write_text(good)
    # size limit
    with TrustListFetcher(TrustStore(anchors={PUB_EAA: [eco.operator_cert]}), {PUB_EAA: url},
                          max_bytes=100, policy=LOOPBACK) as small:
        result = small.refresh(PUB_EAA, now)
        assert result.outcome == "unavailable" and result.reason == "list.unavailable"
        assert "size" in result.detail


def test_fetcher_network_error_and_timeouts(served):
    eco, _, _ = served
    store = TrustStore(anchors={PUB_EAA: [eco.operator_cert]})
    with TrustListFetcher(store, {PUB_EAA: f"http://127.0.0.1:{free_port()}/x.jwt"}, timeout=1, policy=LOOPBACK) as f:
        result = f.refresh(PUB_EAA, int(time.time()))
        assert result.outcome == "unavailable" and result.in_force is None


def test_redirect_limit(served):
    """A redirect loop stops at the limit (served by a tiny second app on loopback)."""
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    eco, _, _ = served
    loop = FastAPI()

    @loop.get("/r/{n}")
    def redirect(n: int):
        return RedirectResponse(f"/r/{n + 1}")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(loop, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    try:
        store = TrustStore(anchors={PUB_EAA: [eco.operator_cert]})
        with TrustListFetcher(store, {PUB_EAA: f"http://127.0.0.1:{port}/r/0"}, max_redirects=2,
                              policy=LOOPBACK) as f:
            result = f.refresh(PUB_EAA, int(time.time()))
        assert result.outcome == "unavailable" and "RedirectRefused" in result.detail
        # plain http to loopback is refused unless the policy allows it (demo mode)
        with TrustListFetcher(store, {PUB_EAA: f"http://127.0.0.1:{port}/r/0"}) as strict:
            refused = strict.refresh(PUB_EAA, int(time.time()))
        assert refused.outcome == "unavailable" and "AddressRefused" in refused.detail
    finally:
        server.should_exit = True
        thread.join(timeout=10)
