"""Edge I/O shared by the trust-list fetcher, the verifier and the wallet: one bounded HTTP client
(:mod:`netio.bounded_http`). Imports nothing of the other ESSPASS packages."""

from .bounded_http import (AddressRefused, Fetched, Limits, NetIOError, RedirectRefused, Target, TimedOut, TooLarge,
                           TransportFailed, UrlPolicy, UrlRefused, address_kind, check_url, deadline_scope, get,
                           new_client, request, ssl_context, time_left)

__all__ = [
    "AddressRefused", "Fetched", "Limits", "NetIOError", "RedirectRefused", "Target", "TimedOut", "TooLarge",
    "TransportFailed", "UrlPolicy", "UrlRefused", "address_kind", "check_url", "deadline_scope", "get", "new_client",
    "request", "ssl_context", "time_left",
]
