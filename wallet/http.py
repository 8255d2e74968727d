"""Bounded HTTP for the wallet: no redirects, short timeouts, size limits, HTTPS except on loopback.

The client is passed in (an ``httpx.Client``), so tests can point the wallet at servers on loopback.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import reasons as R

MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_S = 15.0
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def new_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_S, follow_redirects=False,
                        headers={"User-Agent": "esspass-wallet/0.1"})


def check_url(url: Any, reason: R.Reason) -> str:
    """An absolute https URL (http only to a loopback host, for local demos and tests)."""
    if not isinstance(url, str) or len(url) > 2048:
        raise R.Rejected(reason, "URL missing or too long")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url
    raise R.Rejected(reason, "URL must be https")


def _body(resp: httpx.Response) -> bytes:
    data = resp.content
    if len(data) > MAX_RESPONSE_BYTES:
        raise R.Rejected(R.NETWORK, "response too large")
    return data


def request(client: httpx.Client, method: str, url: str, *, fail: R.Reason, **kwargs: Any) -> httpx.Response:
    try:
        resp = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise R.Rejected(R.NETWORK, type(exc).__name__) from None
    _body(resp)
    return resp


def json_of(resp: httpx.Response, fail: R.Reason) -> dict[str, Any]:
    try:
        value = json.loads(_body(resp))
    except ValueError:
        raise R.Rejected(fail, f"HTTP {resp.status_code}: not JSON") from None
    if not isinstance(value, dict):
        raise R.Rejected(fail, "not a JSON object")
    return value
