"""The one explain layer (credential.explain): claims → labelled rows, layers → words, checks → explanations."""

from __future__ import annotations

import re

import pytest

from credential import explain
from credential.i18n import LANGS
from credential.types import get_type, sample_claims

A1, EHIC = get_type("pda1").vct, get_type("ehic").vct


def test_nested_objects_are_flattened_the_same_way_for_every_type():
    for key, vct in (("pda1", A1), ("ehic", EHIC)):
        claims = sample_claims(key)
        rows = explain.claim_rows(claims, vct, "en")
        leaves = {r.path for r in rows}
        # every row is one plain value (or a list of plain values); every nested object member has its own row
        for r in rows:
            value = claims
            for p in r.path:
                value = value[p]
            assert not isinstance(value, dict) and not (
                isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)), r
        subject = [r for r in rows if r.path[0] == "subject"]
        assert subject and all(r.label.startswith("Holder: ") for r in subject), subject
        assert ("subject", "familynames") in leaves
        assert rows[0].path[0] == "subject"  # reading order: the holder first


def test_codes_dates_and_yes_no_are_words_in_the_language_asked_for():
    claims = sample_claims("pda1")
    en = {r.path: r.value for r in explain.claim_rows(claims, A1, "en")}
    da = {r.path: r.value for r in explain.claim_rows(claims, A1, "da")}
    # the words and the legal basis, never the bare code (issue 15)
    assert en[("status_confirmation",)] == "posted employed (Regulation (EC) No 883/2004, art. 12(1))"
    assert da[("status_confirmation",)] == "udsendt lønmodtager (forordning (EF) nr. 883/2004, art. 12(1))"
    assert en[("legislation_country",)] == "Denmark" and da[("legislation_country",)] == "Danmark"
    assert explain.value_text(True, ("transitional_rules",), "da") == "ja"
    assert explain.value_text("2031-01-14", ("ending_date",), "da") == "14.01.2031"
    assert explain.value_text("2031-01-14", ("ending_date",), "en") == "14 Jan 2031"
    assert explain.value_text("not a date", ("ending_date",), "en") == "not a date"
    # labels come from the type metadata, in the language asked for
    da_labels = {r.path: r.label for r in explain.claim_rows(claims, A1, "da")}
    assert da_labels[("subject", "familynames")].startswith("Indehaver: ")


def test_an_unknown_type_still_gets_rows_named_by_their_path():
    rows = explain.claim_rows({"a": {"b": 1}, "c": [1, 2]}, "urn:unknown", "en")
    assert [(r.label, r.value) for r in rows] == [("a.b", "1"), ("c", "1, 2")]


def test_layers_and_checks_are_explained_in_words():
    validity = {"technical": {"status": "valid", "from": "a", "until": "b"}, "coverage": {"status": "ended"}}
    rows = explain.layer_rows(validity, "da")
    assert [(r.name, r.status_text) for r in rows] == [("technical", "gyldig"), ("coverage", "ophørt")]
    lines = explain.check_lines([{"code": "sd.intact", "result": "pass", "message": {"en": "ok", "da": "fint"}},
                                 {"code": "status.invalid", "result": "fail", "message": {"en": "no", "da": "nej"}}],
                                "da", problems_first=True)
    assert [(c.code, c.word, c.message) for c in lines] == [("status.invalid", "ikke bestået", "nej"),
                                                             ("sd.intact", "bestået", "fint")]
    assert explain.type_name(EHIC, "en") and explain.type_name(None, "en") == ""


# Values that are codes, not words: a status confirmation or employer type code, an ISO country code.
_RAW_VALUE = re.compile(r"(0[1-9]|1[0-2]|[A-Z]{2})")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("vct_key", ["pda1", "ehic"])
def test_no_raw_claim_key_or_code_value_reaches_a_reader(vct_key, lang):
    """Issue 15 item 2: every code list of the A1 and the EHIC (status confirmation with its article of Regulation
    (EC) No 883/2004, employer type, countries) reads as words in every language, and every claim is labelled —
    no claim key (``company_name``, ``type``) and no code (``01``, ``DK``) where a person reads. The validity
    sentences name the legislation's country in words too."""
    from credential.types import get_type
    from credential.validity import validity_layers

    claims = sample_claims(vct_key)
    claims_all = {**claims, "status_confirmation": "07", "employer": [{"type": "02", "id": "X", "name": "Y",
                                                                       "country": "PL"}]} if vct_key == "pda1" else claims
    vct = get_type(vct_key).vct
    keys = {p for r in explain.claim_rows(claims_all, vct, lang) for p in r.path if isinstance(p, str)}
    coded = {"status_confirmation", "type", "country", "legislation_country", "issuing_country", "no_fixed_place_of_work"}
    rows = explain.claim_rows(claims_all, vct, lang)
    assert any(r.path[-1] in coded for r in rows)
    for row in rows:
        if row.path[-1] in coded:  # a value from a code list (other values, such as a house number, are data)
            assert not _RAW_VALUE.fullmatch(row.value), (lang, row)
        assert row.label not in keys and "_" not in row.label, (lang, row)
        assert not re.search(r"\(\d\d\)", row.label), (lang, row)  # no code in a label either
    for code in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"):
        words = explain.value_text(code, ("status_confirmation",), lang)
        assert code not in words.replace("883/2004", "") .split("art.")[0] and "883/2004" in words, (lang, words)
    for layer in validity_layers(claims, 1_790_000_000, __import__("datetime").date(2026, 11, 26)).layers:
        sentence = layer.text(lang)
        assert not re.search(r"\b(DK|SE|PL)\b", sentence), (lang, sentence)



def test_ages_in_words_in_every_language():
    from credential.i18n import LANGS

    for lang in LANGS:
        words = [explain.age_text(s, lang) for s in (89, 600, 7200, 3 * 86400)]
        assert len(set(words)) == 4 and all(w and "{" not in w for w in words), (lang, words)
        assert "10" in words[1] and "2" in words[2] and "3" in words[3]
    assert explain.age_text(None, "en") == "-" and explain.age_text(True, "en") == "-"
    assert explain.age_text(-5, "en") == explain.age_text(0, "en")  # a clock a little behind: "moments", not negative


def test_data_age_line():
    ok = [{"code": "status.valid", "result": "pass"}]
    assert explain.data_age_text({"trust_list_s": 7200, "status_list_s": 600}, ok, "en") == \
        "trusted list issued 2 h ago; status list issued 10 min ago"
    # fetched beats issued: what an inspector acts on is how long ago the device got it
    assert explain.data_age_text({"trust_list_s": 9 * 86400, "trust_list_fetched_s": 30}, [], "en") == \
        "trusted list fetched moments ago"
    assert explain.data_age_text({"trust_list_s": 60, "status_list_s": None},
                                 [{"code": "status.unavailable", "result": "unknown"}], "en") == \
        "trusted list issued moments ago; status list: none usable"
    assert explain.data_age_text({"status_list_s": None}, [{"code": "status.not_provided", "result": "pass"}],
                                 "en") == "-"
    assert explain.data_age_text(None, [], "da") == "-"
