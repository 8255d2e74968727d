"""Relying-party checks a wallet makes before it shows anything (docs/trust-lists-profile.md §5).

``check_relying_party`` raises Rejected for the three blocking checks, in this order:

- ``rp.signature``: the request object is a compact JWS (ES256/384/512, no ``crit``) whose ``x5c[0]``
  is an access certificate with a dNSName SAN, valid now, with a path to a WRPAC-listed CA, and the
  signature verifies under it;
- ``rp.client_id``: ``client_id`` is ``x509_hash:<b64url SHA-256 of the DER access certificate>``
  (OpenID4VP 1.0 §5.9.3) or ``x509_san_dns:<a dNSName of it>``; the request's own ``client_id``
  claim, if present, must be the same;
- ``rp.registration``: ``verifier_info`` (OpenID4VP 1.0 §5.1) carries a ``registration_cert``: a
  ``rc-wrp+jwt`` JWS whose x5c reaches a WRPRC-listed certificate, unexpired, ``exp`` at most 12
  months after ``iat``, ``sub`` equal to the access certificate's organizationIdentifier (else its
  dNSName).

``rp.over_asking`` does not stop the presentation: the result lists the requested claim paths not
covered by the registration's ``credentials`` (``strict=True`` raises instead). A DCQL query that
cannot be evaluated at all (not DCQL-shaped) always raises ``rp.over_asking``; a registration whose
``credentials``, ``name`` or ``purpose`` are not of the §5 shape is ``rp.registration``.

``check_unlisted_relying_party`` is the wallet's second look at a request that failed ``rp.signature`` or
``rp.registration`` (issue 13 item 4): a request object that is still *authentic* — signed by the key of the
leaf of its own ``x5c``, a certificate valid now with a dNSName that the ``client_id`` names — comes from a
verifier that is simply not on our lists (``registered=False``: the wallet warns and asks); one whose signature
does not verify under its own certificate is forged and stays refused (``rp.signature``, ``rp.client_id``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credential.jose import JoseError, b64u_encode, parse_compact, verify_signature

from . import reasons as R
from .certificates import REGISTRATION_TYP, certificates_from_x5c
from .model import SVC_WRPAC_ISSUANCE, SVC_WRPRC_ISSUANCE, WRPAC, WRPRC, add_months
from .paths import PathError, build_path
from .store import TrustStore

Path = tuple[Any, ...]
CLOCK_SKEW = 300
MAX_REGISTRATION_MONTHS = 12


@dataclass(frozen=True, slots=True)
class RpCheck:
    """What the wallet may tell its user about the relying party."""

    name: list[dict[str, str]]
    purpose: list[dict[str, str]]
    sub: str
    dns_names: tuple[str, ...]
    registered_credentials: list[dict[str, Any]]
    over_asking_paths: list[tuple[str, Path]]  # (credential query id, claim path)
    access_chain: tuple[x509.Certificate, ...]
    request: dict[str, Any]
    registered: bool = True  # False: authentic but on none of our lists (check_unlisted_relying_party)
    subject: str = ""  # the access certificate's subject (RFC 4514), what it claims to be

    @property
    def over_asking(self) -> bool:
        return bool(self.over_asking_paths)

    @property
    def warnings(self) -> tuple[str, ...]:
        return (R.RP_OVER_ASKING.code,) if self.over_asking_paths else ()

    def display_name(self, lang: str = "en") -> str:
        for item in self.name:
            if item.get("lang", "").startswith(lang):
                return item.get("value", "")
        return self.name[0].get("value", "") if self.name else self.sub


def _listed(store: TrustStore, list_type: str, service_type: str, now: int) -> list[x509.Certificate]:
    validated = store.require(list_type, now)
    ders: list[bytes] = []
    for _, service in validated.lote.services(service_type):
        ders.extend(d for d in service.current.certificates if d not in ders)
    return [x509.load_der_x509_certificate(d) for d in ders]


def _verified_jws(token: Any, reason: R.Reason, anchors: list[x509.Certificate], now: int,
                  typ: str | None) -> tuple[Any, list[x509.Certificate]]:
    try:
        jws = parse_compact(token if isinstance(token, str) else "")
    except (JoseError, UnicodeError, ValueError) as exc:
        raise R.Rejected(reason, f"malformed JWS: {exc}") from None
    if "crit" in jws.header:
        raise R.Rejected(reason, "crit header present")
    if typ is not None and jws.header.get("typ") != typ:
        raise R.Rejected(reason, f"typ is not {typ}")
    try:
        chain = certificates_from_x5c(jws.header.get("x5c"))
    except ValueError as exc:
        raise R.Rejected(reason, f"x5c: {exc}") from None
    try:
        build_path(chain[0], chain[1:], anchors, now)
    except PathError as exc:
        raise R.Rejected(reason, f"no path to a listed certificate: {exc}") from None
    try:
        key = chain[0].public_key()  # parsed lazily: a mangled key raises here
    except ValueError as exc:
        raise R.Rejected(reason, f"x5c[0] key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not verify_signature(jws, key):
        raise R.Rejected(reason, "signature does not verify")
    return jws, chain


def dns_names_of(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def expected_sub(cert: x509.Certificate) -> str | None:
    """§5: the access certificate's organizationIdentifier if it has one, else its dNSName."""
    org_id = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    if org_id:
        return str(org_id[0].value)
    names = dns_names_of(cert)
    return names[0] if names else None


