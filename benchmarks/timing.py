"""Median timing of two callables, interleaved so that machine noise hits both alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], *, repeat: int, inner: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter_ns() - t0) / inner / 1e6)
    return statistics.median(samples)


def compare(name: str, ours: Callable[[], object], baseline: Callable[[], object], *, repeat: int = 15, inner: int = 50) -> dict:
    ours(), baseline()  # warm caches and imports
    ours_s, base_s = [], []
    for _ in range(repeat):  # interleave rounds
        ours_s.append(median_ms(ours, repeat=1, inner=inner))
        base_s.append(median_ms(baseline, repeat=1, inner=inner))
    o, b = statistics.median(ours_s), statistics.median(base_s)
    return {"name": name, "ours_ms": round(o, 4), "baseline_ms": round(b, 4), "ratio": round(o / b, 3)}
