"""§4: is this issuer trusted for this vct at time T? Status at signing time from the history."""

from __future__ import annotations

import pytest

from credential.reasons import Rejected
from trust_list import certificates
from trust_list.issuers import check_issuer, check_status_signer
from trust_list.model import PUB_EAA, STATUS_NOTIFIED, STATUS_WITHDRAWN
from trust_list.operator import add_service, notify_service, update_service, withdraw_service
from trust_list.store import TrustStore

from .conftest import DAY, NOW, YEAR, pub_eaa_doc, sign

PDA1 = "urn:eudi:pda1:1"


def store_of(pki, doc) -> TrustStore:
    store = TrustStore(anchors={PUB_EAA: [pki.op_cert]})
    store.update(PUB_EAA, sign(pki, doc), NOW)
    return store


def code(store, ref, vct=PDA1, at=NOW - DAY, now=NOW):
    try:
        return check_issuer(store, ref, vct, at, now).entity_name
    except Rejected as exc:
        return exc.code


def test_trusted_issuer_x5c_strings_and_certificates(pki):
    store = store_of(pki, pub_eaa_doc(pki))
    assert code(store, certificates.x5c_of([pki.cred, pki.ca])) == "Kela"
    assert code(store, [pki.cred]) == "Kela"  # path built from the listed CA without the intermediate
    assert code(store, certificates.x5c_of([pki.cred2])) == "Udbetaling Danmark"


def test_untrusted(pki):
    from credential.jose import SigningKey

    store = store_of(pki, pub_eaa_doc(pki))
    key = SigningKey.generate()
    stranger = certificates.end_entity_certificate(key, "x", country="FI", organization="x", ca_key=key,
                                        ca_cert=certificates.ca_certificate(key, "x", country="FI", organization="x",
                                                                 not_before=NOW - YEAR, not_after=NOW + YEAR),
                                        not_before=NOW - YEAR, not_after=NOW + YEAR)
    assert code(store, [stranger]) == "issuer.untrusted"
    assert code(store, "bm90LWEtaGFzaA") == "issuer.untrusted"  # unknown x5t#S256
    assert code(store, [pki.cred], at=NOW - 3 * YEAR) == "issuer.untrusted"  # certificate not valid at T


def test_leaf_expired_at_verification_time_is_untrusted(pki):
    """§4 step 1: the path is validated at T, and the leaf's expiry at verification time."""
    from credential.jose import SigningKey

    store = store_of(pki, pub_eaa_doc(pki))  # list valid until NOW + 30 days
    key = SigningKey.generate()
    short = certificates.end_entity_certificate(key, "Kela short-lived signer", country="FI", organization="Kela",
                                     ca_key=pki.ca_key, ca_cert=pki.ca, not_before=NOW - 2 * DAY,
                                     not_after=NOW + DAY)
    signed_at = NOW - DAY  # the leaf was valid at T
    assert code(store, [short, pki.ca], at=signed_at, now=NOW) == "Kela"  # still valid now: trusted
    assert code(store, [short, pki.ca], at=signed_at, now=NOW + 2 * DAY) == "issuer.untrusted"
    assert code(store, certificates.x5t_s256(short), at=signed_at, now=NOW + 2 * DAY) == "issuer.untrusted"  # known, expired


def test_x5t_s256_of_listed_and_of_known_certificate(pki):
    store = store_of(pki, pub_eaa_doc(pki))
    assert code(store, certificates.x5t_s256(pki.cred)) == "issuer.untrusted"  # not yet seen
    assert code(store, certificates.x5c_of([pki.cred])) == "Kela"  # now known from a validated x5c
    assert code(store, certificates.x5t_s256(pki.cred)) == "Kela"


def test_type_not_allowed_and_missing_extension(pki):
    assert code(store_of(pki, pub_eaa_doc(pki, vcts=["urn:eudi:ehic:1"])), [pki.cred]) == "issuer.type_not_allowed"
    assert code(store_of(pki, pub_eaa_doc(pki, vcts=None)), [pki.cred]) == "issuer.type_not_allowed"


def _kela_doc_with_changes(pki, changes):
    """Start from a list where Kela issuance was notified at NOW - YEAR, then apply operator changes."""
    doc = pub_eaa_doc(pki)
    for fn, at in changes:
        doc = fn(doc, "Kela", "Kela issuance", at)
    doc["LoTE"]["ListAndSchemeInformation"]["ListIssueDateTime"] = "2026-01-01T00:00:00Z"
    return doc