def x509_hash_client_id(cert: x509.Certificate) -> str:
    """OpenID4VP 1.0 §5.9.3 ``x509_hash`` client identifier of an access certificate."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return "x509_hash:" + b64u_encode(hashlib.sha256(der).digest())


def client_id_matches(client_id: Any, cert: x509.Certificate) -> bool:
    if not isinstance(client_id, str):
        return False
    if client_id.startswith("x509_hash:"):
        return client_id == x509_hash_client_id(cert)
    if client_id.startswith("x509_san_dns:"):
        return client_id[len("x509_san_dns:"):] in dns_names_of(cert)
    return False


# ---------------------------------------------------------------- claim path coverage


def path_within(requested: Path | list, allowed: Path | list) -> bool:
    """A requested DCQL claim path is covered when an allowed path is a prefix of it; an allowed
    ``null`` matches any array index (and a requested ``null``), an allowed name matches only itself."""
    requested, allowed = tuple(requested), tuple(allowed)
    if len(allowed) > len(requested):
        return False
    for want, may in zip(requested, allowed):
        if may is None:
            if not (want is None or (isinstance(want, int) and not isinstance(want, bool))):
                return False
        elif want != may or type(want) is not type(may):
            return False
    return True


def _registered_paths(credentials: list[dict[str, Any]], fmt: Any, vct: str | None) -> list[Path] | None:
    """Allowed claim paths for (format, vct); None means "every claim" (an entry without claims)."""
    paths: list[Path] = []
    matched = False
    for entry in credentials:
        if not isinstance(entry, dict) or entry.get("format") != fmt:
            continue
        vcts = (entry.get("meta") or {}).get("vct_values")
        if vct is not None and isinstance(vcts, list) and vct not in vcts:
            continue
        matched = True
        claims = entry.get("claims")
        if claims is None:
            return None
        paths.extend(tuple(c.get("path", ())) for c in claims if isinstance(c, dict))
    return paths if matched else []


def registered_paths(credentials: list[dict[str, Any]], fmt: Any, vct: str | None) -> list[Path] | None:
    """The claim paths a registration allows for (format, vct): None for "every claim", [] for none."""
    return _registered_paths(credentials, fmt, vct)


def _is_claim_path(value: Any) -> bool:
    """A DCQL claims path: a list of names, non-negative array indices and ``null``."""
    return isinstance(value, list) and all(
        v is None or isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
        for v in value)


def _is_vct_meta(meta: Any) -> bool:
    if meta is None:
        return True
    if not isinstance(meta, dict):
        return False
    vcts = meta.get("vct_values")
    return vcts is None or (isinstance(vcts, list) and all(isinstance(v, str) for v in vcts))


def _is_claims(claims: Any) -> bool:
    return claims is None or (isinstance(claims, list) and all(
        isinstance(c, dict) and ("path" not in c or _is_claim_path(c["path"])) for c in claims))


def credentials_shape_error(credentials: Any) -> str | None:
    """Why a DCQL-shaped ``credentials`` list (of a query or a registration) cannot be evaluated."""
    if not isinstance(credentials, list):
        return "credentials is not a list"
    for entry in credentials:
        if not isinstance(entry, dict):
            return "a credentials entry is not an object"
        if not _is_vct_meta(entry.get("meta")):
            return "meta.vct_values is not a list of strings"
        if not _is_claims(entry.get("claims")):
            return "claims is not a list of {path: [...]} objects"
    return None


def query_shape_error(dcql_query: Any) -> str | None:
    """Why a DCQL query cannot be evaluated against a registration (None when it can)."""
    if dcql_query is None:
        return None
    if not isinstance(dcql_query, dict):
        return "DCQL query is not an object"
    credentials = dcql_query.get("credentials")
    return None if credentials is None else credentials_shape_error(credentials)


def over_asking_paths(dcql_query: dict[str, Any], registered: list[dict[str, Any]]) -> list[tuple[str, Path]]:
    """Requested (credential id, claim path) pairs outside the registration (§5 ``rp.over_asking``).
    A credential query without ``claims`` asks for everything, shown as the empty path."""
    out: list[tuple[str, Path]] = []
    for query in (dcql_query or {}).get("credentials", []) or []:
        qid = str(query.get("id", ""))
        vcts = (query.get("meta") or {}).get("vct_values") or [None]
        claims = query.get("claims")
        requested = [tuple(c.get("path", ())) for c in claims] if claims is not None else [()]
        for path in requested:
            for vct in vcts:
                allowed = _registered_paths(registered, query.get("format"), vct)
                if allowed is not None and not any(path_within(path, a) for a in allowed):
                    out.append((qid, path))
                    break
    return out


# ---------------------------------------------------------------- the check


def _is_multilanguage(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(
        isinstance(v, dict) and isinstance(v.get("lang", ""), str) and isinstance(v.get("value", ""), str)
        for v in value))


def _registration(request: dict[str, Any], store: TrustStore, now: int, access: x509.Certificate
                  ) -> dict[str, Any]:
    token = None
    verifier_info = request.get("verifier_info") or []
    if not isinstance(verifier_info, list):
        raise R.Rejected(R.RP_REGISTRATION, "verifier_info is not a list")
    for item in verifier_info:
        if isinstance(item, dict) and item.get("format") == "registration_cert":
            token = item.get("data")
            break
    if token is None:
        raise R.Rejected(R.RP_REGISTRATION, "no registration certificate in verifier_info")
    anchors = _listed(store, WRPRC, SVC_WRPRC_ISSUANCE, now)
    jws, _ = _verified_jws(token, R.RP_REGISTRATION, anchors, now, REGISTRATION_TYP)
    try:
        claims = jws.payload()
    except JoseError as exc:
        raise R.Rejected(R.RP_REGISTRATION, str(exc)) from None
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or isinstance(iat, bool) or isinstance(exp, bool):
        raise R.Rejected(R.RP_REGISTRATION, "iat/exp missing")
    if now >= exp or iat > now + CLOCK_SKEW:
        raise R.Rejected(R.RP_REGISTRATION, "registration certificate expired or not yet valid")
    if exp > add_months(iat, MAX_REGISTRATION_MONTHS):
        raise R.Rejected(R.RP_REGISTRATION, "exp more than 12 months after iat")
    if claims.get("sub") != expected_sub(access):
        raise R.Rejected(R.RP_REGISTRATION, "sub does not match the access certificate")
    if not isinstance(claims.get("credentials"), list):
        raise R.Rejected(R.RP_REGISTRATION, "credentials missing")
    problem = credentials_shape_error(claims["credentials"])
    if problem:
        raise R.Rejected(R.RP_REGISTRATION, problem)
    if not _is_multilanguage(claims.get("name")) or not _is_multilanguage(claims.get("purpose")):
        raise R.Rejected(R.RP_REGISTRATION, "name/purpose are not [{lang, value}] lists")
    return claims


def check_relying_party(store: TrustStore, request_object_jws: str, client_id: str,
                        dcql_query: dict[str, Any] | None, now: int, *, strict: bool = False) -> RpCheck:
    """All of §5 at ``now``; ``dcql_query`` defaults to the request object's own ``dcql_query``."""
    anchors = _listed(store, WRPAC, SVC_WRPAC_ISSUANCE, now)
    jws, chain = _verified_jws(request_object_jws, R.RP_SIGNATURE, anchors, now, None)
    access = chain[0]
    if not dns_names_of(access):
        raise R.Rejected(R.RP_SIGNATURE, "access certificate has no dNSName")
    try:
        request = jws.payload()
    except JoseError as exc:
        raise R.Rejected(R.RP_SIGNATURE, str(exc)) from None
    if not client_id_matches(client_id, access):
        raise R.Rejected(R.RP_CLIENT_ID, "client_id does not match the access certificate")
    if "client_id" in request and request["client_id"] != client_id:
        raise R.Rejected(R.RP_CLIENT_ID, "request object client_id differs")
    registration = _registration(request, store, now, access)
    query = dcql_query if dcql_query is not None else request.get("dcql_query") or {}
    problem = query_shape_error(query)
    if problem:  # what is asked for cannot be told: never shown to the user as if it were registered
        raise R.Rejected(R.RP_OVER_ASKING, problem)
    over = over_asking_paths(query, registration["credentials"])
    if over and strict:
        raise R.Rejected(R.RP_OVER_ASKING, f"{len(over)} claim path(s) not registered")
    return RpCheck(
        name=registration.get("name") or [],
        purpose=registration.get("purpose") or [],
        sub=registration["sub"],
        dns_names=dns_names_of(access),
        registered_credentials=registration["credentials"],
        over_asking_paths=over,
        access_chain=tuple(chain),
        request=request,
        subject=access.subject.rfc4514_string(),
    )


