"""Issue 14 finding 5: the anonymous ``/nonce`` endpoint grew the database without bound (20,000 requests:
4.7 -> 8.3 MB, one row and one write lock each). Now c_nonces are stateless (``issuer.nonces``), spent ones are
kept only until they expire and then purged, and anonymous requests are rate-limited per address."""

from __future__ import annotations

import os
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from credential import jose
from issuer import nonces, service as issuer_service, store
from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings

from .conftest import ServerThread, free_port
from .test_oid4vci import create_case
from .wallet_client import PRE_AUTH, Wallet, proof_jwt

KEY = os.urandom(32)


def rows(server) -> int:
    with server.service.Session() as s:
        return s.scalar(select(func.count()).select_from(store.Nonce))


def test_anonymous_nonces_store_nothing(server):
    before = rows(server)
    with httpx.Client(timeout=10) as http:
        got = {http.post(f"{server.url}/nonce").json()["c_nonce"] for _ in range(300)}
    assert len(got) == 300 and rows(server) == before  # before the fix: 300 more rows


def test_spent_nonces_are_purged_once_expired(server, monkeypatch):
    w = Wallet()
    meta, as_meta = None, None
    for _ in range(2):
        case = create_case(server, tx_code=False)
        offer = w.resolve_offer(case["offer_uri"])
        meta, as_meta = w.metadata(offer["credential_issuer"])
        access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
        proof = proof_jwt(jose.SigningKey.generate(), aud=meta["credential_issuer"], nonce=w.nonce(meta))
        assert w.credential(meta, access, "pda1_sd_jwt", [proof]).status_code == 200
    assert rows(server) == 2  # the replay guard: one row per spent nonce
    # later than every spent nonce's expiry, with the purge drawn: the expired rows go
    later = int(time.time()) + server.settings.nonce_ttl + 1
    monkeypatch.setattr(server.service, "clock", lambda: later)
    monkeypatch.setattr(issuer_service._RANDOM, "random", lambda: 0.0)
    with server.service.engine.begin() as conn:
        server.service._spend_nonces(conn, {"f" * 64: later + 10}, later)
    assert rows(server) == 1


def test_forged_altered_and_foreign_nonces_are_refused(server):
    w = Wallet()
    case = create_case(server, tx_code=False)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
    good = w.nonce(meta)
    flipped = good[:20] + ("A" if good[20] != "A" else "B") + good[21:]
    foreign = nonces.seal(KEY, int(time.time()) + 60, os.urandom(12), os.urandom(8))  # another issuer's key
    too_long = nonces.seal(server.service.nonce_key, int(time.time()) + 10 * server.settings.nonce_ttl,
                           os.urandom(12), os.urandom(8))
    for bad in (flipped, foreign, too_long, "x" * nonces.ENCODED_CHARS):
        proof = proof_jwt(jose.SigningKey.generate(), aud=meta["credential_issuer"], nonce=bad)
        r = w.credential(meta, access, "pda1_sd_jwt", [proof])
        assert r.status_code == 400 and r.json()["error"] == "invalid_nonce", r.text
    proof = proof_jwt(jose.SigningKey.generate(), aud=meta["credential_issuer"], nonce=good)
    assert w.credential(meta, access, "pda1_sd_jwt", [proof]).status_code == 200  # nothing was spent before


def test_anonymous_nonce_requests_are_rate_limited(tmp_path):
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", nonce_per_minute=5,
                        status_list_size=1000)
    svc = IssuerService(settings)
    with ServerThread(create_app(settings, svc), port), httpx.Client(timeout=10) as http:
        for _ in range(5):
            assert http.post(f"http://127.0.0.1:{port}/nonce").status_code == 200
        r = http.post(f"http://127.0.0.1:{port}/nonce")
        assert r.status_code == 429 and r.json()["error"] == "slow_down" and int(r.headers["retry-after"]) >= 1
    svc.close()


def test_nonce_key_is_shared_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ESSPASS_ISSUER_NONCE_KEY", nonces.encode_key(KEY))
    svc = IssuerService(Settings(home=tmp_path / "home", status_list_size=1000))
    assert svc.nonce_key == KEY and not (tmp_path / "home" / "issuer" / "nonce_key").exists()
    value = svc.nonce()
    assert nonces.open_nonce(KEY, value, svc.now(), svc.settings.nonce_ttl) > svc.now()
    svc.close()
    monkeypatch.setenv("ESSPASS_ISSUER_NONCE_KEY", "too-short")
    with pytest.raises(ValueError):
        IssuerService(Settings(home=tmp_path / "home2", status_list_size=1000))


@given(st.one_of(st.text(max_size=80), st.binary(max_size=60).map(lambda b: nonces._b64(b)), st.none(),
                 st.integers()))
def test_open_nonce_refuses_anything_that_is_not_ours(value):
    with pytest.raises(nonces.NonceInvalid):
        nonces.open_nonce(KEY, value, 1_000, 300)


def test_seal_and_open_round_trip():
    value = nonces.seal(KEY, 1_200, b"\1" * 12, b"\2" * 8)
    assert len(value) == nonces.ENCODED_CHARS and nonces.open_nonce(KEY, value, 1_000, 300) == 1_200
    with pytest.raises(nonces.NonceInvalid):
        nonces.open_nonce(KEY, value, 1_200, 300)  # expired at 1_200
    with pytest.raises(nonces.NonceInvalid):
        nonces.open_nonce(KEY, value, 800, 300)  # expiry too far ahead
