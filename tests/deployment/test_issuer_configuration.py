"""A configured issuer: keys and chains from files, checked at start; the demo module never imported; one
clear sentence naming the setting for each configuration error; the start-up lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deployment.errors import ConfigError
from issuer import deps
from issuer.settings import Settings
from tests.deployment.conftest import issuer_env, serve_lines, subprocess_env
from trust_list import certificates as C
from credential.jose import SigningKey

PROBE = """
import sys
from esspass.cli import app  # the command line mounts every package's commands
from issuer.api import create_app
application = create_app()
svc = application.state.service
print(svc.keys.name, svc.keys.institution_id, svc.keys.credential_key.alg)
print("demo imported:", "trust_list.demo" in sys.modules)
"""


def _settings(env: dict[str, str]) -> Settings:
    return Settings(**{k[len("ESSPASS_"):].lower(): v for k, v in env.items()})


def test_configured_issuer_never_imports_the_demo_module(world, tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE], env=subprocess_env(issuer_env(world, tmp_path / "home")),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Udbetaling Danmark DK:UDK ES256" in out.stdout
    assert "demo imported: False" in out.stdout


def test_unconfigured_issuer_uses_the_demo(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE], env=subprocess_env({"ESSPASS_HOME": str(tmp_path)}),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "demo imported: True" in out.stdout


def _error(env: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        deps.configured_keys(_settings(env), int(time.time()))
    return caught.value


def test_missing_file_names_the_setting(world, tmp_path):
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_STATUS_CHAIN=str(tmp_path / "nope.pem")))
    assert err.setting == "ESSPASS_ISSUER_STATUS_CHAIN"
    assert str(err) == f"ESSPASS_ISSUER_STATUS_CHAIN: the file {tmp_path / 'nope.pem'} does not exist."


def test_key_and_certificate_that_do_not_match(world, tmp_path):
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_KEY=str(world.institution / "status-key.pem")))
    assert err.setting == "ESSPASS_ISSUER_CREDENTIAL_KEY"
    assert "does not match the certificate" in str(err) and "ESSPASS_ISSUER_CREDENTIAL_CHAIN" in str(err)


def test_certificate_not_on_the_configured_list(world, tmp_path):
    """A chain the list does not list (another institution's, same names) stops start-up."""
    from trust_list.participants import make_institution

    other = tmp_path / "other"
    make_institution(other, "Udbetaling Danmark", "DK", int(time.time()) - 60)
    env = issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_KEY=str(other / "credential-key.pem"),
                     ESSPASS_ISSUER_CREDENTIAL_CHAIN=str(other / "credential-chain.pem"))
    err = _error(env)
    assert err.setting == "ESSPASS_ISSUER_CREDENTIAL_CHAIN"
    assert "is not on the Pub-EAA list" in str(err) and "issuer.untrusted" in str(err)
    # the status certificate is checked too, against the Revocation service
    env = issuer_env(world, tmp_path, ESSPASS_ISSUER_STATUS_KEY=str(other / "status-key.pem"),
                     ESSPASS_ISSUER_STATUS_CHAIN=str(other / "status-chain.pem"))
    err = _error(env)
    assert err.setting == "ESSPASS_ISSUER_STATUS_CHAIN" and "Revocation service" in str(err)


def test_expired_chain(world, tmp_path):
    ca = C.read_certificates(world.institution / "credential-ca-cert.pem")[0]
    ca_key = C.read_private_key(world.institution / "credential-ca-key.pem")
    key = C.read_private_key(world.institution / "credential-key.pem")
    now = int(time.time())
    old = C.end_entity_certificate(key, "UDK credential signing", country="DK", organization="Udbetaling Danmark",
                                   ca_key=ca_key, ca_cert=ca, not_before=now - 90 * 86400, not_after=now - 86400)
    chain = tmp_path / "expired-chain.pem"
    C.write_certificates(chain, [old, ca])
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_CHAIN=str(chain)))
    assert err.setting == "ESSPASS_ISSUER_CREDENTIAL_CHAIN" and "expired on" in str(err)


