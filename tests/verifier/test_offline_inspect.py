"""``esspass inspect request|verify`` end to end (issue #7): the inspector's request QR is answered by a wallet
response made here with the real building blocks, and decided offline against a bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qrimage
from credential import jose, qr_transport
from trust_list.demo import build_demo_ecosystem
from verifier.inspect_cli import app
from verifier.offline import SESSION_FILE, InspectorSession, OfflineVerifier, choose_relying_party
from verifier.sources import Bundle
from verifier.ui import demo

from .helpers import NOW

DAY = 86400
runner = CliRunner()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("ESSPASS_HOME", str(home))
    eco = build_demo_ecosystem(home / "ecosystem", NOW)
    return {"tmp": tmp_path, "home": home, "eco": eco}


def _run(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def _request(env, preset="a1-inspection", session="session", bundle: Path | None = None, at=NOW):
    out = env["tmp"] / f"request-{session}.png"
    args = ["request", "--preset", preset, "--out", out, "--session", env["tmp"] / session, "--at", at]
    if bundle is not None:
        args += ["--bundle", bundle]
    r = _run(*args)
    assert r.exit_code == 0, r.output
    return out, env["tmp"] / session, json.loads(r.stdout)


def _response_png(env, request_png: Path, cred, preset="a1-inspection", name="response.png", at=NOW) -> Path:
    request_text = qrimage.decode_qr_image(request_png)  # what the wallet scans
    vp1 = demo.respond(cred, request_text, now=at, preset=preset)
    out = env["tmp"] / name
    qrimage.encode_qr_png(vp1, out)
    return out


def _verify(png: Path, *extra):
    r = _run("verify", png, "--json", *extra)
    decision = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
    return r.exit_code, decision, r


def test_request_writes_signed_request_and_session(env):
    png, session_dir, info = _request(env)
    text = qrimage.decode_qr_image(png)
    assert text.startswith("RQ1:")
    jws = qr_transport.decode_request(text)
    claims = jose.parse_compact(jws).payload()
    s = InspectorSession.load(session_dir)
    assert (session_dir / SESSION_FILE).is_file()
    assert claims["nonce"] == s.nonce and len(s.nonce) == 22
    assert claims["client_id"] == s.client_id == env["eco"].relying_parties["arbejdstilsynet"].client_id
    assert claims["response_mode"] == "esspass_qr" and claims["exp"] == NOW + 300
    assert info["relying_party"] == "arbejdstilsynet" and s.preset == "a1-inspection"
    assert not s.used and s.expires_at > NOW + 300
    # a1-coverage is registered only for the generic verifier relying party
    _, d2, info2 = _request(env, "a1-coverage", session="s2")
    assert info2["relying_party"] == "verifier"
    # a second request in the same directory gets a fresh nonce
    _request(env, session="session")
    assert InspectorSession.load(session_dir).nonce != s.nonce


def test_response_passes_then_session_is_used(env):
    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW - 3600, out=bundle)
    req, session_dir, _ = _request(env, bundle=bundle)
    cred = demo.issue(env["eco"], "pda1", now=NOW)
    resp = _response_png(env, req, cred, at=NOW + 20)
    code, d, r = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW + 25)
    assert code == 0 and d["result"] == "PASSED", r.output
    assert set(d) == {"result", "checks", "credential_type", "issuer", "claims", "validity", "data_age"}
    assert {"kb.valid", "status.valid", "issuer.trusted", "request.claims"} <= {c["code"] for c in d["checks"]}
    assert d["claims"]["subject"]["familynames"] == "Kowalski"
    assert d["data_age"]["trust_list_fetched_s"] == 3600 + 25 and d["data_age"]["status_list_s"] is not None
    # the inspection log keeps no personal data
    log = (session_dir / "inspections.jsonl").read_text("utf-8")
    assert "PASSED" in log and "Kowalski" not in log and "048213" not in log
    assert InspectorSession.load(session_dir).nonce not in log
    # single use: the same answer again is refused
    code, d, _ = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW + 30)
    assert code == 1 and d["result"] == "FAILED" and [c["code"] for c in d["checks"]] == ["inspect.session_used"]


def test_same_json_as_esspass_verify(env):
    from esspass.cli import app as esspass_app

    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW - 60, out=bundle)
    req, session_dir, _ = _request(env, "ehic-care", bundle=bundle)
    s = InspectorSession.load(session_dir)
    cred = demo.issue(env["eco"], "ehic", now=NOW)
    resp = _response_png(env, req, cred, preset="ehic-care")
    text = qr_transport.decode_response(qrimage.decode_qr_image(resp), nonce=s.nonce, client_id=s.client_id)
    (env["tmp"] / "vp.txt").write_text(text)
    code, mine, _ = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    theirs = runner.invoke(esspass_app, ["verify", str(env["tmp"] / "vp.txt"), "--bundle", str(bundle),
                                         "--anchor", str(env["eco"].operator_cert_path), "--nonce", s.nonce,
                                         "--aud", s.client_id, "--preset", "ehic-care", "--at", str(NOW), "--json"])
    assert code == theirs.exit_code == 0
    assert mine == json.loads(theirs.stdout)


def test_stale_bundle_is_indeterminate_with_age(env):
    bundle = env["tmp"] / "stale.json"
    # synced three days ago; the status token (exp = iat + 1 day) has expired since
    demo.bundle(env["eco"], now=NOW - 3 * DAY, out=bundle)
    req, session_dir, _ = _request(env, bundle=bundle)
    resp = _response_png(env, req, demo.issue(env["eco"], "pda1", now=NOW))
    code, d, r = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    assert code == 3 and d["result"] == "INDETERMINATE", r.output
    unknown = [c["code"] for c in d["checks"] if c["result"] == "unknown"]
    assert unknown == ["status.token_expired"]
    assert not [c for c in d["checks"] if c["result"] == "fail"]  # "could not check" is never "revoked"
    assert d["data_age"]["trust_list_fetched_s"] == 3 * DAY
    assert d["data_age"]["status_list_s"] >= 3 * DAY  # the age of the status data at hand is shown


def test_revoked_in_bundle_fails(env):
    bundle = env["tmp"] / "revoked.json"
    cred = demo.issue(env["eco"], "pda1", now=NOW, idx=42)
    demo.bundle(env["eco"], now=NOW - 600, revoked={42: 1}, out=bundle)
    req, session_dir, _ = _request(env, bundle=bundle)
    resp = _response_png(env, req, cred)
    code, d, r = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    assert code == 1 and d["result"] == "FAILED", r.output
    assert [c["code"] for c in d["checks"] if c["result"] == "fail"] == ["status.invalid"]


def test_replayed_response_for_an_older_request_fails(env):
    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW, out=bundle)
    old_req, session_dir, _ = _request(env, bundle=bundle)
    old_resp = _response_png(env, old_req, demo.issue(env["eco"], "pda1", now=NOW))
    _request(env, bundle=bundle, at=NOW + 60)  # a new check in the same session directory: new nonce
    code, d, r = _verify(old_resp, "--session", session_dir, "--bundle", bundle, "--at", NOW + 70)
    # another session's answer is not an answer to this check (issue 17): exit 2, no verdict, nothing logged
    assert code == 2 and d["error"] == "inspect.not_an_answer" and d["cause"] in ("kb.nonce", "kb.aud"), r.output
    assert not InspectorSession.load(session_dir).used  # the new request can still be answered
    assert not (session_dir / "inspections.jsonl").exists()


def test_replay_with_self_contained_response_and_expired_session(env):
    """A response encoded without context (self-contained) for another nonce: not an answer to this check."""
    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW, out=bundle)
    req, session_dir, _ = _request(env, bundle=bundle)
    cred = demo.issue(env["eco"], "pda1", now=NOW)
    s = InspectorSession.load(session_dir)
    vp = demo.present(cred, "a1-inspection", nonce="AAAAAAAAAAAAAAAAAAAAAA", client_id=s.client_id, now=NOW)
    png = env["tmp"] / "other.png"
    qrimage.encode_qr_png(qr_transport.encode_response(vp), png)
    code, d, _ = _verify(png, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    assert code == 2 and (d["error"], d["cause"]) == ("inspect.not_an_answer", "kb.nonce")
    assert not InspectorSession.load(session_dir).used
    # an answer after the session's expiry
    req, session_dir, _ = _request(env, session="late", bundle=bundle)
    resp = _response_png(env, req, cred, name="late.png")
    code, d, _ = _verify(resp, "--session", session_dir, "--bundle", bundle, "--at", NOW + 3600)
    assert code == 1 and [c["code"] for c in d["checks"]] == ["inspect.session_expired"]


def test_paper_copy_needs_identity_document(env):
    bundle = env["tmp"] / "bundle.json"
    paper = demo.issue(env["eco"], "ehic", now=NOW, holder=False, idx=9)
    demo.bundle(env["eco"], now=NOW, out=bundle)
    png = env["tmp"] / "paper.png"
    qrimage.encode_qr_png(demo.paper_copy(paper), png)
    code, d, r = _verify(png, "--bundle", bundle, "--preset", "ehic-care", "--at", NOW)
    assert code == 0 and d["result"] == "PASSED", r.output
    bound = [c for c in d["checks"] if c["code"] == "kb.not_bound"]
    assert bound and "identity document" in bound[0]["message"]["en"]
    # also with an open session (the holder shows paper instead of a phone); the session stays unused
    req, session_dir, _ = _request(env, "ehic-care", bundle=bundle)
    code, d, _ = _verify(png, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    assert code == 0 and "kb.not_bound" in [c["code"] for c in d["checks"]]
    assert not InspectorSession.load(session_dir).used


def test_device_bound_credential_without_proof_is_not_a_paper_copy(env):
    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW, out=bundle)
    cred = demo.issue(env["eco"], "pda1", now=NOW)  # has cnf
    png = env["tmp"] / "stripped.png"
    qrimage.encode_qr_png(qr_transport.encode_response(cred.sd_jwt), png)
    req, session_dir, _ = _request(env, bundle=bundle)
    code, d, _ = _verify(png, "--session", session_dir, "--bundle", bundle, "--at", NOW)
    assert code == 1 and "kb.not_bound" not in [c["code"] for c in d["checks"]]
    assert [c["code"] for c in d["checks"] if c["result"] == "fail"][0].startswith("kb.")
    # and without a session a key-bound answer cannot be tied to any request
    resp = _response_png(env, req, cred, name="r.png")
    code, d, _ = _verify(resp, "--bundle", bundle, "--at", NOW)
    assert code == 2 and (d["error"], d["cause"]) == ("inspect.not_a_paper_copy", "qr.context")


def test_usage_errors_exit_2(env, tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    req, session_dir, _ = _request(env)
    r = _run("verify", blank, "--session", session_dir, "--json")
    assert r.exit_code == 2 and "qr.unreadable" in r.output
    assert not InspectorSession.load(session_dir).used
    assert _run("verify", req, "--session", tmp_path / "nothing", "--json").exit_code == 2
    assert _run("request", "--preset", "nope", "--out", tmp_path / "x.png", "--session", tmp_path / "s").exit_code == 2
    r = _run("request", "--preset", "a1-coverage", "--out", tmp_path / "x.png", "--session", tmp_path / "s",
             "--relying-party", "arbejdstilsynet")
    assert r.exit_code == 2
    # a request QR scanned where an answer is expected
    code, d, _ = _verify(req, "--session", session_dir, "--at", NOW)
    assert code == 2 and (d["error"], d["cause"]) == ("inspect.not_an_answer", "qr.kind")


@pytest.mark.parametrize("name, text", [
    ("offer", "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fudk.esspass.example%2Foffer%2F1"),
    ("request", None),  # the session's own request QR
    ("url", "https://www.esspass.example/"),
    ("garbage", "HELLO WORLD 1234"),
    ("damaged answer", "VP1:" + "A" * 40),
    ("other session", "other"),
])
def test_a_wrong_kind_of_qr_is_not_a_verdict(env, name, text):
    """Issue 17 item 2, the field failure: a credential-offer QR scanned where the worker's answer was expected gave a
    big red "Not valid" and a FAILED log entry. Now: exit 2, "not an answer to this check", nothing logged, and the
    session still takes the right answer afterwards."""
    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW, out=bundle)
    cred = demo.issue(env["eco"], "pda1", now=NOW)
    req, session_dir, _ = _request(env, bundle=bundle)
    png = env["tmp"] / "wrong.png"
    if text is None:
        png = req
    elif text == "other":
        other_req, _, _ = _request(env, session="other", bundle=bundle)
        png = _response_png(env, other_req, cred, name="wrong.png")
    else:
        qrimage.encode_qr_png(text, png)
    r = _run("verify", png, "--session", session_dir, "--bundle", bundle, "--at", NOW, "--json")
    assert r.exit_code == 2, (name, r.output)
    assert json.loads(r.stdout)["error"] == "inspect.not_an_answer"
    assert "scan the answer QR on the worker's phone" in r.stderr
    assert not (session_dir / "inspections.jsonl").exists() and not InspectorSession.load(session_dir).used
    r = _run("verify", png, "--session", session_dir, "--bundle", bundle, "--at", NOW, "--lang", "da")
    assert r.exit_code == 2 and "svar-QR-koden på arbejdstagerens telefon" in r.stderr
    # the right answer is still accepted
    code, d, _ = _verify(_response_png(env, req, cred, name="right.png"), "--session", session_dir, "--bundle",
                         bundle, "--at", NOW)
    assert code == 0 and d["result"] == "PASSED"
    assert [e["result"] for e in map(json.loads, (session_dir / "inspections.jsonl").read_text().splitlines())] \
        == ["PASSED"]


def test_session_api_for_a_combined_wallet_test(env, tmp_path):
    """The pieces another test drives directly: request_png() and verify_response_png()."""
    eco = env["eco"]
    s = InspectorSession.create(tmp_path / "s", "a1-coverage", choose_relying_party(eco, "a1-coverage"), now=NOW)
    req = tmp_path / "req.png"
    info = s.request_png(req)
    assert info.version <= 40
    resp = _response_png(env, req, demo.issue(eco, "pda1", now=NOW), preset="a1-coverage")
    b = demo.bundle(eco, now=NOW)
    verifier = OfflineVerifier.from_bundle(Bundle(b.created_at, b.trust_lists, b.status_lists),
                                           [eco.operator_cert], NOW)
    d = s.verify_response_png(resp, verifier, now=NOW)
    assert d.result == "PASSED" and s.used
    assert "subject" not in d.claims  # a1-coverage asks for no identity claims


def test_dc4eu_ehic_is_read_offline_and_the_inspector_is_told_what_to_check(env):
    """Issue 16: the offline path reads another issuer's shape too (here DC4EU's EHIC: no subject) and says what the
    inspector must check instead of the holder's name."""
    from credential import dcql, sd_jwt, sd_jwt_vc
    from credential.jose import SigningKey
    from tests.foreign_shapes import foreign
    from verifier import presets

    bundle = env["tmp"] / "bundle.json"
    demo.bundle(env["eco"], now=NOW - 3600, out=bundle)
    req, session_dir, _ = _request(env, "ehic-care", bundle=bundle)
    vct, claims = foreign("dc4eu-ehic")
    institution, holder = env["eco"].institutions["udk"], SigningKey.generate()
    issued = sd_jwt_vc.issue_vc(
        claims, institution.credential_key, vct=vct, iat=NOW - 30 * DAY, exp=NOW + 300 * DAY,
        sd_paths=[(k,) for k in claims if k not in ("issuing_country", "authentic_source")],
        iss="https://issuer.dc4eu.example", holder_jwk=holder.public_jwk(),
        status=sd_jwt_vc.StatusRef(7, demo.STATUS_URI),
        header={"kid": institution.credential_x5t[:16], "x5t#S256": institution.credential_x5t})
    request = jose.parse_compact(qr_transport.decode_request(qrimage.decode_qr_image(req))).payload()
    paths = dcql.selected_paths(presets.get("ehic-care").credential_query, claims)
    vp = sd_jwt.present(issued.serialize(), paths, holder_key=holder, nonce=request["nonce"],
                        aud=request["client_id"], iat=NOW + 20)
    png = env["tmp"] / "dc4eu.png"
    qrimage.encode_qr_png(qr_transport.encode_response(vp, nonce=request["nonce"], client_id=request["client_id"]), png)
    code, d, r = _verify(png, "--session", session_dir, "--bundle", bundle, "--at", NOW + 25)
    assert code == 0 and d["result"] == "PASSED", r.output
    assert d["shape"]["shape"] == "dc4eu" and d["claims"]["issuing_authority"]["country"] == "AT"
    assert "request.identity_unavailable" in {c["code"] for c in d["checks"]}
