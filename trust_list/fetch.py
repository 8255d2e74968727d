"""Fetching lists over HTTP with bounded inputs (docs/trust-lists-profile.md §3).

:class:`TrustListFetcher` refreshes the lists of a :class:`TrustStore` from their URLs:

- conditional GET (``If-None-Match`` with the ETag of the list in force): 304 keeps it;
- through the one bounded HTTP client (:mod:`netio`): https (loopback only when the URL policy allows it),
  timeouts and an overall deadline, a size limit while streaming, same-origin redirects only, a limited number;
- a newer list that fails validation, or any network error, leaves the previous valid list in
  force until its own NextUpdate (§3, last paragraph); with no valid list at hand the result says
  ``list.unavailable``;
- every result says how old the list in force is (seconds since its ListIssueDateTime) and when it
  was last confirmed with the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

import netio

from . import reasons as R
from .store import TrustStore
from .validation import ValidatedList

__all__ = ["TrustListFetcher"]

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 3

Outcome = Literal["updated", "not_modified", "kept", "unavailable"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    list_type: str
    outcome: Outcome
    reason: str | None  # a §3 code when the fetched list was rejected or none is at hand
    detail: str  # technical detail (HTTP status, network error) for logs
    in_force: ValidatedList | None
    age_seconds: int | None  # now - ListIssueDateTime of the list in force
    confirmed_at: int | None  # last time the server confirmed or delivered the list in force


class TrustListFetcher:
    def __init__(self, store: TrustStore, urls: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_redirects: int = DEFAULT_MAX_REDIRECTS,
                 client: httpx.Client | None = None, policy: netio.UrlPolicy = netio.UrlPolicy(),
                 ca_bundle: str | None = None) -> None:
        self.store = store
        self.urls = dict(urls)
        self.max_bytes = max_bytes
        self.policy = policy
        self.limits = netio.Limits(max_bytes=max_bytes, connect_timeout=timeout, read_timeout=timeout,
                                   total_timeout=3 * timeout, max_redirects=max_redirects)
        self._client = client or netio.new_client(policy, ca_bundle=ca_bundle)
        self._etags: dict[str, str] = {}
        self._confirmed: dict[str, int] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "TrustListFetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _result(self, list_type: str, outcome: Outcome, now: int, reason: str | None, detail: str) -> FetchResult:
        held = self.store.lists.get(list_type)
        if held is not None and now >= held.lote.next_update:
            held = None  # past its NextUpdate the old list is no longer in force
        if held is None and outcome == "kept":
            outcome = "unavailable"
            reason = reason or R.LIST_UNAVAILABLE.code
        return FetchResult(
            list_type, outcome, reason, detail, held,
            None if held is None else now - held.lote.issue_time,
            self._confirmed.get(list_type) if held is not None else None,
        )

    def _get(self, url: str, etag: str | None) -> tuple[int, bytes, str | None]:
        headers = {"Accept": "application/jwt", **({"If-None-Match": etag} if etag else {})}
        got = netio.get(self._client, url, policy=self.policy, limits=self.limits, headers=headers)
        return got.status_code, got.content, got.headers.get("etag")

    def refresh(self, list_type: str, now: int) -> FetchResult:
        """One conditional GET and, for a new body, full validation at ``now``."""
        url = self.urls[list_type]
        held = self.store.lists.get(list_type)
        etag = self._etags.get(list_type) if held is not None else None
        try:
            status, body, new_etag = self._get(url, etag)
        except netio.NetIOError as exc:
            return self._result(list_type, "kept", now, None, f"{type(exc).__name__}: {exc}")
        if status == 304 and held is not None:
            self._confirmed[list_type] = now
            return self._result(list_type, "not_modified", now, None, "304")
        if status != 200:
            return self._result(list_type, "kept", now, None, f"HTTP {status}")
        try:
            token = body.decode("ascii").strip()
        except UnicodeError:
            token = ""
        try:
            self.store.update(list_type, token, now)
        except R.Rejected as exc:
            return self._result(list_type, "kept", now, exc.code, exc.detail)
        if new_etag:
            self._etags[list_type] = new_etag
        self._confirmed[list_type] = now
        return self._result(list_type, "updated", now, None, "200")

    def refresh_all(self, now: int) -> dict[str, FetchResult]:
        return {list_type: self.refresh(list_type, now) for list_type in self.urls}
