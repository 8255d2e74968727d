"""The wallet's configuration (pydantic-settings, ``ESSPASS_`` prefix; docs/deploy.md lists every setting).

Embedded default: the lists and the pinned operator certificate in a trust directory (``ESSPASS_HOME/ecosystem``
or ``--trust-dir``), as ``trust_list.demo`` writes them. Configured: the operator certificates in
``ESSPASS_WALLET_TRUST_ANCHORS`` and the three lists fetched from ``ESSPASS_WALLET_TRUST_LIST_URLS`` (https,
checked against the system store or ``ESSPASS_CA_BUNDLE``). Configured, plain http is refused (also to loopback,
unless ``ESSPASS_FETCH_LOOPBACK``) for everything the wallet fetches. Read through :func:`wallet.http.settings`,
which imports pydantic only when one of the variables is set (the phone build carries no pydantic).
"""

from __future__ import annotations

from pathlib import Path

from deployment import SharedSettings


class WalletSettings(SharedSettings):
    wallet_trust_anchors: Path | None = None  # operator certificates (PEM)
    wallet_trust_list_urls: dict[str, str] = {}  # "pub-eaa"/"wrpac"/"wrprc" -> URL
    # the wallet provider that attests this wallet (wallet.attestation; `esspass wallet-provider serve` in the demo):
    # unset, the wallet sends no wallet or key attestation, and an issuer that requires one refuses it
    wallet_provider_url: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.wallet_trust_anchors or self.wallet_trust_list_urls)

