"""DCQL ``trusted_authorities`` of type ``aki`` (OpenID4VP 1.0 §6.1.1.1; HAIP 1.0 §5 MUST): a stored
credential answers only when a value is the AuthorityKeyIdentifier of a certificate in its issuer chain,
resolved through the wallet's trust lists; other values and unsupported types match nothing."""

from __future__ import annotations

import copy
import time

import pytest
from cryptography import x509

from credential import jose
from credential.dcql import PRESETS, parse_query, match
from credential.reasons import Rejected
from trust_list.demo import build_demo_ecosystem
from wallet.presentation import authority_key_ids, fetch_request, plan
from wallet.trust import load_trust_store

from .fakes import issue_card, make_rp, new_wallet


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


def ca_key_id(eco) -> str:
    ca = eco.institution("DK").ca_cert
    return jose.b64u_encode(ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)


def query_with(authorities):
    q = copy.deepcopy(PRESETS["ehic-care"])
    q["credentials"][0]["trusted_authorities"] = authorities
    return q


def test_aki_of_the_issuer_chain_matches_and_others_do_not(eco, tmp_path):
    wallet = new_wallet(tmp_path / "w")
    card = issue_card(eco, wallet, "ehic")
    store = load_trust_store(eco.home, int(time.time()))
    assert ca_key_id(eco) in authority_key_ids(card, store, wallet.now())
    for authorities, ok in [([{"type": "aki", "values": ["c29tZW9uZS1lbHNl", ca_key_id(eco)]}], True),
                            ([{"type": "aki", "values": ["c29tZW9uZS1lbHNl"]}], False),
                            ([{"type": "etsi_tl", "values": ["https://lotl.example/tl.xml"]}], False)]:
        fake, uri = make_rp(eco, "hospital", query_with(authorities))
        with fake.client() as client:
            req = fetch_request(uri, store, wallet.now(), client)
        if ok:
            assert [i.card.id for i in plan(wallet, req).items] == [card.id]
        else:
            with pytest.raises(Rejected) as e:
                plan(wallet, req)
            assert e.value.code == "wallet.no_matching_credential"


def test_unknown_chain_fails_closed():
    q = parse_query(query_with([{"type": "aki", "values": ["AAAA"]}]))
    from credential.types import sample_claims

    claims = sample_claims("ehic")
    assert match(q, [("urn:eudi:ehic:1", claims, None)]) == {"ehic": []}
    assert match(q, [("urn:eudi:ehic:1", claims, frozenset({"AAAA"}))]) == {"ehic": [0]}


def test_x509_san_dns_client_id_needs_the_response_uri_on_that_host(eco, tmp_path, monkeypatch):
    """OpenID4VP 1.0 §5.9.3: with ``x509_san_dns:<name>`` the response goes only to that host."""
    from tests.wallet import fakes

    wallet = new_wallet(tmp_path / "w")
    issue_card(eco, wallet, "ehic")
    store = load_trust_store(eco.home, int(time.time()))
    dns = eco.relying_parties["hospital"].dns_name
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], client_id=f"x509_san_dns:{dns}")
    with fake.client() as client, pytest.raises(Rejected) as e:
        fetch_request(uri, store, wallet.now(), client)  # response_uri is on rp.example
    assert e.value.code == "rp.client_id"
    monkeypatch.setattr(fakes, "RP_HOST", f"https://{dns}")
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], client_id=f"x509_san_dns:{dns}")
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
    assert req.response_uri == f"https://{dns}/response" and plan(wallet, req).items
