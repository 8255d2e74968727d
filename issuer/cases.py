"""Cases from the case system or the back office, their credential offers, search. Part of
:class:`issuer.service.IssuerService` (a mixin: ``self`` is the service)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from credential import status_list as tsl
from credential import types

from . import core, store
from .authorization import offer_grants
from .common import (CaseView, ClaimsInvalid, DocumentRevoked, IdempotencyKeyReused, NotFound, STATUS_NAMES,
    _canonical, log)


class Cases:
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
                                                  store.Credential.status == tsl.INVALID,
                                                  store.Credential.lost.is_(False)))):
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
        institution as ``authentic_source`` where absent (the WP6 rulebook requires it; where the competent
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
                        offer.expires_at, case.created_at, case.created_by, offer.used_at)

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

    # ------------------------------------------------------------ back-office queries

    def search(self, q: str = "", limit: int = 100, scan: int = 5000) -> list[dict[str, Any]]:
        """The newest cases, or those whose document number or case id contains ``q`` or whose holder's name
        contains every word of ``q`` (case-insensitive; issue 15: officers look people up by name). Names are
        inside the claims JSON, so a name search reads the newest ``scan`` cases."""
        words = [w.casefold() for w in q.split()]
        with self.Reader() as s:
            stmt = select(store.Case).order_by(store.Case.id.desc())
            cases = list(s.scalars(stmt.limit(limit if not q else scan)))
            out = []
            for c in cases:
                subject = json.loads(c.claims_json).get("subject") or {}
                holder = " ".join(str(subject.get(k, "")) for k in ("forenames", "familynames")).strip()
                if q and not (q in c.document_number or c.public_id == q
                              or all(w in holder.casefold() for w in words)):
                    continue
                creds = list(s.scalars(select(store.Credential).where(store.Credential.case_id == c.id)))
                statuses = {cr.status for cr in creds}
                status = "NOT ISSUED" if not creds else STATUS_NAMES[max(statuses)]
                out.append({"case_id": c.public_id, "type": c.type_key, "document_number": c.document_number,
                            "created_at": c.created_at, "created_by": c.created_by, "credentials": len(creds),
                            "status": status, "holder": holder})
                if len(out) >= limit:
                    break
        return out

    def document_status(self, document_number: str) -> dict[str, Any] | None:
        """Issue 15 item 3 (scope ``lookup``): the document's status and where the issuer's signed status lists say
        it — ``{"status", "references": [{"uri", "idx"}]}`` — and nothing else (no holder, no key, no dates);
        None for a number with no credential. Credentials withdrawn because the holder lost the phone are left out:
        the document itself stays valid then (its paper copy and a new offer)."""
        with self.Reader() as s:
            rows = list(s.scalars(select(store.Credential).where(store.Credential.document_number == document_number)))
        if not rows:
            return None
        live = [r for r in rows if not r.lost] or rows
        statuses = {r.status for r in live}
        worst = next((v for v in (tsl.INVALID, tsl.SUSPENDED) if v in statuses), tsl.VALID)
        return {"status": STATUS_NAMES[worst],
                "references": [{"uri": self.status_uri(r.list_id), "idx": r.idx}
                               for r in sorted(live, key=lambda r: (r.list_id, r.idx))]}

    def credentials_of(self, document_number: str) -> list[dict[str, Any]]:
        with self.Reader() as s:
            rows = list(s.scalars(select(store.Credential).where(store.Credential.document_number == document_number)))
        return [{"list_id": r.list_id, "idx": r.idx, "status": STATUS_NAMES[r.status], "paper": r.paper,
                 "holder_thumbprint": r.holder_thumbprint, "issued_at": r.issued_at, "type": r.type_key,
                 "lost": bool(r.lost)}
                for r in rows]
