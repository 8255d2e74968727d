"""Scale-out benchmarks (issue 12 item 5): real processes on 127.0.0.1 (Redis, nginx, PostgreSQL, ``esspass``).

Every row here is a **throughput ratio** (higher is better): ``ratio = ours_per_s / baseline_per_s``, both
measured in this run under the same load; ``ours_ms`` / ``baseline_ms`` are the wall time per request at that
load, ``p99_ms`` the 99th percentile latency of ours under load, ``n`` requests per side, ``concurrency`` clients.

* ``verifier_redis_vs_memory``: OpenID4VP responses (``direct_post.jwt``: decrypt, verify, record) on one
  verifier instance whose transactions live in Redis, against one in memory (target ≥ 0.75).
* ``verifier_two_instances_redis``: the same through nginx round-robin over two instances on one Redis, against
  one instance on Redis without nginx.
* ``issuer_two_instances_postgres``: credential requests (``BATCH`` proofs each, the pre-authorized code, token and
  c_nonce obtained beforehand) through nginx over two ``issuer serve --workers 2`` on one PostgreSQL database,
  against one such instance without nginx. Needs ``ESSPASS_TEST_POSTGRES_URL`` (else the row says skipped).
* ``status_static_vs_app``: GETs of a Status List Token from nginx serving the static file, against the issuer's
  app route.

And one in-process row, a time ratio like the other benchmark modules (ours / baseline, lower is better):

* ``verifier_memory_store_add_at_9000_vs_10``: adding (and completing) a transaction in the in-memory store when
  it holds 9,000 transactions, against when it holds 10: about 1.0, because add and expiry are O(1) (the store
  this replaced scanned every item on each add).

The clients (Python threads) share the 2 cores with the servers, so absolute figures are a floor.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.services import Nginx, RedisServer, free_port, proxy, start_instance, upstream
from credential import jose, sd_jwt

N_VERIFIER, N_ISSUER, N_STATUS, CONCURRENCY = 160, 160, 1200, 4
BATCH = 10  # proofs per credential request, as a wallet fetching its one-time copies sends (OpenID4VCI §8.2)


def fire(requests: list[Callable[[httpx.Client], int]], concurrency: int = CONCURRENCY) -> dict:
    """Run the requests with ``concurrency`` keep-alive clients; per second, per request and p99 latency."""
    lat: list[float] = []
    lock = threading.Lock()
    todo = iter(requests)
    failed = []

    def worker(_: int) -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    req = next(todo, None)
                if req is None:
                    return
                t0 = time.perf_counter()
                code = req(client)
                with lock:
                    lat.append((time.perf_counter() - t0) * 1000)
                    if code != 200:
                        failed.append(code)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - t0
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed: {sorted(set(failed))}")
    lat.sort()
    return {"per_s": len(requests) / wall, "ms": wall * 1000 / len(requests),
            "p99_ms": lat[int(0.99 * (len(lat) - 1))], "p50_ms": statistics.median(lat)}


def fire_interleaved(ours: list, base: list, rounds: int = 4) -> tuple[dict, dict]:
    """``fire`` both sides in alternating slices, so that the other load on a shared machine hits both alike."""
    parts: dict[str, list[dict]] = {"ours": [], "base": []}
    for i in range(rounds):
        for key, reqs in (("base", base), ("ours", ours)):
            step = len(reqs) // rounds
            parts[key].append(fire(reqs[i * step:(i + 1) * step]))

    def merge(ps: list[dict]) -> dict:
        ms = statistics.mean(p["ms"] for p in ps)
        return {"ms": ms, "per_s": 1000 / ms, "p99_ms": max(p["p99_ms"] for p in ps),
                "p50_ms": statistics.median(p["p50_ms"] for p in ps)}

    return merge(parts["ours"]), merge(parts["base"])


def row(name: str, ours: dict, base: dict, n: int, **extra) -> dict:
    return {"name": name, "ours_ms": round(ours["ms"], 3), "baseline_ms": round(base["ms"], 3),
            "ratio": round(ours["per_s"] / base["per_s"], 3), "per_second": round(ours["per_s"], 1),
            "baseline_per_second": round(base["per_s"], 1), "p99_ms": round(ours["p99_ms"], 2),
            "p50_ms": round(ours["p50_ms"], 2), "baseline_p99_ms": round(base["p99_ms"], 2), "n": n,
            "concurrency": CONCURRENCY, **extra}


# ---------------------------------------------------------------- verifier


def _responses(base: str, eco, n: int) -> list[Callable[[httpx.Client], int]]:
    """``n`` ready OpenID4VP responses (transaction created, request fetched, presentation encrypted)."""
    from benchmarks.bench_verifier import _encrypt, _issue

    now = int(time.time())
    sd, holder = _issue(eco, now, with_status=False)
    out = []
    with httpx.Client(timeout=30) as client:
        for _ in range(n):
            t = client.post(f"{base}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
            req_uri = dict(httpx.URL(t["request_uri"].replace("openid4vp://", "http://x/")).params)["request_uri"]
            request = jose.parse_compact(client.get(req_uri).text).payload()
            q = request["dcql_query"]["credentials"][0]
            pres = sd_jwt.present(sd, [tuple(c["path"]) for c in q["claims"]], holder_key=holder,
                                  nonce=request["nonce"], aud=request["client_id"], iat=now)
            body = {"response": _encrypt(request, {"vp_token": {q["id"]: [pres]}, "state": request["state"]})}
            out.append(lambda c, u=f"{base}/openid4vp/response", b=body: c.post(u, data=b).status_code)
    return out


def _verifiers(root: Path) -> list[dict]:
    from trust_list.demo import build_demo_ecosystem

    home = root / "vhome"
    eco = build_demo_ecosystem(home / "ecosystem", int(time.time()))
    redis_server = RedisServer.start(root / "redis")
    ports = [free_port(), free_port(), free_port()]
    nginx = Nginx.start(root / "vnginx", proxy("verifiers"), upstream("verifiers", ports[1:]))
    common = {"ESSPASS_HOME": str(home), "ESSPASS_VERIFIER_ANONYMOUS_TRANSACTIONS": "5000",
              "ESSPASS_VERIFIER_CREATE_PER_MINUTE": "0"}
    memory = start_instance("memory", ["verifier", "serve"], {**common, "ESSPASS_VERIFIER_URL": f"http://127.0.0.1:{ports[0]}"},
                            root / "vm.log", ports[0])
    shared = {**common, "ESSPASS_VERIFIER_URL": nginx.url, "ESSPASS_VERIFIER_STORE_URL": redis_server.url}
    on_redis = [start_instance(f"redis-{i}", ["verifier", "serve"], shared, root / f"vr{i}.log", p)
                for i, p in enumerate(ports[1:])]
    try:
        for inst in (memory, *on_redis):
            inst.wait_listening(60)
        # one instance on Redis alone: its responses go straight to it (response_uri names nginx, so rewrite)
        one_url = on_redis[0].url

        def straight(resps):
            # the bodies are bound to transactions in Redis, so any instance can take them: send to one instance
            return [lambda c, r=r: r(_Rewrite(c, nginx.url, one_url)) for r in resps]

        one, mem = fire_interleaved(straight(_responses(nginx.url, eco, N_VERIFIER)),
                                    _responses(memory.url, eco, N_VERIFIER))
        two, one_again = fire_interleaved(_responses(nginx.url, eco, N_VERIFIER),
                                          straight(_responses(nginx.url, eco, N_VERIFIER)))
        return [row("verifier_redis_vs_memory", one, mem, N_VERIFIER, target=">= 0.75"),
                row("verifier_two_instances_redis", two, one_again, N_VERIFIER)]
    finally:
        for inst in (memory, *on_redis):
            inst.stop()
        nginx.stop()
        redis_server.stop()


class _Rewrite:
    """An httpx client that sends what is addressed to ``old`` to ``new`` instead."""

    def __init__(self, client: httpx.Client, old: str, new: str) -> None:
        self.client, self.old, self.new = client, old, new

    def post(self, url: str, **kw):
        return self.client.post(url.replace(self.old, self.new), **kw)


# ---------------------------------------------------------------- issuer


def _credential_requests(base: str, api_token: str, n: int) -> list[Callable[[httpx.Client], int]]:
    from credential.types import sample_claims

    pre_auth = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    out = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(n):
            claims = sample_claims("pda1")
            claims["document_number"] = f"BENCH-{uuid.uuid4().hex[:12].upper()}"
            case = c.post("/api/v1/cases", json={"type": "pda1", "claims": claims, "tx_code": False},
                          headers={"Authorization": f"Bearer {api_token}"}).json()
            query = urllib.parse.urlparse(case["offer_uri_by_value"]).query
            offer = json.loads(urllib.parse.parse_qs(query)["credential_offer"][0])
            code = offer["grants"][pre_auth]["pre-authorized_code"]
            access = c.post("/token", data={"grant_type": pre_auth, "pre-authorized_code": code}).json()["access_token"]
            nonce = c.post("/nonce").json()["c_nonce"]
            proofs = []
            for _ in range(BATCH):
                key = jose.SigningKey.generate()
                proofs.append(jose.sign_compact({"typ": "openid4vci-proof+jwt", "jwk": key.public_jwk()},
                                                {"aud": base, "iat": int(time.time()), "nonce": nonce}, key))
            body = {"credential_configuration_id": "pda1_sd_jwt", "proofs": {"jwt": proofs}}
            out.append(lambda cl, u=f"{base}/credential", b=body, a=access:
                       cl.post(u, json=b, headers={"Authorization": f"Bearer {a}"}).status_code)
    return out


def _issuers(root: Path) -> list[dict]:
    base_url = os.environ.get("ESSPASS_TEST_POSTGRES_URL")
    if not base_url:
        return [{"name": "issuer_two_instances_postgres", "skipped": "ESSPASS_TEST_POSTGRES_URL is not set"},
                {"name": "status_static_vs_app", "skipped": "ESSPASS_TEST_POSTGRES_URL is not set"}]
    from sqlalchemy import text

    from issuer.static_status import nginx_location
    from issuer.store import make_engine

    name = f"esspass_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    ports = [free_port(), free_port(), free_port()]
    static = root / "status"
    nginx = Nginx.start(root / "inginx", proxy("issuers") + nginx_location(static, 300, prefix="/static-status/"),
                        upstream("issuers", ports[1:]))
    env = {"ESSPASS_HOME": str(root / "ihome"), "ESSPASS_DATABASE_URL": f"{base_url.rpartition('/')[0]}/{name}",
           "ESSPASS_NONCE_PER_MINUTE": "0", "ESSPASS_STATUS_DIR": str(static)}
    alone = start_instance("alone", ["issuer", "serve", "--workers", "2"],
                           {**env, "ESSPASS_ISSUER_URL": f"http://127.0.0.1:{ports[0]}"}, root / "ia.log", ports[0])
    pair = []
    try:
        alone.wait_listening(120)
        pair = [start_instance(f"i{i}", ["issuer", "serve", "--workers", "2"], {**env, "ESSPASS_ISSUER_URL": nginx.url},
                               root / f"i{i}.log", p) for i, p in enumerate(ports[1:])]
        for inst in pair:
            inst.wait_listening(120)
        token = (root / "ihome" / "issuer" / "api_token").read_text().strip()
        two, one = fire_interleaved(_credential_requests(nginx.url, token, N_ISSUER),
                                    _credential_requests(alone.url, token, N_ISSUER))
        alone.stop()
        static_row, app = fire_interleaved([lambda c: c.get(f"{nginx.url}/static-status/1").status_code] * N_STATUS,
                                           [lambda c: c.get(f"{pair[0].url}/status/1").status_code] * N_STATUS)
        return [row("issuer_two_instances_postgres", two, one, N_ISSUER, batch=BATCH,
                    credentials_per_second=round(two["per_s"] * BATCH, 1),
                    target="credentials/s >= 1000, p99 < 100 ms"),
                row("status_static_vs_app", static_row, app, N_STATUS)]
    finally:
        for inst in (alone, *pair):
            inst.stop()
        nginx.stop()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _memory_store_row(root: Path) -> dict:
    from trust_list.demo import build_demo_ecosystem
    from verifier import openid4vp as vp
    from verifier.transaction_store import MemoryTransactionStore

    now = int(time.time())
    eco = build_demo_ecosystem(root / "mhome" / "ecosystem", now)
    party = eco.relying_parties["verifier"]
    rp = vp.RelyingParty(party.access_key, party.access_x5c, party.client_id, party.registration_jws)
    template = vp.new_transaction(rp, "a1-inspection", "https://verifier.example", now, 300)
    counter = iter(range(10**9))

    def fresh() -> vp.Transaction:
        i = next(counter)
        t = vp.Transaction(f"t{i}", template.preset, f"n{i}", f"s{i}", now, now + 300, template.enc_key, f"k{i}")
        t.result_token = f"r{i}"
        return t

    def filled(n: int) -> MemoryTransactionStore:
        store = MemoryTransactionStore(max_items=100_000)
        for _ in range(n):
            store.add(fresh(), now, 100_000)
        return store

    full, empty = filled(9_000), filled(10)

    def cycles(store: MemoryTransactionStore, n: int = 2_500) -> float:
        """ms per add + complete, amortised over n (dict growth included on both sides)."""
        ts = [fresh() for _ in range(n)]
        t0 = time.perf_counter()
        for t in ts:
            store.add(t, now, 100_000)
            store.complete(t.id, vp.Outcome(now, error="x"), now)
        return (time.perf_counter() - t0) * 1000 / n

    ours, base = [], []
    for _ in range(8):  # interleaved; each store grows by 20,000 in all, so both pass the same dict resizes
        ours.append(cycles(full))
        base.append(cycles(empty))
    o, b = sum(ours) / len(ours), sum(base) / len(base)
    return {"name": "verifier_memory_store_add_at_9000_vs_10", "ours_ms": round(o, 5), "baseline_ms": round(b, 5),
            "ratio": round(o / b, 3)}


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        return [_memory_store_row(root), *_verifiers(root), *_issuers(root)]


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r), flush=True)
