"""The core's typed, staged verification report (credential.report, credential.verification; issue 10 item 1).

The trust anchor here is a plain class with one key, not a trust store: trust is a protocol. Each test checks which
stages passed, which failed and which were not reached, and that a failure is exactly one failed check."""

from __future__ import annotations

import datetime as dt

import pytest

from credential import jose, sd_jwt, sd_jwt_vc, status_list
from credential.dcql import PRESETS, parse_query
from credential.reasons import Rejected
from credential.report import FAILED, INDETERMINATE, PASSED, STAGES, Kind, Stage
from credential.types import get_type, sample_claims
from credential.verification import ISSUER_LIST, OK_ISSUER, FetchedStatus, KeyBinding, verify_presentation

NOW = 1_800_000_000
A1 = "urn:eudi:pda1:1"


class OneIssuer:
    """An IssuerTrust that trusts one key for credentials and status lists (or says the list is unavailable)."""

    entity_name = "Test institution"
    evidence = {"trust_list_sequence_number": 7, "trust_list_issued": 1_700_000_000,
                "trust_list_next_update": 1_900_000_000}

    def __init__(self, key: jose.SigningKey, *, list_available: bool = True) -> None:
        self.key, self.available = key, list_available

    @property
    def signing_key(self):
        return self.key.public_key()

    def issuer(self, header, vct, at, now):
        if not self.available:
            raise Rejected(ISSUER_LIST, "list.expired")
        return self

    def status_signer(self, header, issuer, at, now):
        return self.key.public_key()


@pytest.fixture(scope="module")
def keys():
    return jose.SigningKey.generate(), jose.SigningKey.generate()


def _credential(issuer_key, holder_key, *, exp=NOW + 3600, status=None, vct=A1):
    return sd_jwt_vc.issue_vc(sample_claims("pda1"), issuer_key, vct=vct, iat=NOW - 60, exp=exp,
                              sd_paths=get_type("pda1").sd_layout,
                              holder_jwk=holder_key.public_jwk(), status=status).serialize()


def _present(cred, holder_key, *, nonce="n-1", iat=NOW):
    return sd_jwt.present(cred, [(k,) for k in sample_claims("pda1")], holder_key=holder_key, nonce=nonce,
                          aud="x509_hash:aud", iat=iat)


KB = KeyBinding(required=True, nonce="n-1", aud="x509_hash:aud")


def _stages_after(stage):
    return STAGES[STAGES.index(stage) + 1:]


def test_a_good_presentation_passes_every_stage_with_evidence(keys):
    issuer_key, holder_key = keys
    query = parse_query(PRESETS["a1-inspection"])
    report = verify_presentation(_present(_credential(issuer_key, holder_key), holder_key),
                                 trust=OneIssuer(issuer_key), now=NOW, key_binding=KB, request=query,
                                 inspection_date=dt.date(2027, 1, 15))
    assert report.result == PASSED and report.stopped_at is None
    assert all(report.stage(s) is Kind.PASSED for s in STAGES[:7]), report.stages()
    assert report.stage(Stage.STATUS) is Kind.PASSED  # no status reference: status.not_provided passes
    trust = next(c for c in report.checks if c.reason is OK_ISSUER)
    assert trust.stage is Stage.TRUST and trust.evidence == {"issuer": "Test institution", **OneIssuer.evidence}
    kb = next(c for c in report.checks if c.stage is Stage.KEY_BINDING)
    assert kb.code == "kb.valid" and kb.evidence == {"iat": NOW}


@pytest.mark.parametrize("garbage", ["", "no separator", "a" * 2_000_000, "~" * 5000, "x.y.z~"])
def test_hostile_input_ends_fast_with_one_failed_check_and_nothing_else_reached(keys, garbage):
    report = verify_presentation(garbage, trust=OneIssuer(keys[0]), now=NOW, key_binding=KB)
    assert report.result == FAILED
    assert len(report.checks) == 1 and report.checks[0].kind is Kind.FAILED
    assert report.stopped_at is Stage.BEFORE_SIGNATURE
    assert all(report.stage(s) is Kind.NOT_REACHED for s in _stages_after(Stage.BEFORE_SIGNATURE))


