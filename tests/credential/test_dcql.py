"""DCQL (OpenID4VP 1.0 §6, §7): presets, parsing, matching, over-asking checks."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credential.dcql import (
    PRESETS,
    ClaimsQuery,
    DcqlQuery,
    match,
    parse_query,
    paths_within,
    preset_for_vct,
    preferred_paths,
    process_path,
    requested_paths,
    satisfied,
    selected_paths,
)
from credential.reasons import Rejected
from credential.types import get_type, sample_claims
from tests.foreign_shapes import foreign

PDA1 = "urn:eudi:pda1:1"
EHIC = "urn:eudi:ehic:1"


def q(**cred) -> dict:
    base = {"id": "c1", "format": "dc+sd-jwt", "meta": {"vct_values": [PDA1]}}
    base.update(cred)
    return {"credentials": [base]}


# --------------------------------------------------------------------------------------- presets
def test_presets_parse_and_round_trip():
    for name, obj in PRESETS.items():
        parsed = parse_query(obj)
        assert parsed.to_dict() == obj, name
        assert len(parsed.credentials) == 1
        cq = parsed.credentials[0]
        assert cq.format == "dc+sd-jwt" and cq.claims and cq.claim_sets
        assert cq.vct_values[0] in (PDA1, EHIC) and cq.vct_values[1].startswith("urn:eu.europa.ec.eudi:")


def _top(name):
    """Top-level claims of the preset's first choice (the complete preset, our model)."""
    return {p[0] for p in preferred_paths(parse_query(PRESETS[name]).credentials[0])}


def test_preset_claims_are_exactly_the_table():
    assert _top("a1-inspection") == {
        "subject", "legislation_country", "starting_date", "ending_date", "status_confirmation",
        "employer", "work_information", "issuing_authority", "document_number",
    }  # fmt: skip
    assert _top("a1-coverage") == {"legislation_country", "starting_date", "ending_date", "issuing_authority"}
    assert _top("ehic-care") == {
        "subject", "personal_administrative_number", "issuing_authority", "document_number", "ending_date",
    }  # fmt: skip
    for name in ("a1-inspection", "ehic-care"):
        paths = preferred_paths(parse_query(PRESETS[name]).credentials[0])
        assert {p for p in paths if p[0] == "subject"} == {
            ("subject", "familynames"), ("subject", "forenames"), ("subject", "date_of_birth"),
        }  # fmt: skip


def test_presets_genuinely_select():
    assert not _top("a1-coverage") & {"subject", "employer", "work_information", "personal_administrative_number"}
    assert not _top("ehic-care") & {"starting_date", "date_of_issuance", "date_of_expiry"}
    # no claim set of any shape asks a1-coverage for the person or the work
    cq = parse_query(PRESETS["a1-coverage"]).credentials[0]
    assert not {p[0] for p in requested_paths(cq)} & {"subject", "credential_holder", "employer",
                                                       "employment_details", "places_of_work", "work_information"}


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_is_served_by_the_layout(name):
    """Every path of the first choice lies at or below one Disclosure of the issuer's layout or is a plain claim,
    and the number of Disclosures a wallet must send equals the number of distinct top-level claims asked for."""
    cq = parse_query(PRESETS[name]).credentials[0]
    ctype = get_type(cq.vct_values[0])
    preferred = preferred_paths(cq)
    assert paths_within(preferred, ctype.sd_layout) == []
    needed = {p for p in ctype.sd_layout for r in preferred if r[: len(p)] == p}
    assert len(needed) == len({r[0] for r in preferred})


@pytest.mark.parametrize("name", ["a1-inspection", "ehic-care"])
def test_claim_sets_degrade_without_identity_or_document_number(name):
    """OpenID4VP 1.0 §6.4.1: a credential without subject or document_number still answers, with the first claim
    set it satisfies; one that also lacks a business claim does not."""
    key = "pda1" if name.startswith("a1") else "ehic"
    query = parse_query(PRESETS[name])
    cq = query.credentials[0]
    full = sample_claims(key)
    assert selected_paths(cq, full) == preferred_paths(cq)
    for drop in (["subject"], ["document_number"], ["subject", "document_number"]):
        claims = {k: v for k, v in full.items() if k not in drop}
        assert match(query, [(get_type(key).vct, claims)]) == {cq.id: [0]}, drop
        chosen = selected_paths(cq, claims)
        assert chosen and not {p[0] for p in chosen} & set(drop)
        assert set(chosen) < set(preferred_paths(cq))
    no_dates = {k: v for k, v in full.items() if k != "ending_date"}
    assert match(query, [(get_type(key).vct, no_dates)]) == {cq.id: []}
    assert selected_paths(cq, no_dates) is None


