"""``python -m benchmarks``: run every ``benchmarks/bench_*.py`` and print one JSON object per line.

Each row is ``{"name", "ours_ms", "baseline_ms", "ratio"}`` with ratio = ours / baseline, both
medians measured in the same process and run, so the ratio does not depend on the machine.
Give module names (``python -m benchmarks sd_jwt``) to run only some.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run():
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
