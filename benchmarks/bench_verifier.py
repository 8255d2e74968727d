"""Verifier benchmarks (issue #5, item 9).

Rows (ratio = ours / baseline, both measured in this run):
* ``verifier_in_process_vs_two_ecdsa``: ``verify_presentation`` of an A1 presentation with key binding, preset
  a1-inspection and a status check (token in memory), against the floor of two bare ECDSA P-256 verifies
  (issuer signature + KB-JWT signature) with pyca/cryptography. The context has its default caches
  (``verifier.caches``: validated trust results and Status List Tokens, warm after the first call); extra keys
  ``uncached_ms`` / ``uncached_ratio`` give the same verification with ``cache=None`` (every X.509 path validated
  and the status token verified and inflated each time).
* ``verifier_http_response_vs_in_process``: one OpenID4VP ``direct_post.jwt`` response (JWE decryption,
  verification, decision stored) through the real HTTP service (``esspass verifier serve`` in a subprocess,
  loopback, 4 concurrent clients), per response at full load, against in-process ``verify_presentation``.
  Extra keys: ``per_second`` (throughput) and ``p99_ms`` (latency of sequential requests), ``n``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwe, jwk

from benchmarks.services import free_port
from benchmarks.timing import compare
from credential import sd_jwt, sd_jwt_vc, status_list
from credential.jose import SigningKey
from credential.types import get_type, sample_claims

STATUS_URI = "https://status.example.test/udk/1"


def _issue(eco, now: int, with_status: bool = True):
    inst = eco.institutions["udk"]
    holder = SigningKey.generate()
    t = get_type("pda1")
    issued = sd_jwt_vc.issue_vc(
        sample_claims("pda1"), inst.credential_key, vct=t.vct, iat=now - 3600, exp=now + 365 * 86400,
        sd_paths=t.sd_layout, holder_jwk=holder.public_jwk(),
        status=sd_jwt_vc.StatusRef(3, STATUS_URI) if with_status else None, header={"x5c": inst.credential_x5c})
    return issued.serialize(), holder


def _in_process(eco, now: int):
    from verifier import presets
    from verifier.caches import VerifierCache
    from verifier.policy import FetchedStatus, VerificationContext, verify_presentation

    store = eco.trust_store(now)
    sd, holder = _issue(eco, now)
    paths = presets.get("a1-inspection").paths
    pres = sd_jwt.present(sd, paths, holder_key=holder, nonce="n", aud="x509_hash:a", iat=now)
    inst = eco.institutions["udk"]
    token = status_list.create_status_list_token(status_list.StatusList.new(1024, 2), sub=STATUS_URI, iat=now - 5,
                                                 exp=now + 3600, ttl=300, key=inst.status_key, x5c=inst.status_x5c)
    fetched = FetchedStatus(token, now)
    ctx = VerificationContext(store, now, status=lambda u, n: fetched, preset="a1-inspection", nonce="n",
                              aud="x509_hash:a", cache=VerifierCache.new())
    assert verify_presentation(pres, ctx).result == "PASSED"

    k1, k2 = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    m1, m2 = b"x" * 1500, b"y" * 300
    s1, s2 = k1.sign(m1, ec.ECDSA(hashes.SHA256())), k2.sign(m2, ec.ECDSA(hashes.SHA256()))
    p1, p2 = k1.public_key(), k2.public_key()

    def two_ecdsa():
        p1.verify(s1, m1, ec.ECDSA(hashes.SHA256()))
        p2.verify(s2, m2, ec.ECDSA(hashes.SHA256()))

    row = compare("verifier_in_process_vs_two_ecdsa", lambda: verify_presentation(pres, ctx), two_ecdsa,
                  repeat=9, inner=40)
    plain = replace(ctx, cache=None)
    assert verify_presentation(pres, plain).as_json() == verify_presentation(pres, ctx).as_json()
    uncached = compare("uncached", lambda: verify_presentation(pres, plain), two_ecdsa, repeat=9, inner=40)
    row["uncached_ms"], row["uncached_ratio"] = uncached["ours_ms"], uncached["ratio"]
    return row, (lambda: verify_presentation(pres, ctx))


def _encrypt(request: dict, payload: dict) -> str:
    key = request["client_metadata"]["jwks"]["keys"][0]
    header = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": key["kid"]}
    token = jwe.JWE(json.dumps(payload).encode(), protected=json.dumps(header))
    token.add_recipient(jwk.JWK(kty="EC", crv=key["crv"], x=key["x"], y=key["y"]))
    return token.serialize(compact=True)


def _http(eco_home: Path, eco, now: int, in_process_ms: float, n: int = 400) -> dict:
    from credential import jose

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ESSPASS_HOME": str(eco_home), "ESSPASS_VERIFIER_URL": url}
    proc = subprocess.Popen([sys.executable, "-c", "from verifier.cli import app; app()", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = httpx.Client(timeout=10)
        for _ in range(200):
            try:
                client.get(f"{url}/health")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        sd, holder = _issue(eco, now, with_status=False)
        bodies = []
        for _ in range(n):
            t = client.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"}).json()
            req_uri = dict(httpx.URL(t["request_uri"].replace("openid4vp://", "http://x/")).params)["request_uri"]
            request = jose.parse_compact(client.get(req_uri).text).payload()
            q = request["dcql_query"]["credentials"][0]
            pres = sd_jwt.present(sd, [tuple(c["path"]) for c in q["claims"]], holder_key=holder,
                                  nonce=request["nonce"], aud=request["client_id"], iat=int(time.time()))
            bodies.append({"response": _encrypt(request, {"vp_token": {q["id"]: [pres]}, "state": request["state"]})})
        # latency, sequential
        lat = []
        half = n // 2
        for body in bodies[:half]:
            t0 = time.perf_counter()
            r = client.post(request["response_uri"], data=body)
            lat.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        # throughput, 4 concurrent clients
        rest = bodies[half:]
        clients = [httpx.Client(timeout=10) for _ in range(4)]
        lock = threading.Lock()
        counter = iter(range(len(rest)))

        def worker(i: int) -> None:
            c = clients[i]
            while True:
                with lock:
                    j = next(counter, None)
                if j is None:
                    return
                assert c.post(request["response_uri"], data=rest[j]).status_code == 200

        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(worker, range(4)))
        wall = time.perf_counter() - t0
        for c in clients:
            c.close()
        client.close()
        per_response_ms = wall * 1000 / len(rest)
        lat.sort()
        return {"name": "verifier_http_response_vs_in_process", "ours_ms": round(per_response_ms, 4),
                "baseline_ms": round(in_process_ms, 4), "ratio": round(per_response_ms / in_process_ms, 3),
                "per_second": round(len(rest) / wall, 1), "p99_ms": round(lat[int(0.99 * (len(lat) - 1))], 3),
                "p50_ms": round(statistics.median(lat), 3), "n": n}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run() -> list[dict]:
    from trust_list.demo import build_demo_ecosystem

    now = int(time.time())
    with tempfile.TemporaryDirectory() as home:
        eco = build_demo_ecosystem(Path(home) / "ecosystem", now)
        row1, _ = _in_process(eco, now)
        row1["per_second"] = round(1000 / row1["ours_ms"], 1)
        row2 = _http(Path(home), eco, now, row1["ours_ms"])
        return [row1, row2]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
