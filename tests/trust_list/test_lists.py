"""§2/§3: signing and validating lists; every list.* reason code exactly."""

from __future__ import annotations

import copy
import json

import pytest

from credential.jose import b64u_decode, b64u_encode, sign_compact
from credential.reasons import Rejected
from trust_list import certificates
from trust_list import reasons as R
from trust_list.model import PUB_EAA, STATUS_NOTIFIED, STATUS_WITHDRAWN, WRPAC, format_time
from trust_list.rollback import RollbackState
from trust_list.store import TrustStore, load_trusted_lists
from trust_list.validation import validate_list

from .conftest import DAY, NOW, OPERATOR, YEAR, history_instance, pub_eaa_doc, sign


def code_of(token, pki, now=NOW, state=None, anchors=None, list_type=PUB_EAA):
    try:
        validate_list(token, anchors if anchors is not None else [pki.op_cert], list_type, now, state)
    except Rejected as exc:
        return exc.code
    return None


def test_round_trip(pki):
    token = sign(pki, pub_eaa_doc(pki))
    v = validate_list(token, [pki.op_cert], PUB_EAA, NOW)
    assert v.sequence_number == 1
    assert [e.name for e in v.lote.entities] == ["Kela", "Udbetaling Danmark"]
    assert v.lote.entities[0].services[0].current.credential_types == ("urn:eudi:pda1:1", "urn:eudi:ehic:1")


def test_schema_file_is_package_data_with_jwk_ref_replaced():
    from trust_list.schema import lote_schema

    assert lote_schema()["definitions"]["PublicKeyValue"] == {"type": "object"}


def _resign_header(pki, token, **changes):
    h, p, _ = token.split(".")
    header = json.loads(b64u_decode(h))
    header.update(changes)
    header = {k: v for k, v in header.items() if v is not None}
    hb = b64u_encode(json.dumps(header).encode())
    signing_input = f"{hb}.{p}".encode()
    return f"{hb}.{p}.{b64u_encode(pki.op_key.sign(signing_input))}"


@pytest.mark.parametrize("change", [
    {"typ": "JWT"}, {"typ": None}, {"alg": "none"}, {"alg": "HS256"}, {"x5c": None},
    {"x5c": ["not base64!"]},
])
def test_list_signature_header_rules(pki, change):
    token = sign(pki, pub_eaa_doc(pki))
    assert code_of(_resign_header(pki, token, **change), pki) == "list.signature"


