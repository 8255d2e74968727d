"""Selective Disclosure for JWTs (RFC 9901): issue, present, verify.

Pure and I/O-free: keys, time and randomness are arguments. Section numbers refer to RFC 9901
(text = draft-ietf-oauth-selective-disclosure-jwt-22).

Why by hand and not the reference ``sd-jwt`` package: the reference verifier accepts key-binding
JWTs by presence rather than by policy, does not bound its input, has no stable reason codes, and
is several times slower (see ``benchmarks/``). The format itself is small: disclosures are
base64url JSON arrays whose SHA-256 digests sit in ``_sd`` arrays and ``{"...": digest}`` array
elements of the issuer-signed payload.
"""

from __future__ import annotations

import binascii
import hashlib
import math
import operator
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from . import jose
from .reasons import Reason, Rejected, define
from .report import Stage

__all__ = [
    "KeyBindingPolicy", "R_FORMAT", "R_KB_AUD", "R_KB_NONCE", "Verified", "VerifyPolicy", "collapse_paths",
    "format_path", "holder_view", "issue", "parse_path", "present", "revealed_paths", "verify",
]

# ---------------------------------------------------------------- limits (bounded input)

MAX_PRESENTATION_CHARS = 512 * 1024
MAX_DISCLOSURES = 1024
MAX_DEPTH = 32
MAX_DISCLOSURE_CHARS = 64 * 1024

# ---------------------------------------------------------------- reason codes

R_FORMAT = define("sd.format")
R_TOO_LARGE = define("sd.too_large")
R_TOO_MANY = define("sd.too_many_disclosures")
R_TOO_DEEP = define("sd.too_deep")
R_JWT_MALFORMED = define("sd.jwt_malformed")
R_ALG = define("sd.alg_not_allowed")
R_TYP = define("sd.typ")
R_CRIT = define("sd.crit")
R_ISSUER_KEY = define("sd.issuer_key")
R_SIGNATURE = define("sd.signature")
R_SD_ALG = define("sd.sd_alg")
R_PAYLOAD = define("sd.payload_malformed")
R_DISCLOSURE = define("sd.disclosure_malformed")
R_SHAPE = define("sd.disclosure_wrong_shape")
R_RESERVED = define("sd.reserved_claim_name")
R_COLLISION = define("sd.claim_collision")
R_DUP_DIGEST = define("sd.duplicate_digest")
R_DUP_DISCLOSURE = define("sd.duplicate_disclosure")
R_UNREFERENCED = define("sd.unreferenced_disclosure")
R_EXPIRED = define("sd.expired")
R_NOT_YET = define("sd.not_yet_valid")
R_IAT_FUTURE = define("sd.issued_in_future")
R_TIME_CLAIM = define("sd.time_claim_malformed")
R_KB_MISSING = define("kb.missing")
R_KB_MALFORMED = define("kb.malformed")
R_KB_TYP = define("kb.typ")
R_KB_ALG = define("kb.alg_not_allowed")
R_KB_NO_KEY = define("kb.no_holder_key")
R_KB_SIGNATURE = define("kb.signature")
R_KB_IAT = define("kb.iat")
R_KB_NONCE = define("kb.nonce")
R_KB_AUD = define("kb.aud")
R_KB_SD_HASH = define("kb.sd_hash")

# ---------------------------------------------------------------- digests

_HASHES: dict[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}


def digest(disclosure: str, sd_alg: str = "sha-256") -> str:
    """§4.2.3: digest over the ASCII bytes of the disclosure exactly as it appears."""
    return jose.b64u_encode(_HASHES[sd_alg](disclosure.encode("ascii")).digest())


# ---------------------------------------------------------------- paths

ClaimPath = tuple[str | int | None, ...]


def parse_path(text: str) -> ClaimPath:
    """``subject.familynames`` -> ("subject", "familynames"); ``employer.0`` -> ("employer", 0);
    ``employer.*`` -> ("employer", None) (every array element)."""
    if not text or not isinstance(text, str):
        raise ValueError("empty claim path")
    parts: list[str | int | None] = []
    for part in text.split("."):
        if part == "":
            raise ValueError(f"empty segment in claim path {text!r}")
        if part == "*":
            parts.append(None)
        elif part.isdigit():
            parts.append(int(part))
        else:
            parts.append(part)
    return tuple(parts)


def format_path(path: Sequence[str | int | None]) -> str:
    return ".".join("*" if p is None else str(p) for p in path)


def _segment_matches(pattern: str | int | None, actual: str | int) -> bool:
    if pattern is None:
        return isinstance(actual, int)
    return pattern == actual and type(pattern) is type(actual)


def path_is_prefix(prefix: Sequence[str | int | None], path: Sequence[str | int | None]) -> bool:
    """Whether ``prefix`` (may hold None wildcards) is a prefix of concrete ``path``."""
    if len(prefix) > len(path):
        return False
    return all(
        _segment_matches(p, a) if a is not None else p is None for p, a in zip(prefix, path)
    )


