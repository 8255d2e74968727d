"""Digital Credentials Query Language (OpenID4VP 1.0 final, §6) for the ESSPASS credential types.

* :data:`PRESETS` - the DCQL queries a verifier offers (``shared/specs/credential-types.md``, "Presentation
  presets"), requesting exactly the claims of the table, no more.
* :func:`parse_query` - strict structural validation of a DCQL query (§6.1-§6.4) into typed, frozen values;
  any violation raises :class:`~credential.reasons.Rejected` with ``request.dcql_invalid``.
* :func:`match` - which stored credentials satisfy which Credential Query (§6.4.1, §6.4.2), evaluating claims
  path pointers as §7 says.
* :func:`requested_paths`, :func:`paths_within` - for over-asking checks (a relying party may ask only for what
  its registration allows).

Pure: no I/O, no clock. Every input is bounded (counts, lengths, depth).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from credential.reasons import Rejected, define

__all__ = [
    "FORMAT_SD_JWT_VC",
    "asking_also",
    "PRESETS",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "TrustedAuthoritiesQuery",
    "match",
    "parse_query",
    "paths_within",
    "preferred_paths",
    "preset_for_vct",
    "process_path",
    "requested_paths",
    "selected_paths",
    "satisfied",
]

R_DCQL_INVALID = define("request.dcql_invalid")

FORMAT_SD_JWT_VC = "dc+sd-jwt"  # OpenID4VP §B.3.1 Credential Format Identifier for IETF SD-JWT VC

# Bounds (ARCHITECTURE.md: bound every input). Real requests use 1-3 credential queries of < 20 claims.
MAX_QUERY_BYTES = 32 * 1024
MAX_CREDENTIALS = 16
MAX_CLAIMS = 64
MAX_PATH_LENGTH = 16
MAX_PATH_STRING = 256
MAX_ARRAY_INDEX = 10_000
MAX_VALUES = 32
MAX_VALUE_STRING = 1024
MAX_CLAIM_SETS = 32
MAX_CREDENTIAL_SETS = 16
MAX_OPTIONS = 16
MAX_ID_LENGTH = 64
MAX_VCT_VALUES = 16
MAX_TRUSTED_AUTHORITIES = 16
MAX_FORMAT_LENGTH = 64
MAX_META_BYTES = 4 * 1024

_ID = re.compile(r"[A-Za-z0-9_-]+")  # §6.1 / §6.3: alphanumeric, underscore or hyphen, non-empty

PathElement = str | int | None
ClaimPath = tuple[PathElement, ...]


# ---------------------------------------------------------------------------------------------
# Typed query
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimsQuery:
    """§6.3"""

    path: ClaimPath
    id: str | None = None
    values: tuple[str | int | bool, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["path"] = list(self.path)
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class TrustedAuthoritiesQuery:
    """§6.1.1"""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CredentialQuery:
    """§6.1. ``meta`` is kept as given (a JSON object); ``vct_values`` is its SD-JWT VC member (§B.3.5)."""

    id: str
    format: str
    meta: Mapping[str, Any]
    vct_values: tuple[str, ...] | None = None
    multiple: bool = False
    require_cryptographic_holder_binding: bool = True
    trusted_authorities: tuple[TrustedAuthoritiesQuery, ...] | None = None
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "format": self.format, "meta": json.loads(json.dumps(dict(self.meta)))}
        if self.multiple:
            out["multiple"] = True
        if not self.require_cryptographic_holder_binding:
            out["require_cryptographic_holder_binding"] = False
        if self.trusted_authorities is not None:
            out["trusted_authorities"] = [{"type": t.type, "values": list(t.values)} for t in self.trusted_authorities]
        if self.claims is not None:
            out["claims"] = [c.to_dict() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        return out


@dataclass(frozen=True)
class CredentialSetQuery:
    """§6.2"""

    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    """§6"""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"credentials": [c.to_dict() for c in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [
                ({"options": [list(o) for o in s.options]} | ({} if s.required else {"required": False}))
                for s in self.credential_sets
            ]
        return out

    def by_id(self, query_id: str) -> CredentialQuery:
        for c in self.credentials:
            if c.id == query_id:
                return c
        raise KeyError(query_id)


# ---------------------------------------------------------------------------------------------
# Presets (credential-types.md, "Presentation presets"). One Credential Query each.
# Paths follow the issuer's selective-disclosure layout (credential.types): subject, issuing_authority,
# employer and work_information are each one Disclosure, so asking for them whole costs nothing extra.
# subject is asked member by member so that the request says exactly which personal data it wants.
#
# claim_sets (OpenID4VP 1.0 §6.1, §6.4.1: "the Wallet SHOULD return the first option it can satisfy") let the
# query degrade honestly (issue 16): the first set is the complete preset; later sets leave out the holder's
# identity (subject) and/or the document number, which credentials of the other shapes in the field lack (DC4EU's
# issuer issues no subject, the EUDI issuer's EHIC may carry no document id), and a verifier that accepts such an
# answer says what the inspector must check instead (credential.expected). The same query also asks for the
# EUDI reference issuer's vct with that issuer's claim names (credential.shapes, docs/credential-model.md §4),
# and for DC4EU's top-level work_address, so one request reaches the credentials of all three shapes.
# ---------------------------------------------------------------------------------------------
EUDI_VCT = {"urn:eudi:pda1:1": "urn:eu.europa.ec.eudi:pda1:1", "urn:eudi:ehic:1": "urn:eu.europa.ec.eudi:ehic:1"}
_SUBJECT_IDS = {"family": ["subject", "familynames"], "given": ["subject", "forenames"],
                "birth": ["subject", "date_of_birth"]}
IDENTITY_IDS = frozenset({*_SUBJECT_IDS, "holder", "insured"})  # the holder's identity, any shape
DOCUMENT_IDS = frozenset({"docno", "docid"})  # the document number, any shape


def _preset(query_id: str, vct: str, claims: dict[str, list[Any]],
            shapes: list[tuple[list[str], list[str], list[str]]]) -> dict[str, Any]:
    """A preset of one Credential Query: ``claims`` by id; ``shapes`` = per shape (base ids, identity ids,
    document ids). The claim sets list, in order of preference: every shape complete, then without identity,
    then without document number, then without both (duplicates and empty variants left out)."""
    sets: list[list[str]] = []
    for with_identity, with_document in ((True, True), (False, True), (True, False), (False, False)):
        for base, identity, document in shapes:
            if (not with_identity and not identity) or (not with_document and not document):
                continue
            chosen = [*(identity if with_identity else []), *base, *(document if with_document else [])]
            ordered = [c for c in claims if c in chosen]
            if ordered not in sets:
                sets.append(ordered)
    query: dict[str, Any] = {
        "id": query_id,
        "format": FORMAT_SD_JWT_VC,
        "meta": {"vct_values": [vct, EUDI_VCT[vct]]},
        "claims": [{"id": cid, "path": path} for cid, path in claims.items()],
    }
    if len(sets) > 1:
        query["claim_sets"] = sets
    return {"credentials": [query]}


PRESETS: dict[str, dict[str, Any]] = {
    # labour inspector at a workplace
    "a1-inspection": _preset(
        "pda1",
        "urn:eudi:pda1:1",
        {
            **_SUBJECT_IDS,
            "lc": ["legislation_country"],
            "start": ["starting_date"],
            "end": ["ending_date"],
            "status": ["status_confirmation"],
            "employer": ["employer"],
            "work": ["work_information"],
            "authority": ["issuing_authority"],
            "docno": ["document_number"],
            "workaddr": ["work_address"],
            "holder": ["credential_holder"],
            "legis": ["legislation"],
            "employ": ["employment_details"],
            "places": ["places_of_work"],
            "country": ["issuing_country"],
            "docid": ["document_id"],
        },
        [
            (["lc", "start", "end", "status", "employer", "work", "authority"], list(_SUBJECT_IDS), ["docno"]),
            (["legis", "status", "employ", "places", "authority", "country"], ["holder"], ["docid"]),  # EUDI
            (["lc", "start", "end", "status", "employer", "workaddr", "authority"], [], ["docno"]),  # DC4EU: no subject
        ],
    ),
    # employer or host institution checking coverage only
    "a1-coverage": _preset(
        "pda1",
        "urn:eudi:pda1:1",
        {
            "lc": ["legislation_country"],
            "start": ["starting_date"],
            "end": ["ending_date"],
            "authority": ["issuing_authority"],
            "legis": ["legislation"],
            "country": ["issuing_country"],
        },
        [
            (["lc", "start", "end", "authority"], [], []),
            (["legis", "authority", "country"], [], []),  # EUDI
        ],
    ),
    # health care provider or border check
    "ehic-care": _preset(
        "ehic",
        "urn:eudi:ehic:1",
        {
            **_SUBJECT_IDS,
            "pin": ["personal_administrative_number"],
            "authority": ["issuing_authority"],
            "docno": ["document_number"],
            "end": ["ending_date"],
            "insured": ["subject"],
            "sspin": ["social_security_pin"],
            "country": ["issuing_country"],
            "docid": ["document_id"],
        },
        [
            (["pin", "authority", "end"], list(_SUBJECT_IDS), ["docno"]),  # ours; DC4EU's has no subject
            (["sspin", "authority", "end", "country"], ["insured"], ["docid"]),  # EUDI
        ],
    ),
}


def asking_also(query: Mapping[str, Any], paths: Sequence[Sequence[Any]], query_index: int = 0) -> dict[str, Any]:
    """A copy of the DCQL ``query`` whose Credential Query ``query_index`` asks for ``paths`` too, in every claim set
    (ids ``extra0``, ``extra1``, ...): how the demo and the tests build a relying party that asks for more than its
    registration allows (over-asking)."""
    out = json.loads(json.dumps(dict(query)))
    cq = out["credentials"][query_index]
    extra = [{"id": f"extra{i}", "path": list(p)} for i, p in enumerate(paths)]
    cq["claims"] = [*cq.get("claims", []), *extra]
    if "claim_sets" in cq:
        cq["claim_sets"] = [[*s, *(e["id"] for e in extra)] for s in cq["claim_sets"]]
    return out


def preset_for_vct(vct: str) -> list[str]:
    """Names of the presets that ask for credentials of type ``vct``."""
    return [
        name
        for name, q in PRESETS.items()
        if any(vct in c.get("meta", {}).get("vct_values", []) for c in q["credentials"])
    ]


# ---------------------------------------------------------------------------------------------
# Parsing (§6.1-§6.4)
# ---------------------------------------------------------------------------------------------
def _bad(detail: str) -> Rejected:
    return Rejected(R_DCQL_INVALID, detail)


def _require_bool(obj: Mapping[str, Any], name: str, default: bool, where: str) -> bool:
    if name not in obj:
        return default
    value = obj[name]
    if not isinstance(value, bool):
        raise _bad(f"{where}.{name} must be a boolean")
    return value


def _require_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH or _ID.fullmatch(value) is None:
        raise _bad(f"{where} must be a non-empty string of A-Z, a-z, 0-9, '_' or '-' (at most {MAX_ID_LENGTH})")
    return value


def _require_list(value: Any, where: str, max_len: int, allow_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(f"{where} must be an array")
    if not value and not allow_empty:
        raise _bad(f"{where} must not be empty")
    if len(value) > max_len:
        raise _bad(f"{where} has more than {max_len} entries")
    return value


def _parse_path(value: Any, where: str) -> ClaimPath:
    """§7: a non-empty array of strings, nulls and non-negative integers."""
    items = _require_list(value, where, MAX_PATH_LENGTH)
    out: list[PathElement] = []
    for i, p in enumerate(items):
        if p is None:
            out.append(None)
        elif isinstance(p, bool):
            raise _bad(f"{where}[{i}] must be a string, null or a non-negative integer, not a boolean")
        elif isinstance(p, int):
            if p < 0 or p > MAX_ARRAY_INDEX:
                raise _bad(f"{where}[{i}] must be a non-negative integer (at most {MAX_ARRAY_INDEX})")
            out.append(p)
        elif isinstance(p, str):
            if len(p) > MAX_PATH_STRING:
                raise _bad(f"{where}[{i}] is longer than {MAX_PATH_STRING} characters")
            out.append(p)
        else:
            raise _bad(f"{where}[{i}] must be a string, null or a non-negative integer")
    return tuple(out)


def _parse_values(value: Any, where: str) -> tuple[str | int | bool, ...]:
    """§6.3: a non-empty array of strings, integers or booleans."""
    items = _require_list(value, where, MAX_VALUES)
    for i, v in enumerate(items):
        if isinstance(v, str):
            if len(v) > MAX_VALUE_STRING:
                raise _bad(f"{where}[{i}] is longer than {MAX_VALUE_STRING} characters")
        elif not isinstance(v, (bool, int)):
            raise _bad(f"{where}[{i}] must be a string, an integer or a boolean")
    return tuple(items)


def _parse_claims_query(obj: Any, where: str) -> ClaimsQuery:
    if not isinstance(obj, dict):
        raise _bad(f"{where} must be an object")
    if "path" not in obj:
        raise _bad(f"{where}.path is required")
    claim_id = _require_id(obj["id"], f"{where}.id") if "id" in obj else None
    values = _parse_values(obj["values"], f"{where}.values") if "values" in obj else None
    return ClaimsQuery(path=_parse_path(obj["path"], f"{where}.path"), id=claim_id, values=values)


def _parse_meta(fmt: str, value: Any, where: str) -> tuple[dict[str, Any], tuple[str, ...] | None]:
    if not isinstance(value, dict):
        raise _bad(f"{where} is required and must be an object")
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        raise _bad(f"{where} is not JSON") from None
    if size > MAX_META_BYTES:
        raise _bad(f"{where} is larger than {MAX_META_BYTES} bytes")
    vct_values: tuple[str, ...] | None = None
    if fmt == FORMAT_SD_JWT_VC:
        # §B.3.5: vct_values REQUIRED, a non-empty array of strings
        if "vct_values" not in value:
            raise _bad(f"{where}.vct_values is required for format {FORMAT_SD_JWT_VC}")
        items = _require_list(value["vct_values"], f"{where}.vct_values", MAX_VCT_VALUES)
        if not all(isinstance(v, str) and v and len(v) <= MAX_PATH_STRING for v in items):
            raise _bad(f"{where}.vct_values must hold non-empty strings")
        vct_values = tuple(items)
    return json.loads(json.dumps(value)), vct_values


def _parse_credential_query(obj: Any, where: str) -> CredentialQuery:
    if not isinstance(obj, dict):
        raise _bad(f"{where} must be an object")
    for required in ("id", "format", "meta"):
        if required not in obj:
            raise _bad(f"{where}.{required} is required")
    query_id = _require_id(obj["id"], f"{where}.id")
    fmt = obj["format"]
    if not isinstance(fmt, str) or not fmt or len(fmt) > MAX_FORMAT_LENGTH:
        raise _bad(f"{where}.format must be a non-empty string")
    meta, vct_values = _parse_meta(fmt, obj["meta"], f"{where}.meta")

    trusted: tuple[TrustedAuthoritiesQuery, ...] | None = None
    if "trusted_authorities" in obj:
        items = _require_list(obj["trusted_authorities"], f"{where}.trusted_authorities", MAX_TRUSTED_AUTHORITIES)
        parsed = []
        for i, ta in enumerate(items):
            w = f"{where}.trusted_authorities[{i}]"
            if not isinstance(ta, dict) or not isinstance(ta.get("type"), str) or not ta["type"]:
                raise _bad(f"{w} must be an object with a string type")
            vals = _require_list(ta.get("values"), f"{w}.values", MAX_VALUES)
            if not all(isinstance(v, str) and v and len(v) <= MAX_VALUE_STRING for v in vals):
                raise _bad(f"{w}.values must hold non-empty strings")
            parsed.append(TrustedAuthoritiesQuery(ta["type"], tuple(vals)))
        trusted = tuple(parsed)

    claims: tuple[ClaimsQuery, ...] | None = None
    if "claims" in obj:
        items = _require_list(obj["claims"], f"{where}.claims", MAX_CLAIMS)
        claims = tuple(_parse_claims_query(c, f"{where}.claims[{i}]") for i, c in enumerate(items))
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise _bad(f"{where}.claims has a duplicate id")  # §6.3
        paths = [c.path for c in claims]
        if len(paths) != len(set(paths)):
            raise _bad(f"{where}.claims points to the same claim more than once")  # §6.1 "MUST NOT"

    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if "claim_sets" in obj:
        if claims is None:
            raise _bad(f"{where}.claim_sets must not be present without claims")  # §6.4.1
        if any(c.id is None for c in claims):
            raise _bad(f"{where}.claims[].id is required when claim_sets is present")  # §6.3
        known = {c.id for c in claims}
        sets = _require_list(obj["claim_sets"], f"{where}.claim_sets", MAX_CLAIM_SETS)
        parsed_sets = []
        for i, s in enumerate(sets):
            members = _require_list(s, f"{where}.claim_sets[{i}]", MAX_CLAIMS)
            for m in members:
                if not isinstance(m, str) or m not in known:
                    raise _bad(f"{where}.claim_sets[{i}] names a claim id that is not in claims")
            parsed_sets.append(tuple(members))
        claim_sets = tuple(parsed_sets)

    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=meta,
        vct_values=vct_values,
        multiple=_require_bool(obj, "multiple", False, where),
        require_cryptographic_holder_binding=_require_bool(obj, "require_cryptographic_holder_binding", True, where),
        trusted_authorities=trusted,
        claims=claims,
        claim_sets=claim_sets,
    )


def parse_query(obj: Any) -> DcqlQuery:
    """Validate a DCQL query (a parsed JSON object, or its JSON text) and return it typed.

    Unknown properties are ignored, as §6 requires. Raises ``Rejected(request.dcql_invalid)``.
    """
    if isinstance(obj, (str, bytes, bytearray)):
        if len(obj) > MAX_QUERY_BYTES:
            raise _bad(f"query larger than {MAX_QUERY_BYTES} bytes")
        try:
            obj = json.loads(obj)
        except (ValueError, RecursionError):
            raise _bad("query is not JSON") from None
    if not isinstance(obj, dict):
        raise _bad("query must be a JSON object")
    if "credentials" not in obj:
        raise _bad("credentials is required")
    items = _require_list(obj["credentials"], "credentials", MAX_CREDENTIALS)
    credentials = tuple(_parse_credential_query(c, f"credentials[{i}]") for i, c in enumerate(items))
    ids = [c.id for c in credentials]
    if len(ids) != len(set(ids)):
        raise _bad("credentials has a duplicate id")  # §6.1

    credential_sets: tuple[CredentialSetQuery, ...] | None = None
    if "credential_sets" in obj:
        sets = _require_list(obj["credential_sets"], "credential_sets", MAX_CREDENTIAL_SETS)
        parsed = []
        known = set(ids)
        for i, s in enumerate(sets):
            w = f"credential_sets[{i}]"
            if not isinstance(s, dict):
                raise _bad(f"{w} must be an object")
            if "options" not in s:
                raise _bad(f"{w}.options is required")
            options = _require_list(s["options"], f"{w}.options", MAX_OPTIONS)
            opts = []
            for j, option in enumerate(options):
                members = _require_list(option, f"{w}.options[{j}]", MAX_CREDENTIALS)
                for m in members:
                    if not isinstance(m, str) or m not in known:
                        raise _bad(f"{w}.options[{j}] names a credential id that is not in credentials")
                opts.append(tuple(members))
            parsed.append(CredentialSetQuery(tuple(opts), _require_bool(s, "required", True, w)))
        credential_sets = tuple(parsed)
    return DcqlQuery(credentials, credential_sets)


# ---------------------------------------------------------------------------------------------
# Claims path pointer (§7.1) and matching (§6.4)
# ---------------------------------------------------------------------------------------------
class _PathError(Exception):
    pass


def process_path(credential: Any, path: Sequence[PathElement]) -> list[Any]:
    """§7.1.1: the elements selected by ``path`` in ``credential``. Raises ``ValueError`` where the
    specification says "abort processing and return an error" (a component meets the wrong kind of
    element, or nothing is selected at the end)."""
    selected = [credential]
    for component in path:
        nxt: list[Any] = []
        if isinstance(component, str):
            for el in selected:
                if not isinstance(el, dict):
                    raise ValueError("string path component applied to a non-object")
                if component in el:
                    nxt.append(el[component])
        elif component is None:
            for el in selected:
                if not isinstance(el, list):
                    raise ValueError("null path component applied to a non-array")
                nxt.extend(el)
        elif isinstance(component, int) and not isinstance(component, bool) and component >= 0:
            for el in selected:
                if not isinstance(el, list):
                    raise ValueError("index path component applied to a non-array")
                if component < len(el):
                    nxt.append(el[component])
        else:
            raise ValueError("path component is not a string, null or non-negative integer")
        selected = nxt
    if not selected:
        raise ValueError("path selects nothing")
    return selected


def _same_json_value(a: Any, b: Any) -> bool:
    # §6.3: "the type and value of the claim both match exactly" - in Python True == 1, so compare types too.
    return type(a) is type(b) and a == b


def _claim_ok(claims: Any, cq: ClaimsQuery) -> bool:
    try:
        selected = process_path(claims, cq.path)
    except ValueError:
        return False
    if cq.values is None:
        return True
    return any(_same_json_value(s, v) for s in selected for v in cq.values)


def _authority_ok(query: CredentialQuery, authority_key_ids: frozenset[str] | None) -> bool:
    """§6.1.1 ``trusted_authorities`` (HAIP 1.0 §5: type ``aki`` MUST be supported): the credential matches when
    one entry does. ``aki``: a value equals the base64url KeyIdentifier of the AuthorityKeyIdentifier of a
    certificate in the credential's issuer chain (§6.1.1.1). Types we do not evaluate match nothing, and a
    credential whose chain the wallet could not establish (``None``) matches no such query: fail closed."""
    if query.trusted_authorities is None:
        return True
    if authority_key_ids is None:
        return False
    return any(t.type == "aki" and authority_key_ids.intersection(t.values) for t in query.trusted_authorities)


def _credential_matches(query: CredentialQuery, vct: str, claims: Any,
                        authority_key_ids: frozenset[str] | None = None) -> bool:
    if query.format != FORMAT_SD_JWT_VC or query.vct_values is None or vct not in query.vct_values:
        return False
    if not _authority_ok(query, authority_key_ids):
        return False
    if query.claims is None:
        return True  # §6.4.1: no selectively disclosable claims are requested
    ok = {i: _claim_ok(claims, c) for i, c in enumerate(query.claims)}
    if query.claim_sets is None:
        return all(ok.values())
    by_id = {c.id: ok[i] for i, c in enumerate(query.claims)}
    return any(all(by_id[m] for m in claim_set) for claim_set in query.claim_sets)


def match(query: DcqlQuery, credentials: Sequence[tuple[Any, ...]]) -> dict[str, list[int]]:
    """For each Credential Query id, the indices into ``credentials`` that can satisfy it. Each entry is
    (vct, processed claims) — every Disclosure applied — or (vct, claims, authority key ids), the ids being
    the base64url AKI KeyIdentifiers of the issuer chain's certificates, for ``trusted_authorities``
    (None: unknown). Only ``dc+sd-jwt`` queries can match: the wallet holds SD-JWT VCs only. Inheritance
    via ``extends`` is not followed (our types extend nothing)."""
    out: dict[str, list[int]] = {}
    for cq in query.credentials:
        out[cq.id] = [i for i, entry in enumerate(credentials)
                      if _credential_matches(cq, entry[0], entry[1], entry[2] if len(entry) > 2 else None)]
    return out


def satisfied(query: DcqlQuery, matches: Mapping[str, Sequence[int]]) -> bool:
    """§6.4.2: whether the matches can satisfy the request (all queries, or every required credential set)."""
    if query.credential_sets is None:
        return all(matches.get(c.id) for c in query.credentials)
    return all(
        any(all(matches.get(m) for m in option) for option in cs.options)
        for cs in query.credential_sets
        if cs.required
    )


def requested_paths(credential_query: CredentialQuery) -> list[ClaimPath]:
    """Every claim path the Credential Query may obtain (the union over claim_sets), in query order."""
    return [c.path for c in (credential_query.claims or ())]


def preferred_paths(credential_query: CredentialQuery) -> list[ClaimPath]:
    """The claim paths of the Verifier's first choice: the first claim set (§6.4.1, sets are in order of
    preference), or every claim when there are no claim_sets."""
    return _paths_of(credential_query, credential_query.claim_sets[0] if credential_query.claim_sets else None)


def _paths_of(cq: CredentialQuery, ids: Sequence[str] | None) -> list[ClaimPath]:
    if ids is None:
        return requested_paths(cq)
    wanted = set(ids)
    return [c.path for c in (cq.claims or ()) if c.id in wanted]


def selected_paths(credential_query: CredentialQuery, claims: Any) -> list[ClaimPath] | None:
    """What a wallet discloses from ``claims`` (processed) for this Credential Query: the claims of the first
    claim set the credential satisfies (§6.4.1 "the Wallet SHOULD return the first option it can satisfy"), every
    claim when there are no claim_sets, or None when it satisfies none (then it must not be returned)."""
    if credential_query.claims is None:
        return None
    ok = {c.id: _claim_ok(claims, c) for c in credential_query.claims}
    if credential_query.claim_sets is None:
        return requested_paths(credential_query) if all(ok.values()) else None
    for claim_set in credential_query.claim_sets:
        if all(ok[m] for m in claim_set):
            return _paths_of(credential_query, claim_set)
    return None


def _covers(allowed: Sequence[PathElement], requested: Sequence[PathElement]) -> bool:
    if len(allowed) > len(requested):
        return False
    for a, r in zip(allowed, requested):
        if a is None:
            if isinstance(r, str):
                return False  # wildcard over array elements never covers an object member
            continue  # None covers every index and the wildcard itself
        if isinstance(a, str) != isinstance(r, str) or r is None or a != r or isinstance(r, bool):
            return False
    return True


def paths_within(requested: Iterable[Sequence[PathElement]], allowed: Iterable[Sequence[PathElement]]) -> list[ClaimPath]:
    """The requested paths that no allowed path covers. An allowed path covers a requested one if it is a
    prefix of it, where an allowed ``None`` matches any index (or ``None``); a requested ``None`` (every
    element) is covered only by an allowed ``None``. Empty result: the request stays within what is allowed."""
    allowed_list = [tuple(a) for a in allowed]
    return [tuple(r) for r in requested if not any(_covers(a, r) for a in allowed_list)]