def test_tampered_payload_is_list_signature(pki):
    token = sign(pki, pub_eaa_doc(pki))
    h, p, s = token.split(".")
    doc = json.loads(b64u_decode(p))
    doc["LoTE"]["ListAndSchemeInformation"]["LoTESequenceNumber"] = 99
    assert code_of(f"{h}.{b64u_encode(json.dumps(doc).encode())}.{s}", pki) == "list.signature"
    assert code_of(token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"), pki) == "list.signature"
    assert code_of("not.a.jws", pki) == "list.signature"


def test_list_signer_not_pinned(pki):
    token = sign(pki, pub_eaa_doc(pki), pki.other_key, [pki.other_cert])
    assert code_of(token, pki) == "list.signer"
    assert code_of(sign(pki, pub_eaa_doc(pki)), pki, anchors=[]) == "list.signer"


def test_list_signer_chains_to_pinned_root(pki):
    from credential.jose import SigningKey

    root_key, signer_key = SigningKey.generate(), SigningKey.generate()
    root = certificates.ca_certificate(root_key, "Operator root", country="EU", organization=OPERATOR,
                            not_before=NOW - YEAR, not_after=NOW + 10 * YEAR)
    signer = certificates.operator_certificate(signer_key, territory="EU", operator_name=OPERATOR,
                                    not_before=NOW - YEAR, not_after=NOW + YEAR,
                                    issuer_key=root_key, issuer_cert=root)
    token = sign(pki, pub_eaa_doc(pki), signer_key, [signer, root])
    assert code_of(token, pki, anchors=[root]) is None
    assert code_of(token, pki, anchors=[pki.op_cert]) == "list.signer"


def test_list_signer_subject_must_match_operator(pki):
    from credential.jose import SigningKey

    key = SigningKey.generate()
    wrong_o = certificates.operator_certificate(key, territory="EU", operator_name="Someone Else",
                                     not_before=NOW - YEAR, not_after=NOW + YEAR)
    assert code_of(sign(pki, pub_eaa_doc(pki), key, [wrong_o]), pki, anchors=[wrong_o]) == "list.signer"
    no_ds = certificates.issue_certificate(certificates.name("x", country="EU", organization=OPERATOR), key, issuer_key=key,
                                issuer_cert=None, not_before=NOW - YEAR, not_after=NOW + YEAR,
                                digital_signature=False)
    assert code_of(sign(pki, pub_eaa_doc(pki), key, [no_ds]), pki, anchors=[no_ds]) == "list.signer"


def test_list_schema(pki):
    doc = pub_eaa_doc(pki)
    doc["LoTE"]["ListAndSchemeInformation"]["Unexpected"] = 1
    assert code_of(sign(pki, doc), pki) == "list.schema"
    doc = pub_eaa_doc(pki)
    del doc["LoTE"]["ListAndSchemeInformation"]["NextUpdate"]
    assert code_of(sign(pki, doc), pki) == "list.field.next_update"
    # right schema, wrong LoTEType for what the party expects
    assert code_of(sign(pki, pub_eaa_doc(pki)), pki, list_type=WRPAC) == "list.schema"
    doc = pub_eaa_doc(pki)
    doc["LoTE"]["ListAndSchemeInformation"]["ListIssueDateTime"] = "yesterday"
    assert code_of(sign(pki, doc), pki) == "list.field.issue_time"
    assert code_of(sign(pki, b"not json"), pki) == "list.schema"


def test_list_expired_and_boundaries(pki):
    token = sign(pki, pub_eaa_doc(pki, next_update=NOW + 10))
    assert code_of(token, pki, now=NOW + 9) is None
    assert code_of(token, pki, now=NOW + 10) == "list.expired"


def test_list_not_yet_valid(pki):
    assert code_of(sign(pki, pub_eaa_doc(pki, issue=NOW + 300)), pki) is None
    assert code_of(sign(pki, pub_eaa_doc(pki, issue=NOW + 301)), pki) == "list.not_yet_valid"


def test_list_next_update_too_far(pki):
    issue = 1_767_225_600  # 2026-01-01: six months later is 2026-07-01
    assert code_of(sign(pki, pub_eaa_doc(pki, issue=issue, next_update=1_782_864_000)), pki) is None
    assert code_of(sign(pki, pub_eaa_doc(pki, issue=issue, next_update=1_782_864_001)), pki) \
        == "list.next_update_too_far"


def test_list_history_rules(pki):
    ok = [history_instance(pki, STATUS_WITHDRAWN, NOW - 2 * YEAR + DAY),
          history_instance(pki, STATUS_NOTIFIED, NOW - 2 * YEAR)]
    assert code_of(sign(pki, pub_eaa_doc(pki, history=ok)), pki) is None
    assert code_of(sign(pki, pub_eaa_doc(pki, history=list(reversed(ok)))), pki) == "list.history"
    same = [history_instance(pki, STATUS_WITHDRAWN, NOW - 2 * YEAR),
            history_instance(pki, STATUS_NOTIFIED, NOW - 2 * YEAR)]
    assert code_of(sign(pki, pub_eaa_doc(pki, history=same)), pki) == "list.history"
    future = [history_instance(pki, STATUS_NOTIFIED, NOW)]  # later than ListIssueDateTime (NOW - DAY)
    assert code_of(sign(pki, pub_eaa_doc(pki, start=NOW + DAY, history=future)), pki) == "list.history"
    assert code_of(sign(pki, pub_eaa_doc(pki, start=NOW - DAY + 1)), pki) == "list.history"


def test_list_duplicate_key(pki):
    doc = pub_eaa_doc(pki)
    udk = doc["LoTE"]["TrustedEntitiesList"][1]["TrustedEntityServices"][0]["ServiceInformation"]
    udk["ServiceDigitalIdentity"]["X509Certificates"] = [{"val": certificates.x5c_of([pki.ca])[0]}]
    assert code_of(sign(pki, doc), pki) == "list.duplicate_key"


def test_rollback_and_equal_sequence_with_other_content(pki, tmp_path):
    state = RollbackState(tmp_path / "state")
    v2 = sign(pki, pub_eaa_doc(pki, seq=2))
    assert code_of(v2, pki, state=state) is None
    assert code_of(v2, pki, state=state) is None  # the same list again is fine
    assert code_of(sign(pki, pub_eaa_doc(pki, seq=1)), pki, state=state) == "list.rollback"
    other = sign(pki, pub_eaa_doc(pki, seq=2, vcts=["urn:eudi:pda1:1"]))
    assert code_of(other, pki, state=state) == "list.rollback"
    # persisted: a new process with the same state directory remembers
    fresh = RollbackState(tmp_path / "state")
    assert code_of(sign(pki, pub_eaa_doc(pki, seq=1)), pki, state=fresh) == "list.rollback"
    assert code_of(sign(pki, pub_eaa_doc(pki, seq=3)), pki, state=fresh) is None
    assert fresh.get(f"EU:{OPERATOR}", PUB_EAA).sequence_number == 3
    assert not [p for p in (tmp_path / "state").iterdir() if p.name.endswith(".tmp")]


def test_unavailable_when_never_valid(pki):
    store = load_trusted_lists({PUB_EAA: "garbage"}, [pki.op_cert], NOW)
    with pytest.raises(Rejected) as exc:
        store.require(PUB_EAA, NOW)
    assert exc.value.code == "list.unavailable"
    with pytest.raises(Rejected) as exc:
        TrustStore(anchors={}).require(WRPAC, NOW)
    assert exc.value.code == "list.unavailable"


def test_stale_list_replaced_by_bad_one_keeps_old_in_force(pki):
    store = TrustStore(anchors={PUB_EAA: [pki.op_cert]})
    store.update(PUB_EAA, sign(pki, pub_eaa_doc(pki, seq=5, next_update=NOW + 10 * DAY)), NOW)
    bad = sign(pki, pub_eaa_doc(pki, seq=6), pki.other_key, [pki.other_cert])
    with pytest.raises(Rejected) as exc:
        store.update(PUB_EAA, bad, NOW + 9 * DAY)
    assert exc.value.code == "list.signer"
    assert store.require(PUB_EAA, NOW + 9 * DAY).sequence_number == 5
    assert store.age(PUB_EAA, NOW + 9 * DAY) == 10 * DAY
    with pytest.raises(Rejected) as exc:
        store.require(PUB_EAA, NOW + 10 * DAY)
    assert exc.value.code == "list.expired"


def test_every_reason_has_english_and_danish():
    for reason in R.LIST_REASONS + R.ISSUER_REASONS + R.RP_REASONS:
        assert reason.en and reason.da and reason.en != reason.da
    assert {r.code for r in R.LIST_REASONS} == {  # every code of profile v1 is kept (v2 only adds)
        "list.signature", "list.signer", "list.schema", "list.expired", "list.not_yet_valid",
        "list.next_update_too_far", "list.rollback", "list.history", "list.duplicate_key",
        "list.unavailable",
        "list.crit", "list.signing_time", "list.signer_digest",
        "list.field.version", "list.field.sequence_number", "list.field.operator_name",
        "list.field.operator_address", "list.field.scheme_name", "list.field.scheme_information_uri",
        "list.field.status_determination", "list.field.community_rules", "list.field.territory",
        "list.field.historical_period", "list.field.issue_time", "list.field.next_update"}


def test_format_time_round_trip():
    from trust_list.model import parse_time

    assert parse_time(format_time(NOW)) == NOW
    assert parse_time("2026-01-01T01:00:00+01:00") == NOW
