"""State-file modes, HEAD on Status List Tokens, CSRF on the login form and login throttling."""

from __future__ import annotations

import os
import re
import stat

import httpx
import pytest

from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings

from .conftest import ServerThread, free_port


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sqlite_database_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        svc = IssuerService(Settings(home=tmp_path / "home", status_list_size=1000))
        svc.close()
    finally:
        os.umask(old)
    issuer_dir = tmp_path / "home" / "issuer"
    assert _mode(issuer_dir / "issuer.db") == 0o600
    for name in ("issuer.db-wal", "issuer.db-shm", "api_token", "admin_password", "session_key"):
        if (issuer_dir / name).exists():
            assert _mode(issuer_dir / name) == 0o600, name
    # an existing database left readable by others is tightened at the next start
    os.chmod(issuer_dir / "issuer.db", 0o644)
    IssuerService(Settings(home=tmp_path / "home", status_list_size=1000)).close()
    assert _mode(issuer_dir / "issuer.db") == 0o600


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_head_on_a_status_list_token(server):
    get = httpx.get(f"{server.url}/status/1")
    head = httpx.head(f"{server.url}/status/1")
    assert head.status_code == 200 and head.content == b""
    for h in ("etag", "cache-control", "content-type"):
        assert head.headers[h] == get.headers[h]
    assert int(head.headers["content-length"]) == len(get.content)
    r = httpx.head(f"{server.url}/status/1", headers={"If-None-Match": get.headers["etag"]})
    assert r.status_code == 304 and r.content == b""
    assert httpx.head(f"{server.url}/status/99").status_code == 404


# ------------------------------------------------------------------ back-office login


def login_form(client: httpx.Client, base: str) -> str:
    page = client.get(f"{base}/backoffice/login")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_login_form_has_csrf_protection(server):
    server.service.add_user("officer1", "correct horse battery", "officer")
    creds = {"username": "officer1", "password": "correct horse battery"}
    # a cross-site POST: no login cookie, no token
    assert httpx.post(f"{server.url}/backoffice/login", data=creds).status_code == 403
    with httpx.Client() as c:
        token = login_form(c, server.url)
        assert c.post(f"{server.url}/backoffice/login", data=creds).status_code == 403  # cookie, no token
        assert c.post(f"{server.url}/backoffice/login", data={**creds, "csrf": token + "x"}).status_code == 403
    with httpx.Client() as c:  # a token taken from one browser does not work with another browser's cookie
        c.get(f"{server.url}/backoffice/login")
        r = c.post(f"{server.url}/backoffice/login", data={**creds, "csrf": token})
        assert r.status_code == 403
    with httpx.Client() as c:
        token = login_form(c, server.url)
        r = c.post(f"{server.url}/backoffice/login", data={**creds, "csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/backoffice/"
        assert c.get(f"{server.url}/backoffice/").status_code == 200


class Clock:
    def __init__(self) -> None:
        import time

        self.offset = 0.0
        self._time = time.time

    def __call__(self) -> float:
        return self._time() + self.offset


@pytest.fixture
def clocked(tmp_path):
    clock = Clock()
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=1000,
                        login_max_failures=3, login_max_failures_per_ip=6, login_failure_window=600)
    svc = IssuerService(settings, clock=clock)
    svc.add_user("officer1", "correct horse battery", "officer")
    svc.add_user("officer2", "staple battery horse", "officer")
    with ServerThread(create_app(settings, svc), port):
        yield f"http://127.0.0.1:{port}", clock
    svc.close()


def attempt(base: str, username: str, password: str) -> httpx.Response:
    with httpx.Client() as c:
        token = login_form(c, base)
        return c.post(f"{base}/backoffice/login", data={"username": username, "password": password, "csrf": token})


def test_repeated_failed_logins_lock_the_username(clocked):
    base, clock = clocked
    for _ in range(3):
        assert attempt(base, "officer1", "guess").status_code == 401
    r = attempt(base, "officer1", "correct horse battery")  # locked: even the right password is refused
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert attempt(base, "officer2", "staple battery horse").status_code == 303  # other users are not locked
    clock.offset += 601
    assert attempt(base, "officer1", "correct horse battery").status_code == 303


def test_repeated_failed_logins_from_one_address_lock_the_address(clocked):
    base, clock = clocked
    for i in range(6):  # a different (unknown) user name each time: the per-user limit never trips
        assert attempt(base, f"nobody{i}", "guess").status_code == 401
    assert attempt(base, "officer2", "staple battery horse").status_code == 429
    clock.offset += 601
    assert attempt(base, "officer2", "staple battery horse").status_code == 303


def test_login_throttle_window_and_success():
    from issuer.backoffice import LoginThrottle

    now = [1000.0]
    t = LoginThrottle(lambda: now[0], max_failures=2, max_failures_per_ip=3, window=100)
    assert t.attempt("u", "1.2.3.4")[0] == 0  # counted as failed until it succeeds
    now[0] += 50
    assert t.attempt("U", "1.2.3.4")[0] == 0  # user names are compared case-insensitively
    assert t.retry_after("u", "1.2.3.4") == 50  # until the first failure leaves the window
    assert t.attempt("u", "1.2.3.4") == (50, 0.0)  # a refused attempt is not counted
    assert t.retry_after("v", "1.2.3.4") == 0
    now[0] += 51
    assert t.retry_after("u", "1.2.3.4") == 0  # one failure left in the window
    wait, ticket = t.attempt("u", "1.2.3.4")
    assert wait == 0
    t.succeeded("u", "1.2.3.4", ticket)  # clears the user's failures and refunds the address
    assert t.attempt("u", "1.2.3.4")[0] == 0 and t.retry_after("u", "1.2.3.4") == 0
    assert t.attempt("w", "1.2.3.4")[0] == 0  # the address: 1 (now-51) + 1 (u) + 1 (w) = 3
    assert t.retry_after("x", "1.2.3.4") == 49
    assert t.retry_after("x", "5.6.7.8") == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_back_office_form_refuses_a_revoked_document(server):
    from credential.types import sample_claims

    from .wallet_client import Wallet

    claims = sample_claims("ehic")
    with server.api() as api:
        case = api.post("/api/v1/cases", json={"type": "ehic", "claims": claims, "tx_code": False}).json()
        Wallet().receive(case["offer_uri"], None)
        api.post(f"/api/v1/documents/{claims['document_number']}/revoke", json={"reason": "annulled"})
    server.service.add_user("officer1", "correct horse battery", "officer")
    with httpx.Client(base_url=server.url) as c:
        token = login_form(c, server.url)
        c.post("/backoffice/login", data={"username": "officer1", "password": "correct horse battery", "csrf": token})
        page = c.get("/backoffice/cases/new/ehic?demo=1&lang=da")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        form = {"csrf": csrf, "subject.familynames": "Kowalski", "subject.forenames": "Tomasz",
                "subject.date_of_birth": "1988-07-14", "document_number": claims["document_number"],
                "personal_administrative_number": claims["personal_administrative_number"],
                "date_of_issuance": claims["date_of_issuance"], "date_of_expiry": claims["date_of_expiry"],
                "starting_date": claims["starting_date"], "ending_date": claims["ending_date"]}
        r = c.post("/backoffice/cases/new/ehic", data=form)  # issuing_authority left out: filled in
        assert r.status_code == 409 and "tilbagekaldt" in r.text
