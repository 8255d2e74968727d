"""New one-time copies and the paper copy from the issuer, without a new case (issue 15, item 4).

A card received with a DPoP-bound token keeps the issuer's refresh token and its DPoP key (sealed with the card,
:attr:`wallet.core.Card.renewal`). When copies run low and the phone is online, :func:`renew_low` redeems the
refresh token (RFC 6749 §6, a DPoP proof by the same key, RFC 9449 §5) for an access token and asks the credential
endpoint (OID4VCI 1.0 §8) for a new batch, each copy bound to a fresh holder key (Appendix F.1 proofs), checked
exactly as at first receipt (trust list, signature, ``cnf``), and only kept when its claims are the card's claims.
The access token is also what :func:`paper_copy` shows at the issuer's ``POST /paper-copy``.

An issuer that says no (``invalid_grant``: the phone was reported lost, the refresh token expired, the document
is no longer valid) marks the card ``renewal.refused``: the app then says to ask the institution for a new offer.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from credential.reasons import Rejected
from trust_list import TrustStore

from . import http
from . import reasons as R
from .core import LOW_COPIES, OFFLINE, ONLINE, Card, Wallet, key_from_jwk
from .issuance import DEFAULT_COPIES, MAX_COPIES, CredentialOffer, _Auth, _request_one, fetch_metadata

REFRESH_GRANT = "refresh_token"  # RFC 6749 §6


@dataclass
class Renewed:
    card_id: str
    added: int
    copies_left: int


def can_renew(card: Card) -> bool:
    r = card.renewal
    return isinstance(r, dict) and isinstance(r.get("refresh_token"), str) and not r.get("refused")


def _access(wallet: Wallet, card: Card, client: httpx.Client):
    """(issuer metadata, DPoP-bound access token) from the card's refresh token."""
    if not can_renew(card):
        raise Rejected(R.RENEWAL_UNAVAILABLE)
    meta = fetch_metadata(client, card.issuer_id)
    key = key_from_jwk(card.renewal["dpop_key"])
    auth = _Auth(None, key)
    resp = auth.post(client, meta.token_endpoint, fail=R.RENEWAL_REFUSED, now=wallet.now(),
                     data={"grant_type": REFRESH_GRANT, "refresh_token": card.renewal["refresh_token"]})
    body = http.json_of(resp, R.RENEWAL_REFUSED) if resp.content else {}
    if resp.status_code != 200:
        if resp.status_code == 400 and body.get("error") == "invalid_grant":
            card.renewal = {**card.renewal, "refused": True}
            wallet.save_card(card)
        raise Rejected(R.RENEWAL_REFUSED, str(body.get("error", resp.status_code))[:60])
    token = body.get("access_token")
    if not isinstance(token, str) or str(body.get("token_type", "")).lower() != "dpop":
        raise Rejected(R.RENEWAL_REFUSED, "no DPoP-bound access token")
    return meta, _Auth(token, key, auth.nonce)


def renew(wallet: Wallet, card_id: str, store: TrustStore, client: httpx.Client, *,
          copies: int = DEFAULT_COPIES) -> Renewed:
    """Fetch a new batch of copies for the card; used copies are dropped, unused ones kept."""
    card = wallet.card(card_id)
    meta, auth = _access(wallet, card, client)
    offer = CredentialOffer(card.issuer_id, [card.configuration_id], None, None)
    n = max(1, min(copies, meta.batch_size, MAX_COPIES))
    from credential import jose

    fresh, _name = _request_one(wallet, client, meta, offer, card.configuration_id, None, auth, store, n,
                                lambda: jose.SigningKey.generate("P-256"))
    if fresh.claims != card.claims or fresh.vct != card.vct:
        # another document than the one on the card: keep the card as it is, let the person decide
        raise Rejected(R.CREDENTIAL_INVALID, "the new copies carry other data than the card")
    card = wallet.card(card_id)  # re-read: a copy may have been used meanwhile
    card.copies = [c for c in card.copies if c.used_at is None] + fresh.copies
    card.iat, card.exp, card.nbf, card.status_ref = fresh.iat, fresh.exp, fresh.nbf, fresh.status_ref
    wallet.save_card(card)
    wallet.log(kind="issuance", party=card.issuer_name, party_id=card.issuer_id, credential=card.vct,
               claims=sorted(card.claims), outcome="renewed", card_id=card.id)
    return Renewed(card.id, len(fresh.copies), card.copies_left)


def renew_low(wallet: Wallet, store: TrustStore, client: httpx.Client) -> list[Renewed]:
    """Every card with :data:`~wallet.core.LOW_COPIES` or fewer copies left that can be renewed; best effort: a
    card the issuer refuses is marked and skipped, a network failure leaves it for the next time."""
    out = []
    for card in wallet.cards():
        low = card.copies_left <= LOW_COPIES or (card.reserved and min(
            card.copies_left_for(ONLINE), card.copies_left_for(OFFLINE)) <= LOW_COPIES)  # one reserve running out
        if low and can_renew(card):
            try:
                out.append(renew(wallet, card.id, store, client))
            except Rejected:
                continue
    return out


def paper_copy(wallet: Wallet, card_id: str, client: httpx.Client) -> bytes:
    """The card's paper copy (a PDF) from the issuer's ``POST /paper-copy``, with a fresh access token."""
    card = wallet.card(card_id)
    meta, auth = _access(wallet, card, client)
    base = card.issuer_id.rstrip("/")
    url = f"{base}/paper-copy"
    http.check_url(url, R.RENEWAL_REFUSED)
    resp = auth.post(client, url, fail=R.RENEWAL_REFUSED, now=wallet.now())
    if resp.status_code != 200 or not resp.content.startswith(b"%PDF"):
        raise Rejected(R.RENEWAL_REFUSED, f"paper copy: {resp.status_code}")
    wallet.log(kind="issuance", party=card.issuer_name, party_id=card.issuer_id, credential=card.vct,
               outcome="paper", card_id=card.id)
    return resp.content
