"""The issuer's imperative shell: every operation as one database transaction.

The HTTP layer (``api``, ``backoffice``) and the CLI call only this class. Section numbers refer to
OpenID4VCI 1.0 ("OID4VCI") and draft-ietf-oauth-status-list-20 ("TSL").
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from credential import status_list as tsl
from credential import types
from credential.i18n import text
from credential.jose import JoseError, parse_compact
from credential.sd_jwt_vc import StatusRef, issue_vc

from . import authz, core, deps, dpop, nonces, store
from .authorization import AuthorizationFlow, offer_grants
from .login import authenticator_for
from .setup_lock import setup_lock
from .settings import Settings

log = logging.getLogger("esspass.issuer")

_T = SimpleNamespace(**store.Base.metadata.tables)  # the tables, for SQL expression statements
_RANDOM = random.SystemRandom()


class _Q:
    """The issuance path's statements, built once (bound parameters by name)."""

    token = select(_T.access_tokens.c.case_id, _T.access_tokens.c.configuration_id, _T.access_tokens.c.used_at,
                   _T.access_tokens.c.expires_at, _T.access_tokens.c.dpop_jkt,
                   _T.access_tokens.c.credential_identifier).where(_T.access_tokens.c.token_hash == bindparam("h"))
    # c_nonces are stateless (issuer.nonces); a row records a spent one until it expires (the replay guard)
    seen_nonce = select(_T.nonces.c.expires_at).where(_T.nonces.c.nonce_hash == bindparam("h")).with_for_update()
    add_nonce = insert(_T.nonces)
    purge_nonces = delete(_T.nonces).where(_T.nonces.c.expires_at <= bindparam("now"))
    case = select(_T.cases.c.document_number, _T.cases.c.claims_json,
                  exists().where(_T.credentials.c.document_number == _T.cases.c.document_number,
                                 _T.credentials.c.status != tsl.VALID)).where(_T.cases.c.id == bindparam("case_id"))
    open_list = (select(_T.status_lists.c.list_id, _T.status_lists.c.size, _T.status_lists.c.used)
                 .order_by(_T.status_lists.c.list_id.desc()).limit(1).with_for_update())
    taken = select(_T.credentials.c.idx).where(_T.credentials.c.list_id == bindparam("list_id"),
                                               _T.credentials.c.idx.in_(bindparam("want", expanding=True)))
    count_used = (update(_T.status_lists).where(_T.status_lists.c.list_id == bindparam("lid"))
                  .values(used=_T.status_lists.c.used + bindparam("n")))
    add_credential = insert(_T.credentials)
    seen_jti = select(_T.dpop_jtis.c.expires_at).where(_T.dpop_jtis.c.jti_hash == bindparam("h")).with_for_update()
    add_jti = insert(_T.dpop_jtis)
    renew_jti = (update(_T.dpop_jtis).where(_T.dpop_jtis.c.jti_hash == bindparam("h"))
                 .values(expires_at=bindparam("exp")))
    purge_jtis = delete(_T.dpop_jtis).where(_T.dpop_jtis.c.expires_at <= bindparam("now"))
    audit = insert(_T.audit_log)

STATUS_NAMES = {tsl.VALID: "VALID", tsl.INVALID: "INVALID", tsl.SUSPENDED: "SUSPENDED"}
MAX_LIST_ID = 2**31 - 1  # status_lists.list_id is an Integer column (int4 on PostgreSQL)
ACTIONS = {"revoke": tsl.INVALID, "suspend": tsl.SUSPENDED, "reinstate": tsl.VALID}


class OAuthError(Exception):
    """RFC 6749 §5.2 token error (OID4VCI §6.3)."""

    def __init__(self, code: str, description: str = "", status: int = 400, extra: dict[str, Any] | None = None
                 ) -> None:
        super().__init__(code)
        self.code, self.description, self.status = code, description, status
        self.extra = dict(extra or {})  # extension members of the error response (RFC 6749 §8.2 / §5.2)


# A wrong Transaction Code: the wallet must be able to tell its user how many tries are left before the offer is
# burned (issue 17). OID4VCI 1.0 §6.3 answers ``invalid_grant`` without saying more, so the count goes both into
# ``error_description`` (human-readable, RFC 6749 §5.2) and into this extension member (RFC 6749 §8.2: clients
# ignore members they do not understand). Documented in docs/issuer.md.
TX_CODE_ATTEMPTS_LEFT = "tx_code_attempts_left"


class InvalidToken(Exception):
    """RFC 6750 §3.1 invalid_token at the credential endpoint (OID4VCI §8.3.1.1). ``dpop``: the
    token is DPoP-bound (RFC 9449 §7.1: the challenge is then a DPoP one)."""

    def __init__(self, description: str = "", *, dpop: bool = False) -> None:
        super().__init__(description)
        self.dpop = bool(dpop)


class UseDpopNonce(Exception):
    """RFC 9449 §8 (authorization server: 400) / §9 (resource server: 401): the proof must carry the
    server's current nonce, sent in the ``DPoP-Nonce`` header of the answer."""


