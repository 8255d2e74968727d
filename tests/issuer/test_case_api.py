"""The case-system JSON API, the paper copy and the CLI against a real server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import httpx
from sqlalchemy import func, select

from credential import jose
from credential.types import sample_claims
from issuer import store

from .test_oid4vci import count, status_of, verify
from .wallet_client import Wallet


def test_api_requires_token_and_reports_field_errors(server):
    r = httpx.post(f"{server.url}/api/v1/cases", json={"type": "pda1", "claims": {}})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    claims = sample_claims("pda1")
    claims["subject"]["date_of_birth"] = "1988-13-40"
    del claims["document_number"]
    with server.api() as api:
        r = api.post("/api/v1/cases", json={"type": "pda1", "claims": claims})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        paths = {e["path"] for e in r.json()["errors"]}
        assert {"subject.date_of_birth", "document_number"} <= paths
        assert all(e["da"] for e in r.json()["errors"])
        r = api.post("/api/v1/cases", json={"claims": "x"})
        assert r.status_code == 422 and r.json()["status"] == 422
    assert count(server, store.Case) == 0


def test_idempotent_by_client_request_id(server):
    body = {"type": "ehic", "claims": sample_claims("ehic"), "client_request_id": "case-4711"}
    with server.api() as api:
        a = api.post("/api/v1/cases", json=body).json()
        b = api.post("/api/v1/cases", json=body).json()
        c = api.post("/api/v1/cases", json={**body, "client_request_id": None},
                     headers={"Idempotency-Key": "case-4711"}).json()
        assert a == b == c
        conflict = api.post("/api/v1/cases", json={**body, "type": "pda1", "claims": sample_claims("pda1")})
        assert conflict.status_code == 409
    assert count(server, store.Case) == 1
    with server.service.Session() as s:
        assert s.scalar(select(func.count()).select_from(store.AuditEntry).where(store.AuditEntry.action == "case.create")) == 1


def test_openapi_documents_case_api(server):
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/documents/{document_number}/{action}" in spec["paths"]


def test_paper_copy_has_verifiable_credential_without_key_binding(server, monkeypatch):
    import qrimage
    from credential import qr_transport

    from issuer import paper

    seen: list[bytes] = []
    original = qrimage.encode_qr_png

    def capture(text, out, **kw):  # the server runs in this process: keep the PNG that goes into the PDF
        buf = io.BytesIO()
        info = original(text, buf, **kw)
        seen.append(buf.getvalue())
        out.write(buf.getvalue())
        return info

    monkeypatch.setattr(paper.qrimage, "encode_qr_png", capture)
    with server.api() as api:
        case = api.post("/api/v1/cases", json={"type": "pda1", "claims": sample_claims("pda1")}).json()
        r = api.get(f"/api/v1/cases/{case['case_id']}/paper.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert len(seen) == 1
    scanned = qrimage.decode_qr_image(seen[0])  # what a camera would read
    cred = qr_transport.decode_response(scanned)
    assert "x5c" not in jose.parse_compact(cred.split("~")[0]).header  # printed for offline use: compact
    p = verify(cred, None).payload
    assert "cnf" not in p and status_of(server, p) == "VALID"
    assert p["document_number"] == sample_claims("pda1")["document_number"]
    with server.service.Session() as s:
        rows = list(s.scalars(select(store.Credential).where(store.Credential.paper.is_(True))))
    assert len(rows) == 1 and rows[0].holder_thumbprint is None


def _cli(server, *args, env_extra=None):
    env = {**os.environ, "ESSPASS_HOME": str(server.home), "ESSPASS_ISSUER_URL": server.url,
           **(env_extra or {})}
    env.pop("ESSPASS_ISSUER_API_TOKEN", None) if env_extra is None else None
    return subprocess.run([sys.executable, "-m", "esspass.cli", "issuer", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_cli_offer_and_revoke(server, tmp_path):
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(sample_claims("pda1")), "utf-8")
    r = _cli(server, "offer", "--type", "pda1", "--claims", str(claims))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["offer_uri"].startswith("openid-credential-offer://") and out["tx_code"].isdigit()
    creds, keys = Wallet().receive(out["offer_uri"], out["tx_code"])
    payload = verify(creds[0], keys[0]).payload
    doc = sample_claims("pda1")["document_number"]
    for action, expected in (("suspend", "SUSPENDED"), ("reinstate", "VALID"), ("revoke", "INVALID")):
        r = _cli(server, action, "--document-number", doc, "--url", server.url)
        assert r.returncode == 0, r.stderr
        assert status_of(server, payload) == expected  # immediately after the command returned
    # with another home the token comes from ESSPASS_ISSUER_API_TOKEN
    r = _cli(server, "offer", "--type", "ehic", "--claims", str(tmp_path / "claims.json"),
             env_extra={"ESSPASS_HOME": str(tmp_path / "other"), "ESSPASS_ISSUER_API_TOKEN": server.api_token})
    assert r.returncode == 1 and "errors" in r.stderr  # pda1 claims are not an EHIC: a field-level problem
