"""Issuer throughput and status-list republishing.

- ``issue_http_batch10``: credentials through HTTP (OpenID4VCI credential endpoint, batches of 10
  proofs, 4 concurrent wallets, SQLite, one uvicorn worker) per credential, vs a bare ``issue_vc``
  loop in-process (the signing floor). Extra keys: credentials/s and p50/p99 request latency.
- ``republish_10M``: revoke one document in a 10,000,000-entry, 2-bit list holding 1 % revoked
  entries, through the service (transaction, list update, Status List Token signed and stored),
  vs plain ``zlib.compress`` (level 6) of the same 2.5 MB.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import zlib
from pathlib import Path

import httpx

from credential import jose
from credential.sd_jwt_vc import StatusRef, issue_vc
from credential.types import get_type, sample_claims


def _issue_http() -> dict:
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from tests.issuer.conftest import ServerThread, free_port
    from tests.issuer.wallet_client import PRE_AUTH, Wallet, proof_jwt

    home = Path(tempfile.mkdtemp())
    port = free_port()
    settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", proof_iat_window=3600)
    svc = IssuerService(settings)
    rounds, batch, clients = 60, 10, 4
    with ServerThread(create_app(settings, svc), port):
        w = Wallet()
        meta, as_meta = w.metadata(svc.url)
        prepared = []
        for i in range(rounds):  # wallet-side work (keys, proofs) is done before the clock starts
            claims = sample_claims("ehic")
            claims["document_number"] = f"BENCH-{i:06d}"
            view = svc.create_case("ehic", claims, "bench", with_tx_code=False)
            access = w.token(as_meta, view.offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
            nonce = w.nonce(meta)
            proofs = [proof_jwt(jose.SigningKey.generate(), aud=svc.url, nonce=nonce) for _ in range(batch)]
            prepared.append((access, {"credential_configuration_id": "ehic_sd_jwt", "proofs": {"jwt": proofs}}))
        latencies: list[float] = []
        lock = threading.Lock()

        def run(items):
            with httpx.Client(timeout=30) as c:
                for access, body in items:
                    t0 = time.perf_counter()
                    r = c.post(meta["credential_endpoint"], json=body, headers={"Authorization": f"Bearer {access}"})
                    dt = time.perf_counter() - t0
                    assert r.status_code == 200 and len(r.json()["credentials"]) == batch, r.text
                    with lock:
                        latencies.append(dt)

        threads = [threading.Thread(target=run, args=(prepared[i::clients],)) for i in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    svc.close()
    n = rounds * batch
    latencies.sort()
    return {"per_credential_ms": elapsed / n * 1000, "credentials_per_s": n / elapsed,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


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
         "note": "per credential; request = 10 credentials; 4 concurrent wallets; 1 worker; SQLite"},
        {"name": "republish_10M", "ours_ms": round(rep["ours_ms"], 2), "baseline_ms": round(rep["baseline_ms"], 2),
         "ratio": round(rep["ours_ms"] / rep["baseline_ms"], 3), "token_bytes": rep["token_bytes"],
         "note": "status change + republish of a 10M-entry 2-bit list (1 % revoked) vs zlib level 6 of its bytes"},
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
