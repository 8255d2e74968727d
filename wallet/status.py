"""Refreshing the status of stored credentials (IETF Token Status List, draft-ietf-oauth-status-list).

The wallet fetches each card's Status List Token when online, checks it was signed by a
PubEAA/Revocation service of the same trusted entity as the credential's issuer (trust-lists.md §4,
``trust_list.issuers.check_status_signer``), and reads the card's index. "Could not check" never
becomes "revoked": on any failure the last known status stays and the failure is reported.
The UI calls :func:`refresh_all` in a background thread; the CLI calls it after ``receive``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from credential import jose
from credential.reasons import Rejected
from credential.status_list import validate_status_list_token
from trust_list.issuers import check_status_signer
from trust_list import TrustStore

from . import http
from . import reasons as R
from .core import Card, Wallet


@dataclass
class Refreshed:
    card_id: str
    status: str
    error: str = ""  # reason code when the status could not be checked


def refresh_card(wallet: Wallet, card: Card, store: TrustStore, client: httpx.Client) -> Refreshed:
    ref = card.status_ref
    if not ref:
        return Refreshed(card.id, card.status)
    now = wallet.now()
    try:
        url = http.check_url(ref.get("uri"), R.NETWORK)
        resp = http.request(client, "GET", url, fail=R.NETWORK, headers={"Accept": "application/statuslist+jwt"})
        if resp.status_code != 200:
            raise Rejected(R.NETWORK, f"status list answered {resp.status_code}")
        token = resp.text.strip()

        def key(header):
            iat = jose.parse_compact(token).payload().get("iat", now)
            return check_status_signer(store, dict(header), card.issuer_name, int(iat), now).signing_key

        result = validate_status_list_token(token, public_key=key, expected_sub=ref["uri"], now=now,
                                            idx=int(ref["idx"]))
    except Rejected as exc:
        return Refreshed(card.id, card.status, exc.code)
    card = wallet.card(card.id)
    card.status = result.status if result.status in ("VALID", "INVALID", "SUSPENDED") else "UNKNOWN"
    card.status_checked_at = now
    wallet.save_card(card)
    return Refreshed(card.id, card.status)


def refresh_all(wallet: Wallet, store: TrustStore, client: httpx.Client | None = None) -> list[Refreshed]:
    own = client or http.new_client()
    try:
        return [refresh_card(wallet, c, store, own) for c in wallet.cards()]
    finally:
        if client is None:
            own.close()
