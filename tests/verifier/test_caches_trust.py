"""verifier.caches: a cached trust result or Status List Token is reused only where the uncached check would give the
same answer; never after a list update, never for another chain, never outside its signing-time interval. Also the
validity layers from credential.validity (technical failures of the core included) and the configurable KB age."""

from __future__ import annotations

import pytest

from credential.reasons import Rejected
from tests.verifier.helpers import NOW, STATUS_URI, ecosystem, issue, present, status_token
from trust_list import issuers as trust_issuers
from trust_list.model import PUB_EAA
from trust_list.operator import withdraw_service
from verifier import presets
from verifier.caches import TrustCache, VerifierCache
from verifier.policy import FetchedStatus, VerificationContext, verify_presentation

A1 = presets.get("a1-inspection").paths


def ctx(store, cache, *, now=NOW, token=None, **kw):
    tokens = {STATUS_URI: FetchedStatus(token, now - 5)} if token else {}
    return VerificationContext(store, now, status=lambda uri, n: tokens.get(uri), preset="a1-inspection",
                               nonce="n-1", aud="x509_hash:aud", cache=cache, **kw)


def failed(d):
    return [c.code for c in d.checks if c.result != "pass"]


def test_cached_trust_is_not_reused_after_the_service_is_withdrawn(tmp_path):
    eco = ecosystem(tmp_path / "eco")  # own ecosystem: this test re-signs its Pub-EAA list
    store, cache = eco.trust_store(NOW), VerifierCache.new()
    cred = issue(eco, inst="fk", status_uri=None)
    pres = present(cred, A1, iat=NOW + 120)
    assert verify_presentation(pres, ctx(store, cache, now=NOW + 120)).result == "PASSED"
    assert verify_presentation(pres, ctx(store, cache, now=NOW + 120)).result == "PASSED"
    assert cache.trust.hits == 1 and cache.trust.misses == 1
    name = "Försäkringskassan"
    eco.operator.change(PUB_EAA, withdraw_service, name, f"{name} credential issuance", NOW + 60)
    eco.operator.sign(PUB_EAA, NOW + 100, NOW + 60 * 86400)
    store.update(PUB_EAA, eco.list_paths[PUB_EAA].read_text("ascii").strip(), NOW + 110)
    d = verify_presentation(pres, ctx(store, cache, now=NOW + 120))
    assert d.result == "FAILED" and failed(d) == ["issuer.withdrawn"]
    assert cache.trust.hits == 1  # the entry filed under the old list was not consulted
    d = verify_presentation(pres, ctx(store, cache, now=NOW + 120))  # failures are never cached either
    assert failed(d) == ["issuer.withdrawn"] and cache.trust.hits == 1


def test_cached_trust_is_not_reused_for_another_chain(eco):
    store, cache = eco.trust_store(NOW), VerifierCache.new()
    udk = issue(eco)
    assert verify_presentation(present(udk, A1), ctx(store, cache, token=status_token(eco))).result == "PASSED"
    assert len(cache.trust) == 2  # issuer and status signer
    # udk's key, kela's chain: the udk entry does not apply; the signature does not verify under kela's leaf
    forged = issue(eco, x5c=eco.institutions["kela"].credential_x5c)
    d = verify_presentation(present(forged, A1), ctx(store, cache, token=status_token(eco)))
    assert d.result == "FAILED" and failed(d) == ["sd.signature"]
    # another institution's chain gives that institution, not the cached one
    kela = issue(eco, inst="kela", status_uri=None)
    d = verify_presentation(present(kela, A1), ctx(store, cache))
    assert d.result == "PASSED" and d.issuer == "Kela"
    # a status token signed by another institution's status signer stays untrusted after udk's was cached
    d = verify_presentation(present(udk, A1), ctx(store, cache, token=status_token(eco, inst="kela")))
    assert d.result == "INDETERMINATE" and failed(d) == ["status.signer_untrusted"]
    # a status signer certificate is no credential signer, cached or not
    wrong = issue(eco, x5c=eco.institutions["udk"].status_x5c, key=eco.institutions["udk"].status_key)
    d = verify_presentation(present(wrong, A1), ctx(store, cache, token=status_token(eco)))
    assert d.result == "FAILED" and "issuer.untrusted" in failed(d)


def _answer(fn):
    try:
        t = fn()
        return ("ok", t.entity_name, t.service_name, t.status_at_signing, t.list_sequence_number,
                tuple(c.serial_number for c in t.chain))
    except Rejected as exc:
        return ("rejected", exc.code)


def test_cached_trust_equals_the_full_check_at_every_signing_time(eco):
    """Differential: for signing times across certificate validity and service history, cached == uncached."""
    store, cache = eco.trust_store(NOW), TrustCache()
    inst = eco.institutions["udk"]
    leaf = trust_issuers.check_issuer(store, inst.credential_x5c, "urn:eudi:pda1:1", NOW, NOW).chain[0]
    nb, na = int(leaf.not_valid_before_utc.timestamp()), int(leaf.not_valid_after_utc.timestamp())
    times = [NOW, NOW - 1, nb - 1, nb, nb + 1, NOW - 86400, NOW + 86400, na, na + 1, 0, NOW - 400 * 86400]
    header = {"x5c": inst.credential_x5c}
    for vct in ("urn:eudi:pda1:1", "urn:eudi:ehic:1", "urn:eudi:other:1"):
        for at in times + times:  # the second round is served from the cache where allowed
            expected = _answer(lambda: trust_issuers.check_issuer_header(store, header, vct, at, NOW))
            assert _answer(lambda: cache.check_issuer_header(store, header, vct, at, NOW)) == expected, (vct, at)
    assert cache.hits > 0
    # a time before the certificate existed is never answered from an entry made inside its validity
    assert _answer(lambda: cache.check_issuer_header(store, header, "urn:eudi:pda1:1", nb - 10, NOW))[0] == "rejected"
    # the list in force is required on every use: past its NextUpdate nothing is answered from the cache
    later = store.lists[PUB_EAA].lote.next_update + 1
    with pytest.raises(Rejected) as exc:
        cache.check_issuer_header(store, header, "urn:eudi:pda1:1", NOW, later)
    assert exc.value.code == "list.expired"


