"""The verifier's access control and input bounds, on real loopback servers (issue #5 audit, gaps 1, 2, 4, 5).

* Results and console pages are readable only by the transaction's creator: knowing the request_uri (the QR code)
  gives no access to a decision; the inspection records need the console access token.
* Request bodies are read as bounded streams: 413 beyond the limit, never a 500 on bad input.
* A device-bound credential without its proof is never a paper copy in the service either.
* Creating transactions is rate-limited per client and never evicts an unexpired transaction.
* `esspass verifier sync` puts configured, seen and the local issuer's status lists in a bundle.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import select
import socket
import stat
import time
import urllib.parse

import httpx
import pytest
from jwcrypto import jwe, jwk
from typer.testing import CliRunner

from credential import sd_jwt
from credential.i18n import text
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue, status_token
from tests.verifier.servers import Clock, StatusServer, free_port, serve_app
from verifier.api import create_app
from verifier.policy import Check, Decision
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("verifier-access-home")
    port = free_port()
    clock = Clock(NOW)
    svc = VerifierService(VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{port}"), clock=clock)
    with StatusServer() as status, serve_app(create_app(service=svc), port) as url:
        yield {"svc": svc, "url": url, "clock": clock, "status": status, "home": home,
               "store": svc.ecosystem.trust_store(NOW)}


def credential(env, idx=3, **kw):
    uri = env["status"].url + "/udk/1"
    env["status"].tokens["/udk/1"] = status_token(env["svc"].ecosystem, uri=uri, iat=NOW - 10, exp=NOW + 86400)
    return issue(env["svc"].ecosystem, idx=idx, status_uri=uri, **kw)


def transaction_id(request_uri: str) -> str:
    """What anyone who sees the QR code learns: the request_uri and its last path segment."""
    inner = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(request_uri).query))["request_uri"]
    return inner.rsplit("/", 1)[1]


def answer(env, auth: str, cred, client: httpx.Client, *, kb: bool = True) -> None:
    fetched = W.fetch_request(auth, client, env["store"], NOW)
    payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
    if not kb:
        query = fetched.request["dcql_query"]["credentials"][0]
        pres = sd_jwt.present(cred.sd_jwt, [tuple(c["path"]) for c in query["claims"]])
        payload = {"vp_token": {query["id"]: [pres]}, "state": fetched.request["state"]}
    r = W.post_response(fetched, client, payload)
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- 1. results belong to the creator


def test_knowing_the_request_uri_gives_no_access_to_the_result(env):
    url = env["url"]
    with httpx.Client(timeout=10) as creator:
        r = creator.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"})
        assert r.status_code == 200
        body = r.json()
    tid, auth, token = body["transaction"], body["request_uri"], body["result_token"]
    assert transaction_id(auth) == tid
    assert len(token) >= 43 and token != tid and token not in auth  # ≥ 256 bits, not in the QR code
    with httpx.Client(timeout=10) as wallet:
        request_object = wallet.get(dict(urllib.parse.parse_qsl(urllib.parse.urlparse(auth).query))["request_uri"])
        assert token not in request_object.text
        answer(env, auth, credential(env), wallet)

    with httpx.Client(timeout=10, follow_redirects=False) as stranger:  # saw the QR code, nothing else
        for headers in ({}, {"Authorization": f"Bearer {tid}"}, {"Authorization": "Bearer " + "A" * 43}):
            r = stranger.get(f"{url}/openid4vp/transactions/{tid}", headers=headers)
            assert r.status_code == 401 and "Kowalski" not in r.text and "decision" not in r.json()
            assert r.headers["www-authenticate"].startswith("Bearer")
    with httpx.Client(timeout=10, cookies={"esspass_result": tid}) as forger:
        assert forger.get(f"{url}/openid4vp/transactions/{tid}").status_code == 401
    with httpx.Client(timeout=10, follow_redirects=False) as stranger:
        r = stranger.get(f"{url}/console/t/{tid}")
        assert r.status_code in (303, 404) and "Kowalski" not in r.text
        r = stranger.get(f"{url}/console/t/{tid}", follow_redirects=True)
        assert "Kowalski" not in r.text and 'id="decision"' not in r.text

    with httpx.Client(timeout=10) as creator_again:  # the creator, with its token only
        r = creator_again.get(f"{url}/openid4vp/transactions/{tid}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["status"] == "done"
        assert r.json()["decision"]["claims"]["subject"]["familynames"] == "Kowalski"
        page = creator_again.get(f"{url}/console/t/{token}")  # the token is also the console page's address
        assert page.status_code == 200 and "Kowalski" in page.text


def test_the_creating_client_reads_its_result_through_its_cookie(env):
    """A client that keeps cookies (the demo's httpx.Client, a browser) needs no extra header."""
    with httpx.Client(timeout=10) as creator:
        body = creator.post(f"{env['url']}/openid4vp/transactions", json={"preset": "ehic-care"}).json()
        r = creator.get(f"{env['url']}/openid4vp/transactions/{body['transaction']}")
        assert r.status_code == 200 and r.json()["status"] == "pending"
        cookie = next(c for c in creator.cookies.jar if c.name == "esspass_result")
        assert cookie.path == f"/openid4vp/transactions/{body['transaction']}" and cookie.value == body["result_token"]
        assert cookie.has_nonstandard_attr("HttpOnly")


def test_console_page_lives_at_a_secret_not_at_the_transaction_id(env):
    url = env["url"]
    with httpx.Client(timeout=10, follow_redirects=False) as inspector:
        r = inspector.post(f"{url}/console/start?lang=en", data={"preset": "a1-inspection"})
        assert r.status_code == 303
        m = re.fullmatch(r"/console/t/([A-Za-z0-9_-]+)\?lang=en", r.headers["location"])
        assert m, r.headers["location"]
        secret = m.group(1)
        page = inspector.get(f"{url}/console/t/{secret}")
        assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
        auth = re.search(r'href="(openid4vp://[^"]+)" id="wallet-link"', page.text).group(1).replace("&amp;", "&")
        tid = transaction_id(auth)
        assert len(secret) >= 43 and secret != tid and secret not in auth
    with httpx.Client(timeout=10) as wallet:
        answer(env, auth, credential(env), wallet)
    with httpx.Client(timeout=10, follow_redirects=True) as stranger:
        assert "Kowalski" not in stranger.get(f"{url}/console/t/{tid}").text
        assert stranger.get(f"{url}/openid4vp/transactions/{tid}").status_code == 401
    with httpx.Client(timeout=10) as inspector:
        assert "Kowalski" in inspector.get(f"{url}/console/t/{secret}").text


def test_records_need_the_console_access_token(env):
    url, svc = env["url"], env["svc"]
    token_file = env["home"] / "verifier" / "console_token"
    assert token_file.read_text().strip() == svc.console_token and len(svc.console_token) >= 43
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    svc.records.add(svc.verify(paper_presentation(env["svc"].ecosystem), preset=None, key_binding=False), NOW)
    svc.records.add(Decision("FAILED", [Check("issuer.trusted", "pass", {}), Check("status.invalid", "fail", {})],
                             preset="a1-inspection"), NOW + 1)
    with httpx.Client(timeout=10, follow_redirects=False) as stranger:
        r = stranger.get(f"{url}/console/records")
        assert r.status_code == 401 and 'id="records"' not in r.text and 'data-result="PASSED"' not in r.text
        assert stranger.get(f"{url}/console/records", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert stranger.get(f"{url}/console/login", params={"token": "nope"}).status_code == 401
    with httpx.Client(timeout=10, cookies={"esspass_console": "x" * 43}) as forger:
        assert forger.get(f"{url}/console/records").status_code == 401
    with httpx.Client(timeout=10, follow_redirects=False) as operator:
        r = operator.get(f"{url}/console/login", params={"token": svc.console_token, "lang": "da"})
        assert r.status_code == 303 and r.headers["location"] == "/console/records?lang=da"
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
        r = operator.get(f"{url}/console/records")
        assert r.status_code == 200 and 'id="records"' in r.text and 'data-result="PASSED"' in r.text
        # the decisive reason in words; its code only in the details column
        reasons = re.findall(r'<td data-label="[^"]*" class="reason">(.*?)</td>', r.text, re.S)
        assert reasons[0] == html.escape(text("status.invalid", "en"), quote=True) and set(reasons[1:]) == {"—"}, reasons
        assert '<code data-details>issuer.trusted status.invalid</code>' in r.text
    with httpx.Client(timeout=10) as script:
        r = script.get(f"{url}/console/records", headers={"Authorization": f"Bearer {svc.console_token}"})
        assert r.status_code == 200 and 'id="records"' in r.text


def paper_presentation(eco) -> str:
    cred = issue(eco, holder=False, status_uri=None)
    return sd_jwt.present(cred.sd_jwt, [("subject", "familynames")])


def test_cli_keeps_the_result_token_for_result(env, tmp_path, monkeypatch):
    from esspass.cli import app

    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path / "inspector"))
    res = runner.invoke(app, ["verifier", "request", "--preset", "a1-inspection", "--url", env["url"]])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    kept = tmp_path / "inspector" / "verifier" / "results" / f"{out['transaction']}.json"
    assert json.loads(kept.read_text())["result_token"] == out["result_token"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    with httpx.Client(timeout=10) as wallet:
        answer(env, out["request_uri"], credential(env), wallet)
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["result"] == "PASSED", (res.exit_code, res.output)
    # another inspector's device (another home) knows the transaction ID but not the token
    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path / "someone-else"))
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json"])
    assert res.exit_code == 2 and "Kowalski" not in res.output
    res = runner.invoke(app, ["verifier", "result", out["transaction"], "--url", env["url"], "--json",
                              "--token", out["result_token"]])
    assert res.exit_code == 0 and json.loads(res.stdout)["claims"]["subject"]["familynames"] == "Kowalski"


