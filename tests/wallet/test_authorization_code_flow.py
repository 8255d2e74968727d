"""The ESSPASS wallet through the authorization code flow (OpenID4VCI §5; HAIP 1.0 §4: PAR, PKCE
S256, DPoP with DPoP-Nonce, iss) against the real issuer, whose citizens log in at a real OpenID
Connect provider (oidc-provider on Node) — the person's browser is played by an HTTP client."""

from __future__ import annotations

import time

import httpx
import pytest

from credential.reasons import Rejected
from tests.interop.oidc_provider import log_in_upstream
from tests.issuer.conftest import upstream_issuer
from wallet.authorization import REDIRECT_URI, code_from_redirect, receive_authorized
from wallet.trust import load_trust_store

from .servers import new_online_wallet


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    with upstream_issuer(tmp_path_factory.mktemp("wallet-authz") / "home") as running:
        yield running.url, running.service, running.home


def person(account: str):
    def browse(url: str) -> str:
        with httpx.Client(timeout=30) as browser:
            r = log_in_upstream(browser, url, account, REDIRECT_URI)
        if r.status_code == 303:
            return r.headers["location"]
        # the "not decided yet" page: the person follows its link back to the wallet
        return r.text.split('id="back"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    return browse


def new_case(service, type_key: str) -> dict:
    from credential.types import sample_claims

    return service.create_case(type_key, sample_claims(type_key), "test", with_tx_code=True).public()


def test_offer_and_wallet_initiated(issuer, tmp_path):
    url, service, home = issuer
    store = load_trust_store(home / "ecosystem", int(time.time()))
    wallet = new_online_wallet(tmp_path)
    case = new_case(service, "pda1")
    got = receive_authorized(wallet, store, person("tomasz"), offer_uri=case["offer_uri"], copies=3)
    [card] = got.cards
    assert card.claims["document_number"] == case["document_number"] and card.copies_left == 3
    new_case(service, "ehic")
    [ehic] = receive_authorized(wallet, store, person("mette"), credential_issuer=url,
                                configuration_id="ehic_sd_jwt", copies=2).cards
    assert ehic.vct == "urn:eudi:ehic:1"
    assert [(e.kind, e.outcome) for e in wallet.history()] == [("issuance", "received"), ("issuance", "received")]


def test_no_case_for_the_person_is_a_refusal_in_the_history(issuer, tmp_path):
    url, service, home = issuer
    store = load_trust_store(home / "ecosystem", int(time.time()))
    wallet = new_online_wallet(tmp_path)
    with pytest.raises(Rejected) as e:
        receive_authorized(wallet, store, person("stranger"), credential_issuer=url, configuration_id="pda1_sd_jwt")
    assert e.value.code == "wallet.authorization_refused"
    [entry] = wallet.history()
    assert entry.outcome == "refused" and entry.reason == "wallet.authorization_refused"
    assert wallet.cards() == []


def test_authorization_response_checks():
    ok = f"{REDIRECT_URI}?code=c&state=s&iss=https%3A%2F%2Fi.example"
    assert code_from_redirect(ok, redirect_uri=REDIRECT_URI, state="s", issuer="https://i.example") == "c"
    for bad, kw in [(ok, {"state": "other"}), (ok, {"issuer": "https://mixup.example"}),
                    ("https://elsewhere.example/?code=c&state=s&iss=https%3A%2F%2Fi.example", {}),
                    (f"{REDIRECT_URI}?state=s&iss=https%3A%2F%2Fi.example", {})]:
        args = {"redirect_uri": REDIRECT_URI, "state": "s", "issuer": "https://i.example", **kw}
        with pytest.raises(Rejected) as e:
            code_from_redirect(bad, **args)
        assert e.value.code == "wallet.authorization_response"