def test_withdrawn_after_signing_is_withdrawn_now(pki):
    store = store_of(pki, _kela_doc_with_changes(pki, [(withdraw_service, NOW - 10 * DAY)]))
    assert code(store, [pki.cred], at=NOW - 20 * DAY) == "issuer.withdrawn"


def test_withdrawn_before_signing(pki):
    store = store_of(pki, _kela_doc_with_changes(pki, [(withdraw_service, NOW - 10 * DAY)]))
    assert code(store, [pki.cred], at=NOW - 5 * DAY) == "issuer.withdrawn_at_signing"


def test_renotified_service(pki):
    doc = _kela_doc_with_changes(pki, [(withdraw_service, NOW - 10 * DAY), (notify_service, NOW - 2 * DAY)])
    store = store_of(pki, doc)
    assert code(store, [pki.cred], at=NOW - 20 * DAY) == "Kela"  # notified at T, notified now
    assert code(store, [pki.cred], at=NOW - 5 * DAY) == "issuer.withdrawn_at_signing"
    assert code(store, [pki.cred], at=NOW - DAY) == "Kela"
    assert code(store, [pki.cred], at=NOW - YEAR - DAY) == "issuer.not_yet_listed"


def test_not_yet_listed(pki):
    store = store_of(pki, pub_eaa_doc(pki, start=NOW - 10 * DAY))
    assert code(store, [pki.cred], at=NOW - 20 * DAY) == "issuer.not_yet_listed"


def test_changes_are_never_retroactive(pki):
    from trust_list.operator import OperatorError

    with pytest.raises(OperatorError):
        withdraw_service(pub_eaa_doc(pki), "Kela", "Kela issuance", NOW - 2 * YEAR)


def test_key_rollover_keeps_old_credentials(pki):
    """A certificate change moves the old identity into history; credentials signed before stay valid."""
    doc = update_service(pub_eaa_doc(pki), "Kela", "Kela issuance", NOW - 10 * DAY, certificates=[pki.cred2])
    # the new identity would duplicate UDK's key otherwise: drop UDK for this test
    doc["LoTE"]["TrustedEntitiesList"] = doc["LoTE"]["TrustedEntitiesList"][:1]
    store = store_of(pki, doc)
    assert code(store, [pki.cred], at=NOW - 20 * DAY) == "Kela"
    assert code(store, [pki.cred], at=NOW - 5 * DAY) == "issuer.not_yet_listed"


def test_status_signer_same_entity_only(pki):
    store = store_of(pki, pub_eaa_doc(pki))
    trust = check_issuer(store, [pki.cred], PDA1, NOW - DAY, NOW)
    assert check_status_signer(store, {"x5c": certificates.x5c_of([pki.status])}, trust, NOW, NOW).entity_name == "Kela"
    with pytest.raises(Rejected) as exc:  # UDK has no Revocation service here
        check_status_signer(store, {"x5c": certificates.x5c_of([pki.status])}, "Udbetaling Danmark", NOW, NOW)
    assert exc.value.code == "issuer.untrusted"


def test_list_unavailable_or_expired(pki):
    with pytest.raises(Rejected) as exc:
        check_issuer(TrustStore(anchors={}), [pki.cred], PDA1, NOW, NOW)
    assert exc.value.code == "list.unavailable"
    store = store_of(pki, pub_eaa_doc(pki))
    with pytest.raises(Rejected) as exc:
        check_issuer(store, [pki.cred], PDA1, NOW, NOW + 31 * DAY)
    assert exc.value.code == "list.expired"


def test_add_service_on_draft(pki):
    doc = pub_eaa_doc(pki)
    doc = add_service(doc, "Udbetaling Danmark", "UDK status", "http://uri.etsi.org/19602/SvcType/PubEAA/Revocation",
                      [pki.ca2], NOW - 2 * DAY)
    svc = doc["LoTE"]["TrustedEntitiesList"][1]["TrustedEntityServices"][1]["ServiceInformation"]
    assert svc["ServiceStatus"] == STATUS_NOTIFIED
    assert STATUS_WITHDRAWN != STATUS_NOTIFIED