def test_a_forged_signature_stops_at_the_signature_after_trust_passed(keys):
    issuer_key, holder_key = keys
    other = jose.SigningKey.generate()
    report = verify_presentation(_present(_credential(other, holder_key), holder_key), trust=OneIssuer(issuer_key),
                                 now=NOW, key_binding=KB)
    assert report.codes == ["issuer.trusted", "sd.signature"] and report.result == FAILED
    assert report.stage(Stage.TRUST) is Kind.PASSED and report.stage(Stage.SIGNATURE) is Kind.FAILED
    assert all(report.stage(s) is Kind.NOT_REACHED for s in _stages_after(Stage.SIGNATURE))


def test_an_expired_credential_stops_at_the_times_and_still_shows_the_technical_layer(keys):
    issuer_key, holder_key = keys
    report = verify_presentation(_present(_credential(issuer_key, holder_key, exp=NOW - 3600), holder_key),
                                 trust=OneIssuer(issuer_key), now=NOW, key_binding=KB)
    assert report.codes == ["issuer.trusted", "sd.intact", "sd.expired"]
    assert report.stopped_at is Stage.TIMES and report.stage(Stage.DISCLOSURES) is Kind.PASSED
    assert report.stage(Stage.KEY_BINDING) is Kind.NOT_REACHED
    assert report.validity["technical"]["status"] == "expired"


def test_a_replayed_proof_stops_at_key_binding(keys):
    issuer_key, holder_key = keys
    report = verify_presentation(_present(_credential(issuer_key, holder_key), holder_key, nonce="other"),
                                 trust=OneIssuer(issuer_key), now=NOW, key_binding=KB)
    assert report.failed() == report.failed(sd_jwt.R_KB_NONCE) and len(report.failed()) == 1
    assert report.stopped_at is Stage.KEY_BINDING and report.stage(Stage.VC_RULES) is Kind.NOT_REACHED


def test_a_list_that_cannot_be_had_is_could_not_check_never_failed(keys):
    issuer_key, holder_key = keys
    report = verify_presentation(_present(_credential(issuer_key, holder_key), holder_key),
                                 trust=OneIssuer(issuer_key, list_available=False), now=NOW, key_binding=KB)
    assert report.result == INDETERMINATE and report.codes == ["issuer.list_unavailable"]
    assert report.stage(Stage.TRUST) is Kind.COULD_NOT_CHECK
    assert report.stage(Stage.SIGNATURE) is Kind.NOT_REACHED


def test_status_evidence_names_the_list_age_and_a_missing_token_is_could_not_check(keys):
    issuer_key, holder_key = keys
    uri = "https://status.example/1"
    cred = _credential(issuer_key, holder_key, status=sd_jwt_vc.StatusRef(7, uri))
    token = status_list.create_status_list_token(status_list.StatusList.new(64, 1), sub=uri, iat=NOW - 90,
                                                 exp=NOW + 3600, ttl=300, key=issuer_key)
    pres = _present(cred, holder_key)
    report = verify_presentation(pres, trust=OneIssuer(issuer_key), now=NOW, key_binding=KB,
                                 status=lambda u, n: FetchedStatus(token, NOW - 30) if u == uri else None)
    check = next(c for c in report.checks if c.stage is Stage.STATUS)
    assert check.code == "status.valid" and check.evidence == {"uri": uri, "idx": 7, "age_s": 90, "fetched_age_s": 30,
                                                          "status_list_iat": NOW - 90, "status_list_exp": NOW + 3600,
                                                          "status_list_fetched_at": NOW - 30}
    missing = verify_presentation(pres, trust=OneIssuer(issuer_key), now=NOW, key_binding=KB)
    assert missing.result == INDETERMINATE and missing.stage(Stage.STATUS) is Kind.COULD_NOT_CHECK
    assert missing.stage(Stage.VALIDITY) is Kind.PASSED  # the status did not stop the other stages


def test_key_binding_policy_is_checked_where_it_is_made():
    with pytest.raises(ValueError):
        KeyBinding(required=True, nonce=None, aud="a")
    with pytest.raises(ValueError):
        KeyBinding(required=False, max_age_s=0)


def test_an_unknown_kind_of_check_reaches_no_stage():
    from trust_list.store import TrustStore
    from verifier.policy import VerificationContext, verify_presentation as decide

    d = decide("x~", VerificationContext(TrustStore(anchors={}), NOW, preset="no-such-preset", nonce="n", aud="a"))
    assert d.result == FAILED and d.codes == ["request.unknown_preset"]
    assert d.report.stage(Stage.REQUEST) is Kind.FAILED
    assert all(d.report.stage(s) is Kind.NOT_REACHED for s in STAGES if s is not Stage.REQUEST)