# ---------------------------------------------------------------- 2. bounded bodies, no 500 on bad input


def _raw(url: str, head: bytes, body_chunks=(), timeout: float = 5.0) -> tuple[int, float]:
    """Send a request by hand; returns (status, seconds until the status line arrived)."""
    host, port = url.removeprefix("http://").split(":")
    t0 = time.monotonic()
    data = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(head)
        for chunk in body_chunks:
            if select.select([s], [], [], 0.01)[0]:  # the server has answered: stop sending, read it
                break
            try:
                s.sendall(chunk)
            except OSError:  # the server answered and closed while we were still sending: that is the point
                break
        while b"\r\n" not in data:
            more = s.recv(4096)
            if not more:
                break
            data += more
    return int(data.split(b" ", 2)[1]), time.monotonic() - t0


@pytest.mark.parametrize("path,ctype", [("/openid4vp/transactions", "application/json"),
                                        ("/openid4vp/response", "application/x-www-form-urlencoded"),
                                        ("/console/start", "application/x-www-form-urlencoded")])
def test_declared_oversized_body_is_refused_before_it_is_read(env, path, ctype):
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {300 * 1024 * 1024}\r\n\r\n").encode()
    status, seconds = _raw(env["url"], head)  # not one byte of the 300 MB is sent
    assert status == 413 and seconds < 3


