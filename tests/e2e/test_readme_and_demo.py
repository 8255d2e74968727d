"""The README's two commands stay true, and the demo runs the journey end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None and text.index("```sh") < 200, "the README must open with the commands"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["python3 bootstrap.py demo", "python3 bootstrap.py test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "python3 bootstrap.py test"


def test_demo_runs_on_embedded_defaults(tmp_path: Path) -> None:
    env = {**os.environ, "ESSPASS_HOME": str(tmp_path / "home"), "COLUMNS": "120"}
    exe = Path(sys.executable).parent / "esspass"
    proc = subprocess.run([str(exe), "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "(PASSED)" in out and "(FAILED)" in out  # before and after revocation
    assert "status.invalid" in out and "tilbagekaldt" in out  # the reason, in English and Danish
    assert "Kowalski" in out  # a disclosed a1-inspection claim
    assert "140788-4417" not in out  # the personal number is not asked for by a1-inspection
    assert "demo complete" in out
    # a second run on the same home reuses keys, database and lists
    again = subprocess.run([str(exe), "demo", "--lang", "da"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=240)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "Ikke gyldig (FAILED)" in again.stdout