def check_unlisted_relying_party(request_object_jws: str, client_id: str, now: int) -> RpCheck:
    """A request whose verifier is on none of our lists, checked for authenticity only: compact JWS, no ``crit``,
    ``x5c`` parsable, its leaf valid at ``now`` with a dNSName, the signature verifying under the leaf's key
    (``rp.signature`` otherwise: forged or broken), ``client_id`` naming that leaf (``rp.client_id``). Nothing in
    it is vouched for by anyone: ``registered=False``, no name, no purpose, no registered claims."""
    try:
        jws = parse_compact(request_object_jws if isinstance(request_object_jws, str) else "")
    except (JoseError, UnicodeError, ValueError) as exc:
        raise R.Rejected(R.RP_SIGNATURE, f"malformed JWS: {exc}") from None
    if "crit" in jws.header:
        raise R.Rejected(R.RP_SIGNATURE, "crit header present")
    try:
        chain = certificates_from_x5c(jws.header.get("x5c"))
        key = chain[0].public_key()
    except ValueError as exc:
        raise R.Rejected(R.RP_SIGNATURE, f"x5c: {exc}") from None
    leaf = chain[0]
    if not leaf.not_valid_before_utc.timestamp() - CLOCK_SKEW <= now <= leaf.not_valid_after_utc.timestamp():
        raise R.Rejected(R.RP_SIGNATURE, "the access certificate is expired or not yet valid")
    if not dns_names_of(leaf):
        raise R.Rejected(R.RP_SIGNATURE, "access certificate has no dNSName")
    if not isinstance(key, ec.EllipticCurvePublicKey) or not verify_signature(jws, key):
        raise R.Rejected(R.RP_SIGNATURE, "signature does not verify under its own certificate")
    try:
        request = jws.payload()
    except JoseError as exc:
        raise R.Rejected(R.RP_SIGNATURE, str(exc)) from None
    if not client_id_matches(client_id, leaf):
        raise R.Rejected(R.RP_CLIENT_ID, "client_id does not match the access certificate")
    if "client_id" in request and request["client_id"] != client_id:
        raise R.Rejected(R.RP_CLIENT_ID, "request object client_id differs")
    problem = query_shape_error(request.get("dcql_query") or {})
    if problem:
        raise R.Rejected(R.RP_OVER_ASKING, problem)
    return RpCheck(name=[], purpose=[], sub=expected_sub(leaf) or "", dns_names=dns_names_of(leaf),
                   registered_credentials=[], over_asking_paths=[], access_chain=tuple(chain), request=request,
                   registered=False, subject=leaf.subject.rfc4514_string())
