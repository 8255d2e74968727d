"""Persistence (SQLAlchemy 2): the tables, the engine and the Alembic upgrade run at start-up.

Times are integers (seconds since the epoch) so SQLite and PostgreSQL behave the same.
Personal data lives only in ``cases.claims_json``; every other table (and every log line) holds
document numbers, types, status indices and key thumbprints, never the person's data.

Crash safety rests on two database rules, not on the process:
- ``credentials`` has a unique (list_id, idx) constraint: a status index can never be given twice,
  whatever crashes; a collision rolls the whole issuance back and it is retried with fresh indices;
- a credential is sent to the wallet only after the transaction holding its row has committed.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from deployment import use_wal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


_SQLITE_BUSY_TIMEOUT = 60  # seconds


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    type_key: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str] = mapped_column(String(50), index=True)
    claims_json: Mapped[str] = mapped_column(Text)  # personal data: never logged
    created_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(100))
    client_request_id: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    # SHA-256 of the personal number (personal_administrative_number): the login at the
    # authorization endpoint finds the person's own cases by it (OpenID4VCI §5)
    subject_hash: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)


class Offer(Base):
    """A credential offer with its pre-authorized code (OpenID4VCI §4.1.1: short lived, single use)."""

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    offer_id: Mapped[str] = mapped_column(String(64), unique=True)
    pre_authorized_code: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tx_attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AccessToken(Base):
    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    configuration_id: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # RFC 9449 §6: a DPoP-bound token's confirmation (cnf.jkt, the key's RFC 7638 thumbprint);
    # None for a Bearer token
    dpop_jkt: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # OID4VCI §6.2/§8.2: set when the token response carried authorization_details; the credential
    # request then names this credential_identifier instead of a configuration id
    credential_identifier: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuthorizationRequest(Base):
    """One run of the authorization code flow (OpenID4VCI 1.0 §5), from the pushed authorization
    request (RFC 9126) to the authorization code's redemption. Secrets are stored as SHA-256 hashes:
    ``request_uri`` (RFC 9126 §2.2), ``login_handle`` (the browser's round trip through the login),
    ``code_hash`` (RFC 6749 §4.1.2). ``subject``: the personal number the login established; never logged."""

    __tablename__ = "authorization_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_uri_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_challenge: Mapped[str] = mapped_column(String(128))  # RFC 7636 §4.3, method S256
    configuration_id: Mapped[str] = mapped_column(String(40))
    # "scope" or "authorization_details" (OID4VCI §5.1.1/§5.1.2): how the wallet asked, which decides
    # the token response (§6.2 authorization_details) and the credential request (§8.2 identifier)
    requested_by: Mapped[str] = mapped_column(String(24))
    issuer_state: Mapped[str | None] = mapped_column(String(100), nullable=True)  # §5.1.3
    dpop_jkt: Mapped[str | None] = mapped_column(String(64), nullable=True)  # RFC 9449 §10
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    login_handle_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    login_nonce: Mapped[str | None] = mapped_column(String(100), nullable=True)  # upstream OIDC nonce
    login_verifier: Mapped[str | None] = mapped_column(String(128), nullable=True)  # upstream PKCE
    login_expires_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(100), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    code_expires_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class IssuerSecret(Base):
    """Random server secrets shared by every worker (e.g. the DPoP-Nonce key, RFC 9449 §8)."""

    __tablename__ = "issuer_secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class DpopJti(Base):
    """RFC 9449 §11.1 replay cache: DPoP proofs seen (hash of key thumbprint and jti) until they
    could no longer be accepted anyway (their ``iat`` left the window). In the database so that it
    holds across restarts and across worker processes."""

    __tablename__ = "dpop_jtis"
    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class Nonce(Base):
    __tablename__ = "nonces"
    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StatusListRow(Base):
    """A Token Status List: its uncompressed bytes (the source for republishing) and the signed token."""

    __tablename__ = "status_lists"
    list_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    bits: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    token: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_iat: Mapped[int] = mapped_column(BigInteger, default=0)
    token_exp: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Credential(Base):
    """One issued credential = one status list entry; unique (list_id, idx)."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("list_id", "idx", name="uq_credentials_list_idx"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    document_number: Mapped[str] = mapped_column(String(50), index=True)
    type_key: Mapped[str] = mapped_column(String(16))
    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.list_id"))
    idx: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[int] = mapped_column(Integer, default=0)
    holder_thumbprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    # revoked because the holder reported the device holding it lost (issue 15): the document itself is not
    # revoked, so it does not block new offers or issuance to the holder's new phone
    lost: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class RefreshToken(Base):
    """RFC 6749 §6 refresh token (its SHA-256), bound to the wallet's DPoP key (RFC 9449 §5: a refresh token
    issued to a public client MUST be bound to it): the wallet fetches new one-time copies of its credential
    with it, without a new case (issue 15). Revoked when the holder reports the device lost."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    configuration_id: Mapped[str] = mapped_column(String(40))
    dpop_jkt: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StatusEvent(Base):
    __tablename__ = "status_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_number: Mapped[str] = mapped_column(String(50), index=True)
    old_status: Mapped[int] = mapped_column(Integer)
    new_status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[int] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(100))  # a document number or case id, never personal data
    detail: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # officer | admin
    created_at: Mapped[int] = mapped_column(BigInteger)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # cannot log in


class BackofficeSession(Base):
    """A logged-in back-office user (issue 14 finding 6). The cookie holds a random session id; only
    its SHA-256 is stored. Deleted at logout and when the user's role or password changes; the role
    is read from ``users`` at every request, never from the cookie."""

    __tablename__ = "backoffice_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class ApiToken(Base):
    """A case-system API token (its SHA-256): what it may do (``scopes``, space-separated, from
    ``create read status paper``) and when it was revoked (issue 14 finding 13). ``name`` is the
    actor ``api:<name>`` in the audit log."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[int] = mapped_column(BigInteger)
    scopes: Mapped[str] = mapped_column(String(100), default="create read status paper")
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


READ_ONLY = "esspass_read_only"  # execution option: a transaction that never writes


def make_engine(url: str) -> Engine:
    """The engine; for SQLite also the connection policy below.

    SQLite allows one writer at a time. Writers of this process queue on a Python lock, taken
    before ``BEGIN IMMEDIATE`` and released when the connection goes back to the pool (after its
    COMMIT or ROLLBACK). A waiting thread is thus woken the moment the lock is free, instead of
    polling in SQLite's busy handler, whose sleeps (up to 100 ms each) made the latency tail. The
    busy timeout still arbitrates between processes (``serve --workers N``). Read-only sessions
    (``read_only_sessions``) start a deferred transaction: in WAL mode they neither wait for nor
    block the writer."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_file(Path(path))
        engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT, "check_same_thread": False},
                               pool_size=8, max_overflow=8)
        writer = threading.Lock()

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):  # pragma: no cover - driver plumbing
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            use_wal(dbapi_conn)  # workers and instances open a fresh file at once
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - driver plumbing
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")  # a WAL snapshot, taken at the first read
                return
            info = conn.connection.info  # the pooled DBAPI connection's own dict
            if not info.get("writer"):
                if not writer.acquire(timeout=_SQLITE_BUSY_TIMEOUT):
                    raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
                info["writer"] = True
            try:
                # One writer at a time, decided at BEGIN: no SQLITE_BUSY_SNAPSHOT half-way through.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                info.pop("writer", None)
                writer.release()
                raise

        def _release(dbapi_conn, record, *_):  # pragma: no cover - driver plumbing
            if record is not None and record.info.pop("writer", None):
                writer.release()

        # checkin comes after the pool's reset (COMMIT has run, or ROLLBACK); the others cover a
        # connection that is dropped instead of returned
        for name in ("checkin", "invalidate", "soft_invalidate", "close", "detach"):
            event.listen(engine.pool, name, _release)

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _no_nul_in_text, retval=True)
    return engine


def _without_nul(value):
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_nul(v) for v in value)
    return value


def _no_nul_in_text(conn, cursor, statement, parameters, context, executemany):  # pragma: no cover - plumbing
    """PostgreSQL's text types cannot hold NUL (U+0000): a parameter with one made the driver fail
    (a 500, found by the fuzz campaign: ``GET /backoffice/?q=%00``). Such a value is never a stored key
    (names, numbers and ids refuse control characters), so it becomes U+FFFD: a lookup finds nothing,
    a free text (a reason) keeps a visible mark where the NUL was. SQLite stores NUL as it is."""
    return statement, _without_nul(parameters)


def _private_file(path: Path) -> None:
    """Create the SQLite database file with mode 0600 before SQLite opens it (SQLite gives its -wal
    and -shm files the database file's mode), and tighten an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_mode & 0o077:
            os.chmod(side, 0o600)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def read_only(engine: Engine) -> Engine:
    """The engine for transactions that only read (on SQLite they do not queue behind the writer)."""
    return engine.execution_options(**{READ_ONLY: True})


def read_only_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(read_only(engine), expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Run the Alembic migrations shipped in ``issuer/migrations`` up to head."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    cfg.attributes["engine"] = engine
    os.environ.setdefault("ALEMBIC_SKIP_LOGGING", "1")
    command.upgrade(cfg, "head")
