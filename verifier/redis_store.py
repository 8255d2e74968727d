"""The verifier's transactions in Redis, shared by several instances (``ESSPASS_VERIFIER_STORE_URL=redis://…``).

Keys (prefix ``esspass:vp:``; every key has a native expiry, so Redis forgets a transaction by itself
``RESULT_RETENTION_S`` after it expired):

``t:<id>``        the request (JSON: ``Transaction.record()``, including its ephemeral decryption key)
``kid:<kid>``, ``state:<state>``, ``token:<sha256(result_token)>``   -> id (lookups; the token only hashed)
``out:<id>``      the outcome, written once with ``SET NX`` inside a Lua script (the replay guard)
``redeemed:<id>`` same-device: the response_code was used (``SET NX`` in a Lua script: single use)
``fetched:<id>``, ``att:<id>`` (a list capped at ``MAX_ATTEMPTS``)
``live``          sorted set id -> expires_at of unexpired transactions: bounded by ``max_items``
``open:<owner>``  sorted set id -> expires_at of a creator's open transactions: bounded by its quota

Adding and completing are Lua scripts, so they are atomic across instances (Redis runs one script at a time).
All keys of one deployment must live on one Redis node (a single server or a Sentinel-managed primary; Redis
Cluster would need hash tags). Any connection failure becomes :class:`~openid4vp.StoreUnavailable`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import TypeVar

import redis
import redis.exceptions

from .openid4vp import (MAX_ATTEMPTS, RESULT_RETENTION_S, Attempt, Outcome, QuotaExceeded, StoreFull,
                        StoreUnavailable, Transaction)
from .transaction_store import snapshot

PREFIX = "esspass:vp:"
T = TypeVar("T")

# KEYS: live, open:<owner>, t:<id>, kid:<kid>, state:<state>, token:<hash>
# ARGV: now, max_items, limit, id, record, keep_s, expires_at
_ADD = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 2 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
local keep = tonumber(ARGV[6])
redis.call('ZADD', KEYS[1], ARGV[7], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[4])
redis.call('EXPIRE', KEYS[1], keep)
redis.call('EXPIRE', KEYS[2], keep)
redis.call('SET', KEYS[3], ARGV[5], 'EX', keep)
redis.call('SET', KEYS[4], ARGV[4], 'EX', keep)
redis.call('SET', KEYS[5], ARGV[4], 'EX', keep)
redis.call('SET', KEYS[6], ARGV[4], 'EX', keep)
return 0
"""

# KEYS: t:<id>, out:<id>   ARGV: outcome, now, id, prefix   (one round trip; the owner's key is derived from
# the stored record, so every key of a deployment must be on one node)
_COMPLETE = """
local rec = redis.call('GET', KEYS[1])
if not rec then return 0 end
local t = cjson.decode(rec)
if tonumber(ARGV[2]) >= tonumber(t['expires_at']) then return 0 end
local keep = redis.call('TTL', KEYS[1])
if keep <= 0 then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', keep) then
  redis.call('ZREM', ARGV[4] .. 'open:' .. t['owner'], ARGV[3])
  return 1
end
return 0
"""

# KEYS: out:<id>, redeemed:<id>   ARGV: code hash   (the hashes are SHA-256 of 256-bit codes: comparing them
# in Lua leaks nothing usable)
_REDEEM = """
local out = redis.call('GET', KEYS[1])
if not out then return 0 end
local h = cjson.decode(out)['response_code_hash']
if type(h) ~= 'string' or h ~= ARGV[1] then return 0 end
local keep = redis.call('TTL', KEYS[1])
if keep <= 0 then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', keep) then return 1 end
return 0
"""

# ARGV: prefix, index key ('' = none), id   -> {id, record, outcome, fetched, attempts, redeemed} (one round trip)
_LOAD = """
local id = ARGV[3]
if ARGV[2] ~= '' then
  id = redis.call('GET', ARGV[2])
  if not id then return false end
end
local p = ARGV[1]
return {id, redis.call('GET', p .. 't:' .. id), redis.call('GET', p .. 'out:' .. id),
        redis.call('EXISTS', p .. 'fetched:' .. id), redis.call('LRANGE', p .. 'att:' .. id, 0, -1),
        redis.call('EXISTS', p .. 'redeemed:' .. id)}
"""