# ---------------------------------------------------------------- issuance (§4, §5)


@dataclass(frozen=True, slots=True)
class Issued:
    """An SD-JWT as issued: ``<jwt>~<d1>~...~<dn>~``."""

    jwt: str
    disclosures: tuple[str, ...]

    def serialize(self) -> str:
        return "~".join((self.jwt, *self.disclosures)) + "~"


def _make_disclosure(salt: str, name: str | None, value: Any) -> str:
    arr = [salt, value] if name is None else [salt, name, value]
    return jose.b64u_encode(jose.json_dumps(arr))


_SELECT = object()  # trie marker: the claim at this node is made selectively disclosable


def _path_trie(paths: Iterable[ClaimPath]) -> dict[Any, Any]:
    """Paths as a trie so that issuance touches only the branches that hold disclosures."""
    root: dict[Any, Any] = {}
    for path in paths:
        node = root
        for seg in path:
            node = node.setdefault(seg, {})
        node[_SELECT] = path
    return root


def _check_names(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("claims nested too deeply")
    if isinstance(value, dict):
        for name, child in value.items():
            if name in ("_sd", "..."):
                raise ValueError(f"claim name {name!r} is reserved (RFC 9901 §4.2.1)")
            _check_names(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            _check_names(child, depth + 1)


class _Issuer:
    def __init__(self, decoys: int, random_bytes: Callable[[int], bytes], sd_alg: str):
        self.decoys = decoys
        self.random_bytes = random_bytes
        self.hasher = _HASHES[sd_alg]
        self.disclosures: list[str] = []
        self.used_paths: set[ClaimPath] = set()

    def _disclose(self, trie: dict[Any, Any], name: str | None, value: Any) -> str:
        self.used_paths.add(trie[_SELECT])
        salt = jose.b64u_encode(self.random_bytes(16))  # §4.2.1: 128 bits of salt
        d = _make_disclosure(salt, name, value)
        self.disclosures.append(d)
        return jose.b64u_encode(self.hasher(d.encode("ascii")).digest())

    def process(self, value: Any, trie: dict[Any, Any] | None) -> Any:
        """Inside-out (§4.2.6): children first, so a disclosure can carry nested ``_sd`` digests."""
        if not trie:
            _check_names(value)
            return value
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            sd: list[str] = []
            for name, child in value.items():
                if name in ("_sd", "..."):
                    raise ValueError(f"claim name {name!r} is reserved (RFC 9901 §4.2.1)")
                sub = trie.get(name)
                processed = self.process(child, sub)
                if sub and _SELECT in sub:
                    sd.append(self._disclose(sub, name, processed))
                else:
                    out[name] = processed
            if sd:
                # §4.2.5: decoys are digests over random values, indistinguishable from real ones
                sd.extend(
                    jose.b64u_encode(self.hasher(self.random_bytes(32)).digest()) for _ in range(self.decoys)
                )
                out["_sd"] = sorted(sd)  # §4.2.4.1: sorted, so issuance order leaks nothing
            return out
        if isinstance(value, list):
            wildcard = trie.get(None)
            items: list[Any] = []
            for i, child in enumerate(value):
                sub = trie.get(i) or wildcard
                if trie.get(i) and wildcard:  # both a concrete index and a wildcard name this element
                    sub = {**wildcard, **trie[i]}
                processed = self.process(child, sub)
                if sub and _SELECT in sub:
                    items.append({"...": self._disclose(sub, None, processed)})
                else:
                    items.append(processed)
            return items
        return value


def issue(
    claims: dict[str, Any],
    key: jose.SigningKey,
    *,
    sd_paths: Iterable[ClaimPath] = (),
    header: dict[str, Any] | None = None,
    decoys: int = 0,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    sd_alg: str = "sha-256",
    strict_paths: bool = True,
) -> Issued:
    """Issue an SD-JWT making the claims at ``sd_paths`` selectively disclosable.

    Nested disclosable claims are processed inside-out (§4.2.6): a disclosure can itself
    carry ``_sd`` digests. With ``strict_paths`` every path must name an existing claim.
    """
    if sd_alg not in _HASHES:
        raise ValueError(f"unsupported _sd_alg {sd_alg}")
    paths = [tuple(p) for p in sd_paths]
    issuer = _Issuer(decoys, random_bytes, sd_alg)
    payload = issuer.process(claims, _path_trie(paths))
    if strict_paths:
        missing = [format_path(p) for p in paths if p not in issuer.used_paths]
        if missing:
            raise ValueError(f"claim paths not found in the claims: {', '.join(missing)}")
    payload["_sd_alg"] = sd_alg
    jwt = jose.sign_compact(header or {}, payload, key)
    return Issued(jwt, tuple(issuer.disclosures))


# ---------------------------------------------------------------- parsing the compact form (§4)


# A named tuple's own __new__ is a Python function; tuple.__new__ with all the fields skips that frame on the hot path
_tuple_new = tuple.__new__


class Parsed(NamedTuple):
    """The parts of an SD-JWT (+KB). A named tuple: built once per presentation on the hot path, where a
    frozen dataclass's ``__init__`` costs several times as much."""

    jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    # §4.3.1: the SD-JWT up to and including the last '~' before the KB-JWT (a slice of the input,
    # not a join of the parts again)
    sd_hash_input: str


def parse(presentation: str) -> Parsed:
    if not isinstance(presentation, str):
        raise Rejected(R_FORMAT, "not text")
    if len(presentation) > MAX_PRESENTATION_CHARS:
        raise Rejected(R_TOO_LARGE, f"{len(presentation)} characters")
    text = presentation.strip()
    # One split, then the count (the length bound above keeps the split itself bounded)
    parts = text.split("~")
    if len(parts) < 2:
        raise Rejected(R_FORMAT, "no '~' separator")
    if len(parts) > MAX_DISCLOSURES + 2:
        raise Rejected(R_TOO_MANY, "too many '~' separated parts")
    jwt, middle, last = parts[0], parts[1:-1], parts[-1]
    if not jwt:
        raise Rejected(R_FORMAT, "empty issuer-signed JWT")
    if "" in middle:
        raise Rejected(R_FORMAT, "empty disclosure between separators")
    return _tuple_new(Parsed, (jwt, tuple(middle), last or None, text[: len(text) - len(last)]))


# ---------------------------------------------------------------- verification (§7.1, §7.3)


@dataclass(frozen=True, slots=True)
class KeyBindingPolicy:
    """§7.3: whether key binding is required is the verifier's policy, never the input's choice."""

    required: bool
    nonce: str | None = None
    aud: str | None = None
    max_age_s: int = 300
    future_leeway_s: int = 60


@dataclass(frozen=True, slots=True)
class VerifyPolicy:
    now: int
    key_binding: KeyBindingPolicy
    expected_typ: str | None = None
    clock_leeway_s: int = 60


class Verified(NamedTuple):
    """What a verification established. A named tuple: built once per presentation on the hot path."""

    header: dict[str, Any]
    payload: dict[str, Any]  # processed: disclosures applied, _sd/_sd_alg removed
    issuer_payload: dict[str, Any]  # as signed
    disclosed: tuple[tuple[ClaimPath, str | None, Any], ...]  # (path, name, value) per disclosure
    kb_payload: dict[str, Any] | None = None
    kb_header: dict[str, Any] | None = None


KeyResolver = Callable[[dict[str, Any], dict[str, Any]], ec.EllipticCurvePublicKey]


def _decode_disclosure(text: str) -> tuple[list[Any], bytes]:
    """The disclosure's array and its decoded JSON text, strictly, naming the exact fault."""
    if len(text) > MAX_DISCLOSURE_CHARS:
        raise Rejected(R_DISCLOSURE, "disclosure too large")
    try:
        raw = jose.b64u_decode_strict(text)
        value = jose.json_loads(raw)
    except (jose.JoseError, ValueError, RecursionError, UnicodeError):
        raise Rejected(R_DISCLOSURE, "not base64url JSON") from None
    return _disclosure_shape(value), raw


def _disclosure_shape(value: Any) -> list[Any]:
    """§4.2.1/§4.2.2: an array of [salt, name, value] or [salt, value]."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise Rejected(R_DISCLOSURE, "not an array of 2 or 3 elements")
    if not isinstance(value[0], str):
        raise Rejected(R_DISCLOSURE, "salt is not a string")
    if len(value) == 3 and not isinstance(value[1], str):
        raise Rejected(R_DISCLOSURE, "claim name is not a string")
    return value


def _plain(raw: bytes) -> bool:
    """Whether a disclosed value's JSON text cannot hold a digest: no ``_sd`` nor ``...``, not even
    \\u-escaped, so the resolver need not walk into it. (``bytes.find``, not ``in``: ``in`` on bytes
    first tries the argument as an integer and formats the error that it is not, every time.)"""
    return raw.find(b"_sd") < 0 and raw.find(b"...") < 0 and raw.find(b"\\u") < 0


def _disclosures_by_digest(disclosures: tuple[str, ...], hasher: Callable[[bytes], Any]) -> dict[str, tuple[list[Any], bytes]]:
    """§7.1 step 3.1: each disclosure decoded (its array and its JSON text), keyed by the digest over it
    exactly as received.

    The hot path of verification (a dozen disclosures per presentation) makes few C calls for all of
    them together: when every disclosure is base64url of a possible length, each is filled up to whole
    4-character groups with "A" (zero bits: the filler's bytes come after the disclosure's own and are
    cut off), all are decoded in one call, and the digests are encoded in one call (each digest filled
    with zero bytes to a multiple of 3 encodes to its own unpadded text followed by filler characters).
    Anything else goes through :func:`_disclosures_by_digest_strictly`, which names the exact fault."""
    if not disclosures:
        return {}
    # each disclosure + _FILL[len(text) & 3], with C iterators only (no Python frame per disclosure)
    fills = map(_FILL.__getitem__, map(operator.and_, map(len, disclosures), repeat(3)))
    joined = "".join(map(operator.add, disclosures, fills))
    if not joined.isascii():
        return _disclosures_by_digest_strictly(disclosures, hasher)
    raw_all = joined.encode("ascii")
    try:  # whole groups; the strict decoder refuses any character outside base64url
        decoded = jose.url_groups_decoder(raw_all)(raw_all)
    except binascii.Error:
        return _disclosures_by_digest_strictly(disclosures, hasher)
    loads = jose.json_loads
    digests: list[bytes] = []
    entries: list[tuple[list[Any], bytes]] = []
    at = 0
    for text in disclosures:
        n = len(text)
        if n & 3 == 1 or n > MAX_DISCLOSURE_CHARS:  # the strict path names the fault (in the same order as ever)
            return _disclosures_by_digest_strictly(disclosures, hasher)
        raw = decoded[at : at + (n * 3 >> 2)]
        at += ((n + 3) >> 2) * 3
        try:
            value = loads(raw)
        except ValueError:
            value = _NOT_JSON
        # §4.2.1/§4.2.2, inline for the common case; _disclosure_shape names what is wrong
        if (type(value) is not list or not 2 <= len(value) <= 3 or type(value[0]) is not str
                or (len(value) == 3 and type(value[1]) is not str)):
            if any(len(text) & 3 == 1 or len(text) > MAX_DISCLOSURE_CHARS for text in disclosures):
                return _disclosures_by_digest_strictly(disclosures, hasher)  # a later disclosure decides
            if value is _NOT_JSON:
                raise Rejected(R_DISCLOSURE, "not base64url JSON")
            _disclosure_shape(value)
        entries.append((value, raw))
        digests.append(hasher(text.encode("ascii")).digest())
    size = len(digests[0])
    filler = b"\0" * (-size % 3)
    chars = (size * 4 + 2) // 3  # unpadded base64 length of one digest
    step = (size + len(filler)) * 4 // 3
    encoded = jose.b64u_encode(filler.join(digests) + filler)
    by_digest = {encoded[i : i + chars]: entry for i, entry in zip(range(0, step * len(digests), step), entries)}
    if len(by_digest) != len(entries):
        raise Rejected(R_DUP_DISCLOSURE)
    return by_digest


_NOT_JSON = object()  # what a disclosure that is not JSON decodes to, in the fast path
_FILL = ("", "AAA", "AA", "A")  # to whole base64 groups; a length of 4k+1 never reaches the fast path


def _disclosures_by_digest_strictly(disclosures: tuple[str, ...], hasher: Callable[[bytes], Any]) -> dict[str, tuple[list[Any], bytes]]:
    by_digest: dict[str, tuple[list[Any], bytes]] = {}
    for text in disclosures:
        if not text.isascii():
            raise Rejected(R_DISCLOSURE, "not ASCII")
        d = jose.b64u_encode(hasher(text.encode("ascii")).digest())
        if d in by_digest:
            raise Rejected(R_DUP_DISCLOSURE)
        by_digest[d] = _decode_disclosure(text)
    return by_digest


class _Resolver:
    """Replaces digests by disclosed values, enforcing every rule of §7.1 step 3."""

    def __init__(self, by_digest: dict[str, tuple[list[Any], bytes]], flat: bool = False):
        self.by_digest = by_digest
        self.flat = flat  # the signed payload's only digests are its top-level _sd
        self.seen: set[str] = set()
        self.used = 0  # disclosures referenced; each digest occurs once (§7.1 step 3.4), so a count suffices
        self.disclosed: list[tuple[ClaimPath, str | None, Any]] = []

    def _see(self, d: Any) -> None:
        if not isinstance(d, str):
            raise Rejected(R_PAYLOAD, "digest is not a string")
        if d in self.seen:  # §7.1 step 3.4
            raise Rejected(R_DUP_DIGEST)
        self.seen.add(d)

    def walk(self, value: Any, path: tuple[str | int, ...], depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise Rejected(R_TOO_DEEP)
        if isinstance(value, dict):
            return self._walk_object(value, path, depth)
        if isinstance(value, list):
            return self._walk_array(value, path, depth)
        return value

    def _walk_object(self, obj: dict[str, Any], path: tuple[str | int, ...], depth: int) -> dict[str, Any]:
        if self.flat and depth == 0:  # nothing below the top level holds digests: copy in C
            out = obj.copy()
            out.pop("_sd", None)
            out.pop("_sd_alg", None)
        else:
            out = {}
            for name, child in obj.items():
                if name == "_sd" or (name == "_sd_alg" and depth == 0):
                    continue
                # scalars need no walk; only containers can hold digests
                if isinstance(child, (dict, list)):
                    child = self.walk(child, (*path, name), depth + 1)
                out[name] = child
        sd = obj.get("_sd")
        if sd is None:
            return out
        if not isinstance(sd, list):
            raise Rejected(R_PAYLOAD, "_sd is not an array")
        try:
            "".join(sd)  # every digest a string, checked in C
        except TypeError:
            raise Rejected(R_PAYLOAD, "digest is not a string") from None
        seen, get = self.seen, self.by_digest.get
        before = len(seen)
        seen.update(sd)
        if len(seen) != before + len(sd):  # §7.1 step 3.4: a digest appears at most once
            raise Rejected(R_DUP_DIGEST)
        for d in sd:
            hit = get(d)
            if hit is None:
                continue  # undisclosed claim or decoy (§7.1 step 3.2.1)
            disc, raw = hit
            if len(disc) != 3:  # §7.1 step 3.2.2.1: _sd must reference object-property disclosures
                raise Rejected(R_SHAPE, "array-element disclosure referenced from _sd")
            _, name, raw_value = disc
            if name in ("_sd", "..."):  # §4.2.1
                raise Rejected(R_RESERVED)
            if name in out or name in obj:  # §7.1 step 3.2.2.3
                raise Rejected(R_COLLISION, f"claim {name!r}")
            if depth == 0 and name == "_sd_alg":  # would declare the digest algorithm from inside a disclosure
                raise Rejected(R_RESERVED, "_sd_alg")
            self.used += 1
            # _plain(raw), inline: a scalar or a container whose text cannot hold a digest needs no walk
            if (not isinstance(raw_value, (dict, list))
                    or (raw.find(b"_sd") < 0 and raw.find(b"...") < 0 and raw.find(b"\\u") < 0)):
                value = raw_value
            else:
                value = self.walk(raw_value, (*path, name), depth + 1)
            out[name] = value
            self.disclosed.append(((*path, name), name, value))
        return out

    def _walk_array(self, arr: list[Any], path: tuple[str | int, ...], depth: int) -> list[Any]:
        out: list[Any] = []
        for item in arr:
            if isinstance(item, dict) and "..." in item:
                if len(item) != 1:
                    raise Rejected(R_PAYLOAD, "array digest object has other members")
                d = item["..."]
                self._see(d)
                hit = self.by_digest.get(d)
                if hit is None:
                    continue  # §7.1 step 3.3.2: undisclosed element is removed
                disc, raw = hit
                if len(disc) != 2:
                    raise Rejected(R_SHAPE, "object-property disclosure referenced from an array")
                self.used += 1
                value = disc[1]
                if isinstance(value, (dict, list)) and not _plain(raw):
                    value = self.walk(value, (*path, len(out)), depth + 1)
                self.disclosed.append(((*path, len(out)), None, value))
                out.append(value)
            else:
                out.append(self.walk(item, (*path, len(out)), depth + 1))
        return out


def _is_number(value: Any) -> bool:
    """A JSON number usable as a NumericDate: not a bool, and finite (Python's json accepts
    the non-JSON literals NaN and Infinity, and every comparison with NaN is false)."""
    if type(value) is int:  # the common case first: one test
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _time_claim(payload: dict[str, Any], name: str) -> int | float | None:
    value = payload.get(name)
    if value is None:
        return None
    if not _is_number(value):
        raise Rejected(R_TIME_CLAIM, name)
    return value


def _time_claims(payload: dict[str, Any]) -> tuple[Any, Any, Any]:
    """``exp``, ``nbf``, ``iat`` (each None when absent), checked in that order: one call where integers are
    the rule (:func:`_time_claim` for anything else, which names the claim)."""
    get = payload.get
    exp, nbf, iat = get("exp"), get("nbf"), get("iat")
    if ((exp is None or type(exp) is int) and (nbf is None or type(nbf) is int)
            and (iat is None or type(iat) is int)):
        return exp, nbf, iat
    return _time_claim(payload, "exp"), _time_claim(payload, "nbf"), _time_claim(payload, "iat")


def verify(
    presentation: str,
    resolve_key: KeyResolver | ec.EllipticCurvePublicKey,
    policy: VerifyPolicy,
    check_disclosed: Callable[[tuple[tuple[ClaimPath, str | None, Any], ...]], None] | None = None,
    *,
    expected_typ: str | None = None,
    typ_reason: Reason = R_TYP,
) -> Verified:
    """Verify an SD-JWT or SD-JWT+KB (§7.1, §7.3). Raises :class:`Rejected` on the first failure.

    ``check_disclosed`` sees what the disclosures revealed before any claim is used (for rules of
    profiles such as SD-JWT VC's claims that must never be selectively disclosed). A profile may
    also demand its own ``expected_typ`` (over the policy's) and report a mismatch as ``typ_reason``.
    The :class:`Rejected` it raises names the :class:`~credential.report.Stage` where verification stopped."""
    at = _At()
    at.stage = Stage.BEFORE_SIGNATURE
    try:
        return _verify(presentation, resolve_key, policy, check_disclosed, expected_typ, typ_reason, at)
    except Rejected as exc:
        if exc.stage is None:
            exc.stage = at.stage
        raise


class _At:
    """Where a verification is (one attribute set as it moves on: cheaper than a try block per stage). No
    ``__init__``: :func:`verify` sets the first stage, without a Python frame for it."""

    __slots__ = ("stage",)


def _verify(presentation: str, resolve_key: KeyResolver | ec.EllipticCurvePublicKey, policy: VerifyPolicy,
            check_disclosed: Callable[[tuple[tuple[ClaimPath, str | None, Any], ...]], None] | None,
            expected_typ: str | None, typ_reason: Reason, at: _At) -> Verified:
    parsed = parse(presentation)
    if len(parsed.disclosures) > MAX_DISCLOSURES:
        raise Rejected(R_TOO_MANY)
    try:
        jws = jose.parse_compact(parsed.jwt)
    except jose.JoseError as exc:
        raise Rejected(R_ALG if exc.kind == "alg" else R_JWT_MALFORMED, exc.detail) from None
    header = jws.header
    typ = expected_typ if expected_typ is not None else policy.expected_typ
    if typ is not None and header.get("typ") != typ:
        raise Rejected(typ_reason, f"expected {typ!r}")
    if "crit" in header:  # RFC 7515 §4.1.11: we understand no extensions
        raise Rejected(R_CRIT)
    try:
        payload = jose.json_object(jws.payload_bytes, "payload")  # jws.payload(), one frame less
    except jose.JoseError:
        raise Rejected(R_JWT_MALFORMED, "payload is not a JSON object") from None
    at.stage = Stage.TRUST
    # callable(), not isinstance() against the key's abstract base class, which is slower
    key = resolve_key(header, payload) if callable(resolve_key) else resolve_key  # may raise Rejected
    if key is None:
        raise Rejected(R_ISSUER_KEY)
    at.stage = Stage.SIGNATURE
    if not jose.verify_signature(jws, key):  # §7.1 step 2
        raise Rejected(R_SIGNATURE)
    at.stage = Stage.DISCLOSURES

    sd_alg = payload.get("_sd_alg", "sha-256")  # §4.1.1: absent means sha-256
    if not isinstance(sd_alg, str) or sd_alg not in _HASHES:
        raise Rejected(R_SD_ALG, str(sd_alg)[:40])
    hasher = _HASHES[sd_alg]
    by_digest = _disclosures_by_digest(parsed.disclosures, hasher)

    # When the signed payload's text holds "_sd" only once, as its top-level key, and no "..." (nor
    # any \u escape that could spell either), that _sd is its only digest array: nothing else needs
    # a walk. (The disclosures themselves are checked the same way in _plain.)
    raw_payload = jws.payload_bytes
    flat = ("_sd" in payload and raw_payload.count(b'"_sd"') == 1 and raw_payload.find(b'"..."') < 0
            and raw_payload.find(b"\\u") < 0)
    resolver = _Resolver(by_digest, flat)
    processed = resolver._walk_object(payload, (), 0)  # what walk() would call for the top-level object
    if resolver.used != len(by_digest):  # §7.1 step 3.5
        raise Rejected(R_UNREFERENCED)
    disclosed = tuple(resolver.disclosed)
    if check_disclosed is not None:
        check_disclosed(disclosed)

    # §7.1 step 4 / RFC 7519: time claims of the issuer-signed JWT
    at.stage = Stage.TIMES
    now, leeway = policy.now, policy.clock_leeway_s
    exp, nbf, iat = _time_claims(processed)
    if exp is not None and now >= exp + leeway:
        raise Rejected(R_EXPIRED)
    if nbf is not None and now + leeway < nbf:
        raise Rejected(R_NOT_YET)
    if iat is not None and now + leeway < iat:
        raise Rejected(R_IAT_FUTURE)

    at.stage = Stage.KEY_BINDING
    kb_header = kb_payload = None
    if parsed.kb_jwt is None:
        if policy.key_binding.required:
            raise Rejected(R_KB_MISSING)
    else:
        # A KB-JWT that is present is always checked: a garbage one is never silently ignored.
        kb_header, kb_payload = _verify_kb(parsed, processed, hasher, policy)
    return _tuple_new(Verified, (header, processed, payload, disclosed, kb_payload, kb_header))


def _verify_kb(parsed: Parsed, processed: dict[str, Any], hasher: Callable[[bytes], Any], policy: VerifyPolicy):
    kb = policy.key_binding
    assert parsed.kb_jwt is not None
    if kb.required and (kb.nonce is None or kb.aud is None):
        raise ValueError("a policy that requires key binding must name the expected nonce and aud")
    try:
        jws = jose.parse_compact(parsed.kb_jwt)
    except jose.JoseError as exc:
        raise Rejected(R_KB_ALG if exc.kind == "alg" else R_KB_MALFORMED, exc.detail) from None
    if jws.header.get("typ") != "kb+jwt":  # §4.3 / §7.3 step 5.2
        raise Rejected(R_KB_TYP)
    try:
        kb_payload = jose.json_object(jws.payload_bytes, "payload")  # jws.payload(), one frame less
    except jose.JoseError:
        raise Rejected(R_KB_MALFORMED, "payload is not a JSON object") from None
    cnf = processed.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    try:
        holder_key = jose.jwk_to_public_key(jwk)
    except jose.JoseError:
        raise Rejected(R_KB_NO_KEY) from None
    if not jose.verify_signature(jws, holder_key):
        raise Rejected(R_KB_SIGNATURE)
    iat = kb_payload.get("iat")
    if type(iat) is not int and not _is_number(iat):  # an int: the common case, one test
        raise Rejected(R_KB_IAT, "iat missing or not a finite number")
    if iat > policy.now + kb.future_leeway_s or iat < policy.now - kb.max_age_s:
        raise Rejected(R_KB_IAT)
    nonce = kb_payload.get("nonce")
    if not isinstance(nonce, str) or (kb.nonce is not None and nonce != kb.nonce):
        raise Rejected(R_KB_NONCE)
    aud = kb_payload.get("aud")
    if not isinstance(aud, str) or (kb.aud is not None and aud != kb.aud):
        raise Rejected(R_KB_AUD)
    expected = jose.b64u_encode(hasher(parsed.sd_hash_input.encode("ascii")).digest())
    if kb_payload.get("sd_hash") != expected:  # §4.3.1
        raise Rejected(R_KB_SD_HASH)
    return jws.header, kb_payload


# ---------------------------------------------------------------- holder: presentation (§4.3, §5.2)


@dataclass(frozen=True, slots=True)
class DisclosureNode:
    index: int  # position among the SD-JWT's disclosures
    text: str
    path: tuple[str | int, ...]  # where the value sits in the processed payload
    name: str | None
    value: Any
    parent: int | None  # index of the disclosure that contains this one


@dataclass
class HolderView:
    """What a holder knows about its own credential: every disclosure and where it sits."""

    jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    nodes: list[DisclosureNode] = field(default_factory=list)
    processed: dict[str, Any] = field(default_factory=dict)


def holder_view(sd_jwt: str) -> HolderView:
    """Parse one's own SD-JWT (no signature check: the wallet checks trust separately)."""
    parsed = parse(sd_jwt)
    try:
        jws = jose.parse_compact(parsed.jwt)
        payload = jws.payload()
    except jose.JoseError as exc:
        raise Rejected(R_JWT_MALFORMED, exc.detail) from None
    sd_alg = payload.get("_sd_alg", "sha-256")
    if not isinstance(sd_alg, str) or sd_alg not in _HASHES:
        raise Rejected(R_SD_ALG)
    index = {digest(t, sd_alg): (i, _decode_disclosure(t)[0]) for i, t in enumerate(parsed.disclosures)}
    view = HolderView(parsed.jwt, jws.header, payload)
    nodes: dict[int, DisclosureNode] = {}

    def walk(value: Any, path: tuple[str | int, ...], parent: int | None, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise Rejected(R_TOO_DEEP)
        if isinstance(value, dict):
            out = {k: walk(v, (*path, k), parent, depth + 1) for k, v in value.items() if k not in ("_sd", "_sd_alg")}
            sd = value.get("_sd", [])
            if not isinstance(sd, list):
                raise Rejected(R_PAYLOAD, "_sd is not an array")
            for d in sd:
                hit = index.get(d) if isinstance(d, str) else None
                if hit and len(hit[1]) == 3:
                    i, (_, name, raw) = hit
                    nodes[i] = DisclosureNode(i, parsed.disclosures[i], (*path, name), name, raw, parent)
                    out[name] = walk(raw, (*path, name), i, depth + 1)
            return out
        if isinstance(value, list):
            out_list: list[Any] = []
            for item in value:
                if isinstance(item, dict) and set(item) == {"..."}:
                    d = item["..."]
                    hit = index.get(d) if isinstance(d, str) else None
                    if hit and len(hit[1]) == 2:
                        i, (_, raw) = hit
                        pos = (*path, len(out_list))
                        nodes[i] = DisclosureNode(i, parsed.disclosures[i], pos, None, raw, parent)
                        out_list.append(walk(raw, pos, i, depth + 1))
                    continue
                out_list.append(walk(item, (*path, len(out_list)), parent, depth + 1))
            return out_list
        return value

    view.processed = walk(payload, (), None, 0)
    view.nodes = [nodes[i] for i in sorted(nodes)]
    return view


def _chosen(view: HolderView, paths: Iterable[ClaimPath]) -> set[int]:
    wanted = [tuple(p) for p in paths]
    by_index = {n.index: n for n in view.nodes}
    chosen: set[int] = set()
    for node in view.nodes:
        if any(path_is_prefix(p, node.path) or _concrete_prefix(node.path, p) for p in wanted):
            parent: int | None = node.index
            while parent is not None and parent not in chosen:
                chosen.add(parent)
                parent = by_index[parent].parent
    return chosen


def select_disclosures(view: HolderView, paths: Iterable[ClaimPath]) -> list[str]:
    """Disclosures needed to reveal ``paths``: the claim's own disclosure, every enclosing one
    (a nested claim cannot be revealed without its parent, §4.2.6), and everything inside it."""
    chosen = _chosen(view, paths)
    return [n.text for n in view.nodes if n.index in chosen]


def revealed_paths(view: HolderView, paths: Iterable[ClaimPath]) -> list[tuple[str | int, ...]]:
    """Every claim a presentation of ``paths`` lets the verifier read that only a disclosure could reveal: the
    leaf paths (at any depth) under at least one selected disclosure, none of them under a withheld one.

    A disclosure reveals its whole value except the disclosures nested inside it (RFC 9901 §4.2.6), so asking
    for ``subject.familynames`` where ``subject`` is one disclosure reveals ``subject.forenames`` too. Consent,
    over-asking and the history are computed from this list, never from the requested paths alone."""
    chosen = _chosen(view, paths)
    node_at = {n.path: n.index for n in view.nodes}
    out: list[tuple[str | int, ...]] = []

    def walk(value: Any, path: tuple[str | int, ...], disclosed: bool) -> None:
        index = node_at.get(path)
        if index is not None:
            if index not in chosen:
                return
            disclosed = True
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(v, (*path, k), disclosed)
        elif isinstance(value, list) and value:
            for i, v in enumerate(value):
                walk(v, (*path, i), disclosed)
        elif disclosed:
            out.append(path)

    walk(view.processed, (), False)
    return out


def collapse_paths(view: HolderView, leaves: Iterable[Sequence[str | int]]) -> list[tuple[str | int, ...]]:
    """The fewest paths naming exactly ``leaves``: an object or array all of whose leaves are listed is named once
    (``subject`` for all of ``subject.*``), a partly listed one by its listed leaves, in payload order."""
    wanted = {tuple(p) for p in leaves}
    out: list[tuple[str | int, ...]] = []

    def leaves_under(value: Any, path: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
        if isinstance(value, dict) and value:
            return [leaf for k, v in value.items() for leaf in leaves_under(v, (*path, k))]
        if isinstance(value, list) and value:
            return [leaf for i, v in enumerate(value) for leaf in leaves_under(v, (*path, i))]
        return [path]

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        under = leaves_under(value, path)
        if not any(leaf in wanted for leaf in under):
            return
        if path and all(leaf in wanted for leaf in under):
            out.append(path)
            return
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for k, v in children:
            walk(v, (*path, k))

    walk(view.processed, ())
    return out


def _concrete_prefix(prefix: tuple[str | int, ...], pattern: Sequence[str | int | None]) -> bool:
    """Whether the node path ``prefix`` is a prefix of the requested ``pattern``."""
    if len(prefix) > len(pattern):
        return False
    return all(_segment_matches(p, a) for p, a in zip(pattern, prefix))


def sd_hash(sd_jwt_without_kb: str, sd_alg: str = "sha-256") -> str:
    return jose.b64u_encode(_HASHES[sd_alg](sd_jwt_without_kb.encode("ascii")).digest())


def present(
    sd_jwt: str,
    disclose: Iterable[ClaimPath],
    *,
    holder_key: jose.SigningKey | None = None,
    nonce: str | None = None,
    aud: str | None = None,
    iat: int | None = None,
) -> str:
    """Build a presentation revealing only what ``disclose`` needs, with a KB-JWT when a holder
    key is given (§4.3: ``iat``, ``aud``, ``nonce``, ``sd_hash``)."""
    view = holder_view(sd_jwt)
    chosen = select_disclosures(view, disclose)
    body = "~".join((view.jwt, *chosen)) + "~"
    if holder_key is None:
        return body
    if nonce is None or aud is None or iat is None:
        raise ValueError("key binding needs nonce, aud and iat")
    kb = jose.sign_compact(
        {"typ": "kb+jwt"},
        {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash(body, view.payload.get("_sd_alg", "sha-256"))},
        holder_key,
    )
    return body + kb
