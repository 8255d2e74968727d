"""Wallet attestation (draft-ietf-oauth-attestation-based-client-auth, HAIP 1.0 §4.4.1) at the PAR and token
endpoints, and key attestations (OpenID4VCI 1.0 Appendix D, HAIP 1.0 §4.5.1) at the credential endpoint, against
a real issuer on loopback whose Wallet Providers list is the demo ecosystem's. The attestations are signed with
the demo wallet provider's real key (or, for the refusals, by parties the list does not name)."""

from __future__ import annotations

import base64
import secrets
import time
from contextlib import contextmanager

import httpx
import pytest

from credential import attestations as A
from credential import jose
from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings
from trust_list.certificates import der, x5c_of
from trust_list.demo import build_demo_ecosystem
from trust_list.participants import make_wallet_provider

from .conftest import Running, ServerThread, free_port
from .test_oid4vci import create_case
from .wallet_client import PRE_AUTH, Wallet, proof_jwt

CFG = "pda1_sd_jwt"


@contextmanager
def issuer(home, db_url=None, **extra):
    port = free_port()
    settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", database_url=db_url,
                        status_list_size=10_000, demo_login=True, **extra)
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            yield Running(f"http://127.0.0.1:{port}", service, settings, home)
    finally:
        service.close()


@pytest.fixture
def strict(tmp_path, db_url):
    """Wallet and key attestations required."""
    with issuer(tmp_path / "home", db_url, wallet_attestation_required=True, key_attestation_required=True) as s:
        yield s


@pytest.fixture
def lenient(tmp_path):
    with issuer(tmp_path / "home") as s:
        yield s


def provider(server):
    return build_demo_ecosystem(server.settings.ecosystem_dir, int(time.time())).wallet_provider


def wia(server, instance: jose.SigningKey, *, signer=None, x5c=None, sub="esspass-wallet", exp_in=3600,
        typ=A.WALLET_ATTESTATION_TYP) -> str:
    wp = provider(server)
    now = int(time.time())
    token = A.wallet_attestation(signer or wp.attestation_key, wp.x5c if x5c is None else x5c,
                                 issuer="https://wallet.esspass.eu", client_id=sub,
                                 instance_jwk=instance.public_jwk(), iat=now - 10, exp=now + exp_in)
    if typ != A.WALLET_ATTESTATION_TYP:  # re-sign with another typ
        jws = jose.parse_compact(token)
        token = jose.sign_compact({**jws.header, "typ": typ}, jws.payload(), signer or wp.attestation_key)
    return token


def pop(server, instance: jose.SigningKey, *, aud=None, iat=None, jti=None) -> str:
    return A.attestation_pop(instance, audience=server.url if aud is None else aud,
                             iat=int(time.time()) if iat is None else iat, jti=jti or secrets.token_urlsafe(12))


def headers(attestation: str | None, proof: str | None) -> dict[str, str]:
    out = {}
    if attestation is not None:
        out["OAuth-Client-Attestation"] = attestation
    if proof is not None:
        out["OAuth-Client-Attestation-PoP"] = proof
    return out


def token(server, case, hdrs: dict[str, str], **form) -> httpx.Response:
    code = Wallet().resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    data = {"grant_type": PRE_AUTH, "pre-authorized_code": code, **form}
    if case["tx_code"]:
        data["tx_code"] = case["tx_code"]
    return httpx.post(f"{server.url}/token", data=data, headers=hdrs)


def attested_headers(server, instance=None) -> dict[str, str]:
    instance = instance or jose.SigningKey.generate()
    return headers(wia(server, instance), pop(server, instance))


def refused(r: httpx.Response, reason: str) -> None:
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["error"] == "invalid_client" and body["reason"] == reason, body
    assert r.headers["cache-control"] == "no-store"


def other_provider(tmp_path):
    """A wallet provider with its own CA, on no list."""
    made = make_wallet_provider(tmp_path / "rogue", "Rogue Wallets", "EU", int(time.time()))
    signer = made["attestation"]
    return signer.key, x5c_of(signer.chain[:1])


# ---------------------------------------------------------------- metadata