@pytest.mark.parametrize("name", ["eudi-pda1", "eudi-ehic", "dc4eu-pda1", "dc4eu-ehic"])
def test_presets_reach_the_other_shapes(name):
    """The same preset query matches the EUDI issuer's and DC4EU's credentials as issued (their own paths)."""
    vct, claims = foreign(name)
    preset = "a1-inspection" if "pda1" in name else "ehic-care"
    query = parse_query(PRESETS[preset])
    cq = query.credentials[0]
    assert match(query, [(vct, claims)]) == {cq.id: [0]}
    chosen = {p[0] for p in selected_paths(cq, claims)}
    assert chosen <= set(claims)
    if name.startswith("dc4eu"):
        assert "subject" not in chosen and "document_number" in chosen


def test_presets_match_samples():
    creds = [(PDA1, sample_claims("pda1")), (EHIC, sample_claims("ehic"))]
    assert match(parse_query(PRESETS["a1-inspection"]), creds) == {"pda1": [0]}
    assert match(parse_query(PRESETS["a1-coverage"]), creds) == {"pda1": [0]}
    assert match(parse_query(PRESETS["a1-coverage"]), [foreign("eudi-pda1")]) == {"pda1": [0]}
    assert match(parse_query(PRESETS["ehic-care"]), creds) == {"ehic": [1]}


def test_preset_for_vct():
    assert preset_for_vct(PDA1) == ["a1-inspection", "a1-coverage"]
    assert preset_for_vct(EHIC) == ["ehic-care"]
    assert preset_for_vct("urn:other") == []


def test_presets_are_not_mutated_by_parsing():
    before = copy.deepcopy(PRESETS)
    for obj in PRESETS.values():
        parse_query(obj).to_dict()["credentials"][0]["meta"]["vct_values"].append("x")
    assert PRESETS == before


# --------------------------------------------------------------------------------------- parse: positive
def test_parse_full_featured_query():
    obj = {
        "credentials": [
            {
                "id": "a1",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [PDA1]},
                "multiple": True,
                "require_cryptographic_holder_binding": False,
                "trusted_authorities": [{"type": "etsi_tl", "values": ["https://lotl.example"]}],
                "claims": [
                    {"id": "c", "path": ["legislation_country"], "values": ["DK", "SE"]},
                    {"id": "w", "path": ["work_information", "work_address", None, "country"]},
                    {"id": "e", "path": ["employer", 0]},
                ],
                "claim_sets": [["c", "w"], ["c", "e"]],
                "future_extension": {"ignored": True},
            },
            {"id": "card_2", "format": "mso_mdoc", "meta": {"doctype_value": "org.iso.18013.5.1.mDL"}},
        ],
        "credential_sets": [{"options": [["a1"], ["card_2"]]}, {"options": [["card_2"]], "required": False}],
        "unknown_top_level": 1,
    }
    parsed = parse_query(obj)
    a1 = parsed.by_id("a1")
    assert a1.multiple and not a1.require_cryptographic_holder_binding
    assert a1.claims[1].path == ("work_information", "work_address", None, "country")
    assert a1.claims[0].values == ("DK", "SE")
    assert a1.claim_sets == (("c", "w"), ("c", "e"))
    assert a1.trusted_authorities[0].type == "etsi_tl"
    assert parsed.by_id("card_2").vct_values is None
    assert parsed.credential_sets[1].required is False
    assert parse_query(json.dumps(obj)) == parsed


def test_parse_minimal_query_without_claims():
    parsed = parse_query(q())
    assert parsed.credentials[0].claims is None and parsed.credential_sets is None
    assert requested_paths(parsed.credentials[0]) == []


