"""What the parts of :class:`issuer.service.IssuerService` share: the tables and prepared statements, the
exceptions the HTTP layer maps to responses, the case view and small helpers."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update

from credential import status_list as tsl
from credential.i18n import text

from . import core, dpop, store

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
                                 _T.credentials.c.status != tsl.VALID,
                                 # copies revoked for a lost phone do not block the holder's new phone
                                 _T.credentials.c.lost.is_(False))).where(_T.cases.c.id == bindparam("case_id"))
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
    collected_at: int | None = None  # when a wallet redeemed this offer's code (None: not yet)

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


def _check_password(username: str, password: str) -> None:
    problem = core.password_problem(username, password)
    if problem:
        raise ValueError(problem)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _write_secret(path: Path, value: str) -> None:
    from trust_list import atomic_write

    atomic_write(path, (value + "\n").encode("ascii"), mode=0o600)
