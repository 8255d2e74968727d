"""Compact JWS (RFC 7515) with ECDSA only, over pyca/cryptography.

Why by hand: the verifier's budget is "at most 1.5x two bare ECDSA verifies" per presentation
(issue benchmarks), and general JOSE libraries spend more than that on key objects and header
processing per call. We need only compact serialisation, ES256/ES384/ES512 (RFC 7518 §3.4) and a
strict header policy that the callers own (typ, crit, alg allow-list), which is a few dozen lines.
JWE (OpenID4VP direct_post.jwt) uses jwcrypto, which is the project's JOSE library.

Inputs are bounded: a token larger than ``MAX_TOKEN_BYTES`` is refused before any decoding.
"""

from __future__ import annotations

import abc
import binascii
import hashlib
import json

__all__ = [
    "JoseError", "SigningKey", "TokenKey", "b64u_decode", "b64u_decode_strict", "b64u_encode", "der_to_jws_signature",
    "json_loads", "json_object", "jwk_thumbprint", "jwk_to_public_key", "load_public_key", "parse_compact",
    "sign_compact", "verify_signature",
]

try:  # fast JSON on servers and desktops; the stdlib where orjson cannot be built (python-for-android)
    import orjson
except ImportError:  # pragma: no cover - exercised by tests/credential/test_json_fallback.py
    orjson = None  # type: ignore[assignment]
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

MAX_TOKEN_BYTES = 256 * 1024

# RFC 7518 §3.4: alg -> (curve, hash, coordinate size in bytes)
_ALGS: dict[str, tuple[type[ec.EllipticCurve], type[hashes.HashAlgorithm], int]] = {
    "ES256": (ec.SECP256R1, hashes.SHA256, 32),
    "ES384": (ec.SECP384R1, hashes.SHA384, 48),
    "ES512": (ec.SECP521R1, hashes.SHA512, 66),
}
# ECDSA signature algorithm objects are stateless: build each once, not per verify
_ECDSA = {alg: ec.ECDSA(hash_cls()) for alg, (_c, hash_cls, _s) in _ALGS.items()}
_CRV_NAMES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
_CRV_BY_CURVE = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_ALG_BY_CRV = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
ALLOWED_ALGS = frozenset(_ALGS)


