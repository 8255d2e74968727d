"""``esspass sd-jwt issue|present|verify`` as a subprocess: flags, output and exit codes
(0 PASSED, 1 FAILED, 2 bad usage or unreadable file), and hostile inputs."""

from __future__ import annotations

import json
import os
import subprocess
import resource
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from credential import jose, sd_jwt, sd_jwt_vc  # noqa: F401  (sd_jwt_vc: its reason codes)
from credential.i18n import LANGS
from credential.reasons import lookup
from tests.vectors import VECTORS_DIR

ESSPASS = Path(sys.executable).parent / "esspass"
REPO_ROOT = Path(__file__).resolve().parents[2]
NONCE = "cli-nonce-1"
AUD = "https://verifier.example.dk"
VCT = "urn:example:test:1"

VECTOR_ISSUER_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
    "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
}


def run(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [str(ESSPASS), "sd-jwt", *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT,
        env=env,
    )


def result_of(proc: subprocess.CompletedProcess) -> dict:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def assert_failed(proc: subprocess.CompletedProcess, reason: str | None = None) -> dict:
    out = result_of(proc)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert out["result"] == "FAILED" and out["payload"] is None
    if reason is not None:
        assert out["reason"] == reason, out
    entry = lookup(out["reason"])
    # every shipped language (issue 15); English and Danish as before
    assert set(out["message"]) == set(LANGS) and (out["message"]["en"], out["message"]["da"]) == (entry.en, entry.da)
    assert out["message"]["en"] and out["message"]["da"] and out["message"]["en"] != out["message"]["da"]
    return out


def assert_usage_error(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("keys")
    issuer, holder = jose.SigningKey.generate(), jose.SigningKey.generate()
    paths = {
        "issuer_pem": d / "issuer.pem",
        "issuer_pub": d / "issuer.pub.jwk",
        "holder_pem": d / "holder.pem",
        "holder_pub": d / "holder.pub.jwk",
        "other_pub": d / "other.pub.jwk",
    }
    paths["issuer_pem"].write_bytes(issuer.to_pem())
    paths["issuer_pub"].write_text(json.dumps(issuer.public_jwk()))
    paths["holder_pem"].write_bytes(holder.to_pem())
    paths["holder_pub"].write_text(json.dumps(holder.public_jwk()))
    paths["other_pub"].write_text(json.dumps(jose.SigningKey.generate().public_jwk()))
    paths["_issuer_key"] = issuer  # type: ignore[assignment]
    return paths


CLAIMS = {
    "vct": VCT,
    "iss": "https://issuer.example.dk",
    "subject": {"givenname": "Jens", "familynames": "Hansen Nielsen"},
    "employer": ["ACME ApS", "Nordic AB"],
}


@pytest.fixture(scope="module")
def issued_file(keys, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("issued")
    claims = d / "claims.json"
    claims.write_text(json.dumps(CLAIMS))
    proc = run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "subject.familynames",
               "--sd", "employer.0", "--holder-key", keys["holder_pub"])
    assert proc.returncode == 0, proc.stderr
    out = d / "credential.txt"
    out.write_text(proc.stdout.strip())
    return out


def test_issue_output(issued_file, keys):
    text = issued_file.read_text()
    parsed = sd_jwt.parse(text)
    assert parsed.kb_jwt is None and len(parsed.disclosures) == 2
    jws = jose.parse_compact(parsed.jwt)
    assert jws.header["typ"] == "dc+sd-jwt"
    payload = jws.payload()
    assert payload["vct"] == VCT
    assert payload["cnf"] == {"jwk": json.loads(keys["holder_pub"].read_text())}
    assert "familynames" not in payload["subject"] and len(payload["subject"]["_sd"]) == 1
    assert payload["employer"][1] == "Nordic AB" and set(payload["employer"][0]) == {"..."}
    assert isinstance(payload["iat"], int)


def present_to(tmp_path: Path, issued_file: Path, keys, *disclose: str, kb: bool = True) -> Path:
    args: list[str | Path] = ["present", issued_file]
    for path in disclose:
        args += ["--disclose", path]
    if kb:
        args += ["--holder-key", keys["holder_pem"], "--nonce", NONCE, "--aud", AUD]
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / ("presentation-kb.txt" if kb else "presentation.txt")
    out.write_text(proc.stdout)
    return out


def test_present_and_verify_passed(tmp_path, issued_file, keys):
    presentation = present_to(tmp_path, issued_file, keys, "subject.familynames")
    text = presentation.read_text().strip()
    assert len(sd_jwt.parse(text).disclosures) == 1 and sd_jwt.parse(text).kb_jwt
    proc = run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD,
               "--vct", VCT)
    out = result_of(proc)
    assert proc.returncode == 0, proc.stdout
    assert out["result"] == "PASSED" and out["reason"] is None and out["message"] is None
    payload = out["payload"]
    assert payload["subject"] == {"givenname": "Jens", "familynames": "Hansen Nielsen"}
    assert payload["employer"] == ["Nordic AB"]
    assert payload["vct"] == VCT and payload["iss"] == CLAIMS["iss"]
    assert "_sd" not in json.dumps(payload) and "_sd_alg" not in payload
    # PEM public key accepted as issuer key too
    pem = keys["_issuer_key"].public_key().public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem_file = tmp_path / "issuer.pub.pem"
    pem_file.write_bytes(pem)
    proc = run("verify", presentation, "--issuer-key", pem_file, "--nonce", NONCE, "--aud", AUD)
    assert proc.returncode == 0 and result_of(proc)["payload"] == payload


def test_present_array_element(tmp_path, issued_file, keys):
    presentation = present_to(tmp_path, issued_file, keys, "employer.0")
    proc = run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD)
    assert proc.returncode == 0, proc.stdout
    payload = result_of(proc)["payload"]
    assert payload["employer"] == ["ACME ApS", "Nordic AB"]
    assert payload["subject"] == {"givenname": "Jens"}