def _token_key(token: str) -> str:
    return PREFIX + "token:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class RedisTransactionStore:
    def __init__(self, url: str, max_items: int = 10_000, *, timeout_s: float = 2.0) -> None:
        self.max_items = max_items
        self.url = url
        self._r = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                       health_check_interval=10, decode_responses=True)
        self._add = self._r.register_script(_ADD)
        self._complete = self._r.register_script(_COMPLETE)
        self._load_script = self._r.register_script(_LOAD)
        self._redeem = self._r.register_script(_REDEEM)

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
            raise StoreUnavailable(f"the transaction store (Redis) cannot be reached: {type(exc).__name__}") from None
        except redis.exceptions.ResponseError as exc:  # e.g. LOADING while Redis restarts, or READONLY
            raise StoreUnavailable(f"the transaction store (Redis) refused: {str(exc)[:80]}") from None

    def _load(self, tid: str | None, index_key: str = "") -> Transaction | None:
        """The transaction ``tid``, or the one ``index_key`` points to, in one round trip."""
        if not isinstance(tid, str) or not (tid or index_key):
            return None
        found = self._call(lambda: self._load_script(keys=[], args=[PREFIX, index_key, tid]))
        if not found or not found[1]:
            return None
        _, record, out, fetched, attempts, redeemed = found
        t = Transaction.from_record(json.loads(record))
        outcome = Outcome.from_json(json.loads(out)) if out else None
        return snapshot(t, outcome, bool(fetched), [Attempt(**json.loads(a)) for a in attempts], bool(redeemed))

    def _lookup(self, key: str) -> Transaction | None:
        return self._load("", key)

    # -------------------------------------------------------------- interface

    def add(self, t: Transaction, now: int, limit: int) -> None:
        keep = max(1, t.expires_at + RESULT_RETENTION_S - now)
        keys = [PREFIX + "live", PREFIX + "open:" + t.owner, PREFIX + "t:" + t.id, PREFIX + "kid:" + t.kid,
                PREFIX + "state:" + t.state, _token_key(t.result_token)]
        args = [now, self.max_items, limit, t.id, json.dumps(t.record()), keep, t.expires_at]
        code = self._call(lambda: self._add(keys=keys, args=args))
        if code == 2:
            raise QuotaExceeded(f"{limit} checks of this client are already open; finish or let one expire")
        if code == 1:
            raise StoreFull("too many checks are in progress; try again shortly")

    def get(self, tid: str) -> Transaction | None:
        return self._load(tid)

    def by_kid(self, kid: str) -> Transaction | None:
        return self._lookup(PREFIX + "kid:" + kid) if isinstance(kid, str) and kid else None

    def by_state(self, state: str) -> Transaction | None:
        return self._lookup(PREFIX + "state:" + state) if isinstance(state, str) and state else None

    def by_result_token(self, token: str) -> Transaction | None:
        if not isinstance(token, str) or not token:
            return None
        t = self._lookup(_token_key(token))
        return t if t is not None and secrets.compare_digest(t.result_token, token) else None

    def _keep(self, tid: str) -> int:
        return int(self._call(lambda: self._r.ttl(PREFIX + "t:" + tid)))

    def mark_fetched(self, tid: str) -> None:
        keep = self._keep(tid)
        if keep > 0:
            self._call(lambda: self._r.set(PREFIX + "fetched:" + tid, "1", ex=keep))

    def add_attempt(self, tid: str, attempt: Attempt) -> None:
        keep = self._keep(tid)
        if keep <= 0:
            return
        key = PREFIX + "att:" + tid

        def push() -> None:
            pipe = self._r.pipeline(transaction=True)
            pipe.rpush(key, json.dumps(attempt.as_json()))
            pipe.ltrim(key, -MAX_ATTEMPTS, -1)
            pipe.expire(key, keep)
            pipe.execute()

        self._call(push)

    def complete(self, tid: str, outcome: Outcome, now: int) -> bool:
        if not isinstance(tid, str) or not tid:
            return False
        keys = [PREFIX + "t:" + tid, PREFIX + "out:" + tid]
        args = [json.dumps(outcome.as_json()), now, tid, PREFIX]
        return self._call(lambda: self._complete(keys=keys, args=args)) == 1

    def redeem(self, tid: str, code_hash: str) -> bool:
        if not isinstance(tid, str) or not tid or not isinstance(code_hash, str):
            return False
        keys = [PREFIX + "out:" + tid, PREFIX + "redeemed:" + tid]
        return self._call(lambda: self._redeem(keys=keys, args=[code_hash])) == 1

    def open_count(self, owner: str, now: int) -> int:
        key = PREFIX + "open:" + owner

        def count() -> int:
            return int(self._r.zcount(key, f"({now}", "+inf"))

        return self._call(count)

    def __len__(self) -> int:
        return int(self._call(lambda: self._r.zcard(PREFIX + "live")))

    def ping(self) -> None:
        self._call(self._r.ping)
