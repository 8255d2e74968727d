"""Where the verifier keeps its OpenID4VP transactions, their results and the replay guard.

One small interface, :class:`TransactionStore`, two implementations:

* :class:`MemoryTransactionStore`: the embedded default, one process. O(1) add, lookup and expiry (items sit in
  creation order, which is expiry order because every transaction lives the same ``ttl``), bounded.
* :class:`verifier.redis_store.RedisTransactionStore` (``ESSPASS_VERIFIER_STORE_URL=redis://…``): shared by
  several verifier instances behind a load balancer; native key expiry, atomic "complete once" (a Lua script),
  bounded by the same limits.

The contract both keep (``tests/verifier/test_transaction_store.py`` runs the same tests on both):

* :meth:`add` never evicts a transaction that has not expired. It refuses with :class:`~openid4vp.QuotaExceeded`
  when the creator (``Transaction.owner``) already holds ``limit`` open ones, and with
  :class:`~openid4vp.StoreFull` when ``max_items`` unexpired transactions are stored. An open transaction is one
  that has neither expired nor been completed.
* :meth:`complete` sets a transaction's :class:`~openid4vp.Outcome` exactly once, atomically, whichever instance
  calls it: it returns False (and changes nothing) if the transaction was already completed, has expired or is
  unknown. This is the replay guard of OpenID4VP 1.0 §14.1 ("a response is used once").
* :meth:`redeem` marks a same-device transaction's ``response_code`` as used, exactly once, atomically (OpenID4VP
  1.0 §8.2: the code is single use): True only for the first call with the matching code hash.
* :meth:`add_attempt` records a response that did not complete the transaction (bounded to ``MAX_ATTEMPTS``).
* Lookups (:meth:`get`, :meth:`by_kid`, :meth:`by_state`, :meth:`by_result_token`) return a snapshot; a result
  stays readable ``RESULT_RETENTION_S`` after the transaction expired, then everything about it is forgotten.
* A store that cannot be reached raises :class:`~openid4vp.StoreUnavailable` (never a wrong answer).
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from .openid4vp import MAX_ATTEMPTS, RESULT_RETENTION_S, Attempt, Outcome, QuotaExceeded, StoreFull, Transaction


class TransactionStore(Protocol):
    max_items: int

    def add(self, t: Transaction, now: int, limit: int) -> None:
        """Store ``t`` for its owner ``t.owner``, who may hold at most ``limit`` open transactions."""

    def get(self, tid: str) -> Transaction | None: ...

    def by_kid(self, kid: str) -> Transaction | None: ...

    def by_state(self, state: str) -> Transaction | None: ...

    def by_result_token(self, token: str) -> Transaction | None: ...

    def mark_fetched(self, tid: str) -> None: ...

    def add_attempt(self, tid: str, attempt: Attempt) -> None: ...

    def complete(self, tid: str, outcome: Outcome, now: int) -> bool: ...

    def redeem(self, tid: str, code_hash: str) -> bool: ...

    def open_count(self, owner: str, now: int) -> int: ...

    def __len__(self) -> int: ...

    def ping(self) -> None:
        """Raise :class:`~openid4vp.StoreUnavailable` if the store cannot be reached."""


@dataclass
class _Entry:
    t: Transaction
    outcome: Outcome | None = None
    fetched: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    redeemed: bool = False


def snapshot(t: Transaction, outcome: Outcome | None, fetched: bool, attempts: list[Attempt],
             redeemed: bool = False) -> Transaction:
    """A copy of ``t`` with its mutable state filled in (callers never change the stored object)."""
    view = copy.copy(t)
    view.fetched, view.attempts, view.redeemed = fetched, list(attempts), redeemed
    view.decision, view.answered_at, view.error, view.response_code_hash = None, None, None, None
    if outcome is not None:
        outcome.apply(view)
    return view


class MemoryTransactionStore:
    """Bounded, thread-safe, in one process's memory (the embedded default)."""

    def __init__(self, max_items: int = 10_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, _Entry] = OrderedDict()  # creation order = expiry order
        self._open: OrderedDict[str, str] = OrderedDict()  # tid -> owner, open ones, creation order
        self._open_by_owner: dict[str, int] = {}
        self._by_kid: dict[str, str] = {}
        self._by_token: dict[str, str] = {}
        self._by_state: dict[str, str] = {}
        self._lock = threading.Lock()

    # -------------------------------------------------------------- internal (lock held)

    def _close(self, tid: str) -> None:
        owner = self._open.pop(tid, None)
        if owner is not None:
            left = self._open_by_owner.get(owner, 1) - 1
            if left > 0:
                self._open_by_owner[owner] = left
            else:
                self._open_by_owner.pop(owner, None)

    def _drop(self, tid: str) -> None:
        e = self._items.pop(tid, None)
        if e is not None:
            self._close(tid)
            self._by_kid.pop(e.t.kid, None)
            self._by_token.pop(e.t.result_token, None)
            self._by_state.pop(e.t.state, None)

    def _expire(self, now: int) -> None:
        """Amortised O(1): only the oldest items are looked at."""
        while self._open:
            tid = next(iter(self._open))
            if self._items[tid].t.expires_at > now:
                break
            self._close(tid)
        while self._items:
            e = next(iter(self._items.values()))
            if e.t.expires_at + RESULT_RETENTION_S >= now:
                break
            self._drop(e.t.id)
        while len(self._items) >= self.max_items:  # full: forget the oldest expired results first
            e = next(iter(self._items.values()))
            if e.t.expires_at > now:
                break
            self._drop(e.t.id)

    def _view(self, tid: str | None) -> Transaction | None:
        e = self._items.get(tid) if tid else None
        return None if e is None else snapshot(e.t, e.outcome, e.fetched, e.attempts, e.redeemed)

    # -------------------------------------------------------------- interface

    def add(self, t: Transaction, now: int, limit: int) -> None:
        with self._lock:
            self._expire(now)
            if self._open_by_owner.get(t.owner, 0) >= limit:
                raise QuotaExceeded(f"{limit} checks of this client are already open; finish or let one expire")
            if len(self._items) >= self.max_items:
                raise StoreFull("too many checks are in progress; try again shortly")
            self._items[t.id] = _Entry(t)
            self._open[t.id] = t.owner
            self._open_by_owner[t.owner] = self._open_by_owner.get(t.owner, 0) + 1
            self._by_kid[t.kid] = t.id
            self._by_token[t.result_token] = t.id
            self._by_state[t.state] = t.id

    def get(self, tid: str) -> Transaction | None:
        with self._lock:
            return self._view(tid)

    def by_kid(self, kid: str) -> Transaction | None:
        with self._lock:
            return self._view(self._by_kid.get(kid))

    def by_state(self, state: str) -> Transaction | None:
        with self._lock:
            return self._view(self._by_state.get(state))

    def by_result_token(self, token: str) -> Transaction | None:
        """The transaction whose creator holds ``token`` (found by the secret, then compared in constant time)."""
        if not isinstance(token, str) or not token:
            return None
        with self._lock:
            t = self._view(self._by_token.get(token))
        return t if t is not None and secrets.compare_digest(t.result_token, token) else None

    def mark_fetched(self, tid: str) -> None:
        with self._lock:
            e = self._items.get(tid)
            if e is not None:
                e.fetched = True

    def add_attempt(self, tid: str, attempt: Attempt) -> None:
        with self._lock:
            e = self._items.get(tid)
            if e is not None:
                e.attempts = [*e.attempts, attempt][-MAX_ATTEMPTS:]

    def complete(self, tid: str, outcome: Outcome, now: int) -> bool:
        with self._lock:
            e = self._items.get(tid)
            if e is None or e.outcome is not None or now >= e.t.expires_at:
                return False
            e.outcome = outcome
            self._close(tid)
            return True

    def redeem(self, tid: str, code_hash: str) -> bool:
        with self._lock:
            e = self._items.get(tid)
            if e is None or e.redeemed or e.outcome is None or e.outcome.response_code_hash is None:
                return False
            if not secrets.compare_digest(e.outcome.response_code_hash, str(code_hash)):
                return False
            e.redeemed = True
            return True

    def open_count(self, owner: str, now: int) -> int:
        with self._lock:
            self._expire(now)
            return self._open_by_owner.get(owner, 0)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def ping(self) -> None:
        return None


def open_store(url: str | None, max_items: int) -> TransactionStore:
    """The store ``ESSPASS_VERIFIER_STORE_URL`` names: empty = in memory; ``redis://`` / ``rediss://`` = Redis."""
    if not url:
        return MemoryTransactionStore(max_items)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisTransactionStore

        return RedisTransactionStore(url, max_items)
    raise ValueError("ESSPASS_VERIFIER_STORE_URL must be a redis://, rediss:// or unix:// URL (or empty for memory)")
