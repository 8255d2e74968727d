"""The wallet's configuration (pydantic-settings, ``ESSPASS_`` prefix; docs/deploy.md lists every setting).

Embedded default: the lists and the pinned operator certificate in a trust directory (``ESSPASS_HOME/ecosystem``
or ``--trust-dir``), as ``trust_list.demo`` writes them. Configured: the operator certificates in
``ESSPASS_WALLET_TRUST_ANCHORS`` and the three lists fetched from ``ESSPASS_WALLET_TRUST_LIST_URLS`` (https,
checked against the system store or ``ESSPASS_CA_BUNDLE``).
"""

from __future__ import annotations

from pathlib import Path

from deployment.settings import SharedSettings


class WalletSettings(SharedSettings):
    wallet_trust_anchors: Path | None = None  # operator certificates (PEM)
    wallet_trust_list_urls: dict[str, str] = {}  # "pub-eaa"/"wrpac"/"wrprc" -> URL

    @property
    def configured(self) -> bool:
        return bool(self.wallet_trust_anchors or self.wallet_trust_list_urls)
