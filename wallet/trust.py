"""The trust lists the wallet relies on (shared/specs/trust-lists.md §3).

The wallet trusts the lists found in a trust directory: ``ESSPASS_HOME/ecosystem`` (default
``./.esspass/ecosystem``) or one given with ``--trust-dir``. The directory holds ``ecosystem.json``
naming the pinned operator certificate and the three signed lists (Pub-EAA, WRPAC, WRPRC), as
``trust_list.demo`` writes it. Every list is validated against the pinned operator certificate;
with no valid list the wallet fails closed (every issuer and relying party is refused).

Configured (``ESSPASS_WALLET_TRUST_ANCHORS`` and ``ESSPASS_WALLET_TRUST_LIST_URLS``, see
:mod:`wallet.settings`): the lists are fetched from their URLs and validated against those anchors; an explicit
trust directory still wins.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from trust_list import read_certificates
from trust_list import TrustStore, load_trusted_lists

from . import reasons as R


def default_trust_dir() -> Path:
    return Path(os.environ.get("ESSPASS_HOME", "./.esspass")) / "ecosystem"


def is_demo(trust_dir: Path | str | None) -> bool:
    """Whether ``trust_dir`` holds the generated demo ecosystem (``trust_list.demo`` marks its index): only then
    may the wallet contact verifiers on loopback (issue 14, finding 14). A configured wallet (anchors and list URLs,
    :mod:`wallet.settings`) is never in demo mode."""
    if trust_dir is None:
        from .http import settings as wallet_settings

        configured = wallet_settings()
        if configured is not None and configured.configured:
            return False
    home = Path(trust_dir) if trust_dir is not None else default_trust_dir()
    try:
        return json.loads((home / "ecosystem.json").read_text("utf-8")).get("demo") is True
    except (OSError, ValueError, AttributeError):
        return False


def load_trust_store(trust_dir: Path | str | None, now: int) -> TrustStore:
    """Validated lists from ``trust_dir`` (default: the configured URLs, else :func:`default_trust_dir`)."""
    if trust_dir is None:
        from .http import settings as wallet_settings

        settings = wallet_settings()
        if settings is not None and settings.configured:
            return _configured_store(settings, now)
    home = Path(trust_dir) if trust_dir is not None else default_trust_dir()
    try:
        index = json.loads((home / "ecosystem.json").read_text("utf-8"))
        anchors = read_certificates(home / index["operator_cert"])
        tokens = {t: (home / p).read_text("ascii").strip() for t, p in index["lists"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise R.Rejected(R.TRUST_UNAVAILABLE, f"{type(exc).__name__}") from None
    return load_trusted_lists(tokens, anchors, now)


def _configured_store(settings, now: int) -> TrustStore:
    from trust_list.fetch import TrustListFetcher
    from trust_list import LIST_BY_SHORT_NAME, LIST_TYPES

    if not settings.wallet_trust_anchors or not settings.wallet_trust_list_urls:
        raise R.Rejected(R.TRUST_UNAVAILABLE, "set both ESSPASS_WALLET_TRUST_ANCHORS and ESSPASS_WALLET_TRUST_LIST_URLS")
    try:
        anchors = read_certificates(settings.wallet_trust_anchors)
    except (OSError, ValueError) as exc:
        raise R.Rejected(R.TRUST_UNAVAILABLE, f"ESSPASS_WALLET_TRUST_ANCHORS: {type(exc).__name__}") from None
    store = TrustStore(anchors={t: list(anchors) for t in LIST_TYPES})
    urls = {LIST_BY_SHORT_NAME.get(k, k): v for k, v in settings.wallet_trust_list_urls.items()}
    # https (TLS against ESSPASS_CA_BUNDLE or the system store); plain http only with ESSPASS_FETCH_LOOPBACK
    with TrustListFetcher(store, urls, policy=settings.url_policy(),
                          ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None) as fetcher:
        fetcher.refresh_all(now)
    return store
