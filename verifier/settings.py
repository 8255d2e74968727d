"""Configuration from ``ESSPASS_*`` environment variables (pydantic-settings).

Embedded default: with no configuration the verifier keeps its state under ``ESSPASS_HOME`` (default
``./.esspass``), trusts the demo ecosystem under ``ESSPASS_HOME/ecosystem`` (built by ``trust_list.demo`` when
missing, the same one the issuer uses) and acts as that ecosystem's ``verifier`` relying party, with its access
certificate and registration certificate.

Configured (any of ``ESSPASS_VERIFIER_TRUST_ANCHORS``, ``_ACCESS_KEY``, ``_ACCESS_CHAIN``, ``_REGISTRATION_CERT``):
the verifier trusts the operator certificates in ``ESSPASS_VERIFIER_TRUST_ANCHORS``, fetches the lists from
``ESSPASS_VERIFIER_TRUST_LIST_URLS`` and signs its requests with its own access key (PEM or PKCS#11) and chain,
carrying its own registration certificate; ``trust_list.demo`` is never imported. Start-up checks that its
requests pass the wallet's relying-party check (access certificate on the WRPAC list, registration on WRPRC).
Every setting and its default: ``docs/deploy.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import netio
from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from deployment import SharedSettings

RECORD_FIELDS = ("decision", "preset", "time", "issuer", "codes", "credential_type", "claims")
DEFAULT_RECORD_FIELDS = "decision,preset,time,issuer,codes"


# the settings that make a verifier "configured"; all of them (and the list URLs) are then required
OWN_SETTINGS = ("verifier_trust_anchors", "verifier_access_key", "verifier_access_chain", "verifier_registration_cert")


class VerifierSettings(SharedSettings):
    verifier_url: str = "http://127.0.0.1:8442"  # public base URL (request_uri and response_uri are under it)
    verifier_relying_party: str = "verifier"  # which relying party of the ecosystem this service is
    verifier_transaction_ttl: int = 300  # seconds a request stays answerable (OpenID4VP 1.0 §14.1)
    verifier_max_transactions: int = Field(10_000, ge=1)  # unexpired ones are never evicted: 503 when full
    # where transactions live: empty = this process's memory; redis://host:port/db = shared by several instances
    verifier_store_url: str = ""
    # open checks at once (issue 14 finding 4): each authenticated API client / the console has its own quota;
    # anonymous requests share one pool (0 = only authenticated clients may start checks). Keep the pool well
    # below verifier_max_transactions so that authenticated clients always find room.
    verifier_client_transactions: int = Field(500, ge=1)
    verifier_anonymous_transactions: int = Field(1000, ge=0)
    # new transactions per client address (token bucket): a burst, then so many per minute; 0 = no limit
    verifier_create_per_minute: int = Field(120, ge=0)
    verifier_create_burst: int = Field(600, ge=1)
    verifier_trust_list_urls: dict[str, str] = {}  # "pub-eaa"/"wrpac"/"wrprc" -> URL; empty = local files
    # seconds between conditional GETs of the lists (If-None-Match: an unchanged list costs a 304)
    verifier_trust_list_refresh: int = Field(300, ge=1, le=86_400)
    verifier_trust_anchors: Path | None = None  # operator certificates (PEM) the lists must be signed under
    verifier_access_key: str | None = None  # PEM file (0600) or PKCS#11 URI (RFC 7512)
    verifier_access_chain: Path | None = None  # PEM: access certificate first, then its CA
    verifier_registration_cert: Path | None = None  # the registration certificate (rc-wrp+jwt compact JWS)
    # the presets this verifier may ask for (a JSON list or comma-separated); empty: every preset
    verifier_presets: Annotated[list[str], NoDecode] = []
    verifier_status_network: bool = True  # fetch Status List Tokens over HTTP
    # what the verifier may fetch (status lists, trust lists; netio.UrlPolicy): loopback addresses and plain http to
    # loopback (None: only in demo mode, i.e. no trust-list URLs and no bundle configured), private addresses, and
    # the CA bundle TLS is verified against (None: the system trust store)
    verifier_fetch_loopback: bool | None = None
    # overall time one verification may take, status-list and trust-list fetches included (then INDETERMINATE)
    verifier_check_deadline_s: float = Field(10.0, gt=0, le=120)
    verifier_fetch_private: bool = False
    verifier_ca_bundle: Path | None = None
    verifier_bundle: Path | None = None  # offline: lists and status tokens from a bundle, no network
    # Status List Token URIs `esspass verifier sync` always puts in a bundle: a JSON list or comma-separated
    verifier_status_uris: Annotated[list[str], NoDecode] = []
    issuer_url: str | None = None  # ESSPASS_ISSUER_URL: the local demo issuer (its /status/1 is synced by default)
    # the inspector app's manual entry (issue 15 item 3): the issuer's case API base URL (default: issuer_url) and
    # a token with the scope lookup only; the token may also sit in <inspector state>/lookup_token (mode 0600)
    verifier_lookup_url: str | None = None
    verifier_lookup_token: str | None = None
    verifier_records: str = DEFAULT_RECORD_FIELDS  # what an inspection record keeps; "none" keeps nothing
    verifier_record_retention_days: int = 90
    verifier_allow_paper: bool = False  # accept presentations without key binding in the service
    # DCQL trusted_authorities (aki) of the issuers our lists accept, in every request (HAIP 1.0 §5; issue 13)
    verifier_trusted_authorities: bool = True
    # how old a KB-JWT may be (seconds between its iat and now; RFC 9901 §7.3 leaves the limit to the verifier)
    verifier_kb_max_age: int = Field(300, ge=1, le=86_400)

    @field_validator("verifier_presets", mode="before")
    @classmethod
    def _preset_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        return value

    @property
    def configured(self) -> bool:
        """True when this verifier has its own anchors or relying-party certificates (no demo ecosystem)."""
        return any(getattr(self, name) for name in OWN_SETTINGS)

    @field_validator("verifier_status_uris", mode="before")
    @classmethod
    def _uri_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                value = json.loads(text)
            else:
                value = [u.strip() for u in text.split(",") if u.strip()]
        if isinstance(value, list):
            for uri in value:
                if not isinstance(uri, str) or not uri.startswith(("http://", "https://")) or len(uri) > 2048:
                    raise ValueError("ESSPASS_VERIFIER_STATUS_URIS holds http(s) URIs of at most 2048 characters")
        return value

    @property
    def demo_mode(self) -> bool:
        """The embedded default: the demo ecosystem on this machine, nothing configured to fetch from."""
        return not self.verifier_trust_list_urls and not self.verifier_bundle and not self.configured

    def fetch_policy(self) -> netio.UrlPolicy:
        loopback = ((self.demo_mode or self.fetch_loopback) if self.verifier_fetch_loopback is None
                    else self.verifier_fetch_loopback)
        return netio.UrlPolicy(allow_loopback=loopback, allow_private=self.verifier_fetch_private)

    @property
    def ecosystem_home(self) -> Path:
        return Path(self.home) / "ecosystem"

    @property
    def state_dir(self) -> Path:
        return Path(self.home) / "verifier"

    def record_fields(self) -> frozenset[str]:
        if self.verifier_records.strip().lower() in ("", "none"):
            return frozenset()
        fields = {f.strip() for f in self.verifier_records.split(",") if f.strip()}
        unknown = fields - set(RECORD_FIELDS)
        if unknown:
            raise ValueError(f"unknown inspection record fields: {', '.join(sorted(unknown))}")
        return frozenset(fields)
