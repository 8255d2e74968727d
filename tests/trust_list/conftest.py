"""Shared keys, certificates and list builders for the trust-list tests (all generated here)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography import x509

from credential.jose import SigningKey
from trust_list import certificates
from trust_list.model import (
    PUB_EAA,
    STATUS_NOTIFIED,
    SVC_PUBEAA_ISSUANCE,
    SVC_PUBEAA_REVOCATION,
    entity_document,
    list_document,
    service_document,
)
from trust_list.validation import sign_list

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86400
YEAR = 365 * DAY
OPERATOR = "European Commission ESSPASS Trust Scheme"
VCTS = ["urn:eudi:pda1:1", "urn:eudi:ehic:1"]


@dataclass
class Pki:
    op_key: SigningKey
    op_cert: x509.Certificate
    other_key: SigningKey
    other_cert: x509.Certificate  # same subject, not pinned
    ca_key: SigningKey
    ca: x509.Certificate
    cred_key: SigningKey
    cred: x509.Certificate
    status_key: SigningKey
    status: x509.Certificate
    ca2_key: SigningKey
    ca2: x509.Certificate
    cred2_key: SigningKey
    cred2: x509.Certificate


def _inst(name: str, country: str):
    ca_key, key, skey = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    ca = certificates.ca_certificate(ca_key, f"{name} CA", country=country, organization=name,
                          not_before=NOW - 2 * YEAR, not_after=NOW + 10 * YEAR)
    cred = certificates.end_entity_certificate(key, f"{name} signer", country=country, organization=name,
                                    ca_key=ca_key, ca_cert=ca, not_before=NOW - 2 * YEAR,
                                    not_after=NOW + 3 * YEAR)
    status = certificates.end_entity_certificate(skey, f"{name} status", country=country, organization=name,
                                      ca_key=ca_key, ca_cert=ca, not_before=NOW - 2 * YEAR,
                                      not_after=NOW + 3 * YEAR)
    return ca_key, ca, key, cred, skey, status


@pytest.fixture(scope="session")
def pki() -> Pki:
    op_key, other_key = SigningKey.generate(), SigningKey.generate()
    op_cert = certificates.operator_certificate(op_key, territory="EU", operator_name=OPERATOR,
                                     not_before=NOW - YEAR, not_after=NOW + 5 * YEAR)
    other = certificates.operator_certificate(other_key, territory="EU", operator_name=OPERATOR,
                                   not_before=NOW - YEAR, not_after=NOW + 5 * YEAR)
    ca_key, ca, key, cred, skey, status = _inst("Kela", "FI")
    ca2_key, ca2, key2, cred2, _, _ = _inst("Udbetaling Danmark", "DK")
    return Pki(op_key, op_cert, other_key, other, ca_key, ca, key, cred, skey, status, ca2_key, ca2,
               key2, cred2)


def pub_eaa_doc(pki: Pki, *, seq: int = 1, issue: int = NOW - DAY, next_update: int = NOW + 30 * DAY,
                start: int = NOW - YEAR, history: list | None = None, status: str = STATUS_NOTIFIED,
                vcts: list[str] | None = VCTS) -> dict:
    issuance = service_document("Kela issuance", SVC_PUBEAA_ISSUANCE, [certificates.der(pki.ca)], status=status,
                                starting_time=start, credential_types=vcts)
    revocation = service_document("Kela status", SVC_PUBEAA_REVOCATION, [certificates.der(pki.ca)],
                                  status=STATUS_NOTIFIED, starting_time=start)
    kela = entity_document("Kela", "FI", "https://www.kela.fi", [issuance, revocation])
    if history is not None:
        kela["TrustedEntityServices"][0]["ServiceHistory"] = history
    dk_issuance = service_document("UDK issuance", SVC_PUBEAA_ISSUANCE, [certificates.der(pki.ca2)],
                                   status=STATUS_NOTIFIED, starting_time=start, credential_types=VCTS)
    udk = entity_document("Udbetaling Danmark", "DK", "https://www.borger.dk", [dk_issuance])
    return list_document(PUB_EAA, OPERATOR, sequence_number=seq, issue_time=issue,
                         next_update=next_update, entities=[kela, udk])


def history_instance(pki: Pki, status: str, start: int, vcts: list[str] | None = VCTS) -> dict:
    info = service_document("Kela issuance", SVC_PUBEAA_ISSUANCE, [certificates.der(pki.ca)], status=status,
                            starting_time=start, credential_types=vcts)
    return info


def sign(pki: Pki, doc: dict, key: SigningKey | None = None, chain: list | None = None,
         signing_time: int | None = None) -> str:
    """JAdES as the operator signs (sigT = ListIssueDateTime); a document without a readable
    ListIssueDateTime (a negative test's) is signed at NOW - DAY."""
    try:
        return sign_list(doc, key or pki.op_key, chain or [pki.op_cert], signing_time)
    except ValueError:
        return sign_list(doc, key or pki.op_key, chain or [pki.op_cert], NOW - DAY)