@pytest.mark.parametrize("path,limit", [("/openid4vp/transactions", 16 * 1024),
                                        ("/openid4vp/response", 1024 * 1024 + 4096),
                                        ("/console/start", 16 * 1024)])
def test_streamed_body_stops_being_read_at_the_limit(env, path, limit):
    """A chunked body with no Content-Length, driven through the ASGI app: it must stop reading at the limit."""
    app = create_app(service=env["svc"])
    chunk = b"x" * 65536
    total = 32 * 1024 * 1024
    consumed = 0
    sent: list[dict] = []

    async def receive():
        nonlocal consumed
        if consumed >= total:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"x"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert consumed <= limit + len(chunk)


def test_chunked_oversized_body_on_the_wire_is_413(env):
    head = b"POST /openid4vp/transactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    piece = b"[" * 8192
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(64))  # 512 KiB, no Content-Length
    status, _ = _raw(env["url"], head, chunks)
    assert status == 413


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b"{" * 3, b"\xff\xfe", b"[1, 2]", b'{"preset": 7}',
                                  b'{"preset": ["a1-inspection"]}', b'"a1-inspection"', b"NaN"])
def test_bad_json_bodies_are_400_never_500(env, body):
    with httpx.Client(timeout=10) as client:
        r = client.post(f"{env['url']}/openid4vp/transactions", content=body,
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (body[:20], r.status_code, r.text[:200])


def test_deeply_nested_json_beyond_the_limit_is_413_not_500(env):
    with httpx.Client(timeout=10) as client:
        r = client.post(f"{env['url']}/openid4vp/transactions", content=b"[" * 100000 + b"]" * 100000)
    assert r.status_code == 413


def _encrypt_raw(request: dict, plaintext: bytes) -> str:
    key = request["client_metadata"]["jwks"]["keys"][0]
    token = jwe.JWE(plaintext, protected=json.dumps({"alg": "ECDH-ES", "enc": "A128GCM", "kid": key["kid"]}))
    token.add_recipient(jwk.JWK(**{k: key[k] for k in ("kty", "crv", "x", "y")}))
    return token.serialize(compact=True)


def test_hostile_responses_are_400_never_500(env):
    """Encrypted to a live transaction's public key (anyone can read it from the request object)."""
    with httpx.Client(timeout=10) as client:
        body = client.post(f"{env['url']}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
        fetched = W.fetch_request(body["request_uri"], client, env["store"], NOW)
        state = fetched.request["state"]
        deep = b"[" * 5000 + b"]" * 5000
        hostile = [
            b'{"state": "' + state.encode() + b'", "vp_token": ' + deep + b"}",  # deep JSON in the JWE
            json.dumps({"state": state, "vp_token": deep.decode()}).encode(),  # deep JSON inside vp_token
            json.dumps({"state": state, "vp_token": {"pda1": [{"x": 1}]}}).encode(),
            b"\xff not json",
            b"[]",
        ]
        for plaintext in hostile:
            r = client.post(fetched.request["response_uri"], data={"response": _encrypt_raw(fetched.request, plaintext)})
            assert r.status_code == 400, (plaintext[:40], r.status_code, r.text[:200])
        for raw in (b"\xff\xfe=\xff", b"&".join(b"f%d=1" % i for i in range(100)), b"response=" + b"%" * 1000,
                    b"error=access_denied&state=" + b"x" * 2000):
            r = client.post(fetched.request["response_uri"], content=raw,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert r.status_code == 400, (raw[:40], r.status_code, r.text[:200])
        for raw in (b"\xff\xfe", b"preset=" + b"%ff" * 100, b"&".join(b"p%d=1" % i for i in range(100))):
            r = client.post(f"{env['url']}/console/start", content=raw, follow_redirects=False,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert r.status_code == 303 and r.headers["location"].startswith("/?")
        # the transaction is still open and answerable: nothing was recorded
        view = client.get(f"{env['url']}/openid4vp/transactions/{body['transaction']}",
                          headers={"Authorization": f"Bearer {body['result_token']}"}).json()
        assert view["status"] == "pending"


# ---------------------------------------------------------------- 3. the service's paper-copy policy


def test_service_allowing_paper_refuses_a_device_bound_credential_without_its_proof(tmp_path):
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}",
                                           verifier_allow_paper=True), clock=Clock(NOW))
    env = {"svc": svc, "store": svc.ecosystem.trust_store(NOW)}
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10, follow_redirects=True) as c:
        def console_check(cred, lang):
            page = c.post(f"{url}/console/start?lang={lang}", data={"preset": "a1-inspection"})
            auth = re.search(r'href="(openid4vp://[^"]+)" id="wallet-link"', page.text).group(1).replace("&amp;", "&")
            with httpx.Client(timeout=10) as wallet:
                answer(env, auth, cred, wallet, kb=False)
            return c.get(str(page.url)).text, svc.transactions.by_result_token(str(page.url.path).rsplit("/", 1)[1])

        page, t = console_check(issue(svc.ecosystem, status_uri=None), "en")  # a wallet credential, proof stripped
        d = t.decision.as_json()
        assert d["result"] == "FAILED" and [c["code"] for c in d["checks"] if c["result"] == "fail"] == ["kb.missing"]
        assert "kb.not_bound" not in [c["code"] for c in d["checks"]]
        assert 'data-result="FAILED"' in page
        # the decisive reason on its own line, then what to do (not the reason twice)
        reason = re.search(r'<p id="reason" class="reason">(.*?)</p>', page, re.S).group(1)
        hint = re.search(r'<p id="hint">(.*?)</p>', page, re.S).group(1)
        assert "(key binding) is missing" in reason and hint == text("inspector.next.failed", "en")

        page, t = console_check(issue(svc.ecosystem, status_uri=None, holder=False), "en")  # a real paper copy
        assert t.decision.result == "PASSED" and "kb.not_bound" in t.decision.codes
        hint = re.search(r'<p id="hint">(.*?)</p>', page, re.S).group(1)
        assert "identity document" in hint and hint != "Every check passed."
        age = re.search(r'<p id="data-age">(.*?)</p>', page, re.S).group(1)  # the age of the data, in words
        assert age.startswith("trusted list ") and age.endswith(" ago") and "None" not in age
        page, _ = console_check(issue(svc.ecosystem, status_uri=None, holder=False), "da")
        assert "identitetsdokument" in re.search(r'<p id="hint">(.*?)</p>', page, re.S).group(1)
        assert re.search(r'<p id="data-age">tillidsliste .* siden</p>', page)


