"""Compact QR transport for the offline presentation (docs/offline-presentation.md).

Two kinds of text travel as QR codes between an inspector's device and a wallet, both without network:

* the **request**: a signed OpenID4VP request object by value (a compact JWS), prefix ``RQ1:``;
* the **response**: the ``vp_token`` (SD-JWT + KB-JWT, RFC 9901 compact form), prefix ``VP2:`` (``VP1:``, the
  same transport with the dictionary of the claim names before issue 16, is still read).

Both are encoded the same way (the "ESSPASS QR transport, version 1"), lossless to the character,
because signatures and digests are computed over the exact base64url text:

1. **Skeleton.** The compact text is rewritten into a byte string (grammar below) in which every
   base64url run that holds JSON is replaced by the JSON itself (recursively, so a JWS inside a JSON
   string is opened too), every random-looking base64url run (signature, digest, salt, key coordinate,
   nonce) by a 1-byte marker plus its character count, and every long standard-base64 run (an ``x5c``
   certificate) by its DER bytes. The random bytes go to a separate **entropy stream**: DEFLATE cannot
   shrink them and they would only dilute its Huffman tables.
2. **DEFLATE** (RFC 1951, raw, zlib level 9) of the skeleton with a **preset dictionary** of protocol
   constants (JOSE/SD-JWT VC/OpenID4VP member names and values, the claim names of
   ``shared/specs/credential-types.md``; never personal data), one dictionary per prefix, fixed forever for
   that prefix: changing it makes a new version.
3. **Container**: ``varint(len(deflated)) || deflated || entropy stream``.
   The response leaves out what the inspector knows already (as ISO/IEC 18013-5 does with its session
   transcript): the KB-JWT's ``nonce`` and ``aud`` (the request's nonce and client_id, each replaced by a
   reference with a 2-byte check) and its ``sd_hash`` (recomputed). Decoding a response therefore needs the
   request's nonce and client_id; a response made for another request fails the check with ``kb.nonce`` /
   ``kb.aud`` (a replay), never with a wrong restored text.
4. **base45** (RFC 9285) of the container, after the ASCII prefix, so the QR code uses alphanumeric mode
   (5.5 bits per character: 97 % of byte mode, but the payload survives every scanner's text API, as in the
   EU Digital COVID Certificate's ``HC1:``).

Skeleton grammar (bytes; ``varint`` = unsigned LEB128, minimal, at most 3 bytes)::

    text  := item*
    item  := byte 0x00..0xF7                literal (UTF-8 of the text; 0xF8..0xFF never occur in UTF-8)
           | 0xFF varint(L)                 base64url run of L characters (L >= 2, L mod 4 != 1): the next
                                            floor(3L/4) bytes of the entropy stream, base64url without padding
           | 0xFE text 0xFD                 base64url (no padding) of the bytes that ``text`` expands to
                                            (nesting depth <= 3, non-empty)
           | 0xFC varint(n) n bytes         standard base64 with padding of the n (>= 1) bytes that follow
           | 0xFB k c1 c2                   context value k (0 = the request's nonce, 1 = its client_id), as
                                            UTF-8; c1 c2 = the first two bytes of its SHA-256 (a check)
           | 0xFA                           base64url SHA-256 of the top-level text restored so far, up to and
                                            including its last '~' (the KB-JWT's sd_hash, RFC 9901 §4.3.1)
    0xF8, 0xF9 are reserved; 0xFD outside a nested item is malformed; 0xFB and 0xFA only inside a nested item.

The decoder is strict and bounded (``MAX_*`` below) and raises only :class:`~credential.reasons.Rejected`
with the codes ``qr.version``, ``qr.kind``, ``qr.malformed``, ``qr.too_large``, ``qr.context`` (and ``kb.nonce``,
``kb.aud`` for a response made for another request). Which runs the encoder
replaces is its own choice (a heuristic); the decoder accepts any well-formed skeleton, and the encoder
checks that decoding its output gives back the input exactly.

Drawing and reading QR images (segno, zxing-cpp, Pillow) is an edge's work: :mod:`qrimage`. This module is the pure
codec, text to text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from dataclasses import dataclass
from typing import Any

from .reasons import Rejected, define
from .sd_jwt import R_KB_AUD, R_KB_NONCE

__all__ = [
    "BASE45_ALPHABET",
    "Context",
    "KIND_REQUEST",
    "KIND_RESPONSE",
    "PREFIXES",
    "READABLE_PREFIXES",
    "Decoded",
    "base45_decode",
    "base45_encode",
    "decode",
    "decode_any",
    "decode_request",
    "decode_response",
    "encode_detailed",
    "dictionary",
    "encode",
    "encode_request",
    "encode_response",
    "R_CONTEXT", "R_TOO_LARGE", "R_UNREADABLE", "is_alphanumeric",
]

# ---------------------------------------------------------------- reason codes

R_VERSION = define("qr.version")
R_KIND = define("qr.kind")
R_MALFORMED = define("qr.malformed")
R_TOO_LARGE = define("qr.too_large")
R_CONTEXT = define("qr.context")
R_UNREADABLE = define("qr.unreadable")

# ---------------------------------------------------------------- limits (bounded input)

MAX_TEXT_CHARS = 4296  # the most a QR code holds: version 40, error correction L, alphanumeric mode
MAX_CONTAINER_BYTES = 2 * MAX_TEXT_CHARS // 3 + 1
MAX_SKELETON_BYTES = 16 * 1024  # after inflation; a zip bomb stops here
MAX_OUTPUT_CHARS = 32 * 1024  # the restored compact text
MAX_ITEMS = 2048  # markers (tokens, nested runs, base64 runs) in one skeleton
MAX_DEPTH = 3  # 0xFE nesting: JWS in JSON in JWS, and one spare
MAX_VARINT_BYTES = 3

KIND_RESPONSE = "response"
KIND_REQUEST = "request"
PREFIXES: dict[str, str] = {KIND_RESPONSE: "VP2:", KIND_REQUEST: "RQ1:"}  # what the encoder writes
_PREFIX_SHAPE = re.compile(r"[A-Z]{2}[0-9]{1,3}:")

TOKEN, NEST_OPEN, NEST_CLOSE, STD_B64, CONTEXT, SD_HASH = 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0xFA
CONTEXT_NONCE, CONTEXT_CLIENT_ID = 0, 1
_CONTEXT_REASONS = {CONTEXT_NONCE: R_KB_NONCE, CONTEXT_CLIENT_ID: R_KB_AUD}

# Encoder heuristics (not part of the format; see module docstring).
_MIN_TOKEN_CHARS = 16  # shorter base64url runs stay literal (claim names, short words)
_MIN_STD_B64_CHARS = 64  # standard base64 shorter than this stays literal (URL paths look like base64)

# ---------------------------------------------------------------- preset dictionaries
#
# zlib preset dictionaries (RFC 1950 §2.2 semantics: the window starts with these bytes; raw DEFLATE here).
# Fragments are concatenated in the order given; strings used most often come last (shorter distances).
# The exact bytes, their length and SHA-256 are in docs/offline-presentation.md; a test pins the digest.
# They hold skeleton fragments: 0xFF 0x2B = a 43-character token (SHA-256 digest, P-256 coordinate),
# 0xFF 0x16 = 22 characters (128-bit salt or nonce), 0xFF 0x56 = 86 characters (ES256 signature),
# 0xFE/0xFD open/close a base64url-encoded JSON run, 0xFB 0x00 / 0xFB 0x01 refer to the nonce / client_id,
# 0xFA is the recomputed sd_hash.

# VP1 (responses until the WP6 rulebook alignment, issue 16): fixed forever, still decoded (paper copies).
_RESPONSE_DICTIONARY_PARTS_V1: tuple[bytes, ...] = (
    b'"transitional_rules":"work_address":[{"formatted":"","region":"","company_id":"","flag_base_home":'
    b'"no_fixed_place_of_work":"authentic_source",{"id":"',
    b'\xfe{"alg":"ES256","typ":"dc+sd-jwt","kid":"","x5t#S256":"\xff+"}\xfd.'
    b'\xfe{"vct":"urn:eudi:pda1:1","vct":"urn:eudi:ehic:1","iat":17,"iss":"https://","exp":17,"nbf":17,'
    b'"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"\xff+","y":"\xff+"}},'
    b'"status":{"status_list":{"idx":,"uri":"https://',
    b'/status/"}},"_sd":["\xff+","\xff+","\xff+","\xff+","\xff+","\xff+","\xff+","\xff+"],"_sd_alg":"sha-256"}\xfd.\xffV',
    b'~\xfe["\xff\x16","',
    b'"aud":"x509_hash:\xff+","nonce":"\xff\x16",',
    b'","date_of_issuance","20","date_of_expiry","20","personal_administrative_number","',
    b'"work_information",{"work_address":[{"company_name":"","street_address":"","building_number":"'
    b'","postal_code":"","locality":"","country":"',
    b'"issuing_authority",{"id":"","name":"","country":"',
    b'"subject",{"familynames":"","forenames":"","date_of_birth":"19',
    b'"employer",[{"type":"01","id":"","name":"","country":"',
    b'"legislation_country","","status_confirmation","0","starting_date","20","ending_date","20',
    b'~\xfe{"alg":"ES256","typ":"kb+jwt"}\xfd.\xfe{"iat":17,"aud":"\xfb\x01","nonce":"\xfb\x00","sd_hash":"\xfa"}\xfd.\xffV',
    b'"document_number","',
)

# VP2 (issue 16): VP1 with the rulebook's names - house_number; authentic_source, issuing_country and
# attestation_legal_category as plain claims of the issuer-signed payload, where the issuer now puts them.
_V1 = _RESPONSE_DICTIONARY_PARTS_V1
_RESPONSE_DICTIONARY_PARTS: tuple[bytes, ...] = (
    b'"transitional_rules":"work_address":[{"formatted":"","region":"","company_id":"","flag_base_home":'
    b'"no_fixed_place_of_work":',
    _V1[1],
    b'/status/"}},"attestation_legal_category":"PuB-EAA","issuing_country":"","authentic_source":{"id":"","name":""},'
    b'"_sd":["\xff+","\xff+","\xff+","\xff+","\xff+","\xff+","\xff+","\xff+"],"_sd_alg":"sha-256"}\xfd.\xffV',
    *_V1[3:6],
    _V1[6].replace(b'"building_number":"', b'"house_number":"'),
    *_V1[7:],
)

_REQUEST_DICTIONARY_PARTS: tuple[bytes, ...] = (
    # X.509 DER fragments common to ES256 certificates: the SEQUENCE/AlgorithmIdentifier of ecdsa-with-SHA256,
    # id-ecPublicKey + prime256v1, the usual RDN attribute OIDs and extensions.
    b"\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02"
    b"\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\x03\x42\x00\x04"
    b"\x31\x0b\x30\x09\x06\x03\x55\x04\x06\x13\x02"
    b"\x06\x03\x55\x04\x0a\x0c\x06\x03\x55\x04\x03\x0c\x06\x03\x55\x04\x61\x0c"
    b"\x06\x03\x55\x1d\x0f\x01\x01\xff\x04\x04\x03\x02\x07\x80\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x02\x30\x00"
    b"\x06\x03\x55\x1d\x11\x04\x06\x03\x55\x1d\x23\x04\x18\x30\x16\x80\x14\x06\x03\x55\x1d\x0e\x04\x16\x04\x14"
    b"\x17\x0d\x32\x5a\x17\x0d\x32\x5a\xa0\x03\x02\x01\x02\x02\x14",
    b'"purpose":[{"lang":"en","value":"","lang":"da","value":""}],"name":[{"lang":"en","value":"","sub":"',
    b'"credentials":[{"format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pda1:1","urn:eudi:ehic:1"]},'
    b'"claims":[{"path":["subject","familynames"]},{"path":["subject","forenames"]},'
    b'{"path":["subject","date_of_birth"]},{"path":["personal_administrative_number"]},'
    b'{"path":["legislation_country"]},{"path":["starting_date"]},{"path":["ending_date"]},'
    b'{"path":["status_confirmation"]},{"path":["employer"]},{"path":["work_information"]},'
    b'{"path":["issuing_authority"]},{"path":["document_number"]}]}],',
    b'"verifier_info":[{"format":"registration_cert","data":"\xfe{"alg":"ES256","typ":"rc-wrp+jwt","x5c":["\xfc',
    b'"]}\xfd.\xfe{"sub":"","iat":17,"exp":17,"name":[{"lang":"en","value":"',
    b'\xfe{"alg":"ES256","typ":"oauth-authz-req+jwt","x5c":["\xfc',
    b'"]}\xfd.\xfe{"response_type":"vp_token","response_mode":"esspass_qr","client_id":"x509_hash:\xff+",'
    b'"aud":"https://self-issued.me/v2","nonce":"\xff\x16","iat":17,"exp":17,'
    b'"dcql_query":{"credentials":[{"id":"pda1","id":"ehic","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:',
    b'"]},"claims":[{"path":["subject","familynames"]},{"path":["subject","forenames"]},'
    b'{"path":["subject","date_of_birth"]},{"path":["',
)

_DICTIONARIES: dict[str, bytes] = {
    KIND_RESPONSE: b"".join(_RESPONSE_DICTIONARY_PARTS),
    KIND_REQUEST: b"".join(_REQUEST_DICTIONARY_PARTS),
}
# Every prefix a decoder reads, with its kind and dictionary: the encoder writes PREFIXES (the newest), the
# decoder reads these (older versions too: a paper copy printed with VP1 stays readable).
_READABLE: dict[str, tuple[str, bytes]] = {
    "VP1:": (KIND_RESPONSE, b"".join(_RESPONSE_DICTIONARY_PARTS_V1)),
    PREFIXES[KIND_RESPONSE]: (KIND_RESPONSE, _DICTIONARIES[KIND_RESPONSE]),
    PREFIXES[KIND_REQUEST]: (KIND_REQUEST, _DICTIONARIES[KIND_REQUEST]),
}
READABLE_PREFIXES: tuple[str, ...] = tuple(_READABLE)


def dictionary(kind: str, prefix: str | None = None) -> bytes:
    """The preset DEFLATE dictionary of ``kind`` (``"response"`` or ``"request"``) as the encoder uses it, or
    that of an older readable ``prefix`` (``"VP1:"``), exactly."""
    if prefix is not None:
        found_kind, found = _READABLE[prefix]
        if found_kind != kind:
            raise KeyError(prefix)
        return found
    return _DICTIONARIES[kind]


# ---------------------------------------------------------------- base45 (RFC 9285)

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {c: i for i, c in enumerate(BASE45_ALPHABET)}


def is_alphanumeric(text: str) -> bool:
    """Every character is one of QR alphanumeric mode's 45 (the base45 alphabet, RFC 9285 §4)."""
    return all(c in _B45_VALUE for c in text)


