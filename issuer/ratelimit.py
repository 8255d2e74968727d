"""A per-client request budget for anonymous endpoints (issue 14 finding 5: ``/nonce``).

Fixed windows: at most ``limit`` requests per client key in each ``window_s`` seconds. Per process (each uvicorn
worker and instance counts for itself, so a deployment's budget is ``limit`` × processes); bounded memory: at
most ``max_keys`` clients are remembered, the oldest window forgotten first. ``limit <= 0`` disables it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class WindowLimiter:
    def __init__(self, limit: int, window_s: float, clock: Callable[[], float], *, max_keys: int = 10_000) -> None:
        self.limit, self.window_s, self.clock, self.max_keys = limit, window_s, clock, max_keys
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key -> (window start, count)
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """0.0 if the request is within the budget (and counted), else seconds until the next window."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            start, count = self._windows.pop(key, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            if count >= self.limit:
                self._windows[key] = (start, count)
                return max(0.001, start + self.window_s - now)
            self._windows[key] = (start, count + 1)
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return 0.0
