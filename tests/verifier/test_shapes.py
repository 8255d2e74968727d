"""The verifier reads A1/EHIC credentials of the EUDI reference issuer's and DC4EU's shapes (issue 16, items 2-3):
through the policy (service and inspector), the `esspass verify` command and the offline inspector's path."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from credential import dcql
from credential.types import sample_claims
from esspass.cli import app
from tests.foreign_shapes import foreign
from tests.verifier.helpers import NOW, STATUS_URI, issue, present, status_token
from verifier import policy, presets

PLAIN = {"issuing_country", "authentic_source", "attestation_legal_category"}


def _issue(eco, name: str, inst: str):
    vct, claims = foreign(name)
    sd = [(k,) for k in claims if k not in PLAIN]  # every other top-level claim one Disclosure
    return issue(eco, "pda1" if "pda1" in name else "ehic", inst=inst, vct=vct, claims=claims, sd_paths=sd)


def _decide(eco, store, presentation: str, preset: str, inst: str) -> policy.Decision:
    token = status_token(eco, inst=inst)
    ctx = policy.VerificationContext(trust=store, now=NOW, status=lambda uri, now: policy.FetchedStatus(token, NOW - 30),
                                     preset=preset, nonce="n-1", aud="x509_hash:aud")
    return policy.verify_presentation(presentation, ctx)


def _foreign_presentation(eco, name, inst, preset):
    cred = _issue(eco, name, inst)
    _vct, claims = foreign(name)
    paths = dcql.selected_paths(presets.get(preset).credential_query, claims)
    assert paths, name
    return present(cred, paths)


def test_eudi_a1_is_read_after_trust_and_passes(eco, store):
    vp = _foreign_presentation(eco, "eudi-pda1", "kela", "a1-inspection")
    decision = _decide(eco, store, vp, "a1-inspection", "kela")
    out = decision.as_json()
    assert out["result"] == "PASSED", [c for c in out["checks"] if c["result"] != "pass"]
    assert out["credential_type"] == "urn:eudi:pda1:1" and out["issuer"] == "Kela"
    assert out["shape"]["shape"] == "eudi" and out["shape"]["source_vct"] == "urn:eu.europa.ec.eudi:pda1:1"
    # the employer's address has no place in our model: shown as received (competent_institution was not asked for)
    assert {u["path"] for u in out["shape"]["unmapped"]} == {"employment_details.0.street",
                                                              "employment_details.0.town",
                                                              "employment_details.0.postal_code"}
    assert out["claims"]["subject"]["familynames"] == "Nowak" and out["claims"]["legislation_country"] == "PL"
    assert out["validity"]["coverage"]["status"] == "in_force"
    codes = {c["code"]: c for c in out["checks"]}
    assert "claims.shape" in codes and "EUDI" in codes["claims.shape"]["message"]["en"]
    assert codes["claims.unmapped"]["message"]["da"]
    # complete: its holder and document id were disclosed, so nothing to check instead
    assert "request.identity_unavailable" not in codes and "request.document_number_unavailable" not in codes


def test_the_mapping_never_applies_to_an_issuer_not_trusted_for_that_vct(eco, store):
    vp = _foreign_presentation(eco, "eudi-pda1", "udk", "a1-inspection")  # UDK is listed for our vct only
    decision = _decide(eco, store, vp, "a1-inspection", "udk")
    assert decision.result == "FAILED" and decision.failed_with(_reason("issuer.type_not_allowed"))
    assert decision.shape is None and decision.claims == {}
    assert "claims.shape" not in decision.codes


def _reason(code):
    from credential.reasons import lookup

    return lookup(code)


def test_dc4eu_ehic_answers_ehic_care_without_subject_and_says_what_to_check(eco, store):
    vp = _foreign_presentation(eco, "dc4eu-ehic", "udk", "ehic-care")
    decision = _decide(eco, store, vp, "ehic-care", "udk")
    out = decision.as_json()
    assert out["result"] == "PASSED", [c for c in out["checks"] if c["result"] != "pass"]
    assert out["shape"]["shape"] == "dc4eu" and out["claims"]["issuing_authority"]["country"] == "AT"
    gap = next(c for c in out["checks"] if c["code"] == "request.identity_unavailable")
    assert gap["result"] == "pass" and "identity document" in gap["message"]["en"]
    assert "identitetsdokument" in gap["message"]["da"]
    assert "request.document_number_unavailable" not in decision.codes


def test_dc4eu_a1_answers_a1_inspection(eco, store):
    vp = _foreign_presentation(eco, "dc4eu-pda1", "udk", "a1-inspection")
    out = _decide(eco, store, vp, "a1-inspection", "udk").as_json()
    assert out["result"] == "PASSED", [c for c in out["checks"] if c["result"] != "pass"]
    assert out["claims"]["work_information"]["work_address"][0]["house_number"] == "21"
    assert "request.identity_unavailable" in [c["code"] for c in out["checks"]]


def test_our_credential_answering_with_a_lesser_claim_set_is_reported(eco, store):
    cred = issue(eco, "ehic")
    cq = presets.get("ehic-care").credential_query
    lesser = dcql.selected_paths(cq, {k: v for k, v in sample_claims("ehic").items()
                                      if k not in ("subject", "document_number")})
    out = _decide(eco, store, present(cred, lesser), "ehic-care", "udk").as_json()
    assert out["result"] == "PASSED" and "shape" not in out
    codes = [c["code"] for c in out["checks"]]
    assert "request.identity_unavailable" in codes and "request.document_number_unavailable" in codes
    # the complete answer has neither
    full = _decide(eco, store, present(cred, presets.get("ehic-care").paths), "ehic-care", "udk").as_json()
    assert not {"request.identity_unavailable", "request.document_number_unavailable"} & {c["code"] for c in full["checks"]}
    # missing a claim that no set can do without still fails
    no_end = [p for p in lesser if p != ("ending_date",)]
    failed = _decide(eco, store, present(cred, no_end), "ehic-care", "udk")
    assert failed.result == "FAILED" and "request.claims_missing" in failed.codes


def test_esspass_verify_command_reads_the_eudi_ehic(eco, tmp_path):
    vp = _foreign_presentation(eco, "eudi-ehic", "kela", "ehic-care")
    p = tmp_path / "presentation.txt"
    p.write_text(vp)
    status = tmp_path / "status.jwt"
    status.write_text(status_token(eco, inst="kela"))
    res = CliRunner().invoke(app, [
        "verify", str(p), "--anchor", str(eco.operator_cert_path), "--at", str(NOW),
        "--trust-list", str(eco.operator.home / "signed" / "pub-eaa.jwt"),
        "--status-list", f"{STATUS_URI}={status}", "--nonce", "n-1", "--aud", "x509_hash:aud",
        "--preset", "ehic-care", "--json"])
    assert res.exit_code == 0, res.stdout
    out = json.loads(res.stdout)
    assert out["result"] == "PASSED" and out["shape"]["shape"] == "eudi"
    assert out["claims"]["document_number"] == "80246000011223344556"
    assert out["claims"]["subject"] == {"familynames": "Virtanen", "forenames": "Aino", "date_of_birth": "1985-11-30"}


def test_unmapped_claims_are_shown_as_received_in_the_human_report(eco, tmp_path):
    vp = _foreign_presentation(eco, "eudi-pda1", "kela", "a1-inspection")
    p = tmp_path / "presentation.txt"
    p.write_text(vp)
    status = tmp_path / "status.jwt"
    status.write_text(status_token(eco, inst="kela"))
    res = CliRunner().invoke(app, [
        "verify", str(p), "--anchor", str(eco.operator_cert_path), "--at", str(NOW),
        "--trust-list", str(eco.operator.home / "signed" / "pub-eaa.jwt"),
        "--status-list", f"{STATUS_URI}={status}", "--nonce", "n-1", "--aud", "x509_hash:aud",
        "--preset", "a1-inspection", "--lang", "da"], terminal_width=200)
    assert res.exit_code == 0, res.stdout
    # (the label column may wrap now that code values carry their legal basis in words, issue 15)
    assert "employment_details.0.street (ikke" in res.stdout and "ikke læst" in res.stdout and "Portowa 3" in res.stdout