def base45_encode(data: bytes) -> str:
    """RFC 9285 §4: each 2 bytes (big-endian n) -> c, d, e with n = c + 45d + 45²e; a last single byte -> c, d."""
    out: list[str] = []
    a = BASE45_ALPHABET
    for i in range(0, len(data) - 1, 2):
        n = (data[i] << 8) | data[i + 1]
        e, rest = divmod(n, 2025)
        d, c = divmod(rest, 45)
        out += (a[c], a[d], a[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (a[c], a[d])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """Strict RFC 9285 §4.2 decoding: a character outside the alphabet, a length of 3k+1, or a group whose value
    exceeds 65535 (or 255 for a final pair) is ``qr.malformed``."""
    if len(text) % 3 == 1:
        raise Rejected(R_MALFORMED, "base45 length")
    try:
        values = [_B45_VALUE[ch] for ch in text]
    except KeyError:
        raise Rejected(R_MALFORMED, "character outside the base45 alphabet") from None
    out = bytearray()
    full = len(values) - len(values) % 3
    for i in range(0, full, 3):
        n = values[i] + 45 * values[i + 1] + 2025 * values[i + 2]
        if n > 0xFFFF:
            raise Rejected(R_MALFORMED, "base45 group out of range")
        out += n.to_bytes(2, "big")
    if full != len(values):
        n = values[full] + 45 * values[full + 1]
        if n > 0xFF:
            raise Rejected(R_MALFORMED, "base45 group out of range")
        out.append(n)
    return bytes(out)


# ---------------------------------------------------------------- varint (unsigned LEB128, minimal)


def _varint(n: int) -> bytes:
    if n < 0 or n >= 1 << (7 * MAX_VARINT_BYTES):
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(MAX_VARINT_BYTES):
        if pos >= len(data):
            raise Rejected(R_MALFORMED, "truncated length")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b == 0 and i > 0:
                raise Rejected(R_MALFORMED, "overlong length")
            return value, pos
    raise Rejected(R_MALFORMED, "length too long")


# ---------------------------------------------------------------- context (what the inspector knows already)


@dataclass(frozen=True, slots=True)
class Context:
    """The request a response answers: its ``nonce`` and ``client_id`` (the KB-JWT's ``nonce`` and ``aud``)."""

    nonce: str | None = None
    client_id: str | None = None

    def values(self) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        if self.nonce:
            out[CONTEXT_NONCE] = self.nonce.encode("utf-8")
        if self.client_id:
            out[CONTEXT_CLIENT_ID] = self.client_id.encode("utf-8")
        return out


def _check(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()[:2]


def _sd_hash_of(top: bytes) -> bytes | None:
    """RFC 9901 §4.3.1 with SHA-256: over the text up to and including the last '~'."""
    cut = top.rfind(b"~")
    if cut < 0:
        return None
    return base64.urlsafe_b64encode(hashlib.sha256(top[: cut + 1]).digest()).rstrip(b"=")


# ---------------------------------------------------------------- skeleton: encoder

_RUN = re.compile(rb"[A-Za-z0-9_+/-]+={0,2}")
_B64U_CHARS = re.compile(rb"[A-Za-z0-9_-]+")


def _looks_random(run: bytes) -> bool:
    classes = (
        any(0x41 <= c <= 0x5A for c in run),
        any(0x61 <= c <= 0x7A for c in run),
        any(0x30 <= c <= 0x39 for c in run),
    )
    return sum(classes) >= 2


def _b64u_canonical(run: bytes) -> bytes | None:
    if len(run) % 4 == 1 or not _B64U_CHARS.fullmatch(run):
        return None
    data = base64.urlsafe_b64decode(run + b"=" * (-len(run) % 4))
    return data if base64.urlsafe_b64encode(data).rstrip(b"=") == run else None


def _std_b64_canonical(run: bytes) -> bytes | None:
    if len(run) % 4 or len(run) < _MIN_STD_B64_CHARS:
        return None
    try:
        data = base64.b64decode(run, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data and base64.b64encode(data) == run else None


def _nestable(data: bytes) -> bool:
    if data[:1] not in (b"{", b"["):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _Encoder:
    def __init__(self, context: dict[int, bytes]) -> None:
        self.entropy = bytearray()
        # JSON string literals whose content is a context value ("<nonce>", "<client_id>"), longest first.
        ordered = sorted(context.items(), key=lambda kv: -len(kv[1]))
        self.context = {v: k for k, v in ordered}
        alternatives = [rb'"(' + re.escape(v) + rb')"' for _, v in ordered]
        self.nested_pattern = re.compile(b"|".join([*alternatives, _RUN.pattern]))

    def skeleton(self, text: bytes, depth: int = 0, sd_hash: bytes | None = None) -> bytes:
        out = bytearray()
        pos = 0
        pattern = self.nested_pattern if depth else _RUN
        for m in pattern.finditer(text):
            out += text[pos : m.start()]
            pos = m.end()
            run = m.group()
            if depth and run[:1] == b'"':  # a context value, as a whole JSON string
                value = run[1:-1]
                out += b'"' + bytes([CONTEXT, self.context[value]]) + _check(value) + b'"'
                continue
            if any(c in b"+/=" for c in run):
                der = _std_b64_canonical(run)
                if der is not None:
                    out += bytes([STD_B64]) + _varint(len(der)) + der
                    continue
            elif depth and sd_hash is not None and run == sd_hash:
                out.append(SD_HASH)
                continue
            else:
                data = _b64u_canonical(run)
                if data is not None and len(run) >= 2:
                    if depth < MAX_DEPTH and _nestable(data):
                        # the sd_hash a KB-JWT may hold: over the top-level text before this run
                        inner_hash = _sd_hash_of(text[: m.start()]) if depth == 0 else sd_hash
                        out += bytes([NEST_OPEN]) + self.skeleton(data, depth + 1, inner_hash) + bytes([NEST_CLOSE])
                        continue
                    if len(run) >= _MIN_TOKEN_CHARS and _looks_random(run):
                        out += bytes([TOKEN]) + _varint(len(run))
                        self.entropy += data
                        continue
            out += run
        out += text[pos:]
        return bytes(out)


def _deflate(data: bytes, zdict: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=zdict)
    return comp.compress(data) + comp.flush()


# ---------------------------------------------------------------- skeleton: decoder


class _Expander:
    def __init__(self, skeleton: bytes, entropy: bytes, context: dict[int, bytes] | None) -> None:
        self.s = skeleton
        self.pos = 0
        self.entropy = entropy
        self.epos = 0
        self.items = 0
        self.context = context

    def _count(self) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise Rejected(R_TOO_LARGE, "too many parts")

    def text(self, depth: int = 0, top: bytearray | None = None) -> bytes:
        """Expand items until the end (depth 0) or the matching 0xFD (depth > 0).

        ``top`` is the top-level text restored so far (for 0xFA), the output itself at depth 0."""
        s = self.s
        out = bytearray()
        if top is None:
            top = out
        while True:
            if self.pos >= len(s):
                if depth:
                    raise Rejected(R_MALFORMED, "unclosed nested part")
                return bytes(out)
            b = s[self.pos]
            self.pos += 1
            if b < 0xF8:
                out.append(b)
            elif b == TOKEN:
                self._count()
                length, self.pos = _read_varint(s, self.pos)
                if length < 2 or length % 4 == 1:
                    raise Rejected(R_MALFORMED, "impossible base64url length")
                n = length * 3 // 4
                chunk = self.entropy[self.epos : self.epos + n]
                if len(chunk) != n:
                    raise Rejected(R_MALFORMED, "entropy stream too short")
                self.epos += n
                out += base64.urlsafe_b64encode(chunk).rstrip(b"=")
            elif b == NEST_OPEN:
                self._count()
                if depth >= MAX_DEPTH:
                    raise Rejected(R_MALFORMED, "nested too deep")
                inner = self.text(depth + 1, top)
                if not inner:
                    raise Rejected(R_MALFORMED, "empty nested part")
                out += base64.urlsafe_b64encode(inner).rstrip(b"=")
            elif b == NEST_CLOSE:
                if not depth:
                    raise Rejected(R_MALFORMED, "unexpected end of nested part")
                return bytes(out)
            elif b == STD_B64:
                self._count()
                n, self.pos = _read_varint(s, self.pos)
                chunk = s[self.pos : self.pos + n]
                if n < 1 or len(chunk) != n:
                    raise Rejected(R_MALFORMED, "truncated base64 part")
                self.pos += n
                out += base64.b64encode(chunk)
            elif b == CONTEXT:
                self._count()
                if not depth:
                    raise Rejected(R_MALFORMED, "context reference outside a nested part")
                ref = s[self.pos : self.pos + 3]
                if len(ref) != 3 or ref[0] not in _CONTEXT_REASONS:
                    raise Rejected(R_MALFORMED, "bad context reference")
                self.pos += 3
                value = (self.context or {}).get(ref[0])
                if value is None:
                    raise Rejected(R_CONTEXT, "the request's nonce and client_id are needed")
                if _check(value) != ref[1:]:
                    raise Rejected(_CONTEXT_REASONS[ref[0]], "made for another request")
                out += value
            elif b == SD_HASH:
                self._count()
                digest = _sd_hash_of(bytes(top)) if depth else None
                if digest is None:
                    raise Rejected(R_MALFORMED, "sd_hash reference without a preceding SD-JWT")
                out += digest
            else:  # 0xF8, 0xF9
                raise Rejected(R_MALFORMED, "reserved marker")
            if len(out) > MAX_OUTPUT_CHARS:
                raise Rejected(R_TOO_LARGE, "restored text too large")


def _inflate(data: bytes, zdict: bytes) -> bytes:
    try:
        d = zlib.decompressobj(-15, zdict=zdict)
        out = d.decompress(data, MAX_SKELETON_BYTES + 1)
    except zlib.error:
        raise Rejected(R_MALFORMED, "not a valid DEFLATE stream") from None
    if len(out) > MAX_SKELETON_BYTES or d.unconsumed_tail:
        raise Rejected(R_TOO_LARGE, "inflates beyond the limit")
    if not d.eof:
        raise Rejected(R_MALFORMED, "truncated DEFLATE stream")
    if d.unused_data:
        raise Rejected(R_MALFORMED, "bytes after the DEFLATE stream")
    return out


# ---------------------------------------------------------------- public API


@dataclass(frozen=True, slots=True)
class Decoded:
    kind: str  # KIND_RESPONSE or KIND_REQUEST
    text: str  # the compact vp_token or request object, exactly as encoded


def _check_shape(kind: str, text: str) -> None:
    if kind == KIND_RESPONSE:
        if "~" not in text:
            raise Rejected(R_MALFORMED, "a vp_token (SD-JWT) has '~' separators")
    elif text.count(".") != 2 or "~" in text:
        raise Rejected(R_MALFORMED, "a request object is a compact JWS")


@dataclass(frozen=True, slots=True)
class Encoded:
    text: str  # the QR text: prefix + base45
    skeleton_bytes: int
    deflated_bytes: int
    entropy_bytes: int
    container_bytes: int


def encode_detailed(kind: str, text: str, context: Context | None = None) -> Encoded:
    """:func:`encode` with the sizes of each stage (for benchmarks and the documentation)."""
    if kind not in PREFIXES:
        raise ValueError(f"unknown kind {kind!r}")
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("the compact form is ASCII text")
    if len(text) > MAX_OUTPUT_CHARS:
        raise Rejected(R_TOO_LARGE, f"{len(text)} characters")
    _check_shape(kind, text)
    encoder = _Encoder(context.values() if context and kind == KIND_RESPONSE else {})
    skeleton = encoder.skeleton(text.encode("ascii"))
    deflated = _deflate(skeleton, _DICTIONARIES[kind])
    container = _varint(len(deflated)) + deflated + bytes(encoder.entropy)
    qr_text = PREFIXES[kind] + base45_encode(container)
    if len(qr_text) > MAX_TEXT_CHARS:
        raise Rejected(R_TOO_LARGE, f"{len(qr_text)} characters do not fit in one QR code")
    if decode(qr_text, kind, context) != text:  # lossless or nothing; cannot happen unless the code is wrong
        raise AssertionError("QR transport round trip failed")
    return Encoded(qr_text, len(skeleton), len(deflated), len(encoder.entropy), len(container))


def encode(kind: str, text: str, context: Context | None = None) -> str:
    """The QR text (prefix + base45) of a compact vp_token (``kind="response"``) or request object JWS.

    ``context`` (responses only) lets the encoder leave out the KB-JWT's nonce and aud; the decoder then needs
    the same context. Raises ``ValueError`` for an unknown kind or non-ASCII text, and ``Rejected(qr.*)`` if the
    text is not of the kind's shape or the result does not fit in a QR code."""
    return encode_detailed(kind, text, context).text


def decode_any(qr_text: Any, context: Context | None = None) -> Decoded:
    """Decode any ESSPASS QR transport text. Raises only ``Rejected``."""
    if not isinstance(qr_text, str):
        raise Rejected(R_MALFORMED, "not text")
    if len(qr_text) > MAX_TEXT_CHARS:
        raise Rejected(R_TOO_LARGE, f"{len(qr_text)} characters")
    m = _PREFIX_SHAPE.match(qr_text)
    readable = _READABLE.get(m.group()) if m else None
    if readable is None:
        raise Rejected(R_VERSION, "unknown prefix" if m is None else f"prefix {m.group()!r}")
    kind, preset_dictionary = readable
    container = base45_decode(qr_text[m.end() :])
    if len(container) > MAX_CONTAINER_BYTES:
        raise Rejected(R_TOO_LARGE, "container too large")
    n, pos = _read_varint(container, 0)
    if n == 0 or pos + n > len(container):
        raise Rejected(R_MALFORMED, "compressed length")
    skeleton = _inflate(container[pos : pos + n], preset_dictionary)
    values = context.values() if context is not None and kind == KIND_RESPONSE else None
    expander = _Expander(skeleton, container[pos + n :], values)
    out = expander.text()
    if expander.epos != len(expander.entropy):
        raise Rejected(R_MALFORMED, "bytes left in the entropy stream")
    if not out or any(c < 0x21 or c > 0x7E for c in out):
        raise Rejected(R_MALFORMED, "restored text is not printable ASCII")
    text = out.decode("ascii")
    _check_shape(kind, text)
    return Decoded(kind, text)


def decode(qr_text: Any, kind: str, context: Context | None = None) -> str:
    """Decode QR transport text that must be of ``kind``; ``qr.kind`` if it is the other kind."""
    decoded = decode_any(qr_text, context)
    if decoded.kind != kind:
        raise Rejected(R_KIND, f"expected a {kind}, got a {decoded.kind}")
    return decoded.text


def encode_response(vp_token: str, *, nonce: str | None = None, client_id: str | None = None) -> str:
    """``VP2:`` text of a vp_token. Give the request's ``nonce`` and ``client_id`` to leave them out (smaller)."""
    return encode(KIND_RESPONSE, vp_token, Context(nonce, client_id))


def decode_response(qr_text: Any, *, nonce: str | None = None, client_id: str | None = None) -> str:
    """The vp_token of ``VP2:`` (or ``VP1:``) text; ``nonce`` and ``client_id`` are those of the request it answers."""
    return decode(qr_text, KIND_RESPONSE, Context(nonce, client_id))


def encode_request(request_object_jws: str) -> str:
    return encode(KIND_REQUEST, request_object_jws)


def decode_request(qr_text: Any) -> str:
    return decode(qr_text, KIND_REQUEST)


def dictionary_sha256(kind: str, prefix: str | None = None) -> str:
    return hashlib.sha256(dictionary(kind, prefix)).hexdigest()