# ---------------------------------------------------------------- 5. creation limits, records file mode


def test_creation_is_rate_limited_per_client(tmp_path):
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}",
                                           verifier_create_burst=3, verifier_create_per_minute=1), clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10) as c:
        for _ in range(3):
            assert c.post(f"{url}/openid4vp/transactions", json={"preset": "ehic-care"}).status_code == 200
        r = c.post(f"{url}/openid4vp/transactions", json={"preset": "ehic-care"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        r = c.post(f"{url}/console/start", data={"preset": "ehic-care"}, follow_redirects=False)
        assert r.status_code == 429
        assert len(svc.transactions) == 3


def test_a_full_store_refuses_new_transactions_and_keeps_pending_ones(tmp_path):
    port = free_port()
    clock = Clock(NOW)
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}",
                                           verifier_max_transactions=3, verifier_create_per_minute=0), clock=clock)
    env = {"svc": svc, "store": svc.ecosystem.trust_store(NOW)}
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10) as c:
        first = c.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
        for _ in range(2):
            assert c.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"}).status_code == 200
        r = c.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"})
        assert r.status_code == 503 and r.headers["retry-after"]
        # the first check is still there and can still be answered
        answer(env, first["request_uri"], issue(svc.ecosystem, status_uri=None), c)
        view = c.get(f"{url}/openid4vp/transactions/{first['transaction']}",
                     headers={"Authorization": f"Bearer {first['result_token']}"}).json()
        assert view["status"] == "done" and view["decision"]["result"] == "PASSED"
        clock.t = NOW + svc.settings.verifier_transaction_ttl + 1  # all expired: room is made from expired ones
        assert c.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"}).status_code == 200
        assert len(svc.transactions) == 3


