"""Offline presentation, wallet side (docs/offline-presentation.md, issue #7): two QR codes, no network.

The inspector's device shows a signed OpenID4VP request object *by value* as an ``RQ1:`` QR code; the wallet

1. decodes it (:func:`credential.qr_transport.decode_request`) and checks it **offline** with its cached trust
   lists, exactly as online (shared/specs/trust-lists.md §5 through ``trust_list.relying_party``):
   ``rp.signature``, ``rp.client_id``, ``rp.registration`` stop everything, ``rp.over_asking`` is a warning and
   the claims beyond the registration are not shared unless the user agrees; then the request's own shape
   (``response_type=vp_token``, ``response_mode=esspass_qr``, ``x509_hash`` client id, nonce, one DCQL credential
   query) and its freshness (``iat``/``exp`` with the trust lists' 300 s clock skew): ``wallet.request_expired``;
2. plans the consent with the same :func:`wallet.presentation.plan` as online;
3. builds the ``vp_token`` from one fresh one-time copy: only the requested disclosures and a KB-JWT with
   ``nonce`` = the request's nonce and ``aud`` = its ``client_id`` (with the ``x509_hash:`` prefix);
4. encodes it as ``VP2:`` text with the request's nonce and client_id as context
   (:func:`credential.qr_transport.encode_response`), for the app to show full screen or the CLI to save as PNG;
5. records it in the history: who (from the registration certificate), when, which claims, purpose, outcome
   ``shown_offline`` ("shown offline") — the wallet cannot know whether the inspector scanned it.

Nothing here touches the network; time comes from the wallet's clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import qrimage
from credential import dcql, jose, qr_transport, sd_jwt
from credential.offline_request import AUD_STATIC, REQUEST_TYP, RESPONSE_MODE
from credential.reasons import Rejected
from trust_list import CLOCK_SKEW, check_relying_party
from trust_list.reasons import RP_CLIENT_ID
from trust_list import TrustStore

from . import reasons as R
from .core import OFFLINE, Card, Wallet
from .presentation import Consent, PresentationRequest, _dotted, plan, revealed

OUTCOME = "shown_offline"
MAX_LIFETIME_S = 24 * 3600  # a request valid for longer than a day is not "fresh" (the contract's default: 300 s)
MAX_NONCE_CHARS = 256
_NONCE = re.compile(r"[A-Za-z0-9_-]+")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_request_text(qr_text: str) -> str:
    """The request object (compact JWS) of an ``RQ1:`` text; ``qr.*`` codes when it is not one."""
    return qr_transport.decode_request(qr_text)


def unverified_client_id(request_jws: str) -> str:
    """The request object's ``client_id`` as it claims it, for logging a refusal (never trusted)."""
    try:
        value = jose.parse_compact(request_jws).payload().get("client_id")
    except (jose.JoseError, ValueError, TypeError, AttributeError):
        return ""
    return value[:200] if isinstance(value, str) else ""


def check_request(request_jws: str, store: TrustStore, now: int) -> PresentationRequest:
    """All the checks of the module docstring, step 1. Raises ``Rejected``; nothing is shown before this passes."""
    try:
        jws = jose.parse_compact(request_jws)
    except (jose.JoseError, ValueError, TypeError):
        raise Rejected(R.REQUEST_INVALID, "request object is not a signed JWT") from None
    if jws.header.get("typ") != REQUEST_TYP:
        raise Rejected(R.REQUEST_INVALID, "request object typ")
    try:
        claimed = jws.payload()
    except (jose.JoseError, ValueError, TypeError):
        raise Rejected(R.REQUEST_INVALID, "request object payload") from None
    client_id = claimed.get("client_id") if isinstance(claimed, dict) else None
    client_id = client_id if isinstance(client_id, str) else ""
    # by value, the request object carries its own client_id. rp.signature first, then rp.client_id (== x509_hash /
    # x509_san_dns of the access certificate), rp.registration; rp.over_asking is computed, not raised
    rp = check_relying_party(store, request_jws, client_id, None, now)
    if not client_id.startswith("x509_hash:"):  # docs/offline-presentation.md §1.1: the inspector decodes with it
        raise Rejected(RP_CLIENT_ID, "offline requests use an x509_hash client_id")
    req = rp.request
    if req.get("response_type") != "vp_token":
        raise Rejected(R.REQUEST_INVALID, "response_type must be vp_token")
    if req.get("response_mode") != RESPONSE_MODE:
        raise Rejected(R.REQUEST_INVALID, f"response_mode must be {RESPONSE_MODE}")
    if "aud" in req and req["aud"] != AUD_STATIC:
        raise Rejected(R.REQUEST_INVALID, "aud")
    nonce = req.get("nonce")
    if not isinstance(nonce, str) or not 1 <= len(nonce) <= MAX_NONCE_CHARS or not _NONCE.fullmatch(nonce):
        raise Rejected(R.REQUEST_INVALID, "nonce missing or not base64url")
    iat, exp = _int(req.get("iat")), _int(req.get("exp"))
    if iat is None or exp is None or exp <= iat:
        raise Rejected(R.REQUEST_INVALID, "iat/exp missing")
    if now >= exp + CLOCK_SKEW:
        raise Rejected(R.REQUEST_EXPIRED, f"expired {now - exp} s ago")
    if iat > now + CLOCK_SKEW:
        raise Rejected(R.REQUEST_EXPIRED, f"issued {iat - now} s in the future")
    if exp - iat > MAX_LIFETIME_S:
        raise Rejected(R.REQUEST_EXPIRED, f"valid for {exp - iat} s")
    if "transaction_data" in req:
        raise Rejected(R.REQUEST_INVALID, "transaction_data is not supported")
    query = dcql.parse_query(req.get("dcql_query"))  # request.dcql_invalid
    if len(query.credentials) != 1:  # one vp_token in one QR code (§1.2)
        raise Rejected(R.REQUEST_INVALID, "an offline request asks for exactly one credential")
    return PresentationRequest(client_id, req, rp, query, store, now)


