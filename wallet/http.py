"""The wallet's HTTP: the one bounded client (:mod:`netio`) with the wallet's limits: no redirects, short
timeouts, a size limit counted while the body streams, https except on loopback.

The client is passed in (an ``httpx.Client``), so tests can point the wallet at servers on loopback.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

import netio

from . import reasons as R

MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_S = 15.0
LIMITS = netio.Limits(max_bytes=MAX_RESPONSE_BYTES, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S,
                      total_timeout=2 * TIMEOUT_S, max_redirects=0)
# what the demo wallet may reach: https anywhere, plain http only to loopback (local demos and tests)
POLICY = netio.UrlPolicy(allow_loopback=True, allow_private=True)
# what can change the wallet's defaults (wallet.settings)
_VARIABLES = ("ESSPASS_WALLET_TRUST_ANCHORS", "ESSPASS_WALLET_TRUST_LIST_URLS", "ESSPASS_CA_BUNDLE",
              "ESSPASS_FETCH_LOOPBACK", "ESSPASS_ENV_FILE", "ESSPASS_WALLET_PROVIDER_URL")


def settings():
    """The wallet's :class:`wallet.settings.WalletSettings` when any of its variables is set, else None (the embedded
    default; pydantic is not imported then)."""
    if not any(os.environ.get(name) for name in _VARIABLES):
        return None
    from .settings import WalletSettings

    return WalletSettings()


def default_policy() -> netio.UrlPolicy:
    """Demo: :data:`POLICY`. Configured (trust anchors or list URLs set): https only, loopback only with
    ``ESSPASS_FETCH_LOOPBACK`` (issue 11: plain http is refused except for loopback in demo mode)."""
    s = settings()
    if s is None or not s.configured:
        return POLICY
    return s.url_policy()


def request_policy(demo: bool) -> netio.UrlPolicy:
    """A verifier's request_uri, fetched before anything says who the verifier is (issue 14, finding 14): https to
    a public address only; loopback (and plain http to it) only when the wallet runs on the demo ecosystem, or when
    ``ESSPASS_FETCH_LOOPBACK`` allows it (one-machine set-ups and tests, wallet.settings)."""
    s = settings()
    return netio.UrlPolicy(allow_loopback=demo or bool(s is not None and s.fetch_loopback), allow_private=False)


def new_client(policy: netio.UrlPolicy | None = None) -> httpx.Client:
    """TLS verified against ``ESSPASS_CA_BUNDLE`` when set, else the system store; ``policy`` default:
    :func:`default_policy`."""
    s = settings()
    bundle = str(s.ca_bundle) if s is not None and s.ca_bundle else None
    return netio.new_client(policy or default_policy(), ca_bundle=bundle, headers={"User-Agent": "esspass-wallet/0.1"})


def check_url(url: Any, reason: R.Reason, policy: netio.UrlPolicy | None = None) -> str:
    """An absolute https URL (http only to a loopback host in demo mode: :func:`default_policy`)."""
    try:
        return netio.check_url(url, policy or default_policy()).url
    except netio.UrlRefused as exc:
        raise R.Rejected(reason, str(exc)) from None


def request(client: httpx.Client, method: str, url: str, *, fail: R.Reason, policy: netio.UrlPolicy | None = None,
            **kwargs: Any) -> netio.Fetched:
    try:
        return netio.request(client, method, url, policy=policy or default_policy(), limits=LIMITS, **kwargs)
    except netio.AddressRefused as exc:
        raise R.Rejected(R.REQUEST_URI_REFUSED if fail is R.REQUEST_INVALID else fail, str(exc)) from None
    except (netio.UrlRefused, netio.RedirectRefused) as exc:
        raise R.Rejected(fail, str(exc)) from None
    except netio.TooLarge:
        raise R.Rejected(R.NETWORK, "response too large") from None
    except netio.NetIOError as exc:
        raise R.Rejected(R.NETWORK, type(exc).__name__) from None


def json_of(resp: netio.Fetched, fail: R.Reason) -> dict[str, Any]:
    try:
        value = json.loads(resp.content)
    except ValueError:
        raise R.Rejected(fail, f"HTTP {resp.status_code}: not JSON") from None
    if not isinstance(value, dict):
        raise R.Rejected(fail, "not a JSON object")
    return value
