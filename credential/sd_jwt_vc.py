"""SD-JWT VC rules on top of RFC 9901 (draft-ietf-oauth-sd-jwt-vc-18).

Issuance adds the registered claims that must never be selectively disclosed (§3.2.2.2 and
shared/specs/credential-types.md), verification checks the media type (§3.2.1 ``typ: dc+sd-jwt``),
``vct`` (§3.2.2.1.1), ``cnf`` (§3.2.2.2) and the shape of ``status``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from . import jose, sd_jwt
from .reasons import Rejected, define
from .report import Stage

__all__ = ["NEVER_DISCLOSABLE", "R_VCT_MISMATCH", "StatusRef", "TYP", "issue_vc", "status_ref", "verify_vc"]

TYP = "dc+sd-jwt"
NEVER_DISCLOSABLE = frozenset({"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd_alg"})

R_TYP = define("vc.typ")
R_VCT_MISSING = define("vc.vct_missing")
R_VCT_MISMATCH = define("vc.vct_mismatch")
R_DISCLOSABLE = define("vc.claim_disclosable")
R_CNF = define("vc.cnf_malformed")
R_STATUS = define("vc.status_malformed")
R_ISS = define("vc.iss_malformed")


@dataclass(frozen=True, slots=True)
class StatusRef:
    """Token Status List reference (draft-ietf-oauth-status-list-20 §6.1)."""

    idx: int
    uri: str

    def claim(self) -> dict[str, Any]:
        return {"status_list": {"idx": self.idx, "uri": self.uri}}


def issue_vc(
    claims: dict[str, Any],
    key: jose.SigningKey,
    *,
    vct: str,
    iat: int,
    sd_paths: Iterable[sd_jwt.ClaimPath] = (),
    iss: str | None = None,
    exp: int | None = None,
    nbf: int | None = None,
    holder_jwk: dict[str, Any] | None = None,
    status: StatusRef | None = None,
    header: dict[str, Any] | None = None,
    typ: str = TYP,
    decoys: int = 0,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    strict_paths: bool = False,
) -> sd_jwt.Issued:
    """Issue an SD-JWT VC. ``header`` may add ``x5c`` or ``kid``/``x5t#S256`` (trust-lists.md §4).

    A type's layout names optional claims too, so by default a path without a claim is skipped;
    ``strict_paths`` makes it an error (for paths a person typed)."""
    paths = [tuple(p) for p in sd_paths]
    for p in paths:
        if p and p[0] in NEVER_DISCLOSABLE:  # nor any member inside them
            raise ValueError(f"claim {p[0]!r} must never be selectively disclosable")
    body: dict[str, Any] = {k: v for k, v in claims.items() if k not in NEVER_DISCLOSABLE}
    registered: dict[str, Any] = {"vct": vct, "iat": iat}
    if iss is not None:
        registered["iss"] = iss
    if nbf is not None:
        registered["nbf"] = nbf
    if exp is not None:
        registered["exp"] = exp
    if holder_jwk is not None:
        jose.jwk_to_public_key(holder_jwk)  # refuse a private or malformed key early
        registered["cnf"] = {"jwk": holder_jwk}
    if status is not None:
        registered["status"] = status.claim()
    return sd_jwt.issue(
        {**registered, **body},
        key,
        sd_paths=paths,
        header={"typ": typ, **(header or {})},
        decoys=decoys,
        random_bytes=random_bytes,
        strict_paths=strict_paths,
    )


def status_ref(payload: dict[str, Any]) -> StatusRef | None:
    status = payload.get("status")
    if status is None:
        return None
    sl = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(sl, dict):
        raise Rejected(R_STATUS, "status_list missing")
    idx, uri = sl.get("idx"), sl.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0 or not isinstance(uri, str) or not uri:
        raise Rejected(R_STATUS, "idx or uri invalid")
    return StatusRef(idx, uri)


def verify_vc(
    presentation: str,
    resolve_key: sd_jwt.KeyResolver | Any,
    policy: sd_jwt.VerifyPolicy,
    *,
    expected_vct: Collection[str] | None = None,
) -> sd_jwt.Verified:
    """Verify an SD-JWT VC presentation. ``expected_vct`` None accepts any (non-empty) vct.

    §3.2.1: the media type ``dc+sd-jwt`` is checked before anything is trusted, whatever the
    policy's own ``expected_typ``."""
    verified = sd_jwt.verify(presentation, resolve_key, policy, check_disclosed=_never_disclosed,
                             expected_typ=TYP, typ_reason=R_TYP)
    try:
        _check_vc_claims(verified, expected_vct)  # _never_disclosed already ran inside sd_jwt.verify
    except Rejected as exc:
        exc.stage = Stage.VC_RULES
        raise
    return verified


def _never_disclosed(disclosed: tuple) -> None:
    """§3.2.2.2: these claims are never selectively disclosable, nor anything inside them. Checked
    before the time claims are read, so a hidden ``exp`` is reported as what it is."""
    for path, _name, _ in disclosed:
        if path and path[0] in NEVER_DISCLOSABLE:
            raise Rejected(R_DISCLOSABLE, f"claim {path[0]!r}")


def check_vc_claims(verified: sd_jwt.Verified, expected_vct: Collection[str] | None) -> None:
    _never_disclosed(verified.disclosed)
    _check_vc_claims(verified, expected_vct)


def _check_vc_claims(verified: sd_jwt.Verified, expected_vct: Collection[str] | None) -> None:
    payload = verified.payload
    vct = payload.get("vct")
    if not isinstance(vct, str) or not vct:
        raise Rejected(R_VCT_MISSING)
    if expected_vct is not None and vct not in expected_vct:
        raise Rejected(R_VCT_MISMATCH, f"got {vct[:80]!r}")
    if "iss" in payload and not isinstance(payload["iss"], str):
        raise Rejected(R_ISS)
    # A verified KB-JWT was checked with the key in cnf.jwk (RFC 9901 §7.3 step 5), so that key is well formed.
    if "cnf" in payload and verified.kb_payload is None:
        cnf = payload["cnf"]
        try:
            jose.jwk_to_public_key(cnf.get("jwk") if isinstance(cnf, dict) else None)
        except (jose.JoseError, TypeError):  # TypeError: an unhashable "crv" in jose's lookup
            raise Rejected(R_CNF) from None
    status_ref(payload)