def test_metadata_advertises_attestation_client_auth_and_key_attestations(strict, lenient):
    m = httpx.get(f"{strict.url}/.well-known/oauth-authorization-server").json()
    assert m["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]  # required: no "none"
    assert m["pre-authorized_grant_anonymous_access_supported"] is False
    assert m["client_attestation_signing_alg_values_supported"] == ["ES256"]  # ABCA §8 MUST
    assert m["client_attestation_pop_signing_alg_values_supported"] == ["ES256"]
    meta = httpx.get(f"{strict.url}/.well-known/openid-credential-issuer").json()
    proof_types = meta["credential_configurations_supported"][CFG]["proof_types_supported"]
    assert proof_types["jwt"]["key_attestations_required"] == {}
    assert proof_types["attestation"] == {"proof_signing_alg_values_supported": ["ES256"],
                                          "key_attestations_required": {}}
    m = httpx.get(f"{lenient.url}/.well-known/oauth-authorization-server").json()
    assert m["token_endpoint_auth_methods_supported"] == ["none", "attest_jwt_client_auth"]
    assert m["pre-authorized_grant_anonymous_access_supported"] is True
    meta = httpx.get(f"{lenient.url}/.well-known/openid-credential-issuer").json()
    assert "key_attestations_required" not in meta["credential_configurations_supported"][CFG][
        "proof_types_supported"]["jwt"]


# ---------------------------------------------------------------- token endpoint


def test_token_endpoint_accepts_an_attested_wallet_and_refuses_every_fault(strict, tmp_path):
    s = strict
    instance = jose.SigningKey.generate()
    good = lambda: headers(wia(s, instance), pop(s, instance))  # noqa: E731
    # missing when required; the PoP alone; the attestation alone
    refused(token(s, create_case(s), {}), "client_attestation.missing")
    refused(token(s, create_case(s), headers(None, pop(s, instance))), "client_attestation.missing")
    refused(token(s, create_case(s), headers(wia(s, instance), None)), "client_attestation.pop_missing")
    # the attestation: wrong typ, wrong signer, a provider not on the list, self-signed, anchor sent, expired
    refused(token(s, create_case(s), headers(wia(s, instance, typ="jwt"), pop(s, instance))),
            "client_attestation.malformed")
    refused(token(s, create_case(s), headers(wia(s, instance, signer=jose.SigningKey.generate()), pop(s, instance))),
            "client_attestation.signature")
    rogue_key, rogue_x5c = other_provider(tmp_path)
    refused(token(s, create_case(s), headers(wia(s, instance, signer=rogue_key, x5c=rogue_x5c), pop(s, instance))),
            "wallet_provider.untrusted")
    wp = provider(s)
    root = base64.b64encode(der(wp.attestation_chain[1])).decode()
    refused(token(s, create_case(s), headers(wia(s, instance, x5c=[root]), pop(s, instance))),
            "wallet_provider.self_signed")
    refused(token(s, create_case(s), headers(wia(s, instance, x5c=wp.x5c + [root]), pop(s, instance))),
            "wallet_provider.anchor_sent")
    refused(token(s, create_case(s), headers(wia(s, instance, exp_in=-120), pop(s, instance))),
            "client_attestation.expired")
    # client_id, when sent, must be the attestation's sub (ABCA §7)
    refused(token(s, create_case(s), good(), client_id="another-wallet"), "client_attestation.client_id")
    # the PoP: signed by another key than cnf, for another audience, too old, malformed, replayed
    refused(token(s, create_case(s), headers(wia(s, instance), pop(s, jose.SigningKey.generate()))),
            "client_attestation.pop_signature")
    refused(token(s, create_case(s), headers(wia(s, instance), pop(s, instance, aud="https://other.example"))),
            "client_attestation.pop_audience")
    refused(token(s, create_case(s), headers(wia(s, instance), pop(s, instance, iat=int(time.time()) - 3600))),
            "client_attestation.pop_stale")
    refused(token(s, create_case(s), headers(wia(s, instance), "not.a.jwt")), "client_attestation.pop_malformed")
    replayed = pop(s, instance)
    r = token(s, create_case(s), headers(wia(s, instance), replayed))
    assert r.status_code == 200, r.text
    refused(token(s, create_case(s), headers(wia(s, instance), replayed)), "client_attestation.pop_replayed")
    # two attestation headers
    r = httpx.post(f"{s.url}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": "x"},
                   headers=[("OAuth-Client-Attestation", wia(s, instance))] * 2
                   + [("OAuth-Client-Attestation-PoP", pop(s, instance))])
    refused(r, "client_attestation.malformed")
    # and the right one, with client_id = sub
    case = create_case(s)
    r = token(s, case, good(), client_id="esspass-wallet")
    assert r.status_code == 200 and r.json()["access_token"]


