"""Issue 12 items 2 and 4, the issuer: two ``esspass issuer serve --workers 2`` processes on one PostgreSQL
database behind nginx round-robin, started together on a fresh database; one-time codes, tx_code attempts,
nonces and DPoP jtis behave the same whichever instance answers; kill -9 one instance under issuance load, then
check the database and the published Status List Tokens. Real processes on 127.0.0.1, bounded loops.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import text

from benchmarks.services import start_instance
from credential import jose
from credential import status_list as tsl
from credential.types import sample_claims
from issuer.store import make_engine
from tests.issuer.wallet_client import PRE_AUTH, Wallet, dpop_proof, proof_jwt
from tests.scaleout.load import load_then_kill, pause_until_killed
from tests.nginx_support import Nginx, proxy, upstream
from tests.support import free_port, skip_or_fail

WORKERS, ROUNDS, KILL_AFTER, REVOKE_EVERY = 4, 8, 10, 3


def _admin(sql: str) -> None:
    from tests.issuer.conftest import _admin as run

    run(sql)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base_url = os.environ.get("ESSPASS_TEST_POSTGRES_URL")
    if not base_url:
        skip_or_fail("ESSPASS_TEST_POSTGRES_URL is not set")
    name = f"esspass_scale_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    db_url = f"{base_url.rpartition('/')[0]}/{name}"
    root = tmp_path_factory.mktemp("issuer-cluster")
    ports = [free_port(), free_port()]
    nginx = Nginx.start(root / "nginx", proxy("issuers"), upstream("issuers", ports))
    env = {"ESSPASS_HOME": str(root / "home"), "ESSPASS_DATABASE_URL": db_url, "ESSPASS_ISSUER_URL": nginx.url,
           "ESSPASS_NONCE_PER_MINUTE": "0", "ESSPASS_STATUS_LIST_SIZE": "4000", "ESSPASS_STATUS_DIR": str(root / "st")}
    # both started at once on a fresh database and home: first-start set-up must not run twice
    instances = [start_instance(f"issuer-{i}", ["issuer", "serve", "--workers", "2"], env, root / f"i{i}.log", port)
                 for i, port in enumerate(ports)]
    try:
        for inst in instances:
            inst.wait_listening(120)
        engine = make_engine(db_url)
        token = (root / "home" / "issuer" / "api_token").read_text().strip()
        api = httpx.Client(base_url=nginx.url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        yield {"nginx": nginx, "instances": instances, "engine": engine, "api": api, "static": root / "st"}
        api.close()
        engine.dispose()
    finally:
        for inst in instances:
            inst.stop()
        nginx.stop()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scalar(c, sql: str):
    with c["engine"].connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def new_case(c, tx_code: bool = False) -> dict:
    claims = sample_claims("pda1")
    claims["document_number"] = f"SCALE-{uuid.uuid4().hex[:12].upper()}"
    r = c["api"].post("/api/v1/cases", json={"type": "pda1", "claims": claims, "tx_code": tx_code})
    assert r.status_code == 201, r.text
    return r.json()


def test_first_start_set_up_ran_once(cluster):
    assert scalar(cluster, "select count(*) from users") == 1
    assert scalar(cluster, "select count(*) from status_lists") == 1
    assert scalar(cluster, "select count(*) from api_tokens where name = 'case-system'") == 1


def test_one_time_codes_and_replay_guards_hold_across_instances(cluster):
    url = cluster["nginx"].url
    w = Wallet()
    # the pre-authorized code: redeemed once, whichever instance gets the second try
    case = new_case(cluster)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
    first, second = w.token(as_meta, code, None), w.token(as_meta, code, None)
    assert first.status_code == 200 and second.json()["error"] == "invalid_grant"
    # tx_code attempts are counted in the database: five wrong ones (spread over both instances) burn the code
    case = new_case(cluster, tx_code=True)
    code = w.resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    wrong = [w.token(as_meta, code, "000000" if case["tx_code"] != "000000" else "111111") for _ in range(5)]
    assert all(r.json()["error"] == "invalid_grant" for r in wrong)
    assert w.token(as_meta, code, case["tx_code"]).json()["error"] == "invalid_grant"
    # a c_nonce from one instance works on the other, once
    access = first.json()["access_token"]
    nonce = w.nonce(meta)
    ok = w.credential(meta, access, "pda1_sd_jwt", [proof_jwt(jose.SigningKey.generate(), aud=url, nonce=nonce)])
    assert ok.status_code == 200, ok.text
    case = new_case(cluster)
    other = w.token(as_meta, w.resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"], None)
    again = w.credential(meta, other.json()["access_token"], "pda1_sd_jwt",
                         [proof_jwt(jose.SigningKey.generate(), aud=url, nonce=nonce)])
    assert again.json()["error"] == "invalid_nonce"
    # a DPoP proof's jti is accepted once across instances
    key = jose.SigningKey.generate()
    proof = dpop_proof(key, htm="POST", htu=f"{url}/token")
    codes = []
    for _ in range(2):
        case = new_case(cluster)
        pre = w.resolve_offer(case["offer_uri"])["grants"][PRE_AUTH]["pre-authorized_code"]
        codes.append(httpx.post(f"{url}/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": pre},
                                headers={"DPoP": proof}, timeout=30))
    assert codes[0].status_code == 200 and codes[1].json()["error"] == "invalid_dpop_proof"


def test_kill_one_issuer_under_issuance_load(cluster):
    received: list[tuple[str, str]] = []  # (document number, credential)
    revoked: list[str] = []
    failures = []
    lock = threading.Lock()
    enough, killed = threading.Event(), threading.Event()

    def work(n: int) -> None:
        for i in range(ROUNDS):
            pause_until_killed(enough, killed)
            try:
                case = new_case(cluster)
                creds, _ = Wallet().receive(case["offer_uri"], None)
            except (httpx.HTTPError, AssertionError, KeyError, ValueError) as exc:
                with lock:
                    failures.append(type(exc).__name__)
                continue
            doc = case["document_number"]
            revoke = (n * ROUNDS + i) % REVOKE_EVERY == 0
            if revoke:
                try:
                    r = cluster["api"].post(f"/api/v1/documents/{doc}/revoke", json={"reason": "fault test"})
                    revoke = r.status_code == 200
                except httpx.HTTPError:
                    revoke = False
            with lock:
                received.append((doc, creds[0]))
                if revoke:
                    revoked.append(doc)
                if len(received) >= KILL_AFTER:
                    enough.set()

    killed_at = load_then_kill(work, WORKERS, enough, killed, cluster["instances"][0], lambda: len(received))

    # the database's own integrity: no status index twice, no credential without its case, counters agree
    duplicates = scalar(cluster, "select count(*) from (select list_id, idx from credentials group by list_id, idx "
                                 "having count(*) > 1) d")
    orphans = scalar(cluster, "select count(*) from credentials c left join cases k on k.id = c.case_id "
                              "where k.id is null")
    counters_off = scalar(cluster, "select count(*) from status_lists s where s.used <> "
                                   "(select count(*) from credentials c where c.list_id = s.list_id)")
    # every credential a wallet received has its row, with its holder key
    with cluster["engine"].connect() as conn:
        rows = {(r.list_id, r.idx): (r.document_number, r.holder_thumbprint, r.status) for r in conn.execute(
            text("select list_id, idx, document_number, holder_thumbprint, status from credentials"))}
    missing = []
    for doc, cred in received:
        payload = jose.parse_compact(cred.split("~")[0]).payload()
        ref = payload["status"]["status_list"]
        list_id = int(ref["uri"].rsplit("/", 1)[1])
        row = rows.get((list_id, ref["idx"]))
        if row is None or row[0] != doc or row[1] != jose.jwk_thumbprint(payload["cnf"]["jwk"]):
            missing.append(doc)
    # every revoked document's bit is set in the published token (app route through nginx, and the static file)
    published = {}
    for list_id in {lid for lid, _ in rows}:
        token = httpx.get(f"{cluster['nginx'].url}/status/{list_id}", timeout=30).text
        assert (cluster["static"] / str(list_id)).read_text() == token
        published[list_id] = tsl.StatusList.decode(jose.parse_compact(token).payload()["status_list"])
    revoked_docs = set(revoked)
    unset = [key for key, (doc, _, _) in rows.items()
             if doc in revoked_docs and published[key[0]].get(key[1]) != tsl.INVALID]
    wrongly_set = [key for key, (doc, _, status) in rows.items()
                   if doc not in revoked_docs and published[key[0]].get(key[1]) != status]
    print(json.dumps({"test": "kill -9 one issuer under issuance load", "credentials_received": len(received),
                      "received_before_kill": killed_at, "failed_attempts": len(failures),
                      "failure_kinds": sorted(set(failures)), "credential_rows": len(rows),
                      "duplicate_status_indices": duplicates, "credentials_without_row": len(missing),
                      "orphan_rows": orphans, "list_counters_off": counters_off, "revoked": len(revoked),
                      "revoked_bits_unset": len(unset), "other_bits_wrong": len(wrongly_set)}))
    assert len(received) > killed_at >= KILL_AFTER  # the survivor kept issuing
    assert duplicates == 0 and orphans == 0 and counters_off == 0 and missing == []
    assert revoked and unset == [] and wrongly_set == []
