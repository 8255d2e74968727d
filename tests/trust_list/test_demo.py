"""The demo ecosystem: separate trust anchors per Pub-EAA service, idempotence, migration of old homes."""

from __future__ import annotations

import json

import pytest

from credential.reasons import Rejected
from trust_list import certificates
from trust_list.demo import INSTITUTIONS, build_demo_ecosystem
from trust_list.issuers import check_issuer, check_status_signer
from trust_list.model import PUB_EAA, SVC_PUBEAA_ISSUANCE, SVC_PUBEAA_REVOCATION, parse_lote
from trust_list.operator import Operator, find_service
from trust_list.validation import validate_list

from .conftest import DAY, NOW

PDA1 = "urn:eudi:pda1:1"


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("demo"), NOW)


def _code(fn, *args):
    try:
        return fn(*args).entity_name
    except Rejected as exc:
        return exc.code


def _pub_eaa(eco):
    return validate_list(eco.tokens()[PUB_EAA], [eco.operator_cert], PUB_EAA, NOW).lote


def test_each_service_lists_its_own_anchor(eco):
    lote = _pub_eaa(eco)
    for slug, name, _, _ in INSTITUTIONS:
        inst = eco.institutions[slug]
        assert inst.status_ca_cert.subject != inst.ca_cert.subject
        assert certificates.der(inst.status_ca_cert) != certificates.der(inst.ca_cert)
        assert inst.credential_chain[1] == inst.ca_cert and inst.status_chain[1] == inst.status_ca_cert
        by_type = {s.service_type: s for e, s in
                   lote.services(SVC_PUBEAA_ISSUANCE) + lote.services(SVC_PUBEAA_REVOCATION) if e.name == name}
        # the CA, and the signing leaf itself so that x5t#S256 headers resolve offline (§4)
        assert by_type[SVC_PUBEAA_ISSUANCE].current.certificates == (
            certificates.der(inst.ca_cert), certificates.der(inst.credential_chain[0]))
        assert by_type[SVC_PUBEAA_REVOCATION].current.certificates == (certificates.der(inst.status_ca_cert),)


@pytest.mark.parametrize("slug", [s for s, *_ in INSTITUTIONS])
def test_status_and_credential_chains_are_not_interchangeable(eco, slug):
    store = eco.trust_store(NOW)
    inst = eco.institutions[slug]
    # the right certificate for the right service
    assert _code(check_issuer, store, inst.credential_x5c, PDA1, NOW - DAY, NOW) == inst.name
    assert _code(check_status_signer, store, {"x5c": inst.status_x5c}, inst.name, NOW - DAY, NOW) == inst.name
    # a status-signing chain cannot sign credentials, nor a credential-signing chain status tokens
    assert _code(check_issuer, store, inst.status_x5c, PDA1, NOW - DAY, NOW) == "issuer.untrusted"
    assert _code(check_issuer, store, [inst.status_chain[0]], PDA1, NOW - DAY, NOW) == "issuer.untrusted"
    assert _code(check_status_signer, store, {"x5c": inst.credential_x5c}, inst.name, NOW - DAY, NOW) \
        == "issuer.untrusted"
    assert _code(check_status_signer, store, {"x5c": certificates.x5c_of([inst.credential_chain[0]])}, inst.name,
                 NOW - DAY, NOW) == "issuer.untrusted"


def test_status_signer_of_another_institution(eco):
    store = eco.trust_store(NOW)
    dk, fi = eco.institution("DK"), eco.institution("FI")
    assert _code(check_status_signer, store, {"x5c": dk.status_x5c}, fi.name, NOW - DAY, NOW) == "issuer.untrusted"


def test_rebuild_is_idempotent(tmp_path):
    first = build_demo_ecosystem(tmp_path, NOW)
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "ecosystem.json"}
    second = build_demo_ecosystem(tmp_path, NOW + 3600)
    assert second.tokens() == first.tokens()
    assert {p: p.read_bytes() for p in files} == files
    for slug in first.institutions:
        a, b = first.institutions[slug], second.institutions[slug]
        assert (a.credential_x5c, a.status_x5c) == (b.credential_x5c, b.status_x5c)


def _downgrade_to_old_layout(home, eco):
    """What the earlier build_demo_ecosystem wrote: one CA per institution, status certificate issued
    by it, that CA listed under both Issuance and Revocation."""
    op = eco.operator
    doc = op.load_draft(PUB_EAA)
    for slug, name, country, _ in INSTITUTIONS:
        inst = eco.institutions[slug]
        d = home / "institutions" / slug
        (d / "status-ca-key.pem").unlink()
        (d / "status-ca-cert.pem").unlink()
        ca_key = certificates.read_private_key(d / "ca-key.pem")
        status = certificates.end_entity_certificate(inst.status_key, f"{name} status list signing", country=country,
                                          organization=name, ca_key=ca_key, ca_cert=inst.ca_cert,
                                          not_before=NOW - 30 * DAY, not_after=NOW + 1000 * DAY)
        certificates.write_certificates(d / "status-cert.pem", [status])
        info = find_service(doc, name, f"{name} status lists")["ServiceInformation"]
        info["ServiceDigitalIdentity"] = {"X509Certificates": [{"val": certificates.x5c_of([inst.ca_cert])[0]}]}
    op.save_draft(doc)
    op.sign(PUB_EAA, NOW, NOW + 90 * DAY)


