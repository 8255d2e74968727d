"""``esspass trust-list cert ...`` and the complete operator workflow, through CLI commands only."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credential.jose import parse_compact, sign_compact
from trust_list import certificates
from trust_list.cli import app
from trust_list.demo import registration_credentials
from trust_list.model import PUB_EAA, WRPAC, WRPRC
from trust_list.relying_party import check_relying_party, x509_hash_client_id
from trust_list.store import load_trusted_lists

runner = CliRunner()
PDA1 = "urn:eudi:pda1:1"
EHIC = "urn:eudi:ehic:1"
OPERATOR = "European Commission ESSPASS Trust Scheme"


def run(*args) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def ok(*args) -> str:
    code, out, err = run(*args)
    assert code == 0, (args, out, err)
    return out


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def check_issuer(tmp_path: Path, chain: Path, at: int, vct: str = PDA1) -> tuple[int, dict]:
    code, out, _ = run("check-issuer", "--list", tmp_path / "op" / "signed" / "pub-eaa.jwt",
                       "--anchor", tmp_path / "op" / "operator-cert.pem", "--x5c", chain, "--vct", vct,
                       "--at", at)
    return code, json.loads(out)


def test_operator_workflow_only_through_the_cli(tmp_path, monkeypatch):
    """init → institution certificates → entity + services → sign → verify → check-issuer →
    withdraw → sign → check-issuer after the withdrawal is issuer.withdrawn_at_signing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESSPASS_OPERATOR_PASSPHRASE", "operator secret")
    monkeypatch.setenv("ESSPASS_KEY_PASSPHRASE", "institution secret")
    now = int(time.time())
    op, kela = tmp_path / "op", tmp_path / "kela"

    ok("init", "--home", op, "--name", OPERATOR)
    ok("cert", "institution", "--home", kela, "--name", "Kela", "--country", "FI")
    for stem in ("credential-ca", "credential", "status-ca", "status"):
        assert mode(kela / f"{stem}-key.pem") == 0o600
        assert b"ENCRYPTED" in (kela / f"{stem}-key.pem").read_bytes()
    assert len(certificates.read_certificates(kela / "credential-chain.pem")) == 2

    ok("add-entity", "--home", op, "--list", "pub-eaa", "--name", "Kela", "--country", "FI",
       "--uri", "https://www.kela.fi")
    ok("add-service", "--home", op, "--list", "pub-eaa", "--entity", "Kela", "--name", "Kela issuance",
       "--type", "issuance", "--cert", kela / "credential-ca-cert.pem", "--vct", PDA1, "--vct", EHIC,
       "--at", now - 3000)
    ok("add-service", "--home", op, "--list", "pub-eaa", "--entity", "Kela", "--name", "Kela status lists",
       "--type", "revocation", "--cert", kela / "status-ca-cert.pem", "--at", now - 3000)
    ok("sign", "--home", op, "--list", "pub-eaa", "--valid-days", 30)
    out = ok("verify", op / "signed" / "pub-eaa.jwt", "--anchor", op / "operator-cert.pem",
             "--state-dir", tmp_path / "state")
    assert json.loads(out) == {"result": "PASSED", "reason": None, "sequence_number": 1, "entities": 1}

    assert check_issuer(tmp_path, kela / "credential-chain.pem", now - 2000) == (
        0, {"result": "PASSED", "reason": None, "entity": "Kela"})
    assert check_issuer(tmp_path, kela / "credential-chain.pem", now - 2000, EHIC)[0] == 0
    # the status-list signer is not a credential signer (its CA is only in the Revocation service)
    assert check_issuer(tmp_path, kela / "status-chain.pem", now - 2000)[1]["reason"] == "issuer.untrusted"

    ok("withdraw", "--home", op, "--list", "pub-eaa", "--entity", "Kela", "--service", "Kela issuance",
       "--at", now - 1000)
    ok("sign", "--home", op, "--list", "pub-eaa", "--valid-days", 30)
    out = ok("verify", op / "signed" / "pub-eaa.jwt", "--anchor", op / "operator-cert.pem",
             "--state-dir", tmp_path / "state")
    assert json.loads(out)["sequence_number"] == 2
    assert check_issuer(tmp_path, kela / "credential-chain.pem", now - 500) == (
        1, {"result": "FAILED", "reason": "issuer.withdrawn_at_signing", "entity": None})
    # signed before the withdrawal: trusted then, but the service is withdrawn now (default policy)
    assert check_issuer(tmp_path, kela / "credential-chain.pem", now - 2000)[1]["reason"] == "issuer.withdrawn"


