"""CLI: exact JSON and exit codes of verify / check-issuer, and the operator workflow."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trust_list import certificates
from trust_list.cli import app
from trust_list.demo import build_demo_ecosystem

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("demo"), int(time.time()))


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout


def test_verify_passed_and_state(eco, tmp_path):
    code, out = run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path, "--state-dir", tmp_path)
    assert code == 0
    assert json.loads(out) == {"result": "PASSED", "reason": None, "sequence_number": 1, "entities": 5}
    assert list(tmp_path.iterdir())


def test_verify_failed_expired_and_rollback(eco, tmp_path):
    code, out = run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--at", int(time.time()) + 400 * 86400)
    assert code == 1
    assert json.loads(out) == {"result": "FAILED", "reason": "list.expired", "sequence_number": None,
                               "entities": None}
    # a later list accepted, then the earlier one is a rollback
    op = eco.operator
    newer_home = tmp_path / "copy"
    import shutil

    shutil.copytree(op.home, newer_home)
    from trust_list.operator import Operator

    newer = Operator.open(newer_home)
    now = int(time.time())
    newer.sign(eco.pub_eaa_path and "http://uri.etsi.org/19602/LoTEType/EUPubEAAProvidersList", now, now + 86400)
    state = tmp_path / "state"
    assert run("verify", newer.signed_path("http://uri.etsi.org/19602/LoTEType/EUPubEAAProvidersList"),
               "--anchor", eco.operator_cert_path, "--state-dir", state)[0] == 0
    code, out = run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path, "--state-dir", state)
    assert code == 1 and json.loads(out)["reason"] == "list.rollback"


def test_verify_bad_usage(eco, tmp_path):
    assert run("verify", tmp_path / "missing.jwt", "--anchor", eco.operator_cert_path)[0] == 2
    assert run("verify", eco.pub_eaa_path)[0] == 2
    (tmp_path / "junk.pem").write_text("junk")
    assert run("verify", eco.pub_eaa_path, "--anchor", tmp_path / "junk.pem")[0] == 2


def test_verify_wrong_anchor_is_list_signer(eco, tmp_path):
    anchor = tmp_path / "other.pem"
    certificates.write_certificates(anchor, [eco.institution("DK").ca_cert])
    code, out = run("verify", eco.pub_eaa_path, "--anchor", anchor)
    assert code == 1 and json.loads(out)["reason"] == "list.signer"


def test_check_issuer(eco, tmp_path):
    dk = eco.institution("DK")
    chain = tmp_path / "chain.pem"
    certificates.write_certificates(chain, dk.credential_chain)
    now = int(time.time())
    code, out = run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:eudi:pda1:1", "--at", now)
    assert code == 0
    assert json.loads(out) == {"result": "PASSED", "reason": None, "entity": "Udbetaling Danmark"}
    code, out = run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:example:other", "--at", now)
    assert code == 1
    assert json.loads(out) == {"result": "FAILED", "reason": "issuer.type_not_allowed", "entity": None}
    code, out = run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:eudi:pda1:1", "--at", now - 60 * 86400)
    assert code == 1 and json.loads(out)["reason"] == "issuer.untrusted"  # certificate not valid at T
    assert run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
               "--x5c", chain, "--vct", "urn:eudi:pda1:1")[0] == 2


def test_operator_workflow(tmp_path, monkeypatch):
    home = tmp_path / "op"
    now = int(time.time())
    monkeypatch.setenv("ESSPASS_OPERATOR_PASSPHRASE", "correct horse")
    monkeypatch.setenv("COLUMNS", "250")
    assert run("init", "--home", home, "--name", "Test Operator", "--at", now - 3600)[0] == 0
    assert stat.S_IMODE(os.stat(home / "operator-key.pem").st_mode) == 0o600
    assert b"ENCRYPTED" in (home / "operator-key.pem").read_bytes()
    from credential.jose import SigningKey

    key = SigningKey.generate()
    ca = certificates.ca_certificate(key, "Kela CA", country="FI", organization="Kela", not_before=now - 86400,
                          not_after=now + 86400 * 365)
    certificates.write_certificates(tmp_path / "ca.pem", [ca])
    assert run("add-entity", "--home", home, "--list", "pub-eaa", "--name", "Kela", "--country", "FI",
               "--uri", "https://www.kela.fi")[0] == 0
    assert run("add-service", "--home", home, "--list", "pub-eaa", "--entity", "Kela", "--name", "Kela issuance",
               "--cert", tmp_path / "ca.pem", "--vct", "urn:eudi:pda1:1", "--at", now - 3000)[0] == 0
    assert run("withdraw", "--home", home, "--list", "pub-eaa", "--entity", "Kela", "--service", "Kela issuance",
               "--at", now - 2000)[0] == 0
    assert run("withdraw", "--home", home, "--list", "pub-eaa", "--entity", "Kela", "--service", "Kela issuance",
               "--at", now - 2500)[0] == 2  # retroactive change refused
    assert run("notify", "--home", home, "--entity", "Kela", "--service", "Kela issuance", "--at", now - 1000)[0] == 0
    code, out = run("sign", "--home", home, "--list", "pub-eaa", "--valid-days", "7", "--at", now)
    assert code == 0
    signed = home / "signed" / "pub-eaa.jwt"
    code, out = run("verify", signed, "--anchor", home / "operator-cert.pem")
    assert json.loads(out) == {"result": "PASSED", "reason": None, "sequence_number": 1, "entities": 1}
    run("sign", "--home", home, "--list", "pub-eaa", "--at", now)
    code, out = run("verify", signed, "--anchor", home / "operator-cert.pem")
    assert json.loads(out)["sequence_number"] == 2
    code, out = run("show", signed)
    assert code == 0 and "Kela" in out and "withdrawn" in out


def test_real_subprocess(eco):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "trust_list.cli", "verify", str(eco.pub_eaa_path), "--anchor",
         str(eco.operator_cert_path)], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "PASSED"
    proc = subprocess.run(
        [sys.executable, "-m", "trust_list.cli", "verify", "does-not-exist.jwt", "--anchor",
         str(eco.operator_cert_path)], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 2