def test_a_lenient_issuer_checks_an_attestation_when_sent(lenient, tmp_path):
    s = lenient
    assert token(s, create_case(s), {}).status_code == 200  # anonymous pre-authorized access still works
    instance = jose.SigningKey.generate()
    assert token(s, create_case(s), attested_headers(s, instance)).status_code == 200
    rogue_key, rogue_x5c = other_provider(tmp_path)
    refused(token(s, create_case(s), headers(wia(s, instance, signer=rogue_key, x5c=rogue_x5c), pop(s, instance))),
            "wallet_provider.untrusted")


def test_a_withdrawn_provider_is_refused_once_the_list_says_so(tmp_path):
    from trust_list.model import WALLET_PROVIDERS
    from trust_list.operator import Operator, withdraw_service

    with issuer(tmp_path / "home", wallet_attestation_required=True, wallet_providers_refresh=0) as s:
        instance = jose.SigningKey.generate()
        assert token(s, create_case(s), attested_headers(s, instance)).status_code == 200
        op = Operator.open(s.settings.ecosystem_dir / "operator")
        now = int(time.time())
        op.change(WALLET_PROVIDERS, withdraw_service, "ESSPASS Wallet Provider", "ESSPASS wallet solution", now)
        op.sign(WALLET_PROVIDERS, now, now + 86400)
        refused(token(s, create_case(s), attested_headers(s, instance)), "wallet_provider.untrusted")


# ---------------------------------------------------------------- PAR endpoint


def par(server, hdrs, client_id: str | None = "esspass-wallet") -> httpx.Response:
    verifier = secrets.token_urlsafe(48)
    import hashlib

    challenge = jose.b64u_encode(hashlib.sha256(verifier.encode()).digest())
    form = {"response_type": "code", "client_id": client_id, "redirect_uri": "eu.esspass.wallet:/issuance",
            "code_challenge": challenge, "code_challenge_method": "S256", "scope": CFG}
    return httpx.post(f"{server.url}/par", headers=hdrs, data={k: v for k, v in form.items() if v is not None})


