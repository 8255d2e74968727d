"""Issue 14, finding 3: one slow status host must not freeze the verifier.

A trusted issuer's status URI trickles one byte every 0.3 s (each byte well within any read timeout). Before the
fix the synchronous verification ran on the event loop: /health waited for the whole status fetch. Now the check
runs on its own threads, ends by its overall deadline with INDETERMINATE ``status.deadline``, /health answers at
once, and concurrent checks against the same URI share one fetch."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

import netio
from tests.hostile_http import HostileServer
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue
from tests.verifier.servers import Clock, free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings
from verifier.sources import StatusCache

DEADLINE_S = 2.0


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    port = free_port()
    settings = VerifierSettings(home=tmp_path_factory.mktemp("verifier-home"), verifier_url=f"http://127.0.0.1:{port}",
                                verifier_check_deadline_s=DEADLINE_S)
    svc = VerifierService(settings, clock=Clock(NOW))
    with HostileServer(trickle_s=0.3) as slow, serve_app(create_app(service=svc), port) as url, \
            httpx.Client(timeout=30) as client:
        yield {"svc": svc, "url": url, "slow": slow, "client": client, "store": svc.ecosystem.trust_store(NOW)}


def _answer(env, cred) -> tuple[str, dict]:
    """Start a check, fetch its request, return (transaction id, the form the wallet would post)."""
    r = env["client"].post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection"})
    body = r.json()
    fetched = W.fetch_request(body["request_uri"], env["client"], env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    return body["transaction"], body["result_token"], fetched, payload


def test_slow_status_host_neither_freezes_health_nor_outlasts_the_deadline(env):
    cred = issue(env["svc"].ecosystem, "pda1", status_uri=env["slow"].url + "/trickle", iat=NOW - 3600)
    answers = [_answer(env, cred) for _ in range(2)]
    hits_before = env["slow"].hits["/trickle"]
    results: list[tuple[int, float]] = []

    def post(fetched, payload):
        start = time.monotonic()
        with httpx.Client(timeout=30) as c:
            r = W.post_response(fetched, c, payload)
        results.append((r.status_code, time.monotonic() - start))

    posts = [threading.Thread(target=post, args=(f, p)) for _, _, f, p in answers]
    for t in posts:
        t.start()
    time.sleep(0.3)
    latencies = []
    while any(t.is_alive() for t in posts):
        start = time.monotonic()
        assert env["client"].get(f"{env['url']}/health").status_code == 200
        latencies.append(time.monotonic() - start)
        time.sleep(0.1)
    for t in posts:
        t.join()
    assert latencies and max(latencies) < 0.5, latencies  # the event loop was never blocked
    assert [code for code, _ in results] == [200, 200]
    assert max(took for _, took in results) < DEADLINE_S + 1.5, results
    assert env["slow"].hits["/trickle"] == hits_before + 1  # two checks, one fetch of the same URI
    for tid, token, _, _ in answers:
        view = env["client"].get(f"{env['url']}/openid4vp/transactions/{tid}",
                                 headers={"Authorization": f"Bearer {token}"}).json()
        decision = view["decision"]
        assert decision["result"] == "INDETERMINATE", decision
        assert [(c["code"], c["result"]) for c in decision["checks"] if c["result"] != "pass"] == [
            ("status.deadline", "unknown")], decision["checks"]


def test_status_uris_https_only_outside_demo_mode_and_no_cross_host_redirect(env):
    slow = env["slow"]
    strict = StatusCache(network=True, policy=netio.UrlPolicy())  # what a configured (non-demo) verifier uses
    before = dict(slow.hits)
    assert strict(slow.url + "/ok", NOW) is None  # plain http to loopback: refused before any request
    assert strict(f"https://127.0.0.1:{slow.port}/ok", NOW) is None  # loopback address: refused too
    assert dict(slow.hits) == before
    assert VerifierSettings(verifier_trust_list_urls={"pub-eaa": "https://lists.example/p.jwt"}).fetch_policy() == \
        netio.UrlPolicy()
    demo = StatusCache(network=True, policy=netio.UrlPolicy(allow_loopback=True))
    assert demo(slow.url + "/redirect-other", NOW) is None  # to another host: not followed
    assert slow.hits["/ok"] == before.get("/ok", 0)
    strict.close()
    demo.close()
