"""Token Status List benchmarks: republishing and reading a national (10 million entry) list.

Rows (medians of several runs, baseline measured in the same run):

- ``statuslist_republish_10m``: an issuer republishes a 10,000,000-entry 2-bit list with 1 % of
  the entries non-VALID: ``create_status_list_token`` (ZLIB level 9 + Z_RLE, base64url, ES256).
  Baseline: the same token built with a plain ``zlib.compress(raw, 9)``, the level §4.1 step 4
  of draft-ietf-oauth-status-list-20 recommends.
- ``statuslist_decode_10m``: a verifier decodes that list with the bounded decoder
  (``StatusList.decode``). Baseline: an unbounded ``zlib.decompress`` of the same bytes.
- ``statuslist_count_10m``: ``StatusList.count(INVALID)`` against a per-index Python loop.

``ratio`` is ours_ms / baseline_ms (below 1 = faster than the baseline).
"""

from __future__ import annotations

import json
import random
import statistics
import time
import zlib
from collections.abc import Callable

from credential import jose
from credential.status_list import (
    INVALID,
    SUSPENDED,
    StatusList,
    create_status_list_token,
)

SIZE = 10_000_000
BITS = 2
URI = "https://issuer.example/statuslists/1"
IAT = 1_700_000_000


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _row(name: str, ours: float, baseline: float) -> dict:
    return {
        "name": name,
        "ours_ms": round(ours, 3),
        "baseline_ms": round(baseline, 3),
        "ratio": round(ours / baseline, 4) if baseline else None,
    }


def _national_list(seed: int = 20250101) -> StatusList:
    rng = random.Random(seed)
    lst = StatusList.new(SIZE, BITS)
    changed = rng.sample(range(SIZE), SIZE // 100)
    half = len(changed) // 2
    lst.set_many(changed[:half], INVALID)
    lst.set_many(changed[half:], SUSPENDED)
    return lst


def run(runs: int = 5) -> list[dict]:
    key = jose.SigningKey.generate()
    lst = _national_list()
    raw = bytes(lst.buffer)

    def ours_publish() -> str:
        return create_status_list_token(lst, sub=URI, iat=IAT, exp=IAT + 86400, ttl=3600, key=key)

    def baseline_publish() -> str:
        encoded = {"bits": BITS, "lst": jose.b64u_encode(zlib.compress(raw, 9))}
        payload = {"sub": URI, "iat": IAT, "exp": IAT + 86400, "ttl": 3600, "status_list": encoded}
        return jose.sign_compact({"typ": "statuslist+jwt"}, payload, key)

    rows = [
        _row(
            "statuslist_republish_10m",
            _median_ms(ours_publish, runs),
            _median_ms(baseline_publish, max(3, runs // 2)),
        )
    ]

    encoded = lst.encode()
    rows.append(
        _row(
            "statuslist_decode_10m",
            _median_ms(lambda: StatusList.decode(encoded), runs),
            _median_ms(lambda: zlib.decompress(jose.b64u_decode(encoded["lst"])), runs),
        )
    )

    def naive_count() -> int:
        get = lst.get
        return sum(1 for i in range(SIZE) if get(i) == INVALID)

    rows.append(
        _row(
            "statuslist_count_10m",
            _median_ms(lambda: lst.count(INVALID), runs),
            _median_ms(naive_count, 1),
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
