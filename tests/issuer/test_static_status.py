"""Issue 12 item 3: Status List Tokens (and the trust-list operator's lists) as static files served by nginx with
ETag and Cache-Control matching the token's ``ttl``; a status change is in the file within one second."""

from __future__ import annotations

import time

import httpx
import pytest

from credential import status_list as tsl
from credential.jose import parse_compact
from issuer.service import IssuerService
from issuer.settings import Settings
from issuer.static_status import nginx_location
from tests.nginx_support import Nginx

from .test_oid4vci import create_case
from .wallet_client import Wallet

TTL = 120


@pytest.fixture
def published(tmp_path):
    from issuer.api import create_app

    from .conftest import Running, ServerThread, free_port

    port = free_port()
    static = tmp_path / "static-status"
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_dir=static,
                        status_list_size=1000, status_list_ttl=TTL)
    svc = IssuerService(settings)
    lists = tmp_path / "home" / "ecosystem" / "operator" / "signed"  # the demo operator's signed lists
    nginx = Nginx.start(tmp_path / "nginx", nginx_location(static, TTL)
                        + nginx_location(lists, 3600, prefix="/lists/"))
    with ServerThread(create_app(settings, svc), port):
        yield Running(f"http://127.0.0.1:{port}", svc, settings, tmp_path / "home"), nginx, lists
    nginx.stop()
    svc.close()


def bits(token: str) -> tsl.StatusList:
    return tsl.StatusList.decode(parse_compact(token).payload()["status_list"])


def test_nginx_serves_the_token_the_app_serves_and_a_revocation_within_a_second(published):
    server, nginx, _ = published
    with httpx.Client(timeout=10) as http:
        first = http.get(f"{nginx.url}/status/1")
        assert first.status_code == 200 and first.text == http.get(f"{server.url}/status/1").text
        assert first.headers["content-type"] == "application/statuslist+jwt"
        assert first.headers["cache-control"] == f"public, max-age={TTL}" and first.headers["etag"]
        assert parse_compact(first.text).payload()["ttl"] == TTL
        again = http.get(f"{nginx.url}/status/1", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        # issue a credential, revoke its document: the file changes before the revocation call returns
        case = create_case(server, tx_code=False)
        creds, _ = Wallet().receive(case["offer_uri"], None)
        idx = parse_compact(creds[0].split("~")[0]).payload()["status"]["status_list"]["idx"]
        started = time.monotonic()
        with server.api() as api:
            r = api.post(f"/api/v1/documents/{case['document_number']}/revoke", json={"reason": "test"})
            assert r.status_code == 200, r.text
        changed = http.get(f"{nginx.url}/status/1")
        assert time.monotonic() - started < 1.0
        assert changed.headers["etag"] != first.headers["etag"]
        assert bits(changed.text).get(idx) == tsl.INVALID and bits(first.text).get(idx) == tsl.VALID
        assert http.get(f"{nginx.url}/status/1", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
        assert http.get(f"{nginx.url}/status/.lock").status_code == 404  # only the tokens are published


def test_the_operators_lists_are_static_files_too(published):
    _, nginx, lists = published
    with httpx.Client(timeout=10) as http:
        for path in sorted(lists.glob("*.jwt")):
            r = http.get(f"{nginx.url}/lists/{path.name}")
            assert r.status_code == 200 and r.text == path.read_text() and r.headers["etag"]
            assert r.headers["cache-control"] == "public, max-age=3600"