# --------------------------------------------------------------------------------------- parse: negative
NEGATIVE = [
    ("not an object", []),
    ("no credentials", {}),
    ("empty credentials", {"credentials": []}),
    ("credentials not a list", {"credentials": {"id": "x"}}),
    ("credential not an object", {"credentials": ["x"]}),
    ("missing id", {"credentials": [{"format": "dc+sd-jwt", "meta": {"vct_values": [PDA1]}}]}),
    ("empty id", q(id="")),
    ("id with space", q(id="a 1")),
    ("id with dot", q(id="a.1")),
    ("id not a string", q(id=1)),
    ("id too long", q(id="x" * 65)),
    ("duplicate ids", {"credentials": q()["credentials"] * 2}),
    ("missing format", {"credentials": [{"id": "x", "meta": {}}]}),
    ("empty format", q(format="")),
    ("format not a string", q(format=["dc+sd-jwt"])),
    ("missing meta", {"credentials": [{"id": "x", "format": "mso_mdoc"}]}),
    ("meta not object", q(meta=[PDA1])),
    ("sd-jwt without vct_values", q(meta={})),
    ("vct_values empty", q(meta={"vct_values": []})),
    ("vct_values not strings", q(meta={"vct_values": [1]})),
    ("vct_values a string", q(meta={"vct_values": PDA1})),
    ("multiple not bool", q(multiple="yes")),
    ("holder binding not bool", q(require_cryptographic_holder_binding=0)),
    ("claims empty", q(claims=[])),
    ("claims not list", q(claims={"path": ["x"]})),
    ("claim not object", q(claims=[["x"]])),
    ("claim without path", q(claims=[{"id": "a"}])),
    ("path empty", q(claims=[{"path": []}])),
    ("path not list", q(claims=[{"path": "subject"}])),
    ("path negative index", q(claims=[{"path": ["employer", -1]}])),
    ("path bool", q(claims=[{"path": ["employer", True]}])),
    ("path float", q(claims=[{"path": ["employer", 1.0]}])),
    ("path object", q(claims=[{"path": [{"a": 1}]}])),
    ("path too long", q(claims=[{"path": ["a"] * 17}])),
    ("path huge index", q(claims=[{"path": ["employer", 10**12]}])),
    ("claim id invalid", q(claims=[{"id": "a b", "path": ["x"]}])),
    ("claim ids duplicate", q(claims=[{"id": "a", "path": ["x"]}, {"id": "a", "path": ["y"]}])),
    ("same claim twice", q(claims=[{"path": ["x"]}, {"path": ["x"]}])),
    ("values empty", q(claims=[{"path": ["x"], "values": []}])),
    ("values null", q(claims=[{"path": ["x"], "values": [None]}])),
    ("values float", q(claims=[{"path": ["x"], "values": [1.5]}])),
    ("values object", q(claims=[{"path": ["x"], "values": [{}]}])),
    ("claim_sets without claims", q(claim_sets=[["a"]])),
    ("claim_sets needs claim ids", q(claims=[{"path": ["x"]}], claim_sets=[["a"]])),
    ("claim_sets unknown id", q(claims=[{"id": "a", "path": ["x"]}], claim_sets=[["b"]])),
    ("claim_sets empty", q(claims=[{"id": "a", "path": ["x"]}], claim_sets=[])),
    ("claim_set empty", q(claims=[{"id": "a", "path": ["x"]}], claim_sets=[[]])),
    ("trusted_authorities empty", q(trusted_authorities=[])),
    ("trusted_authority without values", q(trusted_authorities=[{"type": "aki"}])),
    ("trusted_authority values empty", q(trusted_authorities=[{"type": "aki", "values": []}])),
    ("trusted_authority type missing", q(trusted_authorities=[{"values": ["x"]}])),
    ("credential_sets empty", {**q(), "credential_sets": []}),
    ("credential_set not object", {**q(), "credential_sets": [["c1"]]}),
    ("credential_set without options", {**q(), "credential_sets": [{"required": True}]}),
    ("credential_set options empty", {**q(), "credential_sets": [{"options": []}]}),
    ("credential_set option empty", {**q(), "credential_sets": [{"options": [[]]}]}),
    ("credential_set unknown id", {**q(), "credential_sets": [{"options": [["c2"]]}]}),
    ("credential_set required not bool", {**q(), "credential_sets": [{"options": [["c1"]], "required": "no"}]}),
    ("too many credentials", {"credentials": [q(id=f"c{i}")["credentials"][0] for i in range(17)]}),
    ("too many claims", q(claims=[{"path": [f"x{i}"]} for i in range(65)])),
    ("meta too large", q(meta={"vct_values": [PDA1], "pad": "x" * 5000})),
    ("not JSON text", "{not json"),
    ("JSON text too large", json.dumps(q(meta={"vct_values": [PDA1], "pad": "x" * 40_000}))),
]


