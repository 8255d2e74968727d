"""A per-client request budget for the services' anonymous endpoints (the verifier's transaction creation, the
issuer's ``/nonce``, issue 14 findings 4 and 5): one token bucket per client key, bounded memory.

Per process: each uvicorn worker and instance counts for itself, so a deployment's budget is the limit x processes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RateLimiter:
    """A token bucket per client: ``burst`` at once, then ``per_minute``. Bounded: at most ``max_clients`` buckets
    are remembered (least recently used forgotten). ``per_minute <= 0`` disables the limit."""

    def __init__(self, per_minute: int, burst: int, *, max_clients: int = 10_000,
                 clock=time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0.0 if allowed (and counted), else the seconds until the client may try again."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                self._buckets.move_to_end(key)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0
