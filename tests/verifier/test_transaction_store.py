"""The verifier's transaction store: the same contract in memory and in a real Redis (issue 12 item 1).

Redis is a real ``redis-server`` started on a free port in a temporary directory (``tests/redis_support``).
"""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.redis_support import RedisServer
from tests.verifier import wallet_client as W
from tests.verifier.helpers import NOW, issue, status_token
from tests.verifier.servers import Clock, StatusServer, free_port, serve_app
from verifier import openid4vp as vp
from verifier.api import create_app
from verifier.redis_store import RedisTransactionStore
from verifier.service import VerifierService
from verifier.settings import VerifierSettings
from verifier.transaction_store import MemoryTransactionStore, open_store

TTL = 300


@pytest.fixture(params=["memory", "redis"])
def make_store(request, redis_server):
    """A factory: every call is one more verifier instance's view of the same store."""
    if request.param == "memory":
        shared = MemoryTransactionStore(max_items=8)
        yield lambda max_items=8: shared
        return
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    yield lambda max_items=8: RedisTransactionStore(redis_server.url, max_items)


@pytest.fixture(scope="module")
def rp(eco):
    party = eco.relying_parties["verifier"]
    return vp.RelyingParty(party.access_key, party.access_x5c, party.client_id, party.registration_jws)


def new(rp, owner="anonymous", now=NOW, ttl=TTL):
    t = vp.new_transaction(rp, "a1-inspection", "https://verifier.example", now, ttl)
    t.owner = owner
    return t


def test_lookups_return_the_same_transaction(make_store, rp):
    store = make_store()
    t = new(rp)
    store.add(t, NOW, limit=5)
    for found in (store.get(t.id), store.by_kid(t.kid), store.by_state(t.state), store.by_result_token(t.result_token)):
        assert found is not None and found.id == t.id and found.nonce == t.nonce and not found.done
        assert found.request_object == t.request_object and found.owner == "anonymous"
        assert found.enc_key.thumbprint() == t.enc_key.thumbprint()  # the decryption key survives the store
    assert store.get("nope") is None and store.by_kid("nope") is None and store.by_state("nope") is None
    assert store.by_result_token(t.result_token[:-2] + "xx") is None and store.by_result_token("") is None


