"""The SQLite connection policy (one in-process writer lock, read-only transactions beside it) and
the issuance path's status-list allocation, including the roll-over to a new list."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from credential import jose
from credential.types import sample_claims
from issuer import store
from issuer.service import IssuerService
from issuer.settings import Settings

from .wallet_client import PRE_AUTH, proof_jwt


@pytest.fixture
def engine(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
    yield engine
    engine.dispose()


def _in_thread(fn, timeout: float = 5.0):
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "blocked"
    return out[0]


def test_failed_write_transaction_releases_the_writer(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (v) VALUES (1)"))
            raise RuntimeError("boom")

    def write():
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (v) VALUES (2)"))
        return True

    assert _in_thread(write)
    with engine.connect() as c:
        assert c.execute(text("SELECT v FROM t")).scalars().all() == [2]


def test_reads_do_not_wait_for_the_writer(engine):
    reader = store.read_only(engine)
    with engine.begin() as c:  # a write transaction stays open in this thread
        c.execute(text("INSERT INTO t (v) VALUES (1)"))

        def read():
            with reader.connect() as r:
                return r.execute(text("SELECT count(*) FROM t")).scalar_one()

        assert _in_thread(read, timeout=2) == 0  # the snapshot before the uncommitted insert

        def write():
            with engine.begin() as w:
                w.execute(text("INSERT INTO t (v) VALUES (2)"))

        waiting = threading.Thread(target=write, daemon=True)
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive()  # a second writer queues
    waiting.join(5)
    assert not waiting.is_alive()


def test_many_writers_each_transaction_whole(engine):
    def worker(k: int) -> None:
        for i in range(40):
            try:
                with engine.begin() as c:
                    c.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": k})
                    if i % 7 == 0:
                        raise ValueError("rolled back")
                    c.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": k})
            except ValueError:
                pass

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert time.time() - t0 < 30
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar_one() == 8 * (40 - 6) * 2


def _issue(svc: IssuerService, doc: str, n: int) -> list[str]:
    claims = sample_claims("ehic")
    claims["document_number"] = doc
    view = svc.create_case("ehic", claims, "test", with_tx_code=False)
    access = svc.token({"grant_type": PRE_AUTH,
                        "pre-authorized_code": view.offer["grants"][PRE_AUTH]["pre-authorized_code"]})["access_token"]
    nonce = svc.nonce()
    proofs = [proof_jwt(jose.SigningKey.generate(), aud=svc.url, nonce=nonce) for _ in range(n)]
    return svc.issue(access, {"credential_configuration_id": "ehic_sd_jwt", "proofs": {"jwt": proofs}})


def test_allocation_rolls_over_to_a_new_list(tmp_path):
    svc = IssuerService(Settings(home=tmp_path / "home", issuer_url="http://127.0.0.1:1", status_list_size=40))
    try:  # fill 0.5: 20 entries per list, so the third batch of 10 opens list 2
        creds = [c for i in range(3) for c in _issue(svc, f"DK-EHIC-2025-{i:06d}", 10)]
        refs = set()
        for c in creds:
            status = jose.parse_compact(c.split("~")[0]).payload()["status"]["status_list"]
            refs.add((status["uri"], status["idx"]))
        assert len(refs) == 30
        assert {u for u, _ in refs} == {svc.status_uri(1), svc.status_uri(2)}
        assert sum(u == svc.status_uri(2) for u, _ in refs) == 10
        token, version, _ = svc.status_token(2)
        assert version == 1 and token.count(".") == 2
        with svc.Reader() as s:
            used = dict(s.execute(select(store.StatusListRow.list_id, store.StatusListRow.used)).all())
            count = s.scalar(select(func.count()).select_from(store.Credential))
        assert used == {1: 20, 2: 10} and count == 30
    finally:
        svc.close()
