"""OpenID4VCI 1.0 against a real issuer on loopback, driven by the spec-written wallet client."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from cryptography import x509
from sqlalchemy import func, select

from credential import jose, sd_jwt, sd_jwt_vc
from credential import status_list as tsl
from credential.types import sample_claims
from issuer import store

from .wallet_client import PRE_AUTH, Wallet, proof_jwt


def create_case(server, type_key="pda1", tx_code=True, **changes):
    claims = sample_claims(type_key)
    claims.update(changes)
    with server.api() as api:
        r = api.post("/api/v1/cases", json={"type": type_key, "claims": claims, "tx_code": tx_code})
    assert r.status_code == 201, r.text
    return r.json()


def count(server, model) -> int:
    with server.service.Session() as s:
        return s.scalar(select(func.count()).select_from(model))


def signing_certificate(header: dict, payload: dict) -> x509.Certificate:
    """The leaf the header names: a full ``x5c``, or ``kid`` + ``x5t#S256``, resolved the SD-JWT VC
    way (draft -18 §5): the issuer's ``/.well-known/jwt-vc-issuer`` key with that kid, whose
    certificate must have that thumbprint."""
    if "x5c" in header:
        return x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    import hashlib
    from urllib.parse import urlsplit

    iss = urlsplit(payload["iss"])
    meta = httpx.get(f"{iss.scheme}://{iss.netloc}/.well-known/jwt-vc-issuer{iss.path}").json()
    key = next(k for k in meta["jwks"]["keys"] if k["kid"] == header["kid"])
    der = base64.b64decode(key["x5c"][0])
    assert jose.b64u_encode(hashlib.sha256(der).digest()) == header["x5t#S256"]
    return x509.load_der_x509_certificate(der)


def verify(credential: str, holder: jose.SigningKey | None, now: int | None = None) -> sd_jwt.Verified:
    header = json.loads(jose.b64u_decode(credential.split(".")[0]))
    leaf = signing_certificate(header, json.loads(jose.b64u_decode(credential.split(".")[1])))
    assert header["typ"] == "dc+sd-jwt"
    policy = sd_jwt.VerifyPolicy(now=now or int(time.time()), key_binding=sd_jwt.KeyBindingPolicy(False, None, None))
    return sd_jwt_vc.verify_vc(credential, leaf.public_key(), policy)


def status_of(server, payload: dict) -> str:
    ref = payload["status"]["status_list"]
    r = httpx.get(ref["uri"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/statuslist+jwt"
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"]
    token = r.text
    header = json.loads(jose.b64u_decode(token.split(".")[0]))
    key = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0])).public_key()
    assert header["x5c"] == server.service.keys.status_x5c
    result = tsl.validate_status_list_token(token, public_key=key, expected_sub=ref["uri"],
                                            now=int(time.time()), idx=ref["idx"])
    assert result.ttl == server.settings.status_list_ttl and result.exp
    return result.status


def test_metadata(server):
    meta = httpx.get(f"{server.url}/.well-known/openid-credential-issuer").json()
    assert meta["credential_issuer"] == server.url
    assert set(meta["credential_configurations_supported"]) == {"pda1_sd_jwt", "ehic_sd_jwt"}
    for cfg in meta["credential_configurations_supported"].values():
        assert cfg["format"] == "dc+sd-jwt" and cfg["cryptographic_binding_methods_supported"] == ["jwk"]
        assert cfg["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["ES256"]
        assert {d["locale"] for d in cfg["credential_metadata"]["display"]} == {"en", "da"}
    assert meta["credential_configurations_supported"]["pda1_sd_jwt"]["vct"] == "urn:eudi:pda1:1"
    assert meta["batch_credential_issuance"]["batch_size"] >= 2
    as_meta = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()
    assert PRE_AUTH in as_meta["grant_types_supported"] and as_meta["issuer"] == server.url
    vc_meta = httpx.get(f"{server.url}/.well-known/jwt-vc-issuer").json()
    assert vc_meta["issuer"] == server.url and vc_meta["jwks"]["keys"][0]["x5c"] == server.service.keys.credential_x5c


def test_batch_issuance_by_reference_with_tx_code(server):
    case = create_case(server)
    creds, keys = Wallet().receive(case["offer_uri"], case["tx_code"], n=3)
    assert len(creds) == 3
    seen = set()
    for cred, key in zip(creds, keys):
        v = verify(cred, key)
        p = v.payload
        assert p["iss"] == server.url and p["vct"] == "urn:eudi:pda1:1"
        assert p["cnf"]["jwk"] == key.public_jwk()  # each credential bound to its own key
        ref = p["status"]["status_list"]
        assert ref["uri"].startswith(f"{server.url}/status/")
        seen.add((ref["uri"], ref["idx"]))
        assert status_of(server, p) == "VALID"
    assert len(seen) == 3  # each its own index
    assert count(server, store.Credential) == 3


def test_offer_by_value_without_tx_code_ehic(server):
    case = create_case(server, "ehic", tx_code=False)
    assert case["tx_code"] is None
    creds, keys = Wallet().receive(case["offer_uri_by_value"], None)
    p = verify(creds[0], keys[0]).payload
    assert p["vct"] == "urn:eudi:ehic:1"


def test_revoke_suspend_reinstate_visible_immediately(server):
    case = create_case(server)
    creds, keys = Wallet().receive(case["offer_uri"], case["tx_code"], n=2)
    payloads = [verify(c, k).payload for c, k in zip(creds, keys)]
    doc = case["document_number"]
    with server.api() as api:
        r = api.post(f"/api/v1/documents/{doc}/suspend", json={"reason": "dispute (art. 16)"})
        assert r.status_code == 200, r.text
        assert [status_of(server, p) for p in payloads] == ["SUSPENDED", "SUSPENDED"]
        assert api.post(f"/api/v1/documents/{doc}/reinstate", json={"reason": "resolved"}).status_code == 200
        assert [status_of(server, p) for p in payloads] == ["VALID", "VALID"]
        assert api.post(f"/api/v1/documents/{doc}/revoke", json={"reason": "annulled"}).status_code == 200
        assert [status_of(server, p) for p in payloads] == ["INVALID", "INVALID"]
        r = api.post(f"/api/v1/documents/{doc}/reinstate", json={"reason": "no"})
        assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
        assert api.post("/api/v1/documents/NOPE-1/revoke", json={"reason": "x"}).status_code == 404
    with server.service.Session() as s:
        events = list(s.scalars(select(store.StatusEvent).order_by(store.StatusEvent.id)))
    assert [(e.new_status, e.actor) for e in events] == [(2, "api:case-system"), (0, "api:case-system"),
                                                         (1, "api:case-system")]
    assert events[0].reason == "dispute (art. 16)"


def test_status_list_caching_headers(server):
    r = httpx.get(f"{server.url}/status/1")
    assert r.status_code == 200
    r2 = httpx.get(f"{server.url}/status/1", headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304
    assert httpx.get(f"{server.url}/status/999").status_code == 404


# ---------------------------------------------------------------- token endpoint errors (§6.3)


def _token(server, **data):
    return httpx.post(f"{server.url}/token", data=data)


def test_token_errors_and_single_use(server):
    case = create_case(server)
    code = Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    g = PRE_AUTH
    assert _token(server, grant_type=g, **{"pre-authorized_code": code}).json()["error"] == "invalid_request"
    r = _token(server, grant_type=g, tx_code="000000" if case["tx_code"] != "000000" else "111111",
               **{"pre-authorized_code": code})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant" and r.headers["cache-control"] == "no-store"
    assert _token(server, grant_type=g, tx_code=case["tx_code"], **{"pre-authorized_code": "nope"}).json()["error"] == "invalid_grant"
    assert _token(server, grant_type="authorization_code", code="x").json()["error"] == "unsupported_grant_type"
    assert _token(server).json()["error"] == "invalid_request"
    assert httpx.post(f"{server.url}/token", json={"grant_type": g}).json()["error"] == "invalid_request"
    assert count(server, store.AccessToken) == 0  # nothing was granted
    ok = _token(server, grant_type=g, tx_code=case["tx_code"], **{"pre-authorized_code": code})
    assert ok.status_code == 200 and ok.json()["token_type"] == "Bearer"
    again = _token(server, grant_type=g, tx_code=case["tx_code"], **{"pre-authorized_code": code})
    assert again.json()["error"] == "invalid_grant"  # single use (§4.1.1)
    # the offer by reference is gone after use
    assert httpx.get(case["credential_offer_uri"]).status_code == 404


def test_tx_code_not_expected(server):
    case = create_case(server, tx_code=False)
    code = Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    r = _token(server, grant_type=PRE_AUTH, tx_code="123456", **{"pre-authorized_code": code})
    assert r.json()["error"] == "invalid_request"


def test_tx_code_attempts_are_limited(server):
    case = create_case(server)
    code = Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    wrong = "999999" if case["tx_code"] != "999999" else "888888"
    limit = server.settings.tx_code_max_attempts
    for i in range(limit):
        body = _token(server, grant_type=PRE_AUTH, tx_code=wrong, **{"pre-authorized_code": code}).json()
        assert body["error"] == "invalid_grant"
        # issue 17: the wallet is told how many tries are left, in words and as an extension member
        left = limit - i - 1
        assert body["tx_code_attempts_left"] == left
        assert (f"{left} attempt" in body["error_description"]) if left else \
            "no attempts left" in body["error_description"]
    r = _token(server, grant_type=PRE_AUTH, tx_code=case["tx_code"], **{"pre-authorized_code": code})
    assert r.json()["error"] == "invalid_grant"  # burned after too many wrong codes
    assert "tx_code_attempts_left" not in r.json()  # unknown/used: nothing about attempts


def test_expired_code(server):
    case = create_case(server)
    code = Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    with server.service.Session.begin() as s:
        s.execute(store.Offer.__table__.update().values(expires_at=int(time.time()) - 1))
    r = _token(server, grant_type=PRE_AUTH, tx_code=case["tx_code"], **{"pre-authorized_code": code})
    assert r.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------- credential endpoint errors (§8.3.1)


def test_credential_errors_change_nothing(server):
    w = Wallet()
    case = create_case(server)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], case["tx_code"]).json()["access_token"]
    nonce = w.nonce(meta)
    key = jose.SigningKey.generate()
    aud = meta["credential_issuer"]
    cfg = "pda1_sd_jwt"
    url = meta["credential_endpoint"]
    auth = {"Authorization": f"Bearer {access}"}

    def post(body=None, headers=None, content=None):
        h = {**auth, **(headers or {})}
        if content is not None:
            return httpx.post(url, headers=h, content=content)
        return httpx.post(url, headers=h, json=body)

    def err(resp, code, status=400):
        assert resp.status_code == status, resp.text
        assert resp.json()["error"] == code, resp.text
        assert resp.headers["cache-control"] == "no-store"

    good = lambda **kw: proof_jwt(key, aud=aud, nonce=nonce, **kw)  # noqa: E731
    p384 = jose.SigningKey.generate("P-384")
    cases = [
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [proof_jwt(key, aud="https://evil.example", nonce=nonce)]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [good(typ="JWT")]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [proof_jwt(p384, aud=aud, nonce=nonce)]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [proof_jwt(key, aud=aud, nonce=None)]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [good(iat=int(time.time()) - 3600)]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [good()[:-4] + "AAAA"]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": ["not.a.jwt"]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [good(), good()]}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": []}}), "invalid_proof"),
        (post({"credential_configuration_id": cfg}), "invalid_proof"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [proof_jwt(key, aud=aud, nonce="forged")]}}), "invalid_nonce"),
        (post({"credential_configuration_id": "nope", "proofs": {"jwt": [good()]}}), "unknown_credential_configuration"),
        (post({"credential_configuration_id": "ehic_sd_jwt", "proofs": {"jwt": [good()]}}), "invalid_credential_request"),
        (post({"credential_identifier": "x", "proofs": {"jwt": [good()]}}), "unknown_credential_identifier"),
        (post({"proofs": {"jwt": [good()]}}), "invalid_credential_request"),
        (post(content=b"{not json", headers={"Content-Type": "application/json"}), "invalid_credential_request"),
        (post(content=b"[1,2]", headers={"Content-Type": "application/json"}), "invalid_credential_request"),
        (post(content=b"credential_configuration_id=x", headers={"Content-Type": "application/x-www-form-urlencoded"}),
         "invalid_credential_request"),
        (post({"credential_configuration_id": cfg, "proofs": {"jwt": [good() for _ in range(11)]}}), "invalid_credential_request"),
    ]
    for resp, code in cases:
        err(resp, code)
    # alg none: refused by the alg allow-list
    h = jose.b64u_encode(json.dumps({"alg": "none", "typ": "openid4vci-proof+jwt", "jwk": key.public_jwk()}).encode())
    b = jose.b64u_encode(json.dumps({"aud": aud, "iat": int(time.time()), "nonce": nonce}).encode())
    err(post({"credential_configuration_id": cfg, "proofs": {"jwt": [f"{h}.{b}."]}}), "invalid_proof")
    # authorization errors (RFC 6750 §3.1)
    r = httpx.post(url, json={"credential_configuration_id": cfg, "proofs": {"jwt": [good()]}})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    err(httpx.post(url, headers={"Authorization": "Bearer wrong"}, json={"credential_configuration_id": cfg,
                                                                          "proofs": {"jwt": [good()]}}),
        "invalid_token", 401)
    # oversized body
    r = post(content=b"{" + b" " * (server.settings.max_body_bytes + 10) + b"}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert count(server, store.Credential) == 0  # nothing was issued by any of these
    # ... and neither the access token nor the nonce was consumed: the real request still works
    ok = post({"credential_configuration_id": cfg, "proofs": {"jwt": [good()]}})
    assert ok.status_code == 200, ok.text
    assert count(server, store.Credential) == 1
    # replays: a spent nonce is refused, with this token (OID4VCI §8: it serves several requests until
    # it expires, each with its own c_nonce) and with another
    err(post({"credential_configuration_id": cfg, "proofs": {"jwt": [good()]}}), "invalid_nonce")
    case2 = create_case(server, tx_code=False)
    offer2 = w.resolve_offer(case2["offer_uri"])
    access2 = w.token(as_meta, offer2["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
    r = w.credential(meta, access2, cfg, [proof_jwt(jose.SigningKey.generate(), aud=aud, nonce=nonce)])
    err(r, "invalid_nonce")
    assert count(server, store.Credential) == 1


def test_nonce_expired(server):
    w = Wallet()
    case = create_case(server, tx_code=False)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
    w.nonce(meta)
    # a nonce sealed with this issuer's key, expired a second ago (the endpoint seals now + nonce_ttl)
    from issuer import nonces

    nonce = nonces.seal(server.service.nonce_key, int(time.time()) - 1, b"\0" * 12, b"\0" * 8)
    r = w.credential(meta, access, "pda1_sd_jwt", [proof_jwt(jose.SigningKey.generate(), aud=meta["credential_issuer"], nonce=nonce)])
    assert r.json()["error"] == "invalid_nonce"


def test_revoked_document_cannot_be_issued_again(server):
    case = create_case(server, tx_code=False)
    Wallet().receive(case["offer_uri"], None)
    with server.api() as api:
        api.post(f"/api/v1/documents/{case['document_number']}/revoke", json={"reason": "annulled"})
        again = api.post(f"/api/v1/cases/{case['case_id']}/offer").json()
    with pytest.raises(AssertionError, match="credential_request_denied"):
        Wallet().receive(again["offer_uri"], again["tx_code"])