class DpopInvalid(Exception):
    """RFC 9449 ``invalid_dpop_proof``: 400 at the token endpoint (§5), 401 at resources (§7.1)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class ClaimsInvalid(Exception):
    def __init__(self, errors: list) -> None:
        super().__init__(f"{len(errors)} field errors")
        self.errors = errors


class NotFound(Exception):
    pass


class Conflict(Exception):
    """409: the request contradicts the stored state. ``en``/``da``: messages for people, from the gettext catalogs
    (``issuer.conflict.<key>``)."""

    code = "conflict"

    def __init__(self, key: str) -> None:
        self.en, self.da = (text(f"issuer.conflict.{key}", lang) for lang in ("en", "da"))
        super().__init__(self.en)


class DocumentRevoked(Conflict):
    code = "document_revoked"

    def __init__(self) -> None:
        super().__init__("document_revoked")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("idempotency_key_reused")


@dataclass(frozen=True)
class CaseView:
    public_id: str
    type_key: str
    configuration_id: str
    document_number: str
    offer_id: str
    offer: dict[str, Any]
    offer_uri: str
    offer_uri_by_value: str
    credential_offer_uri: str
    tx_code: str | None
    expires_at: int
    created_at: int
    created_by: str

    def public(self) -> dict[str, Any]:
        return {"case_id": self.public_id, "type": self.type_key, "configuration_id": self.configuration_id,
                "document_number": self.document_number, "offer_uri": self.offer_uri,
                "offer_uri_by_value": self.offer_uri_by_value,
                "credential_offer_uri": self.credential_offer_uri, "tx_code": self.tx_code,
                "offer_expires_at": self.expires_at}


def _end_of_day(d: str) -> int | None:
    try:
        day = date.fromisoformat(d)
    except (TypeError, ValueError):
        return None
    return int(datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=timezone.utc).timestamp())


class IssuerService:
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

    def audit(self, s, actor: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
        s.execute(_Q.audit, {
            "at": self.now(), "actor": actor, "action": action, "target": target[:100],
            "detail": json.dumps(detail or {}, separators=(",", ":"))})

    def _ensure_api_token(self) -> str:
        path = self.settings.issuer_dir / "api_token"
        if path.exists():
            token = path.read_text("ascii").strip()
        else:
            token = core.random_token()
            _write_secret(path, token)
        tokens = [token]
        env = os.environ.get("ESSPASS_ISSUER_API_TOKEN")
        if env:
            tokens.append(env.strip())
        with self.Session.begin() as s:
            for t in tokens:
                h = core.sha256_hex(t)
                if s.scalar(select(store.ApiToken).where(store.ApiToken.token_hash == h)) is None:
                    s.add(store.ApiToken(token_hash=h, name="case-system", created_at=self.now()))
        return token

    def _ensure_secret(self, name: str) -> str:
        """A random secret shared by every worker through the database, made on first use."""
        with self.Reader() as s:
            row = s.get(store.IssuerSecret, name)
        if row is not None:
            return row.value
        try:
            with self.Session.begin() as s:
                s.add(store.IssuerSecret(name=name, value=core.random_token(32)))
        except IntegrityError:
            pass  # another worker made it first
        with self.Reader() as s:
            return s.get(store.IssuerSecret, name).value

    def _nonce_key(self) -> bytes:
        """The c_nonce key (issuer.nonces): ``ESSPASS_ISSUER_NONCE_KEY``, else the key file, created once."""
        env = os.environ.get("ESSPASS_ISSUER_NONCE_KEY")
        if env:
            return nonces.parse_key(env)
        path = self.settings.issuer_dir / "nonce_key"
        if not path.exists():
            _write_secret(path, nonces.encode_key(os.urandom(nonces.KEY_BYTES)))
        return nonces.parse_key(path.read_text("ascii"))

    def _ensure_admin(self) -> None:
        with self.Session.begin() as s:
            if s.scalar(select(func.count()).select_from(store.User)):
                return
        password = core.random_token(12)
        self.add_user("admin", password, "admin")
        _write_secret(self.settings.issuer_dir / "admin_password", password)

    def add_user(self, username: str, password: str, role: str) -> None:
        """A back-office user; the password must meet :func:`core.password_problem` (SP 800-63B)."""
        if role not in core.ROLES:
            raise ValueError("role must be officer or admin")
        _check_password(username, password)
        with self.Session.begin() as s:
            if s.scalar(select(store.User).where(store.User.username == username)) is not None:
                raise ValueError(f"user {username} already exists")
            s.add(store.User(username=username, password_hash=core.hash_password(password), role=role,
                             created_at=self.now()))
            self.audit(s, "system", "user.add", username, {"role": role})

    def change_password(self, username: str, password: str, actor: str = "system") -> None:
        """A new password; every session of the user ends (issue 14 finding 6)."""
        _check_password(username, password)
        with self.Session.begin() as s:
            user = s.scalar(select(store.User).where(store.User.username == username).with_for_update())
            if user is None:
                raise NotFound(username)
            user.password_hash = core.hash_password(password)
            ended = self._end_sessions(s, username)
            self.audit(s, actor, "user.password", username, {"sessions_ended": ended})

    def set_role(self, username: str, role: str, actor: str = "system") -> None:
        """A new role; every session of the user ends (issue 14 finding 6)."""
        if role not in core.ROLES:
            raise ValueError("role must be officer or admin")
        with self.Session.begin() as s:
            user = s.scalar(select(store.User).where(store.User.username == username).with_for_update())
            if user is None:
                raise NotFound(username)
            user.role = role
            ended = self._end_sessions(s, username)
            self.audit(s, actor, "user.role", username, {"role": role, "sessions_ended": ended})

    def check_login(self, username: str, password: str) -> store.User | None:
        with self.Reader() as s:
            user = s.scalar(select(store.User).where(store.User.username == username))
        if user is None:
            core.hash_password(password)  # same work either way
            return None
        return user if core.check_password(password, user.password_hash) else None

    # ------------------------------------------------------------ back-office sessions (finding 6)

    def open_session(self, username: str, ip: str) -> str:
        """A new server-side session for ``username``; returns the cookie value (a random id whose
        hash alone is stored). Expired sessions are purged here."""
        value = core.random_token(32)
        now = self.now()
        with self.Session.begin() as s:
            s.execute(delete(store.BackofficeSession).where(store.BackofficeSession.expires_at <= now))
            s.add(store.BackofficeSession(id_hash=core.sha256_hex(value), username=username, created_at=now,
                                          expires_at=now + self.settings.session_ttl))
            self.audit(s, f"user:{username}", "login.success", username, {"ip": ip})
        return value

    def session(self, cookie: str | None) -> dict[str, Any] | None:
        """``{"u": user name, "r": role now, "s": session id hash}`` for a live session, else None."""
        if not cookie or len(cookie) > 200:
            return None
        h = core.sha256_hex(cookie)
        with self.Reader() as s:
            row = s.execute(select(store.User.username, store.User.role)
                            .join(store.BackofficeSession, store.BackofficeSession.username == store.User.username)
                            .where(store.BackofficeSession.id_hash == h,
                                   store.BackofficeSession.expires_at > self.now())).first()
        return None if row is None else {"u": row.username, "r": row.role, "s": h}

    def close_session(self, session: dict[str, Any]) -> None:
        with self.Session.begin() as s:
            s.execute(delete(store.BackofficeSession).where(store.BackofficeSession.id_hash == session["s"]))
            self.audit(s, f"user:{session['u']}", "logout", session["u"])

    def _end_sessions(self, s, username: str) -> int:
        return s.execute(delete(store.BackofficeSession).where(store.BackofficeSession.username == username)).rowcount

    def login_failed(self, username: str, ip: str, why: str) -> None:
        """A refused back-office login in the audit log (finding 7): the user name as typed (cut to
        100 characters), the client address and why (``password`` or ``throttled``)."""
        with self.Session.begin() as s:
            self.audit(s, "anonymous", "login.failure", username[:100], {"ip": ip, "why": why})

    # ------------------------------------------------------------ API tokens (finding 13)

    def api_token_scopes(self, token: str | None) -> tuple[str, frozenset[str]] | None:
        """(actor ``api:<name>``, scopes) of a live API token; None when unknown or revoked."""
        if not token or len(token) > 200:
            return None
        with self.Reader() as s:
            row = s.scalar(select(store.ApiToken).where(store.ApiToken.token_hash == core.sha256_hex(token)))
        if row is None or row.revoked_at is not None:
            return None
        return f"api:{row.name}", frozenset(row.scopes.split())

    def api_actor(self, token: str | None) -> str | None:
        got = self.api_token_scopes(token)
        return got[0] if got else None

    def create_api_token(self, name: str, scopes: list[str], actor: str = "system") -> str:
        """A new token with ``scopes`` (a non-empty subset of :data:`core.API_SCOPES`) under a unique
        ``name``; returns the token (shown once, only its hash is kept)."""
        bad = [x for x in scopes if x not in core.API_SCOPES]
        if bad or not scopes:
            raise ValueError(f"scopes must be some of {', '.join(core.API_SCOPES)} (got {', '.join(bad) or 'none'})")
        if not name or len(name) > 60 or not all(c.isalnum() or c in "-_." for c in name):
            raise ValueError("a token name is 1-60 letters, digits, '-', '_' or '.'")
        token = core.random_token()
        with self.Session.begin() as s:
            if s.scalar(select(store.ApiToken).where(store.ApiToken.name == name)) is not None:
                raise ValueError(f"a token named {name} already exists")
            ordered = " ".join(x for x in core.API_SCOPES if x in scopes)
            s.add(store.ApiToken(token_hash=core.sha256_hex(token), name=name, created_at=self.now(),
                                 scopes=ordered))
            self.audit(s, actor, "token.create", name, {"scopes": ordered})
        return token

    def api_tokens(self) -> list[dict[str, Any]]:
        with self.Reader() as s:
            rows = list(s.scalars(select(store.ApiToken).order_by(store.ApiToken.id)))
        return [{"name": r.name, "scopes": r.scopes.split(), "created_at": r.created_at, "revoked_at": r.revoked_at}
                for r in rows]

    def revoke_api_token(self, name: str, actor: str = "system") -> int:
        """Revoke every live token named ``name``; the count (0: none). Its next request is a 401."""
        with self.Session.begin() as s:
            n = s.execute(update(store.ApiToken).where(store.ApiToken.name == name, store.ApiToken.revoked_at.is_(None))
                          .values(revoked_at=self.now())).rowcount
            if n:
                self.audit(s, actor, "token.revoke", name, {"count": n})
        return n

    # ------------------------------------------------------------ cases and offers (§4)

    def create_case(self, type_key: str, claims: Any, actor: str, *, client_request_id: str | None = None,
                    with_tx_code: bool = True) -> CaseView:
        """A case with its first offer. ``issuing_authority`` must be this issuer's institution (filled
        in when absent); a revoked document number gets no new case (:class:`DocumentRevoked`); the same
        ``client_request_id`` with the same request returns the same case, with another request
        :class:`IdempotencyKeyReused`."""
        if type_key not in core.CONFIG_OF_TYPE:
            raise ClaimsInvalid([types.FieldError("type", "type", "Unknown credential type.",
                                                 "Ukendt legitimationstype.")])
        claims = self._with_own_authority(claims)
        if client_request_id is not None:
            existing = self._case_by_request_id(client_request_id, type_key, claims, with_tx_code)
            if existing is not None:
                return existing
        ctype = types.get_type(type_key)
        errors = list(types.validate_claims(ctype, claims)) + self._authority_errors(claims)
        if errors:
            raise ClaimsInvalid(errors)
        now = self.now()
        public_id = core.random_token(12)
        document_number = claims["document_number"]
        try:
            with self.Session.begin() as s:
                # Checked inside the write transaction; the credential endpoint checks again at issuance.
                if s.scalar(select(exists().where(store.Credential.document_number == document_number,
                                                  store.Credential.status == tsl.INVALID))):
                    raise DocumentRevoked()
                case = store.Case(public_id=public_id, type_key=type_key,
                                  document_number=document_number,
                                  claims_json=json.dumps(claims, ensure_ascii=False), created_at=now,
                                  created_by=actor, client_request_id=client_request_id,
                                  subject_hash=core.sha256_hex(claims["personal_administrative_number"])
                                  if claims.get("personal_administrative_number") else None)
                s.add(case)
                s.flush()
                self._new_offer(s, case, with_tx_code)
                self.audit(s, actor, "case.create", document_number, {"type": type_key})
        except IntegrityError:
            if client_request_id is not None:  # a concurrent retry of the same request won
                existing = self._case_by_request_id(client_request_id, type_key, claims, with_tx_code)
                if existing is not None:
                    return existing
            raise
        log.info("case created type=%s document=%s", type_key, document_number)
        return self.case_view(public_id)

    def _with_own_authority(self, claims: Any) -> Any:
        """``claims`` with the institution's ``issuing_authority`` (or its members) where absent, the
        institution as ``authentic_source`` where absent (the rulebook requires it; where the competent
        institution is another one, the case says so), and the derived claims of
        :func:`credential.types.with_derived_claims` (``attestation_legal_category``, ``issuing_country``)."""
        if not isinstance(claims, dict):
            return claims
        own = self.keys.issuing_authority
        given = claims.get("issuing_authority")
        if given is None or given == {}:
            claims = {**claims, "issuing_authority": dict(own)}
        elif isinstance(given, dict):
            claims = {**claims, "issuing_authority": {**given, **{k: v for k, v in own.items()
                                                                 if given.get(k) in (None, "")}}}
        if claims.get("authentic_source") in (None, {}):
            claims = {**claims, "authentic_source": {"id": own["id"], "name": own["name"]}}
        return types.with_derived_claims(claims)

    def _authority_errors(self, claims: Any) -> list:
        """A field error when ``issuing_authority`` names another institution than the signing one."""
        given = claims.get("issuing_authority") if isinstance(claims, dict) else None
        own = self.keys.issuing_authority
        if not isinstance(given, dict) or all(given.get(k) == v for k, v in own.items()):
            return []
        who = f"{own['name']} ({own['id']}, {own['country']})"
        return [types.FieldError(
            "issuing_authority", "claims.issuing_authority",
            f"This issuer signs only for {who}: the issuing authority must be that institution, or be left out "
            "to have it filled in.",
            f"Denne udsteder underskriver kun for {who}: den udstedende institution skal være den institution, "
            "eller udelades, så udfyldes den automatisk.")]

    def _case_by_request_id(self, rid: str, type_key: str, claims: Any, with_tx_code: bool) -> CaseView | None:
        """The case created under idempotency key ``rid`` if the request is the same one again (type,
        claims, tx_code); :class:`IdempotencyKeyReused` if the key was used for another request."""
        with self.Reader() as s:
            case = s.scalar(select(store.Case).where(store.Case.client_request_id == rid))
            if case is None:
                return None
            first = s.scalar(select(store.Offer.tx_code).where(store.Offer.case_id == case.id)
                             .order_by(store.Offer.id).limit(1))
            same = (case.type_key == type_key and (first is not None) == with_tx_code
                    and _canonical(json.loads(case.claims_json)) == _canonical(claims))
            public_id = case.public_id
        if not same:
            raise IdempotencyKeyReused()
        return self.case_view(public_id)

    def _new_offer(self, s, case: store.Case, with_tx_code: bool) -> store.Offer:
        offer = store.Offer(case_id=case.id, offer_id=core.random_token(18),
                            pre_authorized_code=core.random_token(24),
                            tx_code=core.tx_code() if with_tx_code else None, tx_attempts=0,
                            expires_at=self.now() + self.settings.pre_authorized_code_ttl)
        s.add(offer)
        s.flush()
        return offer

    def reoffer(self, public_id: str, actor: str, with_tx_code: bool = True) -> CaseView:
        with self.Session.begin() as s:
            case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
            if case is None:
                raise NotFound(public_id)
            self._new_offer(s, case, with_tx_code)
            self.audit(s, actor, "case.reoffer", case.document_number)
        return self.case_view(public_id)

    def case_view(self, public_id: str) -> CaseView:
        with self.Reader() as s:
            case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
            if case is None:
                raise NotFound(public_id)
            offer = s.scalar(select(store.Offer).where(store.Offer.case_id == case.id)
                             .order_by(store.Offer.id.desc()).limit(1))
        cfg = core.CONFIG_OF_TYPE[case.type_key]
        obj = core.credential_offer(self.url, cfg, offer.pre_authorized_code, with_tx_code=offer.tx_code is not None,
                                    grants=offer_grants(self.authorization, offer.offer_id))
        ref = f"{self.url}/credential-offer/{offer.offer_id}"
        return CaseView(case.public_id, case.type_key, cfg, case.document_number, offer.offer_id, obj,
                        core.offer_uri_by_reference(ref), core.offer_uri_by_value(obj), ref, offer.tx_code,
                        offer.expires_at, case.created_at, case.created_by)

    def case_claims(self, public_id: str) -> dict[str, Any]:
        with self.Reader() as s:
            case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
            if case is None:
                raise NotFound(public_id)
            return json.loads(case.claims_json)

    def offer_object(self, offer_id: str) -> dict[str, Any]:
        """§4.1.3: the Credential Offer Object behind ``credential_offer_uri``."""
        with self.Reader() as s:
            offer = s.scalar(select(store.Offer).where(store.Offer.offer_id == offer_id))
            if offer is None or offer.used_at is not None or offer.expires_at <= self.now():
                raise NotFound(offer_id)
            case = s.get(store.Case, offer.case_id)
        return core.credential_offer(self.url, core.CONFIG_OF_TYPE[case.type_key], offer.pre_authorized_code,
                                     with_tx_code=offer.tx_code is not None,
                                     grants=offer_grants(self.authorization, offer.offer_id))

    # ------------------------------------------------------------ token endpoint (§6)

    def token_endpoint(self) -> str:
        return f"{self.url}/token"

    def dpop_nonce(self) -> str:
        """The current ``DPoP-Nonce`` value (RFC 9449 §8.2, §9), the same on every worker."""
        return authz.dpop_nonce(self._dpop_secret, self.now(), self.settings.dpop_nonce_ttl)

    def _check_dpop_nonce(self, proof: dpop.DpopProof) -> None:
        """RFC 9449 §4.3 step 10: a nonce in the proof must be one of ours and fresh; with
        ``dpop_require_nonce`` a proof without one is refused too (:class:`UseDpopNonce`)."""
        if proof.nonce is None and not self.settings.dpop_require_nonce:
            return
        if not authz.dpop_nonce_fresh(self._dpop_secret, proof.nonce, self.now(), self.settings.dpop_nonce_ttl):
            raise UseDpopNonce()

    def check_token_dpop(self, proof: str | None, htu: str | None = None) -> dpop.DpopProof | None:
        """RFC 9449 §5: the DPoP proof of a token request (None when the request has none, then the
        token is a Bearer token). Its jti is spent by :meth:`token`. Raises :class:`DpopInvalid`,
        :class:`UseDpopNonce`. ``htu``: another authorization-server endpoint (the PAR endpoint, §10.1)."""
        if proof is None:
            return None
        try:
            checked = dpop.check_proof(proof, htm="POST", htu=htu or self.token_endpoint(), now=self.now(),
                                       window=self.settings.dpop_iat_window)
        except dpop.DpopError as exc:
            raise DpopInvalid(exc.description) from None
        self._check_dpop_nonce(checked)
        return checked

    def _spend_jti(self, conn, proof: dpop.DpopProof, now: int) -> None:
        """RFC 9449 §11.1: a proof's jti is accepted once. ``conn``: the transaction the proof
        authorizes, so a refused replay changes nothing. Rows live until the proof's ``iat`` has left
        the window; a concurrent first use of the same jti collides on the primary key (the
        transaction is retried and then sees the row)."""
        h = dpop.jti_key(proof.jkt, proof.jti)
        exp = max(proof.iat, now) + self.settings.dpop_iat_window + 1
        row = conn.execute(_Q.seen_jti, {"h": h}).first()
        if row is not None and row.expires_at > now:
            raise DpopInvalid("the DPoP proof was already used (jti replayed)")
        if row is not None:
            conn.execute(_Q.renew_jti, {"h": h, "exp": exp})
        else:
            conn.execute(_Q.add_jti, {"jti_hash": h, "expires_at": exp})
        if _RANDOM.random() < 1 / 32:  # keep the cache bounded: drop what can no longer be replayed
            conn.execute(_Q.purge_jtis, {"now": now})

    def check_resource_dpop(self, tok: Any, access_token: str, scheme: str, proof: str | None,
                            htu: str) -> dpop.DpopProof | None:
        """RFC 9449 §7.1 at a protected resource, for the access token row ``tok``. A DPoP-bound
        token needs the DPoP scheme and a proof for this request with ``ath`` and the bound key;
        a Bearer token must not be presented as DPoP. Returns the proof (its jti still to spend)."""
        if tok.dpop_jkt is None:
            if scheme != "bearer":
                raise InvalidToken("this access token is a Bearer token, not DPoP-bound", dpop=True)
            return None
        if scheme != "dpop":  # §7.1: a DPoP-bound token presented as Bearer
            raise InvalidToken("this access token is DPoP-bound: use the DPoP scheme", dpop=True)
        try:
            p = dpop.check_proof(proof, htm="POST", htu=htu, now=self.now(),
                                 window=self.settings.dpop_iat_window, access_token=access_token)
        except dpop.DpopError as exc:
            raise DpopInvalid(exc.description if proof is not None else "a DPoP proof is required") from None
        if not core.hmac.compare_digest(p.jkt, tok.dpop_jkt):  # §7.1: the key the token is bound to
            raise DpopInvalid("the DPoP proof is signed by another key than the token is bound to")
        self._check_dpop_nonce(p)  # §9
        return p

    def token(self, form: dict[str, str], dpop_proof: dpop.DpopProof | None = None) -> dict[str, Any]:
        """OID4VCI §6. With ``dpop_proof`` (checked by :meth:`check_token_dpop`) the access token is
        DPoP-bound to the proof's key (RFC 9449 §5, §6.1 ``cnf.jkt`` kept with the token)."""
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is missing")
        if grant == "authorization_code" and self.authorization.enabled:  # OID4VCI §6.1, RFC 6749 §4.1.3
            return self.authorization.token(form, dpop_proof)
        if grant != core.PRE_AUTH_GRANT:
            raise OAuthError("unsupported_grant_type", "this grant type is not supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise OAuthError("invalid_request", "pre-authorized_code is missing")  # §6.1
        tx = form.get("tx_code")
        now = self.now()

        def run() -> dict[str, Any]:
            with self.Session.begin() as s:
                offer = s.scalar(select(store.Offer).where(store.Offer.pre_authorized_code == code)
                                 .with_for_update())
                if dpop_proof is not None:  # first: a replayed proof changes nothing
                    self._spend_jti(s, dpop_proof, now)
                if offer is None or offer.used_at is not None or offer.expires_at <= now:
                    raise OAuthError("invalid_grant", "the pre-authorized code is unknown, used or expired")
                if offer.tx_code is None and tx is not None:  # §6.3 invalid_request
                    raise OAuthError("invalid_request", "no tx_code was expected")
                if offer.tx_code is not None and not tx:  # §6.3 invalid_request
                    raise OAuthError("invalid_request", "tx_code is required")
                # compared as UTF-8 bytes: hmac.compare_digest refuses str with non-ASCII characters, and a
                # code in other digits or letters is simply a wrong code, counted like any other (§6.3)
                if offer.tx_code is not None and not core.hmac.compare_digest(
                        offer.tx_code.encode(), tx.encode("utf-8", "replace")):
                    offer.tx_attempts += 1
                    left = max(0, self.settings.tx_code_max_attempts - offer.tx_attempts)
                    if left == 0:
                        offer.used_at = now  # burned: too many wrong codes
                        self.audit(s, "wallet", "offer.burned", str(offer.case_id))
                    words = (f"wrong tx_code; {left} attempt{'s' if left != 1 else ''} left" if left else
                             "wrong tx_code; no attempts left: this offer can no longer be used, ask for a new one")
                    # §6.3 invalid_grant; commit the count
                    return {"_error": ("invalid_grant", words, 400, {TX_CODE_ATTEMPTS_LEFT: left})}
                offer.used_at = now  # single use (§4.1.1)
                case = s.get(store.Case, offer.case_id)
                access = core.random_token()
                s.add(store.AccessToken(token_hash=core.sha256_hex(access), case_id=case.id,
                                        configuration_id=core.CONFIG_OF_TYPE[case.type_key],
                                        expires_at=now + self.settings.access_token_ttl,
                                        dpop_jkt=dpop_proof.jkt if dpop_proof else None))
                self.audit(s, "wallet", "token.issue", case.document_number,
                           {"token_type": "DPoP" if dpop_proof else "Bearer"})
                # RFC 9449 §5: token_type DPoP for a bound token
                return {"access_token": access, "token_type": "DPoP" if dpop_proof else "Bearer",
                        "expires_in": self.settings.access_token_ttl}

        result = self._retry(run)
        if "_error" in result:
            raise OAuthError(*result["_error"])
        return result

    # ------------------------------------------------------------ nonce endpoint (§7)

    def nonce(self, access: tuple[str, str, str | None] | None = None) -> str:
        """A fresh c_nonce. OID4VCI §7: the endpoint is not protected, so a request without
        ``Authorization`` gets one; ``access`` = (scheme, token, DPoP proof) when the request has an
        ``Authorization`` header: then it is checked like at the credential endpoint (RFC 9449
        §7.1; a DPoP-bound token needs a valid proof for this request)."""
        now = self.now()
        value = nonces.seal(self.nonce_key, now + self.settings.nonce_ttl, os.urandom(12), os.urandom(8))
        proof = None
        if access is not None:
            scheme, token, proof_value = access
            with self.read_engine.connect() as conn:
                tok = conn.execute(_Q.token, {"h": core.sha256_hex(token)}).first()
            if tok is None or tok.expires_at <= now:
                raise InvalidToken("unknown or expired", dpop=scheme == "dpop" or (tok is not None and tok.dpop_jkt))
            proof = self.check_resource_dpop(tok, token, scheme, proof_value, f"{self.url}/nonce")

        if proof is not None:  # the only write: a DPoP proof's jti (bounded by the access token's holder)
            def run() -> None:
                with self.engine.begin() as conn:
                    self._spend_jti(conn, proof, now)

            self._retry(run)
        return value  # issue 14 finding 5: nothing stored for a nonce until it is spent

    def _spend_nonces(self, conn, spent: dict[str, int], now: int) -> None:
        """OID4VCI §7: each c_nonce is used once. ``spent``: nonce hash -> its expiry; a row per spent nonce
        lives until then (a concurrent first use collides on the primary key and is retried, then refused)."""
        for h, expires_at in spent.items():
            if conn.execute(_Q.seen_nonce, {"h": h}).first() is not None:
                raise core.CredentialRequestError("invalid_nonce", "c_nonce is unknown, used or expired")
            conn.execute(_Q.add_nonce, {"nonce_hash": h, "expires_at": expires_at, "used_at": now})
        if _RANDOM.random() < 1 / 32:  # keep the table bounded: drop what can no longer be replayed
            conn.execute(_Q.purge_nonces, {"now": now})

    # ------------------------------------------------------------ credential endpoint (§8)

    def issue(self, access_token: str | None, body: Any, *, scheme: str = "bearer",
              dpop_proof: str | None = None) -> list[str]:
        """The credential endpoint's work. The hot path of the issuer, so its transaction is SQL
        expression statements on one connection (no ORM unit of work): one read of the access
        token, then one write transaction for the whole batch (token and nonces spent, status
        indices drawn, every credential row inserted), then signing outside the transaction."""
        now = self.now()
        if not access_token:
            raise InvalidToken("missing")
        token_hash = core.sha256_hex(access_token)
        with self.read_engine.connect() as conn:
            tok = conn.execute(_Q.token, {"h": token_hash}).first()
        # OID4VCI §8: an access token serves several credential requests until it expires (each
        # request spends its own c_nonce); used_at is only set on tokens of before that change
        if tok is None or tok.used_at is not None or tok.expires_at <= now:
            raise InvalidToken("unknown or expired", dpop=scheme == "dpop" or (tok is not None and tok.dpop_jkt))
        proof = self.check_resource_dpop(tok, access_token, scheme, dpop_proof, f"{self.url}/credential")
        E = core.CredentialRequestError
        if not isinstance(body, dict):
            raise E("invalid_credential_request", "the request body must be a JSON object")
        if tok.credential_identifier is not None:  # §8.2: the token response carried authorization_details
            if "credential_configuration_id" in body:
                raise E("invalid_credential_request", "use credential_identifier, not credential_configuration_id")
            ident = body.get("credential_identifier")
            if not isinstance(ident, str):
                raise E("invalid_credential_request", "credential_identifier is required")
            if not core.hmac.compare_digest(ident.encode("utf-8", "replace"), tok.credential_identifier.encode()):
                raise E("unknown_credential_identifier", "the access token does not cover this credential identifier")
            cfg = tok.configuration_id
        else:
            if "credential_identifier" in body:  # §8.2: only after authorization_details (§6.2)
                raise E("unknown_credential_identifier", "no credential identifiers were issued with this token")
            cfg = body.get("credential_configuration_id")
            if not isinstance(cfg, str):
                raise E("invalid_credential_request", "credential_configuration_id is required")
            if cfg not in core.CONFIGURATIONS:
                raise E("unknown_credential_configuration", "unknown credential configuration")
            if cfg != tok.configuration_id:
                raise E("invalid_credential_request", "the access token does not cover this configuration")
        if "credential_response_encryption" in body:
            raise E("invalid_encryption_parameters", "response encryption is not supported")
        proofs = body.get("proofs")
        if not isinstance(proofs, dict) or list(proofs) != ["jwt"]:  # §8.2: exactly one proof type
            raise E("invalid_proof", "proofs must hold exactly one proof type, jwt")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or not jwts:
            raise E("invalid_proof", "proofs.jwt must be a non-empty array")
        if len(jwts) > self.settings.batch_size:  # §12.2.4 batch_size
            raise E("invalid_credential_request", f"at most {self.settings.batch_size} proofs per request")
        results = [core.check_jwt_proof(p, audience=self.url, now=now, window=self.settings.proof_iat_window)
                   for p in jwts]
        if len({r.thumbprint for r in results}) != len(results):  # each key binds at most one credential
            raise E("invalid_proof", "the same key appears in two proofs")
        spent: dict[str, int] = {}
        for r in results:  # forged, altered or expired nonces are refused before anything is written
            try:
                spent[core.sha256_hex(r.nonce)] = nonces.open_nonce(self.nonce_key, r.nonce, now,
                                                                    self.settings.nonce_ttl)
            except nonces.NonceInvalid as exc:
                raise E("invalid_nonce", str(exc)) from None
        type_key = core.CONFIGURATIONS[cfg]

        def run() -> tuple[str, str, list[tuple[int, int]]]:
            with self.engine.begin() as conn:
                if proof is not None:  # RFC 9449 §11.1, in this transaction: a replay changes nothing
                    self._spend_jti(conn, proof, now)
                self._spend_nonces(conn, dict(sorted(spent.items())), now)  # §7 single use; §8.3.1.2
                document_number, claims_json, blocked = conn.execute(_Q.case, {"case_id": tok.case_id}).one()
                if blocked:
                    raise E("credential_request_denied", "this document is revoked or suspended")
                slots = self._allocate(conn, len(results))
                conn.execute(_Q.add_credential, [
                    {"case_id": tok.case_id, "document_number": document_number, "type_key": type_key,
                     "list_id": list_id, "idx": idx, "status": tsl.VALID, "holder_thumbprint": r.thumbprint,
                     "paper": False, "issued_at": now} for (list_id, idx), r in zip(slots, results)])
                self.audit(conn, "wallet", "credential.issue", document_number,
                           {"count": len(results), "type": type_key})
                return document_number, claims_json, slots

        document_number, claims_json, slots = self._retry(run)  # committed: every credential has its record
        if self.settings.status_dir is not None and not {lid for lid, _ in slots} <= self._exported:
            self.export_status_files({lid for lid, _ in slots})  # a new list was opened
        claims = json.loads(claims_json)
        log.info("issued %d credential(s) type=%s document=%s", len(slots), type_key, document_number)
        return [self._sign(type_key, claims, now, list_id, idx, r.jwk) for (list_id, idx), r in zip(slots, results)]

    def _sign(self, type_key: str, claims: dict[str, Any], now: int, list_id: int, idx: int,
              holder_jwk: dict[str, str] | None) -> str:
        ctype = types.get_type(type_key)
        exp = now + self.settings.credential_validity_days * 86400
        doc_exp = _end_of_day(claims.get("date_of_expiry", ""))
        if doc_exp is not None and doc_exp > now:
            exp = min(exp, doc_exp)
        issued = issue_vc(claims, self.keys.credential_key, vct=ctype.vct, iat=now, exp=exp, iss=self.url,
                          sd_paths=ctype.sd_layout, holder_jwk=holder_jwk,
                          status=StatusRef(idx, self.status_uri(list_id)),
                          header=self.keys.credential_header(self.settings.credential_key_reference))
        return issued.serialize()

    # ------------------------------------------------------------ status lists (TSL)

    def status_uri(self, list_id: int) -> str:
        return f"{self.url}/status/{list_id}"

    def _ensure_status_list(self) -> None:
        def run() -> None:
            with self.engine.begin() as conn:
                if conn.execute(select(func.count()).select_from(_T.status_lists)).scalar_one() == 0:
                    self._create_list(conn, 1)
        self._retry(run)

    def _create_list(self, conn, list_id: int) -> int:
        """A new, empty list with its first Status List Token; returns its size."""
        size = self.settings.status_list_size
        sl = tsl.StatusList(size, 2)
        token, iat, exp = self._sign_status_list(list_id, sl)
        conn.execute(insert(_T.status_lists), {"list_id": list_id, "size": size, "bits": 2, "used": 0,
                                               "data": bytes(sl.buffer), "token": token, "token_iat": iat,
                                               "token_exp": exp, "version": 1})
        return size

    def _allocate(self, conn, count: int) -> list[tuple[int, int]]:
        """``count`` random unused (list_id, idx) slots in the open list (TSL §12.5 herd privacy).
        Reads the list's counters only, never its bytes. ``conn``: a connection in a write transaction."""
        limit = int(self.settings.status_list_size * self.settings.status_list_fill)
        list_id, size, used = conn.execute(_Q.open_list).one()
        if used + count > limit:
            list_id += 1
            size = self._create_list(conn, list_id)
        chosen: set[int] = set()
        while len(chosen) < count:
            want = {core.random_index(size, chosen) for _ in range(count - len(chosen))}
            taken = set(conn.execute(_Q.taken, {"list_id": list_id, "want": list(want)}).scalars())
            chosen |= want - taken
        conn.execute(_Q.count_used, {"lid": list_id, "n": count})
        order = list(chosen)
        _RANDOM.shuffle(order)  # the response order says nothing either
        return [(list_id, i) for i in order]

    def _sign_status_list(self, list_id: int, sl: tsl.StatusList) -> tuple[str, int, int]:
        """A fresh Status List Token (TSL §5.1): (token, iat, exp)."""
        now = self.now()
        exp = now + self.settings.status_list_exp
        token = tsl.create_status_list_token(sl, sub=self.status_uri(list_id), iat=now, exp=exp,
                                             ttl=self.settings.status_list_ttl, key=self.keys.status_key,
                                             x5c=self.keys.status_x5c)
        return token, now, exp

    def _republish_changed_tokens(self) -> None:
        """At start-up, re-sign every Status List Token signed under other settings: another public
        URL (its ``sub`` must equal the URI credentials reference, TSL §8.3), another ``ttl`` or
        another status-signing certificate. Otherwise a restarted issuer would serve stale tokens."""
        def run() -> None:
            with self.Session.begin() as s:
                for row in s.scalars(select(store.StatusListRow).with_for_update()):
                    try:
                        jws = parse_compact(row.token)
                        claims = jws.payload()
                    except (JoseError, TypeError, ValueError):
                        claims, jws = {}, None
                    if (claims.get("sub") != self.status_uri(row.list_id)
                            or claims.get("ttl") != self.settings.status_list_ttl
                            or jws is None or jws.header.get("x5c") != self.keys.status_x5c):
                        self._publish(row)
        self._retry(run)

    def _publish(self, row: store.StatusListRow, status_list: tsl.StatusList | None = None) -> None:
        """Sign a fresh Status List Token for ``row`` (its ``data`` is the source)."""
        sl = status_list or tsl.StatusList.from_bytes(row.data, row.bits, size=row.size)
        row.token, row.token_iat, row.token_exp = self._sign_status_list(row.list_id, sl)
        row.version = (row.version or 0) + 1

    def export_status_files(self, list_ids: Any = None) -> None:
        """Write the committed Status List Tokens (all, or ``list_ids``) to ``status_dir`` (issuer.static_status)."""
        if self.settings.status_dir is None:
            return
        from .static_status import write_tokens

        def read(ids: list[int] | None) -> list[tuple[int, str]]:
            with self.Reader() as s:
                q = select(store.StatusListRow.list_id, store.StatusListRow.token)
                if ids is not None:
                    q = q.where(store.StatusListRow.list_id.in_(ids))
                return [(int(i), t) for i, t in s.execute(q) if t]

        ids = None if list_ids is None else sorted(set(list_ids))
        write_tokens(self.settings.status_dir, lambda: read(ids))
        self._exported |= set(ids) if ids is not None else {i for i, _ in read(None)}

    def status_token(self, list_id: int) -> tuple[str, int, int]:
        """(token, version, exp); republished when half of its lifetime has passed. :class:`NotFound`
        for an id no list can have (``list_id`` is a 32-bit column on PostgreSQL; SQLite overflows at
        2^63): refused before it reaches the database."""
        if not 1 <= list_id <= MAX_LIST_ID:
            raise NotFound(str(list_id))
        now = self.now()
        with self.Reader() as s:
            row = s.get(store.StatusListRow, list_id)
            if row is None:
                raise NotFound(str(list_id))
            if row.token and now < row.token_iat + self.settings.status_list_exp // 2:
                return row.token, row.version, row.token_exp

        def run() -> tuple[str, int, int]:
            with self.Session.begin() as s:
                row = s.get(store.StatusListRow, list_id, with_for_update=True)
                if not (row.token and now < row.token_iat + self.settings.status_list_exp // 2):
                    self._publish(row)
                return row.token, row.version, row.token_exp

        token = self._retry(run)
        self.export_status_files([list_id])
        return token

    def set_status(self, document_number: str, action: str, *, reason: str, actor: str) -> dict[str, Any]:
        """Revoke (INVALID), suspend (SUSPENDED) or reinstate (VALID) every credential of a document and
        republish the affected Status List Tokens in the same transaction."""
        if action not in ACTIONS:
            raise ValueError(action)
        new = ACTIONS[action]
        if not reason.strip():
            raise ValueError("a reason is required")
        now = self.now()

        def run() -> dict[str, Any]:
            with self.Session.begin() as s:
                creds = list(s.scalars(select(store.Credential)
                                       .where(store.Credential.document_number == document_number)
                                       .with_for_update()))
                if not creds:
                    raise NotFound(document_number)
                current = {c.status for c in creds}
                if tsl.INVALID in current and new != tsl.INVALID:
                    raise Conflict("revoked_is_final")
                if new == tsl.VALID and tsl.SUSPENDED not in current:
                    raise Conflict("reinstate_only_suspended")
                old = max(current)
                by_list: dict[int, list[int]] = {}
                for c in creds:
                    by_list.setdefault(c.list_id, []).append(c.idx)
                    c.status = new
                for list_id in sorted(by_list):
                    row = s.get(store.StatusListRow, list_id, with_for_update=True)
                    sl = tsl.StatusList.from_bytes(row.data, row.bits, size=row.size)
                    sl.set_many(by_list[list_id], new)
                    row.data = bytes(sl.buffer)
                    self._publish(row, sl)
                s.add(store.StatusEvent(document_number=document_number, old_status=old, new_status=new,
                                        reason=reason[:500], actor=actor, at=now))
                self.audit(s, actor, f"credential.{action}", document_number,
                           {"count": len(creds), "reason": reason[:200]})
                return {"document_number": document_number, "status": STATUS_NAMES[new], "credentials": len(creds),
                        "status_lists": [self.status_uri(i) for i in sorted(by_list)]}

        result = self._retry(run)
        self.export_status_files([int(u.rsplit("/", 1)[1]) for u in result["status_lists"]])  # committed: publish
        log.info("%s document=%s by %s", action, document_number, actor)
        return result

    # ------------------------------------------------------------ paper copy

    def paper_credential(self, public_id: str, actor: str) -> str:
        """A credential without key binding (no ``cnf``; OID4VCI §15.2 "no binding") for print."""
        now = self.now()

        def run():
            with self.Session.begin() as s:
                case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
                if case is None:
                    raise NotFound(public_id)
                (list_id, idx), = self._allocate(s.connection(), 1)
                s.add(store.Credential(case_id=case.id, document_number=case.document_number,
                                       type_key=case.type_key, list_id=list_id, idx=idx, status=tsl.VALID,
                                       holder_thumbprint=None, paper=True, issued_at=now))
                self.audit(s, actor, "credential.paper", case.document_number)
                return case, list_id, idx

        case, list_id, idx = self._retry(run)
        return self._sign(case.type_key, json.loads(case.claims_json), now, list_id, idx, None)

    # ------------------------------------------------------------ back-office queries

    def search(self, q: str = "", limit: int = 100) -> list[dict[str, Any]]:
        with self.Reader() as s:
            stmt = select(store.Case).order_by(store.Case.id.desc()).limit(limit)
            if q:
                stmt = stmt.where(or_(store.Case.document_number.contains(q), store.Case.public_id == q))
            cases = list(s.scalars(stmt))
            out = []
            for c in cases:
                creds = list(s.scalars(select(store.Credential).where(store.Credential.case_id == c.id)))
                statuses = {cr.status for cr in creds}
                status = "NOT ISSUED" if not creds else STATUS_NAMES[max(statuses)]
                out.append({"case_id": c.public_id, "type": c.type_key, "document_number": c.document_number,
                            "created_at": c.created_at, "created_by": c.created_by, "credentials": len(creds),
                            "status": status})
        return out

    def credentials_of(self, document_number: str) -> list[dict[str, Any]]:
        with self.Reader() as s:
            rows = list(s.scalars(select(store.Credential).where(store.Credential.document_number == document_number)))
        return [{"list_id": r.list_id, "idx": r.idx, "status": STATUS_NAMES[r.status], "paper": r.paper,
                 "holder_thumbprint": r.holder_thumbprint, "issued_at": r.issued_at, "type": r.type_key}
                for r in rows]

    def audit_entries(self, limit: int = 200) -> list[store.AuditEntry]:
        with self.Reader() as s:
            return list(s.scalars(select(store.AuditEntry).order_by(store.AuditEntry.id.desc()).limit(limit)))


def _check_password(username: str, password: str) -> None:
    problem = core.password_problem(username, password)
    if problem:
        raise ValueError(problem)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _write_secret(path: Path, value: str) -> None:
    from trust_list.certificates import atomic_write

    atomic_write(path, (value + "\n").encode("ascii"), mode=0o600)