@pytest.mark.parametrize(("label", "obj"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_parse_rejects(label, obj):
    with pytest.raises(Rejected) as info:
        parse_query(obj)
    assert info.value.code == "request.dcql_invalid"
    assert info.value.reason.da


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["dc+sd-jwt", PDA1, "id"]),
        lambda ch: st.lists(ch, max_size=4)
        | st.dictionaries(
            st.sampled_from(["credentials", "id", "format", "meta", "vct_values", "claims", "path", "values",
                             "claim_sets", "credential_sets", "options", "required", "multiple"]),  # fmt: skip
            ch,
            max_size=5,
        ),
        max_leaves=30,
    )
)
def test_parse_raises_only_rejected(obj):
    try:
        parse_query(obj)
    except Rejected as exc:
        assert exc.code == "request.dcql_invalid"


# --------------------------------------------------------------------------------------- claims path pointer
CRED = {
    "name": "Arthur Dent",
    "address": {"street_address": "42 Market Street", "locality": "Milliways"},
    "degrees": [{"type": "BSc", "university": "Betelgeuse"}, {"type": "MSc"}],
    "nationalities": ["British", "Betelgeusian"],
}


def test_process_path_examples_from_section_7_4():
    assert process_path(CRED, ["name"]) == ["Arthur Dent"]
    assert process_path(CRED, ["address"]) == [CRED["address"]]
    assert process_path(CRED, ["address", "street_address"]) == ["42 Market Street"]
    assert process_path(CRED, ["degrees", None, "type"]) == ["BSc", "MSc"]
    assert process_path(CRED, ["degrees", None, "university"]) == ["Betelgeuse"]  # missing keys drop out
    assert process_path(CRED, ["nationalities", 1]) == ["Betelgeusian"]


@pytest.mark.parametrize(
    "path",
    [["nope"], ["name", "x"], ["address", 0], ["address", None], ["nationalities", 2], ["degrees", "type"], [1.5], [True]],
)
def test_process_path_errors(path):
    with pytest.raises(ValueError):
        process_path(CRED, path)


# --------------------------------------------------------------------------------------- match
def _pda1_variants():
    base = sample_claims("pda1")
    no_fixed = sample_claims("pda1")
    no_fixed["work_information"] = {"no_fixed_place_of_work": "NO"}
    se = sample_claims("pda1")
    se["legislation_country"] = "SE"
    return [(PDA1, base), (EHIC, sample_claims("ehic")), (PDA1, no_fixed), (PDA1, se), ("urn:other", base)]


def test_match_by_vct_and_paths():
    creds = _pda1_variants()
    query = parse_query(q(claims=[{"path": ["work_information", "work_address", None, "locality"]}]))
    assert match(query, creds) == {"c1": [0, 3]}
    query = parse_query(q(claims=[{"path": ["work_information", "no_fixed_place_of_work"]}]))
    assert match(query, creds) == {"c1": [2]}
    query = parse_query(q(claims=[{"path": ["employer", 0, "name"]}]))
    assert match(query, creds) == {"c1": [0, 2, 3]}
    query = parse_query(q(claims=[{"path": ["employer", 1]}]))
    assert match(query, creds) == {"c1": []}
    query = parse_query(q())  # no claims: any credential of the type
    assert match(query, creds) == {"c1": [0, 2, 3]}


def test_match_values_are_type_exact():
    creds = _pda1_variants()
    query = parse_query(q(claims=[{"path": ["legislation_country"], "values": ["SE"]}]))
    assert match(query, creds) == {"c1": [3]}
    t = sample_claims("pda1")
    t["transitional_rules"] = True
    one = sample_claims("pda1")
    one["transitional_rules"] = 1  # invalid claims, but value matching must still not confuse 1 and true
    query = parse_query(q(claims=[{"path": ["transitional_rules"], "values": [True]}]))
    assert match(query, [(PDA1, t), (PDA1, one)]) == {"c1": [0]}


def test_match_claim_sets():
    creds = _pda1_variants()
    query = parse_query(
        q(
            claims=[
                {"id": "addr", "path": ["work_information", "work_address"]},
                {"id": "nofix", "path": ["work_information", "no_fixed_place_of_work"]},
                {"id": "lc", "path": ["legislation_country"], "values": ["DK"]},
            ],
            claim_sets=[["addr", "lc"], ["nofix", "lc"]],
        )
    )
    assert match(query, creds) == {"c1": [0, 2]}


