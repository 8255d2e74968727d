"""Relying-party checks before consent (trust-lists.md §5): unregistered stopped, over-asking minimised."""

from __future__ import annotations

import time

import pytest

from credential import jose, sd_jwt
from credential.dcql import PRESETS
from credential.reasons import Rejected
from trust_list import certificates
from trust_list.demo import build_demo_ecosystem
from wallet.presentation import fetch_request, log_stopped, plan, respond
from wallet.trust import load_trust_store

from .fakes import issue_card, make_rp, new_wallet, over_asking_ehic


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


@pytest.fixture()
def setup(eco, tmp_path):
    wallet = new_wallet(tmp_path / "w")
    card = issue_card(eco, wallet, "ehic")
    store = load_trust_store(eco.home, int(time.time()))
    return wallet, card, store


def disclosed_paths(presentation: str) -> set[str]:
    view = sd_jwt.holder_view(presentation.rsplit("~", 1)[0] + "~")
    return {sd_jwt.format_path(n.path) for n in view.nodes}


def test_registered_rp_gets_exactly_what_it_asks(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"])
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
        assert req.name() == "Rigshospitalet"
        consent = plan(wallet, req)
        assert not consent.over_asking
        respond(wallet, consent, client=client)
    payload = fake.decrypted()
    [pres] = payload["vp_token"]["ehic"]
    assert disclosed_paths(pres) == {"subject", "personal_administrative_number", "issuing_authority",
                                     "document_number", "ending_date"}
    assert payload["state"] == req.state


def test_over_asking_is_warned_and_minimised(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "hospital", over_asking_ehic())
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
        assert req.rp.over_asking
        consent = plan(wallet, req)
        assert consent.over_asking
        [item] = consent.items
        assert sorted(item.over_asking) == [("date_of_issuance",), ("starting_date",)]
        respond(wallet, consent, client=client)  # the user did not agree to more
    [pres] = fake.decrypted()["vp_token"]["ehic"]
    got = disclosed_paths(pres)
    assert "date_of_issuance" not in got and "starting_date" not in got
    ev = wallet.history()[-1]
    assert ev.outcome == "shared" and ev.reason == "rp.over_asking" and len(ev.over_asking) == 2


def test_over_asking_shared_only_when_user_agrees(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "hospital", over_asking_ehic())
    with fake.client() as client:
        consent = plan(wallet, fetch_request(uri, store, wallet.now(), client))
        respond(wallet, consent, include_over_asking=True, client=client)
    [pres] = fake.decrypted()["vp_token"]["ehic"]
    assert {"date_of_issuance", "starting_date"} <= disclosed_paths(pres)


def test_each_presentation_uses_a_fresh_copy(eco, setup):
    wallet, card, store = setup
    keys = set()
    for _ in range(2):
        fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"])
        with fake.client() as client:
            respond(wallet, plan(wallet, fetch_request(uri, store, wallet.now(), client)), client=client)
        [pres] = fake.decrypted()["vp_token"]["ehic"]
        keys.add(jose.parse_compact(pres.split("~")[0]).payload()["cnf"]["jwk"]["x"])
    assert len(keys) == 2


def _stopped(wallet, store, fake, uri) -> str:
    with fake.client() as client, pytest.raises(Rejected) as e:
        fetch_request(uri, store, wallet.now(), client)
    log_stopped(wallet, uri, e.value)
    assert fake.posted == []  # nothing was sent
    assert e.value.reason.en and e.value.reason.da
    return e.value.code


def test_rp_without_registration_is_stopped(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], with_registration=False)
    assert _stopped(wallet, store, fake, uri) == "rp.registration"
    assert wallet.history()[-1].outcome == "refused"


def test_rp_with_someone_elses_registration_is_stopped(eco, setup):
    wallet, card, store = setup
    other = eco.relying_parties["arbejdstilsynet"]
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"])
    # re-sign with the hospital's key but Arbejdstilsynet's registration certificate
    payload = jose.parse_compact(fake.request_jws).payload()
    payload["verifier_info"] = other.verifier_info
    rp = eco.relying_parties["hospital"]
    fake.request_jws = jose.sign_compact({"typ": "oauth-authz-req+jwt", "x5c": rp.access_x5c}, payload, rp.access_key)
    assert _stopped(wallet, store, fake, uri) == "rp.registration"


def test_rp_not_on_the_access_list_is_stopped(eco, setup):
    wallet, card, store = setup
    now = int(time.time())
    key = jose.SigningKey.generate()
    cert = certificates.issue_certificate(certificates.name("rogue.example", country="DK", organization="Rogue"), key,
                               issuer_key=key, issuer_cert=None, not_before=now - 60, not_after=now + 86400)
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], signer=key, x5c=certificates.x5c_of([cert]))
    assert _stopped(wallet, store, fake, uri) == "rp.signature"


def test_client_id_mismatch_is_stopped(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], client_id="x509_hash:" + "A" * 43)
    assert _stopped(wallet, store, fake, uri) == "rp.client_id"


def test_no_matching_credential(eco, setup):
    wallet, card, store = setup
    fake, uri = make_rp(eco, "arbejdstilsynet", PRESETS["a1-inspection"])
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
        with pytest.raises(Rejected) as e:
            plan(wallet, req)
    assert e.value.code == "wallet.no_matching_credential"
