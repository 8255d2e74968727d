"""Key rotation without downtime (issue 11, item 5; docs/deploy.md "Key rotation").

The institution's new credential-signing key (generated in the token) gets a certificate; the issuer refuses to
switch to it until the operator lists it; once listed, the configuration names it and a SIGHUP makes uvicorn replace
its workers one by one: requests keep being answered all along. Credentials signed with the old key keep verifying
(its certificate stays listed); the status key rotates too and the Status List Tokens are re-signed with it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from credential.jose import parse_compact
from credential.sd_jwt import present
from credential.types import sample_claims
from tests.deployment.conftest import serving, subprocess_env
from tests.deployment.operator_world import INSTITUTION, build_world, trust_list
from tests.deployment.softhsm import certify_token_keys
from tests.issuer.wallet_client import Wallet
from tests.support import free_port
from trust_list import certificates as C


def _write_env(path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def _signing_key(base: str) -> dict:
    return httpx.get(f"{base}/.well-known/jwt-vc-issuer", timeout=5).json()["jwks"]["keys"][0]


def _kid(base: str) -> str:
    return _signing_key(base)["kid"]


def _until(predicate, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


class Availability(threading.Thread):
    """Asks the issuer for its metadata all the time; counts answers that were not 200."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.ok, self.failed, self.stop = base, 0, [], threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as c:
            while not self.stop.is_set():
                try:
                    r = c.get(f"{self.base}/.well-known/openid-credential-issuer")
                    if r.status_code == 200:
                        self.ok += 1
                    else:
                        self.failed.append(r.status_code)
                except httpx.HTTPError as exc:
                    self.failed.append(type(exc).__name__)
                time.sleep(0.02)


