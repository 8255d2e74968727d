"""The verification fast paths and the slow paths they fall back to name the same fault in the same order.

``jose.parse_compact`` and ``sd_jwt._disclosures_by_digest`` decode with a strict decoder (pybase64's SIMD one, or
binascii's strict mode where pybase64 is missing), which refuses a character outside base64url while it decodes; on any
doubt they hand the input to the part-by-part (strict) path, which names the exact fault. These tests pin every branch
of that hand-over, with each of the two decoders (RFC 7515 §2 / RFC 4648 §5: base64url without padding; RFC 9901 §4.2
disclosures)."""

from __future__ import annotations

import hashlib
import json

import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credential import jose, sd_jwt
from credential.reasons import Rejected


@pytest.fixture(autouse=True, params=["pybase64", "binascii"])
def decoder(request, monkeypatch):
    """Every test of this module runs with the SIMD decoder and with the standard library's (a build without
    pybase64, as the Android wallet)."""
    assert jose._pybase64_decode is not None, "pybase64 is a dependency (pyproject.toml)"
    if request.param == "binascii":
        monkeypatch.setattr(jose, "_pybase64_decode", None)
    return request.param


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


SIMD = jose._pybase64_decode


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET + "+/=.! \n~", max_size=40).map(lambda t: t.encode()))
def test_the_two_decoders_agree(data):
    """Anything the SIMD decoder is given (no '+', '/', '='), it decodes exactly as binascii's strict mode, and
    refuses exactly what binascii refuses; a text with '+', '/' or '=' goes to binascii's strict mode."""
    if data.find(b"+") >= 0 or data.find(b"/") >= 0 or data.find(b"=") >= 0:
        assert jose.url_groups_decoder(data) is jose._url_groups_std
        return
    if len(data) % 4 == 1:
        return  # impossible base64url: refused by every caller before decoding
    answers = []
    for decode in (lambda part: SIMD(part + jose.B64_PAD[len(part) % 4], b"-_", True), jose._url_groups_std):
        try:
            answers.append(decode(data))
        except binascii.Error:
            answers.append("refused")
    assert answers[0] == answers[1], (data, answers)

KEY = jose.SigningKey.generate()
TOKEN = jose.sign_compact({"typ": "example+sd-jwt"}, {"iss": "https://issuer.example", "n": 1, "q": "???>>>~~~"}, KEY)


def fault(token: str) -> tuple[str, str]:
    with pytest.raises(jose.JoseError) as info:
        jose.parse_compact(token)
    return info.value.kind, info.value.detail


def with_char(part: int, char: str, token: str = TOKEN) -> str:
    parts = token.split(".")
    parts[part] = parts[part][:4] + char + parts[part][5:]  # same length, one character replaced
    return ".".join(parts)


def test_good_token_decodes_the_same_on_both_paths():
    jws = jose.parse_compact(TOKEN)
    h, p, s = TOKEN.split(".")
    assert jws.header == json.loads(jose.b64u_decode_strict(h))
    assert jws.payload_bytes == jose.b64u_decode_strict(p)
    assert jws.signature == jose.b64u_decode_strict(s)
    assert jws.signing_input == f"{h}.{p}".encode()
    assert type(jws) is jose.CompactJws and jws._fields == ("header", "payload_bytes", "signing_input", "signature")
    assert jose.verify_signature(jws, KEY.public_key())


@pytest.mark.parametrize("part", [0, 1, 2])
@pytest.mark.parametrize("char", ["+", "/", "=", "!", " ", "\n", "~"])
def test_character_outside_base64url_is_named_by_the_slow_path(part, char):
    assert fault(with_char(part, char)) == ("encoding", "not base64url")


def test_standard_base64_of_the_same_bytes_is_refused():
    h, p, s = TOKEN.split(".")
    std = p.replace("-", "+").replace("_", "/")
    assert std != p  # the payload's "???>>>~~~" encodes to '-' and '_'
    assert fault(f"{h}.{std}.{s}") == ("encoding", "not base64url")
    padded = p + "=" * (-len(p) % 4)
    if padded != p:
        assert fault(f"{h}.{padded}.{s}") == ("encoding", "not base64url")


def test_impossible_length_with_a_good_alphabet_is_named_as_such():
    h, p, s = TOKEN.split(".")
    cut = p[: len(p) - (len(p) % 4) - 3]  # length 4k+1
    assert len(cut) % 4 == 1
    assert fault(f"{h}.{cut}.{s}") == ("encoding", "impossible base64url length")


def test_impossible_length_with_a_bad_alphabet_goes_to_the_slow_path():
    h, p, s = TOKEN.split(".")
    cut = p[: len(p) - (len(p) % 4) - 3]
    # a bad header character is found first, part by part
    assert fault(f"{h[:-1]}+.{cut}.{s}") == ("encoding", "not base64url")
    # a bad signature character: the payload's own length is named by the strict decoder
    assert fault(f"{h}.{cut}.+{s[1:]}") == ("encoding", "not base64url")


