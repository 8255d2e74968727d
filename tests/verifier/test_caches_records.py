"""Status cache (ttl, conditional GET, bound, network failure) on a real loopback server; inspection records."""

from __future__ import annotations

import netio
from tests.verifier.helpers import NOW, status_token
from tests.verifier.servers import StatusServer
from verifier.policy import Check, Decision
from verifier.records import InspectionRecords
from verifier.sources import StatusCache


def test_status_cache_ttl_conditional_get_and_offline(eco):
    with StatusServer() as server:
        uri = server.url + "/l/1"
        server.tokens["/l/1"] = status_token(eco, uri=uri, iat=NOW - 10, exp=NOW + 3600, ttl=100)
        cache = StatusCache(network=True, policy=netio.UrlPolicy(allow_loopback=True))
        first = cache(uri, NOW)
        assert first is not None and server.requests == [("/l/1", 200)]
        assert cache(uri, NOW + 50).fetched_at == NOW and len(server.requests) == 1  # fresh: no request
        again = cache(uri, NOW + 150)  # ttl over: conditional GET, 304, same token
        assert server.requests[-1] == ("/l/1", 304) and again.token == first.token and again.fetched_at == NOW + 150
        server.tokens["/l/1"] = status_token(eco, uri=uri, revoked={1: 1}, iat=NOW + 200, exp=NOW + 3600, ttl=100)
        newer = cache(uri, NOW + 300)
        assert server.requests[-1] == ("/l/1", 200) and newer.token != first.token
    # the server is gone: an unexpired cached token is still offered, with its age
    stale = cache(uri, NOW + 1000)
    assert stale is not None and stale.fetched_at == NOW + 300
    assert cache(uri, NOW + 4000) is None  # past exp and no network: nothing (INDETERMINATE, not revoked)
    cache.close()


def test_status_cache_is_bounded():
    cache = StatusCache(network=False, max_entries=3)
    for i in range(10):
        cache.put(f"https://s/{i}", "x.y.z", NOW, pinned=True)
    assert list(cache.entries()) == ["https://s/7", "https://s/8", "https://s/9"]


def _decision(result="PASSED"):
    return Decision(result=result, checks=[Check("status.valid", "pass", {"en": "", "da": ""})],
                    credential_type="urn:eudi:pda1:1", issuer="Udbetaling Danmark",
                    claims={"subject": {"familynames": "Kowalski"}}, preset="a1-inspection")


def test_records_minimal_by_default_with_retention(tmp_path):
    records = InspectionRecords(tmp_path / "r.sqlite", frozenset({"decision", "preset", "time", "issuer", "codes"}), 1)
    records.add(_decision(), NOW)
    rec = records.list(NOW)[0]
    assert rec == {"decision": "PASSED", "preset": "a1-inspection", "time": NOW, "issuer": "Udbetaling Danmark",
                   "codes": ["status.valid"]}
    assert records.list(NOW + 2 * 86400) == []  # older than the retention limit: deleted


def test_a_record_keeps_the_decisive_reason_with_the_codes(tmp_path):
    failed = Decision(result="FAILED", checks=[Check("issuer.trusted", "pass", {}), Check("status.unavailable", "unknown", {}),
                                               Check("status.invalid", "fail", {})], preset="a1-inspection")
    unknown = Decision(result="INDETERMINATE", checks=[Check("issuer.trusted", "pass", {}),
                                                       Check("status.unavailable", "unknown", {})])
    records = InspectionRecords(None, frozenset({"decision", "codes"}), 30)
    records.add(failed, NOW)
    records.add(unknown, NOW + 1)
    assert [r.get("reason") for r in records.list(NOW + 1)] == ["status.unavailable", "status.invalid"]  # newest first
    without_codes = InspectionRecords(None, frozenset({"decision"}), 30)
    without_codes.add(failed, NOW)
    assert without_codes.list(NOW)[0] == {"decision": "FAILED"}  # the reason is kept only where the codes are


def test_records_configurable(tmp_path):
    assert InspectionRecords(None, frozenset(), 30).add(_decision(), NOW) is None  # "none" keeps nothing
    with_claims = InspectionRecords(None, frozenset({"decision", "claims"}), 30)
    with_claims.add(_decision(), NOW)
    assert with_claims.list(NOW)[0]["claims"]["subject"]["familynames"] == "Kowalski"
