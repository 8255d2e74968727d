"""The token endpoint (OID4VCI §6), DPoP (RFC 9449) and c_nonces (OID4VCI §7). Part of
:class:`issuer.service.IssuerService` (a mixin: ``self`` is the service)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select

from credential import attestations
from credential.reasons import Rejected

from . import attestation, authz, core, dpop, nonces, store
from .common import DpopInvalid, InvalidToken, OAuthError, TX_CODE_ATTEMPTS_LEFT, UseDpopNonce, _Q, _RANDOM


class TokensAndNonces:
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
        if self._replayed(conn, dpop.jti_key(proof.jkt, proof.jti), proof.iat, now,
                          self.settings.dpop_iat_window):
            raise DpopInvalid("the DPoP proof was already used (jti replayed)")

    def _replayed(self, conn, h: str, iat: int, now: int, window: int) -> bool:
        """True when the replay key ``h`` was seen within its window; otherwise it is recorded (the
        ``dpop_jtis`` table also keeps the Client Attestation PoPs' keys, under their own prefix)."""
        exp = max(iat, now) + window + 1
        row = conn.execute(_Q.seen_jti, {"h": h}).first()
        if row is not None and row.expires_at > now:
            return True
        if row is not None:
            conn.execute(_Q.renew_jti, {"h": h, "exp": exp})
        else:
            conn.execute(_Q.add_jti, {"jti_hash": h, "expires_at": exp})
        if _RANDOM.random() < 1 / 32:  # keep the cache bounded: drop what can no longer be replayed
            conn.execute(_Q.purge_jtis, {"now": now})
        return False

    # ------------------------------------------------------------ wallet attestation (HAIP 1.0 §4.4.1)

    def check_client_attestation(self, headers, client_id: str | None) -> attestations.ClientAttestation | None:
        """ABCA §6.1/§6.2 at the PAR and token endpoints (``headers``: the request's); the PoP's ``jti``
        is spent at once (ABCA §12.1: a PoP is single use, whether or not the request then succeeds).
        Raises :class:`issuer.attestation.AttestationInvalid`; None when nothing was sent or required."""
        sent, pop = attestation.headers_of(headers)
        now = self.now()
        checked = self.wallet_providers.check_client(sent, pop, client_id=client_id, audience=self.url, now=now)
        if checked is None:
            return None
        h = core.sha256_hex(f"abca-pop\x00{checked.instance_jkt}\x00{checked.pop_jti}")
        window = self.settings.client_attestation_pop_window

        def run() -> None:
            with self.engine.begin() as conn:
                if self._replayed(conn, h, checked.pop_iat, now, window):
                    raise attestation.AttestationInvalid(Rejected(attestations.POP_REPLAYED, "jti already used"))

        self._retry(run)
        return checked

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
        if grant == "refresh_token" and self.settings.refresh_token_ttl > 0:  # RFC 6749 §6
            return self.refresh(form, dpop_proof)
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
                out = {"access_token": access, "token_type": "DPoP" if dpop_proof else "Bearer",
                       "expires_in": self.settings.access_token_ttl}
                if dpop_proof is not None and self.settings.refresh_token_ttl > 0:
                    # RFC 9449 §5: a public client's refresh token only when it is bound to the DPoP key
                    out["refresh_token"] = self._new_refresh_token(s, case.id, core.CONFIG_OF_TYPE[case.type_key],
                                                                   dpop_proof.jkt, now)
                return out

        result = self._retry(run)
        if "_error" in result:
            raise OAuthError(*result["_error"])
        return result

    def _new_refresh_token(self, s, case_id: int, configuration_id: str, jkt: str, now: int) -> str:
        value = core.random_token()
        s.add(store.RefreshToken(token_hash=core.sha256_hex(value), case_id=case_id, configuration_id=configuration_id,
                                 dpop_jkt=jkt, expires_at=now + self.settings.refresh_token_ttl))
        return value

    def refresh(self, form: dict[str, str], dpop_proof: dpop.DpopProof | None) -> dict[str, Any]:
        """RFC 6749 §6: a new access token for the case of a refresh token, so the wallet can ask for new
        one-time copies (OID4VCI §8 with fresh key proofs) without a new case. The refresh token is bound to
        the DPoP key it was issued with (RFC 9449 §5): the request must carry a proof by that key, and the new
        access token is bound to it too. Refused (``invalid_grant``) when unknown, expired, revoked (the holder
        reported the device lost) or the document is no longer valid."""
        value = form.get("refresh_token")
        if not value:
            raise OAuthError("invalid_request", "refresh_token is missing")
        if dpop_proof is None:
            raise OAuthError("invalid_grant", "this refresh token is DPoP-bound: send a DPoP proof")
        now = self.now()

        def run() -> dict[str, Any]:
            with self.Session.begin() as s:
                row = s.get(store.RefreshToken, core.sha256_hex(value))
                self._spend_jti(s, dpop_proof, now)
                if row is None or row.revoked_at is not None or row.expires_at <= now:
                    raise OAuthError("invalid_grant", "the refresh token is unknown, revoked or expired")
                if not core.hmac.compare_digest(row.dpop_jkt, dpop_proof.jkt):
                    raise OAuthError("invalid_grant", "the DPoP proof is signed by another key than the refresh "
                                     "token is bound to")
                case = s.get(store.Case, row.case_id)
                access = core.random_token()
                s.add(store.AccessToken(token_hash=core.sha256_hex(access), case_id=case.id,
                                        configuration_id=row.configuration_id,
                                        expires_at=now + self.settings.access_token_ttl, dpop_jkt=row.dpop_jkt))
                self.audit(s, "wallet", "token.refresh", case.document_number, {"token_type": "DPoP"})
                return {"access_token": access, "token_type": "DPoP", "expires_in": self.settings.access_token_ttl}

        return self._retry(run)

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
