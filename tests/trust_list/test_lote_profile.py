"""Profile v2 (docs/trust-lists-profile.md): the EU LoTE profile fields of TS 119 602 and the JAdES
baseline B signature of TS 119 182-1 — what we produce, and one negative test for every check."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credential.jose import b64u_decode, b64u_encode, json_dumps, sign_compact
from credential.reasons import Rejected
from trust_list import certificates
from trust_list import reasons as R
from trust_list.jades import JADES_PARAMETERS, check_jades_header, format_sig_t, parse_sig_t
from trust_list.model import (
    LIST_TYPES,
    PUB_EAA,
    SVC_WRPAC_ISSUANCE,
    SVC_WRPRC_ISSUANCE,
    WRPAC,
    WRPRC,
    entity_document,
    list_document,
    service_document,
)
from trust_list.operator import Operator, prepared_for_signing
from trust_list.profiles import (
    FIELD_RULES,
    PROFILES,
    SVC_WALLET_ISSUANCE,
    WALLET_PROVIDERS,
    apply_profile,
    field_problem,
    profile_fields,
)
from trust_list.rollback import RollbackState
from trust_list.validation import LIST_TYP, validate_list

from .conftest import DAY, NOW, OPERATOR, YEAR, pub_eaa_doc, sign

FIELD_CODES = {r.code for r in R.FIELD_REASONS}


def code_of(token, pki, list_type=PUB_EAA, now=NOW, **kw):
    try:
        validate_list(token, [pki.op_cert], list_type, now, RollbackState(), **kw)
    except Rejected as exc:
        return exc.code
    return None


def header_of(token: str) -> dict:
    return json.loads(b64u_decode(token.split(".")[0]))


def signed_with(pki, doc, header: dict) -> str:
    """``doc`` signed by the operator under exactly ``header`` (plus alg)."""
    return sign_compact(header, doc, pki.op_key)


def jades(pki, **changes) -> dict:
    """The operator's JAdES header, changed (None removes a parameter)."""
    header = header_of(sign(pki, pub_eaa_doc(pki)))
    header.pop("alg")
    header.update(changes)
    return {k: v for k, v in header.items() if v is not None}


def v1_doc(doc: dict) -> dict:
    """As profile v1 wrote a list: without the fields v2 added."""
    doc = copy.deepcopy(doc)
    info = doc["LoTE"]["ListAndSchemeInformation"]
    for name in ("StatusDeterminationApproach", "SchemeTypeCommunityRules", "DistributionPoints"):
        info.pop(name, None)
    return doc


def one_service_list(list_type, pki, service_type):
    svc = service_document("Service", service_type, [certificates.der(pki.ca)])
    return list_document(list_type, OPERATOR, sequence_number=1, issue_time=NOW - DAY, next_update=NOW + DAY,
                         entities=[entity_document("Entity", "EU", "https://x.example", [svc])])


# ---------------------------------------------------------------- what we produce


@pytest.mark.parametrize("list_type", sorted(PROFILES))
def test_every_list_type_is_produced_with_its_profile_fields(list_type):
    profile = PROFILES[list_type]
    info = list_document(list_type, OPERATOR, sequence_number=1, issue_time=NOW, next_update=NOW + DAY)[
        "LoTE"]["ListAndSchemeInformation"]
    assert info["StatusDeterminationApproach"] == profile.status_determination_approach
    assert info["SchemeTypeCommunityRules"] == [{"lang": "en", "uriValue": profile.community_rules}]
    assert info["SchemeTerritory"] == "EU" and info["LoTEVersionIdentifier"] == 1 and info["LoTEType"] == list_type
    assert info.get("HistoricalInformationPeriod") == (65535 if list_type == PUB_EAA else None)
    assert field_problem(info, profile, v2=True) is None
    assert info["DistributionPoints"] == [f"https://trust.esspass.eu/trust-lists/{profile.short_name}.jwt"]


