"""`esspass verify`: every code family has a negative test, through the command line (issue #5, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credential.i18n import text
from credential.jose import SigningKey
from credential.types import sample_claims
from esspass.cli import app
from tests.verifier.helpers import NOW, STATUS_URI, issue, present, status_token
from verifier import presets

runner = CliRunner()
A1 = presets.get("a1-inspection").paths
COVER = presets.get("a1-coverage").paths
EHIC = presets.get("ehic-care").paths


@pytest.fixture()
def files(eco, tmp_path):
    return {"eco": eco, "dir": tmp_path, "status": tmp_path / "status.jwt"}


def run(files, presentation: str, *extra: str, status: str | None = "valid", lists=("pub-eaa",), at: int = NOW):
    eco, d = files["eco"], files["dir"]
    p = d / "presentation.txt"
    p.write_text(presentation)
    args = ["verify", str(p), "--anchor", str(eco.operator_cert_path), "--at", str(at)]
    for name in lists:
        args += ["--trust-list", str(eco.operator.home / "signed" / f"{name}.jwt")]
    if status == "valid":
        files["status"].write_text(status_token(eco))
    if status is not None:
        args += ["--status-list", f"{STATUS_URI}={files['status']}"]
    res = runner.invoke(app, [*args, *extra, "--json"])
    if res.exit_code == 2:
        return 2, None
    out = json.loads(res.stdout)
    return res.exit_code, out


def kb(*extra):
    return ["--nonce", "n-1", "--aud", "x509_hash:aud", *extra]


def codes(out, result=None):
    return [c["code"] for c in out["checks"] if result is None or c["result"] == result]


def test_passes_and_explains_every_check(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, A1), *kb("--preset", "a1-inspection"))
    assert code == 0, out
    assert set(out) == {"result", "checks", "credential_type", "issuer", "claims", "validity", "data_age"}
    assert out["result"] == "PASSED" and out["issuer"] == "Udbetaling Danmark"
    assert {"issuer.trusted", "sd.intact", "kb.valid", "status.valid", "request.claims", "coverage.in_force"} <= set(codes(out))
    assert all(c["message"]["en"] and c["message"]["da"] for c in out["checks"])
    assert out["claims"]["subject"]["familynames"] == "Kowalski"
    assert "personal_administrative_number" not in out["claims"]  # not asked, not disclosed
    assert out["validity"]["coverage"]["status"] == "in_force"
    assert out["data_age"]["trust_list_s"] >= 0 and out["data_age"]["status_list_s"] == 60


def test_human_report_in_danish(files):
    cred = issue(files["eco"])
    p = files["dir"] / "p.txt"
    p.write_text(present(cred, A1))
    files["status"].write_text(status_token(files["eco"], revoked={7: 1}))
    res = runner.invoke(app, ["verify", str(p), "--trust-list", str(files["eco"].pub_eaa_path), "--anchor",
                              str(files["eco"].operator_cert_path), "--status-list", f"{STATUS_URI}={files['status']}",
                              *kb(), "--at", str(NOW), "--lang", "da"], env={"COLUMNS": "400"})
    assert res.exit_code == 1
    assert "Ikke gyldig" in res.stdout and "status.invalid" in res.stdout
    head = res.stdout.split("╰")[0]  # under the headline: the decisive reason and the next step
    assert text("inspector.next.revoked", "da") in " ".join(head.replace("│", " ").split())



def test_human_report_says_how_old_the_data_was_in_words(files):
    """The age of the data used, as a person says it in their language: never raw seconds nor "None"."""
    cred = issue(files["eco"])
    p = files["dir"] / "p.txt"
    p.write_text(present(cred, A1))
    files["status"].write_text(status_token(files["eco"]))
    common = ["verify", str(p), "--trust-list", str(files["eco"].pub_eaa_path), "--anchor",
              str(files["eco"].operator_cert_path), *kb(), "--at", str(NOW)]
    wide = {"COLUMNS": "250"}  # one line per row, as a terminal that wide shows it
    res = runner.invoke(app, [*common, "--status-list", f"{STATUS_URI}={files['status']}", "--lang", "pl"], env=wide)
    assert res.exit_code == 0, res.stdout
    assert "lista statusów wydana" in res.stdout and "lista zaufanych podmiotów wydana" in res.stdout
    assert "None" not in res.stdout and " s;" not in res.stdout and "seconds" not in res.stdout
    # the document's name in words (its code after it), validity bounds as dates, not ISO timestamps
    from credential import explain

    assert f"{explain.type_name('urn:eudi:pda1:1', 'pl')} (urn:eudi:pda1:1)" in res.stdout
    assert "T09:00:00Z" not in res.stdout and "09:00 UTC" in res.stdout
    res = runner.invoke(app, [*common, "--lang", "en"], env=wide)  # no status list at hand: said so, in words
    assert "status list: none usable" in res.stdout and "None" not in res.stdout


# ---------------------------------------------------------------- sd.*

def test_sd_tampered_signature_fails(files):
    cred = issue(files["eco"])
    pres = present(cred, A1)
    jwt, rest = pres.split("~", 1)
    h, p, s = jwt.split(".")
    s = ("A" if s[0] != "A" else "B") + s[1:]
    code, out = run(files, f"{h}.{p}.{s}~{rest}", *kb())
    assert code == 1 and out["result"] == "FAILED" and codes(out, "fail") == ["sd.signature"]


def test_sd_unreferenced_disclosure_fails(files):
    cred = issue(files["eco"])
    other = issue(files["eco"])
    from credential import sd_jwt
    foreign = sd_jwt.present(other.sd_jwt, [("document_number",)]).split("~")[1]
    body = present(cred, A1, kb=False)
    code, out = run(files, body + foreign + "~", "--no-key-binding")
    assert code == 1 and codes(out, "fail") == ["sd.unreferenced_disclosure"]


# ---------------------------------------------------------------- kb.*

def test_kb_other_nonce_fails(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, A1, nonce="other"), *kb())
    assert code == 1 and codes(out, "fail") == ["kb.nonce"]


def test_kb_other_audience_fails(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, A1, aud="x509_hash:someone-else"), *kb())
    assert code == 1 and codes(out, "fail") == ["kb.aud"]


def test_kb_missing_when_required_fails(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, A1, kb=False), *kb())
    assert code == 1 and codes(out, "fail") == ["kb.missing"]


def test_paper_copy_without_key_binding_passes_with_id_check(files):
    cred = issue(files["eco"], holder=False)
    code, out = run(files, present(cred, A1, kb=False), "--no-key-binding", "--preset", "a1-inspection")
    assert code == 0 and out["result"] == "PASSED"
    check = next(c for c in out["checks"] if c["code"] == "kb.not_bound")
    assert "identity document" in check["message"]["en"] and "identitetsdokument" in check["message"]["da"]


# ---------------------------------------------------------------- vc.*

def test_vc_wrong_typ_fails(files):
    cred = issue(files["eco"], typ="vc+sd-jwt+x")
    code, out = run(files, present(cred, A1), *kb())
    assert code == 1 and codes(out, "fail") == ["vc.typ"]


# ---------------------------------------------------------------- issuer.*

def test_issuer_self_made_key_untrusted(files):
    from trust_list import certificates

    key = SigningKey.generate()
    cert = certificates.issue_certificate(certificates.name("Fake UDK", country="DK", organization="Udbetaling Danmark"), key,
                               issuer_key=key, issuer_cert=None, not_before=NOW - 86400, not_after=NOW + 86400)
    cred = issue(files["eco"], key=key, x5c=certificates.x5c_of([cert]))
    code, out = run(files, present(cred, A1), *kb())
    assert code == 1 and codes(out, "fail") == ["issuer.untrusted"] and out["issuer"] is None


def test_issuer_without_trust_list_is_indeterminate(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, A1), *kb(), lists=())
    assert code == 2  # bad usage: no list given at all
    code, out = run(files, present(cred, A1), *kb(), at=NOW + 200 * 86400)  # list past NextUpdate
    assert code == 3 and out["result"] == "INDETERMINATE" and codes(out, "unknown") == ["issuer.list_unavailable"]


# ---------------------------------------------------------------- status.*

def test_status_revoked_fails_and_suspended_fails(files):
    cred = issue(files["eco"])
    for value, code_ in ((1, "status.invalid"), (2, "status.suspended")):
        files["status"].write_text(status_token(files["eco"], revoked={7: value}))
        code, out = run(files, present(cred, A1), *kb(), status="given")
        assert code == 1 and codes(out, "fail") == [code_]


def test_status_unavailable_is_indeterminate_not_revoked(files):
    cred = issue(files["eco"], status_uri="http://127.0.0.1:9/nothing-listens-here")
    code, out = run(files, present(cred, A1), *kb(), status=None)
    assert code == 3 and out["result"] == "INDETERMINATE"
    assert codes(out, "unknown") == ["status.unavailable"]
    assert "NOT" in next(c for c in out["checks"] if c["code"] == "status.unavailable")["message"]["en"]
    assert "status.invalid" not in codes(out)


def test_status_expired_token_is_indeterminate(files):
    cred = issue(files["eco"])
    files["status"].write_text(status_token(files["eco"], iat=NOW - 7200, exp=NOW - 3600))
    code, out = run(files, present(cred, A1), *kb(), status="given")
    assert code == 3 and codes(out, "unknown") == ["status.token_expired"]


def test_status_signed_by_another_institution_is_not_trusted(files):
    cred = issue(files["eco"])
    files["status"].write_text(status_token(files["eco"], inst="kela"))
    code, out = run(files, present(cred, A1), *kb(), status="given")
    assert code == 3 and codes(out, "unknown") == ["status.signer_untrusted"]


# ---------------------------------------------------------------- validity.* and coverage.*

def test_validity_document_expired(files):
    claims = sample_claims("ehic")
    claims["date_of_expiry"] = "2026-10-01"
    claims["ending_date"] = "2026-10-01"
    cred = issue(files["eco"], "ehic", claims=claims)
    pres = present(cred, [*EHIC, ("date_of_issuance",), ("date_of_expiry",)])
    code, out = run(files, pres, *kb("--preset", "ehic-care"))
    assert code == 1 and "validity.document_expired" in codes(out, "fail")
    assert out["validity"]["document"]["status"] == "expired"


def test_coverage_ended_while_credential_valid(files):
    claims = sample_claims("pda1")
    claims["ending_date"] = "2026-10-31"
    cred = issue(files["eco"], claims=claims)
    code, out = run(files, present(cred, COVER), *kb("--preset", "a1-coverage"))
    assert code == 1 and codes(out, "fail") == ["coverage.ended"]
    assert out["validity"]["technical"]["status"] == "valid" and out["validity"]["coverage"]["status"] == "ended"


def test_coverage_not_started(files):
    claims = sample_claims("pda1")
    claims["starting_date"] = "2026-12-01"
    cred = issue(files["eco"], claims=claims)
    code, out = run(files, present(cred, COVER), *kb("--preset", "a1-coverage"))
    assert code == 1 and codes(out, "fail") == ["coverage.not_started"]


# ---------------------------------------------------------------- request.*

def test_request_wrong_type(files):
    cred = issue(files["eco"], "ehic")
    code, out = run(files, present(cred, EHIC), *kb("--preset", "a1-inspection"))
    assert code == 1 and codes(out, "fail") == ["request.type_mismatch"]


def test_request_claims_missing(files):
    cred = issue(files["eco"])
    code, out = run(files, present(cred, COVER), *kb("--preset", "a1-inspection"))
    assert code == 1 and codes(out, "fail") == ["request.claims_missing"]


# ---------------------------------------------------------------- usage

@pytest.mark.parametrize("extra", [[], ["--nonce", "n"], ["--no-key-binding", "--nonce", "n", "--aud", "a"],
                                   ["--no-key-binding", "--preset", "nope"], ["--no-key-binding", "--lang", "fr"]])
def test_bad_usage_exits_2(files, extra):
    cred = issue(files["eco"])
    code, _ = run(files, present(cred, A1), *extra)
    assert code == 2


def test_bundle_offline(files, tmp_path):
    from trust_list.model import LIST_TYPES
    from verifier.sources import Bundle

    eco = files["eco"]
    bundle = Bundle(NOW, {t: (tok, NOW - 100) for t, tok in eco.tokens().items()},
                    {STATUS_URI: (status_token(eco, revoked={7: 1}), NOW - 30)})
    path = bundle.save(tmp_path / "b")
    assert path.name == "bundle.json" and set(Bundle.load(tmp_path / "b").trust_lists) == set(LIST_TYPES)
    cred = issue(eco)
    p = tmp_path / "p.txt"
    p.write_text(present(cred, A1))
    res = runner.invoke(app, ["verify", str(p), "--bundle", str(tmp_path / "b"), "--anchor",
                              str(eco.operator_cert_path), *kb(), "--at", str(NOW), "--json"])
    out = json.loads(res.stdout)
    assert res.exit_code == 1 and codes(out, "fail") == ["status.invalid"]
    assert out["data_age"]["status_list_fetched_s"] == 30 and out["data_age"]["trust_list_fetched_s"] == 100


# ---------------------------------------------------------------- paper copies and device-bound credentials


def test_device_bound_credential_without_its_proof_is_not_a_paper_copy(files):
    """A wallet credential (it has ``cnf``) with its KB-JWT stripped fails even when key binding is not required,
    as the offline inspector decides: it is bound to a device and the device's proof is missing."""
    cred = issue(files["eco"])  # holder-bound: the payload has cnf
    code, out = run(files, present(cred, A1, kb=False), "--no-key-binding", "--preset", "a1-inspection")
    assert code == 1 and out["result"] == "FAILED"
    assert codes(out, "fail") == ["kb.missing"] and "kb.not_bound" not in codes(out)
    check = next(c for c in out["checks"] if c["code"] == "kb.missing")
    assert "bound to the holder's device" in check["message"]["en"] and "missing" in check["message"]["en"]
    assert "bundet til indehaverens enhed" in check["message"]["da"] and "mangler" in check["message"]["da"]
    # with its proof it is fine under the same policy, and a real paper copy (no cnf) still passes
    code, out = run(files, present(cred, A1), "--no-key-binding", "--preset", "a1-inspection")
    assert code == 0 and "kb.present" in codes(out)
    paper = issue(files["eco"], holder=False)
    code, out = run(files, present(paper, A1, kb=False), "--no-key-binding", "--preset", "a1-inspection")
    assert code == 0 and "kb.not_bound" in codes(out, "pass")


