"""Issue 14 finding 9: requests that made the issuer answer HTTP 500, each reproduced against a real
server on loopback, now answer 4xx with a clear body (and a wrong transaction code still counts)."""

from __future__ import annotations

import re
import socket

import httpx
import pytest

from credential.types import sample_claims

from .test_hardening import login_form
from .wallet_client import PRE_AUTH, Wallet


def _case(server, tx_code: bool = True) -> dict:
    with server.api() as api:
        r = api.post("/api/v1/cases", json={"type": "ehic", "claims": sample_claims("ehic"), "tx_code": tx_code})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_non_ascii_tx_code_is_a_counted_wrong_guess(server):
    case = _case(server)
    wallet = Wallet()
    offer = wallet.resolve_offer(case["offer_uri"])
    code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
    as_meta = wallet.metadata(offer["credential_issuer"])[1]
    guesses = ["١٢٣٤٥٦", "ü", "\u202e123456", "１２３４５６", "😀"]
    assert server.settings.tx_code_max_attempts - 1 <= len(guesses)
    for guess in guesses[: server.settings.tx_code_max_attempts - 1]:
        r = wallet.token(as_meta, code, guess)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    # each of them counted: one more wrong code burns the offer, and then even the right one fails
    assert wallet.token(as_meta, code, "000000" if case["tx_code"] != "000000" else "111111").status_code == 400
    r = wallet.token(as_meta, code, case["tx_code"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("list_id", ["9223372036854775808", "9223372036854775807", "0", "-1",
                                     "99999999999999999999999999"])
def test_status_list_ids_out_of_range_are_not_found(server, list_id):
    for method in ("GET", "HEAD"):
        r = httpx.request(method, f"{server.url}/status/{list_id}")
        assert r.status_code == 404, (method, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{server.url}/status/9223372036854775808").json()["code"] == "unknown_status_list"


def _officer(server, client: httpx.Client) -> str:
    server.service.add_user("boss", "correct horse battery staple", "admin")
    token = login_form(client, server.url)
    r = client.post(f"{server.url}/backoffice/login",
                    data={"username": "boss", "password": "correct horse battery staple", "csrf": token})
    assert r.status_code == 303
    page = client.get(f"{server.url}/backoffice/")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("action", ["offer", "paper", "status/revoke", "status/suspend", "status/reinstate"])
def test_back_office_posts_for_an_unknown_case_are_404_and_keep_the_connection(server, action):
    with httpx.Client(base_url=server.url) as c:
        csrf = _officer(server, c)
        r = c.post(f"/backoffice/cases/no-such-case/{action}", data={"csrf": csrf, "reason": "x"})
        assert r.status_code == 404, r.text
        assert "text/html" in r.headers["content-type"]
        # the same kept-alive connection still serves the next request
        assert c.get("/backoffice/").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unknown_case_post_on_one_raw_keep_alive_connection(server):
    """The same check below httpx (which could quietly reconnect): two requests on one socket."""
    with httpx.Client(base_url=server.url) as c:
        csrf = _officer(server, c)
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    host, port = server.url.removeprefix("http://").split(":")
    body = f"csrf={csrf}".encode()
    req = (f"POST /backoffice/cases/nope/offer HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
           f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(req)
        first = _read_response(s)
        s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        second = _read_response(s)
    assert first.startswith(b"HTTP/1.1 404"), first[:80]
    assert second.startswith(b"HTTP/1.1 200"), second[:80]


def _read_response(s: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest
