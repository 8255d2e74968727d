"""docs/deploy.md lists every setting, and docs/esspass.env.example names only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path

from deployment.settings import SharedSettings
from issuer.settings import Settings
from verifier.settings import VerifierSettings
from wallet.settings import WalletSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"
NAMES = {f"ESSPASS_{name.upper()}" for cls in (SharedSettings, Settings, VerifierSettings, WalletSettings)
         for name in cls.model_fields}


def test_every_setting_is_in_deploy_md():
    text = (DOCS / "deploy.md").read_text("utf-8")
    missing = sorted(n for n in NAMES if f"`{n}`" not in text)
    assert not missing, f"document these in docs/deploy.md: {missing}"


def test_env_example_names_real_settings_and_is_read(tmp_path, monkeypatch):
    example = DOCS / "esspass.env.example"
    named = set(re.findall(r"^#?(ESSPASS_[A-Z0-9_]+)=", example.read_text("utf-8"), re.M))
    assert named and named <= NAMES
    monkeypatch.setenv("ESSPASS_ENV_FILE", str(example))
    for name in list(named):
        monkeypatch.delenv(name, raising=False)
    settings = VerifierSettings()
    assert settings.verifier_presets == ["a1-inspection", "a1-coverage"]
    assert settings.verifier_trust_list_urls["wrpac"] == "https://trust.esspass.example/wrpac.jwt"
    assert settings.trusted_proxies == ["127.0.0.1"]
    assert Settings().issuer_credential_key == "pkcs11:token=UDK;object=credential-signing"
