#!/usr/bin/env python3
"""Run ESSPASS from a fresh clone with nothing but Python 3.11+.

    python3 bootstrap.py demo        # creates .venv when missing, then runs `esspass demo`
    python3 bootstrap.py test        # the whole test suite
    python3 bootstrap.py esspass ... # any esspass command

The virtual environment is (re)installed whenever pyproject.toml changed since the last install.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".esspass-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("ESSPASS needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        print("creating virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pyproject = ROOT / "pyproject.toml"
    if STAMP.exists() and STAMP.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    print("installing ESSPASS and its dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[ui,test]"], check=True)
    STAMP.touch()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "esspass"}:
        print(__doc__)
        return 2
    ensure_venv()
    cmd, rest = argv[0], argv[1:]
    if cmd == "test":
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    elif cmd == "demo":
        args = [str(BIN / "esspass"), "demo", *rest]
    else:
        args = [str(BIN / "esspass"), *rest]
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
