"""The OpenID4VP 1.0 service end to end on real loopback servers, driven by a test wallet written from the spec."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import httpx
import pytest
from cryptography import x509
from typer.testing import CliRunner

from credential import jose
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue, status_token
from tests.verifier.servers import Clock, StatusServer, free_port, serve_app
from trust_list import certificates
from trust_list.model import PUB_EAA
from trust_list.operator import withdraw_service
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("verifier-home")
    port = free_port()
    clock = Clock(NOW)
    settings = VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{port}")
    svc = VerifierService(settings, clock=clock)
    with StatusServer() as status, serve_app(create_app(service=svc), port) as url:
        client = httpx.Client(timeout=10)
        yield {"svc": svc, "url": url, "clock": clock, "status": status, "client": client,
               "store": svc.ecosystem.trust_store(NOW), "tokens": {}}
        client.close()


def start(env, preset="a1-inspection"):
    r = env["client"].post(f"{env['url']}/openid4vp/transactions", json={"preset": preset})
    assert r.status_code == 200
    body = r.json()
    env["tokens"][body["transaction"]] = body["result_token"]
    return body["transaction"], body["request_uri"]


def credential(env, kind="pda1", idx=3, path="/udk/1"):
    uri = env["status"].url + path
    env["status"].tokens[path] = status_token(env["svc"].ecosystem, uri=uri, iat=env["clock"].t - 10,
                                              exp=env["clock"].t + 86400, ttl=300)
    return issue(env["svc"].ecosystem, kind, idx=idx, status_uri=uri, iat=env["clock"].t - 3600)


def result(env, tid):
    """The creator reads its result with the result token it got when it started the transaction."""
    return env["client"].get(f"{env['url']}/openid4vp/transactions/{tid}",
                             headers={"Authorization": f"Bearer {env['tokens'][tid]}"}).json()


def test_request_object_follows_openid4vp(env):
    tid, auth = start(env)
    assert auth.startswith("openid4vp://?client_id=x509_hash%3A")
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    req = fetched.request
    assert fetched.header["typ"] == "oauth-authz-req+jwt" and fetched.header["x5c"]
    # HAIP 1.0 §5: no trust anchor in the request's x5c, and its signer is not self-signed
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in fetched.header["x5c"]]
    assert not any(certificates.is_self_signed(c) for c in chain)
    assert req["client_id"] == fetched.client_id == env["svc"].rp.client_id
    assert req["response_type"] == "vp_token" and req["response_mode"] == "direct_post.jwt"
    assert req["response_uri"] == f"{env['url']}/openid4vp/response"
    assert req["nonce"] and req["state"] and req["aud"] == "https://self-issued.me/v2"
    key = req["client_metadata"]["jwks"]["keys"][0]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ECDH-ES" and "d" not in key
    assert req["client_metadata"]["encrypted_response_enc_values_supported"][0] == "A128GCM"
    # ours first, then the EUDI reference issuer's vct for the same document (issue 16)
    assert req["dcql_query"]["credentials"][0]["meta"] == {"vct_values": ["urn:eudi:pda1:1", "urn:eu.europa.ec.eudi:pda1:1"]}
    assert req["verifier_info"][0]["format"] == "registration_cert"
    assert result(env, tid)["status"] == "pending"


def test_full_flow_passes_and_cli_result(env, monkeypatch):
    cred = credential(env)
    tid, auth = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    r = W.post_response(fetched, env["client"], payload)
    assert r.status_code == 200, r.text
    view = result(env, tid)
    assert view["status"] == "done" and view["decision"]["result"] == "PASSED", view
    assert view["decision"]["issuer"] == "Udbetaling Danmark"
    assert "kb.valid" in [c["code"] for c in view["decision"]["checks"]]
    # a replay of the very same response is refused and changes nothing
    r2 = W.post_response(fetched, env["client"], payload)
    assert r2.status_code == 400 and "replay" in r2.json()["error_description"]
    # the CLI reads the decision
    from esspass.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["verifier", "result", tid, "--url", env["url"], "--json",
                              "--token", env["tokens"][tid]])
    assert res.exit_code == 0 and json.loads(res.stdout)["result"] == "PASSED"
    # records keep no personal data by default
    rec = env["svc"].records.list(NOW)[0]
    assert set(rec) == {"decision", "preset", "time", "issuer", "codes"}
    assert "Kowalski" not in json.dumps(rec)


def test_cli_request_and_pending_result(env, tmp_path, monkeypatch):
    from esspass.cli import app

    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path / "cli-home"))  # where `request` keeps the result token
    runner = CliRunner()
    res = runner.invoke(app, ["verifier", "request", "--preset", "ehic-care", "--url", env["url"]])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["request_uri"].startswith("openid4vp://") and out["transaction"]
    assert set(out) == {"request_uri", "transaction", "result_token"}
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json"])
    assert res.exit_code == 4
    res = runner.invoke(app, ["verifier", "request", "--preset", "nope", "--url", env["url"]])
    assert res.exit_code == 2


def test_wrong_state_is_refused_and_nothing_stored(env):
    cred = credential(env)
    tid, auth = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    payload["state"] = "not-the-state"
    r = W.post_response(fetched, env["client"], payload)
    assert r.status_code == 400 and "state" in r.json()["error_description"]
    assert result(env, tid)["status"] == "pending"


def test_other_nonce_is_refused_and_nothing_stored(env):
    cred = credential(env)
    tid, auth = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW, nonce="nonce-of-another-request")
    r = W.post_response(fetched, env["client"], payload)
    assert r.status_code == 400 and "nonce" in r.json()["error_description"]
    assert result(env, tid)["status"] == "pending"


def test_a_wrong_kind_of_answer_is_refused_not_recorded_as_failed(env):
    """Issue 17 item 2 in the service: an offer link, a request, a URL or garbage in vp_token, or a presentation
    made for another verifier (audience), is no presentation of this transaction: 400, no FAILED record, and the
    transaction still takes the right answer."""
    from credential import qr_transport

    cred = credential(env)
    tid, auth = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    good = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    qid = next(iter(good["vp_token"]))
    before = len(env["svc"].records.list(NOW, limit=1000))
    wrong = ["openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fudk.example%2Fo%2F1",
             qr_transport.encode_request("a.b.c"), "https://www.esspass.example/", "HELLO WORLD", "a.b.c"]
    for text in wrong:
        r = W.post_response(fetched, env["client"], {"vp_token": {qid: [text]}, "state": fetched.request["state"]})
        assert r.status_code == 400 and "no SD-JWT presentation" in r.json()["error_description"], text
    other_aud = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW, aud="x509_hash:another-verifier")
    r = W.post_response(fetched, env["client"], other_aud)
    assert r.status_code == 400 and "another request" in r.json()["error_description"]
    assert len(env["svc"].records.list(NOW, limit=1000)) == before and result(env, tid)["status"] == "pending"
    r = W.post_response(fetched, env["client"], good)
    assert r.status_code == 200 and result(env, tid)["decision"]["result"] == "PASSED"


def test_response_encrypted_to_another_key_is_refused(env):
    cred = credential(env)
    tid, auth = start(env)
    _, other = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    fetched_other = W.fetch_request(other, env["client"], env["store"], NOW)
    # HAIP 1.0 §5: an ephemeral encryption key specific to each request, both AES-GCM sizes listed
    keys = [f.request["client_metadata"]["jwks"]["keys"] for f in (fetched, fetched_other)]
    assert [len(k) for k in keys] == [1, 1]
    assert keys[0][0]["x"] != keys[1][0]["x"] and keys[0][0]["kid"] != keys[1][0]["kid"]
    for f in (fetched, fetched_other):
        assert set(f.request["client_metadata"]["encrypted_response_enc_values_supported"]) == {"A128GCM", "A256GCM"}
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    # encrypted to the other transaction's key: its state does not match that transaction
    token = W.encrypt_response(fetched_other.request, payload)
    r = env["client"].post(fetched.request["response_uri"], data={"response": token})
    assert r.status_code == 400
    r = env["client"].post(fetched.request["response_uri"], data={"response": "a.b.c.d.e"})
    assert r.status_code == 400
    assert result(env, tid)["status"] == "pending"


def test_expired_transaction_is_refused(env):
    cred = credential(env)
    tid, auth = start(env)
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    env["clock"].t = NOW + env["svc"].settings.verifier_transaction_ttl + 1
    try:
        r = W.post_response(fetched, env["client"], payload)
        assert r.status_code == 400 and "expired" in r.json()["error_description"]
        assert result(env, tid)["status"] == "expired"
        assert env["client"].get(f"{env['url']}/openid4vp/request/{tid}").status_code == 410
    finally:
        env["clock"].t = NOW


def test_revocation_reaches_the_service_after_ttl(env):
    svc, clock = env["svc"], env["clock"]
    cred = credential(env, idx=11, path="/udk/revocation")
    uri = env["status"].url + "/udk/revocation"

    def present_once():
        tid, auth = start(env)
        fetched = W.fetch_request(auth, env["client"], env["store"], clock.t)
        r = W.post_response(fetched, env["client"], W.build_presentation(fetched, cred.sd_jwt, cred.holder, clock.t))
        assert r.status_code == 200, r.text
        return result(env, tid)["decision"]

    try:
        assert present_once()["result"] == "PASSED"
        env["status"].tokens["/udk/revocation"] = status_token(svc.ecosystem, uri=uri, revoked={11: 1},
                                                               iat=clock.t + 5, exp=clock.t + 86400, ttl=300)
        clock.t += 60  # inside the ttl: the cached token is still used
        assert present_once()["result"] == "PASSED"
        clock.t += 300  # ttl over: fetched again, now revoked
        d = present_once()
        assert d["result"] == "FAILED" and [c["code"] for c in d["checks"] if c["result"] == "fail"] == ["status.invalid"]
    finally:
        clock.t = NOW


def test_trust_list_updated_mid_session(env):
    """The operator withdraws the issuing institution's service; the running service picks up the new list."""
    svc, clock = env["svc"], env["clock"]
    eco = svc.ecosystem
    cred = credential(env, idx=5, path="/fk/1")
    cred_fk = issue(eco, inst="fk", status_uri=None, iat=clock.t - 3600)

    def present_once(c):
        tid, auth = start(env)
        fetched = W.fetch_request(auth, env["client"], env["store"], clock.t)
        r = W.post_response(fetched, env["client"], W.build_presentation(fetched, c.sd_jwt, c.holder, clock.t))
        assert r.status_code == 200, r.text
        return result(env, tid)["decision"]

    assert present_once(cred_fk)["result"] == "PASSED"
    name = "Försäkringskassan"
    clock.t = NOW + 120
    try:
        eco.operator.change(PUB_EAA, withdraw_service, name, f"{name} credential issuance", NOW + 60)
        eco.operator.sign(PUB_EAA, NOW + 100, NOW + 60 * 86400)
        import time as _t
        _t.sleep(1.1)  # the service checks the list files at most once a second
        # a credential of the withdrawn issuer does not decide (its signature can no longer be trusted, so anyone
        # could have sent it, issue 14 finding 1): the inspector sees it as an attempt, with the reason
        tid, auth = start(env)
        fetched = W.fetch_request(auth, env["client"], env["store"], clock.t)
        r = W.post_response(fetched, env["client"], W.build_presentation(fetched, cred_fk.sd_jwt, cred_fk.holder,
                                                                         clock.t))
        assert r.status_code == 400 and "issuer.withdrawn" in r.json()["error_description"]
        view = result(env, tid)
        assert view["status"] == "pending" and [a["code"] for a in view["attempts"]] == ["issuer.withdrawn"]
        assert present_once(cred)["result"] == "PASSED"  # other institutions are unaffected
    finally:
        clock.t = NOW


def test_sync_writes_a_bundle(env, tmp_path, monkeypatch):
    from esspass.cli import app

    import time

    monkeypatch.setenv("ESSPASS_HOME", str(env["svc"].settings.home))  # embedded default, real clock
    monkeypatch.setenv("ESSPASS_ISSUER_URL", f"http://127.0.0.1:{free_port()}")
    now = int(time.time())
    uri = env["status"].url + "/udk/sync"
    # only a token that validates now goes into a bundle (issue 17): signed by a listed status service, not expired
    env["status"].tokens["/udk/sync"] = status_token(env["svc"].ecosystem, uri=uri, iat=now - 10, exp=now + 3600)
    res = CliRunner().invoke(app, ["verifier", "sync", "--out", str(tmp_path / "bundle.json"), "--status-uri", uri])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "bundle.json").read_text())
    from trust_list.model import LIST_TYPES

    assert len(data["trust_lists"]) == len(LIST_TYPES) and uri in data["status_lists"]
