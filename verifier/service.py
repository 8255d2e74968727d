"""The verifier's imperative shell: configuration, trust lists, status cache, transactions, records.

Everything the HTTP layer (``verifier.api``) and the CLI need; the decisions themselves are made by the pure
:func:`verifier.policy.verify_presentation`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from typing import Any

import netio
from credential.reasons import Rejected
from credential.sd_jwt import R_KB_AUD, R_KB_NONCE
from credential.verification import OK_INTACT, OK_KB, StatusUnobtainable
from trust_list import LIST_BY_SHORT_NAME, LIST_TYPES, PUB_EAA
from trust_list import RollbackState
from trust_list import TrustStore

from . import access
from .authorities import aki_values
from . import openid4vp as vp
from . import presets as P
from . import reasons as V
from .caches import VerifierCache
from .offline import looks_like_presentation
from .policy import Decision, Sources, VerificationContext, verify_presentation
from .records import InspectionRecords
from .settings import VerifierSettings
from .transaction_store import TransactionStore, open_store
from .sources import Bundle, SeenStatusURIs, StatusCache

FILE_CHECK_INTERVAL_S = 1.0
DEFAULT_ISSUER_URL = "http://127.0.0.1:8441"  # the issuer's embedded default (issuer.settings.issuer_url)


class AuthenticationRequired(Exception):
    """Anonymous creation is switched off (ESSPASS_VERIFIER_ANONYMOUS_TRANSACTIONS=0)."""


def answers_this_request(decision: Decision, key_binding: bool) -> bool:
    """Whether a presentation may decide its transaction: the issuer's signature verified and, unless paper copies
    are accepted, the key-binding JWT verified for this request's nonce and audience (``kb.valid``). Anything less
    could come from anyone who saw the request (issue 14, finding 1)."""
    passed = {c.code for c in decision.checks if c.result == "pass"}
    return (OK_KB.code if key_binding else OK_INTACT.code) in passed


class RedeemRefused(Exception):
    """The response_code was not accepted (:meth:`VerifierService.redeem`): HTTP status, OAuth error, reason."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("too many new checks from this client")
        self.retry_after = retry_after