def test_verify_wrong_request(tmp_path, issued_file, keys):
    presentation = present_to(tmp_path, issued_file, keys, "subject.familynames")
    assert_failed(run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", "other", "--aud", AUD),
                  "kb.nonce")
    assert_failed(run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud",
                      "https://evil.example"), "kb.aud")
    assert_failed(run("verify", presentation, "--issuer-key", keys["other_pub"], "--nonce", NONCE, "--aud", AUD),
                  "sd.signature")
    assert_failed(run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD,
                      "--vct", "urn:other"), "vc.vct_mismatch")
    later = str(int(time.time()) + 3600)
    assert_failed(run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD,
                      "--at", later), "kb.iat")


def test_verify_tampered_file(tmp_path, issued_file, keys):
    presentation = present_to(tmp_path, issued_file, keys, "subject.familynames")
    text = presentation.read_text().strip()
    h, p, s = text.split("~")[0].split(".")
    payload = json.loads(jose.b64u_decode(p))
    payload["iss"] = "https://evil.example"
    tampered = tmp_path / "tampered.txt"
    tampered.write_text(text.replace(f"{h}.{p}.{s}", f"{h}.{jose.b64u_encode(json.dumps(payload).encode())}.{s}"))
    out = assert_failed(run("verify", tampered, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD),
                        "sd.signature")
    assert "signature" in out["message"]["en"] and "signatur" in out["message"]["da"]
    # a disclosure dropped after the KB-JWT was made
    parts = text.split("~")
    dropped = tmp_path / "dropped.txt"
    dropped.write_text("~".join([parts[0], parts[-1]]))
    assert_failed(run("verify", dropped, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD),
                  "kb.sd_hash")


def test_verify_no_key_binding(tmp_path, issued_file, keys):
    plain = present_to(tmp_path, issued_file, keys, "subject.familynames", kb=False)
    assert plain.read_text().strip().endswith("~")
    proc = run("verify", plain, "--issuer-key", keys["issuer_pub"], "--no-key-binding")
    assert proc.returncode == 0, proc.stdout
    assert result_of(proc)["payload"]["subject"]["familynames"] == "Hansen Nielsen"
    # policy requires key binding: the same presentation fails
    assert_failed(run("verify", plain, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD),
                  "kb.missing")
    # a KB presentation still verifies under --no-key-binding (the KB-JWT is checked, not ignored)
    with_kb = present_to(tmp_path, issued_file, keys, "subject.familynames")
    assert run("verify", with_kb, "--issuer-key", keys["issuer_pub"], "--no-key-binding").returncode == 0
    garbage_kb = tmp_path / "garbage-kb.txt"
    garbage_kb.write_text(plain.read_text().strip() + "not-a-jwt")
    assert_failed(run("verify", garbage_kb, "--issuer-key", keys["issuer_pub"], "--no-key-binding"), "kb.malformed")