def test_profile_uris_are_those_of_ts_119_602():
    assert PROFILES[PUB_EAA].status_determination_approach == \
        "http://uri.etsi.org/19602/PubEAAProvidersList/StatusDetn/EU"
    assert PROFILES[PUB_EAA].community_rules == "http://uri.etsi.org/19602/PubEAAProvidersList/schemerules/EU"
    assert PROFILES[WRPAC].status_determination_approach == \
        "http://uri.etsi.org/19602/WRPACProvidersList/StatusDetn/EU"
    assert PROFILES[WRPAC].community_rules == "http://uri.etsi.org/19602/WRPACProvidersList/schemerules/EU"
    assert PROFILES[WRPRC].community_rules == "http://uri.etsi.org/19602/WRPRCProvidersList/schemerules/EU"
    assert PROFILES[WALLET_PROVIDERS].community_rules == \
        "http://uri.etsi.org/19602/WalletProvidersList/schemerules/EU"


def test_operator_signs_jades_with_profile_fields_even_from_a_v1_draft(tmp_path):
    op = Operator.create(tmp_path / "op", OPERATOR, NOW - YEAR)
    for list_type in LIST_TYPES:  # drafts as profile v1 wrote them
        op.save_draft(v1_doc(op.load_draft(list_type)))
        token = op.sign(list_type, NOW, NOW + 30 * DAY)
        header = header_of(token)
        assert header["typ"] == LIST_TYP and header["crit"] == ["sigT"] and header["sigT"] == format_sig_t(NOW)
        der = certificates.der(op.certificate)
        assert header["x5t#S256"] == b64u_encode(hashlib.sha256(der).digest())
        assert base64.b64decode(header["x5c"][0]) == der
        validated = validate_list(token, [op.certificate], list_type, NOW, RollbackState(),
                                  accept_plain_jws=False)
        info = validated.lote.document["LoTE"]["ListAndSchemeInformation"]
        assert info["StatusDeterminationApproach"] == PROFILES[list_type].status_determination_approach
        assert validated.signing_time == NOW


def test_prepared_for_signing_drops_a_historical_period_the_profile_forbids():
    doc = list_document(WRPAC, OPERATOR, sequence_number=0, issue_time=NOW, next_update=NOW)
    doc["LoTE"]["ListAndSchemeInformation"]["HistoricalInformationPeriod"] = 65535
    out = prepared_for_signing(doc, 1, NOW, NOW + DAY)["LoTE"]["ListAndSchemeInformation"]
    assert "HistoricalInformationPeriod" not in out


def test_a_further_list_type_gets_the_same_machinery(pki):
    """The wallet providers' list (TS 119 602 Annex E) through the same code, before ESSPASS operates it."""
    doc = one_service_list(WALLET_PROVIDERS, pki, SVC_WALLET_ISSUANCE)
    assert code_of(sign(pki, doc), pki, WALLET_PROVIDERS) is None
    doc["LoTE"]["ListAndSchemeInformation"]["SchemeTypeCommunityRules"][0]["uriValue"] = \
        PROFILES[WRPAC].community_rules
    assert code_of(sign(pki, doc), pki, WALLET_PROVIDERS) == "list.field.community_rules"


# ---------------------------------------------------------------- today's form (profile v1) still validates


