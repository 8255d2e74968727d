"""Issue 14 finding 4: an anonymous flood of new transactions must not lock authenticated inspectors out.

The attack as found: 17 source addresses on default settings created 9,991 transactions in 35 s, after which
``POST /openid4vp/transactions`` and ``/console/start`` answered 503 to everyone. Reproduced here (scaled down) on
the in-memory store and on a real Redis shared by two instances.
"""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from tests.verifier.servers import Clock, free_port, serve_app
from tests.verifier.helpers import NOW
from verifier import access
from verifier import openid4vp as vp
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

MAX, ANON, PER_CLIENT = 60, 20, 5


@pytest.fixture(params=["memory", "redis"])
def verifier(request, tmp_path, redis_server):
    url = ""
    if request.param == "redis":
        import redis

        redis.Redis.from_url(redis_server.url).flushdb()
        url = redis_server.url
    port = free_port()
    settings = VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}", verifier_store_url=url,
                                verifier_max_transactions=MAX, verifier_anonymous_transactions=ANON,
                                verifier_client_transactions=PER_CLIENT)
    svc = VerifierService(settings, clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield svc, http


def flood(svc: VerifierService) -> int:
    """Anonymous creations from 17 addresses (each within its own rate limit) until the verifier refuses."""
    created = 0
    for i in range(MAX * 2):
        try:
            svc.create_transaction("a1-inspection", client=f"198.51.100.{i % 17}")
            created += 1
        except (vp.StoreFull, vp.QuotaExceeded):
            pass
    return created


def test_anonymous_flood_does_not_starve_authenticated_clients(verifier):
    svc, http = verifier
    token = svc.clients.add("border-police")
    assert flood(svc) == ANON  # the anonymous pool is bounded; the store keeps room for everyone else
    r = http.post("/openid4vp/transactions", json={"preset": "a1-inspection"})
    assert r.status_code == 503 and "sign in" in r.json()["error_description"] and r.headers["retry-after"]
    page = http.post("/console/start", data={"preset": "ehic-care"}, follow_redirects=False)
    assert page.status_code == 503 and "Too many checks" in page.text and page.headers["retry-after"]
    # the API client and the console (its token or its login cookie) still start checks
    api = http.post("/openid4vp/transactions", json={"preset": "a1-inspection"},
                    headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    assert svc.transactions.get(api.json()["transaction"]).owner == "client:border-police"
    console = http.post("/console/start", data={"preset": "ehic-care"}, follow_redirects=False,
                        headers={"Cookie": f"{access.CONSOLE_COOKIE}={svc.console_token}"})
    assert console.status_code == 303 and console.headers["location"].startswith("/console/t/")
    by_bearer = http.post("/openid4vp/transactions", json={"preset": "ehic-care"},
                          headers={"Authorization": f"Bearer {svc.console_token}"})
    assert by_bearer.status_code == 200


def test_each_client_has_its_own_quota(verifier):
    svc, http = verifier
    a, b = svc.clients.add("a"), svc.clients.add("b")
    for _ in range(PER_CLIENT):
        assert http.post("/openid4vp/transactions", json={"preset": "ehic-care"},
                         headers={"Authorization": f"Bearer {a}"}).status_code == 200
    over = http.post("/openid4vp/transactions", json={"preset": "ehic-care"}, headers={"Authorization": f"Bearer {a}"})
    assert over.status_code == 429 and over.headers["retry-after"]
    assert http.post("/openid4vp/transactions", json={"preset": "ehic-care"},
                     headers={"Authorization": f"Bearer {b}"}).status_code == 200


def test_a_wrong_token_is_refused_not_treated_as_anonymous(verifier):
    svc, http = verifier
    r = http.post("/openid4vp/transactions", json={"preset": "ehic-care"},
                  headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token" and r.headers["www-authenticate"]
    assert len(svc.transactions) == 0


def test_anonymous_creation_can_be_switched_off(tmp_path):
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}",
                                           verifier_anonymous_transactions=0), clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as base, httpx.Client(base_url=base, timeout=10) as http:
        r = http.post("/openid4vp/transactions", json={"preset": "ehic-care"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"
        page = http.post("/console/start", data={"preset": "ehic-care"}, follow_redirects=False)
        assert page.status_code == 401 and "console sign-in" in page.text and 'id="notice"' in page.text
        page = http.post("/console/start?lang=da", data={"preset": "ehic-care"}, follow_redirects=False)
        assert page.status_code == 401 and "logget ind" in page.text
        assert http.post("/openid4vp/transactions", json={"preset": "ehic-care"},
                         headers={"Authorization": f"Bearer {svc.console_token}"}).status_code == 200


def test_cli_adds_a_client_whose_token_starts_checks(tmp_path, monkeypatch):
    import json

    from esspass.cli import app

    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path))
    res = CliRunner().invoke(app, ["verifier", "add-client", "labour-inspectorate"])
    assert res.exit_code == 0, res.output
    token = json.loads(res.stdout)["token"]
    stored = (tmp_path / "verifier" / "clients.json")
    assert token not in stored.read_text() and oct(stored.stat().st_mode & 0o777) == "0o600"
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_anonymous_transactions=0), clock=Clock(NOW))
    assert svc.clients.name_of(token) == "labour-inspectorate" and svc.clients.name_of("nope") is None
    bad = CliRunner().invoke(app, ["verifier", "add-client", "no spaces"])
    assert bad.exit_code != 0
