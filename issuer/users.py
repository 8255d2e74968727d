"""Users, their sessions and log-ins, API tokens, the audit log and the service's own secrets. Part of
:class:`issuer.service.IssuerService` (a mixin: ``self`` is the service)."""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from . import core, nonces, store
from .common import NotFound, _Q, _check_password, _write_secret


class UsersAndAudit:
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

    def add_user(self, username: str, password: str, role: str, actor: str = "system") -> None:
        """A back-office user; the password must meet :func:`core.password_problem` (SP 800-63B)."""
        if role not in core.ROLES:
            raise ValueError("role must be officer or admin")
        _check_password(username, password)
        with self.Session.begin() as s:
            if s.scalar(select(store.User).where(store.User.username == username)) is not None:
                raise ValueError(f"user {username} already exists")
            s.add(store.User(username=username, password_hash=core.hash_password(password), role=role,
                             created_at=self.now()))
            self.audit(s, actor, "user.add", username, {"role": role})

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

    def set_disabled(self, username: str, disabled: bool, actor: str = "system") -> None:
        """Disable a user (no log-in, every session ends at once) or enable them again (issue 15 item 5: user
        management in the back office). The last enabled admin cannot be disabled: nobody could manage users."""
        with self.Session.begin() as s:
            user = s.scalar(select(store.User).where(store.User.username == username).with_for_update())
            if user is None:
                raise NotFound(username)
            if disabled and user.role == "admin" and not user.disabled:
                admins = s.scalar(select(func.count()).select_from(store.User).where(
                    store.User.role == "admin", store.User.disabled.is_(False)))
                if admins <= 1:
                    raise ValueError("the last enabled admin cannot be disabled")
            user.disabled = disabled
            ended = self._end_sessions(s, username) if disabled else 0
            self.audit(s, actor, "user.disable" if disabled else "user.enable", username, {"sessions_ended": ended})

    def users(self) -> list[dict[str, Any]]:
        """Every back-office user (no password hashes), by name."""
        with self.Reader() as s:
            rows = list(s.scalars(select(store.User).order_by(store.User.username)))
        return [{"username": u.username, "role": u.role, "disabled": bool(u.disabled), "created_at": u.created_at}
                for u in rows]

    def check_login(self, username: str, password: str) -> store.User | None:
        with self.Reader() as s:
            user = s.scalar(select(store.User).where(store.User.username == username))
        if user is None:
            core.hash_password(password)  # same work either way
            return None
        if not core.check_password(password, user.password_hash):
            return None
        return None if user.disabled else user

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
                            .where(store.BackofficeSession.id_hash == h, store.User.disabled.is_(False),
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

    def audit_entries(self, limit: int = 200) -> list[store.AuditEntry]:
        with self.Reader() as s:
            return list(s.scalars(select(store.AuditEntry).order_by(store.AuditEntry.id.desc()).limit(limit)))
