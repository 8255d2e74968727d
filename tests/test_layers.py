"""The rooms of the code (docs/architecture.md): who may import whom, read from the sources with ``ast``.

``esspass/`` is the command line and the demo, at the top: nothing imports it back. ``credential/`` is the pure core: it
imports no other package of ours and no image, camera or UI library. ``uikit/`` (the shared Kivy kit) sits below
both apps; ``qrimage/`` draws and reads QR images at the edge; ``netio/`` (the one bounded HTTP client) sits
below everything that fetches and imports none of ours; ``websec/`` (security headers of the web services) likewise
sits below the issuer and the verifier; ``deployment/`` (keys from files and PKCS#11 tokens, configuration checks,
start-up lines) sits below the services and above ``trust_list/``. ``wallet/`` and ``verifier/`` never import
``issuer/``; ``benchmarks/`` never imports ``tests/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"credential", "trust_list", "issuer", "wallet", "verifier", "uikit", "qrimage", "netio", "websec",
        "deployment", "esspass", "benchmarks", "tests"}


def _imports(package: str) -> dict[str, set[str]]:
    """Module path -> the top-level names it imports (absolute imports; relative ones stay inside the package)."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def _offenders(package: str, forbidden: set[str]) -> dict[str, set[str]]:
    return {m: names & forbidden for m, names in _imports(package).items() if names & forbidden}


def test_nothing_imports_the_command_line_package_back():
    for package in OURS - {"esspass", "tests"}:
        assert _offenders(package, {"esspass"}) == {}, package


def test_the_core_imports_no_other_package_and_no_image_or_ui_library():
    assert _offenders("credential", (OURS - {"credential"}) | {"segno", "PIL", "zxingcpp", "kivy", "httpx",
                                                                 "fastapi", "sqlalchemy"}) == {}


def test_the_kit_and_the_qr_edge_sit_below_the_apps():
    apps = {"wallet", "verifier", "issuer", "esspass", "trust_list"}
    assert _offenders("uikit", apps) == {}
    assert _offenders("qrimage", apps | {"uikit", "kivy"}) == {}


def test_the_bounded_http_edge_sits_below_everything_that_fetches():
    assert _offenders("netio", OURS - {"netio"}) == {}


def test_the_web_security_edge_imports_none_of_ours():
    assert _offenders("websec", OURS - {"websec"}) == {}


def test_wallet_and_verifier_never_import_the_issuer_and_benchmarks_never_import_tests():
    assert _offenders("wallet", {"issuer", "verifier"}) == {}
    assert _offenders("verifier", {"issuer"}) == {}
    assert _offenders("benchmarks", {"tests"}) == {}


def test_deployment_sits_below_the_services_and_above_the_trust_lists():
    assert _offenders("deployment", {"issuer", "wallet", "verifier", "esspass", "uikit", "qrimage", "tests"}) == {}
    assert _offenders("trust_list", {"deployment"}) == {}
    assert _offenders("credential", {"deployment"}) == {}


def test_each_package_names_its_public_api_and_every_name_resolves():
    import importlib

    for package in ("credential", "trust_list", "issuer", "wallet", "verifier", "qrimage", "netio"):
        module = importlib.import_module(package)
        assert module.__all__, package
        for name in module.__all__:
            assert getattr(module, name) is not None, (package, name)
