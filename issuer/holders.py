"""A holder reports their device lost (issue 15, item 4). Part of :class:`issuer.service.IssuerService` (a mixin:
``self`` is the service).

The phone with the wallet is gone: whoever has it must not be able to show the holder's credentials. Every
credential the holder's wallet holds (key-bound, not paper) of every case of that holder is revoked on its Token
Status List (TSL §7: status INVALID is final for those entries), and the holder's refresh tokens and access tokens
are withdrawn so the lost wallet cannot fetch new copies. The *document* is not revoked: the case stays open, a
new offer can be made for the new phone, paper copies stay valid. "The holder" is every case with the same
personal number (``subject_hash``); a case without one stands for itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from credential import status_list as tsl

from . import store
from .common import NotFound, log


class Holders:
    def holder_cases(self, public_id: str) -> list[str]:
        """Public ids of every case of the holder of case ``public_id`` (same personal number), this one first."""
        with self.Reader() as s:
            case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
            if case is None:
                raise NotFound(public_id)
            if case.subject_hash is None:
                return [case.public_id]
            others = s.scalars(select(store.Case.public_id).where(store.Case.subject_hash == case.subject_hash,
                                                                  store.Case.id != case.id).order_by(store.Case.id))
            return [case.public_id, *others]

    def device_lost(self, public_id: str, *, actor: str, reason: str = "") -> dict[str, Any]:
        """Revoke every wallet credential of the holder of case ``public_id`` and withdraw their refresh and access
        tokens, in one transaction that also republishes the affected Status List Tokens; one audit entry
        ``holder.device_lost`` per case touched. Returns what was done (counts, documents, status lists)."""
        now = self.now()
        reason = (reason or "").strip()[:500] or "holder reports device lost"

        def run() -> dict[str, Any]:
            with self.Session.begin() as s:
                case = s.scalar(select(store.Case).where(store.Case.public_id == public_id))
                if case is None:
                    raise NotFound(public_id)
                cases = [case] if case.subject_hash is None else list(s.scalars(
                    select(store.Case).where(store.Case.subject_hash == case.subject_hash).order_by(store.Case.id)))
                ids = [c.id for c in cases]
                creds = list(s.scalars(select(store.Credential).where(
                    store.Credential.case_id.in_(ids), store.Credential.paper.is_(False),
                    store.Credential.status != tsl.INVALID).with_for_update()))
                by_list: dict[int, list[int]] = {}
                for c in creds:
                    by_list.setdefault(c.list_id, []).append(c.idx)
                    c.status, c.lost = tsl.INVALID, True
                for list_id in sorted(by_list):
                    row = s.get(store.StatusListRow, list_id, with_for_update=True)
                    sl = tsl.StatusList.from_bytes(row.data, row.bits, size=row.size)
                    sl.set_many(by_list[list_id], tsl.INVALID)
                    row.data = bytes(sl.buffer)
                    self._publish(row, sl)
                refresh = s.execute(update(store.RefreshToken).where(store.RefreshToken.case_id.in_(ids),
                                                                     store.RefreshToken.revoked_at.is_(None))
                                    .values(revoked_at=now)).rowcount
                s.execute(delete(store.AccessToken).where(store.AccessToken.case_id.in_(ids)))
                per_case: dict[int, int] = {}
                for c in creds:
                    per_case[c.case_id] = per_case.get(c.case_id, 0) + 1
                for c in cases:
                    if per_case.get(c.id):
                        s.add(store.StatusEvent(document_number=c.document_number, old_status=tsl.VALID,
                                                new_status=tsl.INVALID, reason=f"device lost: {reason}"[:500],
                                                actor=actor, at=now))
                    self.audit(s, actor, "holder.device_lost", c.document_number,
                               {"case": c.public_id, "credentials": per_case.get(c.id, 0), "reason": reason[:200]})
                return {"cases": [c.public_id for c in cases], "documents": [c.document_number for c in cases],
                        "credentials_revoked": len(creds), "refresh_tokens_revoked": int(refresh or 0),
                        "status_lists": [self.status_uri(i) for i in sorted(by_list)]}

        result = self._retry(run)
        self.export_status_files([int(u.rsplit("/", 1)[1]) for u in result["status_lists"]])
        log.info("device lost: %d credential(s) of %d case(s) revoked by %s", result["credentials_revoked"],
                 len(result["cases"]), actor)
        return result

    def holder_paper_case(self, access_token: str | None, *, scheme: str = "bearer",
                          dpop_proof: str | None = None) -> str:
        """The case whose paper copy the holder's wallet asks for at ``POST /paper-copy`` (issue 15, item 4): the
        same access token as at the credential endpoint (OID4VCI §8; a DPoP-bound one with a proof for this URL,
        RFC 9449 §7.1, as the wallet gets it with its refresh token). Raises :class:`InvalidToken` /
        :class:`DpopInvalid`, and :class:`~issuer.common.Conflict` ``document_not_valid`` when the document is
        revoked or suspended (no paper copy of it)."""
        from . import core
        from .common import Conflict, InvalidToken, _Q

        now = self.now()
        if not access_token:
            raise InvalidToken("missing")
        with self.read_engine.connect() as conn:
            tok = conn.execute(_Q.token, {"h": core.sha256_hex(access_token)}).first()
        if tok is None or tok.used_at is not None or tok.expires_at <= now:
            raise InvalidToken("unknown or expired", dpop=scheme == "dpop" or (tok is not None and tok.dpop_jkt))
        proof = self.check_resource_dpop(tok, access_token, scheme, dpop_proof, f"{self.url}/paper-copy")

        def run() -> str:
            with self.engine.begin() as conn:
                if proof is not None:
                    self._spend_jti(conn, proof, now)
                _number, _claims, blocked = conn.execute(_Q.case, {"case_id": tok.case_id}).one()
                if blocked:
                    raise Conflict("document_not_valid")
                return conn.execute(select(store.Case.public_id).where(store.Case.id == tok.case_id)).scalar_one()

        return self._retry(run)