def test_header_not_json_is_named_before_a_bad_signature():
    bad_header = jose.b64u_encode(b"not json")
    h, p, s = TOKEN.split(".")
    assert fault(f"{bad_header}.{p}.{s}")[0] == "header"
    assert fault(f"{bad_header}.{p}.+{s[1:]}")[0] == "header"  # slow path: header first, as ever


def test_non_ascii_and_part_count():
    assert fault(with_char(1, "é")) == ("encoding", "not base64url")
    assert fault(TOKEN + ".x") == ("format", "a compact JWS has three parts")
    assert fault(TOKEN.replace(".", "é", 1)) == ("format", "a compact JWS has three parts")
    assert fault("") == ("format", "a compact JWS has three parts")


# ---------------------------------------------------------------- disclosures


def b64json(value) -> str:
    return jose.b64u_encode(json.dumps(value).encode())


GOOD = b64json(["c2FsdA", "given_name", "Ana"])
OTHER = b64json(["c2FsdB", "family_name", "Berg"])
NOT_JSON = jose.b64u_encode(b"[1, 2")
LEN_4K1 = "WyJh" * 3 + "W"  # base64url alphabet, impossible length


def code(disclosures: tuple[str, ...]) -> str:
    with pytest.raises(Rejected) as info:
        sd_jwt._disclosures_by_digest(disclosures, hashlib.sha256)
    return info.value.code


def test_disclosures_good_decode_and_digest():
    by_digest = sd_jwt._disclosures_by_digest((GOOD, OTHER), hashlib.sha256)
    assert by_digest == sd_jwt._disclosures_by_digest_strictly((GOOD, OTHER), hashlib.sha256)
    assert set(by_digest) == {sd_jwt.digest(GOOD), sd_jwt.digest(OTHER)}


@pytest.mark.parametrize("char", ["+", "/", "=", ".", "!"])
def test_disclosure_character_outside_base64url(char):
    bad = GOOD[:5] + char + GOOD[6:]
    assert code((OTHER, bad)) == "sd.disclosure_malformed"
    assert code((bad, OTHER)) == "sd.disclosure_malformed"


def test_disclosure_impossible_length_anywhere():
    assert len(LEN_4K1) % 4 == 1
    assert code((LEN_4K1,)) == "sd.disclosure_malformed"
    assert code((GOOD, LEN_4K1)) == "sd.disclosure_malformed"
    assert code((GOOD, GOOD, LEN_4K1)) == "sd.duplicate_disclosure"  # the strict path's order: duplicate first


def test_not_json_before_an_impossible_length_keeps_the_strict_order():
    # no bad length: the fast path names the disclosure that is not JSON before looking for duplicates
    assert code((GOOD, GOOD, NOT_JSON)) == "sd.disclosure_malformed"
    # a later disclosure of impossible length sends everything to the strict path, which meets the duplicate first
    assert code((GOOD, GOOD, NOT_JSON, LEN_4K1)) == "sd.duplicate_disclosure"
    # the same for a wrong shape (an object, not an array)
    shape = b64json({"a": 1})
    assert code((GOOD, GOOD, shape)) == "sd.disclosure_malformed"
    assert code((GOOD, GOOD, shape, LEN_4K1)) == "sd.duplicate_disclosure"
    too_large = "A" * (sd_jwt.MAX_DISCLOSURE_CHARS + 4)
    assert code((GOOD, GOOD, NOT_JSON, too_large)) == "sd.duplicate_disclosure"
    assert code((GOOD, too_large)) == "sd.disclosure_malformed"


def test_time_claims_fast_and_named():
    assert sd_jwt._time_claims({"exp": 2, "iat": 1}) == (2, None, 1)
    assert sd_jwt._time_claims({"exp": 2.5}) == (2.5, None, None)
    for name in ("exp", "nbf", "iat"):
        with pytest.raises(Rejected) as info:
            sd_jwt._time_claims({name: True})
        assert info.value.code == "sd.time_claim_malformed" and info.value.detail == name
    with pytest.raises(Rejected) as info:  # checked in the order exp, nbf, iat
        sd_jwt._time_claims({"iat": "x", "nbf": float("nan"), "exp": 1})
    assert info.value.detail == "nbf"



def test_never_disclosed_names_the_first_registered_claim():
    from credential import sd_jwt_vc

    sd_jwt_vc._never_disclosed(((("given_name",), "given_name", "Ana"), (("employer", 0), None, {})))
    sd_jwt_vc._never_disclosed((((), None, 1),))  # an empty path (never built by the resolver) is skipped
    for disclosed, first in (
        (((("given_name",), "given_name", "Ana"), (("exp",), "exp", 1), (("iat",), "iat", 1)), "exp"),
        ((((), None, 1), (("status",), "status", {})), "status"),
        (((("cnf", "jwk"), "jwk", {}),), "cnf"),  # nor anything inside them
    ):
        with pytest.raises(Rejected) as info:
            sd_jwt_vc._never_disclosed(disclosed)
        assert info.value.code == "vc.claim_disclosable" and info.value.detail == f"claim {first!r}"
