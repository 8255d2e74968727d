"""The evidence each check decided with (issue 10, item 3): the trusted list's sequence number, issue date and next
update on the trust check, the Status List Token's iat/exp and fetch time on the status check; in the core's report,
in the verifier's JSON (additional fields only) and in the explain layer's words, in every language."""

from __future__ import annotations

import datetime as dt

from credential import explain
from credential.i18n import LANGS, text
from credential.report import Stage
from tests.verifier.helpers import NOW, STATUS_URI, ecosystem, issue, present, status_token
from trust_list.model import PUB_EAA
from verifier import presets
from verifier.caches import VerifierCache
from verifier.policy import Decision, FetchedStatus, VerificationContext, verify_presentation

A1 = presets.get("a1-inspection").paths


def _ctx(store, *, now=NOW, token=None, cache=None):
    tokens = {STATUS_URI: FetchedStatus(token, now - 5)} if token else {}
    return VerificationContext(store, now, status=lambda uri, n: tokens.get(uri), preset="a1-inspection",
                               nonce="n-1", aud="x509_hash:aud", cache=cache)


def _check(decision, code):
    return next(c for c in decision.as_json()["checks"] if c["code"] == code)


def test_the_trust_check_names_the_list_that_decided_and_a_new_list_changes_it(tmp_path):
    eco = ecosystem(tmp_path / "eco")  # own ecosystem: this test re-signs its Pub-EAA list
    store = eco.trust_store(NOW)
    listed = store.lists[PUB_EAA]
    pres = present(issue(eco, status_uri=None), A1)
    for cache in (None, VerifierCache.new()):  # the cached trust result carries the same evidence
        d = verify_presentation(pres, _ctx(store, cache=cache))
        assert d.result == "PASSED"
        evidence = _check(d, "issuer.trusted")["evidence"]
        assert evidence == {"trust_list_sequence_number": listed.sequence_number,
                            "trust_list_issued": listed.lote.issue_time,
                            "trust_list_next_update": listed.lote.next_update}
        core = next(c for c in d.report.checks if c.stage is Stage.TRUST)
        assert core.evidence["trust_list_sequence_number"] == listed.sequence_number
    before = listed.sequence_number
    eco.operator.sign(PUB_EAA, NOW + 100, NOW + 60 * 86400)  # the operator issues the next list
    store.update(PUB_EAA, eco.list_paths[PUB_EAA].read_text("ascii").strip(), NOW + 110)
    d = verify_presentation(pres, _ctx(store, now=NOW + 120, cache=None))
    evidence = _check(d, "issuer.trusted")["evidence"]
    assert store.lists[PUB_EAA].sequence_number == before + 1
    assert evidence["trust_list_sequence_number"] == before + 1
    assert evidence["trust_list_issued"] == store.lists[PUB_EAA].lote.issue_time
    assert evidence["trust_list_next_update"] == NOW + 60 * 86400


def test_the_status_check_carries_the_tokens_times_but_not_the_index(tmp_path):
    eco = ecosystem(tmp_path / "eco")
    token = status_token(eco)
    d = verify_presentation(present(issue(eco), A1), _ctx(eco.trust_store(NOW), token=token))
    assert d.result == "PASSED"
    status = _check(d, "status.valid")
    from credential import jose
    iat = jose.parse_compact(token).payload()["iat"]
    assert status["evidence"]["status_list_iat"] == iat and status["evidence"]["status_list_fetched_at"] == NOW - 5
    assert status["evidence"]["age_s"] == NOW - iat == d.data_age["status_list_s"]
    assert "idx" not in status["evidence"] and "uri" not in status["evidence"]
    # the checks without such evidence keep exactly their former JSON shape
    assert set(_check(d, "sd.intact")) == {"code", "result", "message"}
    # a decision kept in a shared store keeps the evidence
    again = Decision.from_json(d.as_json()).as_json()
    assert again["checks"] == d.as_json()["checks"]


def test_the_explain_layer_says_the_evidence_in_every_language():
    evidence = {"trust_list_sequence_number": 42, "trust_list_issued": NOW, "trust_list_next_update": NOW + 86400}
    day = dt.datetime.fromtimestamp(NOW, dt.timezone.utc)
    for lang in LANGS:
        words = explain.evidence_text(evidence, lang)
        assert "42" in words and "10:00 UTC" in words and words != text("evidence.status_list", lang)
        assert day.strftime("%Y") in words
        status = explain.evidence_text({"status_list_iat": NOW, "status_list_fetched_at": NOW + 60}, lang)
        assert "10:00 UTC" in status and "10:01 UTC" in status
    assert explain.evidence_text(None, "en") == explain.evidence_text({"age_s": 3}, "en") == ""
    line = explain.check_lines([{"code": "issuer.trusted", "result": "pass", "message": {"en": "x"},
                                 "evidence": evidence}], "da")[0]
    assert line.evidence.startswith("Tillidsliste nr. 42")
    assert explain.check_lines([{"code": "sd.intact", "result": "pass", "message": {"en": "x"}}], "en")[0].evidence == ""


def test_the_inspector_app_shows_the_list_that_decided(tmp_path):
    from verifier.ui.controller import decision_view

    eco = ecosystem(tmp_path / "eco")
    store = eco.trust_store(NOW)
    d = verify_presentation(present(issue(eco, status_uri=None), A1), _ctx(store))
    row = next(c for c in decision_view(d, "sv").checks if c.code == "issuer.trusted")
    assert row.evidence.startswith(f"Förtroendelista nr {store.lists[PUB_EAA].sequence_number},")
    assert all(c.evidence == "" for c in decision_view(d, "sv").checks if c.code != "issuer.trusted")
