"""The Android build (buildozer.spec) packs every package of ours that the wallet imports.

The spec lists source folders by hand; a package added below the wallet (netio, deployment, ...)
is silently missing from the APK unless it is listed. This walks the wallet's imports of our own
top-level packages, transitively, and checks each against ``source.include_patterns``.
"""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "benchmarks"}}


def _imported_packages(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found.update(n.split(".")[0] for n in names if n.split(".")[0] in OURS)
    return found


def _closure(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        todo.extend(_imported_packages(pkg) - seen)
    return seen


def test_buildozer_packs_every_package_the_wallet_imports():
    spec = configparser.ConfigParser()
    spec.read(ROOT / "buildozer.spec", encoding="utf-8")
    patterns = spec["app"]["source.include_patterns"].split(",")
    listed = {p.split("/")[0] for p in patterns}
    needed = _closure("wallet")
    assert needed - listed == set(), f"buildozer.spec lacks {sorted(needed - listed)}"
    assert "mo" in spec["app"]["source.include_exts"].split(","), "compiled catalogs (.mo) must be packed"


def test_expiry_notifications_can_reach_an_android_phone():
    """wallet.ui.care imports plyer (guarded, for the expiry notifications of issue 15): the APK must pack it, and
    Android 13+ shows an app's notifications only with POST_NOTIFICATIONS declared (and granted at run time)."""
    uses_plyer = any("plyer" in _imported_third_party(path) for path in (ROOT / "wallet").rglob("*.py"))
    assert uses_plyer, "the wallet no longer notifies through plyer: update this test"
    spec = configparser.ConfigParser()
    spec.read(ROOT / "buildozer.spec", encoding="utf-8")
    requirements = {r.strip().split("==")[0] for r in spec["app"]["requirements"].split(",")}
    assert "plyer" in requirements, "buildozer.spec requirements lack plyer"
    permissions = {p.strip() for p in spec["app"]["android.permissions"].split(",")}
    assert "POST_NOTIFICATIONS" in permissions, "buildozer.spec lacks the POST_NOTIFICATIONS permission"


def _imported_third_party(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
    return found
