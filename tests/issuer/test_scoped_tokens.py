"""Issue 14 finding 13: one API token could create, read and revoke any case and print any paper
copy. Tokens now carry scopes (create, read, status, paper), each is revocable, and each is named in
the audit log; ``esspass issuer token create|list|revoke``. Real issuer on loopback."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from credential.types import sample_claims
from issuer.cli import app as cli

from .wallet_client import Wallet


def _as(server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def test_each_scope_opens_only_its_routes_and_revocation_closes_them(server):
    svc = server.service
    with server.api() as full:  # the case-system token of the home: every scope, as before
        case = full.post("/api/v1/cases", json={"type": "ehic", "claims": sample_claims("ehic"),
                                                "tx_code": False}).json()
    Wallet().receive(case["offer_uri"], None)
    doc = case["document_number"]
    routes = {  # (method, path, json body) -> the scope it needs
        ("POST", "/api/v1/cases", json.dumps({"type": "ehic", "claims": sample_claims("ehic")})): "create",
        ("POST", f"/api/v1/cases/{case['case_id']}/offer", None): "create",
        ("GET", f"/api/v1/cases/{case['case_id']}", None): "read",
        ("GET", f"/api/v1/documents/{doc}", None): "read",
        ("GET", f"/api/v1/cases/{case['case_id']}/paper.pdf", None): "paper",
        ("GET", f"/api/v1/document-status/{doc}", None): "lookup",
        ("POST", f"/api/v1/documents/{doc}/suspend", json.dumps({"reason": "check"})): "status",
    }
    tokens = {scope: svc.create_api_token(f"only-{scope}", [scope])
              for scope in ("create", "read", "status", "paper", "lookup")}
    for (method, path, body), needed in routes.items():
        for scope, token in tokens.items():
            with _as(server, token) as c:
                r = c.request(method, path, content=body, headers={"Content-Type": "application/json"})
            if scope == needed:
                assert r.status_code in (200, 201), (method, path, scope, r.text)
            else:
                assert r.status_code == 403, (method, path, scope, r.status_code)
                problem = r.json()
                assert problem["code"] == "insufficient_scope" and problem["scope"] == needed
                assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
                assert r.headers["content-type"] == "application/problem+json"
    # the audit log names the token that did each thing
    actors = {(e.action, e.actor) for e in svc.audit_entries()}
    assert ("case.create", "api:only-create") in actors and ("credential.paper", "api:only-paper") in actors
    assert ("token.create", "system") in actors
    # revoked: the next request is a 401, the others keep working
    assert svc.revoke_api_token("only-read") == 1
    with _as(server, tokens["read"]) as c:
        r = c.get(f"/api/v1/cases/{case['case_id']}")
        assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    with _as(server, tokens["paper"]) as c:
        assert c.get(f"/api/v1/cases/{case['case_id']}/paper.pdf").status_code == 200
    assert ("token.revoke", "system") in {(e.action, e.actor) for e in svc.audit_entries()}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_token_cli_create_list_revoke(server, monkeypatch):
    monkeypatch.setenv("ESSPASS_HOME", str(server.home))
    if server.settings.database_url:
        monkeypatch.setenv("ESSPASS_DATABASE_URL", server.settings.database_url)
    runner = CliRunner()
    r = runner.invoke(cli, ["token", "create", "caseworker", "--scope", "read", "--scope", "create"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    assert made["name"] == "caseworker" and made["scopes"] == ["create", "read"] and len(made["token"]) >= 40
    assert runner.invoke(cli, ["token", "create", "caseworker", "--scope", "read"]).exit_code == 2  # names unique
    r = runner.invoke(cli, ["token", "create", "x", "--scope", "everything"])
    assert r.exit_code == 2 and "create, read, status, paper" in r.output
    listed = json.loads(runner.invoke(cli, ["token", "list"]).output)
    row = next(t for t in listed if t["name"] == "caseworker")
    assert row["scopes"] == ["create", "read"] and row["revoked_at"] is None and "token" not in row
    with _as(server, made["token"]) as c:
        assert c.post("/api/v1/cases", json={"type": "ehic", "claims": sample_claims("ehic")}).status_code == 201
        assert c.post("/api/v1/documents/X/revoke", json={"reason": "r"}).status_code == 403
    r = runner.invoke(cli, ["token", "revoke", "caseworker"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(cli, ["token", "revoke", "caseworker"]).exit_code == 1  # nothing live left
    with _as(server, made["token"]) as c:
        assert c.get("/api/v1/documents/X").status_code == 401
    assert next(t for t in json.loads(runner.invoke(cli, ["token", "list"]).output)
                if t["name"] == "caseworker")["revoked_at"] is not None
