"""User claims of A1 and EHIC credentials as the two other issuers in the field shape them (issue 16), written for
these tests from the published type metadata of DC4EU's issuer (``dc4eu/vc`` ``metadata/vctm_*.json``) and the EUDI
reference issuer (``eudi-srv-web-issuing-eudiw-py`` ``app/metadata_config/credentials_supported/*_jwt_vc.json``).
The people, numbers and companies are fictitious; no file of those projects is copied."""

from __future__ import annotations

import copy
from typing import Any

EUDI_PDA1 = "urn:eu.europa.ec.eudi:pda1:1"
EUDI_EHIC = "urn:eu.europa.ec.eudi:ehic:1"

_SHAPES: dict[str, tuple[str, dict[str, Any]]] = {
    # EUDI reference issuer, A1: its own model
    "eudi-pda1": (EUDI_PDA1, {
        "credential_holder": {"family_name": "Nowak", "given_name": "Anna", "birth_date": "1990-04-12"},
        "social_security_pin": "90041212345",
        "employment_details": [{
            "employment_type": "01", "name": "Baltic Cranes Sp. z o.o.", "employer_id": "PL5261040828",
            "street": "Portowa 3", "town": "Gdańsk", "postal_code": "80-001", "country_code": "PL",
        }],
        "places_of_work": {"place_of_work": [{
            "company": "Øresund Havneservice A/S", "company_id": "DK31877210", "street": "Kajgade 7",
            "town": "Esbjerg", "postal_code": "6700", "country_code": "DK",
        }]},
        "legislation": {"member_state": "PL", "starting_date": "2026-09-01", "ending_date": "2027-06-30",
                        "transitional_rules": False},
        "status_confirmation": "01",
        "document_id": "PL-A1-2026-77810",
        "competent_institution": {"institution_id": "PL:ZUS", "institution_name": "Zakład Ubezpieczeń Społecznych",
                                  "country_code": "PL"},
        "issuance_date": "2026-08-15",
        "expiry_date": "2027-06-30",
        "issuing_authority": "Zakład Ubezpieczeń Społecznych",
        "issuing_country": "PL",
    }),
    # EUDI reference issuer, EHIC: credential_holder and subject, document_id, competent_institution
    "eudi-ehic": (EUDI_EHIC, {
        "credential_holder": {"family_name": "Virtanen", "given_name": "Aino", "birth_date": "1985-11-30"},
        "subject": {"family_name": "Virtanen", "given_name": "Aino", "birth_date": "1985-11-30"},
        "social_security_pin": "301185-123A",
        "starting_date": "2026-01-01",
        "ending_date": "2030-12-31",
        "document_id": "80246000011223344556",
        "competent_institution": {"institution_id": "FI:KELA", "institution_name": "Kela", "country_code": "FI"},
        "issuance_date": "2026-01-01",
        "expiry_date": "2030-12-31",
        "issuing_authority": "Kela",
        "issuing_country": "FI",
    }),
    # DC4EU issuer, A1: the rulebook's names, but one employer object and a top-level work_address
    "dc4eu-pda1": ("urn:eudi:pda1:1", {
        "personal_administrative_number": "1712850123",
        "employer": {"id": "ATU12345678", "name": "Alpen Gerüstbau GmbH", "country": "AT"},
        "work_address": {"street_address": "Storgatan", "building_number": "21", "postal_code": "411 38",
                         "locality": "Göteborg", "country": "SE"},
        "legislation_country": "AT",
        "status_confirmation": "01",
        "issuing_authority": {"id": "AT:DVSV", "name": "Dachverband der Sozialversicherungsträger"},
        "issuing_country": "AT",
        "date_of_issuance": "2026-07-01",
        "date_of_expiry": "2027-07-01",
        "authentic_source": {"id": "AT:OEGK", "name": "Österreichische Gesundheitskasse"},
        "starting_date": "2026-07-01",
        "ending_date": "2027-06-30",
        "document_number": "AT-PDA1-2026-000451",
    }),
    # DC4EU issuer, EHIC: no subject, issuing_authority without country
    "dc4eu-ehic": ("urn:eudi:ehic:1", {
        "personal_administrative_number": "1712850123",
        "issuing_authority": {"id": "AT:OEGK", "name": "Österreichische Gesundheitskasse"},
        "issuing_country": "AT",
        "date_of_issuance": "2026-02-01",
        "date_of_expiry": "2031-01-31",
        "authentic_source": {"id": "AT:OEGK", "name": "Österreichische Gesundheitskasse"},
        "starting_date": "2026-02-01",
        "ending_date": "2031-01-31",
        "document_number": "80040000001234567890",
    }),
}

NAMES = tuple(_SHAPES)


def foreign(name: str) -> tuple[str, dict[str, Any]]:
    """(vct, user claims) of the credential called ``name`` (one of :data:`NAMES`), a fresh copy."""
    vct, claims = _SHAPES[name]
    return vct, copy.deepcopy(claims)