def test_usage_errors(tmp_path, issued_file, keys):
    missing = tmp_path / "does-not-exist.txt"
    assert_usage_error(run("verify", missing, "--issuer-key", keys["issuer_pub"], "--no-key-binding"))
    assert_usage_error(run("verify", issued_file, "--issuer-key", missing, "--no-key-binding"))
    bad_key = tmp_path / "bad-key.pem"
    bad_key.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    assert_usage_error(run("verify", issued_file, "--issuer-key", bad_key, "--no-key-binding"))
    bad_jwk = tmp_path / "bad-key.jwk"
    bad_jwk.write_text('{"kty": "EC", "crv": "P-256"}')
    assert_usage_error(run("verify", issued_file, "--issuer-key", bad_jwk, "--no-key-binding"))
    binary_key = tmp_path / "binary.key"
    binary_key.write_bytes(os.urandom(256))
    assert_usage_error(run("verify", issued_file, "--issuer-key", binary_key, "--no-key-binding"))
    # verify: neither --nonce/--aud nor --no-key-binding, or both
    assert_usage_error(run("verify", issued_file, "--issuer-key", keys["issuer_pub"]))
    assert_usage_error(run("verify", issued_file, "--issuer-key", keys["issuer_pub"], "--no-key-binding",
                           "--nonce", NONCE))
    # present: --holder-key without --nonce; unreadable holder key; missing credential
    assert_usage_error(run("present", issued_file, "--holder-key", keys["holder_pem"], "--aud", AUD))
    assert_usage_error(run("present", issued_file, "--holder-key", bad_key, "--nonce", NONCE, "--aud", AUD))
    assert_usage_error(run("present", missing))
    # issue: missing claims file, unreadable issuer key, neither --type nor --sd, bad path, private holder key
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(CLAIMS))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", missing, "--sd", "subject"))
    assert_usage_error(run("issue", "--issuer-key", bad_key, "--claims", claims, "--sd", "subject"))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "nope.x"))
    private_jwk = tmp_path / "private.jwk"
    private_jwk.write_text(json.dumps({**json.loads(keys["holder_pub"].read_text()), "d": "AAAA"}))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "subject",
                           "--holder-key", private_jwk))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "exp"))


def test_issue_refuses_never_disclosable_claim(tmp_path, keys):
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({**CLAIMS, "exp": 1_900_000_000}))
    assert_usage_error(run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "exp"))


# ---------------------------------------------------------------- hostile files


def _signed_deep_json(keys) -> str:
    issuer = keys["_issuer_key"]
    body = b'{"vct":"x","deep":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    return jose.sign_compact({"typ": "dc+sd-jwt"}, body, issuer) + "~"


