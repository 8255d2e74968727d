"""The issuer's imperative shell: every operation as one database transaction.

The HTTP layer (``api``, ``backoffice``) and the CLI call only this class; its methods live by concern in the
modules its parts come from (docstring of :class:`IssuerService`). Section numbers refer to
OpenID4VCI 1.0 ("OID4VCI") and draft-ietf-oauth-status-list-20 ("TSL").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from . import deps, store
from .attestation import WalletProviders
from .authorization import AuthorizationFlow
from .cases import Cases
from .common import (  # noqa: F401 - the service's exceptions and views, importable from here as before
    ACTIONS, MAX_LIST_ID, STATUS_NAMES, TX_CODE_ATTEMPTS_LEFT, CaseView, ClaimsInvalid, Conflict, DocumentRevoked,
    DpopInvalid, IdempotencyKeyReused, InvalidToken, NotFound, OAuthError, UseDpopNonce, _Q, _RANDOM, _T, log)
from .holders import Holders
from .issuing import Issuance
from .login import authenticator_for
from .settings import Settings
from .setup_lock import setup_lock
from .status_lists import StatusLists
from .tokens import TokensAndNonces
from .users import UsersAndAudit


class IssuerService(UsersAndAudit, Cases, Holders, TokensAndNonces, Issuance, StatusLists):
    """Every operation as one database transaction, behind the same methods as before; its parts by concern:
    :mod:`issuer.users` (users, sessions, API tokens, audit), :mod:`issuer.cases` (cases and offers),
    :mod:`issuer.tokens` (token endpoint, DPoP, c_nonces), :mod:`issuer.issuing` (credentials, paper copies),
    :mod:`issuer.status_lists` (Token Status Lists), :mod:`issuer.holders` (a holder's lost device)."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.url = settings.public_url
        self.clock = clock
        settings.issuer_dir.mkdir(parents=True, exist_ok=True)
        self.engine = store.make_engine(settings.db_url)
        self.Session = store.session_factory(self.engine)  # read-write transactions
        self.Reader = store.read_only_sessions(self.engine)  # transactions that only read
        self.read_engine = store.read_only(self.engine)
        # First-start set-up, one instance at a time (issue 12: several instances may start together):
        # migrations, demo keys, the API token, the first user, the first status list, the c_nonce key.
        with setup_lock(self.engine, settings.issuer_dir):
            store.upgrade(self.engine)
            self.keys = deps.institution_keys(settings, self.now())
            self.api_token = self._ensure_api_token()
            self._ensure_admin()
            self._ensure_status_list()
            self._republish_changed_tokens()
            self.nonce_key = self._nonce_key()
            self._dpop_secret = self._ensure_secret("dpop_nonce").encode()  # RFC 9449 §8 DPoP-Nonce key
            self.authorization = AuthorizationFlow(self, authenticator_for(settings))
            # after the keys: an issuer of the demo ecosystem reads that ecosystem's Wallet Providers list
            self.wallet_providers = WalletProviders(settings, self.now())
        self._exported: set[int] = set()  # status lists whose file this process has written
        self._closing = threading.Event()
        if settings.status_dir is not None:
            self.export_status_files()
            # nobody asks the app route for tokens nginx serves: renew them here before they run out
            threading.Thread(target=self._renew_static_tokens, name="status-renewal", daemon=True).start()

    # ------------------------------------------------------------ plumbing

    def now(self) -> int:
        return int(self.clock())

    def close(self) -> None:
        self._closing.set()
        self.engine.dispose()

    def _renew_static_tokens(self) -> None:
        interval = max(1.0, min(self.settings.status_list_ttl, self.settings.status_list_exp // 4))
        while not self._closing.wait(interval):
            try:
                with self.Reader() as s:
                    ids = list(s.scalars(select(store.StatusListRow.list_id)))
                for list_id in ids:
                    self.status_token(list_id)  # re-signs past half its lifetime, then writes the file
            except Exception:  # noqa: BLE001 - keep renewing; the next round tries again
                log.exception("renewing the static status list tokens failed")

    def _retry(self, fn: Callable[[], Any], attempts: int = 8) -> Any:
        """Run a transaction again after a unique-constraint collision or a lock timeout."""
        for i in range(attempts):
            try:
                return fn()
            except (IntegrityError, OperationalError) as exc:
                if i == attempts - 1:
                    raise
                log.info("retrying transaction after %s", type(exc).__name__)
                time.sleep(0.005 * (i + 1))
        raise AssertionError("unreachable")
