"""credential.labels: labels of other shapes' claims, from their type metadata or through the mapping (issue 16)."""

from __future__ import annotations

from credential import labels
from credential.types import claim_label as ours, get_type
from tests.foreign_shapes import EUDI_EHIC, EUDI_PDA1

PDA1, EHIC = get_type("pda1"), get_type("ehic")


def test_eudi_paths_get_our_labels_through_the_mapping():
    assert labels.claim_label(EUDI_PDA1, ("credential_holder", "family_name"), "da") == ours(PDA1, ("subject", "familynames"), "da")
    assert labels.claim_label(EUDI_PDA1, ("legislation", "member_state"), "en") == ours(PDA1, ("legislation_country",), "en")
    assert labels.claim_label(EUDI_PDA1, ("places_of_work", "place_of_work", 0, "town"), "en") == \
        ours(PDA1, ("work_information", "work_address", None, "locality"), "en")
    assert labels.claim_label(EUDI_EHIC, ("social_security_pin",), "da") == "Personnummer"
    assert labels.claim_label(EUDI_EHIC, ("document_id",), "en") == ours(EHIC, ("document_number",), "en")
    # no equivalent, another type: none (the wallet shows the claim's name)
    assert labels.claim_label(EUDI_PDA1, ("employment_details", "street"), "en") is None
    assert labels.claim_label("urn:other:1", ("x",), "en") is None


def test_dc4eu_and_our_names():
    assert labels.claim_label("urn:eudi:pda1:1", ("work_address", "building_number"), "da") == \
        ours(PDA1, ("work_information", "work_address", None, "house_number"), "da")
    assert labels.claim_label("urn:eudi:ehic:1", ("ending_date",), "da") == ours(EHIC, ("ending_date",), "da")


def test_type_metadata_labels_come_first():
    meta = {  # as an OpenID4VCI credential configuration of the EUDI issuer carries them (name + locale)
        "display": [{"name": "EHIC (sd-jwt-vc)", "locale": "en"}],
        "claims": [{"path": ["social_security_pin"], "display": [{"name": "Social Security Pin", "locale": "en"}]},
                   {"path": ["subject", "family_name"], "display": [{"label": "Efternavn", "lang": "da-DK"}]}],
    }
    assert labels.claim_label(EUDI_EHIC, ["social_security_pin"], "en", meta) == "Social Security Pin"
    assert labels.claim_label(EUDI_EHIC, ["social_security_pin"], "da", meta) == "Social Security Pin"  # only one
    assert labels.claim_label(EUDI_EHIC, ["subject", "family_name"], "da", meta) == "Efternavn"
    assert labels.claim_label(EUDI_EHIC, ["document_id"], "da", meta) == ours(EHIC, ("document_number",), "da")
    assert labels.type_name(EUDI_EHIC, "en", meta) == "EHIC (sd-jwt-vc)"
    assert labels.type_name(EUDI_EHIC, "da") == labels.type_name("urn:eudi:ehic:1", "da")
    assert labels.type_name("urn:other:1", "en") is None
    assert labels.claim_label(EUDI_EHIC, ["x"], "en", {"claims": "not a list"}) is None
