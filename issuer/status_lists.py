"""Token Status Lists: allocation, signing, publishing and withdrawal (TSL). Part of
:class:`issuer.service.IssuerService` (a mixin: ``self`` is the service)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from credential import status_list as tsl
from credential.jose import JoseError, parse_compact

from . import core, store
from .common import ACTIONS, Conflict, MAX_LIST_ID, NotFound, STATUS_NAMES, _Q, _RANDOM, _T, log


class StatusLists:
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
                                       .where(store.Credential.document_number == document_number,
                                              # a copy revoked for a lost phone stays revoked (issue 15)
                                              store.Credential.lost.is_(False))
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
