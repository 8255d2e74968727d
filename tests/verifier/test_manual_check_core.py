"""verifier.manual_check without the app: the typed number and the issuer's reply are parsed with bounds (hypothesis),
and the verdict comes only from a Status List Token signed by a trusted status signer — a list signed by anyone
else, for another URI, or expired is "could not check", never valid; a revoked index is revoked; the issuer's newer
"revoked" wins over an older signed "valid". Real tokens of the demo ecosystem."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from credential import status_list
from credential.jose import SigningKey
from credential.verification import FetchedStatus
from trust_list import check_status_signer
from trust_list.demo import build_demo_ecosystem
from verifier.manual_check import (MAX_NUMBER, LookupAnswer, ManualInputError, clean_number, decide,
                                   parse_answer)
from verifier.ui import demo

from .helpers import NOW

URI = demo.STATUS_URI


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_clean_number_accepts_only_bounded_document_numbers(typed):
    try:
        number = clean_number(typed)
    except ManualInputError as exc:
        assert exc.code in ("empty", "too_long", "characters")
        return
    assert 0 < len(number) <= MAX_NUMBER and number == number.strip()
    assert all(c.isascii() and (c.isalnum() or c in "./_ -") for c in number)


def test_clean_number_codes():
    assert clean_number("  A1-DK  000007 ") == "A1-DK 000007"
    for typed, code in (("", "empty"), (" \t ", "empty"), ("9" * 101, "too_long"), ("A1;DROP", "characters"),
                        ("-A1", "characters"), ("A1\u202e", "characters")):
        with pytest.raises(ManualInputError) as exc:
            clean_number(typed)
        assert exc.value.code == code


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=20)


@given(_json)
@settings(max_examples=300, deadline=None)
def test_parse_answer_never_raises_anything_but_bad_answer(data):
    try:
        answer = parse_answer(data)
    except ManualInputError as exc:
        assert exc.code == "bad_answer"
        return
    assert answer.status in ("VALID", "SUSPENDED", "INVALID")


def test_parse_answer_shapes():
    ok = parse_answer({"status": "VALID", "references": [{"uri": URI, "idx": 7}], "document_number": "X"})
    assert ok == LookupAnswer("VALID", ((URI, 7),))
    for bad in ({"status": "valid", "references": []}, {"status": "VALID"},
                {"status": "VALID", "references": [{"uri": "ftp://x", "idx": 1}]},
                {"status": "VALID", "references": [{"uri": URI, "idx": -1}]},
                {"status": "VALID", "references": [{"uri": URI, "idx": True}]},
                {"status": "VALID", "references": [{"uri": URI, "idx": 1}] * 65}):
        with pytest.raises(ManualInputError):
            parse_answer(bad)


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("manual-core") / "ecosystem", NOW)


def _decide(eco, token: str | None, answer: LookupAnswer):
    from trust_list import LIST_TYPES, TrustStore

    store = TrustStore(anchors={t: [eco.operator_cert] for t in LIST_TYPES})
    for list_type, tok in eco.tokens().items():
        store.update(list_type, tok, NOW)

    def source(uri, now):
        return FetchedStatus(token, NOW - 30) if token is not None and uri == URI else None

    return decide(answer, source, lambda h, at: check_status_signer(store, dict(h), None, at, NOW).signing_key,
                  NOW)


def test_the_verdict_is_the_signed_lists(eco):
    good = demo.status_token(eco, now=NOW, revoked={8: 1, 9: 2})
    valid = _decide(eco, good, LookupAnswer("VALID", ((URI, 7),)))
    assert valid.result == "PASSED" and valid.codes == ["status.valid", "manual.holder_not_checked"]
    assert [c.result for c in valid.checks] == ["pass", "unknown"]  # even valid: nothing proves the holder
    assert _decide(eco, good, LookupAnswer("VALID", ((URI, 8),))).failed()[0].code == "status.invalid"
    assert _decide(eco, good, LookupAnswer("VALID", ((URI, 9),))).failed()[0].code == "status.suspended"
    newer = _decide(eco, good, LookupAnswer("INVALID", ((URI, 7),)))  # withdrawn after this list was signed
    assert newer.result == "FAILED" and newer.failed()[0].code == "status.invalid"


def test_an_untrusted_foreign_or_expired_list_is_never_valid(eco):
    forged = status_list.create_status_list_token(status_list.StatusList.new(1024, 2), sub=URI, iat=NOW - 60,
                                                  exp=NOW + 3600, ttl=None, key=SigningKey.generate())
    other_uri = demo.status_token(eco, now=NOW, uri="https://elsewhere.example/status/1")
    expired = demo.status_token(eco, now=NOW, iat=NOW - 7200, exp=NOW - 60)
    for token in (forged, other_uri, expired, None, "not a token"):
        d = _decide(eco, token, LookupAnswer("VALID", ((URI, 7),)))
        assert d.result == "INDETERMINATE", (token, d.codes)
        assert "status.valid" not in d.codes
    # no reference at all: could not check
    assert _decide(eco, None, LookupAnswer("VALID", ())).result == "INDETERMINATE"
