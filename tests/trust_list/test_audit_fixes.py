"""Review findings on trust_list/: each test failed before its fix.

1. ``sign`` never writes a list that ``verify`` rejects for NextUpdate (six calendar months, §3);
2. ``update-entity`` changes an entity's name, URI, country and address (issue 3);
4. the profile constants of §1 are enforced (one ``list.field.*`` code each, profile v2);
5. a credential-signing end-entity certificate without KeyUsage builds a path (RFC 5280), one whose
   KeyUsage lacks digitalSignature does not (§4).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from typer.testing import CliRunner

from credential.jose import SigningKey, parse_compact
from credential.reasons import Rejected
from trust_list import certificates
from trust_list.cli import app
from trust_list.issuers import check_issuer
from trust_list.model import (
    PUB_EAA,
    STATUS_NOTIFIED,
    SVC_PUBEAA_ISSUANCE,
    SVC_WRPAC_ISSUANCE,
    WRPAC,
    add_months,
    entity_document,
    list_document,
    service_document,
    to_datetime,
)
from trust_list.operator import Operator, OperatorError, update_entity
from trust_list.store import TrustStore
from trust_list.validation import MAX_SEQUENCE_NUMBER, validate_list

from .conftest import DAY, NOW, OPERATOR, YEAR, pub_eaa_doc, sign

runner = CliRunner()
PDA1 = "urn:eudi:pda1:1"


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def utc(*date) -> int:
    return int(dt.datetime(*date, tzinfo=dt.timezone.utc).timestamp())


def reason(token, anchors, list_type=PUB_EAA, now=NOW):
    try:
        validate_list(token, anchors, list_type, now)
        return None
    except Rejected as exc:
        return exc.code


def _operator_with_kela(tmp_path, at: int) -> tuple:
    home = tmp_path / "op"
    assert run("init", "--home", home, "--name", OPERATOR, "--at", at - 3600)[0] == 0
    key = SigningKey.generate()
    ca = certificates.ca_certificate(key, "Kela CA", country="FI", organization="Kela", not_before=at - YEAR,
                          not_after=at + 5 * YEAR)
    certificates.write_certificates(tmp_path / "ca.pem", [ca])
    assert run("add-entity", "--home", home, "--list", "pub-eaa", "--name", "Kela", "--country", "FI",
               "--uri", "https://www.kela.fi")[0] == 0
    assert run("add-service", "--home", home, "--list", "pub-eaa", "--entity", "Kela", "--name", "Kela issuance",
               "--cert", tmp_path / "ca.pem", "--vct", PDA1, "--at", at - 1800)[0] == 0
    return home, key, ca


# ---------------------------------------------------------------- 1. NextUpdate as validation counts


def test_sign_refuses_next_update_beyond_six_calendar_months(tmp_path):
    at = utc(2026, 8, 31)  # + 183 days = 2027-03-02, but six months later is 2027-02-28
    home, _, _ = _operator_with_kela(tmp_path, at)
    signed = home / "signed" / "pub-eaa.jwt"
    code, _, err = run("sign", "--home", home, "--list", "pub-eaa", "--valid-days", 183, "--at", at)
    assert code == 2
    assert "6 months" in err and "2027-02-28T00:00:00Z" in err and "181 days" in err
    assert not signed.exists()  # nothing written, the sequence number not used
    assert json.loads((home / "drafts" / "pub-eaa.json").read_text())["LoTE"][
        "ListAndSchemeInformation"]["LoTESequenceNumber"] == 0
    # the longest allowed validity at that date is accepted by verify
    assert run("sign", "--home", home, "--list", "pub-eaa", "--valid-days", 181, "--at", at)[0] == 0
    code, out, _ = run("verify", signed, "--anchor", home / "operator-cert.pem", "--at", at)
    assert (code, json.loads(out)["result"], json.loads(out)["sequence_number"]) == (0, "PASSED", 1)


def test_sign_allows_exactly_six_months_even_184_days(tmp_path):
    at = utc(2026, 7, 1)  # six months later is 2027-01-01 = + 184 days
    assert add_months(at, 6) == at + 184 * DAY
    home, _, _ = _operator_with_kela(tmp_path, at)
    assert run("sign", "--home", home, "--list", "pub-eaa", "--valid-days", 184, "--at", at)[0] == 0
    code, out, _ = run("verify", home / "signed" / "pub-eaa.jwt", "--anchor", home / "operator-cert.pem",
                       "--at", at)
    assert code == 0 and json.loads(out)["result"] == "PASSED"
    assert run("sign", "--home", home, "--list", "pub-eaa", "--valid-days", 185, "--at", at)[0] == 2


def test_operator_sign_refuses_in_the_library(tmp_path):
    at = utc(2026, 8, 31)
    home, _, _ = _operator_with_kela(tmp_path, at)
    op = Operator.open(home)
    with pytest.raises(OperatorError, match="6 months"):
        op.sign(PUB_EAA, at, at + 183 * DAY)
    with pytest.raises(OperatorError):
        op.sign(PUB_EAA, at, at)
    op.sign(PUB_EAA, at, add_months(at, 6))  # the bound itself is fine


# ---------------------------------------------------------------- 2. update-entity


def _te_info(token: str) -> dict:
    return parse_compact(token).payload()["LoTE"]["TrustedEntitiesList"][0]


def test_update_entity_cli(tmp_path):
    at = NOW
    home, key, ca = _operator_with_kela(tmp_path, at)
    assert run("withdraw", "--home", home, "--list", "pub-eaa", "--entity", "Kela",
               "--service", "Kela issuance", "--at", at - 600)[0] == 0
    assert run("notify", "--home", home, "--entity", "Kela", "--service", "Kela issuance", "--at", at - 300)[0] == 0
    assert run("sign", "--home", home, "--list", "pub-eaa", "--at", at)[0] == 0
    signed = home / "signed" / "pub-eaa.jwt"
    before = signed.read_text()
    services_before = _te_info(before)["TrustedEntityServices"]

    code, _, err = run("update-entity", "--home", home, "--list", "pub-eaa", "--entity", "Kela",
                       "--name", "Kansaneläkelaitos (Kela)", "--uri", "https://www.kela.fi/web/en",
                       "--country", "FI", "--street", "Nordenskiöldinkatu 12", "--locality", "Helsinki",
                       "--postal-code", "00250")
    assert code == 0, err
    assert run("sign", "--home", home, "--list", "pub-eaa", "--at", at + 60)[0] == 0
    after = signed.read_text()
    entity = _te_info(after)
    info = entity["TrustedEntityInformation"]
    assert info["TEName"] == [{"lang": "en", "value": "Kansaneläkelaitos (Kela)"}]
    assert info["TEInformationURI"] == [{"lang": "en", "uriValue": "https://www.kela.fi/web/en"}]
    assert info["TEAddress"]["TEElectronicAddress"] == [{"lang": "en", "uriValue": "https://www.kela.fi/web/en"}]
    assert info["TEAddress"]["TEPostalAddress"] == [{"lang": "en", "StreetAddress": "Nordenskiöldinkatu 12",
                                                     "Country": "FI", "Locality": "Helsinki",
                                                     "PostalCode": "00250"}]
    # services, their status and their ServiceHistory are untouched: not retroactive
    assert entity["TrustedEntityServices"] == services_before
    assert len(services_before[0]["ServiceHistory"]) == 2
    # the list signed before keeps the old name
    assert _te_info(before)["TrustedEntityInformation"]["TEName"][0]["value"] == "Kela"
    code, out, _ = run("verify", signed, "--anchor", home / "operator-cert.pem", "--at", at + 120)
    assert code == 0 and json.loads(out)["sequence_number"] == 2
    # §4 answers with the new name; trust at a past signing time still comes from the history
    store = TrustStore(anchors={PUB_EAA: certificates.read_certificates(home / "operator-cert.pem")})
    store.update(PUB_EAA, after, at + 120)
    leaf_key = SigningKey.generate()
    leaf = certificates.end_entity_certificate(leaf_key, "Kela signer", country="FI", organization="Kela", ca_key=key,
                                    ca_cert=ca, not_before=at - YEAR, not_after=at + YEAR)
    assert check_issuer(store, [leaf], PDA1, at - 100, at + 120).entity_name == "Kansaneläkelaitos (Kela)"
    with pytest.raises(Rejected) as exc:
        check_issuer(store, [leaf], PDA1, at - 400, at + 120)
    assert exc.value.code == "issuer.withdrawn_at_signing"


def test_update_entity_refusals(tmp_path):
    home, _, _ = _operator_with_kela(tmp_path, NOW)
    assert run("add-entity", "--home", home, "--list", "pub-eaa", "--name", "Udbetaling Danmark",
               "--country", "DK", "--uri", "https://www.borger.dk")[0] == 0
    draft = (home / "drafts" / "pub-eaa.json").read_text()
    for args in (
        ["--entity", "Nobody", "--uri", "https://x.example"],  # unknown entity
        ["--entity", "Kela"],  # nothing to change
        ["--entity", "Kela", "--name", "Udbetaling Danmark"],  # name taken
        ["--entity", "Kela", "--country", "Finland"],  # not a two-letter code
        ["--entity", "Kela", "--country", "fi"],
        ["--entity", "Kela", "--name", " "],
    ):
        assert run("update-entity", "--home", home, "--list", "pub-eaa", *args)[0] == 2, args
    assert (home / "drafts" / "pub-eaa.json").read_text() == draft
    assert run("add-entity", "--home", home, "--list", "pub-eaa", "--name", "X", "--country", "Finland",
               "--uri", "https://x.example")[0] == 2


def test_update_entity_is_pure_and_keeps_other_languages(pki):
    doc = pub_eaa_doc(pki)
    doc["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityInformation"]["TEName"].append(
        {"lang": "fi", "value": "Kansaneläkelaitos"})
    new = update_entity(doc, "Kela", name="Kela (FI)")
    assert doc["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityInformation"]["TEName"][0]["value"] == "Kela"
    assert new["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityInformation"]["TEName"] == [
        {"lang": "en", "value": "Kela (FI)"}, {"lang": "fi", "value": "Kansaneläkelaitos"}]
    assert reason(sign(pki, new), [pki.op_cert]) is None


# ---------------------------------------------------------------- 4. profile constants (§1)


def _with(pki, key, value, list_doc=None):
    doc = list_doc or pub_eaa_doc(pki)
    info = doc["LoTE"]["ListAndSchemeInformation"]
    if value is _MISSING:
        info.pop(key)
    else:
        info[key] = value
    return sign(pki, doc)


_MISSING = object()


@pytest.mark.parametrize("key,value,code", [
    ("LoTEVersionIdentifier", 2, "list.field.version"),
    ("LoTEVersionIdentifier", 0, "list.field.version"),
    ("LoTEVersionIdentifier", 1.0, "list.field.version"),
    ("LoTESequenceNumber", -1, "list.field.sequence_number"),
    ("LoTESequenceNumber", MAX_SEQUENCE_NUMBER + 1, "list.field.sequence_number"),
    ("LoTESequenceNumber", 10**30, "list.field.sequence_number"),
    ("LoTESequenceNumber", 7.0, "list.field.sequence_number"),
    ("HistoricalInformationPeriod", 65534, "list.field.historical_period"),
    ("HistoricalInformationPeriod", 0, "list.field.historical_period"),
    ("HistoricalInformationPeriod", _MISSING, "list.field.historical_period"),
    ("SchemeTerritory", _MISSING, "list.field.territory"),
])
def test_profile_constants_have_a_code_each(pki, key, value, code):
    """Profile v2: a required field missing or not the profile's value has its own code (v1: list.schema)."""
    assert reason(_with(pki, key, value), [pki.op_cert]) == code


