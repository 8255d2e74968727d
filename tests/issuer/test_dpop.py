"""DPoP (RFC 9449) at the issuer, against a real server on loopback: DPoP-bound access tokens at
the token, nonce and credential endpoints, every refusal changing nothing, Bearer unchanged."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import func, select

from credential import jose
from issuer import store
from issuer.service import DpopInvalid, IssuerService

from .test_oid4vci import count, create_case, verify
from .wallet_client import PRE_AUTH, Wallet, dpop_proof, proof_jwt

CFG = "pda1_sd_jwt"


def offer_code(case) -> str:
    return Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]


def token_request(server, case, proof: str | list[str] | None, code: str | None = None) -> httpx.Response:
    data = {"grant_type": PRE_AUTH, "pre-authorized_code": code or offer_code(case)}
    if case["tx_code"]:
        data["tx_code"] = case["tx_code"]
    headers = []
    for p in ([proof] if isinstance(proof, str) else proof or []):
        headers.append(("DPoP", p))
    return httpx.post(f"{server.url}/token", data=data, headers=headers)


def dpop_token(server, key: jose.SigningKey, tx_code: bool = True) -> tuple[dict, str]:
    case = create_case(server, tx_code=tx_code)
    r = token_request(server, case, dpop_proof(key, htm="POST", htu=f"{server.url}/token"))
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP" and r.headers["cache-control"] == "no-store"
    return case, r.json()["access_token"]


def anonymous_nonce(server) -> str:
    r = httpx.post(f"{server.url}/nonce")
    assert r.status_code == 200
    return r.json()["c_nonce"]


def credential_request(server, access: str, proofs: list[str], *, scheme="DPoP", dpop: str | list[str] | None = None):
    headers = [("Authorization", f"{scheme} {access}")]
    for p in ([dpop] if isinstance(dpop, str) else dpop or []):
        headers.append(("DPoP", p))
    return httpx.post(f"{server.url}/credential", headers=headers,
                      json={"credential_configuration_id": CFG, "proofs": {"jwt": proofs}})


def stored_token(server, access: str) -> store.AccessToken:
    from issuer.core import sha256_hex

    with server.service.Session() as s:
        return s.get(store.AccessToken, sha256_hex(access))


def nonces_used(server) -> int:
    with server.service.Session() as s:
        return s.scalar(select(func.count()).select_from(store.Nonce).where(store.Nonce.used_at.is_not(None)))


# ---------------------------------------------------------------- metadata


def test_as_metadata_advertises_dpop(server):
    meta = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()
    assert meta["dpop_signing_alg_values_supported"] == ["ES256"]


# ---------------------------------------------------------------- the whole flow


def test_full_flow_with_dpop(server):
    w = Wallet()
    case = create_case(server)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    assert "ES256" in as_meta["dpop_signing_alg_values_supported"]
    dkey = jose.SigningKey.generate()
    r = token_request(server, case, dpop_proof(dkey, htm="POST", htu=as_meta["token_endpoint"]),
                      code=offer["grants"][PRE_AUTH]["pre-authorized_code"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "DPoP"
    access = body["access_token"]
    assert stored_token(server, access).dpop_jkt == jose.jwk_thumbprint(dkey.public_jwk())  # cnf.jkt
    # nonce endpoint: the DPoP-bound token with a proof for this request
    r = httpx.post(meta["nonce_endpoint"], headers={
        "Authorization": f"DPoP {access}",
        "DPoP": dpop_proof(dkey, htm="POST", htu=meta["nonce_endpoint"], access_token=access)})
    assert r.status_code == 200, r.text
    nonce = r.json()["c_nonce"]
    holders = [jose.SigningKey.generate() for _ in range(2)]
    r = credential_request(server, access, [proof_jwt(k, aud=server.url, nonce=nonce) for k in holders],
                           dpop=dpop_proof(dkey, htm="POST", htu=meta["credential_endpoint"], access_token=access))
    assert r.status_code == 200, r.text
    creds = [c["credential"] for c in r.json()["credentials"]]
    assert len(creds) == 2
    assert {json.dumps(verify(c, None).payload["cnf"]["jwk"], sort_keys=True) for c in creds} == \
        {json.dumps(k.public_jwk(), sort_keys=True) for k in holders}
    # OID4VCI §8: the token serves further requests until it expires (each with a fresh c_nonce),
    # always under its own DPoP key; a spent c_nonce is refused
    r = credential_request(server, access, [proof_jwt(holders[0], aud=server.url, nonce=nonce)],
                           dpop=dpop_proof(dkey, htm="POST", htu=meta["credential_endpoint"], access_token=access))
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"
    r = credential_request(server, access, [proof_jwt(holders[0], aud=server.url, nonce=anonymous_nonce(server))],
                           dpop=dpop_proof(dkey, htm="POST", htu=meta["credential_endpoint"], access_token=access))
    assert r.status_code == 200 and len(r.json()["credentials"]) == 1
    assert r.headers["dpop-nonce"]
    r = credential_request(server, access, [proof_jwt(holders[0], aud=server.url, nonce=anonymous_nonce(server))],
                           dpop=dpop_proof(jose.SigningKey.generate(), htm="POST", htu=meta["credential_endpoint"],
                                           access_token=access))
    assert r.status_code == 401 and r.json()["error"] == "invalid_dpop_proof"
    assert r.headers["www-authenticate"].startswith("DPoP ")


def test_bearer_flow_unchanged(server):
    case = create_case(server)
    creds, keys = Wallet().receive(case["offer_uri"], case["tx_code"], n=2)
    assert len(creds) == 2
    assert count(server, store.Credential) == 2
    assert all(row is None for row in _jkts(server))
    case2 = create_case(server, tx_code=False)
    r = token_request(server, case2, None)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    # a Bearer token with an Authorization header at the nonce endpoint is accepted too
    r = httpx.post(f"{server.url}/nonce", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert r.status_code == 200


def _jkts(server) -> list:
    with server.service.Session() as s:
        return list(s.scalars(select(store.AccessToken.dpop_jkt)))


# ---------------------------------------------------------------- token endpoint refusals (RFC 9449 §5)


def _alg_none(key, htu):
    h = jose.b64u_encode(json.dumps({"alg": "none", "typ": "dpop+jwt", "jwk": key.public_jwk()}).encode())
    b = jose.b64u_encode(json.dumps({"jti": "x", "htm": "POST", "htu": htu, "iat": int(time.time())}).encode())
    return f"{h}.{b}."


def _private_jwk(key):
    return {**key.public_jwk(), "d": jose.b64u_encode(key.private_key.private_numbers().private_value.to_bytes(32, "big"))}


@pytest.mark.parametrize("make", [
    "garbage", "typ", "alg_none", "p384", "private_jwk", "no_jwk", "other_signer", "htm", "htu_path", "htu_host",
    "stale_iat", "future_iat", "no_iat", "no_jti", "two_headers", "empty"])
def test_token_endpoint_refuses_bad_proofs(server, make):
    key = jose.SigningKey.generate()
    htu = f"{server.url}/token"
    proofs = {
        "garbage": lambda: "not.a.jwt",
        "empty": lambda: "",
        "typ": lambda: dpop_proof(key, htm="POST", htu=htu, typ="JWT"),
        "alg_none": lambda: _alg_none(key, htu),
        "p384": lambda: dpop_proof(jose.SigningKey.generate("P-384"), htm="POST", htu=htu),
        "private_jwk": lambda: dpop_proof(key, htm="POST", htu=htu, extra_header={"jwk": _private_jwk(key)}),
        "no_jwk": lambda: jose.sign_compact({"typ": "dpop+jwt", "kid": "k"},
                                            {"jti": "a", "htm": "POST", "htu": htu, "iat": int(time.time())}, key),
        "other_signer": lambda: dpop_proof(key, htm="POST", htu=htu,
                                           extra_header={"jwk": jose.SigningKey.generate().public_jwk()}),
        "htm": lambda: dpop_proof(key, htm="GET", htu=htu),
        "htu_path": lambda: dpop_proof(key, htm="POST", htu=f"{server.url}/credential"),
        "htu_host": lambda: dpop_proof(key, htm="POST", htu="https://evil.example/token"),
        "stale_iat": lambda: dpop_proof(key, htm="POST", htu=htu, iat=int(time.time()) - 3600),
        "future_iat": lambda: dpop_proof(key, htm="POST", htu=htu, iat=int(time.time()) + 3600),
        "no_iat": lambda: dpop_proof(key, htm="POST", htu=htu, extra_claims={"iat": None}),
        "no_jti": lambda: dpop_proof(key, htm="POST", htu=htu, extra_claims={"jti": None}),
        "two_headers": lambda: [dpop_proof(key, htm="POST", htu=htu), dpop_proof(key, htm="POST", htu=htu)],
    }
    case = create_case(server)
    code = offer_code(case)
    r = token_request(server, case, proofs[make](), code=code)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_dpop_proof" and r.headers["cache-control"] == "no-store"
    assert count(server, store.AccessToken) == 0  # nothing granted, the code is not spent
    ok = token_request(server, case, dpop_proof(key, htm="POST", htu=htu), code=code)
    assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP"


def test_token_endpoint_accepts_htu_normalized(server):
    key = jose.SigningKey.generate()
    case = create_case(server)
    # §4.3: query and fragment are ignored, scheme and host compared case-insensitively
    htu = server.url.replace("http://", "HTTP://") + "/token?x=1#f"
    r = token_request(server, case, dpop_proof(key, htm="POST", htu=htu))
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP"


def test_token_endpoint_refuses_replayed_jti(server):
    key = jose.SigningKey.generate()
    proof = dpop_proof(key, htm="POST", htu=f"{server.url}/token")
    first = create_case(server)
    assert token_request(server, first, proof).status_code == 200
    second = create_case(server)
    code = offer_code(second)
    r = token_request(server, second, proof, code=code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_dpop_proof"
    assert "jti" in r.json()["error_description"]
    assert count(server, store.AccessToken) == 1  # the second code is untouched
    assert token_request(server, second, dpop_proof(key, htm="POST", htu=f"{server.url}/token"),
                         code=code).status_code == 200


def test_jti_cache_survives_restart(server):
    """The replay cache is in the database: another service on the same database (a restart, or
    another worker) refuses a proof this one accepted."""
    key = jose.SigningKey.generate()
    proof_text = dpop_proof(key, htm="POST", htu=f"{server.url}/token")
    assert token_request(server, create_case(server), proof_text).status_code == 200
    case = create_case(server, tx_code=False)
    other = IssuerService(server.settings)
    try:
        proof = other.check_token_dpop(proof_text)
        with pytest.raises(DpopInvalid, match="jti"):
            other.token({"grant_type": PRE_AUTH, "pre-authorized_code": offer_code(case)}, proof)
    finally:
        other.close()
    with server.service.Session() as s:
        assert s.scalar(select(func.count()).select_from(store.DpopJti)) == 1


# ---------------------------------------------------------------- resource endpoints (RFC 9449 §7.1)


def test_credential_endpoint_refusals_change_nothing(server):
    dkey = jose.SigningKey.generate()
    _, access = dpop_token(server, dkey)
    nonce = anonymous_nonce(server)
    holder = jose.SigningKey.generate()
    url = f"{server.url}/credential"
    good = lambda **kw: dpop_proof(dkey, htm="POST", htu=url, access_token=access, **kw)  # noqa: E731
    kp = lambda: [proof_jwt(holder, aud=server.url, nonce=nonce)]  # noqa: E731
    other = jose.SigningKey.generate()

    def refused(resp, code="invalid_dpop_proof"):
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"] == code and resp.headers["cache-control"] == "no-store"
        assert resp.headers["www-authenticate"].startswith(f'DPoP error="{code}"')
        assert 'algs="ES256"' in resp.headers["www-authenticate"]

    refused(credential_request(server, access, kp()))  # no proof
    refused(credential_request(server, access, kp(), dpop="not.a.jwt"))
    refused(credential_request(server, access, kp(), dpop=good(typ="JWT")))
    refused(credential_request(server, access, kp(), dpop=[good(), good()]))  # two DPoP headers
    refused(credential_request(server, access, kp(), dpop=dpop_proof(dkey, htm="GET", htu=url, access_token=access)))
    refused(credential_request(server, access, kp(),
                               dpop=dpop_proof(dkey, htm="POST", htu=f"{server.url}/token", access_token=access)))
    refused(credential_request(server, access, kp(), dpop=good(iat=int(time.time()) - 3600)))
    refused(credential_request(server, access, kp(), dpop=dpop_proof(dkey, htm="POST", htu=url)))  # no ath
    refused(credential_request(server, access, kp(),
                               dpop=dpop_proof(dkey, htm="POST", htu=url, access_token=access + "x")))  # wrong ath
    # a valid proof, but by another key than the token is bound to
    refused(credential_request(server, access, kp(), dpop=dpop_proof(other, htm="POST", htu=url, access_token=access)))
    # the DPoP-bound token used as a Bearer token (even with a valid proof alongside)
    refused(credential_request(server, access, kp(), scheme="Bearer", dpop=good()), "invalid_token")
    refused(credential_request(server, access, kp(), scheme="Bearer"), "invalid_token")
    # nothing was issued, nothing spent
    assert count(server, store.Credential) == 0
    assert stored_token(server, access).used_at is None and nonces_used(server) == 0
    # the real request still works
    jti = "the-one-jti"
    ok = credential_request(server, access, kp(), dpop=good(jti=jti))
    assert ok.status_code == 200, ok.text
    assert count(server, store.Credential) == 1
    # a replayed jti (same key, same jti) is refused even with another token bound to that key
    _, access2 = dpop_token(server, dkey, tx_code=False)
    nonce2 = anonymous_nonce(server)
    r = credential_request(server, access2, [proof_jwt(jose.SigningKey.generate(), aud=server.url, nonce=nonce2)],
                           dpop=dpop_proof(dkey, htm="POST", htu=url, access_token=access2, jti=jti))
    refused(r)
    assert "jti" in r.json()["error_description"]
    assert count(server, store.Credential) == 1 and stored_token(server, access2).used_at is None
    assert nonces_used(server) == 1


def test_bearer_token_presented_as_dpop_is_refused(server):
    case = create_case(server, tx_code=False)
    access = token_request(server, case, None).json()["access_token"]
    key = jose.SigningKey.generate()
    r = credential_request(server, access, [proof_jwt(key, aud=server.url, nonce=anonymous_nonce(server))],
                           dpop=dpop_proof(key, htm="POST", htu=f"{server.url}/credential", access_token=access))
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert stored_token(server, access).used_at is None


def test_nonce_endpoint_with_dpop(server):
    dkey = jose.SigningKey.generate()
    _, access = dpop_token(server, dkey)
    url = f"{server.url}/nonce"

    def post(auth: str | None, proof: str | None):
        headers = {}
        if auth:
            headers["Authorization"] = auth
        if proof:
            headers["DPoP"] = proof
        return httpx.post(url, headers=headers)

    def refused(resp, code="invalid_dpop_proof"):
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"] == code
        assert resp.headers["www-authenticate"].startswith(f'DPoP error="{code}"')

    with server.service.Session() as s:
        before = s.scalar(select(func.count()).select_from(store.Nonce))
    refused(post(f"DPoP {access}", None))
    refused(post(f"DPoP {access}", dpop_proof(dkey, htm="POST", htu=f"{server.url}/credential", access_token=access)))
    refused(post(f"DPoP {access}", dpop_proof(jose.SigningKey.generate(), htm="POST", htu=url, access_token=access)))
    refused(post(f"DPoP {access}", dpop_proof(dkey, htm="POST", htu=url, access_token="other")))
    refused(post(f"Bearer {access}", None), "invalid_token")
    proof = dpop_proof(dkey, htm="POST", htu=url, access_token=access)
    assert post(f"DPoP {access}", proof).status_code == 200
    refused(post(f"DPoP {access}", proof))  # the same proof again: jti replayed
    with server.service.Session() as s:
        assert s.scalar(select(func.count()).select_from(store.Nonce)) == before  # nonces are stateless
    # anonymous requests stay possible (OpenID4VCI §7: not a protected resource)
    assert post(None, None).status_code == 200
