"""The wallet's HTTP: the one bounded client (:mod:`netio`) with the wallet's limits: no redirects, short
timeouts, a size limit counted while the body streams, https except on loopback.

The client is passed in (an ``httpx.Client``), so tests can point the wallet at servers on loopback.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

import netio

from . import reasons as R

MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_S = 15.0
LIMITS = netio.Limits(max_bytes=MAX_RESPONSE_BYTES, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S,
                      total_timeout=2 * TIMEOUT_S, max_redirects=0)
# what the wallet may reach: https anywhere, plain http only to loopback (local demos and tests)
POLICY = netio.UrlPolicy(allow_loopback=True, allow_private=True)


def request_policy(demo: bool) -> netio.UrlPolicy:
    """A verifier's request_uri, fetched before anything says who the verifier is (issue 14, finding 14): https to
    a public address only; loopback (and plain http to it) only when the wallet runs on the demo ecosystem."""
    return netio.UrlPolicy(allow_loopback=demo, allow_private=False)


def new_client(policy: netio.UrlPolicy = POLICY) -> httpx.Client:
    return netio.new_client(policy, headers={"User-Agent": "esspass-wallet/0.1"})


def check_url(url: Any, reason: R.Reason, policy: netio.UrlPolicy = POLICY) -> str:
    """An absolute https URL (http only to a loopback host, for local demos and tests)."""
    try:
        return netio.check_url(url, policy).url
    except netio.UrlRefused as exc:
        raise R.Rejected(reason, str(exc)) from None


def request(client: httpx.Client, method: str, url: str, *, fail: R.Reason, policy: netio.UrlPolicy = POLICY,
            **kwargs: Any) -> netio.Fetched:
    try:
        return netio.request(client, method, url, policy=policy, limits=LIMITS, **kwargs)
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