def test_profile_constants_accepted_values(pki):
    assert reason(_with(pki, "LoTESequenceNumber", 0), [pki.op_cert]) is None
    assert reason(_with(pki, "LoTESequenceNumber", MAX_SEQUENCE_NUMBER), [pki.op_cert]) is None
    # HistoricalInformationPeriod is fixed on the Pub-EAA list only
    svc = service_document("Access CA", SVC_WRPAC_ISSUANCE, [certificates.der(pki.ca)])
    wrpac = list_document(WRPAC, OPERATOR, sequence_number=1, issue_time=NOW - DAY, next_update=NOW + DAY,
                          entities=[entity_document("Access CA", "EU", "https://x.example", [svc])])
    assert reason(sign(pki, wrpac), [pki.op_cert], WRPAC) is None
    wrpac["LoTE"]["ListAndSchemeInformation"]["LoTEVersionIdentifier"] = 3
    assert reason(sign(pki, wrpac), [pki.op_cert], WRPAC) == "list.field.version"
    wrpac["LoTE"]["ListAndSchemeInformation"]["LoTEVersionIdentifier"] = 1
    wrpac["LoTE"]["ListAndSchemeInformation"]["HistoricalInformationPeriod"] = 65535  # absent on WRPAC (Annex F)
    assert reason(sign(pki, wrpac), [pki.op_cert], WRPAC) == "list.field.historical_period"


