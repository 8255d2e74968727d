"""Issue 15, item 4, at the real issuer on loopback (SQLite and PostgreSQL): DPoP-bound refresh tokens (RFC 6749
§6, RFC 9449 §5) give new copies without a new case; the holder's paper copy with the wallet's token; "holder
reports device lost" (service, case API, CLI, back-office button with confirmation) revokes every wallet copy of
every case of the holder on the published Status List Token, withdraws the refresh tokens, writes the audit, and
leaves the document open for a new phone."""

from __future__ import annotations

import json
import re

import httpx
from typer.testing import CliRunner

from credential import jose
from credential import status_list as tsl
from credential.types import sample_claims

from .test_sessions_and_logins import PW, login
from .wallet_client import PRE_AUTH, dpop_proof, proof_jwt


def _case(svc, number: str, pnr: str):
    claims = sample_claims("ehic")
    claims["document_number"] = number
    claims["personal_administrative_number"] = pnr
    return svc.create_case("ehic", claims, "test", with_tx_code=False)


def _token(base: str, form: dict, key: jose.SigningKey | None) -> httpx.Response:
    headers = {"DPoP": dpop_proof(key, htm="POST", htu=f"{base}/token")} if key else {}
    return httpx.post(f"{base}/token", data=form, headers=headers)


def _copies(base: str, access: str, key: jose.SigningKey, n: int) -> list[str]:
    nonce = httpx.post(f"{base}/nonce").json()["c_nonce"]
    keys = [jose.SigningKey.generate() for _ in range(n)]
    url = f"{base}/credential"
    r = httpx.post(url, json={"credential_configuration_id": "ehic_sd_jwt",
                              "proofs": {"jwt": [proof_jwt(k, aud=base, nonce=nonce) for k in keys]}},
                   headers={"Authorization": f"DPoP {access}",
                            "DPoP": dpop_proof(key, htm="POST", htu=url, access_token=access)})
    assert r.status_code == 200, r.text
    return [c["credential"] for c in r.json()["credentials"]]


def _status_of(server, credential: str) -> str:
    payload = jose.parse_compact(credential.split("~", 1)[0]).payload()
    ref = payload["status"]["status_list"]
    token = httpx.get(ref["uri"]).text  # the published token, as a verifier reads it
    return tsl.validate_status_list_token(token, public_key=server.service.keys.status_key.private_key.public_key(),
                                          expected_sub=ref["uri"], now=server.service.now(), idx=ref["idx"]).status


def _receive(base: str, view, key: jose.SigningKey) -> dict:
    r = _token(base, {"grant_type": PRE_AUTH, "pre-authorized_code": view.offer["grants"][PRE_AUTH]
                      ["pre-authorized_code"]}, key)
    assert r.status_code == 200, r.text
    return r.json()


def test_refresh_token_gives_new_copies_without_a_new_case(server):
    base, svc = server.url, server.service
    meta = httpx.get(f"{base}/.well-known/oauth-authorization-server").json()
    assert "refresh_token" in meta["grant_types_supported"]
    view = _case(svc, "EHIC-R-000001", "010190-1111")
    key = jose.SigningKey.generate()
    tok = _receive(base, view, key)
    assert tok["token_type"] == "DPoP" and tok["refresh_token"]
    first = _copies(base, tok["access_token"], key, 2)
    # later: the copies ran low; the wallet redeems its refresh token with the same DPoP key
    r = _token(base, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]}, key)
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["token_type"] == "DPoP" and new["access_token"] != tok["access_token"]
    more = _copies(base, new["access_token"], key, 3)
    assert len(more) == 3 and not set(more) & set(first)
    assert len(svc.credentials_of("EHIC-R-000001")) == 5
    assert [e.action for e in svc.audit_entries()].count("token.refresh") == 1
    # negatives: another key, no DPoP proof, an unknown token, a Bearer pre-authorized token (no refresh token)
    other = jose.SigningKey.generate()
    for form, k in (({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]}, other),
                    ({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]}, None),
                    ({"grant_type": "refresh_token", "refresh_token": "nope"}, key)):
        r = _token(base, form, k)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    assert _token(base, {"grant_type": "refresh_token"}, key).json()["error"] == "invalid_request"
    bearer = _case(svc, "EHIC-R-000002", "010190-2222")
    r = _token(base, {"grant_type": PRE_AUTH, "pre-authorized_code": bearer.offer["grants"][PRE_AUTH]
                      ["pre-authorized_code"]}, None)
    assert r.status_code == 200 and "refresh_token" not in r.json()