def test_plain_jws_of_profile_v1_is_accepted(pki):
    legacy = signed_with(pki, v1_doc(pub_eaa_doc(pki)), {"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert])})
    assert "sigT" not in header_of(legacy)
    assert code_of(legacy, pki) is None
    # a party that no longer takes plain JWS lists
    assert code_of(legacy, pki, accept_plain_jws=False) == "list.signing_time"
    # a v1 list may lack the v2 fields, not carry wrong ones
    doc = v1_doc(pub_eaa_doc(pki))
    doc["LoTE"]["ListAndSchemeInformation"]["StatusDeterminationApproach"] = "http://example.com/other"
    bad = signed_with(pki, doc, {"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert])})
    assert code_of(bad, pki) == "list.field.status_determination"
    # and v1's own rules hold: a crit header in a plain JWS is a crit naming what we do not process
    crit = signed_with(pki, v1_doc(pub_eaa_doc(pki)),
                       {"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert]), "crit": ["exp"], "exp": 1})
    assert code_of(crit, pki) == "list.crit"


def test_a_jades_list_needs_the_v2_fields(pki):
    assert code_of(sign(pki, v1_doc(pub_eaa_doc(pki))), pki) == "list.field.status_determination"


def test_cli_verify_takes_both_forms_unless_told_otherwise(pki, tmp_path):
    from typer.testing import CliRunner

    from trust_list.cli import app

    legacy = signed_with(pki, v1_doc(pub_eaa_doc(pki)), {"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert])})
    (tmp_path / "v1.jwt").write_text(legacy)
    (tmp_path / "v2.jwt").write_text(sign(pki, pub_eaa_doc(pki)))
    certificates.write_certificates(tmp_path / "op.pem", [pki.op_cert])

    def verify(name, *extra):
        result = CliRunner().invoke(app, ["verify", str(tmp_path / name), "--anchor", str(tmp_path / "op.pem"),
                                          "--at", str(NOW), *extra])
        return result.exit_code, json.loads(result.stdout)["reason"]

    assert verify("v1.jwt") == (0, None)
    assert verify("v2.jwt") == (0, None)
    assert verify("v2.jwt", "--jades-only") == (0, None)
    assert verify("v1.jwt", "--jades-only") == (1, "list.signing_time")


# ---------------------------------------------------------------- required fields: a code each


_WRONG = {
    "LoTEVersionIdentifier": [2, "1", True],
    "LoTESequenceNumber": [-1, "3", 2**31],
    "SchemeOperatorName": [[], "ESSPASS", [{"lang": "en"}], [{"lang": "en", "value": " "}]],
    "SchemeOperatorAddress": [{}, {"SchemeOperatorPostalAddress": []}, "Brussels"],
    "SchemeName": [[], [{"value": "x"}]],
    "SchemeInformationURI": [[], [{"lang": "en", "value": "https://x"}]],
    "StatusDeterminationApproach": ["http://uri.etsi.org/19602/WRPACProvidersList/StatusDetn/EU", 1, ""],
    "SchemeTypeCommunityRules": [[], "http://uri.etsi.org/19602/PubEAAProvidersList/schemerules/EU",
                                 [{"lang": "en", "uriValue": "http://uri.etsi.org/19602/WRPACProvidersList/schemerules/EU"}]],
    "SchemeTerritory": ["SE", "eu", ""],
    "HistoricalInformationPeriod": [65534, "65535", 65535.0],
    "ListIssueDateTime": ["yesterday", "2026-01-01", "2026-01-01T00:00:00", 1767225600, "2026-02-30T00:00:00Z"],
    "NextUpdate": ["tomorrow", "2026-13-01T00:00:00Z", None],
}


@pytest.mark.parametrize("rule", FIELD_RULES, ids=lambda r: r.name)
def test_each_required_field_missing_has_its_code(pki, rule):
    doc = pub_eaa_doc(pki)
    del doc["LoTE"]["ListAndSchemeInformation"][rule.name]
    assert code_of(sign(pki, doc, signing_time=NOW - DAY), pki) == rule.reason.code


@pytest.mark.parametrize("name,value", [(n, v) for n, vs in _WRONG.items() for v in vs])
def test_each_required_field_with_a_wrong_value_has_its_code(pki, name, value):
    doc = pub_eaa_doc(pki)
    doc["LoTE"]["ListAndSchemeInformation"][name] = value
    expected = next(r.reason.code for r in FIELD_RULES if r.name == name)
    assert code_of(sign(pki, doc, signing_time=NOW - DAY), pki) == expected


def test_every_field_rule_has_wrong_values_above():
    assert {r.name for r in FIELD_RULES} == set(_WRONG)
    assert {r.reason.code for r in FIELD_RULES} == FIELD_CODES


def test_historical_period_absent_on_the_other_lists(pki):
    doc = one_service_list(WRPRC, pki, SVC_WRPRC_ISSUANCE)
    assert code_of(sign(pki, doc), pki, WRPRC) is None
    doc["LoTE"]["ListAndSchemeInformation"]["HistoricalInformationPeriod"] = 65535
    assert code_of(sign(pki, doc), pki, WRPRC) == "list.field.historical_period"


def test_wrprc_status_determination_both_spellings(pki):
    doc = one_service_list(WRPRC, pki, SVC_WRPRC_ISSUANCE)
    info = doc["LoTE"]["ListAndSchemeInformation"]
    assert info["StatusDeterminationApproach"] == "http://uri.etsi.org/19602/WRPRCrovidersList/StatusDetn/EU"
    info["StatusDeterminationApproach"] = "http://uri.etsi.org/19602/WRPRCProvidersList/StatusDetn/EU"
    assert code_of(sign(pki, doc), pki, WRPRC) is None
    info["StatusDeterminationApproach"] = "http://uri.etsi.org/19602/WRPACProvidersList/StatusDetn/EU"
    assert code_of(sign(pki, doc), pki, WRPRC) == "list.field.status_determination"


def test_status_on_a_list_without_status_is_list_schema(pki):
    svc = service_document("Service", SVC_WRPAC_ISSUANCE, [certificates.der(pki.ca)],
                           status="http://uri.etsi.org/19602/PubEAAProvidersList/SvcStatus/notified",
                           starting_time=NOW - YEAR)
    doc = list_document(WRPAC, OPERATOR, sequence_number=1, issue_time=NOW - DAY, next_update=NOW + DAY,
                        entities=[entity_document("Entity", "EU", "https://x.example", [svc])])
    assert code_of(sign(pki, doc), pki, WRPAC) == "list.schema"


def test_lote_type_stays_list_schema(pki):
    doc = pub_eaa_doc(pki)
    del doc["LoTE"]["ListAndSchemeInformation"]["LoTEType"]
    assert code_of(sign(pki, doc), pki) == "list.schema"


# ---------------------------------------------------------------- the JAdES header: crit, sigT, x5t#S256


@pytest.mark.parametrize("changes", [
    {"crit": ["exp"], "exp": 1},                 # names what we do not process
    {"crit": ["sigT", "x5t#S256"]},              # an RFC 7515 name (§4.1.11), not ours to process
    {"crit": []},                                # empty (RFC 7515 §4.1.11)
    {"crit": "sigT"},                            # not a list
    {"crit": ["sigT", "sigT"]},                  # duplicate
    {"crit": ["sigT", 7]},                       # not a string
    {"crit": None},                              # sigT present, not listed in crit
    {"crit": ["sigT"], "sigT": None},            # crit names what the header lacks
    {"crit": ["sigT", "sigD"], "sigD": {}},      # a JAdES parameter we do not process, listed
    {"sigPl": {"addressCountry": "EU"}},         # a JAdES parameter we do not process, not listed
    {"crit": ["sigT"] + ["x"] * 20},             # unbounded
])
def test_crit_rules(pki, changes):
    token = signed_with(pki, pub_eaa_doc(pki), jades(pki, **changes))
    assert code_of(token, pki) == "list.crit"


@pytest.mark.parametrize("sig_t", [
    "2025-12-31T00:00:00+00:00", "2025-12-31 00:00:00Z", "2025-12-31T00:00:00.5Z", "2025-12-31t00:00:00z",
    "2025-13-31T00:00:00Z", "2025-02-30T00:00:00Z", "31.12.2025", 1767139200, None, ["2025-12-31T00:00:00Z"],
    "",
])
def test_malformed_sig_t(pki, sig_t):
    header = jades(pki)
    header["sigT"] = sig_t
    assert code_of(signed_with(pki, pub_eaa_doc(pki), header), pki) == "list.signing_time"


def test_sig_t_in_the_future_beyond_the_skew(pki):
    doc = pub_eaa_doc(pki, issue=NOW - DAY)
    assert code_of(sign(pki, doc, signing_time=NOW + 300), pki) is None
    assert code_of(sign(pki, doc, signing_time=NOW + 301), pki) == "list.signing_time"
    # a list issued in the future is still list.not_yet_valid (v1's code comes first)
    future = pub_eaa_doc(pki, issue=NOW + DAY)
    assert code_of(sign(pki, future), pki) == "list.not_yet_valid"


def test_x5t_s256_must_match_the_signing_certificate(pki):
    other = b64u_encode(hashlib.sha256(certificates.der(pki.other_cert)).digest())
    for value in (other, None, 5, other.upper(), "", b64u_encode(hashlib.sha1(certificates.der(pki.op_cert)).digest())):
        header = jades(pki)
        if value is None:
            del header["x5t#S256"]
        else:
            header["x5t#S256"] = value
        assert code_of(signed_with(pki, pub_eaa_doc(pki), header), pki) == "list.signer_digest", value
    # in the plain form x5t#S256 is optional, but when present it must match too
    legacy = signed_with(pki, v1_doc(pub_eaa_doc(pki)),
                         {"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert]), "x5t#S256": other})
    assert code_of(legacy, pki) == "list.signer_digest"


def test_the_header_is_signed(pki):
    """Changing sigT after signing breaks the signature (the JAdES parameters are protected)."""
    token = sign(pki, pub_eaa_doc(pki))
    h, p, s = token.split(".")
    header = json.loads(b64u_decode(h))
    header["sigT"] = format_sig_t(NOW - 2 * DAY)
    assert code_of(f"{b64u_encode(json_dumps(header))}.{p}.{s}", pki) == "list.signature"


# ---------------------------------------------------------------- parser properties (bounded inputs)

_names = st.sampled_from(sorted(JADES_PARAMETERS | {"crit", "x5t#S256", "typ", "kid", "exp", "b64", "x5c"}))
_scalars = st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=40)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=4), max_leaves=12)
_headers = st.dictionaries(_names | st.text(max_size=10), _values | st.lists(_names, max_size=4), max_size=8)


@settings(max_examples=300, deadline=None)
@given(header=_headers, der=st.binary(min_size=1, max_size=64))
def test_jades_header_parser_rejects_or_returns_a_time(header, der):
    try:
        out = check_jades_header(header, der)
    except Rejected as exc:
        assert exc.reason in R.JADES_REASONS
    else:
        assert out is None or (isinstance(out, int) and format_sig_t(out) == header["sigT"])
        assert out is not None or "sigT" not in header


@settings(max_examples=200, deadline=None)
@given(t=st.integers(0, 253402300799))
def test_sig_t_round_trip(t):
    assert parse_sig_t(format_sig_t(t)) == t


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_sig_t_parser_only_value_errors(text):
    try:
        t = parse_sig_t(text)
    except ValueError:
        return
    assert format_sig_t(t) == text


@settings(max_examples=300, deadline=None)
@given(list_type=st.sampled_from(sorted(PROFILES)), v2=st.booleans(),
       info=st.dictionaries(st.sampled_from([r.name for r in FIELD_RULES]) | st.text(max_size=8), _values,
                            max_size=14))
def test_field_parser_is_total(list_type, v2, info):
    problem = field_problem(info, PROFILES[list_type], v2=v2)
    assert problem is None or (problem[0].code in FIELD_CODES and isinstance(problem[1], str))


@settings(max_examples=100, deadline=None)
@given(list_type=st.sampled_from(sorted(PROFILES)),
       extra=st.dictionaries(st.sampled_from(["LoTESequenceNumber", "SchemeTerritory", "StatusDeterminationApproach",
                                              "HistoricalInformationPeriod"]), _values, max_size=4))
def test_applying_the_profile_fixes_its_fields(list_type, extra):
    base = list_document(list_type, OPERATOR, sequence_number=3, issue_time=NOW, next_update=NOW + DAY)
    info = {**base["LoTE"]["ListAndSchemeInformation"], **extra}
    info["LoTESequenceNumber"] = 3
    fixed = apply_profile(info, PROFILES[list_type])
    assert field_problem(fixed, PROFILES[list_type], v2=True) is None
    assert all(fixed[k] == v for k, v in profile_fields(PROFILES[list_type]).items())
