"""The JAdES baseline B protected header of a signed list (ETSI TS 119 182-1; docs/trust-lists-profile.md §2).

TS 119 602 signs a JSON LoTE as a compact JAdES baseline B signature. Our header:

- ``alg`` (ES256/384/512), ``typ`` ``trustlist+jwt``, ``x5c`` [signer, intermediates] as in profile v1;
- ``x5t#S256``: base64url SHA-256 of the DER signing certificate — the signing-certificate reference a
  JAdES-B-B signature carries in its protected header (TS 119 182-1 clause 5.1, the RFC 7515 §4.1.8
  parameter; clause 6, Table 1 requires a signing-certificate reference);
- ``sigT``: the claimed signing time, ``YYYY-MM-DDThh:mm:ssZ`` (TS 119 182-1 clause 5.2.1);
- ``crit`` = ``["sigT"]``: every JAdES-defined header parameter in the protected header is listed in
  ``crit`` (TS 119 182-1 clause 5.1, crit; RFC 7515 §4.1.11 forbids listing RFC 7515 names, so
  ``x5t#S256`` and ``x5c`` are not in it).

A verifier processes ``sigT`` and nothing else JAdES defines, so (RFC 7515 §4.1.11: a ``crit`` name the
recipient does not understand makes the JWS invalid) a ``crit`` naming anything else is rejected, and
so is a JAdES parameter left out of ``crit``. A header with neither ``sigT`` nor ``crit`` is the plain
JWS of profile v1, accepted so that lists already published keep validating.

Clause numbers are TS 119 182-1's as EU DSS and implementers cite them (the ETSI PDF was not in our
reference store; docs/trust-lists-profile.md, "Sources").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from credential.jose import b64u_encode

from . import reasons as R

SIG_T = "sigT"
X5T_S256 = "x5t#S256"
PROCESSED_CRITICAL = frozenset({SIG_T})
# JAdES-defined protected header parameters (TS 119 182-1 clause 5.2) – all must be in crit when present
JADES_PARAMETERS = frozenset({
    "sigT", "x5t#o", "sigX5ts", "srCms", "sigPl", "srAts", "adoTst", "sigPId", "sigD",
})
MAX_CRIT = 16
_SIG_T_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def format_sig_t(t: int) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_sig_t(value: Any) -> int:
    """``sigT`` -> Unix seconds; ValueError unless exactly ``YYYY-MM-DDThh:mm:ssZ`` and a real instant."""
    if not isinstance(value, str) or not _SIG_T_FORMAT.fullmatch(value) or value < "1970":
        raise ValueError("sigT is not YYYY-MM-DDThh:mm:ssZ (from 1970 on)")
    return int(dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def cert_digest(signer_der: bytes) -> str:
    return b64u_encode(hashlib.sha256(signer_der).digest())


def jades_header(typ: str, x5c: list[str], signer_der: bytes, signing_time: int) -> dict[str, Any]:
    """The protected header (without ``alg``, which the signer adds)."""
    return {"typ": typ, "x5c": x5c, X5T_S256: cert_digest(signer_der), SIG_T: format_sig_t(signing_time),
            "crit": [SIG_T]}


def check_jades_header(header: dict[str, Any], signer_der: bytes) -> int | None:
    """The header's claimed signing time (None for a v1 header), after the checks of the module text.

    Raises Rejected ``list.crit``, ``list.signing_time`` or ``list.signer_digest``. Whether ``sigT`` lies
    in the future is a matter of ``now``, checked by the caller with the other times."""
    crit = header.get("crit")
    if "crit" in header:
        if not isinstance(crit, list) or not crit or len(crit) > MAX_CRIT:
            raise R.Rejected(R.LIST_CRIT, "crit is not a non-empty list")
        if not all(isinstance(name, str) for name in crit) or len(set(crit)) != len(crit):
            raise R.Rejected(R.LIST_CRIT, "crit has a non-string or duplicate name")
        unknown = [n for n in crit if n not in PROCESSED_CRITICAL]
        if unknown:
            raise R.Rejected(R.LIST_CRIT, f"crit names what this verifier does not process: {unknown[0][:40]!r}")
        absent = [n for n in crit if n not in header]
        if absent:
            raise R.Rejected(R.LIST_CRIT, f"crit names {absent[0]!r}, which the header lacks")
    listed = set(crit) if isinstance(crit, list) else set()
    for name in JADES_PARAMETERS:
        if name in header and name not in listed:
            raise R.Rejected(R.LIST_CRIT, f"JAdES header parameter {name!r} is not listed in crit")
    digest = header.get(X5T_S256)
    if X5T_S256 in header and digest != cert_digest(signer_der):
        raise R.Rejected(R.LIST_SIGNER_DIGEST, "x5t#S256 is not the SHA-256 of x5c[0]")
    if SIG_T not in header:
        return None
    try:
        signing_time = parse_sig_t(header[SIG_T])
    except (ValueError, OverflowError):
        raise R.Rejected(R.LIST_SIGNING_TIME, "sigT is not YYYY-MM-DDThh:mm:ssZ") from None
    if digest is None:
        raise R.Rejected(R.LIST_SIGNER_DIGEST, "a JAdES signature needs x5t#S256 (signing-certificate reference)")
    return signing_time
