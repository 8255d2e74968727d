"""State-file modes, HEAD on Status List Tokens and CSRF on the login form."""

from __future__ import annotations

import os
import re
import stat

import httpx
import pytest

from issuer.service import IssuerService
from issuer.settings import Settings



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


# the login throttle's tests: test_sessions_and_logins.py (issue 14 finding 7)


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
