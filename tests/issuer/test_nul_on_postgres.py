"""Found by the long fuzz campaign on PostgreSQL (docs/security.md): a NUL in a search, an id or a
free text made the driver fail with HTTP 500 (PostgreSQL text cannot hold NUL). Every such request now
gets its ordinary answer, on both databases."""

from __future__ import annotations

import httpx

from credential.types import sample_claims

from .test_sessions_and_logins import PW, cookie_of, login, page_with
from .wallet_client import PRE_AUTH, Wallet


def test_nul_characters_in_searches_ids_and_texts(server):
    server.service.add_user("officer1", PW, "officer")
    cookie = cookie_of(login(server.url, "officer1", PW))
    assert page_with(server.url, cookie, "/backoffice/?q=%00abc").status_code == 200
    assert page_with(server.url, cookie, "/backoffice/cases/%00").status_code == 404
    with server.api() as api:
        assert api.get("/api/v1/cases/a%00b").status_code == 404
        assert api.get("/api/v1/documents/%00").status_code == 404
        r = api.post("/api/v1/cases", json={"type": "ehic", "claims": sample_claims("ehic"), "tx_code": False,
                                            "client_request_id": "id\x00"})
        assert r.status_code == 201, r.text
        case = r.json()
        Wallet().receive(case["offer_uri"], None)
        r = api.post(f"/api/v1/documents/{case['document_number']}/suspend", json={"reason": "a\x00b"})
        assert r.status_code == 200, r.text
    assert httpx.get(f"{server.url}/credential-offer/%00").status_code == 404
    r = httpx.post(f"{server.url}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": "\x00"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert login(server.url, "a\x00b", PW).status_code == 401