def test_complete_happens_exactly_once_across_instances(make_store, rp):
    a, b = make_store(), make_store()
    t = new(rp)
    a.add(t, NOW, limit=5)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def answer(store, i):
        barrier.wait()
        wins.append(store.complete(t.id, vp.Outcome(NOW + 1, error=f"e{i}"), NOW + 1))

    threads = [threading.Thread(target=answer, args=((a, b)[i % 2], i)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert wins.count(True) == 1 and len(wins) == 8
    seen_a, seen_b = a.get(t.id), b.get(t.id)
    assert seen_a.done and seen_b.done and seen_a.error == seen_b.error and seen_a.answered_at == NOW + 1


def test_an_expired_or_unknown_transaction_cannot_be_completed(make_store, rp):
    store = make_store()
    t = new(rp)
    store.add(t, NOW, limit=5)
    assert not store.complete(t.id, vp.Outcome(t.expires_at, error="late"), t.expires_at)
    assert not store.complete("unknown", vp.Outcome(NOW, error="x"), NOW)
    assert not store.get(t.id).done


def test_a_decision_round_trips(make_store, rp):
    from verifier.policy import Check, Decision

    store = make_store()
    t = new(rp)
    store.add(t, NOW, limit=5)
    d = Decision("PASSED", [Check("kb.valid", "pass", {"en": "ok", "da": "ok"})], "urn:eudi:pda1:1", "UDK",
                 {"subject": {"familynames": "K"}})
    assert store.complete(t.id, vp.Outcome(NOW, decision=d.as_json()), NOW)
    got = store.get(t.id)
    assert got.decision.as_json() == d.as_json() and got.decision.codes == ["kb.valid"] and got.error is None


def test_quota_per_owner_and_bound(make_store, rp):
    store = make_store()
    mine = [new(rp, "client:a") for _ in range(3)]
    for t in mine:
        store.add(t, NOW, limit=3)
    with pytest.raises(vp.QuotaExceeded):
        store.add(new(rp, "client:a"), NOW, limit=3)
    assert store.open_count("client:a", NOW) == 3
    # completing one frees a place in the quota; nothing else is evicted
    assert store.complete(mine[0].id, vp.Outcome(NOW, error="done"), NOW)
    store.add(new(rp, "client:a"), NOW, limit=3)
    # another owner is not affected by a's quota, only by the store's bound (8)
    for _ in range(4):
        store.add(new(rp, "anonymous"), NOW, limit=10)
    with pytest.raises(vp.StoreFull):
        store.add(new(rp, "anonymous"), NOW, limit=10)
    assert all(store.get(t.id) is not None for t in mine)  # unexpired ones are never evicted
    # once they expire, the open ones leave the quota and the bound
    later = NOW + TTL + 1
    assert store.open_count("client:a", later) == 0
    store.add(new(rp, "client:a", now=later), later, limit=3)


def test_attempts_are_kept_bounded(make_store, rp):
    store = make_store()
    t = new(rp)
    store.add(t, NOW, limit=5)
    for i in range(vp.MAX_ATTEMPTS + 5):
        store.add_attempt(t.id, vp.Attempt(NOW + i, "error", f"e{i}"))
    got = store.get(t.id).attempts
    assert len(got) == vp.MAX_ATTEMPTS and got[-1].code == f"e{vp.MAX_ATTEMPTS + 4}" and not store.get(t.id).done
    store.mark_fetched(t.id)
    assert store.get(t.id).fetched


def test_memory_store_forgets_after_retention(rp):
    store = MemoryTransactionStore(max_items=4)
    t = new(rp)
    store.add(t, NOW, limit=5)
    gone = NOW + TTL + vp.RESULT_RETENTION_S + 1
    store.add(new(rp, now=gone), gone, limit=5)
    assert store.get(t.id) is None and store.by_kid(t.kid) is None and len(store) == 1


def test_redis_keys_expire_natively(redis_server, rp):
    import redis

    r = redis.Redis.from_url(redis_server.url)
    r.flushdb()
    store = RedisTransactionStore(redis_server.url, 8)
    t = new(rp)
    store.add(t, NOW, limit=5)
    store.complete(t.id, vp.Outcome(NOW, error="x"), NOW)
    keys = r.keys("esspass:vp:*")
    assert len(keys) >= 6  # t, kid, state, token, out, live (open:<owner> is empty once answered)
    assert all(0 < r.ttl(k) <= TTL + vp.RESULT_RETENTION_S for k in keys)
    assert not any(t.result_token.encode() in k for k in keys)  # the creator's secret is only kept hashed


def test_redis_gone_is_store_unavailable(tmp_path, rp):
    server = RedisServer.start(tmp_path / "r")
    store = RedisTransactionStore(server.url, 8, timeout_s=0.5)
    t = new(rp)
    store.add(t, NOW, limit=5)
    server.kill()
    with pytest.raises(vp.StoreUnavailable):
        store.get(t.id)
    with pytest.raises(vp.StoreUnavailable):
        store.add(new(rp), NOW, limit=5)
    server.start_again()  # an empty Redis: the instance recovers by itself
    store.add(new(rp), NOW, limit=5)
    server.stop()


def test_open_store_by_url(redis_server):
    assert isinstance(open_store("", 5), MemoryTransactionStore)
    assert isinstance(open_store(redis_server.url, 5), RedisTransactionStore)
    with pytest.raises(ValueError):
        open_store("memcached://x", 5)


def test_created_on_a_answered_on_b_read_on_either(tmp_path, redis_server):
    """Two verifier instances on one Redis: the wallet fetches and answers on B what A created."""
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    home = tmp_path / "home"
    port_a, port_b = free_port(), free_port()
    clock = Clock(NOW)
    settings = VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{port_a}",
                                verifier_store_url=redis_server.url)
    svc_a = VerifierService(settings, clock=clock)
    svc_b = VerifierService(settings, clock=clock)
    with StatusServer() as status, serve_app(create_app(service=svc_a), port_a) as url_a, \
            serve_app(create_app(service=svc_b), port_b) as url_b, httpx.Client(timeout=10) as client:
        uri = status.url + "/udk/1"
        status.tokens["/udk/1"] = status_token(svc_a.ecosystem, uri=uri, iat=NOW - 10, exp=NOW + 86400, ttl=300)
        cred = issue(svc_a.ecosystem, "pda1", idx=3, status_uri=uri, iat=NOW - 3600)
        created = client.post(f"{url_a}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
        tid, token = created["transaction"], created["result_token"]
        on_b = created["request_uri"].replace(str(port_a), str(port_b))  # the load balancer sent the wallet to B
        fetched = W.fetch_request(on_b, client, svc_a.ecosystem.trust_store(NOW), NOW)
        fetched.request["response_uri"] = f"{url_b}/openid4vp/response"
        payload = W.build_presentation(fetched, cred.sd_jwt, cred.holder, NOW)
        assert W.post_response(fetched, client, payload).status_code == 200
        for url in (url_a, url_b):
            view = client.get(f"{url}/openid4vp/transactions/{tid}", headers={"Authorization": f"Bearer {token}"})
            assert view.status_code == 200 and view.json()["status"] == "done" and view.json()["fetched"]
            assert view.json()["decision"]["result"] == "PASSED"
        # the same response again, now on A: refused, nothing changes
        fetched.request["response_uri"] = f"{url_a}/openid4vp/response"
        again = W.post_response(fetched, client, payload)
        assert again.status_code == 400 and "already answered" in again.json()["error_description"]


def test_a_response_code_is_redeemed_once_and_only_with_its_hash(make_store, rp):
    """OpenID4VP 1.0 §8.2: the same-device response_code is single use, bound to its transaction; the store keeps
    only its hash and marks it used atomically (across instances for Redis)."""
    a, b = make_store(), make_store()
    t = vp.new_transaction(rp, "a1-inspection", "https://verifier.example", NOW, TTL, same_device=True)
    other = vp.new_transaction(rp, "a1-inspection", "https://verifier.example", NOW, TTL, same_device=True)
    a.add(t, NOW, limit=5)
    a.add(other, NOW, limit=5)
    assert a.get(t.id).same_device and not a.get(t.id).redeemed  # the flag survives the store
    code, code_hash = vp.new_response_code()
    assert len(code) >= 43 and code_hash == vp.response_code_hash(code) and code not in code_hash
    assert not a.redeem(t.id, code_hash)  # nothing answered yet: nothing to redeem
    assert a.complete(t.id, vp.Outcome(NOW + 1, decision=None, error="x", response_code_hash=code_hash), NOW + 1)
    seen = b.get(t.id)
    assert seen.response_code_hash == code_hash and vp.response_code_matches(seen, code)
    assert not vp.response_code_matches(seen, code[:-1] + ("A" if code[-1] != "A" else "B"))
    assert not vp.response_code_matches(seen, None) and not vp.response_code_matches(seen, "")
    assert not b.redeem(t.id, vp.response_code_hash("guess"))  # a wrong code changes nothing
    assert not b.redeem(other.id, code_hash)  # bound to its transaction
    assert not b.redeem("nope", code_hash)
    assert b.redeem(t.id, code_hash) and a.get(t.id).redeemed
    assert not a.redeem(t.id, code_hash) and not b.redeem(t.id, code_hash)  # single use
