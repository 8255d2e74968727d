"""Issuer throughput and status-list republishing.

- ``issue_http_batch10``: credentials through HTTP (OpenID4VCI credential endpoint, batches of 10
  proofs each bound to its own fresh key, 4 concurrent wallets in this process, the issuer in its own
  process: ``esspass issuer serve``, one uvicorn worker, SQLite) per credential, vs a bare
  ``issue_vc`` loop in-process (the signing floor). Extra keys: credentials/s and p50/p99 request
  latency (400 timed requests after 8 warm-up requests).
- ``republish_10M``: revoke one document in a 10,000,000-entry, 2-bit list holding 1 % revoked
  entries, through the service (transaction, list update, Status List Token signed and stored),
  vs plain ``zlib.compress`` (level 6) of the same 2.5 MB.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import httpx

from benchmarks.services import free_port
from credential import jose
from credential.sd_jwt_vc import StatusRef, issue_vc
from credential.types import get_type, sample_claims


ROUNDS, BATCH, WALLETS, WARMUP = 400, 10, 4, 8


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"issuer exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("issuer did not start")


def _prepare(url: str, api_token: str, n: int) -> list[tuple[str, bytes]]:
    """What the wallets do before the clock starts: one case, access token and c_nonce per batch
    (nonces are single use, so one each), and ``BATCH`` fresh holder keys with their proofs."""
    from wallet.issuance import PRE_AUTH_GRANT as PRE_AUTH, key_proof

    prepared = []
    with httpx.Client(base_url=url, timeout=30) as c:
        for i in range(n):
            claims = sample_claims("ehic")
            claims["document_number"] = f"BENCH-{i:06d}"
            r = c.post("/api/v1/cases", json={"type": "ehic", "claims": claims, "tx_code": False},
                       headers={"Authorization": f"Bearer {api_token}"})
            assert r.status_code == 201, r.text
            offer = c.get(r.json()["credential_offer_uri"]).json()
            code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
            access = c.post("/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}).json()["access_token"]
            nonce = c.post("/nonce").json()["c_nonce"]
            proofs = [key_proof(jose.SigningKey.generate(), url, nonce, int(time.time())) for _ in range(BATCH)]
            body = json.dumps({"credential_configuration_id": "ehic_sd_jwt", "proofs": {"jwt": proofs}}).encode()
            prepared.append((access, body))
    return prepared


def _issue_http() -> dict:
    """The issuer runs as ``esspass issuer serve`` (its own process, one uvicorn worker, SQLite under a
    fresh ESSPASS_HOME); this process is the wallets: ``WALLETS`` threads, each with one keep-alive
    connection, post prepared batches back to back over loopback. The first ``WARMUP`` batches (SQL
    statement compilation, pool connections, worker threads) are not timed."""
    home = Path(tempfile.mkdtemp())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ESSPASS_HOME": str(home), "ESSPASS_ISSUER_URL": url, "ESSPASS_PROOF_IAT_WINDOW": "3600"}
    env.pop("ESSPASS_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "esspass.cli", "issuer", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_healthy(proc, url)
        prepared = _prepare(url, (home / "issuer" / "api_token").read_text().strip(), WARMUP + ROUNDS)
        latencies: list[float] = []
        lock = threading.Lock()

        def run(items, record: bool) -> None:
            with httpx.Client(timeout=30) as c:
                for access, body in items:
                    t0 = time.perf_counter()
                    r = c.post(f"{url}/credential", content=body,
                               headers={"Authorization": f"Bearer {access}", "Content-Type": "application/json"})
                    dt = time.perf_counter() - t0
                    assert r.status_code == 200 and len(r.json()["credentials"]) == BATCH, r.text
                    if record:
                        with lock:
                            latencies.append(dt)

        def wave(items, record: bool) -> float:
            threads = [threading.Thread(target=run, args=(items[i::WALLETS], record)) for i in range(WALLETS)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.perf_counter() - t0

        wave(prepared[:WARMUP], False)
        elapsed = wave(prepared[WARMUP:], True)
    finally:
        proc.terminate()
        proc.wait(30)
    n = ROUNDS * BATCH
    latencies.sort()
    return {"per_credential_ms": elapsed / n * 1000, "credentials_per_s": n / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[math.ceil(len(latencies) * 0.99) - 1] * 1000}


def _issue_floor() -> float:
    key = jose.SigningKey.generate()
    ctype = get_type("ehic")
    claims = sample_claims("ehic")
    holder = jose.SigningKey.generate().public_jwk()
    n = 300
    t0 = time.perf_counter()
    for i in range(n):
        issue_vc(claims, key, vct=ctype.vct, iat=1, exp=2, iss="https://issuer.example", sd_paths=ctype.sd_layout,
                 holder_jwk=holder, status=StatusRef(i, "https://issuer.example/status/1"),
                 header={"x5c": ["MIIB"]}).serialize()
    return (time.perf_counter() - t0) / n * 1000


def _republish() -> dict:
    import secrets

    from sqlalchemy import update

    from issuer import store
    from issuer.service import IssuerService
    from issuer.settings import Settings

    size = 10_000_000
    home = Path(tempfile.mkdtemp())
    svc = IssuerService(Settings(home=home, status_list_size=size))
    # 1 % revoked: fill the list bytes directly (as if 100,000 documents had been revoked over time)
    from credential import status_list as tsl

    sl = tsl.StatusList(size, 2)
    sl.set_many(list({secrets.randbelow(size) for _ in range(size // 100)}), tsl.INVALID)
    with svc.Session.begin() as s:
        s.execute(update(store.StatusListRow).where(store.StatusListRow.list_id == 1).values(data=bytes(sl.buffer)))
    view = svc.create_case("ehic", sample_claims("ehic"), "bench", with_tx_code=False)
    paper = svc.paper_credential(view.public_id, "bench")
    assert paper
    times = []
    for i in range(5):
        action = "suspend" if i % 2 == 0 else "reinstate"
        t0 = time.perf_counter()
        svc.set_status(view.document_number, action, reason="bench", actor="bench")
        times.append(time.perf_counter() - t0)
    token, _, _ = svc.status_token(1)
    svc.close()
    raw = bytes(sl.buffer)
    base = []
    for _ in range(5):
        t0 = time.perf_counter()
        zlib.compress(raw, 6)
        base.append(time.perf_counter() - t0)
    return {"ours_ms": statistics.median(times) * 1000, "baseline_ms": statistics.median(base) * 1000,
            "token_bytes": len(token)}


def run() -> list[dict]:
    http = _issue_http()
    floor = _issue_floor()
    rep = _republish()
    return [
        {"name": "issue_http_batch10", "ours_ms": round(http["per_credential_ms"], 4), "baseline_ms": round(floor, 4),
         "ratio": round(http["per_credential_ms"] / floor, 3), "credentials_per_s": round(http["credentials_per_s"]),
         "request_p50_ms": round(http["p50_ms"], 1), "request_p99_ms": round(http["p99_ms"], 1),
         "note": "per credential; request = 10 credentials; 4 concurrent wallets in another process; "
                 "1 uvicorn worker; SQLite"},
        {"name": "republish_10M", "ours_ms": round(rep["ours_ms"], 2), "baseline_ms": round(rep["baseline_ms"], 2),
         "ratio": round(rep["ours_ms"] / rep["baseline_ms"], 3), "token_bytes": rep["token_bytes"],
         "note": "status change + republish of a 10M-entry 2-bit list (1 % revoked) vs zlib level 6 of its bytes"},
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