def test_partial_configuration_and_identity(world, tmp_path):
    env = issuer_env(world, tmp_path)
    del env["ESSPASS_ISSUER_STATUS_KEY"]
    err = _error(env)
    assert err.setting == "ESSPASS_ISSUER_STATUS_KEY" and "ESSPASS_ISSUER_CREDENTIAL_KEY" in str(err)
    env = issuer_env(world, tmp_path)
    del env["ESSPASS_INSTITUTION_ID"]
    assert _error(env).setting == "ESSPASS_INSTITUTION_ID"
    env = issuer_env(world, tmp_path)
    del env["ESSPASS_ISSUER_TRUST_ANCHORS"]
    assert _error(env).setting == "ESSPASS_ISSUER_TRUST_ANCHORS"


def test_key_file_readable_by_others_and_not_a_key(world, tmp_path):
    loose = tmp_path / "loose.pem"
    shutil.copy(world.institution / "credential-key.pem", loose)
    loose.chmod(0o644)
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_KEY=str(loose)))
    assert err.setting == "ESSPASS_ISSUER_CREDENTIAL_KEY" and "readable by others" in str(err)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    bad.chmod(0o600)
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_KEY=str(bad)))
    assert "holds no unencrypted PEM private key" in str(err)


def test_broken_chain_order(world, tmp_path):
    inst = world.institution
    reversed_chain = tmp_path / "reversed.pem"
    C.write_certificates(reversed_chain, list(reversed(C.read_certificates(inst / "credential-chain.pem"))))
    err = _error(issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_CHAIN=str(reversed_chain)))
    assert err.setting == "ESSPASS_ISSUER_CREDENTIAL_CHAIN" and "leaf first" in str(err)


def test_startup_lines_configured(world, tmp_path):
    from tests.support import free_port

    port = free_port()
    code, lines = serve_lines(issuer_env(world, tmp_path / "home", ESSPASS_TRUSTED_PROXIES="127.0.0.1"),
                               "--port", str(port), until="first-start secrets")
    text = "\n".join(lines)
    assert "esspass issuer: mode: configured, signing as Udbetaling Danmark (DK:UDK)" in text
    assert f"credential key {world.institution / 'credential-key.pem'}" in text
    assert "esspass issuer: public URL https://issuer.example" in text
    assert f"esspass issuer: listening on 127.0.0.1:{port}; forwarded headers believed from 127.0.0.1" in text
    assert str(tmp_path / "home" / "issuer" / "admin_password") in text
    password = (tmp_path / "home" / "issuer" / "admin_password").read_text().strip()
    assert password not in text and "demo" not in text


def test_startup_lines_demo_and_public_url_warning(tmp_path):
    from tests.support import free_port

    port = free_port()
    code, lines = serve_lines({"ESSPASS_HOME": str(tmp_path)}, "--port", str(port), until="WARNING")
    text = "\n".join(lines)
    assert "esspass issuer: demo mode: signing as the demo institution Udbetaling Danmark" in text
    assert "esspass issuer: public URL http://127.0.0.1:8441" in text
    assert f"WARNING: the public URL http://127.0.0.1:8441 is not where this service listens " \
           f"(http://127.0.0.1:{port})" in text
    # --public-url sets it, and then there is nothing to warn about
    code, lines = serve_lines({"ESSPASS_HOME": str(tmp_path)}, "--port", str(port),
                               "--public-url", f"http://127.0.0.1:{port}", until="first-start")
    text = "\n".join(lines)
    assert f"public URL http://127.0.0.1:{port}" in text and "WARNING" not in text


def test_configuration_error_stops_serve_with_one_sentence(world, tmp_path):
    env = issuer_env(world, tmp_path, ESSPASS_ISSUER_CREDENTIAL_CHAIN=str(tmp_path / "missing.pem"))
    proc = subprocess.run([sys.executable, "-c", "from esspass.cli import main; main()", "issuer", "serve",
                           "--port", "1"], env=subprocess_env(env), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"configuration error: ESSPASS_ISSUER_CREDENTIAL_CHAIN: the file "
                                   f"{tmp_path / 'missing.pem'} does not exist.")
