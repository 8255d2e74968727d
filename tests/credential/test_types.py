"""A1 and EHIC credential types: schemas, validation, layouts, type metadata, labels, samples."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from credential import reasons
from credential.types import (
    PLAIN_CLAIMS,
    REGISTERED_CLAIMS,
    TYPES,
    CredentialType,
    FieldError,
    claim_label,
    get_type,
    sample_claims,
    validate_claims,
    with_derived_claims,
)

PDA1 = get_type("pda1")
EHIC = get_type("ehic")


def codes_at(errors: list[FieldError]) -> dict[str, str]:
    return {e.path: e.code for e in errors}


# --------------------------------------------------------------------------------------- lookup
def test_get_type_by_key_and_vct():
    assert get_type("pda1") is get_type("urn:eudi:pda1:1") is TYPES["pda1"]
    assert get_type("ehic").vct == "urn:eudi:ehic:1"
    assert isinstance(PDA1, CredentialType)


@pytest.mark.parametrize("bad", ["", "a1", "urn:eudi:pda1:2", "PDA1", None, 7])
def test_get_type_unknown(bad):
    with pytest.raises(KeyError, match="unknown credential type"):
        get_type(bad)


def test_types_are_frozen():
    with pytest.raises(AttributeError):
        PDA1.key = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------- schemas
@pytest.mark.parametrize("key", ["pda1", "ehic"])
def test_schema_files_are_valid_2020_12(key):
    text = resources.files("credential.types").joinpath(f"{key}.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema == get_type(key).schema


@pytest.mark.parametrize("key", ["pda1", "ehic"])
def test_samples_are_valid(key):
    assert validate_claims(get_type(key), sample_claims(key)) == []


def test_sample_is_a_fresh_copy():
    a = sample_claims("pda1")
    a["subject"]["forenames"] = "changed"
    assert sample_claims("pda1")["subject"]["forenames"] != "changed"
    assert sample_claims("urn:eudi:ehic:1") == sample_claims("ehic")


@pytest.mark.parametrize("code", [f"{i:02d}" for i in range(1, 13)])
def test_all_twelve_status_codes_are_valid(code):
    claims = sample_claims("pda1")
    claims["status_confirmation"] = code
    assert validate_claims(PDA1, claims) == []


@pytest.mark.parametrize("code", ["00", "13", "1", "001", 1, None, "", "1 "])
def test_status_code_outside_01_12(code):
    claims = sample_claims("pda1")
    claims["status_confirmation"] = code
    errors = validate_claims(PDA1, claims)
    assert codes_at(errors) == {"status_confirmation": "claims.code"}
    assert "01" in errors[0].en and "12" in errors[0].da


def test_optional_claims_accepted():
    claims = sample_claims("pda1")
    claims["transitional_rules"] = True
    assert validate_claims(PDA1, claims) == []


@pytest.mark.parametrize("ctype", [PDA1, EHIC], ids=["pda1", "ehic"])
@pytest.mark.parametrize("name", ["authentic_source", "attestation_legal_category", "issuing_country"])
def test_rulebook_mandatory_claims_are_required(ctype, name):
    """WP6 rulebook chapter 2.1: authentic_source and attestation_legal_category are mandatory; issuing_country is
    ours (interoperability), required so that every credential carries it."""
    claims = sample_claims(ctype.key)
    del claims[name]
    assert codes_at(validate_claims(ctype, claims)) == {name: "claims.missing"}


@pytest.mark.parametrize("ctype", [PDA1, EHIC], ids=["pda1", "ehic"])
def test_issuing_country_must_be_the_authoritys(ctype):
    claims = sample_claims(ctype.key)
    claims["issuing_country"] = "SE"
    errors = validate_claims(ctype, claims)
    assert codes_at(errors) == {"issuing_country": "claims.issuing_country"}
    claims["attestation_legal_category"] = "EAA"
    assert codes_at(validate_claims(ctype, claims))["attestation_legal_category"] == "claims.code"


def test_derived_claims_fill_only_what_is_absent():
    claims = sample_claims("ehic")
    for name in ("attestation_legal_category", "issuing_country"):
        del claims[name]
    derived = with_derived_claims(claims)
    assert derived["attestation_legal_category"] == "PuB-EAA" and derived["issuing_country"] == "DK"
    assert "issuing_country" not in claims  # a copy, not the input
    kept = with_derived_claims({**claims, "issuing_country": "SE"})
    assert kept["issuing_country"] == "SE" and codes_at(validate_claims(EHIC, kept)) == {
        "issuing_country": "claims.issuing_country"}
    assert with_derived_claims([1]) == [1]


def test_old_building_number_is_refused_with_the_new_name():
    claims = sample_claims("pda1")
    address = claims["work_information"]["work_address"][0]
    address["building_number"] = address.pop("house_number")
    errors = validate_claims(PDA1, claims)
    assert codes_at(errors) == {"work_information.work_address.0.building_number": "claims.renamed"}
    assert "house_number" in errors[0].en and "house_number" in errors[0].da


def test_registered_claims_are_ignored():
    claims = sample_claims("pda1")
    claims.update(
        iss="https://issuer.example",
        iat=1,
        nbf=1,
        exp=2,
        vct="urn:eudi:pda1:1",
        cnf={"jwk": {"kty": "EC"}},
        status={"status_list": {"idx": 0, "uri": "https://x"}},
        _sd_alg="sha-256",
    )
    claims["vct#integrity"] = "sha256-x"
    assert set(claims) >= REGISTERED_CLAIMS
    assert validate_claims(PDA1, claims) == []


def test_vct_of_other_type_is_an_error():
    claims = sample_claims("ehic")
    claims["vct"] = "urn:eudi:pda1:1"
    assert codes_at(validate_claims(EHIC, claims)) == {"vct": "claims.vct_mismatch"}


def test_no_fixed_place_of_work_is_valid():
    claims = sample_claims("pda1")
    claims["work_information"] = {"no_fixed_place_of_work": "SE"}
    assert validate_claims(PDA1, claims) == []


def test_several_employers_and_addresses():
    claims = sample_claims("pda1")
    claims["status_confirmation"] = "08"
    claims["employer"].append({"type": "02", "id": "SE5566778899", "name": "T. Kowalski Svets", "country": "SE"})
    claims["work_information"]["work_address"].append(
        {"formatted": "Storgatan 1, 411 38 Göteborg", "locality": "Göteborg", "country": "SE"})  # rulebook: locality required
    assert validate_claims(PDA1, claims) == []


# ------------------------------------------------------------------ each kind of bad field, with its path
def _mutate(key, fn):
    claims = sample_claims(key)
    fn(claims)
    return validate_claims(get_type(key), claims)


BAD_CASES = [
    # (type, mutation, expected path, expected code)
    ("pda1", lambda c: c.pop("document_number"), "document_number", "claims.missing"),
    ("pda1", lambda c: c.pop("employer"), "employer", "claims.missing"),
    ("pda1", lambda c: c.pop("work_information"), "work_information", "claims.missing"),
    ("ehic", lambda c: c.pop("ending_date"), "ending_date", "claims.missing"),
    ("ehic", lambda c: c["subject"].pop("date_of_birth"), "subject.date_of_birth", "claims.missing"),
    ("ehic", lambda c: c["issuing_authority"].pop("country"), "issuing_authority.country", "claims.missing"),
    ("pda1", lambda c: c.__setitem__("nickname", "x"), "nickname", "claims.unknown"),
    ("pda1", lambda c: c["subject"].__setitem__("age", 38), "subject.age", "claims.unknown"),
    ("ehic", lambda c: c.__setitem__("legislation_country", "DK"), "legislation_country", "claims.unknown"),
    ("ehic", lambda c: c.__setitem__("employer", []), "employer", "claims.unknown"),
    ("pda1", lambda c: c["employer"][0].__setitem__("email", "x@y"), "employer.0.email", "claims.unknown"),
    ("pda1", lambda c: c.__setitem__("subject", "Tomasz"), "subject", "claims.type"),
    ("pda1", lambda c: c.__setitem__("employer", {"type": "01"}), "employer", "claims.type"),
    ("pda1", lambda c: c.__setitem__("transitional_rules", "no"), "transitional_rules", "claims.type"),
    ("ehic", lambda c: c.__setitem__("document_number", 80208000012345), "document_number", "claims.type"),
    ("ehic", lambda c: c["subject"].__setitem__("date_of_birth", "02.03.1979"), "subject.date_of_birth", "claims.date"),
    ("ehic", lambda c: c["subject"].__setitem__("date_of_birth", "1979-02-30"), "subject.date_of_birth", "claims.date"),
    ("ehic", lambda c: c.__setitem__("date_of_expiry", "2031-1-14"), "date_of_expiry", "claims.date"),
    ("ehic", lambda c: c.__setitem__("starting_date", "2026-01-15T00:00:00Z"), "starting_date", "claims.date"),
    ("pda1", lambda c: c.__setitem__("ending_date", "20270831"), "ending_date", "claims.date"),
    ("pda1", lambda c: c.__setitem__("starting_date", "2027-02-29"), "starting_date", "claims.date"),
    ("pda1", lambda c: c.__setitem__("legislation_country", "dk"), "legislation_country", "claims.country"),
    ("pda1", lambda c: c.__setitem__("legislation_country", "DNK"), "legislation_country", "claims.country"),
    ("pda1", lambda c: c["employer"][0].__setitem__("country", "Denmark"), "employer.0.country", "claims.country"),
    (
        "pda1",
        lambda c: c["work_information"]["work_address"][0].__setitem__("country", "se"),
        "work_information.work_address.0.country",
        "claims.country",
    ),
    ("ehic", lambda c: c.__setitem__("personal_administrative_number", "123"), "personal_administrative_number", "claims.length"),
    ("ehic", lambda c: c.__setitem__("personal_administrative_number", "1" * 51), "personal_administrative_number", "claims.length"),
    ("ehic", lambda c: c["issuing_authority"].__setitem__("id", "X" * 21), "issuing_authority.id", "claims.length"),
    ("ehic", lambda c: c["issuing_authority"].__setitem__("name", "N" * 101), "issuing_authority.name", "claims.length"),
    ("pda1", lambda c: c.__setitem__("document_number", "A1"), "document_number", "claims.length"),
    ("ehic", lambda c: c["subject"].__setitem__("familynames", ""), "subject.familynames", "claims.length"),
    ("pda1", lambda c: c["employer"][0].__setitem__("type", "03"), "employer.0.type", "claims.code"),
    ("pda1", lambda c: c.__setitem__("employer", []), "employer", "claims.count"),
    ("pda1", lambda c: c.__setitem__("employer", c["employer"] * 51), "employer", "claims.count"),
    (
        "pda1",
        lambda c: c.__setitem__("work_information", {"work_address": []}),
        "work_information.work_address",
        "claims.count",
    ),
    (
        "pda1",
        lambda c: c["work_information"].__setitem__("no_fixed_place_of_work", "SE"),
        "work_information",
        "claims.work_information",
    ),
    ("pda1", lambda c: c.__setitem__("work_information", {}), "work_information", "claims.work_information"),
    (
        "pda1",
        lambda c: c.__setitem__("work_information", {"no_fixed_place_of_work": "Sweden"}),
        "work_information.no_fixed_place_of_work",
        "claims.country",
    ),
    ("pda1", lambda c: c.__setitem__("work_information", []), "work_information", "claims.type"),
    ("pda1", lambda c: c.__setitem__("ending_date", "2026-08-31"), "ending_date", "claims.date_order"),
    ("ehic", lambda c: c.__setitem__("date_of_expiry", "2025-12-31"), "date_of_expiry", "claims.date_order"),
]


@pytest.mark.parametrize(("key", "mutate", "path", "code"), BAD_CASES)
def test_bad_field_reported_at_its_path(key, mutate, path, code):
    errors = _mutate(key, mutate)
    assert (path, code) in [(e.path, e.code) for e in errors], errors
    for e in errors:
        assert e.en and e.da and e.en != e.da
        assert e.code in reasons.all_reasons()


def test_date_message_in_both_languages():
    [error] = _mutate("ehic", lambda c: c.__setitem__("date_of_issuance", "15/01/2026"))
    assert error.en == "must be a date YYYY-MM-DD"
    assert error.da == "skal være en dato ÅÅÅÅ-MM-DD"


def test_messages_do_not_echo_values():
    secret = "Zyxwvut-SECRET"
    errors = _mutate("pda1", lambda c: c["subject"].__setitem__("familynames", secret * 20))
    assert errors and all(secret not in e.en and secret not in e.da for e in errors)


def test_require_all_false_accepts_partial_presentation():
    claims = sample_claims("pda1")
    partial = {k: claims[k] for k in ("legislation_country", "starting_date", "ending_date", "issuing_authority")}
    assert validate_claims(PDA1, partial, require_all=False) == []
    assert {e.code for e in validate_claims(PDA1, partial)} == {"claims.missing"}
    # a disclosed group must still be complete
    partial["issuing_authority"] = {"id": "DK:UDK"}
    assert codes_at(validate_claims(PDA1, partial, require_all=False)) == {
        "issuing_authority.name": "claims.missing",
        "issuing_authority.country": "claims.missing",
    }


# --------------------------------------------------------------------------------------- hostile input
@pytest.mark.parametrize("claims", [None, [], "x", 1, 1.5, True])
def test_not_an_object(claims):
    assert [e.code for e in validate_claims(EHIC, claims)] == ["claims.not_object"]


def test_deep_nesting_is_an_error_not_a_crash():
    deep: dict = {}
    node = deep
    for _ in range(100_000):
        node["a"] = {}
        node = node["a"]
    claims = sample_claims("ehic")
    claims["subject"]["familynames"] = deep
    assert [e.code for e in validate_claims(EHIC, claims)] == ["claims.too_large"]
    deep_list: list = []
    cur = deep_list
    for _ in range(100_000):
        cur.append([])
        cur = cur[0]
    assert [e.code for e in validate_claims(EHIC, {"x": deep_list})] == ["claims.too_large"]


def test_huge_strings_and_many_members():
    claims = sample_claims("ehic")
    claims["document_number"] = "9" * 10_000_000
    assert [e.code for e in validate_claims(EHIC, claims)] == ["claims.too_large"]
    claims = sample_claims("ehic")
    claims.update({f"k{i}": i for i in range(100_000)})
    assert [e.code for e in validate_claims(EHIC, claims)] == ["claims.too_large"]
    claims = sample_claims("ehic")
    claims["x" * 5000] = 1
    assert [e.code for e in validate_claims(EHIC, claims)] == ["claims.too_large"]


def test_non_json_values():
    claims = sample_claims("pda1")
    claims["subject"] = {1: "x"}
    assert [e.code for e in validate_claims(PDA1, claims)] == ["claims.not_json"]
    claims = sample_claims("pda1")
    claims["document_number"] = object()
    claims["employer"] = ({"type": "01"},)
    claims["starting_date"] = b"2026-09-01"
    claims["ending_date"] = float("nan")
    got = codes_at(validate_claims(PDA1, claims))
    assert got["document_number"] == got["employer"] == got["starting_date"] == got["ending_date"] == "claims.type"


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2026-02-29", "2026-12-31", "DK", "01", "13", "urn:eudi:pda1:1"]),
)
claim_names = st.sampled_from(
    sorted(set(PDA1.schema["properties"]) | set(REGISTERED_CLAIMS) | {"work_address", "no_fixed_place_of_work", "_sd"})
) | st.text(max_size=10)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(claim_names, children, max_size=6),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(["pda1", "ehic"]), claims=st.one_of(json_value, st.dictionaries(claim_names, json_value)))
def test_validate_claims_never_raises(key, claims):
    errors = validate_claims(get_type(key), claims)
    assert isinstance(errors, list)
    assert all(isinstance(e, FieldError) and e.en and e.da for e in errors)


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(["pda1", "ehic"]), data=st.data())
def test_mutating_one_sample_field_never_raises(key, data):
    claims = sample_claims(key)
    name = data.draw(st.sampled_from(sorted(claims)))
    claims[name] = data.draw(json_value)
    errors = validate_claims(get_type(key), claims)
    assert all(isinstance(e, FieldError) for e in errors)


# --------------------------------------------------------------------------------------- sd layouts
NEVER_SD = {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd_alg"}


@pytest.mark.parametrize("ctype", [PDA1, EHIC], ids=["pda1", "ehic"])
def test_layout_covers_every_user_claim_and_no_registered_one(ctype):
    top = {p[0] for p in ctype.sd_layout}
    # every personal-data claim is disclosable; the institution's plain claims never are
    assert top == set(ctype.schema["properties"]) - PLAIN_CLAIMS and PLAIN_CLAIMS <= set(ctype.schema["properties"])
    assert not top & NEVER_SD
    assert len(set(ctype.sd_layout)) == len(ctype.sd_layout)
    for path in ctype.sd_layout:
        assert path and all(isinstance(p, (str, int)) or p is None for p in path)


@pytest.mark.parametrize("ctype", [PDA1, EHIC], ids=["pda1", "ehic"])
def test_metadata_sd_flags_agree_with_layout(ctype):
    layout = {tuple(p) for p in ctype.sd_layout}
    for entry in ctype.metadata["claims"]:
        path = tuple(entry["path"])
        assert entry["sd"] == ("always" if path in layout else "never"), path
    listed = {tuple(e["path"]) for e in ctype.metadata["claims"]}
    assert layout <= listed


# --------------------------------------------------------------------------------------- type metadata
@pytest.mark.parametrize("key", ["pda1", "ehic"])
def test_metadata_file_and_shape(key):
    ctype = get_type(key)
    text = resources.files("credential.types").joinpath(f"{key}.metadata.json").read_text(encoding="utf-8")
    assert json.loads(text) == ctype.metadata
    md = ctype.metadata
    assert md["vct"] == ctype.vct and md["name"] and md["description"]
    locales = [d["locale"] for d in md["display"]]
    assert {"en", "da"} <= set(locales) and len(locales) == len(set(locales))
    for d in md["display"]:
        assert d["name"] and d["description"]
        simple = d["rendering"]["simple"]
        assert simple["background_color"].startswith("#") and simple["text_color"].startswith("#")
    for entry in md["claims"]:
        assert entry["path"] and entry["sd"] in ("always", "never") and isinstance(entry["mandatory"], bool)
        # sd-jwt-vc §8.2: one display object per locale supported by the type
        assert sorted(d["locale"] for d in entry["display"]) == sorted(locales)
        assert all(d["label"] for d in entry["display"])


@pytest.mark.parametrize("ctype", [PDA1, EHIC], ids=["pda1", "ehic"])
def test_every_schema_field_has_a_label(ctype):
    listed = {tuple(e["path"]) for e in ctype.metadata["claims"]}
    schema = ctype.schema

    def walk(node, path):
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
        if path and path[-1] is not None:  # an array element is labelled by its array
            assert path in listed, path
        for branch in node.get("oneOf", []):
            walk(branch, path)
        if node.get("type") == "array" or "items" in node:
            walk(node["items"], (*path, None))
        for name, child in node.get("properties", {}).items():
            walk(child, (*path, name))

    walk(schema, ())


def test_mandatory_follows_schema():
    md = {tuple(e["path"]): e["mandatory"] for e in PDA1.metadata["claims"]}
    assert md[("employer",)] is True and md[("transitional_rules",)] is False
    assert md[("authentic_source",)] is True and md[("subject", "date_of_birth")] is True
    assert md[("attestation_legal_category",)] is True and md[("issuing_country",)] is True


def test_claim_label():
    assert claim_label(PDA1, ("subject", "date_of_birth"), "da") == "Fødselsdato"
    assert claim_label(PDA1, ["subject", "date_of_birth"], "en") == "Date of birth"
    assert claim_label(PDA1, "employer.0.name", "da-DK") == "Navn"
    assert claim_label(PDA1, ("employer", None, "name"), "sv") == "Namn"
    assert claim_label(EHIC, ("ending_date",), "no") == claim_label(EHIC, ("ending_date",), "nb")
    assert claim_label(EHIC, ("ending_date",), "fr") == claim_label(EHIC, ("ending_date",), "en")  # not shipped
    assert claim_label(EHIC, ("ending_date",), "de") == "Anspruch bis (Feld 9 der Karte)"
    assert claim_label(PDA1, ("legislation_country",), "fi").startswith("Jäsenvaltio")
    assert claim_label(PDA1, ("no_such",), "da") == "no_such"


def test_labels_differ_between_types_where_meaning_differs():
    assert claim_label(PDA1, ("ending_date",), "en") != claim_label(EHIC, ("ending_date",), "en")


def test_samples_are_current_on_2026_11_26():
    for key in TYPES:
        c = sample_claims(key)
        assert c["date_of_issuance"] <= "2026-11-26" <= c["date_of_expiry"]
        assert c["starting_date"] <= "2026-11-26" <= c["ending_date"]
    assert sample_claims("pda1")["issuing_authority"]["name"] == "Udbetaling Danmark"


def test_samples_are_unchanged_by_validation():
    c = sample_claims("pda1")
    before = copy.deepcopy(c)
    validate_claims(PDA1, c)
    assert c == before
