"""The credential endpoint (OID4VCI §8): signing SD-JWT VCs, and paper copies. Part of
:class:`issuer.service.IssuerService` (a mixin: ``self`` is the service)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from credential import attestations
from credential import status_list as tsl
from credential import types
from credential.sd_jwt_vc import StatusRef, issue_vc

from . import core, nonces, store
from .attestation import AttestationInvalid
from .common import InvalidToken, NotFound, _Q, _end_of_day, log


COMPACT = "x5t"  # kid + x5t#S256: the key reference of copies meant for an offline QR code
# ESSPASS extension of the Credential Request (OpenID4VCI 1.0 §8.2: "Additional Credential Request parameters MAY
# be defined and used. The Credential Issuer MUST ignore any unrecognized parameters."): how many of the batch's
# copies, the last ones in proof order, are compact copies for the offline two-QR presentation. The others carry
# `x5c` (HAIP 1.0 §6.1.1). Other wallets do not send it and get `x5c` copies only. docs/issuer.md.
OFFLINE_COPIES_PARAM = "esspass_offline_copies"


def offline_copies(body: dict[str, Any], proofs: int) -> int:
    """The number of compact copies asked for: an integer from 0 to the number of proofs (0 when absent)."""
    value = body.get(OFFLINE_COPIES_PARAM, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= proofs:
        raise core.CredentialRequestError("invalid_credential_request",
                                          f"{OFFLINE_COPIES_PARAM} must be an integer from 0 to the number of proofs")
    return value


class Issuance:
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
        results, attested_nonces = self._checked_proofs(body.get("proofs"), now)
        offline = offline_copies(body, len(results))
        if len({r.thumbprint for r in results}) != len(results):  # each key binds at most one credential
            raise E("invalid_proof", "the same key appears in two proofs")
        spent: dict[str, int] = {}
        for value in [r.nonce for r in results] + attested_nonces:  # forged, altered or expired nonces are
            try:                                                    # refused before anything is written
                spent[core.sha256_hex(value)] = nonces.open_nonce(self.nonce_key, value, now,
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
        online = len(slots) - offline  # the first `online` copies (in proof order) are the online ones
        return [self._sign(type_key, claims, now, list_id, idx, r.jwk,
                           reference=self.settings.credential_key_reference if i < online else COMPACT)
                for i, ((list_id, idx), r) in enumerate(zip(slots, results))]

    def _checked_proofs(self, proofs: Any, now: int) -> tuple[list[core.ProofResult], list[str]]:
        """§8.2 ``proofs``: exactly one proof type, ``jwt`` (F.1; a ``key_attestation`` header is checked when
        present) or ``attestation`` (F.3: one key attestation, a credential per attested key); with
        ``key_attestation_required`` every key must be attested (HAIP 1.0 §4.5.1). Returns the keys to bind
        (with the c_nonce of each) and the c_nonces of the key attestations (OID4VCI F.1 ``key_attestation``
        and F.3: "MUST be set to a server-provided c_nonce"), all still to be spent."""
        E = core.CredentialRequestError
        kinds = ("jwt", "attestation") if self.wallet_providers.enabled else ("jwt",)
        if not isinstance(proofs, dict) or len(proofs) != 1 or next(iter(proofs)) not in kinds:
            raise E("invalid_proof", "proofs must hold exactly one proof type: " + " or ".join(kinds))
        kind, values = next(iter(proofs.items()))
        if not isinstance(values, list) or not values:
            raise E("invalid_proof", f"proofs.{kind} must be a non-empty array")
        if kind == "attestation":
            if len(values) != 1:  # F.3: "an array that contains exactly one JWT"
                raise E("invalid_proof", "proofs.attestation must hold exactly one key attestation")
            ka = self._key_attestation(values[0], now, require_exp=False)
            if len(ka.attested_keys) > self.settings.batch_size:  # §12.2.4 batch_size
                raise E("invalid_credential_request", f"at most {self.settings.batch_size} keys per request")
            assert ka.nonce is not None
            return [core.ProofResult(k, t, ka.nonce) for k, t in zip(ka.attested_keys, ka.thumbprints)], []
        if len(values) > self.settings.batch_size:  # §12.2.4 batch_size
            raise E("invalid_credential_request", f"at most {self.settings.batch_size} proofs per request")
        results = [core.check_jwt_proof(p, audience=self.url, now=now, window=self.settings.proof_iat_window)
                   for p in values]
        attested: list[str] = []
        for r in results:
            if r.key_attestation is None:
                if self.settings.key_attestation_required:
                    raise E("invalid_proof", f"{attestations.KEY_MISSING.code}: a key attestation is required",
                            attestations.KEY_MISSING.code)
                continue
            if not self.wallet_providers.enabled:
                raise E("invalid_proof", "this issuer knows no wallet providers to check a key attestation")
            ka = self._key_attestation(r.key_attestation, now, require_exp=True)  # F.1: exp MUST be present
            if r.thumbprint not in ka.thumbprints:  # F.1: the proof is signed by an attested key
                raise E("invalid_proof", f"{attestations.KEY_NOT_ATTESTED.code}: the proof's key is not attested",
                        attestations.KEY_NOT_ATTESTED.code)
            attested.append(ka.nonce)
        return results, attested

    def _key_attestation(self, token: Any, now: int, *, require_exp: bool):
        E = core.CredentialRequestError
        try:
            ka = self.wallet_providers.check_key_attestation(token, now=now, require_exp=require_exp)
        except AttestationInvalid as exc:
            raise E("invalid_proof", exc.description, exc.code) from None
        if ka.nonce is None:  # we have a nonce endpoint: F.1 key_attestation, F.3
            raise E("invalid_proof", f"{attestations.KEY_NONCE.code}: the key attestation carries no c_nonce",
                    attestations.KEY_NONCE.code)
        return ka

    def _sign(self, type_key: str, claims: dict[str, Any], now: int, list_id: int, idx: int,
              holder_jwk: dict[str, str] | None, *, reference: str) -> str:
        ctype = types.get_type(type_key)
        exp = now + self.settings.credential_validity_days * 86400
        doc_exp = _end_of_day(claims.get("date_of_expiry", ""))
        if doc_exp is not None and doc_exp > now:
            exp = min(exp, doc_exp)
        issued = issue_vc(claims, self.keys.credential_key, vct=ctype.vct, iat=now, exp=exp, iss=self.url,
                          sd_paths=ctype.sd_layout, holder_jwk=holder_jwk,
                          status=StatusRef(idx, self.status_uri(list_id)),
                          header=self.keys.credential_header(reference))
        return issued.serialize()

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
        # printed as a QR code and read offline: always compact (docs/offline-presentation.md §1.2)
        return self._sign(case.type_key, json.loads(case.claims_json), now, list_id, idx, None, reference=COMPACT)