class VerifierService:
    def __init__(self, settings: VerifierSettings | None = None, *, clock: Callable[[], float] = time.time,
                 status_cache: StatusCache | None = None) -> None:
        self.settings = settings or VerifierSettings()
        self.clock = clock
        now = self.now()
        self.ecosystem = None  # the demo ecosystem, on embedded defaults only
        if self.settings.configured:
            from .configured import relying_party

            self.rp, self.anchors = relying_party(self.settings, now)
        else:
            from trust_list.demo import build_demo_ecosystem

            self.ecosystem = build_demo_ecosystem(self.settings.ecosystem_home, now)
            try:
                party = self.ecosystem.relying_parties[self.settings.verifier_relying_party]
            except KeyError:
                raise ValueError(f"no relying party {self.settings.verifier_relying_party!r} in the ecosystem") from None
            self.rp = vp.RelyingParty(party.access_key, party.access_x5c, party.client_id, party.registration_jws)
            self.anchors = [self.ecosystem.operator_cert]
        self.trust = TrustStore(anchors={t: list(self.anchors) for t in LIST_TYPES},
                                state=RollbackState(self.settings.state_dir / "trust-state"))
        self.trust_fetched_at: int | None = None
        self.cache = VerifierCache.new()  # validated trust results and Status List Tokens (verifier.caches)
        self._lock = threading.Lock()
        self._file_mtimes: dict[str, float] = {}
        self._last_file_check = 0.0
        self._last_fetch = 0
        self._fetcher = None
        bundle = Bundle.load(self.settings.verifier_bundle) if self.settings.verifier_bundle else None
        if bundle is not None:
            for list_type, (token, at) in bundle.trust_lists.items():
                self._update(list_type, token, now)
            self.trust_fetched_at = min((at for _, at in bundle.trust_lists.values()), default=None)
            self.status = status_cache or bundle.status_cache(network=False)
        else:
            self.status = status_cache or StatusCache(network=self.settings.verifier_status_network,
                                                      policy=self.settings.fetch_policy(),
                                                      ca_bundle=self._ca_bundle())
            if self.settings.verifier_trust_list_urls:
                from trust_list.fetch import TrustListFetcher

                urls = {LIST_BY_SHORT_NAME.get(k, k): v for k, v in self.settings.verifier_trust_list_urls.items()}
                self._fetcher = TrustListFetcher(self.trust, urls, policy=self.settings.fetch_policy(),
                                                 ca_bundle=self._ca_bundle())
                self.first_fetch = self._fetcher.refresh_all(now)
                self._last_fetch = now
                self.trust_fetched_at = now
            else:
                self._reload_files(now, force=True)
        if self.settings.configured:
            from .configured import check_listed

            check_listed(self.rp, self.trust, self.settings.verifier_presets, self.base_url, now,
                         getattr(self, "first_fetch", {}))
        self.transactions: TransactionStore = open_store(self.settings.verifier_store_url,
                                                         self.settings.verifier_max_transactions)
        self.records = InspectionRecords(self.settings.state_dir / "records.sqlite",
                                         self.settings.record_fields(),
                                         self.settings.verifier_record_retention_days)
        # status list URIs seen in verified credentials (URIs only), for `esspass verifier sync`
        self.seen_status_uris = SeenStatusURIs(self.settings.state_dir / "status-uris.json",
                                               retention_s=max(1, self.settings.verifier_record_retention_days) * 86400)
        self.console_token = access.load_console_token(self.settings.state_dir)
        self.clients = access.ApiClients(self.settings.state_dir / "clients.json")
        self.create_limiter = access.RateLimiter(self.settings.verifier_create_per_minute,
                                                 self.settings.verifier_create_burst)

    def now(self) -> int:
        return int(self.clock())

    def _ca_bundle(self) -> str | None:
        """ESSPASS_VERIFIER_CA_BUNDLE, else the shared ESSPASS_CA_BUNDLE, else None (the system store)."""
        bundle = self.settings.verifier_ca_bundle or self.settings.ca_bundle
        return str(bundle) if bundle else None

    # ------------------------------------------------------------ trust lists

    def _update(self, list_type: str, token: str, now: int) -> None:
        try:
            self.trust.update(list_type, token.strip(), now)
        except Rejected:
            pass  # trust-lists.md §3: the old list stays in force; last_rejection says why

    def _reload_files(self, now: int, force: bool = False) -> None:
        """Local mode: pick up lists the operator re-signed on disk (e.g. a withdrawal mid-session)."""
        if not force and time.monotonic() - self._last_file_check < FILE_CHECK_INTERVAL_S:
            return
        self._last_file_check = time.monotonic()
        if self.ecosystem is None:
            return
        for list_type, path in self.ecosystem.list_paths.items():
            try:
                mtime = path.stat().st_mtime_ns
            except OSError:
                continue
            if force or self._file_mtimes.get(list_type) != mtime:
                self._file_mtimes[list_type] = mtime
                self._update(list_type, path.read_text("ascii"), now)
                self.trust_fetched_at = now

    def refresh_trust(self, now: int, force: bool = False) -> None:
        # one refresh at a time; a check that finds one running uses the lists in force rather than wait for a
        # slow trust-list host (issue 14, finding 3)
        if not self._lock.acquire(blocking=force):
            return
        try:
            if self._fetcher is not None:
                if force or now - self._last_fetch >= self.settings.verifier_trust_list_refresh:
                    self._fetcher.refresh_all(now)
                    self._last_fetch = now
                    self.trust_fetched_at = now
            elif not self.settings.verifier_bundle:
                self._reload_files(now, force=force)
        finally:
            self._lock.release()

    def status_uris_to_sync(self, extra: list[str] | tuple[str, ...] = (), now: int | None = None
                            ) -> tuple[list[str], set[str]]:
        """The Status List Token URIs an offline bundle should hold, in order, without duplicates: ``extra`` (e.g.
        ``--status-uri``), ``ESSPASS_VERIFIER_STATUS_URIS``, every status list URI this verifier has seen, and on
        embedded defaults the local demo issuer's ``/status/1``. Returns (uris, optional): an optional URI that
        does not answer is no failure (the demo issuer may simply not be running)."""
        now = self.now() if now is None else now
        wanted = dict.fromkeys([*extra, *self.settings.verifier_status_uris, *self.seen_status_uris.uris(now)])
        optional: set[str] = set()
        if self.ecosystem is not None and not self.settings.verifier_trust_list_urls \
                and not self.settings.verifier_bundle:  # embedded defaults
            demo = f"{(self.settings.issuer_url or DEFAULT_ISSUER_URL).rstrip('/')}/status/1"
            if demo not in wanted:
                wanted[demo] = None
                optional.add(demo)
        return list(wanted), optional

    # ------------------------------------------------------------ verification

    def context(self, *, preset: str | None, nonce: str | None, aud: str | None, key_binding: bool,
                now: int) -> VerificationContext:
        sources = Sources(self.trust, self._status_seen, self.trust_fetched_at, self.cache,
                          self.settings.verifier_kb_max_age)
        return sources.context(now, preset=preset, key_binding=key_binding, nonce=nonce, aud=aud)

    def _decide(self, presentation: str, *, preset: str | None, nonce: str | None, aud: str | None,
                key_binding: bool, now: int) -> Decision:
        """One verification within the overall deadline ``verifier_check_deadline_s``: every trust-list and status
        fetch it makes ends by then (``netio.deadline_scope``), and a status list that did not arrive in time is
        INDETERMINATE ``status.deadline`` (issue 14, finding 3)."""
        with netio.deadline_scope(self.settings.verifier_check_deadline_s):
            self.refresh_trust(now)
            return verify_presentation(presentation, self.context(preset=preset, nonce=nonce, aud=aud,
                                                                   key_binding=key_binding, now=now))

    def _status_seen(self, uri: str, now: int):
        """The status source the policy uses (called only for credentials whose issuer signature verified):
        remembers the URI for the offline bundle, then asks the cache."""
        self.seen_status_uris.add(uri, now)
        fetched = self.status(uri, now)
        if fetched is None and getattr(self.status, "timed_out", lambda: False)():
            return StatusUnobtainable(V.STATUS_DEADLINE, "the check's deadline passed before the status list arrived")
        return fetched

    def verify(self, presentation: str, *, preset: str | None, nonce: str | None = None, aud: str | None = None,
               key_binding: bool = True) -> Decision:
        return self._decide(presentation, preset=preset, nonce=nonce, aud=aud, key_binding=key_binding,
                            now=self.now())

    # ------------------------------------------------------------ OpenID4VP

    @property
    def base_url(self) -> str:
        return self.settings.verifier_url.rstrip("/")

    def create_transaction(self, preset: str, client: str | None = None,
                           owner: str = access.ANONYMOUS, *, same_device: bool = False) -> tuple[vp.Transaction, str]:
        """A new transaction for ``preset`` (KeyError if unknown) started by ``owner`` (``access.creator``);
        ``same_device``: the wallet is sent back with a response_code (OpenID4VP 1.0 §8.2, HAIP 1.0 §5.1).

        Anonymous: :class:`AuthenticationRequired` when the anonymous pool is 0; ``client`` (its address) is
        rate-limited (:class:`RateLimited`) and the anonymous pool is bounded (:class:`openid4vp.QuotaExceeded`).
        Authenticated: the owner's own quota (:class:`openid4vp.QuotaExceeded`) and rate limit. A store full of
        unexpired transactions raises :class:`openid4vp.StoreFull`."""
        P.get(preset)  # KeyError for an unknown preset, before anything is counted
        if self.settings.verifier_presets and preset not in self.settings.verifier_presets:
            raise KeyError(preset)  # not one this verifier may ask for (ESSPASS_VERIFIER_PRESETS)
        anonymous = owner == access.ANONYMOUS
        limit = self.settings.verifier_anonymous_transactions if anonymous else self.settings.verifier_client_transactions
        if limit <= 0:
            raise AuthenticationRequired("starting a check needs an API client's token or the console login")
        key = client if anonymous else owner
        if key is not None:
            wait = self.create_limiter.allow(key)
            if wait > 0:
                raise RateLimited(wait)
        now = self.now()
        aki = self.trusted_authorities(preset, now) if self.settings.verifier_trusted_authorities else []
        t = vp.new_transaction(self.rp, preset, self.base_url, now, self.settings.verifier_transaction_ttl,
                               same_device=same_device, aki=aki)
        t.owner = owner
        self.transactions.add(t, now, limit)
        return t, vp.authorization_request(t, self.rp, self.base_url)

    def trusted_authorities(self, preset: str, now: int) -> list[str]:
        """The ``aki`` values for ``preset``'s query from the lists in force (verifier.authorities)."""
        self.refresh_trust(now)
        return aki_values(self.trust, P.get(preset).credential_query.vct_values, now)

    def authorised_transaction(self, tid: str, token: str | None) -> vp.Transaction | None:
        """The transaction ``tid`` if ``token`` is its result token (constant-time), else None."""
        t = self.transactions.get(tid)
        if t is None or not access.same(token, t.result_token):
            return None
        return t

    def request_object(self, tid: str) -> str:
        t = self.transactions.get(tid)
        now = self.now()
        if t is None:
            raise vp.ResponseError("invalid_request", "no such request", 404)
        if now >= t.expires_at:
            raise vp.ResponseError("invalid_request", "this request has expired; start a new check", 410)
        self.transactions.mark_fetched(tid)
        return t.request_object

    def handle_response(self, form: dict[str, str]) -> vp.Transaction:
        """§8.3 / §8.2: the first presentation that answers *this* request decides; nothing else ends it.

        Anyone who saw the QR code holds the request (its state, nonce and encryption key are public), so an error
        response, something that is no presentation, or a presentation that does not prove key binding to this
        transaction's nonce and audience (RFC 9901 §7.3; OpenID4VP 1.0 Appendix B.3.6) over an issuer signature
        that verified, is recorded as an *attempt* (the console shows it) and the transaction stays open until it
        expires (issue 14, finding 1; docs/verifier.md "A party holding the request"). Refusals raise
        :class:`openid4vp.ResponseError`; only a decision is an inspection record."""
        now = self.now()
        if "response" not in form and "error" in form:  # §8.5 error response (unencrypted, direct_post)
            return self._wallet_error(form, now)
        t, payload = vp.decrypt_response(self.transactions, form.get("response", ""))
        if payload.get("state") != t.state:  # §8.2 / §14.2: the state binds the response to this request
            raise vp.ResponseError("invalid_request", "the response's state does not belong to this request")
        if now >= t.expires_at:
            raise vp.ResponseError("invalid_request", "the request has expired; nothing was recorded")
        if t.done:
            raise vp.ResponseError("invalid_request", "this request was already answered (replay); nothing was recorded")
        if "error" in payload:
            return self._wallet_error({**payload, "state": t.state}, now, t)
        presentation = vp.presentation_of(t, payload)
        # issue 17: something that is not a presentation answering this request is a wrong answer, not a verdict —
        # refused (400, the wallet may answer again), and no FAILED inspection is recorded
        if not looks_like_presentation(presentation):
            self._attempt(t, now, "refused", "sd.jwt_malformed")
            raise vp.ResponseError("invalid_request",
                                   "vp_token holds no SD-JWT presentation (RFC 9901 §4); nothing was recorded")
        key_binding = not self.settings.verifier_allow_paper
        decision = self._decide(presentation, preset=t.preset, nonce=t.nonce, aud=self.rp.client_id,
                                key_binding=key_binding, now=now)
        if decision.failed_with(R_KB_NONCE) or decision.failed_with(R_KB_AUD):
            self._attempt(t, now, "refused", decision.failed()[0].code)
            raise vp.ResponseError("invalid_request",
                                   "the presentation was made for another request (nonce or audience); "
                                   "nothing was recorded")
        if not answers_this_request(decision, key_binding):
            code = next((c.code for c in decision.checks if c.result != "pass"), "kb.missing")
            self._attempt(t, now, "refused", code)
            raise vp.ResponseError("invalid_request",
                                   f"not accepted ({code}): no verified presentation bound to this request; the "
                                   "request stays open; nothing was recorded")
        # §8.2 / §13.3 step 6: a same-device transaction links a fresh response_code to this response; the wallet
        # gets it in the redirect_uri and only its holder (in the creator's session) gets the result
        code, code_hash = vp.new_response_code() if t.same_device else (None, None)
        if not self.transactions.complete(t.id, vp.Outcome(now, decision=decision.as_json(),
                                                           response_code_hash=code_hash), now):
            raise vp.ResponseError("invalid_request", "this request was already answered (replay)")
        t.decision, t.answered_at, t.response_code, t.response_code_hash = decision, now, code, code_hash
        self.records.add(decision, now)
        return t

    def _attempt(self, t: vp.Transaction, now: int, kind: str, code: str) -> None:
        self.transactions.add_attempt(t.id, vp.Attempt(now, kind, str(code)[:64]))

    def _wallet_error(self, form: dict[str, Any], now: int, t: vp.Transaction | None = None) -> vp.Transaction:
        """§8.5: an error response is unauthenticated (anyone with the request can send one): an attempt, never the
        end of the transaction; the wallet is answered as usual."""
        if t is None:
            state = form.get("state")
            t = self.transactions.by_state(state) if isinstance(state, str) and state else None
            if t is None:
                raise vp.ResponseError("invalid_request", "error response for no known request")
        if t.done or now >= t.expires_at:
            raise vp.ResponseError("invalid_request", "this request is closed")
        self._attempt(t, now, "error", str(form.get("error")))
        return t

    def redirect_for(self, t: vp.Transaction) -> str | None:
        """The §8.2 ``redirect_uri`` for the wallet after ``handle_response`` (None: cross-device, answer ``{}``)."""
        return vp.redirect_uri(t, self.base_url, t.response_code) if t.response_code else None

    def redeem(self, tid: str, token: str | None, code: Any) -> dict[str, Any]:
        """§13.3 steps 7-9 / HAIP 1.0 §5.1: the front end brings back the response_code in the session that started
        the check (``token``: its result token, as cookie or bearer). Returns the view with the decision, once;
        raises :class:`RedeemRefused` with an HTTP status and a reason otherwise."""
        t = self.authorised_transaction(tid, token)
        if t is None:
            raise RedeemRefused(401, "invalid_token", "the result goes only to the session that started the check")
        if not t.same_device:
            raise RedeemRefused(400, "invalid_request", "this check is cross-device; it has no response_code")
        if not isinstance(code, str) or not code:
            raise RedeemRefused(400, "invalid_request", "response_code is missing")
        if t.decision is None:
            raise RedeemRefused(409, "invalid_request", "no presentation has decided this check yet")
        if not vp.response_code_matches(t, code):
            raise RedeemRefused(403, "access_denied", "this response_code does not belong to this check")
        if not self.transactions.redeem(t.id, vp.response_code_hash(code)):
            raise RedeemRefused(409, "invalid_request", "this response_code was already used")
        view = self.transaction_view(t.id)
        assert view is not None
        return view

    def transaction_view(self, tid: str) -> dict[str, Any] | None:
        t = self.transactions.get(tid)
        if t is None:
            return None
        now = self.now()
        if t.decision is not None and t.same_device and not t.redeemed:
            # HAIP 1.0 §5.1: without the redirect back (the response_code in the creator's session) no result
            return {"transaction": t.id, "preset": t.preset, "status": "awaiting_redirect", "flow": "same_device",
                    "fetched": t.fetched, "error": None, "expires_at": t.expires_at, "decision": None,
                    "attempts": [a.as_json() for a in t.attempts]}
        if t.decision is not None:
            status = "done"
        elif t.error is not None:
            status = "error"
        elif now >= t.expires_at:
            status = "expired"
        else:
            status = "pending"
        return {"transaction": t.id, "preset": t.preset, "status": status,
                "flow": "same_device" if t.same_device else "cross_device", "fetched": t.fetched,
                "error": t.error, "expires_at": t.expires_at,
                "decision": t.decision.as_json() if t.decision is not None else None,
                "attempts": [a.as_json() for a in t.attempts]}

    def trust_list_info(self) -> dict[str, Any]:
        now = self.now()
        return {"trust_list_age_s": self.trust.age(PUB_EAA, now), "trust_list_fetched_at": self.trust_fetched_at}
