"""The ESSPASS wallet with wallet and key attestations (HAIP 1.0 §4.4.1, §4.5.1), end to end on loopback: the real
issuer requiring both (citizens log in at a real OpenID Connect provider, oidc-provider on Node), the demo
ecosystem's wallet provider served by ``esspass.wallet_provider``, and the wallet getting its attestations there,
in the pre-authorized and the authorization-code flows."""

from __future__ import annotations

import time

import httpx
import pytest

from credential import jose
from credential.reasons import Rejected
from esspass.servers import serve_in_thread
from esspass.wallet_provider import INSTANCE_REQUEST_TYP, KEY_REQUEST_TYP, create_app, demo_service
from tests.issuer.conftest import upstream_issuer
from wallet import attestation as W
from wallet.issuance import receive
from wallet.trust import load_trust_store

from .servers import new_online_wallet
from .test_authorization_code_flow import new_case, person


@pytest.fixture(scope="module")
def ecosystem(tmp_path_factory):
    home = tmp_path_factory.mktemp("wallet-attest") / "home"
    with upstream_issuer(home, wallet_attestation_required=True, key_attestation_required=True) as issuer:
        with serve_in_thread(lambda url: create_app(demo_service(home / "ecosystem", url))) as provider_url:
            yield issuer, provider_url


def test_the_request_types_are_the_providers():
    assert (W.INSTANCE_REQUEST_TYP, W.KEY_REQUEST_TYP) == (INSTANCE_REQUEST_TYP, KEY_REQUEST_TYP)


def test_pre_authorized_flow_with_wallet_and_key_attestation(ecosystem, tmp_path):
    issuer, provider_url = ecosystem
    store = load_trust_store(issuer.home / "ecosystem", int(time.time()))
    wallet = new_online_wallet(tmp_path)
    case = new_case(issuer.service, "pda1")
    got = receive(wallet, case["offer_uri"], store, tx_code=case["tx_code"], copies=3,
                  provider=W.WalletProviderClient(provider_url))
    [card] = got.cards
    assert card.copies_left == 3 and card.claims["document_number"] == case["document_number"]
    # without a wallet provider the wallet says why, in its own words, and the issuer would refuse anyway
    other = new_online_wallet(tmp_path / "other")
    case = new_case(issuer.service, "pda1")
    with pytest.raises(Rejected) as e:
        receive(other, case["offer_uri"], store, tx_code=case["tx_code"])
    assert e.value.code == "wallet.attestation_not_configured"
    assert other.history()[-1].reason == "wallet.attestation_not_configured"


def test_authorization_code_flow_with_wallet_and_key_attestation(ecosystem, tmp_path):
    from wallet.authorization import receive_authorized

    issuer, provider_url = ecosystem
    store = load_trust_store(issuer.home / "ecosystem", int(time.time()))
    wallet = new_online_wallet(tmp_path)
    case = new_case(issuer.service, "pda1")
    got = receive_authorized(wallet, store, person("tomasz"), offer_uri=case["offer_uri"], copies=2,
                             provider=W.WalletProviderClient(provider_url))
    [card] = got.cards
    assert card.copies_left == 2 and card.claims["document_number"] == case["document_number"]


def test_a_provider_that_does_not_answer_is_the_wallets_refusal(ecosystem, tmp_path):
    issuer, _ = ecosystem
    from tests.support import free_port

    store = load_trust_store(issuer.home / "ecosystem", int(time.time()))
    wallet = new_online_wallet(tmp_path)
    case = new_case(issuer.service, "pda1")
    with pytest.raises(Rejected) as e:
        receive(wallet, case["offer_uri"], store, tx_code=case["tx_code"],
                provider=W.WalletProviderClient(f"http://127.0.0.1:{free_port()}"))
    assert e.value.code == "wallet.attestation_unavailable"


def test_the_provider_signs_only_for_keys_the_wallet_holds(ecosystem):
    from credential import attestations as A

    _, url = ecosystem
    key, other = jose.SigningKey.generate(), jose.SigningKey.generate()
    now = int(time.time())
    ok = A.possession_request(key, typ=INSTANCE_REQUEST_TYP, audience=url, iat=now)
    r = httpx.post(f"{url}/wallet-attestation", json={"request": ok})
    assert r.status_code == 200
    wia = jose.parse_compact(r.json()["wallet_attestation"])
    assert wia.header["typ"] == "oauth-client-attestation+jwt" and len(wia.header["x5c"]) == 1  # no anchor
    assert wia.payload()["cnf"]["jwk"] == key.public_jwk() and wia.payload()["sub"] == "esspass-wallet"
    forged = jose.sign_compact({"typ": INSTANCE_REQUEST_TYP, "jwk": key.public_jwk()}, {"aud": url, "iat": now},
                               other)
    for bad in [forged, A.possession_request(key, typ=INSTANCE_REQUEST_TYP, audience="https://x.example", iat=now),
                A.possession_request(key, typ=INSTANCE_REQUEST_TYP, audience=url, iat=now - 3600),
                A.possession_request(key, typ=KEY_REQUEST_TYP, audience=url, iat=now), "garbage", None]:
        r = httpx.post(f"{url}/wallet-attestation", json={"request": bad})
        assert r.status_code == 400 and r.json()["error"] == "invalid_request", bad
    proof = lambda k, n: A.possession_request(k, typ=KEY_REQUEST_TYP, audience=url, iat=now,  # noqa: E731
                                              extra={"nonce": n})
    r = httpx.post(f"{url}/key-attestation", json={"nonce": "n1", "proofs": [proof(key, "n1"), proof(other, "n1")]})
    assert r.status_code == 200
    ka = jose.parse_compact(r.json()["key_attestation"]).payload()
    assert ka["attested_keys"] == [key.public_jwk(), other.public_jwk()] and ka["nonce"] == "n1"
    assert "key_storage" not in ka and "user_authentication" not in ka  # it verified no such claim
    for body in [{"nonce": "n1", "proofs": [proof(key, "n2")]}, {"nonce": "n1", "proofs": [proof(key, "n1")] * 2},
                 {"proofs": [proof(key, "n1")]}, {"nonce": "n1", "proofs": []}, {"nonce": "n1", "proofs": [ok]}]:
        r = httpx.post(f"{url}/key-attestation", json=body)
        assert r.status_code == 400, body


def test_the_cli_takes_its_wallet_provider_from_the_settings(ecosystem, tmp_path, monkeypatch):
    """``esspass wallet receive`` (the path the Kivy app's controller shares: ``wallet.issuance.receive`` with the
    provider from ``ESSPASS_WALLET_PROVIDER_URL``)."""
    import json

    from typer.testing import CliRunner

    from wallet.cli import app

    issuer, provider_url = ecosystem
    runner = CliRunner()
    common = ["--store", str(tmp_path / "w"), "--pin", "135790", "--trust-dir", str(issuer.home / "ecosystem"),
              "--json"]
    case = new_case(issuer.service, "ehic")
    monkeypatch.delenv("ESSPASS_WALLET_PROVIDER_URL", raising=False)
    r = runner.invoke(app, ["receive", case["offer_uri"], "--tx-code", case["tx_code"], *common])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.exit_code == 1 and out["reason"] == "wallet.attestation_not_configured", r.stdout
    assert out["en"] != out["da"]
    monkeypatch.setenv("ESSPASS_WALLET_PROVIDER_URL", provider_url)
    case = new_case(issuer.service, "ehic")
    r = runner.invoke(app, ["receive", case["offer_uri"], "--tx-code", case["tx_code"], *common])
    assert r.exit_code == 0, r.stdout
