"""Signing and validating a list (docs/trust-lists-profile.md §2, §3; profile v2).

``sign_list`` makes a compact JAdES baseline B signature (ETSI TS 119 182-1, see :mod:`trust_list.jades`);
``validate_list`` accepts that and the plain compact JWS of profile v1 (lists already published), checks
in the order below and raises :class:`credential.reasons.Rejected` with exactly one §3 code:

1. ``list.signature`` – header (§2: alg ES256/384/512, typ ``trustlist+jwt``, x5c) and the signature
   under ``x5c[0]``; then the JAdES header: ``list.crit`` (a ``crit`` naming what we do not process, a
   JAdES parameter outside ``crit``), ``list.signing_time`` (``sigT`` malformed), ``list.signer_digest``
   (``x5t#S256`` missing in the JAdES form, or not the digest of ``x5c[0]``);
2. ``list.signer`` – ``x5c[0]`` is, or chains at ``now`` to, a pinned operator certificate, has
   KeyUsage digitalSignature (and, once the payload is read, subject C/O equal SchemeTerritory and
   the first English SchemeOperatorName);
3. ``list.schema`` – the payload is a JSON object with the expected LoTEType; then ``list.field.*`` –
   each required ListAndSchemeInformation field of the EU profile present with the profile's value
   (:mod:`trust_list.profiles`; a v1 list may lack the fields v2 added); then ``list.schema`` again
   for the JSON Schema of TS 119 602 and the profile's service rules (service types of that list,
   status URIs and times where the profile has a status, none where it has not);
4. ``list.not_yet_valid``, ``list.signing_time`` (``sigT`` later than now + 5 minutes),
   ``list.expired``, ``list.next_update_too_far`` – times;
5. ``list.history`` – each service's states (current, then ServiceHistory) strictly newest first,
   none after ListIssueDateTime;
6. ``list.duplicate_key`` – one public key in two services of the same type;
7. ``list.rollback`` – against the party's state, which an accepted list then updates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credential.jose import JoseError, SigningKey, parse_compact, sign_compact, verify_signature

from . import reasons as R
from .certificates import certificates_from_x5c, x5c_of
from .jades import check_jades_header, jades_header
from .model import Lote, add_months, parse_lote, parse_time
from .profiles import MAX_SEQUENCE_NUMBER, PROFILES, ListProfile, field_problem  # noqa: F401 (MAX_SEQUENCE_NUMBER: re-exported)
from .paths import PathError, build_path, signs_digitally
from .rollback import AcceptedList, RollbackState, RollbackStateError, is_rollback
from .schema import schema_errors

LIST_TYP = "trustlist+jwt"
MAX_LIST_BYTES = 4 * 1024 * 1024
CLOCK_SKEW = 300  # §3 list.not_yet_valid: "more than 5 minutes in the future"
MAX_VALIDITY_MONTHS = 6


@dataclass(frozen=True, slots=True)
class ValidatedList:
    """A list that passed every check of §3."""

    lote: Lote
    token: str
    signer: x509.Certificate
    operator: str  # rollback key part: "<SchemeTerritory>:<first English SchemeOperatorName>"
    content_sha256: str
    signing_time: int | None = None  # JAdES sigT; None for a profile v1 (plain JWS) list

    @property
    def sequence_number(self) -> int:
        return self.lote.sequence_number

    @property
    def list_type(self) -> str:
        return self.lote.list_type


def sign_list(document: dict[str, Any] | bytes, key: SigningKey, chain: list[x509.Certificate],
              signing_time: int | None = None) -> str:
    """§2: compact JAdES baseline B – typ ``trustlist+jwt``, x5c = [signer, intermediates...],
    ``x5t#S256`` of the signer, ``sigT`` and ``crit: ["sigT"]``.

    ``signing_time`` defaults to the document's ListIssueDateTime: the operator signs when it issues."""
    if signing_time is None:
        try:
            signing_time = parse_time(document["LoTE"]["ListAndSchemeInformation"]["ListIssueDateTime"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            raise ValueError("give signing_time: the document has no readable ListIssueDateTime") from None
    return sign_compact(jades_header(LIST_TYP, x5c_of(chain), _der(chain[0]), signing_time), document, key)


def content_digest(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _subject_value(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    attrs = cert.subject.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else None


def _check_header_and_signature(token: str) -> tuple[Any, list[x509.Certificate], int | None]:
    if not isinstance(token, str) or len(token) > MAX_LIST_BYTES:
        raise R.Rejected(R.LIST_SIGNATURE, "token missing or too large")
    try:
        jws = parse_compact(token.strip(), max_bytes=MAX_LIST_BYTES)
    except (JoseError, UnicodeError, ValueError) as exc:
        raise R.Rejected(R.LIST_SIGNATURE, f"malformed JWS: {exc}") from None
    header = jws.header
    if header.get("typ") != LIST_TYP:
        raise R.Rejected(R.LIST_SIGNATURE, "typ is not trustlist+jwt")
    try:
        chain = certificates_from_x5c(header.get("x5c"))
    except ValueError as exc:
        raise R.Rejected(R.LIST_SIGNATURE, f"x5c: {exc}") from None
    try:
        key = chain[0].public_key()  # parsed lazily: a mangled key raises here
    except ValueError as exc:
        raise R.Rejected(R.LIST_SIGNATURE, f"x5c[0] key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not verify_signature(jws, key):
        raise R.Rejected(R.LIST_SIGNATURE, "signature does not verify under x5c[0]")
    return jws, chain, check_jades_header(header, _der(chain[0]))


def _check_signer(chain: list[x509.Certificate], anchors: list[x509.Certificate], now: int) -> None:
    if not anchors:
        raise R.Rejected(R.LIST_SIGNER, "no pinned operator certificate for this list type")
    if not signs_digitally(chain[0]):
        raise R.Rejected(R.LIST_SIGNER, "signer KeyUsage lacks digitalSignature")
    try:
        build_path(chain[0], chain[1:], anchors, now)
    except PathError as exc:
        raise R.Rejected(R.LIST_SIGNER, f"no path to a pinned certificate: {exc}") from None


def _profile_errors(lote: Lote, profile: ListProfile) -> str | None:
    """The profile's service rules (TS 119 602 clauses 6.6.1, 6.6.4, 6.6.5 as Annexes E–H fix them)."""
    allowed = profile.service_types
    for entity in lote.entities:
        for service in entity.services:
            if service.service_type not in allowed:
                return f"service type {service.service_type!r} not allowed on this list"
            for record in service.history:
                if record.service_type not in allowed:
                    return "history service type not allowed on this list"
            for record in service.records():
                if profile.has_status:
                    if record.status not in profile.service_statuses:
                        return "service without a known ServiceStatus"
                    if record.starting_time is None:
                        return "service without StatusStartingTime"
                elif record.status is not None:
                    return "ServiceStatus is not used on this list"
            if not service.current.certificates:
                return "service without X509Certificates"
    return None


def _parse_payload(payload_bytes: bytes, expected_type: str, v2: bool) -> tuple[Any, Lote]:
    try:
        document = json.loads(payload_bytes.decode("utf-8"))
    except (UnicodeError, ValueError, RecursionError):
        raise R.Rejected(R.LIST_SCHEMA, "payload is not UTF-8 JSON") from None
    profile = PROFILES.get(expected_type)
    if profile is None:
        raise R.Rejected(R.LIST_SCHEMA, "unknown expected LoTEType")
    lote_obj = document.get("LoTE") if isinstance(document, dict) else None
    info = lote_obj.get("ListAndSchemeInformation") if isinstance(lote_obj, dict) else None
    if not isinstance(info, dict):
        raise R.Rejected(R.LIST_SCHEMA, "no LoTE.ListAndSchemeInformation object")
    if info.get("LoTEType") != expected_type:
        raise R.Rejected(R.LIST_SCHEMA, "LoTEType is not the expected one")
    problem = field_problem(info, profile, v2=v2)
    if problem:
        raise R.Rejected(*problem)
    errors = schema_errors(document)
    if errors:
        raise R.Rejected(R.LIST_SCHEMA, errors[0])
    try:
        lote = parse_lote(document)
        for entity in lote.entities:
            for service in entity.services:
                for record in service.records():
                    for der_bytes in record.certificates:
                        x509.load_der_x509_certificate(der_bytes)
    except (ValueError, KeyError, TypeError) as exc:
        raise R.Rejected(R.LIST_SCHEMA, f"malformed value: {type(exc).__name__}: {exc}") from None
    problem_text = _profile_errors(lote, profile)
    if problem_text:
        raise R.Rejected(R.LIST_SCHEMA, problem_text)
    return document, lote


def _check_history(lote: Lote) -> None:
    for entity in lote.entities:
        for service in entity.services:
            times = [r.starting_time for r in service.records() if r.starting_time is not None]
            if any(t > lote.issue_time for t in times):
                raise R.Rejected(R.LIST_HISTORY, f"{entity.name}: StatusStartingTime after ListIssueDateTime")
            if service.history and any(r.starting_time is None for r in service.records()):
                raise R.Rejected(R.LIST_HISTORY, f"{entity.name}: history without StatusStartingTime")
            if any(a <= b for a, b in zip(times, times[1:])):
                raise R.Rejected(R.LIST_HISTORY, f"{entity.name}: history not strictly newest first")


def _check_duplicate_keys(lote: Lote) -> None:
    seen: dict[tuple[str | None, bytes], int] = {}
    index = 0
    for entity in lote.entities:
        for service in entity.services:
            index += 1
            keys = set()
            for der_bytes in service.current.certificates:
                try:
                    cert = x509.load_der_x509_certificate(der_bytes)
                    keys.add(cert.public_key().public_bytes(
                        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
                except ValueError as exc:  # a listed certificate nobody can use
                    raise R.Rejected(R.LIST_SCHEMA, f"{entity.name}: unreadable certificate: {exc}") from None
            for spki in keys:
                owner = seen.setdefault((service.service_type, spki), index)
                if owner != index:
                    raise R.Rejected(R.LIST_DUPLICATE_KEY, f"{entity.name}: key already listed")


def validate_list(
    token: str,
    anchors: list[x509.Certificate],
    expected_type: str,
    now: int,
    state: RollbackState | None = None,
    *,
    accept_plain_jws: bool = True,
) -> ValidatedList:
    """Every check of §3 at time ``now``; with ``state``, rollback is checked and then recorded.

    ``accept_plain_jws``: a profile v1 list (plain JWS, no ``sigT``) is accepted (with v1's field
    rules); a party that has seen its operator move to v2 may turn this off."""
    jws, chain, signing_time = _check_header_and_signature(token)
    if signing_time is None and not accept_plain_jws:
        raise R.Rejected(R.LIST_SIGNING_TIME, "not a JAdES signature (no sigT) and plain JWS lists are refused")
    _check_signer(chain, anchors, now)
    document, lote = _parse_payload(jws.payload_bytes, expected_type, v2=signing_time is not None)
    signer = chain[0]
    if (_subject_value(signer, NameOID.COUNTRY_NAME) != lote.territory
            or _subject_value(signer, NameOID.ORGANIZATION_NAME) != lote.operator_name):
        raise R.Rejected(R.LIST_SIGNER, "signer subject C/O differ from SchemeTerritory/SchemeOperatorName")
    if lote.issue_time > now + CLOCK_SKEW:
        raise R.Rejected(R.LIST_NOT_YET_VALID, "ListIssueDateTime is in the future")
    if signing_time is not None and signing_time > now + CLOCK_SKEW:
        raise R.Rejected(R.LIST_SIGNING_TIME, "sigT is more than five minutes in the future")
    if now >= lote.next_update:
        raise R.Rejected(R.LIST_EXPIRED, "NextUpdate has passed")
    if lote.next_update > add_months(lote.issue_time, MAX_VALIDITY_MONTHS):
        raise R.Rejected(R.LIST_NEXT_UPDATE_TOO_FAR, "NextUpdate more than six months after issue")
    _check_history(lote)
    _check_duplicate_keys(lote)
    operator = f"{lote.territory}:{lote.operator_name}"
    digest = content_digest(document)
    if state is not None:
        try:
            previous = state.get(operator, expected_type)
        except RollbackStateError as exc:  # cannot tell whether this is a rollback: fail closed
            raise R.Rejected(R.LIST_ROLLBACK, str(exc)) from None
        if is_rollback(previous, lote.sequence_number, digest):
            raise R.Rejected(
                R.LIST_ROLLBACK,
                f"sequence {lote.sequence_number} vs accepted {previous.sequence_number if previous else None}",
            )
        state.record(AcceptedList(operator, expected_type, lote.sequence_number, digest, now, token.strip()))
    return ValidatedList(lote, token.strip(), signer, operator, digest, signing_time)
