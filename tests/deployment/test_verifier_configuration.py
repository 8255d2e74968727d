"""A configured verifier: its own anchors, lists, access key and registration certificate; the demo module never
imported; configuration errors name the setting."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from deployment.errors import ConfigError
from tests.deployment.conftest import subprocess_env, verifier_env
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

PROBE = """
import sys
from esspass.cli import app
from verifier.api import create_app
from verifier.service import VerifierService
svc = VerifierService()
application = create_app(service=svc)
t, uri = svc.create_transaction("a1-inspection")
print("client_id", svc.rp.client_id)
print("request", uri.split("?")[0])
print("demo imported:", "trust_list.demo" in sys.modules)
"""


def _settings(env: dict[str, str]) -> VerifierSettings:
    values = {k[len("ESSPASS_"):].lower(): v for k, v in env.items()}
    values["verifier_trust_list_urls"] = json.loads(values["verifier_trust_list_urls"])
    return VerifierSettings(**values)


def test_configured_verifier_never_imports_the_demo_module(world, list_server, tmp_path):
    env = verifier_env(world, tmp_path, list_server)
    out = subprocess.run([sys.executable, "-c", PROBE], env=subprocess_env(env), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "client_id x509_hash:" in out.stdout
    assert "demo imported: False" in out.stdout


def _error(env) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        VerifierService(_settings(env))
    return caught.value


def test_access_key_that_does_not_match(world, list_server, tmp_path):
    err = _error(verifier_env(world, tmp_path, list_server,
                              ESSPASS_VERIFIER_ACCESS_KEY=str(world.institution / "credential-key.pem")))
    assert err.setting == "ESSPASS_VERIFIER_ACCESS_KEY" and "does not match" in str(err)


def test_missing_registration_certificate(world, list_server, tmp_path):
    err = _error(verifier_env(world, tmp_path, list_server,
                              ESSPASS_VERIFIER_REGISTRATION_CERT=str(tmp_path / "none.jwt")))
    assert str(err) == f"ESSPASS_VERIFIER_REGISTRATION_CERT: the file {tmp_path / 'none.jwt'} does not exist."


def test_access_certificate_not_on_the_list(world, list_server, tmp_path):
    from trust_list.participants import make_access, make_access_ca

    now = int(time.time()) - 60
    make_access_ca(tmp_path / "ca", "Rogue Access CA", "EU", now)
    make_access(tmp_path / "rp", tmp_path / "ca", dns_name="verifier.example", organization="Test Inspectorate",
                country="DK", organization_identifier="NTRDK-10000009", now=now)
    err = _error(verifier_env(world, tmp_path, list_server,
                              ESSPASS_VERIFIER_ACCESS_KEY=str(tmp_path / "rp" / "access-key.pem"),
                              ESSPASS_VERIFIER_ACCESS_CHAIN=str(tmp_path / "rp" / "access-chain.pem")))
    assert err.setting == "ESSPASS_VERIFIER_ACCESS_CHAIN"
    assert "would be refused by wallets (rp." in str(err)


def test_unknown_preset_and_partial_configuration(world, list_server, tmp_path):
    err = _error(verifier_env(world, tmp_path, list_server, ESSPASS_VERIFIER_PRESETS="a1-inspection,fishing"))
    assert err.setting == "ESSPASS_VERIFIER_PRESETS" and "'fishing'" in str(err)
    env = verifier_env(world, tmp_path, list_server)
    del env["ESSPASS_VERIFIER_ACCESS_CHAIN"]
    assert _error(env).setting == "ESSPASS_VERIFIER_ACCESS_CHAIN"


def test_presets_limit_what_the_verifier_asks(world, list_server, tmp_path):
    svc = VerifierService(_settings(verifier_env(world, tmp_path, list_server,
                                                 ESSPASS_VERIFIER_PRESETS="a1-inspection")))
    svc.create_transaction("a1-inspection")
    with pytest.raises(KeyError):
        svc.create_transaction("ehic-care")


def test_access_key_in_a_token(world, list_server, softhsm, tmp_path):
    """The verifier's access key may live in a PKCS#11 token too (here a P-384 key: ES384 request objects)."""
    from credential.jose import parse_compact
    from deployment.material import load_signing_key
    from deployment.settings import SharedSettings
    from tests.deployment.softhsm import PIN
    from trust_list import certificates as C

    now = int(time.time())
    key = load_signing_key(softhsm.uri("p384"), "test", SharedSettings(pkcs11_module=softhsm.module, pkcs11_pin=PIN))
    ca_dir = world.root / "access-ca"
    ca_cert = C.read_certificates(ca_dir / "ca-cert.pem")[0]
    leaf = C.access_certificate(key, dns_name="verifier.example", organization="Test Inspectorate", country="DK",
                                organization_identifier="NTRDK-10000009", ca_key=C.read_private_key(ca_dir / "ca-key.pem"),
                                ca_cert=ca_cert, not_before=now - 60, not_after=now + 86400)
    chain = tmp_path / "access-chain.pem"
    C.write_certificates(chain, [leaf, ca_cert])
    env = verifier_env(world, tmp_path, list_server, ESSPASS_VERIFIER_ACCESS_KEY=softhsm.uri("p384"),
                       ESSPASS_VERIFIER_ACCESS_CHAIN=str(chain), ESSPASS_PKCS11_MODULE=softhsm.module,
                       ESSPASS_PKCS11_PIN=PIN)
    svc = VerifierService(_settings(env))  # its start-up check is the wallet's relying-party check
    t, _ = svc.create_transaction("ehic-care")
    assert parse_compact(svc.request_object(t.id)).header["alg"] == "ES384"
