"""§5: relying-party checks on the demo ecosystem; every rp.* code exactly."""

from __future__ import annotations

import pytest

from credential.jose import SigningKey, sign_compact
from credential.reasons import Rejected
from trust_list import certificates
from trust_list.demo import build_demo_ecosystem, registration_credentials
from trust_list.relying_party import check_relying_party, path_within

from .conftest import DAY, NOW, YEAR

A1_QUERY = {"credentials": [{"id": "a1", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pda1:1"]},
                             "claims": [{"path": ["subject", "familynames"]}, {"path": ["employer", 0, "name"]},
                                        {"path": ["legislation_country"]}]}]}


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("demo"), NOW)


@pytest.fixture()
def store(eco):
    return eco.trust_store(NOW)


def request(rp, *, key=None, chain=None, verifier_info="default", **claims):
    payload = {"response_type": "vp_token", "nonce": "n-1", "dcql_query": A1_QUERY, **claims}
    if verifier_info == "default":
        payload["verifier_info"] = rp.verifier_info
    elif verifier_info is not None:
        payload["verifier_info"] = verifier_info
    header = {"typ": "oauth-authz-req+jwt", "x5c": certificates.x5c_of(chain or rp.access_chain)}
    return sign_compact(header, payload, key or rp.access_key)


def code(store, token, client_id, query=None, strict=True):
    try:
        check_relying_party(store, token, client_id, query, NOW, strict=strict)
    except Rejected as exc:
        return exc.code
    return None


def test_registered_rp_passes_with_both_client_id_forms(eco, store):
    at = eco.relying_parties["arbejdstilsynet"]
    result = check_relying_party(store, request(at), at.client_id, None, NOW)
    assert result.display_name() == "Arbejdstilsynet" and not result.over_asking
    assert result.sub == "NTRDK-10000001" and "inspector.at.dk" in result.dns_names
    assert code(store, request(at), "x509_san_dns:inspector.at.dk") is None


def test_rp_signature(eco, store):
    at = eco.relying_parties["arbejdstilsynet"]
    assert code(store, request(at, key=SigningKey.generate()), at.client_id) == "rp.signature"
    # an access certificate from a CA that is not on the WRPAC list
    key = SigningKey.generate()
    ca = certificates.ca_certificate(key, "Rogue CA", country="DK", organization="Rogue", not_before=NOW - YEAR,
                          not_after=NOW + YEAR)
    rogue = certificates.access_certificate(key, dns_name="inspector.at.dk", organization="Rogue", country="DK",
                                 organization_identifier="NTRDK-10000001", ca_key=key, ca_cert=ca,
                                 not_before=NOW - YEAR, not_after=NOW + YEAR)
    token = request(at, key=key, chain=[rogue, ca])
    assert code(store, token, "x509_san_dns:inspector.at.dk") == "rp.signature"
    assert code(store, "garbage", at.client_id) == "rp.signature"


def test_rp_client_id(eco, store):
    at = eco.relying_parties["arbejdstilsynet"]
    hospital = eco.relying_parties["hospital"]
    assert code(store, request(at), hospital.client_id) == "rp.client_id"
    assert code(store, request(at), "x509_san_dns:checkin.rigshospitalet.dk") == "rp.client_id"
    assert code(store, request(at), "redirect_uri:https://inspector.at.dk") == "rp.client_id"
    assert code(store, request(at, client_id=hospital.client_id), at.client_id) == "rp.client_id"


def test_rp_registration(eco, store):
    at = eco.relying_parties["arbejdstilsynet"]
    hospital = eco.relying_parties["hospital"]
    assert code(store, request(at, verifier_info=None), at.client_id) == "rp.registration"
    # someone else's registration certificate: sub does not match
    assert code(store, request(at, verifier_info=hospital.verifier_info), at.client_id) == "rp.registration"
    # signed by a registrar that is not on the WRPRC list
    key = SigningKey.generate()
    self_signed = certificates.issue_certificate(certificates.name("fake registrar"), key, issuer_key=key, issuer_cert=None,
                                      not_before=NOW - YEAR, not_after=NOW + YEAR)
    fake = certificates.registration_certificate(key, [self_signed], sub="NTRDK-10000001", name="x", purpose="x",
                                      credentials=registration_credentials(["a1-inspection"]),
                                      iat=NOW - DAY, exp=NOW + DAY)
    info = [{"format": "registration_cert", "data": fake}]
    assert code(store, request(at, verifier_info=info), at.client_id) == "rp.registration"
    # expired, and valid for more than 12 months
    reg_key = certificates.read_private_key(eco.home / "registrar" / "key.pem")
    reg_cert = certificates.read_certificates(eco.home / "registrar" / "cert.pem")
    for iat, exp in [(NOW - 2 * DAY, NOW - DAY), (NOW - DAY, NOW + 370 * DAY)]:
        rc = certificates.registration_certificate(reg_key, reg_cert, sub="NTRDK-10000001", name="x", purpose="x",
                                        credentials=[], iat=iat, exp=exp)
        info = [{"format": "registration_cert", "data": rc}]
        assert code(store, request(at, verifier_info=info), at.client_id) == "rp.registration"


def test_rp_over_asking(eco, store):
    hospital = eco.relying_parties["hospital"]  # registered for ehic-care only
    assert code(store, request(hospital), hospital.client_id) == "rp.over_asking"
    result = check_relying_party(store, request(hospital), hospital.client_id, None, NOW)
    assert result.warnings == ("rp.over_asking",) and len(result.over_asking_paths) == 3
    ehic = {"credentials": [{"id": "e", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:ehic:1"]},
                             "claims": [{"path": ["subject", "familynames"]}, {"path": ["ending_date"]},
                                        {"path": ["starting_date"]}]}]}
    result = check_relying_party(store, request(hospital), hospital.client_id, ehic, NOW)
    assert result.over_asking_paths == [("e", ("starting_date",))]


def test_path_within():
    assert path_within(["employer", 0, "name"], ["employer"])
    assert path_within(["employer", 0, "name"], ["employer", None])
    assert path_within(["employer", None], ["employer", None])
    assert not path_within(["employer", None], ["employer", 0])
    assert not path_within(["employer"], ["employer", None, "name"])
    assert not path_within(["subject", "date_of_birth"], ["subject", "familynames"])
