"""The trust lists the wallet relies on (shared/specs/trust-lists.md §3).

The wallet trusts the lists found in a trust directory: ``ESSPASS_HOME/ecosystem`` (default
``./.esspass/ecosystem``) or one given with ``--trust-dir``. The directory holds ``ecosystem.json``
naming the pinned operator certificate and the three signed lists (Pub-EAA, WRPAC, WRPRC), as
``trust_list.demo`` writes it. Every list is validated against the pinned operator certificate;
with no valid list the wallet fails closed (every issuer and relying party is refused).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from trust_list.certificates import read_certificates
from trust_list.store import TrustStore, load_trusted_lists

from . import reasons as R


def default_trust_dir() -> Path:
    return Path(os.environ.get("ESSPASS_HOME", "./.esspass")) / "ecosystem"


def is_demo(trust_dir: Path | str | None) -> bool:
    """Whether ``trust_dir`` holds the generated demo ecosystem (``trust_list.demo`` marks its index): only then
    may the wallet contact verifiers on loopback (issue 14, finding 14)."""
    home = Path(trust_dir) if trust_dir is not None else default_trust_dir()
    try:
        return json.loads((home / "ecosystem.json").read_text("utf-8")).get("demo") is True
    except (OSError, ValueError, AttributeError):
        return False


def load_trust_store(trust_dir: Path | str | None, now: int) -> TrustStore:
    """Validated lists from ``trust_dir`` (default :func:`default_trust_dir`)."""
    home = Path(trust_dir) if trust_dir is not None else default_trust_dir()
    try:
        index = json.loads((home / "ecosystem.json").read_text("utf-8"))
        anchors = read_certificates(home / index["operator_cert"])
        tokens = {t: (home / p).read_text("ascii").strip() for t, p in index["lists"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise R.Rejected(R.TRUST_UNAVAILABLE, f"{type(exc).__name__}") from None
    return load_trusted_lists(tokens, anchors, now)
