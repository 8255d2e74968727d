"""The conformance vectors (RFC 9901 §5.2, SD-JWT VC fig. 8, draft-ietf-oauth-status-list-20).

They are copied into ``tests/data/vectors`` so that a clean clone tests itself; when the project's
``shared`` folder sits next to the repository (as in the developers' workspace), a test checks that
the copy is still identical to it.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VECTORS_DIR = REPO_ROOT / "tests" / "data" / "vectors"
SHARED_VECTORS_DIR = REPO_ROOT.parent / "shared" / "vectors"
