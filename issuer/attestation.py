"""Wallet attestation (client authentication) and key attestations at the issuer.

- PAR and token endpoints: ``OAuth-Client-Attestation`` + ``OAuth-Client-Attestation-PoP``
  (draft-ietf-oauth-attestation-based-client-auth, "ABCA", §5, §6.1, §6.2, §7 "as an OAuth Client
  Authentication"; OpenID4VCI 1.0 Appendix E; HAIP 1.0 §4.4.1). Checked whenever sent; required with
  ``ESSPASS_WALLET_ATTESTATION_REQUIRED`` (HAIP §4.4.1: "Issuers MUST require" it; off by default so that
  wallets without a wallet provider keep working in the demo).
- Credential endpoint: key attestations (OpenID4VCI 1.0 Appendix D; HAIP 1.0 §4.5.1) in a ``jwt`` proof's
  ``key_attestation`` header or as the ``attestation`` proof type; required with
  ``ESSPASS_KEY_ATTESTATION_REQUIRED`` (then advertised as ``key_attestations_required`` in ``proof_types_supported``, §12.2.4).

The signer must be on the Wallet Providers list (TS 119 602; ``trust_list.check_wallet_provider``), read from
``ESSPASS_WALLET_PROVIDERS_LIST`` (URL or file) signed by ``ESSPASS_WALLET_PROVIDERS_ANCHORS``, or, for an
issuer on the demo ecosystem, from that ecosystem. It is read again every ``wallet_providers_refresh`` seconds;
a list that fails leaves the last good one in force until its NextUpdate (trust-lists.md §3).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from credential import attestations as A
from credential.reasons import Rejected
from deployment import ConfigError
from deployment import read_list
from deployment import load_certificates
from trust_list import WALLET_PROVIDERS, TrustStore, check_wallet_provider

from .settings import Settings

log = logging.getLogger("esspass.issuer")

CLIENT_AUTH_METHOD = "attest_jwt_client_auth"  # ABCA §8 (metadata), §13.5 (registration)
ATTESTATION_HEADER = "oauth-client-attestation"  # ABCA §5.1
POP_HEADER = "oauth-client-attestation-pop"  # ABCA §5.2


class AttestationInvalid(Exception):
    """A wallet or key attestation was refused: ``reason`` is the stable code (words in the catalogs)."""

    def __init__(self, rejected: Rejected) -> None:
        super().__init__(str(rejected))
        self.reason = rejected.reason
        self.code = rejected.reason.code
        self.detail = rejected.detail

    @property
    def description(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


class WalletProviders:
    """The Wallet Providers list the issuer holds, and the attestation checks that use it."""

    def __init__(self, settings: Settings, now: int) -> None:
        self.settings = settings
        self.source: str | None = None
        anchors: list = []
        if settings.wallet_providers_list or settings.wallet_providers_anchors:
            if not settings.wallet_providers_list:
                raise ConfigError("ESSPASS_WALLET_PROVIDERS_LIST", "is not set, but ESSPASS_WALLET_PROVIDERS_ANCHORS is")
            if not settings.wallet_providers_anchors:
                raise ConfigError("ESSPASS_WALLET_PROVIDERS_ANCHORS", "is not set, but ESSPASS_WALLET_PROVIDERS_LIST is")
            self.source = settings.wallet_providers_list
            anchors = load_certificates(settings.wallet_providers_anchors, "ESSPASS_WALLET_PROVIDERS_ANCHORS")
        elif not settings.configured:  # the demo ecosystem the issuer signs in (issuer.deps)
            index = settings.ecosystem_dir / "ecosystem.json"
            if index.exists():
                import json  # noqa: PLC0415

                meta = json.loads(index.read_text("utf-8"))
                path = meta.get("lists", {}).get(WALLET_PROVIDERS)
                if path:
                    self.source = str(settings.ecosystem_dir / path)
                    anchors = load_certificates(settings.ecosystem_dir / meta["operator_cert"], "ESSPASS_HOME")
        if (settings.wallet_attestation_required or settings.key_attestation_required) and self.source is None:
            raise ConfigError("ESSPASS_WALLET_PROVIDERS_LIST",
                              "is needed to require wallet or key attestations (who may sign them?)")
        self.store = TrustStore(anchors={WALLET_PROVIDERS: anchors})
        self._loaded_at: int | None = None
        self._lock = threading.Lock()
        if self.source is not None:
            self._load(now, at_start=True)

    @property
    def enabled(self) -> bool:
        return self.source is not None

    def _load(self, now: int, at_start: bool = False) -> None:
        setting = "ESSPASS_WALLET_PROVIDERS_LIST"
        try:
            self.store.update(WALLET_PROVIDERS, read_list(self.source, setting, self.settings), now)
        except Rejected as exc:
            if at_start and self.settings.configured:
                raise ConfigError(setting, f"the list at {self.source} does not validate ({exc.code})") from None
            log.warning("wallet providers list not accepted: %s", exc)
        except ConfigError as exc:
            if at_start and self.settings.configured:
                raise
            log.warning("wallet providers list unreadable: %s", exc)
        self._loaded_at = now

    def _fresh(self, now: int) -> None:
        if self.source is None:
            return
        with self._lock:
            if self._loaded_at is None or now - self._loaded_at >= self.settings.wallet_providers_refresh:
                self._load(now)

    def _trusted_key(self, now: int):
        def resolve(header: dict[str, Any]):
            if "x5c" not in header:  # HAIP §4.4.1 / §4.5.1: the signer's certificate MUST be in x5c
                from trust_list.reasons import WALLET_PROVIDER_UNTRUSTED  # noqa: PLC0415

                raise Rejected(WALLET_PROVIDER_UNTRUSTED, "no x5c header")
            trust = check_wallet_provider(self.store, header["x5c"], now)
            return trust.signing_key, trust
        return resolve

    def check_client(self, attestation: str | None, pop: str | None, *, client_id: str | None, audience: str,
                     now: int) -> A.ClientAttestation | None:
        """ABCA §6.1/§6.2 for one request. None when no attestation was sent and none is required."""
        if not self.enabled or (attestation is None and pop is None and not self.settings.wallet_attestation_required):
            return None  # without a Wallet Providers list the method is not offered (metadata), so not checked
        self._fresh(now)
        try:
            return A.check_client_attestation(
                attestation, pop, trusted_key=self._trusted_key(now), audience=audience, now=now,
                client_id=client_id, pop_window=self.settings.client_attestation_pop_window)
        except Rejected as exc:
            raise AttestationInvalid(exc) from None

    def check_key_attestation(self, token: Any, *, now: int, require_exp: bool) -> A.KeyAttestation:
        """OpenID4VCI Appendix D.1 for one key attestation."""
        self._fresh(now)
        try:
            return A.check_key_attestation(token, trusted_key=self._trusted_key(now), now=now,
                                           require_exp=require_exp)
        except Rejected as exc:
            raise AttestationInvalid(exc) from None


def single_header(values: list[str], reason) -> str | None:
    """ABCA §6.2: "precisely one" header of each; two are refused with ``reason``."""
    if not values:
        return None
    if len(values) != 1:
        raise AttestationInvalid(Rejected(reason, "the header is repeated"))
    return values[0].strip()


def headers_of(request_headers) -> tuple[str | None, str | None]:
    """(attestation, PoP) from the request's headers (case-insensitive names, RFC 9110)."""
    return (single_header(request_headers.getlist(ATTESTATION_HEADER), A.MALFORMED),
            single_header(request_headers.getlist(POP_HEADER), A.POP_MALFORMED))