def test_old_layout_home_is_migrated_in_place(tmp_path):
    home = tmp_path / "eco"
    eco = build_demo_ecosystem(home, NOW)
    _downgrade_to_old_layout(home, eco)
    old_lote = _pub_eaa(eco)
    old_status = {s: certificates.read_certificates(home / "institutions" / s / "status-cert.pem")[0] for s in eco.institutions}
    dk_old_status_x5c = certificates.x5c_of([old_status["udk"], eco.institution("DK").ca_cert])
    # the weakness this layout had: a status-signing chain passes check_issuer
    old_store = eco.trust_store(NOW)
    assert _code(check_issuer, old_store, dk_old_status_x5c, PDA1, NOW - DAY, NOW) == "Udbetaling Danmark"

    later = NOW + 3600
    migrated = build_demo_ecosystem(home, later)
    assert migrated.operator_cert == eco.operator_cert  # same operator: parties' pins and state keep working
    lote = validate_list(migrated.tokens()[PUB_EAA], [migrated.operator_cert], PUB_EAA, later).lote
    assert lote.sequence_number == old_lote.sequence_number + 1
    store = migrated.trust_store(later)
    for slug, inst in migrated.institutions.items():
        assert inst.credential_x5c == eco.institutions[slug].credential_x5c  # credential side untouched
        # the old status key is retired (its certificate was issued by the credential CA)
        assert inst.status_key.public_jwk() != eco.institutions[slug].status_key.public_jwk()
        assert certificates.read_private_key(home / "institutions" / slug / "status-key.pem").public_jwk() \
            == inst.status_key.public_jwk()
        assert inst.status_chain[1] == inst.status_ca_cert != inst.ca_cert
        assert _code(check_issuer, store, inst.credential_x5c, PDA1, later, later) == inst.name
        assert _code(check_status_signer, store, {"x5c": inst.status_x5c}, inst.name, later, later) == inst.name
        assert _code(check_issuer, store, inst.status_x5c, PDA1, later, later) == "issuer.untrusted"
        assert _code(check_status_signer, store, {"x5c": inst.credential_x5c}, inst.name, later, later) \
            != inst.name
    # the change is not retroactive: the old state is history, status tokens signed before still check out
    dk = migrated.institution("DK")
    revocation = next(s for e, s in lote.services(SVC_PUBEAA_REVOCATION) if e.name == dk.name)
    assert revocation.history and revocation.history[0].certificates == (certificates.der(dk.ca_cert),)
    assert revocation.current.starting_time == later
    assert _code(check_status_signer, store, {"x5c": dk_old_status_x5c}, dk.name, NOW, later) == dk.name
    # (the old status certificate still chains to the credential CA, but its key no longer exists)
    # and once migrated, nothing changes any more
    tokens = migrated.tokens()
    assert build_demo_ecosystem(home, later + 60).tokens() == tokens
    index = json.loads((home / "ecosystem.json").read_text("utf-8"))
    assert index["lists"]["http://uri.etsi.org/19602/LoTEType/EUPubEAAProvidersList"] == "operator/signed/pub-eaa.jwt"
    assert Operator.open(home / "operator").load_draft(PUB_EAA)["LoTE"]["ListAndSchemeInformation"][
        "LoTESequenceNumber"] == lote.sequence_number




def test_list_parses_into_table(eco):
    assert parse_lote(json.loads(json.dumps(_pub_eaa(eco).document))).entities
    assert eco.show_table().row_count >= 10


@pytest.mark.parametrize("slug", [s for s, *_ in INSTITUTIONS])
def test_credential_thumbprint_header_resolves_without_x5c(eco, slug):
    from trust_list import check_issuer_header

    store = eco.trust_store(NOW)
    inst = eco.institutions[slug]
    header = {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "1", "x5t#S256": inst.credential_x5t}
    assert check_issuer_header(store, header, PDA1, NOW - DAY, NOW).entity_name == inst.name
    other = next(i for s, i in eco.institutions.items() if s != slug)
    # another institution's thumbprint names that institution, never this one
    assert check_issuer_header(store, {**header, "x5t#S256": other.credential_x5t}, PDA1, NOW - DAY,
                               NOW).entity_name == other.name
    # the status-signing certificate's thumbprint is not an issuer
    import hashlib

    from credential.jose import b64u_encode
    status_t = b64u_encode(hashlib.sha256(certificates.der(inst.status_chain[0])).digest())
    assert _code(check_issuer_header, store, {**header, "x5t#S256": status_t}, PDA1, NOW - DAY, NOW) \
        == "issuer.untrusted"


def test_a_registration_made_for_earlier_presets_is_made_anew(tmp_path):
    """Issue 16: the presets grew claim_sets and the EUDI issuer's paths; a demo home whose registration certificates
    were made before would make every request over-ask, so they are made anew (and left alone when current)."""
    from credential import jose
    from trust_list.demo import registration_credentials

    home = tmp_path / "demo"
    first = build_demo_ecosystem(home, NOW)
    rp = first.relying_parties["hospital"]
    path = home / "relying-parties" / "hospital" / "registration.jwt"
    assert path.read_text("ascii").strip() == rp.registration_jws
    assert build_demo_ecosystem(home, NOW).relying_parties["hospital"].registration_jws == rp.registration_jws
    old = jose.parse_compact(rp.registration_jws).payload()
    old["credentials"] = [{"format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:ehic:1"]},
                           "claims": [{"path": ["subject"]}]}]
    path.write_text(jose.sign_compact({"typ": "rc-wrp+jwt"}, old, jose.SigningKey.generate()), "ascii")
    again = build_demo_ecosystem(home, NOW).relying_parties["hospital"]
    assert jose.parse_compact(again.registration_jws).payload()["credentials"] == registration_credentials(["ehic-care"])
