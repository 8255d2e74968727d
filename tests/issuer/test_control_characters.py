"""Issue 14 finding 10 at the issuer: a case whose name or document number holds a bidi override or
another invisible character is refused (case API and back office); one stored before the fix is shown
neutralised. Real issuer on loopback."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import update

from credential.types import sample_claims
from issuer import store

from .test_sessions_and_logins import PW, cookie_of, login, page_with


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_case_api_refuses_bidi_overrides_in_names_and_numbers(server):
    with server.api() as api:
        for field, value in (("familynames", "Kowal\u202eikswo"), ("forenames", "To\u200bmasz")):
            claims = sample_claims("ehic")
            claims["subject"][field] = value
            r = api.post("/api/v1/cases", json={"type": "ehic", "claims": claims})
            assert r.status_code == 422, r.text
            assert [e["code"] for e in r.json()["errors"]] == ["claims.control_character"]
        claims = sample_claims("ehic")
        claims["document_number"] = "8020800001\u202e2345"
        r = api.post("/api/v1/cases", json={"type": "ehic", "claims": claims})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "document_number"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_back_office_shows_stored_control_characters_neutralised(server):
    with server.api() as api:
        case = api.post("/api/v1/cases", json={"type": "ehic", "claims": sample_claims("ehic")}).json()
    claims = sample_claims("ehic")
    claims["document_number"] = "8020\u202e8000012345"  # as a case stored before the fix could hold it
    with server.service.Session.begin() as s:
        s.execute(update(store.Case).where(store.Case.public_id == case["case_id"])
                  .values(claims_json=json.dumps(claims), document_number=claims["document_number"]))
    server.service.add_user("officer1", PW, "officer")
    cookie = cookie_of(login(server.url, "officer1", PW))
    for path in (f"/backoffice/cases/{case['case_id']}", "/backoffice/"):
        page = page_with(server.url, cookie, path).text
        assert "\u202e" not in page and "8020\ufffd8000012345" in page, path
    # and the form refuses the same text
    with httpx.Client(base_url=server.url, cookies={"esspass_issuer_session": cookie}) as c:
        form_page = c.get("/backoffice/cases/new/ehic?demo=1")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form_page.text).group(1)
        fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form_page.text))
        fields.update({"csrf": csrf, "subject.familynames": "Kowal\u202eikswo"})
        r = c.post("/backoffice/cases/new/ehic", data=fields)
        assert r.status_code == 422 and "U+202E" in r.text
        assert "\u202e" not in r.text and "Kowal\ufffdikswo" in r.text  # the refused value, shown neutralised


def test_inspector_rows_and_holder_are_neutralised():
    from credential.explain import claim_rows  # the one explain layer every screen uses (issue 10)
    from verifier.ui.controller import decision_view

    claims = sample_claims("ehic")
    claims["subject"]["familynames"] = "Kowal\u202eikswo"
    rows = [(r.label, r.value) for r in claim_rows(claims, "urn:eudi:ehic:1", "en")]
    assert all("\u202e" not in v for _, v in rows) and any("Kowal\ufffdikswo" in v for _, v in rows)
    decision = {"result": "PASSED", "checks": [], "claims": claims, "credential_type": "urn:eudi:ehic:1"}
    view = decision_view(decision, "en")
    assert "\u202e" not in repr(view) and "KOWAL\ufffdIKSWO" in view.holder
