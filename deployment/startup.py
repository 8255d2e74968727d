"""What a service says when it starts, and how uvicorn is told whom to believe.

Start-up lines (stderr): the mode (``demo mode: ...`` or ``mode: configured ...``), the public URL, where it
listens, and where the first-start secrets are (paths only, never the secrets). A loud warning when the public URL
cannot be where a loopback listener is reached and no proxy is configured (issue 11, "one public URL").

Forwarded headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed only from ``ESSPASS_TRUSTED_PROXIES``;
with none configured uvicorn's proxy-header handling is off, so a client's address is its TCP peer's (issue 14,
finding 8: otherwise any local caller could claim any address and get past per-address login throttling).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .settings import SharedSettings

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uvicorn_options(shared: SharedSettings) -> dict[str, Any]:
    """``proxy_headers`` / ``forwarded_allow_ips`` for uvicorn.run / uvicorn.Config: only configured proxies."""
    proxies = shared.forwarded_allow_ips()
    if not proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def listen_warning(public_url: str, host: str, port: int, proxies: Iterable[str], setting: str) -> str | None:
    """A warning when the service listens on loopback without a proxy and the public URL points elsewhere: every
    advertised URL (metadata, offers, QR codes, request objects) would send wallets to the wrong place."""
    if list(proxies) or not is_loopback_host(host):
        return None
    parts = urlsplit(public_url)
    public_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    if is_loopback_host(parts.hostname or "") and public_port == port and parts.scheme == "http":
        return None
    return (f"WARNING: the public URL {public_url} is not where this service listens (http://{host}:{port}) and "
            f"no proxy is configured (ESSPASS_TRUSTED_PROXIES): wallets and browsers will be sent to the wrong "
            f"address. Set {setting} or --public-url to http://{host}:{port}, or put the proxy in front.")


def startup_lines(service: str, mode: str, public_url: str, host: str, port: int, shared: SharedSettings,
                  secrets: Iterable[tuple[str, Path]], setting: str) -> list[str]:
    """The lines a service prints at start (no secret ever, only where secrets are)."""
    lines = [f"{service}: {mode}", f"{service}: public URL {public_url}"]
    proxies = shared.trusted_proxies
    trust = (f"forwarded headers believed from {', '.join(proxies)}" if proxies
             else "forwarded headers ignored (no ESSPASS_TRUSTED_PROXIES)")
    lines.append(f"{service}: listening on {host}:{port}; {trust}")
    shown = [f"{what} in {path}" for what, path in secrets if path.exists()]
    if shown:
        lines.append(f"{service}: first-start secrets (files, mode 0600, never printed): " + "; ".join(shown))
    warning = listen_warning(public_url, host, port, proxies, setting)
    if warning:
        lines.append(f"{service}: {warning}")
    return lines