def test_relying_party_certificates_through_the_cli(tmp_path, monkeypatch):
    """access-ca → access → registrar → registration, listed by the operator; the wallet's §5 check passes."""
    monkeypatch.delenv("ESSPASS_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("ESSPASS_OPERATOR_PASSPHRASE", raising=False)
    now = int(time.time())
    op = tmp_path / "op"
    ok("init", "--home", op, "--name", OPERATOR)
    ok("cert", "access-ca", "--home", tmp_path / "access-ca", "--name", "ESSPASS Access CA")
    ok("cert", "access", "--ca-dir", tmp_path / "access-ca", "--home", tmp_path / "at",
       "--dns", "inspector.at.dk", "--org-id", "NTRDK-10000001", "--name", "Arbejdstilsynet", "--country", "DK")
    ok("cert", "registrar", "--home", tmp_path / "registrar", "--name", "ESSPASS Registrar")
    ok("cert", "registration", "--registrar-dir", tmp_path / "registrar",
       "--access-cert", tmp_path / "at" / "access-cert.pem", "--name", "Arbejdstilsynet",
       "--purpose", "Inspection of posted workers' social security coverage",
       "--purpose", "da:Kontrol af udstationerede arbejdstageres socialsikringsdækning",
       "--preset", "a1-inspection", "--out", tmp_path / "at" / "registration.jwt")
    for key in (tmp_path / "access-ca" / "ca-key.pem", tmp_path / "at" / "access-key.pem",
                tmp_path / "registrar" / "registrar-key.pem"):
        assert mode(key) == 0o600 and b"ENCRYPTED" not in key.read_bytes()

    registration = (tmp_path / "at" / "registration.jwt").read_text()
    jws = parse_compact(registration)
    claims = jws.payload()
    assert jws.header["typ"] == "rc-wrp+jwt"
    assert claims["sub"] == "NTRDK-10000001"
    assert claims["purpose"][1] == {"lang": "da",
                                    "value": "Kontrol af udstationerede arbejdstageres socialsikringsdækning"}
    assert claims["credentials"] == registration_credentials(["a1-inspection"])
    assert claims["exp"] - claims["iat"] == 360 * 86400

    ok("add-entity", "--home", op, "--list", "wrpac", "--name", "ESSPASS Access CA", "--country", "EU",
       "--uri", "https://trust.esspass.eu/wrpac")
    ok("add-service", "--home", op, "--list", "wrpac", "--entity", "ESSPASS Access CA", "--name", "Access",
       "--cert", tmp_path / "access-ca" / "ca-cert.pem")
    ok("add-entity", "--home", op, "--list", "wrprc", "--name", "ESSPASS Registrar", "--country", "EU",
       "--uri", "https://trust.esspass.eu/wrprc")
    ok("add-service", "--home", op, "--list", "wrprc", "--entity", "ESSPASS Registrar", "--name", "Registration",
       "--cert", tmp_path / "registrar" / "registrar-cert.pem")
    for short in ("pub-eaa", "wrpac", "wrprc"):
        ok("sign", "--home", op, "--list", short)

    tokens = {t: (op / "signed" / f"{s}.jwt").read_text() for t, s in
              ((PUB_EAA, "pub-eaa"), (WRPAC, "wrpac"), (WRPRC, "wrprc"))}
    store = load_trusted_lists(tokens, certificates.read_certificates(op / "operator-cert.pem"), now + 5)
    access_key = certificates.read_private_key(tmp_path / "at" / "access-key.pem")
    chain = certificates.read_certificates(tmp_path / "at" / "access-chain.pem")
    client_id = x509_hash_client_id(chain[0])
    query = {"credentials": [{"id": "a1", "format": "dc+sd-jwt", "meta": {"vct_values": [PDA1]},
                              "claims": [{"path": ["subject", "familynames"]}]}]}
    request = sign_compact({"typ": "oauth-authz-req+jwt", "x5c": certificates.x5c_of(chain)},
                           {"client_id": client_id, "dcql_query": query, "nonce": "n",
                            "verifier_info": [{"format": "registration_cert", "data": registration}]},
                           access_key)
    result = check_relying_party(store, request, client_id, None, now + 5, strict=True)
    assert result.sub == "NTRDK-10000001" and result.dns_names == ("inspector.at.dk",)


def test_cert_refusals(tmp_path, monkeypatch):
    monkeypatch.delenv("ESSPASS_KEY_PASSPHRASE", raising=False)
    ok("cert", "institution", "--home", tmp_path / "kela", "--name", "Kela", "--country", "FI")
    key_before = (tmp_path / "kela" / "credential-key.pem").read_bytes()
    # never overwrites a key
    assert run("cert", "institution", "--home", tmp_path / "kela", "--name", "Kela", "--country", "FI")[0] == 2
    assert (tmp_path / "kela" / "credential-key.pem").read_bytes() == key_before
    assert run("cert", "institution", "--home", tmp_path / "x", "--name", "X", "--country", "Finland")[0] == 2
    assert run("cert", "institution", "--home", tmp_path / "y", "--name", "Y", "--country", "FI",
               "--valid-years", 20)[0] == 2  # outlives its CA
    # an encrypted CA key needs its passphrase
    monkeypatch.setenv("ESSPASS_KEY_PASSPHRASE", "ca secret")
    ok("cert", "access-ca", "--home", tmp_path / "ca", "--name", "Access CA")
    monkeypatch.delenv("ESSPASS_KEY_PASSPHRASE")
    assert run("cert", "access", "--ca-dir", tmp_path / "ca", "--home", tmp_path / "rp", "--dns", "rp.example",
               "--name", "RP", "--country", "DK")[0] == 2
    monkeypatch.setenv("ESSPASS_KEY_PASSPHRASE", "ca secret")
    assert run("cert", "access", "--ca-dir", tmp_path / "ca", "--home", tmp_path / "rp",
               "--dns", "https://rp.example", "--name", "RP", "--country", "DK")[0] == 2  # not a DNS name
    ok("cert", "access", "--ca-dir", tmp_path / "ca", "--home", tmp_path / "rp", "--dns", "rp.example",
       "--name", "RP", "--country", "DK")
    ok("cert", "registrar", "--home", tmp_path / "reg", "--name", "Registrar")
    base = ["cert", "registration", "--registrar-dir", tmp_path / "reg", "--name", "RP", "--purpose", "p"]
    assert run(*base, "--sub", "rp.example", "--preset", "no-such-preset", "--out", tmp_path / "r1.jwt")[0] == 2
    assert run(*base, "--preset", "ehic-care", "--out", tmp_path / "r1.jwt")[0] == 2  # no sub
    assert run(*base, "--sub", "other", "--access-cert", tmp_path / "rp" / "access-cert.pem",
               "--preset", "ehic-care", "--out", tmp_path / "r1.jwt")[0] == 2  # sub differs
    assert run(*base, "--sub", "rp.example", "--preset", "ehic-care", "--valid-days", 400,
               "--out", tmp_path / "r1.jwt")[0] == 2  # more than 12 months (§5)
    ok(*base, "--access-cert", tmp_path / "rp" / "access-cert.pem", "--preset", "ehic-care",
       "--out", tmp_path / "r1.jwt")
    assert parse_compact((tmp_path / "r1.jwt").read_text()).payload()["sub"] == "rp.example"  # no org id
    assert run(*base, "--sub", "rp.example", "--preset", "ehic-care", "--out", tmp_path / "r1.jwt")[0] == 2


def test_mounted_under_esspass():
    from esspass.cli import app as esspass_app

    result = runner.invoke(esspass_app, ["trust-list", "cert", "--help"])
    assert result.exit_code == 0
    for command in ("institution", "access-ca", "access", "registrar", "registration"):
        assert command in result.stdout
    result = runner.invoke(esspass_app, ["trust-list", "update-entity", "--help"])
    assert result.exit_code == 0


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
