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

    for package in ("credential", "trust_list", "issuer", "wallet", "verifier", "qrimage", "netio", "deployment",
                    "websec"):
        module = importlib.import_module(package)
        assert module.__all__, package
        for name in module.__all__:
            value = getattr(module, name, None) or importlib.import_module(f"{package}.{name}")  # a public submodule
            assert value is not None, (package, name)
            if _is_module(f"{package}.{name}"):
                for inner in _public(f"{package}.{name}"):
                    assert getattr(value, inner) is not None, (package, name, inner)
    assert _public("uikit") and _public("esspass") == set()  # uikit's names import Kivy: read from the source


# Public faces (docs/architecture.md, "Public faces"): code in one package imports another package only through
# names its ``__init__`` lists in ``__all__``. A name listed there may be a submodule (a *public submodule*); it then
# lists its own ``__all__`` and callers take only those names from it, one level at a time. Private names (a leading
# underscore) are never public. ``tests/`` and ``benchmarks/`` (which measure the internals) may import anything.
PRODUCT = ("credential", "netio", "deployment", "websec", "uikit", "qrimage", "trust_list", "issuer", "verifier",
           "wallet", "esspass")


def _public(dotted: str) -> set[str]:
    """``__all__`` of a package or public submodule, read from its source (importing it would pull in Kivy)."""
    parts = dotted.split(".")
    base = ROOT.joinpath(*parts)
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    if not path.exists():
        return set()
    body = ast.parse(path.read_text(encoding="utf-8")).body
    literals = {t.id: n.value for n in body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    literals |= {n.target.id: n.value for n in body
                 if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value is not None}

    def names(value: ast.expr) -> set[str]:  # a literal, a name of one, sorted(...) of one, or a sum of those
        if isinstance(value, ast.BinOp):
            return names(value.left) | names(value.right)
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "sorted":
            return names(value.args[0])
        if isinstance(value, ast.Name):
            return names(literals[value.id])
        return set(ast.literal_eval(value))

    return names(literals["__all__"]) if "__all__" in literals else set()


def _is_public_path(dotted: str) -> bool:
    """``pkg.a.b`` is reachable from outside when ``a`` is in ``pkg``'s ``__all__`` and ``b`` in ``pkg.a``'s; a name
    that is not the last must be a public submodule (a module file of that name, not a value exported under it)."""
    parts = dotted.split(".")
    for i in range(1, len(parts)):
        name = parts[i]
        if name.startswith("_") or name not in _public(".".join(parts[:i])):
            return False
        if i < len(parts) - 1 and not _is_module(".".join(parts[:i + 1])):
            return False
    return True


def _face_violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound: dict[str, str] = {}  # a local name -> the public submodule of another package it was bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top in PRODUCT and top != package:
                        if not _is_public_path(alias.name):
                            out.append(f"{where}:{node.lineno} import {alias.name}")
                        elif alias.asname:
                            bound[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top = node.module.split(".")[0]
                if top in PRODUCT and top != package:
                    for alias in node.names:
                        dotted = f"{node.module}.{alias.name}"
                        if not _is_public_path(dotted):
                            out.append(f"{where}:{node.lineno} from {node.module} import {alias.name}")
                        elif _is_module(dotted):
                            bound[alias.asname or alias.name] = dotted
        # A public submodule's attributes are public only when its __all__ lists them (``jose.parse_compact``).
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
                if node.attr not in _public(bound[node.value.id]):
                    out.append(f"{where}:{node.lineno} {bound[node.value.id]}.{node.attr}")
    return out


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def test_callers_outside_a_package_use_only_its_public_names():
    offenders = [v for package in PRODUCT for v in _face_violations(package)]
    assert offenders == [], "\n".join(offenders)


def test_every_public_submodule_lists_its_own_public_names():
    for package in PRODUCT:
        for name in _public(package):
            if (ROOT / package / f"{name}.py").exists() or (ROOT / package / name / "__init__.py").exists():
                assert _public(f"{package}.{name}"), f"{package}.{name} is public but has no __all__"


def test_the_face_rule_catches_a_private_import():
    # The rule itself: a private submodule, a name a public submodule does not list, and a private name all fail.
    assert not _is_public_path("verifier.cli._report")
    assert not _is_public_path("credential.sd_jwt._digest_of")
    assert not _is_public_path("trust_list.rollback.RollbackState")
    assert _is_public_path("credential.Rejected")
    assert not _is_public_path("credential.display_safe.x")  # a value, not a submodule
    assert not _is_public_path("credential.labels.claim_label")  # an internal module of the core
