"""The same-device flow (OpenID4VP 1.0 §8.2, §13.3; HAIP 1.0 §5.1) on a real verifier on 127.0.0.1, driven by the
test wallet written from the spec: the response endpoint sends the wallet back with a response_code, and the
result goes only to the session that started the check, once, with that code. Cross-device stays ``{}``."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue, status_token
from tests.verifier.servers import Clock, StatusServer, free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("verifier-home")
    port = free_port()
    clock = Clock(NOW)
    svc = VerifierService(VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{port}"), clock=clock)
    with StatusServer() as status, serve_app(create_app(service=svc), port) as url:
        client = httpx.Client(timeout=10)
        uri = status.url + "/udk/1"
        status.tokens["/udk/1"] = status_token(svc.ecosystem, uri=uri, iat=NOW - 10, exp=NOW + 86400, ttl=300)
        cred = issue(svc.ecosystem, "pda1", idx=3, status_uri=uri, iat=NOW - 3600)
        yield {"svc": svc, "url": url, "client": client, "store": svc.ecosystem.trust_store(NOW), "cred": cred}
        client.close()


def start(env, flow="same_device"):
    # a fresh client per check: its cookie jar is that check's session only
    r = httpx.post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection", "flow": flow},
                   timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["flow"] == flow
    return body


def present(env, auth, **kw):
    fetched = W.fetch_request(auth, env["client"], env["store"], NOW)
    return fetched, W.post_response(fetched, env["client"],
                                    W.build_presentation(fetched, env["cred"].sd_jwt, env["cred"].holder, NOW, **kw))


def code_of(redirect: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(redirect).fragment)["response_code"][0]


def view(env, tid, token):
    return httpx.get(f"{env['url']}/openid4vp/transactions/{tid}", headers={"Authorization": f"Bearer {token}"},
                     timeout=10).json()


def redeem(env, tid, token, code, **extra):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{env['url']}/openid4vp/transactions/{tid}/result", headers=headers,
                      json={"response_code": code, **extra} if code is not None else {}, timeout=10)


def test_same_device_happy_path_releases_the_result_once_with_the_code(env):
    created = start(env)
    tid, token = created["transaction"], created["result_token"]
    assert view(env, tid, token)["flow"] == "same_device"
    _, r = present(env, created["request_uri"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    redirect = r.json()["redirect_uri"]
    assert set(r.json()) == {"redirect_uri"}
    assert redirect.startswith(f"{env['url']}/console/back/{tid}#response_code=")
    code = code_of(redirect)
    assert len(code) >= 43  # 256 bits, base64url
    # the wallet answered, but without the redirect back nobody gets the result, not even the creator
    waiting = view(env, tid, token)
    assert waiting["status"] == "awaiting_redirect" and waiting["decision"] is None
    got = redeem(env, tid, token, code)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["status"] == "done" and body["decision"]["result"] == "PASSED"
    assert body["console"] == f"/console/t/{token}"
    assert view(env, tid, token)["decision"]["result"] == "PASSED"  # the session reads it from now on
    again = redeem(env, tid, token, code)  # single use
    assert again.status_code == 409 and "already used" in again.json()["error_description"]


def test_a_second_check_gets_a_different_code(env):
    codes = set()
    for _ in range(2):
        created = start(env)
        _, r = present(env, created["request_uri"])
        codes.add(code_of(r.json()["redirect_uri"]))
    assert len(codes) == 2


def test_wrong_missing_foreign_and_other_session_codes_get_nothing(env):
    created = start(env)
    tid, token = created["transaction"], created["result_token"]
    other = start(env)  # another check (another session) answered too
    early = redeem(env, tid, token, "x" * 43)
    assert early.status_code == 409 and "no presentation" in early.json()["error_description"]
    _, r = present(env, created["request_uri"])
    code = code_of(r.json()["redirect_uri"])
    _, r2 = present(env, other["request_uri"])
    other_code = code_of(r2.json()["redirect_uri"])

    missing = redeem(env, tid, token, None)
    assert missing.status_code == 400 and "missing" in missing.json()["error_description"]
    not_text = redeem(env, tid, token, 12345)
    assert not_text.status_code == 400
    wrong = redeem(env, tid, token, code[:-2] + ("AA" if not code.endswith("AA") else "BB"))
    assert wrong.status_code == 403 and wrong.json()["error"] == "access_denied"
    foreign = redeem(env, tid, token, other_code)  # another transaction's code
    assert foreign.status_code == 403
    # a bystander with the code but not the session: no result token, or another check's token
    bystander = redeem(env, tid, None, code)
    assert bystander.status_code == 401 and "decision" not in bystander.json()
    other_session = redeem(env, tid, other["result_token"], code)
    assert other_session.status_code == 401 and "decision" not in other_session.json()
    unknown = redeem(env, "no-such-check", token, code)
    assert unknown.status_code == 404
    not_json = httpx.post(f"{env['url']}/openid4vp/transactions/{tid}/result", content=b"{nope",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert not_json.status_code == 400
    # none of that used the code up: the creator's session still redeems it
    assert view(env, tid, token)["decision"] is None
    assert redeem(env, tid, token, code).json()["decision"]["result"] == "PASSED"


def test_cross_device_is_unchanged(env):
    created = start(env, flow="cross_device")
    tid, token = created["transaction"], created["result_token"]
    _, r = present(env, created["request_uri"])
    assert r.status_code == 200 and r.json() == {}  # §8.2: no redirect_uri
    seen = view(env, tid, token)
    assert seen["status"] == "done" and seen["flow"] == "cross_device" and seen["decision"]["result"] == "PASSED"
    refused = redeem(env, tid, token, "anything")
    assert refused.status_code == 400 and "cross-device" in refused.json()["error_description"]
    # the default flow is cross-device
    r = httpx.post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection"}, timeout=10)
    assert r.json()["flow"] == "cross_device"


def test_an_unknown_flow_is_refused(env):
    r = httpx.post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection", "flow": "sideways"},
                   timeout=10)
    assert r.status_code == 400 and r.json()["flows"] == ["cross_device", "same_device"]


def test_attempts_get_no_redirect_and_do_not_end_the_check(env):
    """Issue 14 rule: a presentation for another nonce (a bystander's) is an attempt: no redirect_uri, no code,
    the check stays open, and the holder's own presentation still decides and gets its redirect."""
    created = start(env)
    tid, token = created["transaction"], created["result_token"]
    fetched, r = present(env, created["request_uri"], nonce="someone-elses-nonce")
    assert r.status_code == 400 and "redirect_uri" not in r.json()
    error = env["client"].post(fetched.request["response_uri"],
                               data={"error": "access_denied", "state": fetched.request["state"]})
    assert error.status_code == 200 and error.json() == {}  # an error response is an attempt: no code
    seen = view(env, tid, token)
    assert seen["status"] == "pending" and len(seen["attempts"]) == 2
    _, ok = present(env, created["request_uri"])
    assert ok.status_code == 200 and "response_code=" in ok.json()["redirect_uri"]


def test_the_console_page_withholds_the_result_until_the_redirect_comes_back(env):
    """The console's capability page (the creator's own) shows no decision before the redirect back either."""
    session = httpx.Client(timeout=10)
    r = session.post(f"{env['url']}/console/start", data={"preset": "a1-inspection", "flow": "same_device"})
    assert r.status_code == 303
    page_url = env["url"] + r.headers["location"]
    token = page_url.split("/console/t/")[1].split("?")[0]
    page = session.get(page_url).text
    assert 'id="wallet-link"' in page and 'id="qr"' not in page and 'data-flow="same_device"' in page
    auth = page.split('id="wallet-link"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    tid = next(c for c in session.cookies.jar if c.name == "esspass_result").path.rsplit("/", 1)[1]
    _, resp = present(env, auth)
    code = code_of(resp.json()["redirect_uri"])
    page = session.get(page_url).text
    assert 'data-status="awaiting_redirect"' in page and 'id="decision"' not in page
    # the landing page carries the script, no result
    landing = session.get(resp.json()["redirect_uri"].split("#")[0])
    assert landing.status_code == 200 and 'src="/static/back.js"' in landing.text and "PASSED" not in landing.text
    # this browser's cookie is the session: the code comes back with it (no bearer)
    got = session.post(f"{env['url']}/openid4vp/transactions/{tid}/result", json={"response_code": code})
    assert got.status_code == 200 and got.json()["console"] == f"/console/t/{token}"
    assert 'data-result="PASSED"' in session.get(page_url).text
    session.close()


def test_cli_same_device_request_and_result_with_the_code(env, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from esspass.cli import app

    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path / "cli-home"))  # where `request` keeps the result token
    runner = CliRunner()
    res = runner.invoke(app, ["verifier", "request", "--preset", "a1-inspection", "--url", env["url"], "--same-device"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["flow"] == "same_device"
    _, r = present(env, out["request_uri"])
    redirect = r.json()["redirect_uri"]
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"]])
    assert res.exit_code == 4 and "awaiting_redirect" in res.stdout  # no code: no decision
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json",
                              "--response-code", "wrong"])
    assert res.exit_code == 2 and "does not belong" in res.output
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json",
                              "--response-code", redirect])  # the whole redirect URI will do
    assert res.exit_code == 0 and json.loads(res.stdout)["result"] == "PASSED"
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json",
                              "--response-code", code_of(redirect)])
    assert res.exit_code == 2 and "already used" in res.output  # single use