def test_status_token_cache_reuses_only_the_same_token(eco):
    store, cache = eco.trust_store(NOW), VerifierCache.new()
    cred = issue(eco, idx=7)
    pres = present(cred, A1)
    valid = status_token(eco, iat=NOW - 60, exp=NOW + 600)
    assert verify_presentation(pres, ctx(store, cache, token=valid)).result == "PASSED"
    d = verify_presentation(pres, ctx(store, cache, token=valid))
    assert d.result == "PASSED" and cache.status.hits == 1 and d.data_age["status_list_s"] == 60
    revoked = status_token(eco, revoked={7: 1}, iat=NOW - 30, exp=NOW + 600)
    d = verify_presentation(pres, ctx(store, cache, token=revoked))
    assert failed(d) == ["status.invalid"] and cache.status.hits == 1
    suspended = status_token(eco, revoked={7: 2}, iat=NOW - 20, exp=NOW + 600)
    assert failed(verify_presentation(pres, ctx(store, cache, token=suspended))) == ["status.suspended"]
    # the cached valid token, used after its exp: token_expired (unknown), as without a cache
    late = present(cred, A1, iat=NOW + 700)
    d = verify_presentation(late, ctx(store, cache, token=valid, now=NOW + 700))
    assert d.result == "INDETERMINATE" and failed(d) == ["status.token_expired"] and cache.status.hits == 2
    assert failed(verify_presentation(late, ctx(store, None, token=valid, now=NOW + 700))) == ["status.token_expired"]
    # another index of the cached token
    other = issue(eco, idx=5000)
    d = verify_presentation(present(other, A1), ctx(store, cache, token=valid))
    assert failed(d) == ["status.index_out_of_bounds"]
    assert failed(verify_presentation(present(other, A1), ctx(store, None, token=valid))) == failed(d)


def test_cached_and_uncached_decisions_are_identical(eco):
    store = eco.trust_store(NOW)
    cache = VerifierCache.new()
    cases = [(issue(eco), status_token(eco)), (issue(eco, idx=3), status_token(eco, revoked={3: 1})),
             (issue(eco, inst="kela", status_uri=None), None), (issue(eco, exp=NOW - 7200), status_token(eco))]
    for cred, token in cases:
        pres = present(cred, A1)
        plain = verify_presentation(pres, ctx(store, None, token=token)).as_json()
        for _ in range(2):
            assert verify_presentation(pres, ctx(store, cache, token=token)).as_json() == plain


def test_technical_layer_reports_the_core_time_failures(eco):
    store = eco.trust_store(NOW)
    cred = issue(eco, iat=NOW - 2 * 86400, exp=NOW - 7200)
    d = verify_presentation(present(cred, A1), ctx(store, None, token=status_token(eco)))
    assert d.result == "FAILED" and failed(d) == ["sd.expired"]
    tech = d.validity["technical"]
    assert tech["status"] == "expired" and tech["until"].endswith("Z") and tech["issued_at"]
    future = issue(eco, iat=NOW + 3600, exp=NOW + 86400)
    d = verify_presentation(present(future, A1), ctx(store, None, token=status_token(eco)))
    assert d.result == "FAILED" and d.validity["technical"]["status"] == "not_yet_valid"
    ok = verify_presentation(present(issue(eco), A1), ctx(store, None, token=status_token(eco)))
    assert ok.validity["technical"]["status"] == "valid" and "validity.technical" in ok.codes
    assert ok.validity["document"]["status"] == "not_disclosed" and ok.validity["coverage"]["status"] == "in_force"
    assert ok.validity["coverage"]["legislation_country"]


def test_kb_max_age_is_configurable(eco, tmp_path):
    store = eco.trust_store(NOW)
    pres = present(issue(eco), A1, iat=NOW - 120)
    assert verify_presentation(pres, ctx(store, None, token=status_token(eco))).result == "PASSED"
    d = verify_presentation(pres, ctx(store, None, token=status_token(eco), kb_max_age_s=60))
    assert d.result == "FAILED" and failed(d) == ["kb.iat"]
    with pytest.raises(ValueError):
        verify_presentation(pres, ctx(store, None, kb_max_age_s=0))
    from pydantic import ValidationError

    from verifier.settings import VerifierSettings

    assert VerifierSettings(home=tmp_path).verifier_kb_max_age == 300
    assert VerifierSettings(home=tmp_path, verifier_kb_max_age=60).verifier_kb_max_age == 60
    with pytest.raises(ValidationError):
        VerifierSettings(home=tmp_path, verifier_kb_max_age=0)


def test_presets_are_the_shared_dcql_presets():
    from credential import dcql

    assert presets.NAMES == tuple(dcql.PRESETS)
    for name in presets.NAMES:
        p = presets.get(name)
        assert p.dcql_query == dcql.PRESETS[name] and p.query == dcql.parse_query(dcql.PRESETS[name])
        assert p.paths == tuple(dcql.preferred_paths(p.credential_query))
    assert presets.get("ehic-care").vct == "urn:eudi:ehic:1" and presets.get("a1-coverage").query_id == "pda1"
    with pytest.raises(KeyError):
        presets.get("nope")
