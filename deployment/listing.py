"""Is a configured certificate on the configured trust list? Checked at start-up, before anything is served.

A service that signs (the issuer) or asks (the verifier) with a certificate the trust list does not list would only
produce credentials and requests that everyone refuses; it is better not to start (trust-lists.md §4, §5).
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from credential.reasons import Rejected
from trust_list import TrustStore, load_trusted_lists

from .errors import ConfigError
from .material import load_certificates, read_file
from .settings import SharedSettings

MAX_LIST_BYTES = 2 * 1024 * 1024


def read_list(source: str, setting: str, shared: SharedSettings) -> str:
    """A signed list from an https URL (http only on loopback) or a file."""
    if source.startswith(("https://", "http://")):
        import netio

        policy = shared.url_policy()
        try:
            with netio.new_client(policy, ca_bundle=shared.ca_bundle) as client:
                got = netio.get(client, source, policy=policy, limits=netio.Limits(max_bytes=MAX_LIST_BYTES))
        except netio.NetIOError as exc:
            raise ConfigError(setting, f"{source} could not be fetched ({type(exc).__name__}: {exc})") from None
        if got.status_code != 200:
            raise ConfigError(setting, f"{source} answered HTTP {got.status_code}")
        return got.content.decode("ascii", "replace").strip()
    return read_file(Path(source), setting).decode("ascii", "replace").strip()


def trusted_list(list_type: str, source: str, list_setting: str, anchors_path: Path, anchors_setting: str,
                 shared: SharedSettings, now: int) -> tuple[TrustStore, list[x509.Certificate]]:
    """The validated list of ``list_type`` from ``source``, or ConfigError naming the list setting."""
    anchors = load_certificates(anchors_path, anchors_setting)
    store = load_trusted_lists({list_type: read_list(source, list_setting, shared)}, anchors, now)
    if list_type not in store.lists:
        why = store.last_rejection.get(list_type)
        raise ConfigError(list_setting, f"the list at {source} does not validate against {anchors_setting} "
                                        f"({why.code if isinstance(why, Rejected) else 'unreadable'})")
    return store, anchors
