"""The raw-code detector (tests/rawcodes.py) catches each kind of raw code, leaves plain words, dates and addresses
alone, and skips the details line in a Kivy widget tree and on a web page in real Chromium."""

from __future__ import annotations

import pytest

from tests.rawcodes import Shown, assert_no_raw, code_values, find_raw, kivy_texts

CLAIMS = {"status_confirmation": "01", "legislation_country": "DK",
          "employer": {"name": "Nordbyg A/S", "type": "02", "country": "DK"},
          "work_information": [{"company_name": "Site", "address": {"country": "SE"}}]}


def kinds(*texts: str, claims=CLAIMS) -> set[tuple[str, str]]:
    return {(f.kind, f.token) for f in find_raw(texts, claims=claims)}


@pytest.mark.parametrize("text, kind, token", [
    ("company_name: Nordbyg", "claim_key", "company_name"),
    ("Arbejdssted street_address", "claim_key", "street_address"),
    ("type", "claim_key", "type"),
    ("id:", "claim_key", "id"),
    ("01", "code_value", "01"),
    ("Personens status: 01", "code_value", "01"),
    ("DK/SE", "code_value", "DK/SE"),
    ("Land: DK", "code_value", "DK"),
    ("Dokument: pda1", "code_value", "pda1"),
    ('vct "pda1_sd_jwt" - 2757 characters', "code_value", "pda1_sd_jwt"),
    ("urn:eudi:ehic:1", "code_value", "urn:eudi:ehic:1"),
    ("Status: VALID", "code_value", "VALID"),
    ("Result INDETERMINATE", "code_value", "INDETERMINATE"),
    ("Fejl: kb.nonce", "reason_code", "kb.nonce"),
    ("status.token_expired", "reason_code", "status.token_expired"),
    ("(rp.registration)", "reason_code", "rp.registration"),
    ("inspector.decision.new", "reason_code", "inspector.decision.new"),  # an untranslated message
    ("status.never_defined_here", "reason_code", "status.never_defined_here"),  # shaped like one
    ("subject: is required but missing", "schema_path", "is required but missing"),
    ("at $.subject.date_of_birth", "schema_path", "$.s"),
    ("/employer/name is wrong", "schema_path", "/employer/name"),
])
def test_each_kind_is_caught(text, kind, token):
    assert (kind, token) in kinds(text), find_raw([text], claims=CLAIMS)


@pytest.mark.parametrize("text", [
    "Valid", "Gyldig", "Nordbyg A/S", "14.01.2031", "01.02.2025 – 31.12.2025", "Danmark", "Sverige, Danmark",
    "Status confirmation: Posted worker (Article 12(1) of Regulation (EC) No 883/2004)",
    "Employer: Nordbyg A/S", "Anna KOWALSKI, born 01.02.1985", "https://issuer.example/status/1",
    "Type of employer: Employed person", "Identification number", "Scan again", "Data from 2 h ago",
    "udbetaling.dk", "inspector.at.dk", "issuer.example", "Name", "DKK 100", "The status list could not be checked",
    "New EHIC",
])
def test_plain_words_pass(text):
    assert find_raw([text], claims=CLAIMS) == []


def test_code_values_come_from_the_credential_shown():
    assert code_values(CLAIMS) == {"01", "02", "DK", "SE"}
    assert find_raw(["02"], claims=None) == []  # no credential: "02" is not known to be a code
    assert find_raw(["02"], claims=CLAIMS)


def test_assert_no_raw_lists_every_finding():
    with pytest.raises(AssertionError) as err:
        assert_no_raw([Shown("kb.nonce", "decision:Label"), Shown("company_name", "decision:Label")], where="x")
    assert "kb.nonce" in str(err.value) and "company_name" in str(err.value) and "decision:Label" in str(err.value)
    assert_no_raw(["Valid"], where="x")  # nothing raw: no error


def test_kivy_tree_skips_the_details_line_only():
    from tests.kivy_support import window_or_skip

    window_or_skip()
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label

    root = BoxLayout()
    root.add_widget(Label(text="[b]Not valid[/b]", markup=True))
    details = BoxLayout()
    details.details_line = True
    details.add_widget(Label(text="kb.nonce, status.invalid"))
    root.add_widget(details)
    hidden = Label(text="rp.registration", opacity=0)
    root.add_widget(hidden)
    texts = kivy_texts(root, "decision")
    assert [t.text for t in texts] == ["Not valid"]  # markup stripped; details and invisible left out
    root.add_widget(Label(text="Reason: kb.nonce"))
    assert {(f.kind, f.token) for f in find_raw(kivy_texts(root))} == {("reason_code", "kb.nonce")}
    details.details_line = False
    assert {f.token for f in find_raw(kivy_texts(root))} == {"kb.nonce", "status.invalid"}


def test_web_page_skips_data_details_in_chromium():
    from tests.rawcodes import page_texts
    from tests.verifier.test_console_browser import _browser_or_skip

    sync_api = pytest.importorskip("playwright.sync_api")
    html = ("<html><body><h1>Not valid</h1><p>Revoked by the issuer</p>"
            "<p data-details>Details: <code>status.invalid</code></p>"
            "<div data-details><span>kb.nonce</span></div>"
            "<p style='display:none'>rp.registration</p>"
            "<input placeholder='company_name'><script>var a='kb.aud';</script></body></html>")
    with sync_api.sync_playwright() as p:
        browser = _browser_or_skip(p)
        try:
            page = browser.new_page()
            page.set_content(html)
            texts = page_texts(page, "test-page")
            shown = [t.text for t in texts]
            assert "Not valid" in shown and "Revoked by the issuer" in shown
            assert not any("status.invalid" in t or "kb.nonce" in t or "kb.aud" in t or "rp.registration" in t
                           for t in shown), shown
            assert {(f.kind, f.token) for f in find_raw(texts)} == {("claim_key", "company_name")}
        finally:
            browser.close()
