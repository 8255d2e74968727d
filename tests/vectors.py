"""Where the shared conformance vectors live: the ``shared`` folder next to the repository root."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VECTORS_DIR = REPO_ROOT / ".." / "shared" / "vectors"