def _report_text(files, presentation: str, *extra: str) -> tuple[int, str]:
    eco, p = files["eco"], files["dir"] / "report.txt"
    p.write_text(presentation)
    files["status"].write_text(status_token(eco))
    res = runner.invoke(app, ["verify", str(p), "--trust-list", str(eco.pub_eaa_path), "--anchor",
                              str(eco.operator_cert_path), "--status-list", f"{STATUS_URI}={files['status']}",
                              "--at", str(NOW), *extra], env={"COLUMNS": "400"})
    return res.exit_code, " ".join(res.stdout.split())


def test_paper_copy_report_headline_names_the_identity_document_check(files):
    paper = present(issue(files["eco"], holder=False), A1, kb=False)
    code, en = _report_text(files, paper, "--no-key-binding", "--preset", "a1-inspection")
    assert code == 0
    headline = en.split("╰")[0]  # the panel at the top
    assert "Every check passed." not in headline
    assert "identity document" in headline and "before you accept it" in headline
    code, da = _report_text(files, paper, "--no-key-binding", "--preset", "a1-inspection", "--lang", "da")
    headline = da.split("╰")[0]
    assert code == 0 and "Alle kontroller bestod." not in headline and "identitetsdokument" in headline
    # a presentation with key binding keeps the plain headline
    code, en = _report_text(files, present(issue(files["eco"]), A1), *kb("--preset", "a1-inspection"))
    assert code == 0 and "Every check passed." in en.split("╰")[0]


def test_danish_report_translates_the_table_headers(files):
    code, da = _report_text(files, present(issue(files["eco"]), A1), *kb("--preset", "a1-inspection"), "--lang", "da")
    assert code == 0
    for english in ("┃ from ┃", "┃ until ┃", "┃ claim ┃", "┃ value ┃", "┃ code ┃"):
        assert english not in da
    assert "┃ status ┃ fra ┃ til ┃" in da and "┃ oplysning ┃ værdi ┃" in da and "┃ resultat ┃ kode ┃" in da
    assert "gyldig" in da and "gælder" in da  # the layers' status words too