def _workers(pid: int) -> set[int]:
    """The uvicorn worker processes of the master ``pid`` (multiprocessing spawn children)."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    out.add(int(child))
            except OSError:
                pass
    return out


def _credential(base: str, token: str, document_number: str) -> str:
    claims = {**sample_claims("pda1"), "document_number": document_number}
    r = httpx.post(f"{base}/api/v1/cases", json={"type": "pda1", "claims": claims, "tx_code": True},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 201, r.text
    creds, keys = Wallet().receive(r.json()["offer_uri"], r.json()["tx_code"])
    return present(creds[0], [("legislation_country",)], holder_key=keys[0], nonce="rotation-check",
                   aud="x509_hash:inspector", iat=int(time.time()))


def _verify(world, credential: str, status_token: str, status_uri: str, tmp) -> dict:
    cred = tmp / f"cred-{abs(hash(credential))}.txt"
    cred.write_text(credential)
    status = tmp / "status.jwt"
    status.write_text(status_token)
    out = subprocess.run([sys.executable, "-c", "from esspass.cli import main; main()", "verify", str(cred),
                          "--trust-list", str(world.operator / "signed" / "pub-eaa.jwt"), "--anchor",
                          str(world.anchors), "--status-list", f"{status_uri}={status}", "--nonce", "rotation-check",
                          "--aud", "x509_hash:inspector", "--json"], env=subprocess_env({}), capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout)


def test_rotation_without_downtime(tmp_path, softhsm):
    now = int(time.time())
    world = build_world(tmp_path / "world", now, certify=certify_token_keys(softhsm, now, extra=("rotated",)))
    inst = world.institution
    # the new status key: a PEM key under the status CA (a token key would do as well)
    from credential.jose import SigningKey

    status2 = SigningKey.generate()
    status_ca = C.read_certificates(inst / "status-ca-cert.pem")[0]
    leaf = C.end_entity_certificate(status2, f"{INSTITUTION} status signing 2", country="DK", organization=INSTITUTION,
                                    ca_key=C.read_private_key(inst / "status-ca-key.pem"), ca_cert=status_ca,
                                    not_before=now - 60, not_after=now + 86400 * 365)
    C.write_certificates(inst / "status2-chain.pem", [leaf, status_ca])
    C.write_private_key(inst / "status2-key.pem", status2)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env_file = tmp_path / "esspass.env"
    first = {"ESSPASS_ISSUER_CREDENTIAL_KEY": softhsm.uri("credential-signing"),
             "ESSPASS_ISSUER_CREDENTIAL_CHAIN": str(inst / "hsm-credential-chain.pem"),
             "ESSPASS_ISSUER_STATUS_KEY": softhsm.uri("status-signing"),
             "ESSPASS_ISSUER_STATUS_CHAIN": str(inst / "hsm-status-chain.pem"),
             "ESSPASS_INSTITUTION_ID": "DK:UDK", "ESSPASS_ISSUER_TRUST_ANCHORS": str(world.anchors),
             "ESSPASS_ISSUER_TRUST_LIST": str(world.operator / "signed" / "pub-eaa.jwt")}
    _write_env(env_file, first)
    env = {"ESSPASS_HOME": str(tmp_path / "home"), "ESSPASS_ISSUER_URL": base, "ESSPASS_ENV_FILE": str(env_file),
           **softhsm.env()}
    with serving(env, "issuer", "serve", "--port", str(port), "--workers", "2", until="listening on") as (proc, lines):
        assert proc.poll() is None, lines
        _until(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200)
        token = (tmp_path / "home" / "issuer" / "api_token").read_text().strip()
        old_kid = _kid(base)
        old_leaf = _signing_key(base)["x5c"][0]  # credentials name their key by x5c (the default reference)
        old_credential = _credential(base, token, "A1-DK-2026-700001")
        probe = Availability(base)
        probe.start()

        # 1. the new certificate is not listed yet: the replacement workers refuse to start, the old ones serve on
        _write_env(env_file, {**first, "ESSPASS_ISSUER_CREDENTIAL_KEY": softhsm.uri("rotated"),
                              "ESSPASS_ISSUER_CREDENTIAL_CHAIN": str(inst / "hsm-rotated-chain.pem")})
        proc.send_signal(signal.SIGHUP)
        _until(lambda: any("not ready in time" in line for line in lines))  # the replacement exited
        assert any("configuration error: ESSPASS_ISSUER_CREDENTIAL_CHAIN: the certificate CN=Udbetaling Danmark "
                   "rotated signing (HSM)" in line and "is not on the Pub-EAA list" in line for line in lines), lines
        assert _kid(base) == old_kid

        # 2. the operator lists the new certificate beside the old one (the old one stays listed)
        both = tmp_path / "listed.pem"
        C.write_certificates(both, C.read_certificates(inst / "hsm-credential-chain.pem")
                             + C.read_certificates(inst / "hsm-rotated-chain.pem")[:1])
        trust_list("update-service", "--home", world.operator, "--list", "pub-eaa", "--entity", INSTITUTION,
                   "--service", "UDK issuance", "--cert", both)
        trust_list("sign", "--home", world.operator, "--list", "pub-eaa", "--valid-days", 30)

        # 3. the configuration names the new keys; SIGHUP: workers are replaced one by one
        _write_env(env_file, {**first, "ESSPASS_ISSUER_CREDENTIAL_KEY": softhsm.uri("rotated"),
                              "ESSPASS_ISSUER_CREDENTIAL_CHAIN": str(inst / "hsm-rotated-chain.pem"),
                              "ESSPASS_ISSUER_STATUS_KEY": str(inst / "status2-key.pem"),
                              "ESSPASS_ISSUER_STATUS_CHAIN": str(inst / "status2-chain.pem")})
        old_workers = _workers(proc.pid)
        assert len(old_workers) == 2
        proc.send_signal(signal.SIGHUP)
        try:  # uvicorn retires an old worker only once its replacement serves
            _until(lambda: not (_workers(proc.pid) & old_workers) and len(_workers(proc.pid)) == 2)
        except AssertionError:
            raise AssertionError(lines) from None
        assert _kid(base) != old_kid
        new_leaf = _signing_key(base)["x5c"][0]
        probe.stop.set()
        probe.join()
        assert probe.failed == [] and probe.ok > 20, (probe.failed, probe.ok)

        new_credential = _credential(base, token, "A1-DK-2026-700002")
        status_token = httpx.get(f"{base}/status/1", timeout=10).text
        # the new chain without its trust anchor (HAIP 1.0 §6.1: no root in the Status List Token's x5c)
        new_chain = C.read_certificates(inst / "status2-chain.pem")
        assert parse_compact(status_token).header["x5c"] == C.x5c_without_anchor(new_chain) == C.x5c_of(new_chain[:-1])

    # the credentials carry their signing certificate first in x5c (trust-lists.md §4): the old one signed with the
    # old key, the new one with the rotated key
    assert parse_compact(old_credential.split("~")[0]).header["x5c"][0] == old_leaf
    assert parse_compact(new_credential.split("~")[0]).header["x5c"][0] == new_leaf != old_leaf
    for credential in (old_credential, new_credential):
        decision = _verify(world, credential, status_token, f"{base}/status/1", tmp_path)
        assert decision["result"] == "PASSED", [c for c in decision["checks"] if c["result"] != "pass"]