HOSTILE = {
    "random-2mb": lambda keys: os.urandom(2 * 1024 * 1024),
    "text-2mb": lambda keys: b"A" * (2 * 1024 * 1024),
    "tildes-30000": lambda keys: b"~" * 30_000,
    "parts-30000": lambda keys: b"x~" * 30_000,
    "deep-json-10000": lambda keys: _signed_deep_json(keys).encode(),
    "empty": lambda keys: b"",
    "nul-bytes": lambda keys: b"\x00" * 1000,
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the children this process has waited for
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_fail_quickly(tmp_path, keys, name):
    hostile = tmp_path / f"{name}.txt"
    hostile.write_bytes(HOSTILE[name](keys))
    # bounded work, measured as the command's CPU time (start-up included), not wall time: a loaded CI machine
    # stretches the wall clock, not the work a hostile file makes the parser do
    before = _children_cpu()
    proc = run("verify", hostile, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD, timeout=30)
    cpu = _children_cpu() - before
    assert_failed(proc)
    assert cpu < 5, cpu
    proc = run("verify", hostile, "--issuer-key", keys["issuer_pub"], "--no-key-binding", timeout=30)
    assert_failed(proc)


def test_hostile_reasons(tmp_path, keys):
    cases = {"text-2mb": "sd.too_large", "parts-30000": "sd.too_many_disclosures",
             "deep-json-10000": "sd.jwt_malformed"}
    for name, reason in cases.items():
        hostile = tmp_path / f"{name}.txt"
        hostile.write_bytes(HOSTILE[name](keys))
        assert_failed(run("verify", hostile, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD),
                      reason)


# ---------------------------------------------------------------- conformance vectors through the CLI


@pytest.mark.parametrize(
    ("presentation_file", "expected_file", "aud", "typ"),
    [
        ("rfc9901-5.2-presentation.txt", "rfc9901-5.2-payload.json", "https://verifier.example.org", "example+sd-jwt"),
        ("sd-jwt-vc-18-fig8-presentation.txt", "sd-jwt-vc-18-fig8-payload.json", "https://example.com/verifier",
         "dc+sd-jwt"),
    ],
)
def test_cli_conformance_vectors(tmp_path, presentation_file, expected_file, aud, typ):
    vectors = VECTORS_DIR / "sd-jwt"
    presentation = vectors / presentation_file
    text = presentation.read_text().strip()
    kb_iat = jose.parse_compact(sd_jwt.parse(text).kb_jwt).payload()["iat"]
    issuer_key = tmp_path / "issuer.jwk"
    issuer_key.write_text(json.dumps(VECTOR_ISSUER_JWK))
    proc = run("verify", presentation, "--issuer-key", issuer_key, "--nonce", "1234567890", "--aud", aud,
               "--typ", typ, "--at", str(kb_iat))
    out = result_of(proc)
    assert proc.returncode == 0, out
    assert out["result"] == "PASSED"
    assert out["payload"] == json.loads((vectors / "expected" / expected_file).read_text())
    # and much later the KB-JWT is stale
    assert_failed(run("verify", presentation, "--issuer-key", issuer_key, "--nonce", "1234567890", "--aud", aud,
                      "--typ", typ, "--at", str(kb_iat + 3600)), "kb.iat")


# ---------------------------------------------------------------- --type (credential.types)


def test_issue_type_pda1(tmp_path, keys):
    from credential.types import sample_claims

    claims = tmp_path / "pda1.json"
    claims.write_text(json.dumps(sample_claims("pda1"), ensure_ascii=False))
    proc = run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--type", "pda1",
               "--holder-key", keys["holder_pub"])
    assert proc.returncode == 0, proc.stderr
    credential_file = tmp_path / "pda1.sd-jwt"
    credential_file.write_text(proc.stdout)
    jws = jose.parse_compact(sd_jwt.parse(proc.stdout.strip()).jwt)
    assert jws.header["typ"] == "dc+sd-jwt"
    assert jws.payload()["vct"] == "urn:eudi:pda1:1"
    presentation = present_to(tmp_path, credential_file, keys)
    proc = run("verify", presentation, "--issuer-key", keys["issuer_pub"], "--nonce", NONCE, "--aud", AUD,
               "--vct", "urn:eudi:pda1:1")
    assert proc.returncode == 0, proc.stdout
    assert result_of(proc)["payload"]["vct"] == "urn:eudi:pda1:1"


def test_present_refuses_a_claim_the_credential_does_not_have(tmp_path, issued_file, keys):
    proc = run("present", issued_file, "--disclose", "subject.familyname")  # typo: no such claim
    assert_usage_error(proc)
    assert "subject.familyname" in proc.stderr


def test_verify_at_is_exact_for_time_claims(tmp_path, keys):
    """--at names an instant: a credential is expired at its exp, not a minute later."""
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({**CLAIMS, "iat": 1_700_000_000, "exp": 2_000_000_000}))
    issued = run("issue", "--issuer-key", keys["issuer_pem"], "--claims", claims, "--sd", "subject.familynames")
    assert issued.returncode == 0, issued.stderr
    cred = tmp_path / "cred.txt"
    cred.write_text(issued.stdout.strip())
    base = ("verify", cred, "--issuer-key", keys["issuer_pub"], "--no-key-binding")
    assert result_of(run(*base, "--at", "1999999999"))["result"] == "PASSED"
    assert_failed(run(*base, "--at", "2000000000"), "sd.expired")
    assert_failed(run(*base, "--at", "1699999999"), "sd.issued_in_future")