def test_scheme_territory_must_be_eu_even_with_a_matching_signer(pki):
    key = SigningKey.generate()
    se_signer = certificates.operator_certificate(key, territory="SE", operator_name=OPERATOR, not_before=NOW - YEAR,
                                       not_after=NOW + YEAR)
    doc = pub_eaa_doc(pki)
    doc["LoTE"]["ListAndSchemeInformation"]["SchemeTerritory"] = "SE"
    assert reason(sign(pki, doc, key, [se_signer]), [se_signer]) == "list.field.territory"


def test_profile_constant_via_cli_verify(pki, tmp_path):
    (tmp_path / "list.jwt").write_text(_with(pki, "LoTEVersionIdentifier", 2))
    certificates.write_certificates(tmp_path / "op.pem", [pki.op_cert])
    code, out, _ = run("verify", tmp_path / "list.jwt", "--anchor", tmp_path / "op.pem", "--at", NOW)
    assert code == 1
    assert json.loads(out) == {"result": "FAILED", "reason": "list.field.version", "sequence_number": None,
                               "entities": None}


# ---------------------------------------------------------------- 5. end-entity KeyUsage (§4, RFC 5280)


def _leaf(pki, *, key_usage: x509.KeyUsage | None, ca: bool = False, issuer=None):
    key = SigningKey.generate()
    issuer_key, issuer_cert = issuer or (pki.ca_key, pki.ca)
    builder = (
        x509.CertificateBuilder()
        .subject_name(certificates.name("Kela signer", country="FI", organization="Kela"))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(to_datetime(NOW - YEAR))
        .not_valid_after(to_datetime(NOW + YEAR))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                       critical=False)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    return builder.sign(issuer_key.private_key, hashes.SHA256())


