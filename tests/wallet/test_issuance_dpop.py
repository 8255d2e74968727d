"""The wallet's OpenID4VCI client with DPoP (RFC 9449): a DPoP-bound access token when the issuer
advertises ES256 DPoP, plain Bearer with an issuer that does not."""

from __future__ import annotations

import time

from sqlalchemy import select

from wallet.issuance import receive
from wallet.trust import load_trust_store

from .servers import ONLINE_PIN, new_online_wallet

PIN = ONLINE_PIN
new_wallet = new_online_wallet


def token_bindings(services) -> list[str | None]:
    from issuer import store

    with services.issuer.Session() as s:
        # every access token granted (they are not spent: OID4VCI §8 lets one serve several requests)
        return list(s.scalars(select(store.AccessToken.dpop_jkt)))


def test_wallet_uses_dpop_when_advertised(services, tmp_path):
    wallet = new_wallet(tmp_path)
    trust = load_trust_store(services.trust_dir, int(time.time()))
    before = token_bindings(services)
    offer, code, _ = services.offer("ehic")
    [card] = receive(wallet, offer, trust, tx_code=code).cards
    assert card.copies_left >= 2
    after = token_bindings(services)
    assert len(after) == len(before) + 1
    assert sum(b is not None for b in after) == sum(b is not None for b in before) + 1  # DPoP-bound (cnf.jkt)


def test_wallet_uses_bearer_with_an_issuer_without_dpop(services, tmp_path, monkeypatch):
    import issuer.api

    plain = issuer.api.as_metadata

    def without_dpop(svc):
        meta = plain(svc)
        meta.pop("dpop_signing_alg_values_supported")
        return meta

    monkeypatch.setattr(issuer.api, "as_metadata", without_dpop)
    wallet = new_wallet(tmp_path)
    trust = load_trust_store(services.trust_dir, int(time.time()))
    before = token_bindings(services)
    offer, code, _ = services.offer("pda1")
    [card] = receive(wallet, offer, trust, tx_code=code).cards
    assert card.copies_left >= 1
    after = token_bindings(services)
    assert len(after) == len(before) + 1
    assert after.count(None) == before.count(None) + 1  # a Bearer token