class JoseError(ValueError):
    """Malformed or unverifiable JOSE input; ``kind`` says which part failed."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail




_TO_URL = bytes.maketrans(b"+/", b"-_")
_FROM_URL = bytes.maketrans(b"-_", b"+/")
_PAD = (b"", b"", b"==", b"=")
FROM_URL_TABLE, B64_PAD = _FROM_URL, _PAD  # for callers that validated the alphabet themselves

try:  # pybase64: SIMD base64 (AVX2/AVX-512/NEON), several times faster than binascii's byte loop on the hot paths
    from pybase64 import b64decode as _pybase64_decode
except ImportError:  # a build without it (the Android wallet): the standard library, with the same results
    _pybase64_decode = None


def _url_groups_simd(part: bytes) -> bytes:
    """base64url → bytes, for a part already known to hold no '+', '/' nor '=' (pybase64 with ``altchars`` still
    accepts '+' and '/'): ``validate`` refuses every other character outside the alphabet with
    :class:`binascii.Error`."""
    return _pybase64_decode(part + _PAD[len(part) & 3], b"-_", True)


def _url_groups_std(part: bytes) -> bytes:
    # the padding after the mapping: FROM_URL_STRICT_TABLE turns '=' into a character binascii refuses
    return binascii.a2b_base64(part.translate(FROM_URL_STRICT_TABLE) + _PAD[len(part) & 3], strict_mode=True)


def url_groups_decoder(raw: bytes):
    """The strict base64url decoder for the parts cut from ``raw`` (each padded by the decoder): the SIMD one when
    ``raw`` has no '+', '/' nor '=' (which base64url never has), else binascii's strict mode after mapping those to
    characters it refuses. Either raises :class:`binascii.Error` for any character outside base64url. A part of
    length 4k+1 is impossible base64url; callers refuse it before decoding."""
    if _pybase64_decode is not None and raw.find(b"+") < 0 and raw.find(b"/") < 0 and raw.find(b"=") < 0:
        return _url_groups_simd
    return _url_groups_std


def b64u_encode(data: bytes) -> str:
    # binascii directly: this runs a dozen times per credential on the hot paths
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_TO_URL).decode("ascii")


def b64u_decode(text: str | bytes) -> bytes:
    """Base64url without padding (RFC 7515 §2)."""
    raw = text.encode("ascii", "strict") if isinstance(text, str) else text
    if len(raw) % 4 == 1:
        raise JoseError("encoding", "impossible base64url length")
    try:
        return binascii.a2b_base64(raw.translate(_FROM_URL) + _PAD[len(raw) % 4])
    except (binascii.Error, ValueError) as exc:
        raise JoseError("encoding", str(exc)) from None


def b64u_decode_strict(text: str) -> bytes:
    """Base64url exactly (RFC 4648 §5, no padding): '+', '/', '=' and anything outside the
    alphabet are errors. binascii's strict mode does the alphabet check in C."""
    if not isinstance(text, str) or not text.isascii():
        raise JoseError("encoding", "not base64url")
    raw = text.encode("ascii")
    # find(), not 'in': 'in' on bytes first tries its argument as an integer and formats that error
    if raw.find(b"+") >= 0 or raw.find(b"/") >= 0 or raw.find(b"=") >= 0 or len(raw) % 4 == 1:
        raise JoseError("encoding", "not base64url")
    try:
        if _pybase64_decode is not None:  # '+', '/' and '=' were refused above
            return _pybase64_decode(raw + _PAD[len(raw) % 4], b"-_", True)
        return binascii.a2b_base64(raw.translate(_FROM_URL) + _PAD[len(raw) % 4], strict_mode=True)
    except binascii.Error:
        raise JoseError("encoding", "not base64url") from None


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
MAX_JSON_DEPTH = 128  # the stdlib decoder's bound; orjson's own is 1024


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 §6)")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def _stdlib_dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _stdlib_loads(data: bytes | str) -> Any:
    """The same contract as orjson.loads: strict RFC 8259 (UTF-8, no NaN/Infinity), bounded depth,
    only ValueError on bad input."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview)) else data
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return _DECODER.decode(text)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


if orjson is not None:

    def json_dumps(value: Any) -> bytes:
        """Compact UTF-8 JSON. orjson is several times faster than the stdlib on the hot paths;
        the stdlib takes over for what orjson refuses (integers beyond 64 bits)."""
        try:
            return orjson.dumps(value)
        except TypeError:
            return _stdlib_dumps(value)

    # Strict JSON (RFC 8259: UTF-8, no NaN/Infinity); raises ValueError (orjson.JSONDecodeError) on
    # anything else, and bounds nesting depth, so deep input is an error, not a RecursionError.
    # An alias, not a wrapper: it runs a dozen times per presentation.
    json_loads = orjson.loads
else:  # pragma: no cover - see the import above
    json_dumps = _stdlib_dumps
    json_loads = _stdlib_loads


def json_text(value: Any) -> str:
    return json_dumps(value).decode("utf-8")


def json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json_loads(data)
    except (ValueError, RecursionError) as exc:
        raise JoseError(what, f"not JSON: {type(exc).__name__}") from None
    if not isinstance(value, dict):
        raise JoseError(what, "not a JSON object")
    return value


# ---------------------------------------------------------------- keys


class TokenKey(abc.ABC):
    """What :class:`SigningKey` needs of a private key that never leaves its hardware (an HSM, a PKCS#11
    token; see ``deployment.pkcs11``): its curve, its public key, and a JWS signature over a signing input,
    already in the JWS form (RFC 7518 §3.4: R and S, each as a big-endian octet string of the curve's
    coordinate size, concatenated)."""

    curve: ec.EllipticCurve

    @abc.abstractmethod
    def public_key(self) -> ec.EllipticCurvePublicKey: ...

    @abc.abstractmethod
    def sign_jws(self, signing_input: bytes, alg: str) -> bytes: ...


def der_to_jws_signature(der: bytes, alg: str) -> bytes:
    """An ASN.1 DER ECDSA-Sig-Value (RFC 3279 §2.2.3, what pyca/cryptography and some tokens return) as the
    JWS signature R || S (RFC 7518 §3.4)."""
    size = _ALGS[alg][2]
    r, s = decode_dss_signature(der)
    if r.bit_length() > 8 * size or s.bit_length() > 8 * size:
        raise JoseError("signature", "ECDSA signature values larger than the curve")
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private EC key with its JWS algorithm: in memory (pyca/cryptography) or in a token
    (:class:`TokenKey`, e.g. PKCS#11). Everything that signs goes through this type."""

    private_key: ec.EllipticCurvePrivateKey | TokenKey

    @property
    def alg(self) -> str:
        return _ALG_BY_CRV[_CRV_BY_CURVE[self.private_key.curve.name]]

    @property
    def in_token(self) -> bool:
        """True when the private key stays in hardware (it cannot be exported or used for X.509 signing)."""
        return isinstance(self.private_key, TokenKey)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key.public_key())

    def sign(self, signing_input: bytes) -> bytes:
        key = self.private_key
        if isinstance(key, TokenKey):
            return key.sign_jws(signing_input, self.alg)
        curve_cls, hash_cls, size = _ALGS[self.alg]
        der = key.sign(signing_input, ec.ECDSA(hash_cls()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    @classmethod
    def generate(cls, crv: str = "P-256") -> "SigningKey":
        return cls(ec.generate_private_key(_CRV_NAMES[crv]()))

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> "SigningKey":
        key = serialization.load_pem_private_key(pem, password=password)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise JoseError("key", "only EC private keys are supported")
        return cls(key)

    def to_pem(self, password: bytes | None = None) -> bytes:
        if isinstance(self.private_key, TokenKey):
            raise JoseError("key", "a key in a token cannot be exported")
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    crv = _CRV_BY_CURVE[key.curve.name]
    size = _ALGS[_ALG_BY_CRV[crv]][2]
    nums = key.public_numbers()
    return {
        "kty": "EC",
        "crv": crv,
        "x": b64u_encode(nums.x.to_bytes(size, "big")),
        "y": b64u_encode(nums.y.to_bytes(size, "big")),
    }


@lru_cache(maxsize=4096)
def _ec_key_from_coordinates(crv: str, x: str, y: str) -> ec.EllipticCurvePublicKey:
    curve_cls = _CRV_NAMES[crv]
    size = _ALGS[_ALG_BY_CRV[crv]][2]
    xb, yb = b64u_decode_strict(x), b64u_decode_strict(y)
    if len(xb) != size or len(yb) != size:
        raise JoseError("key", "wrong coordinate length")
    # from_encoded_point validates that the point is on the curve.
    return ec.EllipticCurvePublicKey.from_encoded_point(curve_cls(), b"\x04" + xb + yb)


def jwk_to_public_key(jwk: Any) -> ec.EllipticCurvePublicKey:
    """Public EC key from a JWK (RFC 7518 §6.2.1); private members are refused."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC":
        raise JoseError("key", "not an EC JWK")
    if "d" in jwk:
        raise JoseError("key", "JWK contains a private key")
    crv, x, y = jwk.get("crv"), jwk.get("x"), jwk.get("y")
    if not isinstance(crv, str) or crv not in _CRV_NAMES or not isinstance(x, str) or not isinstance(y, str):
        raise JoseError("key", "unsupported or incomplete EC JWK")
    try:
        return _ec_key_from_coordinates(crv, x, y)
    except (ValueError, UnicodeError) as exc:
        raise JoseError("key", f"invalid EC point: {exc}") from None


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of an EC public JWK."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return b64u_encode(hashlib.sha256(canonical.encode()).digest())


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """A public key from a JWK JSON document, a PEM public key or a PEM certificate."""
    text = data.strip()
    if text.startswith(b"{"):
        return jwk_to_public_key(json_object(text, "key"))
    if b"BEGIN CERTIFICATE" in text:
        from cryptography import x509

        key = x509.load_pem_x509_certificate(text).public_key()
    else:
        key = serialization.load_pem_public_key(text)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise JoseError("key", "only EC public keys are supported")
    return key


# ---------------------------------------------------------------- compact JWS


class CompactJws(NamedTuple):
    """A compact JWS split and decoded, not verified. A named tuple: two are built per presentation on
    the verification hot path, where a frozen dataclass's ``__init__`` costs several times as much."""

    header: dict[str, Any]
    payload_bytes: bytes
    signing_input: bytes
    signature: bytes

    def payload(self) -> dict[str, Any]:
        return json_object(self.payload_bytes, "payload")


# A named tuple's own __new__ is a Python function; parse_compact calls tuple.__new__ with all four fields instead
_tuple_new = tuple.__new__


def sign_compact(header: dict[str, Any], payload: dict[str, Any] | bytes, key: SigningKey) -> str:
    header = {"alg": key.alg, **header}
    if header["alg"] != key.alg:
        raise JoseError("header", "alg does not match the key")
    body = payload if isinstance(payload, bytes) else json_dumps(payload)
    signing_input = (b64u_encode(json_dumps(header)) + "." + b64u_encode(body)).encode("ascii")
    return signing_input.decode("ascii") + "." + b64u_encode(key.sign(signing_input))


_B64U_AND_DOT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
# base64url to base64 for binascii's strict mode, which then refuses, in the same C pass that decodes, every
# character outside the base64url alphabet: '+', '/' and '=' (RFC 4648 §5: not base64url) become '!', which
# no base64 alphabet holds. Padding is added after the translation.
FROM_URL_STRICT_TABLE = bytes.maketrans(b"-_+/=", b"+/!!!")


def parse_compact(token: str, max_bytes: int = MAX_TOKEN_BYTES) -> CompactJws:
    """Split and decode a compact JWS without verifying it. Header must name an allowed alg."""
    if not isinstance(token, str) or len(token) > max_bytes:
        raise JoseError("format", "token missing or too large")
    # Fast path: the strict decoder (url_groups_decoder) checks the alphabet while it decodes. A token with a
    # character outside base64url is decoded again part by part, strictly, so that the error names the part.
    header = None
    if token.isascii():
        raw = token.encode("ascii")
        parts_b = raw.split(b".")
        if len(parts_b) != 3:
            raise JoseError("format", "a compact JWS has three parts")
        h, p, s = parts_b
        lh, lp = len(h), len(p)
        if lh & 3 == 1 or lp & 3 == 1 or len(s) & 3 == 1:
            if not raw.translate(None, _B64U_AND_DOT):  # else the slow path names the first bad part
                raise JoseError("encoding", "impossible base64url length")
        else:
            a2b = url_groups_decoder(raw)
            try:
                header_bytes, payload_bytes, signature = a2b(h), a2b(p), a2b(s)
            except binascii.Error:
                pass  # a character outside base64url: the slow path names the part
            else:
                header = json_object(header_bytes, "header")
                signing_input = raw[: lh + 1 + lp]
    if header is None:
        parts = token.split(".")
        if len(parts) != 3:
            raise JoseError("format", "a compact JWS has three parts")
        h_text, p_text, s_text = parts
        header = json_object(b64u_decode_strict(h_text), "header")
        payload_bytes, signature = b64u_decode_strict(p_text), b64u_decode_strict(s_text)
        signing_input = f"{h_text}.{p_text}".encode("ascii")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:  # RFC 9901 §7.1 step 2: none and symmetric algs are refused
        raise JoseError("alg", f"algorithm {alg!r} is not allowed")
    return _tuple_new(CompactJws, (header, payload_bytes, signing_input, signature))  # see _tuple_new


def verify_signature(jws: CompactJws, key: ec.EllipticCurvePublicKey) -> bool:
    alg = jws.header["alg"]
    curve_cls, _hash_cls, size = _ALGS[alg]
    sig = jws.signature
    if len(sig) != 2 * size or key.curve.name != curve_cls.name:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
    try:
        key.verify(der, jws.signing_input, _ECDSA[alg])
    except InvalidSignature:
        return False
    return True


def verify_compact(token: str, key: ec.EllipticCurvePublicKey) -> CompactJws:
    jws = parse_compact(token)
    if not verify_signature(jws, key):
        raise JoseError("signature", "signature does not verify")
    return jws
