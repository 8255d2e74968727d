"""Issuer configuration from environment variables with the ``ESSPASS_`` prefix (pydantic-settings).

Embedded default: no variable set keeps everything under ``ESSPASS_HOME`` (default ``./.esspass``):
``ecosystem/`` (demo trust ecosystem shared with the wallet and verifier), ``issuer/issuer.db``
(SQLite) and ``issuer/api_token`` (the case-system API token, mode 0600).

Configured (any of the ``ESSPASS_ISSUER_CREDENTIAL_*`` / ``ESSPASS_ISSUER_STATUS_*`` keys set): the institution's
keys and certificate chains come from PEM files or a PKCS#11 token, ``trust_list.demo`` is never imported, and
with ``ESSPASS_ISSUER_TRUST_ANCHORS`` + ``ESSPASS_ISSUER_TRUST_LIST`` start-up checks that both certificates are on
the Pub-EAA list. Every setting and its default: ``docs/deploy.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from deployment import SharedSettings

# the settings that make an issuer "configured" (its own keys): any one of them, and all four are required
KEY_SETTINGS = ("issuer_credential_key", "issuer_credential_chain", "issuer_status_key", "issuer_status_chain")


class Settings(SharedSettings):
    database_url: str | None = None
    issuer_url: str = "http://127.0.0.1:8441"
    institution: str = "DK"  # the demo institution this issuer signs for (Udbetaling Danmark)
    # The institution's identifier in credentials' ``issuing_authority.id``; default "<country>:<SLUG>"
    # ("DK:UDK"). Cases must name this institution (or leave it out: it is filled in).
    institution_id: str | None = None
    # How online copies name their signing key (trust-lists.md §4): "x5c" (the signing certificate and its
    # intermediates, never the trust anchor: HAIP 1.0 §6.1.1) or "x5t" (kid + x5t#S256 of the listed signing
    # certificate, for every copy). Copies a wallet asks for as offline copies (esspass_offline_copies) and paper
    # copies are always kid + x5t#S256: an offline QR code has no room for a chain (docs/issuer.md).
    credential_key_reference: Literal["x5t", "x5c"] = "x5c"

    # The institution's own keys (a configured issuer; unset: the demo ecosystem's). A key is a PEM file
    # (unencrypted, mode 0600) or a PKCS#11 URI (RFC 7512, "pkcs11:token=...;object=..."); a chain is a PEM file,
    # the signing certificate first, then its CA(s).
    issuer_credential_key: str | None = None
    issuer_credential_chain: Path | None = None
    issuer_status_key: str | None = None
    issuer_status_chain: Path | None = None
    issuer_institution_name: str | None = None  # default: the organisation (O) of the credential certificate
    # Checked at start: both certificates must be on this Pub-EAA list (URL or file), signed by these anchors
    issuer_trust_anchors: Path | None = None
    issuer_trust_list: str | None = None

    # lifetimes (seconds) and limits
    pre_authorized_code_ttl: int = 600  # OpenID4VCI §4.1.1: "short lived and single use"
    access_token_ttl: int = 300
    # RFC 6749 §6 refresh tokens (DPoP-bound, RFC 9449 §5): how long a wallet can fetch new one-time copies of a
    # credential without a new case (issue 15); 0 issues none
    refresh_token_ttl: int = 180 * 86400
    nonce_ttl: int = 300
    tx_code_max_attempts: int = 5
    proof_iat_window: int = 300  # accepted |now - iat| of a key proof (F.1 "iat")
    dpop_iat_window: int = 300  # accepted |now - iat| of a DPoP proof (RFC 9449 §4.3 step 11, §11.1)
    batch_size: int = 10  # OpenID4VCI §12.2.4 batch_credential_issuance.batch_size
    credential_validity_days: int = 365
    status_list_size: int = 100_000  # entries per Token Status List (random index within it)
    status_list_fill: float = 0.5  # open a new list when a list is this full (keeps random picks cheap)
    status_list_ttl: int = 300  # Status List Token "ttl" (draft-ietf-oauth-status-list-20 §5.1)
    status_list_exp: int = 86_400  # Status List Token lifetime; republished before it runs out
    max_body_bytes: int = 256 * 1024
    max_json_depth: int = 32  # case API request bodies: deeper JSON is refused before validation
    # back-office login throttling (per process, issue 14 finding 7): after this many failed logins
    # of one user name from one client address (or of any names from one address) each further try
    # waits 1, 2, 4, ... seconds after the last failure, at most login_failure_window; failures are
    # forgotten login_failure_memory seconds after the last one
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 20
    login_failure_window: int = 900
    login_failure_memory: int = 86_400
    session_ttl: int = 8 * 3600  # back-office session lifetime (server-side; logout ends it at once)
    # Status List Tokens also as static files (issue 12 item 3): every signed token is written to
    # <status_dir>/<list_id> for nginx or a CDN to serve at /status/<list_id>; None = only the app route
    status_dir: Path | None = None
    # anonymous c_nonce requests per client address and minute, per process (issue 14 finding 5); 0 = no limit
    nonce_per_minute: int = 600

    # Authorization code flow (OpenID4VCI 1.0 §5, RFC 9126 PAR, RFC 7636 PKCE; issuer/authz.py)
    par_ttl: int = 90  # RFC 9126 §2.2 expires_in of a request_uri ("short", examples use 60-90 s)
    login_ttl: int = 600  # time the citizen has to log in between /authorize and the callback
    authorization_code_ttl: int = 60  # RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes is RECOMMENDED"; short
    # RFC 9449 §8/§9: DPoP-Nonce values are always offered (a header on the OAuth endpoints' answers)
    # and checked when a proof carries one; with this on, a proof without a fresh server nonce is
    # refused with use_dpop_nonce.
    dpop_require_nonce: bool = False
    dpop_nonce_ttl: int = 120  # a nonce is accepted during this slot and the next
    # The citizen's login at the authorization endpoint (issuer/login.py): an upstream OpenID Connect
    # provider (a national eID broker) when oidc_issuer is set; otherwise, in demo mode only, the
    # embedded demo login for the demo citizens. Neither: the authorization code flow is off.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid"
    # the claim (ID token or UserInfo) holding the person's personal number, matched against the
    # case's personal_administrative_number
    oidc_personal_number_claim: str = "sub"
    oidc_allow_http: bool = False  # only for loopback tests: an http:// upstream (never in production)
    demo_login: bool = False  # the embedded demo login (set by the demo; ignored once oidc_issuer is set)

    # Wallet and key attestations (issuer/attestation.py): HAIP 1.0 §4.4.1 (wallet attestation at PAR and
    # token endpoints, draft-ietf-oauth-attestation-based-client-auth) and §4.5.1 (key attestations,
    # OpenID4VCI 1.0 Appendix D). Always checked when sent; refused when absent only if required.
    wallet_attestation_required: bool = False
    key_attestation_required: bool = False
    # the Wallet Providers list (TS 119 602; URL or file) and the operator certificate(s) that sign it;
    # unset on an issuer of the demo ecosystem: the ecosystem's list
    wallet_providers_list: str | None = None
    wallet_providers_anchors: Path | None = None
    wallet_providers_refresh: int = 3600  # seconds between readings of the list
    client_attestation_pop_window: int = 300  # accepted |now - iat| of a Client Attestation PoP (ABCA §6.2)

    @property
    def configured(self) -> bool:
        """True when the institution's own keys are configured (then ``trust_list.demo`` is never imported)."""
        return any(getattr(self, name) for name in KEY_SETTINGS)

    @property
    def issuer_dir(self) -> Path:
        return self.home / "issuer"

    @property
    def ecosystem_dir(self) -> Path:
        return self.home / "ecosystem"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.issuer_dir / 'issuer.db').resolve()}"

    @property
    def public_url(self) -> str:
        return self.issuer_url.rstrip("/")