def read_request(qr_text: str, store: TrustStore, now: int) -> PresentationRequest:
    """``RQ1:`` text → a checked request (see :func:`check_request`)."""
    return check_request(read_request_text(qr_text), store, now)


def is_offline(request: PresentationRequest) -> bool:
    return request.request.get("response_mode") == RESPONSE_MODE


@dataclass
class OfflineResponse:
    qr_text: str  # "VP2:…"
    vp_token: str  # the SD-JWT + KB-JWT it carries
    query_id: str
    shared: list[str]  # dotted claim paths disclosed
    card: Card
    qr_version: int


def respond_offline(wallet: Wallet, consent: Consent, *, include_over_asking: bool = False,
                    chosen_card: str | None = None) -> OfflineResponse:
    """Build the vp_token (one fresh one-time copy) and its ``VP2:`` text; record ``shown_offline``."""
    req = consent.request
    if len(consent.items) != 1:
        raise Rejected(R.NO_MATCH, "nothing to present")
    [item] = consent.items
    paths = consent.paths(include_over_asking)[item.query_id]
    try:
        card_id = chosen_card or item.card.id
        copy, key = wallet.take_copy(card_id, OFFLINE)  # a compact copy: x5c would break the QR budget
        shared = _dotted(revealed(copy.sd_jwt, paths))
        vp_token = sd_jwt.present(copy.sd_jwt, paths, holder_key=key, nonce=req.nonce, aud=req.client_id,
                                  iat=wallet.now())
        qr_text = qr_transport.encode_response(vp_token, nonce=req.nonce, client_id=req.client_id)
        version = qrimage.qr_version_for(qr_text)
    except Rejected as exc:
        log(wallet, consent, [], "failed", exc.code, include_over_asking)
        raise
    log(wallet, consent, shared, OUTCOME, "", include_over_asking)
    return OfflineResponse(qr_text, vp_token, item.query_id, shared, wallet.card(card_id), version)


def decline_offline(wallet: Wallet, consent: Consent) -> None:
    """Nobody to tell offline: the inspector simply gets no answer. Recorded as declined."""
    log(wallet, consent, [], "declined", R.DECLINED.code, False)


def log(wallet: Wallet, consent: Consent, shared: list[str], outcome: str, reason: str, over_agreed: bool) -> None:
    req = consent.request
    over = [f"{q}:{sd_jwt.format_path(p)}" for q, p in consent.over_asking_paths()]
    wallet.log(kind="presentation", party=req.name("en"), party_id=req.client_id,
               credential=",".join(sorted({i.card.vct for i in consent.items})), claims=sorted(shared),
               purpose=req.purpose(), outcome=outcome, reason=reason or ("rp.over_asking" if over else ""),
               over_asking=over, card_id=",".join(i.card.id for i in consent.items))


def log_refused(wallet: Wallet, request_jws: str | None, exc: Rejected) -> None:
    """A request stopped before consent is logged (party = the client_id it claims, unverified)."""
    client_id = unverified_client_id(request_jws) if request_jws else ""
    wallet.log(kind="presentation", party=client_id[:80], party_id=client_id, credential="", outcome="refused",
               reason=exc.code)


def log_failed(wallet: Wallet, request: PresentationRequest, exc: Rejected) -> None:
    """Checked, but the wallet cannot answer (no matching credential, no copies left)."""
    wallet.log(kind="presentation", party=request.name(), party_id=request.client_id, credential="",
               purpose=request.purpose(), outcome="failed", reason=exc.code)


def open_offline(wallet: Wallet, qr_text: str, store: TrustStore) -> Consent:
    """Decode, check and plan in one go; every refusal after decoding is recorded in the history."""
    jws = read_request_text(qr_text)  # qr.* : not a request at all (not logged: no party to name)
    try:
        request = check_request(jws, store, wallet.now())
    except Rejected as exc:
        log_refused(wallet, jws, exc)
        raise
    try:
        return plan(wallet, request)
    except Rejected as exc:
        log_failed(wallet, request, exc)
        raise
