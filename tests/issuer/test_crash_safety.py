"""kill -9 the issuer while wallets are being served; after a restart no status index was given
twice and every credential a wallet received has its record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from sqlalchemy import func, select

from credential import jose
from credential.types import sample_claims
from issuer import store
from issuer.settings import Settings

from .conftest import free_port
from .wallet_client import Wallet


def _start(home, port, db_url):
    env = {**os.environ, "ESSPASS_HOME": str(home), "ESSPASS_ISSUER_URL": f"http://127.0.0.1:{port}"}
    if db_url:
        env["ESSPASS_DATABASE_URL"] = db_url
    proc = subprocess.Popen([sys.executable, "-m", "esspass.cli", "issuer", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode()[-2000:])


def test_kill_9_under_load(tmp_path, db_url):
    home, port = tmp_path / "home", free_port()
    proc = _start(home, port, db_url)
    token = (home / "issuer" / "api_token").read_text().strip()
    delivered: list[tuple[str, dict]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(worker: int) -> None:
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
        n = 0
        while not stop.is_set():
            n += 1
            claims = sample_claims("ehic")
            claims["document_number"] = f"DK-EHIC-{worker:02d}-{n:05d}"
            try:
                case = api.post("/api/v1/cases", json={"type": "ehic", "claims": claims, "tx_code": False}).json()
                creds, keys = Wallet().receive(case["offer_uri"], None, n=5)
            except Exception:  # noqa: BLE001 - the server dies under us
                continue
            with lock:
                for c, k in zip(creds, keys):
                    delivered.append((c, k.public_jwk()))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(delivered) < 100 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-flight: requests are being served right now
    proc.wait()
    stop.set()
    for t in threads:
        t.join(20)
    assert delivered, "no credential was delivered before the kill"

    proc = _start(home, port, db_url)  # the restart recovers and serves again
    try:
        case = httpx.post(f"http://127.0.0.1:{port}/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                          json={"type": "ehic", "claims": sample_claims("ehic"), "tx_code": False}).json()
        creds, _ = Wallet().receive(case["offer_uri"], None, n=2)
        assert len(creds) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)

    settings = Settings(home=home, database_url=db_url)
    engine = store.make_engine(settings.db_url)
    with store.session_factory(engine)() as s:
        rows = list(s.execute(select(store.Credential.list_id, store.Credential.idx, store.Credential.holder_thumbprint)))
        distinct = s.scalar(select(func.count()).select_from(
            select(store.Credential.list_id, store.Credential.idx).distinct().subquery()))
    engine.dispose()
    assert distinct == len(rows)  # no index given twice
    recorded = {(f"/status/{r.list_id}", r.idx): r.holder_thumbprint for r in rows}
    for cred, jwk in delivered:
        payload = json.loads(jose.b64u_decode(cred.split("~")[0].split(".")[1]))
        ref = payload["status"]["status_list"]
        key = ("/status/" + ref["uri"].rsplit("/", 1)[1], ref["idx"])
        assert recorded.get(key) == jose.jwk_thumbprint(jwk), "a delivered credential has no record"
    print(f"delivered {len(delivered)} credentials before kill -9; {len(rows)} records")
