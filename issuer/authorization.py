"""The authorization code flow's shell (OpenID4VCI 1.0 §5 and §6.1): pushed authorization requests,
the login round trip at the authorization endpoint, and the authorization code grant at the token
endpoint, each one database transaction. The rules are in :mod:`issuer.authz`, the login in
:mod:`issuer.login`.

The person is matched to their own cases by personal number (``personal_administrative_number``):
with ``issuer_state`` (from an offer, §4.1.1) the offer's case must be theirs; without (a
wallet-initiated flow) their latest case of the requested type. No case: nothing is issued and the
citizen is told their A1 or EHIC is not decided yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from . import authz, core, store
from .login import DemoLogin, LoginFailed, UpstreamOidc

if TYPE_CHECKING:
    from . import dpop
    from .service import IssuerService

log = logging.getLogger("esspass.issuer")


@dataclass(frozen=True)
class LoginStart:
    """What the authorization endpoint does next: ``handle`` goes into the browser's cookie; for an
    upstream provider ``redirect`` is where the browser goes; for the demo login a page is shown."""

    handle: str
    redirect: str | None
    configuration_id: str


@dataclass(frozen=True)
class LoginOutcome:
    """The end of the login: ``redirect`` back to the wallet (code or error), and, when the person
    has no decided case, ``undecided`` = the type key the page talks about."""

    redirect: str
    undecided: str | None = None


def _h(value: str) -> str:
    return core.sha256_hex(value)


class AuthorizationFlow:
    def __init__(self, svc: IssuerService, authenticator: UpstreamOidc | DemoLogin | None) -> None:
        self.svc = svc
        self.authenticator = authenticator

    @property
    def enabled(self) -> bool:
        return self.authenticator is not None

    @property
    def callback_url(self) -> str:
        return f"{self.svc.url}/authorize/callback"

    # ------------------------------------------------------------ RFC 9126 §2: the PAR endpoint

    def push(self, form: dict[str, str], proof: dpop.DpopProof | None) -> dict[str, Any]:
        if not self.enabled:
            raise authz.AuthzError("invalid_request", "this issuer has no authorization code flow configured")
        svc, now = self.svc, self.svc.now()
        scopes = {cfg: cfg for cfg in core.CONFIGURATIONS}  # scope value = configuration id (metadata)
        req = authz.check_pushed_request(form, scopes=scopes, issuer=svc.url,
                                         dpop_jkt=proof.jkt if proof else None)
        request_uri = authz.REQUEST_URI_PREFIX + core.random_token(24)

        def run() -> None:
            with svc.Session.begin() as s:
                if proof is not None:
                    svc._spend_jti(s, proof, now)
                if req.issuer_state is not None:  # §5.1.3: it must be one of our live offers
                    offer = s.scalar(select(store.Offer).where(store.Offer.offer_id == req.issuer_state))
                    case = s.get(store.Case, offer.case_id) if offer is not None else None
                    if offer is None or offer.used_at is not None or offer.expires_at <= now:
                        raise authz.AuthzError("invalid_request", "issuer_state is unknown or expired")
                    if core.CONFIG_OF_TYPE[case.type_key] != req.configuration_id:
                        raise authz.AuthzError("invalid_request", "issuer_state is for another credential")
                s.execute(delete(store.AuthorizationRequest).where(
                    store.AuthorizationRequest.expires_at <= now - svc.settings.login_ttl))
                s.add(store.AuthorizationRequest(
                    request_uri_hash=_h(request_uri), client_id=req.client_id, redirect_uri=req.redirect_uri,
                    state=req.state, code_challenge=req.code_challenge, configuration_id=req.configuration_id,
                    requested_by=req.requested_by, issuer_state=req.issuer_state, dpop_jkt=req.dpop_jkt,
                    expires_at=now + svc.settings.par_ttl))

        svc._retry(run)
        return {"request_uri": request_uri, "expires_in": svc.settings.par_ttl}  # RFC 9126 §2.2

    # ------------------------------------------------------------ §5.1 / RFC 9126 §4: authorization endpoint

    def start(self, client_id: str | None, request_uri: str | None) -> LoginStart:
        """The browser arrives with ``client_id`` and ``request_uri`` (RFC 9126 §4). The request_uri
        is single use (§4: SHOULD); the client_id must be the one that pushed it. Errors here are shown
        to the person (RFC 6749 §4.1.2.1: no redirect when the request cannot be trusted)."""
        if not self.enabled:
            raise authz.AuthzError("invalid_request", "no authorization code flow is configured")
        if not request_uri or not client_id:
            raise authz.AuthzError("invalid_request", "client_id and request_uri are required (pushed requests only)")
        svc, now = self.svc, self.svc.now()
        handle = core.random_token(24)
        nonce, verifier = core.random_token(24), core.random_token(48)

        def run() -> str:
            with svc.Session.begin() as s:
                row = s.scalar(select(store.AuthorizationRequest)
                               .where(store.AuthorizationRequest.request_uri_hash == _h(request_uri))
                               .with_for_update())
                if row is None or row.expires_at <= now or row.login_handle_hash is not None:
                    raise authz.AuthzError("invalid_request_uri", "the request_uri is unknown, used or expired")
                if row.client_id != client_id:
                    raise authz.AuthzError("invalid_request", "client_id is not the one that pushed the request")
                row.login_handle_hash = _h(handle)
                row.login_nonce, row.login_verifier = nonce, verifier
                row.login_expires_at = now + svc.settings.login_ttl
                return row.configuration_id

        cfg = svc._retry(run)
        redirect = None
        if isinstance(self.authenticator, UpstreamOidc):
            redirect = self.authenticator.authorization_url(state=handle, nonce=nonce, code_verifier=verifier,
                                                            redirect_uri=self.callback_url)
        return LoginStart(handle, redirect, cfg)

    def pending(self, handle: str | None) -> store.AuthorizationRequest:
        """The request a live login handle belongs to; :class:`LoginFailed` otherwise."""
        if not handle or len(handle) > 100:
            raise LoginFailed("login.no_session", "no login is in progress in this browser")
        with self.svc.Reader() as s:
            row = s.scalar(select(store.AuthorizationRequest)
                           .where(store.AuthorizationRequest.login_handle_hash == _h(handle)))
        if row is None or row.subject is not None or (row.login_expires_at or 0) <= self.svc.now():
            raise LoginFailed("login.no_session", "the login expired or was already completed")
        return row

    def finish_upstream(self, handle: str | None, state: str | None, code: str | None) -> LoginOutcome:
        """The upstream provider's redirect back (Core §3.1.2.5): ``state`` must be this browser's
        handle (the cookie), then the code is redeemed for the personal number."""
        if not isinstance(self.authenticator, UpstreamOidc):
            raise LoginFailed("login.no_session", "no upstream provider is configured")
        if not handle or not state or not core.hmac.compare_digest(handle, state):
            raise LoginFailed("login.state", "the login answer does not belong to this browser's login")
        row = self.pending(handle)
        if not code:
            raise LoginFailed("login.upstream_refused", "the provider did not authenticate the person")
        subject = self.authenticator.finish(code=code, nonce=row.login_nonce or "",
                                            code_verifier=row.login_verifier or "",
                                            redirect_uri=self.callback_url)
        return self.complete(handle, subject)

    def finish_demo(self, handle: str | None, personal_number: str) -> LoginOutcome:
        if not isinstance(self.authenticator, DemoLogin):
            raise LoginFailed("login.no_session", "the demo login is off")
        self.pending(handle)
        return self.complete(handle, self.authenticator.subject_of(personal_number))

    def complete(self, handle: str, subject: str) -> LoginOutcome:
        """The person is ``subject``: their own case (OID4VCI §5; issue 13) gets an authorization code,
        else the wallet gets ``access_denied`` and the person a page saying nothing is decided yet."""
        svc, now = self.svc, self.svc.now()
        code = core.random_token(32)

        def run() -> LoginOutcome:
            with svc.Session.begin() as s:
                row = s.scalar(select(store.AuthorizationRequest)
                               .where(store.AuthorizationRequest.login_handle_hash == _h(handle)).with_for_update())
                if row is None or row.subject is not None or (row.login_expires_at or 0) <= now:
                    raise LoginFailed("login.no_session", "the login expired or was already completed")
                row.subject = subject
                type_key = core.CONFIGURATIONS[row.configuration_id]
                case = self._case_of(s, row, subject, type_key)
                if case is None:
                    row.used_at = now
                    svc.audit(s, "citizen", "authorize.undecided", type_key)
                    return LoginOutcome(authz.error_response(
                        row.redirect_uri, error="access_denied", state=row.state, issuer=svc.url,
                        description="no decided case of this type for the authenticated person"), type_key)
                row.case_id = case.id
                row.code_hash = _h(code)
                row.code_expires_at = now + svc.settings.authorization_code_ttl
                svc.audit(s, "citizen", "authorize.code", case.document_number)
                return LoginOutcome(authz.authorization_response(row.redirect_uri, code=code, state=row.state,
                                                                 issuer=svc.url))

        return svc._retry(run)

    @staticmethod
    def _case_of(s, row: store.AuthorizationRequest, subject: str, type_key: str) -> store.Case | None:
        """The case the person may get: the offer's (``issuer_state``) if it is theirs, else their
        latest case of ``type_key``. Matched by personal number, never by name."""
        wanted = _h(subject)
        if row.issuer_state is not None:
            offer = s.scalar(select(store.Offer).where(store.Offer.offer_id == row.issuer_state))
            case = s.get(store.Case, offer.case_id) if offer is not None else None
            if case is None or case.subject_hash != wanted or case.type_key != type_key:
                return None
            return case
        return s.scalar(select(store.Case).where(store.Case.subject_hash == wanted, store.Case.type_key == type_key)
                        .order_by(store.Case.id.desc()).limit(1))

    # ------------------------------------------------------------ §6.1: the authorization code grant

    def token(self, form: dict[str, str], proof: dpop.DpopProof | None) -> dict[str, Any]:
        """RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5-4.6) and the PAR's DPoP key (RFC 9449 §10)."""
        from .service import OAuthError  # noqa: PLC0415 - the service module imports this one

        svc, now = self.svc, self.svc.now()
        code = form.get("code")
        if not code or len(code) > 200:
            raise OAuthError("invalid_request", "code is missing")
        if "code_verifier" not in form:
            raise OAuthError("invalid_request", "code_verifier is required (PKCE)")

        def run() -> dict[str, Any]:
            with svc.Session.begin() as s:
                row = s.scalar(select(store.AuthorizationRequest)
                               .where(store.AuthorizationRequest.code_hash == _h(code)).with_for_update())
                if proof is not None:
                    svc._spend_jti(s, proof, now)
                if row is None or row.used_at is not None or (row.code_expires_at or 0) <= now:
                    if row is not None and row.used_at is not None:  # RFC 6749 §4.1.2: a replayed code
                        svc.audit(s, "wallet", "authorize.code_replayed", str(row.case_id))
                    return {"_error": ("invalid_grant", "the authorization code is unknown, used or expired")}
                row.used_at = now  # single use, also when the request below is wrong (§4.1.2)
                if form.get("client_id") != row.client_id:  # §4.1.3: public clients send client_id
                    return {"_error": ("invalid_grant", "the code was issued to another client")}
                if form.get("redirect_uri") != row.redirect_uri:  # §4.1.3
                    return {"_error": ("invalid_grant", "redirect_uri differs from the authorization request")}
                if not authz.pkce_matches(form.get("code_verifier"), row.code_challenge):  # RFC 7636 §4.6
                    return {"_error": ("invalid_grant", "code_verifier does not match the code_challenge")}
                if row.dpop_jkt is not None and (proof is None or proof.jkt != row.dpop_jkt):  # RFC 9449 §10
                    return {"_error": ("invalid_dpop_proof", "the DPoP key is not the one of the pushed request")}
                case = s.get(store.Case, row.case_id)
                identifier = case.public_id if row.requested_by == "authorization_details" else None
                access = core.random_token()
                s.add(store.AccessToken(token_hash=core.sha256_hex(access), case_id=case.id,
                                        configuration_id=row.configuration_id,
                                        expires_at=now + svc.settings.access_token_ttl,
                                        dpop_jkt=proof.jkt if proof else None, credential_identifier=identifier))
                svc.audit(s, "wallet", "token.issue", case.document_number,
                          {"token_type": "DPoP" if proof else "Bearer", "grant": "authorization_code"})
                body: dict[str, Any] = {"access_token": access, "token_type": "DPoP" if proof else "Bearer",
                                        "expires_in": svc.settings.access_token_ttl}
                if identifier is not None:  # §6.2: REQUIRED when authorization_details were requested
                    body["authorization_details"] = authz.authorization_details_response(row.configuration_id,
                                                                                        identifier)
                return body

        result = svc._retry(run)
        if "_error" in result:
            raise OAuthError(*result["_error"])
        return result


def offer_grants(flow: AuthorizationFlow, offer_id: str) -> dict[str, Any]:
    """OID4VCI §4.1.1: the ``authorization_code`` grant of an offer, with ``issuer_state`` naming the
    offer (empty when the flow is off)."""
    return {"authorization_code": {"issuer_state": offer_id}} if flow.enabled else {}

