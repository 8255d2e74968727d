"""Outgoing https for start-up checks: certificates verified against the system store or ``ESSPASS_CA_BUNDLE``;
plain http only to loopback."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigError
from .settings import SharedSettings

TIMEOUT_S = 10.0


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def verify_setting(shared: SharedSettings):
    """httpx ``verify``: the configured CA bundle (an ssl.SSLContext) or True (the system store)."""
    if shared.ca_bundle is None:
        return True
    import ssl

    if not shared.ca_bundle.is_file():
        raise ConfigError("ESSPASS_CA_BUNDLE", f"the file {shared.ca_bundle} does not exist")
    try:
        return ssl.create_default_context(cafile=str(shared.ca_bundle))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError("ESSPASS_CA_BUNDLE", f"{shared.ca_bundle} holds no usable CA certificate ({exc})") from None


def get_bytes(url: str, setting: str, shared: SharedSettings, *, max_bytes: int) -> bytes:
    import httpx

    if url.startswith("http://") and not is_loopback_url(url):
        raise ConfigError(setting, f"{url} is plain http: only https is allowed beyond this machine")
    try:
        with httpx.Client(verify=verify_setting(shared), timeout=TIMEOUT_S, follow_redirects=False) as client:
            with client.stream("GET", url) as resp:
                if resp.status_code != 200:
                    raise ConfigError(setting, f"{url} answered HTTP {resp.status_code}")
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise ConfigError(setting, f"{url} sent more than {max_bytes} bytes")
                return body
    except httpx.HTTPError as exc:
        raise ConfigError(setting, f"{url} could not be fetched ({type(exc).__name__}: {exc})") from None
