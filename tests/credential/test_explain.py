"""The one explain layer (credential.explain): claims → labelled rows, layers → words, checks → explanations."""

from __future__ import annotations

from credential import explain
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
    assert en[("status_confirmation",)] == "posted employed (01)"
    assert da[("status_confirmation",)] == "udsendt lønmodtager (01)"
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
