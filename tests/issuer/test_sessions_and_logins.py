"""Issue 14 findings 6 (back-office sessions survive logout), 7 (five guesses lock a user out for
everyone) and 12 (any password, given on the command line), each reproduced against a real issuer
on loopback (SQLite and PostgreSQL for the session table)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from typer.testing import CliRunner

from issuer.api import create_app
from issuer.cli import app as cli
from issuer.service import IssuerService
from issuer.settings import Settings

from .conftest import ServerThread, free_port
from .test_hardening import Clock, login_form

PW = "correct horse battery"


def login(base: str, username: str, password: str, *, source: str = "127.0.0.1") -> httpx.Response:
    """One login in a fresh browser-like client, its connections from ``source`` (any 127/8 address)."""
    c = httpx.Client(transport=httpx.HTTPTransport(local_address=source))
    token = login_form(c, base)
    r = c.post(f"{base}/backoffice/login", data={"username": username, "password": password, "csrf": token})
    r.client = c  # type: ignore[attr-defined]  # the caller may keep using the logged-in client
    return r


def cookie_of(r: httpx.Response) -> str:
    return re.search(r"esspass_issuer_session=([^;]+)", r.headers["set-cookie"]).group(1)


def page_with(base: str, cookie: str, path: str = "/backoffice/") -> httpx.Response:
    return httpx.get(base + path, cookies={"esspass_issuer_session": cookie})


# ------------------------------------------------------------------ finding 6


def test_logout_ends_the_session_on_the_server(server):
    server.service.add_user("officer1", PW, "officer")
    r = login(server.url, "officer1", PW)
    assert r.status_code == 303
    stolen = cookie_of(r)  # e.g. copied from the browser before logout
    c = r.client
    assert page_with(server.url, stolen).status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get(f"{server.url}/backoffice/").text).group(1)
    assert c.post(f"{server.url}/backoffice/logout", data={"csrf": csrf}).status_code == 303
    r = page_with(server.url, stolen)
    assert r.status_code == 303 and r.headers["location"] == "/backoffice/login"
    entries = [(e.action, e.actor) for e in server.service.audit_entries()]
    assert ("logout", "user:officer1") in entries and ("login.success", "user:officer1") in entries


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_role_and_password_changes_end_the_sessions(server):
    svc = server.service
    svc.add_user("boss", PW, "admin")
    svc.add_user("other", "staple battery horse", "officer")
    boss = cookie_of(login(server.url, "boss", PW))
    other = cookie_of(login(server.url, "other", "staple battery horse"))
    assert page_with(server.url, boss, "/backoffice/audit").status_code == 200
    svc.set_role("boss", "officer")  # demoted: the admin session must not live on for hours
    assert page_with(server.url, boss, "/backoffice/audit").status_code == 303
    assert page_with(server.url, other).status_code == 200  # other users' sessions are untouched
    again = cookie_of(login(server.url, "boss", PW))
    assert page_with(server.url, again, "/backoffice/audit").status_code == 403  # the role now is officer
    svc.change_password("boss", "a brand new pass phrase")
    assert page_with(server.url, again).status_code == 303
    assert login(server.url, "boss", PW).status_code == 401
    assert login(server.url, "boss", "a brand new pass phrase").status_code == 303
    actions = [e.action for e in svc.audit_entries()]
    assert "user.role" in actions and "user.password" in actions


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_forged_or_expired_session_cookies_are_refused(server):
    server.service.add_user("officer1", PW, "officer")
    for forged in ("", "x", "a" * 43, "a" * 5000):
        assert page_with(server.url, forged).status_code == 303
    r = login(server.url, "officer1", PW)
    cookie = cookie_of(r)
    assert f"Max-Age={server.settings.session_ttl}" in r.headers["set-cookie"]
    real = server.service.clock
    server.service.clock = lambda: real() + server.settings.session_ttl + 1
    try:
        assert page_with(server.url, cookie).status_code == 303
    finally:
        server.service.clock = real


# ------------------------------------------------------------------ finding 7


@pytest.fixture
def clocked(tmp_path):
    clock = Clock()
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=1000,
                        login_max_failures=3, login_max_failures_per_ip=6, login_failure_window=600)
    svc = IssuerService(settings, clock=clock)
    svc.add_user("admin2", PW, "admin")
    with ServerThread(create_app(settings, svc), port):
        yield f"http://127.0.0.1:{port}", clock, svc
    svc.close()


def test_a_strangers_guesses_do_not_lock_the_user_out(clocked):
    base, clock, svc = clocked
    statuses = [login(base, "admin2", f"guess{i}", source="127.0.0.2").status_code for i in range(8)]
    assert statuses[:3] == [401, 401, 401] and 429 in statuses
    # the real admin, from another address, logs in at once
    assert login(base, "admin2", PW, source="127.0.0.1").status_code == 303
    # the stranger's guesses are in the audit log, with the address; a refusal while waiting once
    failures = [json.loads(e.detail) for e in svc.audit_entries() if e.action == "login.failure"]
    assert {f["ip"] for f in failures} == {"127.0.0.2"}
    assert sum(f["why"] == "password" for f in failures) == statuses.count(401)
    assert sum(f["why"] == "throttled" for f in failures) == 1


def test_delays_grow_per_user_and_address(clocked):
    base, clock, svc = clocked
    for i in range(3):  # free failures
        assert login(base, "admin2", f"guess{i}").status_code == 401
    waits = []
    for i in range(4):
        r = login(base, "admin2", "guess")
        assert r.status_code == 429  # right after the last failure: must wait, the password is not checked
        waits.append(int(r.headers["retry-after"]))
        clock.offset += waits[-1]
        assert login(base, "admin2", f"late{i}").status_code == 401  # after the wait: tried (and wrong)
    for _ in range(8):
        r = login(base, "admin2", "guess")
        assert r.status_code == 429
        waits.append(int(r.headers["retry-after"]))
        clock.offset += waits[-1]
        assert login(base, "admin2", "late").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]  # at most login_failure_window
    clock.offset += 600
    assert login(base, "admin2", PW).status_code == 303  # then the right password works


def test_one_address_spraying_user_names_is_slowed(clocked):
    base, clock, _ = clocked
    for i in range(6):  # a different unknown user each time: only the address's count grows
        assert login(base, f"nobody{i}", "guess", source="127.0.0.3").status_code == 401
    assert login(base, "nobody9", "guess", source="127.0.0.3").status_code == 429
    assert login(base, "admin2", PW, source="127.0.0.1").status_code == 303  # others are not slowed


def test_throttle_arithmetic():
    from issuer.backoffice import LoginThrottle

    now = [1000.0]
    t = LoginThrottle(lambda: now[0], free=2, free_per_ip=4, max_delay=100, memory=1000)
    assert t.attempt("u", "a") == (0, False) and t.attempt("U", "a") == (0, False)  # case-insensitive names
    assert t.retry_after("u", "a") == 1 and t.retry_after("u", "b") == 0 and t.retry_after("v", "a") == 0
    assert t.attempt("u", "a") == (1, True) and t.attempt("u", "a") == (1, False)  # refusals: not counted
    now[0] += 1
    assert t.attempt("u", "a") == (0, False)  # 3rd failure
    assert t.retry_after("u", "a") == 2
    now[0] += 2
    t.attempt("u", "a")
    t.succeeded("u", "a")  # clears (u, a) and refunds the address
    assert t.retry_after("u", "a") == 0
    assert t.delay("pair", 2 + 50) == 100  # capped
    now[0] += 1000
    assert t.retry_after("w", "a") == 0  # forgotten after `memory`


# ------------------------------------------------------------------ finding 12


def test_add_user_password_rules_and_no_command_line_password(tmp_path, monkeypatch):
    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    r = runner.invoke(cli, ["add-user", "clerk", "--password", "1"])
    assert r.exit_code == 2 and "command line" in r.output
    r = runner.invoke(cli, ["add-user", "clerk"], input="1\n")
    assert r.exit_code == 2 and "at least 15 characters" in r.output and "800-63B" in r.output
    r = runner.invoke(cli, ["add-user", "clerk"], input="fourteen chars\n")  # 14
    assert r.exit_code == 2
    r = runner.invoke(cli, ["add-user", "clerk"], input="x" * 20 + "\n")
    assert r.exit_code == 2 and "repeated" in r.output
    r = runner.invoke(cli, ["add-user", "clerk", "--role", "officer"], input="fifteen chars!!\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["add-user", "clerk"], input="another fine password\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(cli, ["set-password", "clerk", "--password", "whatever whatever"])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["set-password", "clerk"], input="a different pass phrase\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["set-role", "clerk", "admin"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(cli, ["set-role", "nobody", "admin"]).exit_code == 2
    svc = IssuerService(Settings(home=tmp_path / "home"))
    try:
        user = svc.check_login("clerk", "a different pass phrase")
        assert user is not None and user.role == "admin"
        assert svc.check_login("clerk", "fifteen chars!!") is None
        with pytest.raises(ValueError, match="15"):
            svc.add_user("x", "short", "officer")
    finally:
        svc.close()
