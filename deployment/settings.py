"""Settings every ESSPASS service shares (pydantic-settings, ``ESSPASS_`` prefix, or a ``.env`` file).

The services' own settings (``issuer.settings.Settings``, ``verifier.settings.VerifierSettings``,
``wallet.settings.WalletSettings``) extend :class:`SharedSettings`. ``docs/deploy.md`` lists every setting with its
default; ``docs/esspass.env.example`` is a complete example. The ``.env``-style file ``ESSPASS_ENV_FILE`` names is
read too (none is read implicitly); real environment variables win over it.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def env_file() -> str | None:
    """The .env file ESSPASS_ENV_FILE names, if any (none is read implicitly: a stray .env changes nothing)."""
    return os.environ.get("ESSPASS_ENV_FILE") or None


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESSPASS_", extra="ignore", env_file=None)

    def __init__(self, **values: Any) -> None:
        super().__init__(_env_file=values.pop("_env_file", env_file()), **values)

    home: Path = Path("./.esspass")
    # Where TLS-terminating proxies (nginx) connect from: X-Forwarded-For / -Proto are believed only from these
    # addresses or networks (uvicorn forwarded_allow_ips). Empty: from nobody, the client address is the peer's.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # CA certificates (PEM) that outgoing https (trust lists, status lists, issuers, verifiers) is checked against,
    # instead of the system store
    ca_bundle: Path | None = None
    # a configured service fetches over https from non-loopback addresses only; this allows loopback addresses and
    # plain http to them too (one-machine set-ups, tests). The demo always allows them.
    fetch_loopback: bool = False
    # PKCS#11: the module (a token's library) and the user PIN, from this variable or from a file, never a flag
    pkcs11_module: Path | None = None
    pkcs11_pin: SecretStr | None = None
    pkcs11_pin_file: Path | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        for item in value or []:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"ESSPASS_TRUSTED_PROXIES holds IP addresses or networks, not {item!r}") from None
        return value

    def url_policy(self, *, demo: bool = False):
        """What a service may fetch (:class:`netio.UrlPolicy`): https to public and private addresses; loopback (and
        plain http to it) in demo mode or with ESSPASS_FETCH_LOOPBACK. The URLs come from the operator's own
        configuration, and what is fetched (signed lists) is validated, so private addresses are allowed."""
        import netio

        return netio.UrlPolicy(allow_loopback=demo or self.fetch_loopback, allow_private=True)

    def tls_context(self):
        """An ``ssl.SSLContext`` for outgoing https: ESSPASS_CA_BUNDLE, else the system store (``netio.ssl_context``)."""
        import netio

        return netio.ssl_context(self.ca_bundle)

    def forwarded_allow_ips(self) -> str:
        """uvicorn's ``forwarded_allow_ips``: the configured proxies, or an empty string (trust no one)."""
        return ",".join(self.trusted_proxies)
