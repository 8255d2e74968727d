"""The verifier sends DCQL ``trusted_authorities`` of type ``aki`` (OpenID4VP 1.0 §6.1.1.1, HAIP 1.0 §5): the key
identifiers of exactly the issuers its Pub-EAA list accepts, now, for the query's types; withdrawn issuers drop
out; switched off, nothing is sent. On a real verifier on 127.0.0.1."""

from __future__ import annotations

import time

import httpx
from cryptography import x509

from credential import jose
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW
from tests.verifier.servers import Clock, free_port, serve_app
from trust_list.demo import INSTITUTIONS
from trust_list.model import PUB_EAA
from trust_list.operator import withdraw_service
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings


def ski(cert) -> str:
    return jose.b64u_encode(cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)


def request_of(url, client, store, preset="a1-inspection"):
    r = client.post(f"{url}/openid4vp/transactions", json={"preset": preset})
    return W.fetch_request(r.json()["request_uri"], client, store, NOW).request


def test_aki_of_the_listed_issuers_then_without_the_withdrawn_one(tmp_path):
    port = free_port()
    clock = Clock(NOW)
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"), clock=clock)
    eco = svc.ecosystem
    store = eco.trust_store(NOW)
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10) as client:
        [cq] = request_of(url, client, store)["dcql_query"]["credentials"]
        [ta] = cq["trusted_authorities"]
        expected = {ski(eco.institutions[slug].ca_cert) for slug, *_ in INSTITUTIONS}
        assert ta["type"] == "aki" and set(ta["values"]) == expected and len(ta["values"]) == len(INSTITUTIONS)
        # each value is what an issued credential's chain carries: its signing certificate's AKI
        leaf = eco.institution("udk").credential_chain[0]
        leaf_aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        assert jose.b64u_encode(leaf_aki) in ta["values"]
        # the presets' shared definition is not modified
        from credential.dcql import PRESETS

        assert "trusted_authorities" not in PRESETS["a1-inspection"]["credentials"][0]

        # withdraw Försäkringskassan: its key identifier is no longer sent
        name = "Försäkringskassan"
        eco.operator.change(PUB_EAA, withdraw_service, name, f"{name} credential issuance", NOW + 60)
        eco.operator.sign(PUB_EAA, NOW + 100, NOW + 60 * 86400)
        clock.t = NOW + 120
        time.sleep(1.1)  # the service looks at the list files at most once a second
        [cq] = request_of(url, client, eco.trust_store(NOW + 120))["dcql_query"]["credentials"]
        assert set(cq["trusted_authorities"][0]["values"]) == expected - {ski(eco.institution("fk").ca_cert)}


def test_switched_off_nothing_is_sent(tmp_path):
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}",
                                           verifier_trusted_authorities=False), clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as url, httpx.Client(timeout=10) as client:
        [cq] = request_of(url, client, svc.ecosystem.trust_store(NOW), "ehic-care")["dcql_query"]["credentials"]
        assert "trusted_authorities" not in cq


def test_no_listed_issuer_for_the_type_or_no_list_sends_none(eco, tmp_path):
    from trust_list.model import LIST_TYPES
    from trust_list.rollback import RollbackState
    from trust_list.store import TrustStore
    from verifier.authorities import aki_values

    assert aki_values(eco.trust_store(NOW), ["urn:example:unknown:1"], NOW) == []
    assert aki_values(eco.trust_store(NOW), ["urn:eudi:ehic:1"], NOW)  # control
    empty = TrustStore(anchors={t: [eco.operator_cert] for t in LIST_TYPES}, state=RollbackState(tmp_path / "s"))
    assert aki_values(empty, ["urn:eudi:ehic:1"], NOW) == []  # no list in force