def test_records_file_is_owner_only(tmp_path):
    svc = VerifierService(VerifierSettings(home=tmp_path), clock=Clock(NOW))
    svc.records.add(svc.verify(paper_presentation(svc.ecosystem), preset=None, key_binding=False), NOW)
    for name in ("records.sqlite", "records.sqlite-wal", "records.sqlite-shm"):
        path = tmp_path / "verifier" / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


# ---------------------------------------------------------------- 4. sync's status sources


def _sync(monkeypatch, tmp_path, home, **environ) -> dict:
    from esspass.cli import app

    monkeypatch.setenv("ESSPASS_HOME", str(home))
    closed = free_port()  # nothing listens here: the default issuer probe finds nothing unless a test says so
    monkeypatch.setenv("ESSPASS_ISSUER_URL", f"http://127.0.0.1:{closed}")
    for k, v in environ.items():
        monkeypatch.setenv(k, v)
    res = runner.invoke(app, ["verifier", "sync", "--out", str(tmp_path / "bundle.json")])
    assert res.exit_code == 0, res.output
    return json.loads((tmp_path / "bundle.json").read_text())


def test_sync_includes_configured_status_uris(tmp_path, monkeypatch):
    home = tmp_path / "home"
    eco = VerifierService(VerifierSettings(home=home)).ecosystem
    with StatusServer() as server:
        uri = server.url + "/lists/7"
        now = int(time.time())
        server.tokens["/lists/7"] = status_token(eco, uri=uri, iat=now - 5, exp=now + 3600)
        data = _sync(monkeypatch, tmp_path, home, ESSPASS_VERIFIER_STATUS_URIS=json.dumps([uri]))
    assert uri in data["status_lists"] and data["status_lists"][uri]["token"] == server.tokens["/lists/7"]


