"""``esspass trust-list verify`` / ``check-issuer`` on hostile files: always the exact JSON on FAILED
with exit 1 (2 only when a file cannot be read at all), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credential.jose import SigningKey, sign_compact
from trust_list import certificates
from trust_list.cli import app
from trust_list.demo import build_demo_ecosystem
from trust_list.model import PUB_EAA
from trust_list.rollback import state_key
from trust_list.validation import LIST_TYP

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
VERIFY_FAILED = {"result": "FAILED", "sequence_number": None, "entities": None}
CHECK_FAILED = {"result": "FAILED", "entity": None}
DEPTH = 10_000


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("demo"), int(time.time()))


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    # no traceback: the command ended through its own exit, not an uncaught exception
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout


def _deep_json(depth: int = DEPTH) -> bytes:
    return b'{"LoTE":' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)


def _self_signed(common_name="Mallory", organization="European Commission ESSPASS Trust Scheme"):
    key = SigningKey.generate()
    now = int(time.time())
    cert = certificates.operator_certificate(key, territory="EU", operator_name=organization, not_before=now - 3600,
                                  not_after=now + 3600)
    return key, cert


def _jws(header: dict, payload: bytes, key: SigningKey) -> str:
    return sign_compact(header, payload, key)


@pytest.fixture(scope="module")
def hostile(eco, tmp_path_factory):
    """name -> path of a readable file that is no valid list."""
    d = tmp_path_factory.mktemp("hostile")
    mallory_key, mallory = _self_signed()
    op_x5c = certificates.x5c_of([eco.operator_cert])
    files = {
        "empty": b"",
        "whitespace": b" \n\t\r\n",
        "garbage-5mb": os.urandom(5 * 1024 * 1024),
        "ascii-5mb": b"A" * (5 * 1024 * 1024),
        "dots-5mb": b"eyJ." * (5 * 1024 * 256),
        "nul": b"\x00" * 1000,
        "utf8": "æøå.ÆØÅ.ðþ".encode(),
        "pem-cert": certificates.to_pem([eco.operator_cert]),
        "three-empty-parts": b"..",
        # JWS whose payload is 10,000-deep nested JSON: by a stranger, and by the pinned operator
        "deep-stranger": _jws({"typ": LIST_TYP, "x5c": certificates.x5c_of([mallory])}, _deep_json(), mallory_key).encode(),
        "deep-operator": _jws({"typ": LIST_TYP, "x5c": op_x5c}, _deep_json(), eco.operator.key).encode(),
        "deep-array-operator": _jws({"typ": LIST_TYP, "x5c": op_x5c}, b"[" * DEPTH + b"]" * DEPTH,
                                    eco.operator.key).encode(),
        "deep-header": (b"eyJ" + __import__("base64").urlsafe_b64encode(b'{"a":' * DEPTH + b"1" + b"}" * DEPTH)
                        .rstrip(b"=") + b".e30.AAAA"),
        "valid-list-bad-signature": eco.tokens()[PUB_EAA][:-4].encode() + b"AAAA",
    }
    paths = {}
    for name, data in files.items():
        paths[name] = d / f"{name}.jwt"
        paths[name].write_bytes(data)
    return paths


EXPECTED_VERIFY = {
    "empty": "list.signature", "whitespace": "list.signature", "garbage-5mb": "list.signature",
    "ascii-5mb": "list.signature", "dots-5mb": "list.signature", "nul": "list.signature",
    "utf8": "list.signature", "pem-cert": "list.signature", "three-empty-parts": "list.signature",
    "deep-stranger": "list.signer", "deep-operator": "list.schema", "deep-array-operator": "list.schema",
    "deep-header": "list.signature", "valid-list-bad-signature": "list.signature",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_VERIFY))
@pytest.mark.parametrize("expect", [None, "pub-eaa", "wrprc"])
def test_verify_hostile_list(eco, hostile, name, expect):
    args = ["verify", hostile[name], "--anchor", eco.operator_cert_path]
    if expect:
        args += ["--list", expect]
    code, out = run(*args)
    assert code == 1
    assert json.loads(out) == {**VERIFY_FAILED, "reason": EXPECTED_VERIFY[name]}


@pytest.mark.parametrize("name", sorted(EXPECTED_VERIFY))
def test_check_issuer_hostile_list(eco, hostile, name, tmp_path):
    chain = tmp_path / "chain.pem"
    certificates.write_certificates(chain, eco.institution("FI").credential_chain)
    code, out = run("check-issuer", "--list", hostile[name], "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:eudi:pda1:1", "--at", int(time.time()))
    assert code == 1
    assert json.loads(out) == {**CHECK_FAILED, "reason": EXPECTED_VERIFY[name]}


@pytest.mark.parametrize("name", ["empty", "whitespace", "garbage-5mb", "ascii-5mb", "nul", "utf8", "deep-operator",
                                  "bad-pem"])
def test_check_issuer_hostile_chain(eco, hostile, name, tmp_path):
    if name == "bad-pem":
        chain = tmp_path / "bad.pem"
        chain.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    else:
        chain = hostile[name]
    code, out = run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:eudi:pda1:1", "--at", int(time.time()))
    assert code == 1
    assert json.loads(out) == {**CHECK_FAILED, "reason": "issuer.untrusted"}


def test_check_issuer_status_chain_is_untrusted(eco, tmp_path):
    chain = tmp_path / "status.pem"
    certificates.write_certificates(chain, eco.institution("FI").status_chain)
    code, out = run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                    "--x5c", chain, "--vct", "urn:eudi:pda1:1", "--at", int(time.time()))
    assert (code, json.loads(out)) == (1, {**CHECK_FAILED, "reason": "issuer.untrusted"})


def test_unreadable_files_exit_2(eco, tmp_path):
    good_chain = tmp_path / "chain.pem"
    certificates.write_certificates(good_chain, eco.institution("FI").credential_chain)
    for unreadable in (tmp_path / "missing.jwt", tmp_path):  # absent; a directory
        assert run("verify", unreadable, "--anchor", eco.operator_cert_path) == (2, "")
        assert run("check-issuer", "--list", unreadable, "--anchor", eco.operator_cert_path, "--x5c", good_chain,
                   "--vct", "urn:eudi:pda1:1", "--at", 0) == (2, "")
        assert run("check-issuer", "--list", eco.pub_eaa_path, "--anchor", eco.operator_cert_path,
                   "--x5c", unreadable, "--vct", "urn:eudi:pda1:1", "--at", 0) == (2, "")
        assert run("verify", eco.pub_eaa_path, "--anchor", unreadable)[0] == 2


def test_hostile_anchor_is_bad_usage(eco, hostile):
    for name in ("empty", "garbage-5mb", "deep-operator"):
        assert run("verify", eco.pub_eaa_path, "--anchor", hostile[name]) == (2, "")


def test_corrupt_rollback_state_fails_closed(eco, tmp_path):
    state = tmp_path / "state"
    assert run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path, "--state-dir", state)[0] == 0
    record = state / f"{state_key('EU:European Commission ESSPASS Trust Scheme', PUB_EAA)}.json"
    assert record.exists()
    for junk in (b"", b"{not json", b"[]", b'{"operator": 1}', b"\xff\xfe", b"[" * DEPTH):
        record.write_bytes(junk)
        code, out = run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path, "--state-dir", state)
        assert (code, json.loads(out)) == (1, {**VERIFY_FAILED, "reason": "list.rollback"})
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert run("verify", eco.pub_eaa_path, "--anchor", eco.operator_cert_path, "--state-dir", not_a_dir) == (2, "")


@pytest.mark.parametrize("name", ["deep-operator", "garbage-5mb", "empty"])
def test_no_traceback_in_a_real_process(eco, hostile, name):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "trust_list.cli", "verify", str(hostile[name]), "--anchor", str(eco.operator_cert_path)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1 and proc.stderr == ""
    assert json.loads(proc.stdout) == {**VERIFY_FAILED, "reason": EXPECTED_VERIFY[name]}
