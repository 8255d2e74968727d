"""Every case-API error is RFC 9457 problem+json; authentication comes before the body; the issuer only
signs for its own institution; idempotency keys are bound to their request; revoked documents stay revoked."""

from __future__ import annotations

import httpx
import pytest

from credential.types import sample_claims
from issuer import store

from .test_oid4vci import count, verify
from .wallet_client import Wallet

PROBLEM = "application/problem+json"


def is_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM, r.headers
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def case_body(type_key="pda1", **claim_changes):
    claims = sample_claims(type_key)
    claims.update(claim_changes)
    return {"type": type_key, "claims": claims, "tx_code": False}


# ------------------------------------------------------------------ gap 2: problem+json everywhere


def test_oversized_bodies_are_problems_on_the_api_and_oauth_errors_on_openid4vci(server):
    too_big = b"{" + b" " * (server.settings.max_body_bytes + 10) + b"}"
    with server.api() as api:
        is_problem(api.post("/api/v1/cases", content=too_big, headers={"Content-Type": "application/json"}), 413)

        def chunks():  # no Content-Length: chunked transfer encoding
            for _ in range(server.settings.max_body_bytes // 4096 + 2):
                yield b" " * 4096

        is_problem(api.post("/api/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}), 413)
        is_problem(api.post("/api/v1/documents/X/revoke", content=chunks(),
                            headers={"Content-Type": "application/json"}), 413)
    # the OpenID4VCI endpoints keep the OAuth error format the spec mandates
    for path in ("/token", "/credential", "/nonce"):
        r = httpx.post(server.url + path, content=too_big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/json"
        assert r.json()["error"] == "invalid_request"
    assert count(server, store.Case) == 0


@pytest.mark.parametrize("depth", [100, 5000, 100_000])
def test_deeply_nested_json_is_a_problem(server, depth):
    nested = "[" * depth + "]" * depth
    raw = '{"type": "pda1", "tx_code": false, "claims": {"x": ' + nested + "}}"
    with server.api() as api:
        body = is_problem(api.post("/api/v1/cases", content=raw, headers={"Content-Type": "application/json"}), 400)
    assert "nest" in body["detail"]
    assert count(server, store.Case) == 0


def test_malformed_json_and_wrong_media_type_are_problems(server):
    with server.api() as api:
        body = is_problem(api.post("/api/v1/cases", content=b'{"type": ', headers={"Content-Type": "application/json"}), 400)
        assert body["errors"][0]["da"] != body["errors"][0]["en"]
        is_problem(api.post("/api/v1/cases", content=b"type=pda1",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
        is_problem(api.post("/api/v1/documents/X/revoke", content=b"[1,",
                            headers={"Content-Type": "application/json"}), 400)


def test_unknown_paths_and_methods_under_the_api_are_problems(server):
    with server.api() as api:
        is_problem(api.get("/api/v1/nothing-here"), 404)
        is_problem(api.get("/api/v1/cases/nope"), 404)
        r = api.delete("/api/v1/cases")
        is_problem(r, 405)
        assert "POST" in r.headers["allow"]
        is_problem(api.put("/api/v1/documents/X/revoke", json={"reason": "x"}), 405)


def test_authentication_comes_before_body_validation(server):
    url = f"{server.url}/api/v1/cases"
    for kwargs in ({"json": {"claims": "not an object"}}, {"content": b"{not json",
                                                           "headers": {"Content-Type": "application/json"}},
                   {"content": b"x=1", "headers": {"Content-Type": "text/plain"}}):
        r = httpx.post(url, **kwargs)
        is_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.post(url, json={"claims": "x"}, headers={"Authorization": "Bearer wrong"})
    is_problem(r, 401)
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = httpx.post(f"{server.url}/api/v1/documents/X/revoke", json={})
    is_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    is_problem(httpx.get(f"{server.url}/api/v1/documents/X"), 401)


def test_shape_errors_carry_real_danish_text(server):
    with server.api() as api:
        body = is_problem(api.post("/api/v1/cases", json={"claims": "x", "tx_code": "perhaps",
                                                          "client_request_id": "y" * 101}), 422)
        by_path = {e["path"]: e for e in body["errors"]}
        assert set(by_path) == {"type", "claims", "tx_code", "client_request_id"}
        for e in body["errors"]:
            assert e["en"] and e["da"] and e["da"] != e["en"] and e["code"]
        assert "100" in by_path["client_request_id"]["da"]
        body = is_problem(api.post("/api/v1/cases", json=["not", "an", "object"]), 422)
        assert body["errors"][0]["da"] != body["errors"][0]["en"]
        body = is_problem(api.post("/api/v1/documents/X/revoke", json={"reason": ""}), 422)
        assert body["errors"][0]["path"] == "reason" and body["errors"][0]["da"] != body["errors"][0]["en"]


# ------------------------------------------------------------------ gap 3: own institution, revoked documents


def test_issuing_authority_of_another_institution_is_refused(server):
    fk = {"id": "SE:FK", "name": "Försäkringskassan", "country": "SE"}
    with server.api() as api:
        for type_key in ("pda1", "ehic"):
            body = is_problem(api.post("/api/v1/cases", json=case_body(type_key, issuing_authority=fk)), 422)
            errors = [e for e in body["errors"] if e["path"] == "issuing_authority"]
            assert len(errors) == 1 and "Udbetaling Danmark" in errors[0]["en"]
            assert errors[0]["da"] and errors[0]["da"] != errors[0]["en"]
        # one member off is enough
        udk = sample_claims("pda1")["issuing_authority"]
        for change in ({"country": "SE"}, {"id": "DK:OTHER"}, {"name": "Försäkringskassan"}):
            r = api.post("/api/v1/cases", json=case_body(issuing_authority={**udk, **change}))
            paths = [e["path"] for e in is_problem(r, 422)["errors"]]
            # another country also disagrees with the sample's issuing_country (a copy of the authority's country)
            assert sorted(paths) == (["issuing_authority", "issuing_country"] if "country" in change
                                     else ["issuing_authority"])
    assert count(server, store.Case) == 0


def test_missing_issuing_authority_is_filled_in_from_the_institution(server):
    claims = sample_claims("ehic")
    expected = claims.pop("issuing_authority")
    with server.api() as api:
        r = api.post("/api/v1/cases", json={"type": "ehic", "claims": claims, "tx_code": False})
        assert r.status_code == 201, r.text
        case = r.json()
        partial = sample_claims("pda1")
        partial["document_number"] = "A1-DK-PARTIAL"
        partial["issuing_authority"] = {"name": "Udbetaling Danmark"}  # the back-office form's prefill lacks the id
        assert api.post("/api/v1/cases", json={"type": "pda1", "claims": partial}).status_code == 201
    assert server.service.case_claims(case["case_id"])["issuing_authority"] == expected
    creds, keys = Wallet().receive(case["offer_uri"], None)
    assert verify(creds[0], keys[0]).payload["issuing_authority"] == expected


def test_no_new_case_for_a_revoked_document(server):
    doc = sample_claims("pda1")["document_number"]
    with server.api() as api:
        first = api.post("/api/v1/cases", json=case_body()).json()
        Wallet().receive(first["offer_uri"], None)
        assert api.post(f"/api/v1/documents/{doc}/revoke", json={"reason": "annulled"}).status_code == 200
        body = is_problem(api.post("/api/v1/cases", json=case_body()), 409)
        assert "revoked" in body["detail"]
        # an EHIC with the same number is still the same document number: refused as well
        is_problem(api.post("/api/v1/cases", json=case_body("ehic", document_number=doc)), 409)
    assert count(server, store.Case) == 1


def test_new_case_for_a_suspended_document_waits_for_reinstatement(server):
    doc = sample_claims("pda1")["document_number"]
    with server.api() as api:
        first = api.post("/api/v1/cases", json=case_body()).json()
        Wallet().receive(first["offer_uri"], None)
        assert api.post(f"/api/v1/documents/{doc}/suspend", json={"reason": "checking"}).status_code == 200
        r = api.post("/api/v1/cases", json=case_body())
        assert r.status_code == 201, r.text  # accepted ...
        second = r.json()
        with pytest.raises(AssertionError, match="credential_request_denied"):  # ... but nothing is issued
            Wallet().receive(second["offer_uri"], None)
        assert api.post(f"/api/v1/documents/{doc}/reinstate", json={"reason": "ok"}).status_code == 200
        again = api.post(f"/api/v1/cases/{second['case_id']}/offer").json()
        creds, _ = Wallet().receive(again["offer_uri"], again["tx_code"])
        assert len(creds) == 1


# ------------------------------------------------------------------ gap 4: idempotency keys


def test_idempotency_key_reused_for_another_request_is_a_conflict(server):
    body = {**case_body("ehic"), "client_request_id": "case-4712"}
    with server.api() as api:
        first = api.post("/api/v1/cases", json=body)
        assert first.status_code == 201
        assert api.post("/api/v1/cases", json=body).json() == first.json()  # same body: same response
        other_claims = sample_claims("ehic")
        other_claims["subject"]["forenames"] = "Someone Else"
        for changed in ({**body, "claims": other_claims}, {**body, "tx_code": True}):
            problem = is_problem(api.post("/api/v1/cases", json=changed), 409)
            assert "another request" in problem["detail"]
        # the same through the Idempotency-Key header
        r = api.post("/api/v1/cases", json={**body, "client_request_id": None, "claims": other_claims},
                     headers={"Idempotency-Key": "case-4712"})
        is_problem(r, 409)
        r = api.post("/api/v1/cases", json={**body, "client_request_id": None},
                     headers={"Idempotency-Key": "case-4712"})
        assert r.json() == first.json()
        # body and header naming two different keys
        is_problem(api.post("/api/v1/cases", json=body, headers={"Idempotency-Key": "case-9999"}), 422)
    assert count(server, store.Case) == 1