def _ku(**on) -> x509.KeyUsage:
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _code(store, chain, at=NOW - DAY):
    try:
        return check_issuer(store, chain, PDA1, at, NOW).entity_name
    except Rejected as exc:
        return exc.code


def _store(pki, doc=None):
    store = TrustStore(anchors={PUB_EAA: [pki.op_cert]})
    store.update(PUB_EAA, sign(pki, doc or pub_eaa_doc(pki)), NOW)
    return store


def test_end_entity_without_key_usage_is_trusted(pki):
    store = _store(pki)
    leaf = _leaf(pki, key_usage=None)
    assert _code(store, [leaf, pki.ca]) == "Kela"
    assert _code(store, certificates.x5c_of([leaf])) == "Kela"


def test_end_entity_key_usage_without_digital_signature_is_untrusted(pki):
    store = _store(pki)
    assert _code(store, [_leaf(pki, key_usage=_ku(key_agreement=True)), pki.ca]) == "issuer.untrusted"
    assert _code(store, [_leaf(pki, key_usage=_ku(content_commitment=True)), pki.ca]) == "issuer.untrusted"
    assert _code(store, [_leaf(pki, key_usage=_ku(digital_signature=True)), pki.ca]) == "Kela"


def test_ca_leaf_without_key_usage_is_untrusted(pki):
    """RFC 5280 §4.2.1.3: a CA certificate must carry KeyUsage, so the relaxation is for end entities."""
    store = _store(pki)
    assert _code(store, [_leaf(pki, key_usage=None, ca=True), pki.ca]) == "issuer.untrusted"


def test_listed_end_entity_without_key_usage_may_be_x5c0(pki):
    leaf = _leaf(pki, key_usage=None)
    bad = _leaf(pki, key_usage=_ku(key_agreement=True))
    services = [
        service_document("Kela leaf", SVC_PUBEAA_ISSUANCE, [certificates.der(leaf)], status=STATUS_NOTIFIED,
                         starting_time=NOW - YEAR, credential_types=[PDA1]),
        service_document("Kela bad leaf", SVC_PUBEAA_ISSUANCE, [certificates.der(bad)], status=STATUS_NOTIFIED,
                         starting_time=NOW - YEAR, credential_types=[PDA1]),
    ]
    doc = list_document(PUB_EAA, OPERATOR, sequence_number=1, issue_time=NOW - DAY, next_update=NOW + DAY,
                        entities=[entity_document("Kela", "FI", "https://www.kela.fi", services)])
    store = _store(pki, doc)
    assert _code(store, [leaf]) == "Kela"
    assert _code(store, [bad]) == "issuer.untrusted"


def test_list_signer_still_needs_digital_signature(pki):
    """§2 is stricter than §4: the list signer's KeyUsage must include digitalSignature."""
    key = SigningKey.generate()
    no_ku = (
        x509.CertificateBuilder()
        .subject_name(certificates.name("signer", country="EU", organization=OPERATOR))
        .issuer_name(certificates.name("signer", country="EU", organization=OPERATOR))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(to_datetime(NOW - YEAR)).not_valid_after(to_datetime(NOW + YEAR))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key.private_key, hashes.SHA256())
    )
    token = sign(pki, pub_eaa_doc(pki), key, [no_ku])
    assert reason(token, [no_ku]) == "list.signer"
