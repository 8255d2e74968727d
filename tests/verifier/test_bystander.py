"""Issue 14, finding 1: a bystander who saw the inspector's QR code holds the request (state, nonce, encryption
key) and must not be able to cancel or spoil the inspection. Before the fix an unauthenticated
``error=access_denied&state=…`` ended the transaction ("declined") and the real wallet was told "closed"; now every
error and every presentation that does not prove key binding to this request over a verified issuer signature is an
attempt, shown as such, and the first valid presentation decides."""

from __future__ import annotations

import httpx
import pytest

from credential.jose import SigningKey
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue
from tests.verifier.servers import Clock, free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    port = free_port()
    settings = VerifierSettings(home=tmp_path_factory.mktemp("verifier-home"), verifier_url=f"http://127.0.0.1:{port}")
    svc = VerifierService(settings, clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10) as client:
        yield {"svc": svc, "url": url, "client": client, "store": svc.ecosystem.trust_store(NOW)}


def _start(env):
    body = env["client"].post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
    return body["transaction"], body["result_token"], body["request_uri"]


def _view(env, tid, token):
    return env["client"].get(f"{env['url']}/openid4vp/transactions/{tid}",
                             headers={"Authorization": f"Bearer {token}"}).json()


def test_a_bystander_cannot_cancel_or_spoil_the_inspection(env):
    eco = env["svc"].ecosystem
    tid, token, auth = _start(env)
    # the bystander photographs the QR code and fetches the request like any wallet
    with httpx.Client(timeout=10) as bystander:
        seen = W.fetch_request(auth, bystander, env["store"], NOW)
        state, uri = seen.request["state"], seen.request["response_uri"]
        qid = seen.request["dcql_query"]["credentials"][0]["id"]
        # 1. an unauthenticated error response, and one inside an encrypted response
        assert bystander.post(uri, data={"error": "access_denied", "state": state}).status_code == 200
        assert W.post_response(seen, bystander, {"error": "access_denied", "state": state}).status_code == 200
        # 2. an encrypted answer that is no presentation
        assert W.post_response(seen, bystander, {"vp_token": {qid: ["a.b.c"]}, "state": state}).status_code == 400
        # 3. a forged credential (signed by the bystander's own key), key-bound to this very request
        forged = issue(eco, "pda1", key=SigningKey.generate(), status_uri=None, iat=NOW - 3600)
        r = W.post_response(seen, bystander, W.build_presentation(seen, forged.sd_jwt, forged.holder, NOW))
        assert r.status_code == 400 and "stays open" in r.json()["error_description"]
        # 4. a genuine credential whose holder key is not the bystander's: a key-binding JWT by another key
        genuine = issue(eco, "pda1", status_uri=None, iat=NOW - 3600)
        r = W.post_response(seen, bystander, W.build_presentation(seen, genuine.sd_jwt, SigningKey.generate(), NOW))
        assert r.status_code == 400
    view = _view(env, tid, token)
    assert view["status"] == "pending" and view["decision"] is None and view["error"] is None
    kinds = [(a["kind"], a["code"]) for a in view["attempts"]]
    assert kinds[:3] == [("error", "access_denied"), ("error", "access_denied"), ("refused", "sd.jwt_malformed")]
    assert len(kinds) == 5 and all(kind == "refused" for kind, _ in kinds[3:])
    # the console shows the attempts as attempts, in words, while it still waits
    page = env["client"].get(f"{env['url']}/console/t/{token}?lang=da")
    assert page.status_code == 200 and 'data-status="pending"' in page.text and 'id="attempts"' in page.text
    assert "Ikke godtaget" in page.text and 'data-code="access_denied"' in page.text
    # the holder's real wallet answers afterwards: its presentation decides
    holder = issue(eco, "pda1", status_uri=None, iat=NOW - 3600)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    r = W.post_response(fetched, env["client"], W.build_presentation(fetched, holder.sd_jwt, holder.holder, NOW))
    assert r.status_code == 200, r.text
    view = _view(env, tid, token)
    assert view["status"] == "done" and view["decision"]["result"] == "PASSED"
    # once decided, nothing more is taken: not even another valid presentation, nor an error
    r = W.post_response(fetched, env["client"], W.build_presentation(fetched, holder.sd_jwt, holder.holder, NOW))
    assert r.status_code == 400 and "already answered" in r.json()["error_description"]
    assert env["client"].post(uri, data={"error": "access_denied", "state": state}).status_code == 400
    assert _view(env, tid, token)["decision"]["result"] == "PASSED"


def test_attempts_are_bounded(env):
    tid, token, auth = _start(env)
    seen = W.fetch_request(auth, env["client"], env["store"], NOW)
    for _ in range(40):
        env["client"].post(seen.request["response_uri"], data={"error": "access_denied",
                                                               "state": seen.request["state"]})
    view = _view(env, tid, token)
    assert view["status"] == "pending" and 0 < len(view["attempts"]) <= 20
