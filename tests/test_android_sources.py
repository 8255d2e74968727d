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