def test_holder_gets_a_paper_copy_with_the_wallet_token(server):
    base, svc = server.url, server.service
    view = _case(svc, "EHIC-P-000001", "010190-3333")
    key = jose.SigningKey.generate()
    access = _receive(base, view, key)["access_token"]
    url = f"{base}/paper-copy"
    r = httpx.post(url, headers={"Authorization": f"DPoP {access}",
                                 "DPoP": dpop_proof(key, htm="POST", htu=url, access_token=access)})
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
    assert any(c["paper"] for c in svc.credentials_of("EHIC-P-000001"))
    assert httpx.post(url).status_code == 401
    assert httpx.post(url, headers={"Authorization": f"DPoP {access}"}).status_code == 401  # no proof
    wrong = jose.SigningKey.generate()
    assert httpx.post(url, headers={"Authorization": f"DPoP {access}", "DPoP": dpop_proof(
        wrong, htm="POST", htu=url, access_token=access)}).status_code == 401
    svc.set_status("EHIC-P-000001", "suspend", reason="check", actor="test")
    r = httpx.post(url, headers={"Authorization": f"DPoP {access}",
                                 "DPoP": dpop_proof(key, htm="POST", htu=url, access_token=access)})
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_device_lost_button_revokes_every_wallet_copy_of_the_holder(server):
    base, svc = server.url, server.service
    a = _case(svc, "EHIC-L-000001", "010190-4444")
    b = _case(svc, "EHIC-L-000002", "010190-4444")  # the same person's second case
    stranger = _case(svc, "EHIC-L-000003", "010190-5555")
    key = jose.SigningKey.generate()
    tok = _receive(base, a, key)
    wallet_a = _copies(base, tok["access_token"], key, 2)
    key_b = jose.SigningKey.generate()
    wallet_b = _copies(base, _receive(base, b, key_b)["access_token"], key_b, 1)
    key_s = jose.SigningKey.generate()
    kept = _copies(base, _receive(base, stranger, key_s)["access_token"], key_s, 1)
    svc.paper_credential(a.public_id, "test")  # a paper copy stays valid
    assert {_status_of(server, c) for c in wallet_a + wallet_b} == {"VALID"}

    svc.add_user("officer1", PW, "officer")
    r = login(base, "officer1", PW)
    c = r.client
    page = c.get(f"{base}/backoffice/cases/{a.public_id}")
    assert 'id="do-device-lost"' in page.text and 'id="confirm-device-lost"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    # without the confirmation box ticked: nothing happens
    r = c.post(f"{base}/backoffice/cases/{a.public_id}/device-lost", data={"csrf": csrf, "reason": "stolen"})
    assert r.status_code == 400
    assert {_status_of(server, x) for x in wallet_a + wallet_b} == {"VALID"}
    # a forged request without the CSRF token: refused
    assert c.post(f"{base}/backoffice/cases/{a.public_id}/device-lost",
                  data={"confirm": "yes"}).status_code == 403
    r = c.post(f"{base}/backoffice/cases/{a.public_id}/device-lost",
               data={"csrf": csrf, "reason": "stolen at the site", "confirm": "yes"})
    assert r.status_code == 303
    assert {_status_of(server, x) for x in wallet_a + wallet_b} == {"INVALID"}
    assert _status_of(server, kept[0]) == "VALID"
    creds = svc.credentials_of("EHIC-L-000001")
    assert [x["status"] for x in creds if x["paper"]] == ["VALID"]
    assert all(x["lost"] for x in creds if not x["paper"])
    entries = [(e.action, e.target, e.actor) for e in svc.audit_entries()]
    assert ("holder.device_lost", "EHIC-L-000001", "user:officer1") in entries
    assert ("holder.device_lost", "EHIC-L-000002", "user:officer1") in entries
    assert "phone lost" in c.get(f"{base}/backoffice/cases/{a.public_id}").text
    # the lost wallet can no longer fetch copies or a paper copy
    r = _token(base, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]}, key)
    assert r.json()["error"] == "invalid_grant"
    # the document is not revoked: a new offer, the new phone receives it, status actions still work
    again = svc.reoffer(a.public_id, "test", with_tx_code=False)
    key2 = jose.SigningKey.generate()
    fresh = _copies(base, _receive(base, again, key2)["access_token"], key2, 1)
    assert _status_of(server, fresh[0]) == "VALID"
    svc.set_status("EHIC-L-000001", "suspend", reason="check", actor="test")
    assert _status_of(server, fresh[0]) == "SUSPENDED" and _status_of(server, wallet_a[0]) == "INVALID"
    svc.set_status("EHIC-L-000001", "reinstate", reason="ok", actor="test")
    assert _status_of(server, wallet_a[0]) == "INVALID"  # a lost copy never comes back


def test_device_lost_through_the_case_api_and_the_cli(server, monkeypatch):
    from issuer.cli import app as cli

    base, svc = server.url, server.service
    a = _case(svc, "EHIC-L-000011", "010190-6666")
    key = jose.SigningKey.generate()
    copy = _copies(base, _receive(base, a, key)["access_token"], key, 1)
    with server.api() as api:
        assert api.post("/api/v1/cases/nope/device-lost", json={"reason": "x"}).status_code == 404
        assert api.post(f"/api/v1/cases/{a.public_id}/device-lost", json={}).status_code == 422
        r = api.post(f"/api/v1/cases/{a.public_id}/device-lost", json={"reason": "phone stolen"})
    assert r.status_code == 200 and r.json()["credentials_revoked"] == 1 and r.json()["refresh_tokens_revoked"] == 1
    assert _status_of(server, copy[0]) == "INVALID"
    assert httpx.post(f"{base}/api/v1/cases/{a.public_id}/device-lost", json={"reason": "x"}).status_code == 401

    b = _case(svc, "EHIC-L-000012", "010190-7777")
    key_b = jose.SigningKey.generate()
    copy_b = _copies(base, _receive(base, b, key_b)["access_token"], key_b, 1)
    monkeypatch.setenv("ESSPASS_ISSUER_API_TOKEN", server.api_token)
    out = CliRunner().invoke(cli, ["device-lost", "--case-id", b.public_id, "--url", base, "--reason", "lost"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["credentials_revoked"] == 1
    assert _status_of(server, copy_b[0]) == "INVALID"
    out = CliRunner().invoke(cli, ["device-lost", "--case-id", "nope", "--url", base])
    assert out.exit_code == 1