def test_par_endpoint_requires_the_attestation_and_client_id_equal_to_its_sub(strict):
    s = strict
    instance = jose.SigningKey.generate()
    refused(par(s, {}), "client_attestation.missing")
    refused(par(s, headers(wia(s, instance), pop(s, instance)), client_id="someone-else"),
            "client_attestation.client_id")
    refused(par(s, headers(wia(s, instance), pop(s, instance, aud=f"{s.url}/par"))), "client_attestation.pop_audience")
    r = par(s, headers(wia(s, instance), pop(s, instance)))
    assert r.status_code == 201, r.text
    assert r.json()["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    # ABCA §7: an attested client may leave client_id out (the attestation's sub is the client; the OWF
    # @openid4vc/oauth2 client does so at the token endpoint: tests/interop/test_owf_wallet_issuance.py)
    r = par(s, headers(wia(s, instance), pop(s, instance)), client_id=None)
    assert r.status_code == 201, r.text


def test_without_an_attestation_client_id_stays_required(lenient):
    r = par(lenient, {}, client_id=None)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


# ---------------------------------------------------------------- key attestations


def access_token(server) -> str:
    r = token(server, create_case(server), attested_headers(server))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def c_nonce(server) -> str:
    return httpx.post(f"{server.url}/nonce").json()["c_nonce"]


def ka(server, keys, *, nonce=None, exp_in=600, signer=None, x5c=None, no_exp=False) -> str:
    wp = provider(server)
    now = int(time.time())
    token = A.key_attestation(signer or wp.attestation_key, wp.x5c if x5c is None else x5c,
                              issuer="https://wallet.esspass.eu", attested_keys=[k.public_jwk() for k in keys],
                              iat=now, exp=now + exp_in, nonce=nonce)
    if no_exp:
        jws = jose.parse_compact(token)
        claims = {k: v for k, v in jws.payload().items() if k != "exp"}
        token = jose.sign_compact(jws.header, claims, signer or wp.attestation_key)
    return token


def credential(server, access, proofs: dict) -> httpx.Response:
    return httpx.post(f"{server.url}/credential", headers={"Authorization": f"Bearer {access}"},
                      json={"credential_configuration_id": CFG, "proofs": proofs})


def bad_proof(r: httpx.Response, reason: str | None, error="invalid_proof") -> None:
    assert r.status_code == 400, r.text
    assert r.json()["error"] == error, r.json()
    if reason is not None:
        assert r.json()["reason"] == reason, r.json()


def holder_jwk_of(credential_token: str) -> dict:
    return jose.parse_compact(credential_token.split("~")[0]).payload()["cnf"]["jwk"]


def test_jwt_proofs_with_key_attestations(strict, tmp_path):
    s = strict
    access = access_token(s)
    key, other = jose.SigningKey.generate(), jose.SigningKey.generate()
    proof = lambda k, n, attestation: proof_jwt(k, aud=s.url, nonce=n,  # noqa: E731
                                                  extra_header={"key_attestation": attestation})
    # required and absent
    n = c_nonce(s)
    bad_proof(credential(s, access, {"jwt": [proof_jwt(key, aud=s.url, nonce=n)]}), "key_attestation.missing")
    # the proof's key is not among attested_keys
    n = c_nonce(s)
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [other], nonce=n))]}),
              "key_attestation.key_not_attested")
    # expired; without exp (F.1: MUST be present with the jwt proof type); without a c_nonce; a forged nonce
    n = c_nonce(s)
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce=n, exp_in=-300))]}),
              "key_attestation.expired")
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce=n, no_exp=True))]}),
              "key_attestation.malformed")
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key]))]}), "key_attestation.nonce")
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce="forged"))]}), None, "invalid_nonce")
    # signed by a provider not on the list; by the wrong key for its x5c
    rogue_key, rogue_x5c = other_provider(tmp_path)
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce=n, signer=rogue_key, x5c=rogue_x5c))]}),
              "wallet_provider.untrusted")
    bad_proof(credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce=n, signer=other))]}),
              "key_attestation.signature")
    # the good one: the credential is bound to the attested key
    r = credential(s, access, {"jwt": [proof(key, n, ka(s, [key], nonce=n))]})
    assert r.status_code == 200, r.text
    assert holder_jwk_of(r.json()["credentials"][0]["credential"]) == key.public_jwk()


def test_attestation_proof_type_binds_one_credential_per_attested_key(strict):
    s = strict
    access = access_token(s)
    keys = [jose.SigningKey.generate() for _ in range(3)]
    n = c_nonce(s)
    bad_proof(credential(s, access, {"attestation": [ka(s, keys, nonce=n), ka(s, keys, nonce=n)]}), None)
    bad_proof(credential(s, access, {"attestation": [ka(s, keys)]}), "key_attestation.nonce")
    r = credential(s, access, {"attestation": [ka(s, keys, nonce=n)]})
    assert r.status_code == 200, r.text
    bound = [holder_jwk_of(c["credential"]) for c in r.json()["credentials"]]
    assert bound == [k.public_jwk() for k in keys]
    # the c_nonce is spent with it
    bad_proof(credential(s, access, {"attestation": [ka(s, keys, nonce=n)]}), None, "invalid_nonce")


def test_key_attestation_is_accepted_when_present_and_not_required(lenient):
    s = lenient
    r = token(s, create_case(s), {})
    access = r.json()["access_token"]
    key = jose.SigningKey.generate()
    n = c_nonce(s)
    assert credential(s, access, {"jwt": [proof_jwt(key, aud=s.url, nonce=n)]}).status_code == 200
    n = c_nonce(s)
    r = credential(s, access, {"jwt": [proof_jwt(key, aud=s.url, nonce=n,
                                                 extra_header={"key_attestation": ka(s, [key], nonce=n)})]})
    assert r.status_code == 200, r.text


def test_requiring_attestations_without_a_list_stops_the_start(tmp_path):
    from deployment.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        IssuerService(Settings(home=tmp_path / "h", wallet_providers_anchors=tmp_path / "x.pem"))
    assert "ESSPASS_WALLET_PROVIDERS_LIST" in str(err.value)