def test_sync_includes_status_uris_the_service_has_seen(tmp_path, monkeypatch):
    home = tmp_path / "home"
    svc = VerifierService(VerifierSettings(home=home))
    now = svc.now()
    with StatusServer() as server:
        uri = server.url + "/udk/42"
        server.tokens["/udk/42"] = status_token(svc.ecosystem, uri=uri, iat=now - 5, exp=now + 3600)
        cred = issue(svc.ecosystem, holder=False, status_uri=uri, idx=4, iat=now - 3600, exp=now + 86400)
        decision = svc.verify(sd_jwt.present(cred.sd_jwt, [("subject", "familynames")]), preset=None,
                              key_binding=False)
        assert decision.result == "PASSED", decision.as_json()
        seen = home / "verifier" / "status-uris.json"
        saved = json.loads(seen.read_text())
        assert set(saved) == {"format", "uris"} and list(saved["uris"]) == [uri]  # the list URI only
        assert "Kowalski" not in seen.read_text() and stat.S_IMODE(seen.stat().st_mode) == 0o600
        svc.status.close()
        data = _sync(monkeypatch, tmp_path, home)  # another process, same home, no --status-uri
    assert uri in data["status_lists"]


def test_sync_on_embedded_defaults_includes_the_local_issuers_list(tmp_path, monkeypatch):
    home = tmp_path / "home"
    eco = VerifierService(VerifierSettings(home=home)).ecosystem
    with StatusServer() as issuer:
        uri = issuer.url + "/status/1"
        now = int(time.time())
        issuer.tokens["/status/1"] = status_token(eco, uri=uri, iat=now - 5, exp=now + 3600)
        data = _sync(monkeypatch, tmp_path, home)
        assert data["status_lists"] == {}  # the probe went to a closed port: nothing, and no failure
        data = _sync(monkeypatch, tmp_path, home, ESSPASS_ISSUER_URL=issuer.url)
    assert list(data["status_lists"]) == [uri]