def test_match_format_other_than_sd_jwt_never_matches():
    query = parse_query({"credentials": [{"id": "m", "format": "mso_mdoc", "meta": {}}]})
    assert match(query, _pda1_variants()) == {"m": []}


def test_match_several_queries_and_satisfied():
    obj = {
        "credentials": [
            PRESETS["a1-coverage"]["credentials"][0],
            PRESETS["ehic-care"]["credentials"][0],
        ]
    }
    query = parse_query(obj)
    creds = [(EHIC, sample_claims("ehic")), (PDA1, sample_claims("pda1"))]
    m = match(query, creds)
    assert m == {"pda1": [1], "ehic": [0]}
    assert satisfied(query, m)
    assert not satisfied(query, match(query, creds[:1]))
    with_sets = parse_query({**obj, "credential_sets": [{"options": [["pda1"], ["ehic"]]}]})
    assert satisfied(with_sets, match(with_sets, creds[:1]))
    optional = parse_query({**obj, "credential_sets": [{"options": [["pda1"]], "required": False}]})
    assert satisfied(optional, {"pda1": [], "ehic": []})


def test_match_tolerates_odd_processed_claims():
    query = parse_query(q(claims=[{"path": ["employer", None, "name"]}]))
    odd = [(PDA1, {"employer": "x"}), (PDA1, {"employer": [1, {"name": "N"}]}), (PDA1, {})]
    assert match(query, odd) == {"c1": []}  # [1] is not an object -> error -> no match


# --------------------------------------------------------------------------------------- paths_within
def test_paths_within():
    allowed = [("subject",), ("employer", None, "name"), ("work_information", "work_address", 0), ("a", None)]
    requested = [
        ("subject", "familynames"),  # covered by prefix
        ("subject",),  # covered exactly
        ("employer", 3, "name"),  # None covers any index
        ("employer", None, "name"),  # None covers None
        ("employer", 0, "id"),  # not covered
        ("employer",),  # asking more than allowed
        ("work_information", "work_address", 0, "country"),  # covered
        ("work_information", "work_address", None),  # every element, only element 0 allowed
        ("work_information", "work_address", 1),  # wrong index
        ("a", "b"),  # None never covers a member name
        ("personal_administrative_number",),
    ]
    assert paths_within(requested, allowed) == [
        ("employer", 0, "id"),
        ("employer",),
        ("work_information", "work_address", None),
        ("work_information", "work_address", 1),
        ("a", "b"),
        ("personal_administrative_number",),
    ]
    assert paths_within([], allowed) == []
    assert paths_within([("x",)], []) == [("x",)]


def test_over_asking_preset_against_registration():
    """A relying party registered for a1-coverage that sends the a1-inspection query over-asks."""
    registered = requested_paths(parse_query(PRESETS["a1-coverage"]).credentials[0])
    asked = requested_paths(parse_query(PRESETS["a1-inspection"]).credentials[0])
    assert ("credential_holder",) in paths_within(asked, registered)
    over = paths_within(asked, registered)
    assert ("subject", "familynames") in over and ("employer",) in over
    assert ("legislation_country",) not in over


def test_requested_paths_union_over_claim_sets():
    cq = parse_query(
        q(claims=[{"id": "a", "path": ["x"]}, {"id": "b", "path": ["y", 0]}], claim_sets=[["a"], ["b"]])
    ).credentials[0]
    assert requested_paths(cq) == [("x",), ("y", 0)]
    assert preferred_paths(cq) == [("x",)]
    assert selected_paths(cq, {"y": [1]}) == [("y", 0)] and selected_paths(cq, {"z": 1}) is None
    no_sets = parse_query(q(claims=[{"path": ["x"]}])).credentials[0]
    assert selected_paths(no_sets, {"x": 1}) == [("x",)] and selected_paths(no_sets, {}) is None


def test_dataclasses_are_frozen():
    parsed = parse_query(PRESETS["a1-coverage"])
    assert isinstance(parsed, DcqlQuery)
    with pytest.raises(AttributeError):
        parsed.credentials[0].claims[0].path = ("x",)  # type: ignore[misc]
    assert isinstance(parsed.credentials[0].claims[0], ClaimsQuery)
