"""Issue 15 item 3: the scope ``lookup`` answers only whether a document number is valid, suspended or revoked and
where the issuer's signed status lists say it; it opens nothing else (the inspector app's manual entry). Real
issuer on loopback."""

from __future__ import annotations

import httpx

from credential.types import sample_claims

from .wallet_client import Wallet


def _as(server, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def test_lookup_answers_status_and_references_only(server):
    svc = server.service
    with server.api() as full:
        case = full.post("/api/v1/cases", json={"type": "pda1", "claims": sample_claims("pda1"),
                                                "tx_code": False}).json()
    Wallet().receive(case["offer_uri"], None)
    doc = case["document_number"]
    token = svc.create_api_token("inspector-lookup", ["lookup"])
    with _as(server, token) as c:
        r = c.get(f"/api/v1/document-status/{doc}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"document_number", "status", "references"} and body["status"] == "VALID"
        assert r.headers["cache-control"] == "no-store"
        ref = body["references"][0]
        assert set(ref) == {"uri", "idx"} and ref["uri"].startswith(server.url + "/status/")
        # the reference is the one in the signed list: the issuer's own token says VALID there
        token_text = httpx.get(ref["uri"]).text  # the issuer's signed Status List Token
        text = str(body)
        for personal in ("familynames", "forenames", "holder", "thumbprint", "birth", "case_id",
                         sample_claims("pda1")["subject"]["familynames"]):
            assert personal not in text
        assert token_text.count(".") == 2
        # unknown and too long: specific problems, not 500
        r = c.get("/api/v1/document-status/NO-SUCH-NUMBER")
        assert r.status_code == 404 and r.json()["code"] == "unknown_document"
        r = c.get("/api/v1/document-status/" + "X" * 101)
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "request.string_too_long"
        # negative: the lookup token reads no case, no document's credentials, changes nothing, prints nothing
        for method, path in (("GET", f"/api/v1/cases/{case['case_id']}"), ("GET", f"/api/v1/documents/{doc}"),
                             ("POST", f"/api/v1/documents/{doc}/revoke"), ("POST", "/api/v1/cases"),
                             ("GET", f"/api/v1/cases/{case['case_id']}/paper.pdf"),
                             ("POST", f"/api/v1/cases/{case['case_id']}/device-lost")):
            r = c.request(method, path, json={"reason": "x"})
            assert r.status_code == 403 and r.json()["code"] == "insufficient_scope", (method, path, r.status_code)
    # suspended and revoked are told as such
    with server.api() as full:
        assert full.post(f"/api/v1/documents/{doc}/suspend", json={"reason": "check"}).status_code == 200
        with _as(server, token) as c:
            assert c.get(f"/api/v1/document-status/{doc}").json()["status"] == "SUSPENDED"
        assert full.post(f"/api/v1/documents/{doc}/revoke", json={"reason": "fraud"}).status_code == 200
        with _as(server, token) as c:
            assert c.get(f"/api/v1/document-status/{doc}").json()["status"] == "INVALID"
    # without a token / with a wrong one
    assert httpx.get(f"{server.url}/api/v1/document-status/{doc}").status_code == 401
    with _as(server, "not-a-token") as c:
        assert c.get(f"/api/v1/document-status/{doc}").status_code == 401
