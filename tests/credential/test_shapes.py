"""credential.shapes: the EUDI reference issuer's and DC4EU's A1/EHIC read into our model (issue 16, item 2)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from credential import shapes
from credential.types import get_type, sample_claims, validate_claims
from tests.foreign_shapes import EUDI_EHIC, EUDI_PDA1, foreign


def _codes(vct: str, claims: dict) -> dict[str, str]:
    return {e.path: e.code for e in validate_claims(get_type(vct), claims, require_all=False)}


def test_eudi_pda1_is_read_into_our_model() -> None:
    vct, claims = foreign("eudi-pda1")
    read = shapes.read_claims(vct, claims)
    assert read is not None and (read.shape, read.source_vct, read.vct) == ("eudi", EUDI_PDA1, "urn:eudi:pda1:1")
    out = read.claims
    assert out["subject"] == {"familynames": "Nowak", "forenames": "Anna", "date_of_birth": "1990-04-12"}
    assert out["personal_administrative_number"] == "90041212345"
    assert (out["legislation_country"], out["starting_date"], out["ending_date"]) == ("PL", "2026-09-01", "2027-06-30")
    assert out["transitional_rules"] is False and out["status_confirmation"] == "01"
    assert out["employer"] == [{"type": "01", "id": "PL5261040828", "name": "Baltic Cranes Sp. z o.o.", "country": "PL"}]
    assert out["work_information"] == {"work_address": [{
        "company_name": "Øresund Havneservice A/S", "company_id": "DK31877210", "street_address": "Kajgade 7",
        "locality": "Esbjerg", "postal_code": "6700", "country": "DK"}]}
    assert out["document_number"] == "PL-A1-2026-77810"
    assert out["authentic_source"] == {"id": "PL:ZUS", "name": "Zakład Ubezpieczeń Społecznych"}
    assert out["issuing_authority"] == {"name": "Zakład Ubezpieczeń Społecznych", "country": "PL"}
    assert out["issuing_country"] == "PL"
    assert (out["date_of_issuance"], out["date_of_expiry"]) == ("2026-08-15", "2027-06-30")
    # the employer's address and the competent institution's country have no place in our model: shown, not dropped
    unmapped = {u.path: (u.value, u.why) for u in read.unmapped}
    assert unmapped == {
        "competent_institution.country_code": ("PL", "no_equivalent"),
        "employment_details.0.street": ("Portowa 3", "no_equivalent"),
        "employment_details.0.town": ("Gdańsk", "no_equivalent"),
        "employment_details.0.postal_code": ("80-001", "no_equivalent"),
    }
    assert "issuing_authority.name" in read.conversions and "issuing_authority.country" in read.conversions
    # what it gives is well formed in our model; only the issuing authority's id is missing (no equivalent)
    assert _codes("pda1", out) == {"issuing_authority.id": "claims.missing"}


def test_eudi_ehic_prefers_the_insured_person_and_shows_the_holder() -> None:
    vct, claims = foreign("eudi-ehic")
    read = shapes.read_claims(vct, claims)
    assert read is not None and (read.shape, read.vct) == ("eudi", "urn:eudi:ehic:1")
    assert read.claims["subject"] == {"familynames": "Virtanen", "forenames": "Aino", "date_of_birth": "1985-11-30"}
    assert read.claims["document_number"] == "80246000011223344556"
    assert [u.path for u in read.unmapped] == ["competent_institution.country_code", "credential_holder"]
    # without subject, the holder's names are read
    del claims["subject"]
    read = shapes.read_claims(EUDI_EHIC, claims)
    assert read.claims["subject"]["familynames"] == "Virtanen" and "credential_holder" not in [u.path for u in read.unmapped]


def test_dc4eu_pda1_employer_object_and_top_level_work_address() -> None:
    vct, claims = foreign("dc4eu-pda1")
    read = shapes.read_claims(vct, claims)
    assert read is not None and (read.shape, read.vct) == ("dc4eu", "urn:eudi:pda1:1")
    assert read.claims["employer"] == [{"id": "ATU12345678", "name": "Alpen Gerüstbau GmbH", "country": "AT"}]
    assert read.claims["work_information"]["work_address"][0]["house_number"] == "21"
    assert read.claims["issuing_authority"]["country"] == "AT" and read.unmapped == ()
    # no subject, no employer.type, no attestation_legal_category: not available, everything else well formed
    assert _codes("pda1", read.claims) == {"employer.0.type": "claims.missing"}


def test_dc4eu_ehic() -> None:
    vct, claims = foreign("dc4eu-ehic")
    read = shapes.read_claims(vct, claims)
    assert read is not None and read.shape == "dc4eu" and read.unmapped == ()
    assert read.claims["issuing_authority"] == {"id": "AT:OEGK", "name": "Österreichische Gesundheitskasse",
                                                "country": "AT"}
    assert _codes("ehic", read.claims) == {}


def test_ours_reads_as_itself_and_unknown_extra_claims_are_shown() -> None:
    for key in ("pda1", "ehic"):
        claims = sample_claims(key)
        read = shapes.read_claims(get_type(key).vct, claims)
        assert read is not None and read.shape == "esspass" and read.claims == claims and read.unmapped == ()
        read = shapes.read_claims(get_type(key).vct, {**claims, "nickname": "Tom"})
        assert [u.as_json() for u in read.unmapped] == [{"path": "nickname", "value": "Tom", "why": "unknown"}]
    vct, claims = foreign("eudi-pda1")
    claims["legislation"]["article"] = "12"
    claims["employment_details"][0]["employment_type"] = "seasonal"
    read = shapes.read_claims(vct, claims)
    unmapped = {u.path: u.why for u in read.unmapped}
    assert unmapped["legislation.article"] == "unknown"
    assert unmapped["employment_details.0.employment_type"] == "no_equivalent" and "type" not in read.claims["employer"][0]


def test_eudi_no_fixed_place_of_work_and_word_employment_types() -> None:
    vct, claims = foreign("eudi-pda1")
    claims["places_of_work"] = {"no_fixed_place": [{"country_code": "SE"}, {"country_code": "NO"}]}
    claims["employment_details"][0]["employment_type"] = "Self-employed"
    read = shapes.read_claims(vct, claims)
    assert read.claims["work_information"] == {"no_fixed_place_of_work": "SE"}
    assert any(u.path == "places_of_work.no_fixed_place.1" for u in read.unmapped)  # ours holds one State
    assert read.claims["employer"][0]["type"] == "02" and "employer.0.type" in read.conversions


def test_other_types_are_not_read() -> None:
    assert shapes.read_claims("urn:eudi:pid:1", {"given_name": "A"}) is None
    assert shapes.detect_shape("urn:eudi:pda1:1", {"legislation_country": "DK"}) == "esspass"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["urn:eudi:pda1:1", "urn:eudi:ehic:1", EUDI_PDA1, EUDI_EHIC]),
       st.dictionaries(st.sampled_from(["issuing_authority", "issuing_country", "employer", "work_address",
                                        "credential_holder", "subject", "legislation", "employment_details",
                                        "places_of_work", "competent_institution", "document_id", "x"]),
                       _json, max_size=6))
def test_any_claims_are_read_without_raising(vct: str, claims: dict) -> None:
    read = shapes.read_claims(vct, claims)
    assert read is not None and isinstance(read.claims, dict)
    assert all(isinstance(u.path, str) and u.why in ("unknown", "no_equivalent") for u in read.unmapped)
