"""Services starting together on a fresh home build one demo ecosystem, not two half ones."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from trust_list.demo import INSTITUTIONS, build_demo_ecosystem


def _build(home: str, now: int, out) -> None:
    try:
        eco = build_demo_ecosystem(Path(home), now)
        out.put(("ok", eco.institutions["udk"].credential_x5t))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.put(("error", repr(exc)))


def test_concurrent_builds_on_a_fresh_home(tmp_path: Path) -> None:
    now = int(time.time())
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_build, args=(str(tmp_path / "home"), now, out)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert all(kind == "ok" for kind, _ in results), results
    assert len({value for _, value in results}) == 1  # all three see the same institution keys
    # and the signed list names every institution's signing certificate
    eco = build_demo_ecosystem(tmp_path / "home", now)
    store = eco.trust_store(now)
    from trust_list import check_issuer

    for slug, name, *_ in INSTITUTIONS:
        inst = eco.institutions[slug]
        assert check_issuer(store, inst.credential_x5c, "urn:eudi:pda1:1", now - 60, now).entity_name == name
