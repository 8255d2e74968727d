"""Token Status List (draft-ietf-oauth-status-list-20): vectors, properties and every rejection."""

from __future__ import annotations

import json
import re
import time
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from credential import jose
from credential import status_list as sl
from credential.reasons import Rejected, all_reasons
from credential.status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    StatusList,
    StatusReference,
    StatusResult,
    create_status_list_token,
    parse_status_claim,
    validate_status_list_token,
)
from tests.vectors import VECTORS_DIR

SL_DIR = VECTORS_DIR / "status-list"
URI = "https://issuer.example/statuslists/1"
IAT = 1_700_000_000

# ---------------------------------------------------------------- vector parsing helpers


def _read(name: str) -> str:
    return (SL_DIR / name).read_text(encoding="utf-8")


def _parse_status_list_file(name: str) -> dict:
    """The example files hold JSON whose ``lst`` string is wrapped over several lines."""
    text = _read(name)
    bits = re.search(r'"bits"\s*:\s*(\d+)', text)
    lst = re.search(r'"lst"\s*:\s*"([^"]*)"', text, re.S)
    assert bits and lst, name
    return {"bits": int(bits.group(1)), "lst": re.sub(r"\s+", "", lst.group(1))}


def _byte_array(name: str) -> bytes | None:
    m = re.search(r"byte_array\s*=\s*\[([^\]]*)\]", _read(name))
    return bytes(int(x, 16) for x in m.group(1).split(",")) if m else None


_STATUS_LINE = re.compile(r"status\[(\d+)\]\s*=\s*0b([01]+)")


def _expected_blocks() -> list[tuple[int, dict[int, int]]]:
    """Every fenced block of ``status[i] = 0b...`` lines in EXPECTED.md, as (bits, {idx: value})."""
    blocks: list[tuple[int, dict[int, int]]] = []
    current: list[str] | None = None
    for line in _read("EXPECTED.md").splitlines():
        if line.lstrip().startswith("~~~"):
            if current is None:
                current = []
            else:
                found = [_STATUS_LINE.search(x) for x in current]
                found = [m for m in found if m]
                if found:
                    widths = {len(m.group(2)) for m in found}
                    assert len(widths) == 1, widths
                    values: dict[int, int] = {}
                    for m in found:
                        i, v = int(m.group(1)), int(m.group(2), 2)
                        assert values.get(i, v) == v, f"conflicting status[{i}]"
                        values[i] = v
                    blocks.append((widths.pop(), values))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def _vector_key():
    m = re.search(r'\{"kty":"EC"[^}]*\}', _read("README.md"))
    assert m
    return jose.jwk_to_public_key(json.loads(m.group(0)))


# ---------------------------------------------------------------- spec vectors


LONG_FILES = {
    1: "status_list_encoding1_long_json.md",
    2: "status_list_encoding2_long_json.md",
    4: "status_list_encoding4_json.md",
    8: "status_list_encoding8_json.md",
}


def test_expected_md_has_all_blocks():
    blocks = _expected_blocks()
    assert [b for b, _ in blocks] == [1, 2, 4, 8, 1, 2]
    assert len(blocks[4][1]) == 16 and len(blocks[5][1]) == 12


@pytest.mark.parametrize("block", range(4))
def test_long_vectors(block):
    bits, expected = _expected_blocks()[block]
    obj = _parse_status_list_file(LONG_FILES[bits])
    assert obj["bits"] == bits
    lst = StatusList.decode(obj)
    assert lst.bits == bits
    assert lst.size >= 2**20  # "All examples are initialized with a size of 2^20 entries."
    for idx, value in expected.items():
        assert lst.get(idx) == value, idx
    nonzero = sum(1 for v in expected.values() if v)
    assert lst.count(0) == lst.size - nonzero  # every index not listed is VALID
    # Our own encoding of the same list decodes to the same values.
    assert StatusList.decode(lst.encode()) == lst
    assert StatusList.decode(lst.encode(smallest=True)) == lst


@pytest.mark.parametrize(
    "block,name,compressed_hex",
    [
        (4, "status_list_encoding_json.md", "78dadbb918000217015d"),
        (5, "status_list_encoding2_json.md", "78da3be9f2130003df0207"),
    ],
)
def test_short_vectors(block, name, compressed_hex):
    bits, expected = _expected_blocks()[block]
    obj = _parse_status_list_file(name)
    lst = StatusList.decode(obj)
    assert lst.bits == bits and lst.size == len(expected)
    assert bytes(lst.buffer) == _byte_array(name)
    assert bytes(lst.buffer) == zlib.decompress(bytes.fromhex(compressed_hex))
    assert [lst.get(i) for i in range(lst.size)] == [expected[i] for i in range(len(expected))]
    built = StatusList.from_values([expected[i] for i in range(len(expected))], bits)
    assert bytes(built.buffer) == _byte_array(name)
    assert StatusList.decode(built.encode()) == lst


def test_jwt_vector_validates_with_the_given_key():
    token = re.sub(r"\s+", "", _read("status_list_jwt_raw.md"))
    decoded = _read("status_list_jwt.md")
    payload = json.loads(decoded[decoded.index(".\n") + 2 :])
    now = payload["iat"] + 60
    res = validate_status_list_token(
        token, public_key=_vector_key(), expected_sub=payload["sub"], now=now, idx=0
    )
    assert res == StatusResult(INVALID, "INVALID", payload["iat"], payload["exp"], 43200, now + 43200)
    for i, v in _expected_blocks()[4][1].items():
        r = validate_status_list_token(
            token, public_key=_vector_key(), expected_sub=payload["sub"], now=now, idx=i
        )
        assert r.value == v
    with pytest.raises(Rejected) as e:
        validate_status_list_token(
            token, public_key=_vector_key(), expected_sub=payload["sub"], now=now, idx=16
        )
    assert e.value.code == "status.index_out_of_bounds"
    with pytest.raises(Rejected) as e:
        validate_status_list_token(
            token, public_key=_vector_key(), expected_sub=payload["sub"], now=payload["exp"], idx=0
        )
    assert e.value.code == "status.token_expired"


# ---------------------------------------------------------------- the list


def test_lsb_first_packing():
    lst = StatusList.new(16, 1)
    for i in (0, 3, 4, 5, 7, 8, 9, 13, 15):
        lst.set(i, 1)
    assert bytes(lst.buffer) == b"\xb9\xa3"  # §4.1 example
    lst2 = StatusList.new(4, 4)
    lst2.set(0, 0xA)
    lst2.set(1, 0x5)
    assert bytes(lst2.buffer) == b"\x5a\x00"
    lst2.set(0, 0)
    assert bytes(lst2.buffer) == b"\x50\x00"


def test_bounds_and_value_checks():
    lst = StatusList.new(10, 2)
    with pytest.raises(IndexError):
        lst.get(10)
    with pytest.raises(IndexError):
        lst.get(-1)
    with pytest.raises(IndexError):
        lst.set(10, 1)
    with pytest.raises(ValueError):
        lst.set(0, 4)
    with pytest.raises(ValueError):
        lst.set(0, -1)
    with pytest.raises(TypeError):
        lst.get(True)
    with pytest.raises(ValueError):
        StatusList.new(10, 3)
    with pytest.raises(ValueError):
        StatusList.new(-1, 1)
    with pytest.raises(IndexError):
        lst.set_many([1, 2, 10], 1)
    assert lst.count(0) == 10  # a failed batch changes nothing
    with pytest.raises(ValueError):
        StatusList.from_bytes(b"\x00\x40", 2, size=7)  # bits beyond the last entry
    with pytest.raises(ValueError):
        StatusList.from_bytes(b"\x00\x00\x00", 2, size=7)


def test_count_excludes_padding_and_aggregation_uri_passes_through():
    lst = StatusList.new(13, 2, aggregation_uri="https://issuer.example/statuslists")
    lst.set_many([0, 5, 12], SUSPENDED)
    lst.set(7, INVALID)
    assert (lst.count(0), lst.count(1), lst.count(2), lst.count(3)) == (9, 1, 3, 0)
    enc = lst.encode()
    assert enc["aggregation_uri"] == "https://issuer.example/statuslists"
    back = StatusList.decode(enc)
    assert back.aggregation_uri == enc["aggregation_uri"]
    assert back.size == 16 and [back.get(i) for i in range(13)] == [lst.get(i) for i in range(13)]


def test_memory_of_a_national_list():
    tracemalloc.start()
    try:
        lst = StatusList.new(10_000_000, 2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lst.nbytes == 2_500_000
    assert peak < 2_600_000


def test_republishing_ten_million_entries_is_fast():
    import random

    rng = random.Random(7)
    lst = StatusList.new(10_000_000, 2)
    revoked = rng.sample(range(10_000_000), 100_000)
    t0 = time.perf_counter()
    lst.set_many(revoked[:50_000], INVALID)
    lst.set_many(revoked[50_000:], SUSPENDED)
    enc = lst.encode()
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, elapsed
    assert len(enc["lst"]) < 300_000
    back = StatusList.decode(enc)
    assert back.count(INVALID) == 50_000 and back.count(SUSPENDED) == 50_000


# ---------------------------------------------------------------- properties

values_by_bits = st.sampled_from(sl.ALLOWED_BITS).flatmap(
    lambda bits: st.tuples(
        st.just(bits), st.lists(st.integers(0, (1 << bits) - 1), max_size=300)
    )
)


@given(values_by_bits, st.booleans())
@settings(max_examples=200)
def test_roundtrip_property(bv, smallest):
    bits, values = bv
    lst = StatusList.from_values(values, bits)
    back = StatusList.decode(lst.encode(smallest=smallest))
    assert back.bits == bits and back.size >= len(values)
    assert back.size - len(values) < 8 // bits  # only the last byte's padding is added
    assert [back.get(i) for i in range(len(values))] == values
    assert all(back.get(i) == 0 for i in range(len(values), back.size))
    for v in range(min(1 << bits, 5)):
        assert lst.count(v) == values.count(v)


@given(values_by_bits, st.data())
@settings(max_examples=100)
def test_set_get_model(bv, data):
    bits, values = bv
    assume(values)
    lst = StatusList.new(len(values), bits)
    model = [0] * len(values)
    for i, v in enumerate(values):
        j = data.draw(st.integers(0, len(values) - 1))
        lst.set(j, v)
        model[j] = v
    assert [lst.get(i) for i in range(len(model))] == model


# ---------------------------------------------------------------- tokens

KEY = jose.SigningKey.generate()
OTHER_KEY = jose.SigningKey.generate()


def _list() -> StatusList:
    lst = StatusList.new(1000, 2)
    lst.set(1, INVALID)
    lst.set(2, SUSPENDED)
    lst.set(3, 3)
    return lst


def _token(**kw) -> str:
    status_list = kw.pop("status_list", None) or _list()
    args = dict(sub=URI, iat=IAT, exp=IAT + 86400, ttl=3600, key=KEY, kid="k1")
    args.update(kw)
    return create_status_list_token(status_list, **args)


def _raw_token(header: dict, payload, key: jose.SigningKey = KEY) -> str:
    body = payload if isinstance(payload, bytes) else jose.json_dumps(payload)
    return jose.sign_compact(header, body, key)


def _payload(**kw):
    p = {"sub": URI, "iat": IAT, "exp": IAT + 86400, "ttl": 3600, "status_list": _list().encode()}
    p.update(kw)
    return {k: v for k, v in p.items() if v is not _DROP}


_DROP = object()


def _validate(token, **kw):
    args = dict(public_key=KEY.public_key(), expected_sub=URI, now=IAT + 10, idx=1)
    args.update(kw)
    return validate_status_list_token(token, **args)


def _code(token, **kw) -> str:
    with pytest.raises(Rejected) as e:
        _validate(token, **kw)
    return e.value.code


def test_token_roundtrip_and_header():
    token = _token(x5c=["MIIB"], kid="k1")
    jws = jose.parse_compact(token)
    assert jws.header == {"alg": "ES256", "typ": "statuslist+jwt", "kid": "k1", "x5c": ["MIIB"]}
    assert set(jws.payload()) == {"sub", "iat", "exp", "ttl", "status_list"}
    got = {i: _validate(token, idx=i) for i in range(5)}
    assert [got[i].status for i in range(5)] == ["VALID", "INVALID", "SUSPENDED", "APPLICATION_SPECIFIC", "VALID"]
    assert got[1].iat == IAT and got[1].exp == IAT + 86400 and got[1].ttl == 3600


def test_key_resolver_receives_header():
    seen = []

    def resolve(header):
        seen.append(header.get("kid"))
        return KEY.public_key() if header.get("kid") == "k1" else None

    assert _validate(_token(), public_key=resolve).value == INVALID
    assert seen == ["k1"]
    assert _code(_token(kid="other"), public_key=resolve) == "status.token_signature"


def test_ttl_and_exp_semantics():
    # ttl counts from when the token was fetched (§13.7 first option), capped by exp
    r = _validate(_token(), now=IAT + 100)
    assert r.fresh_until == IAT + 100 + 3600
    r = _validate(_token(), now=IAT + 100, fetched_at=IAT + 50)
    assert r.fresh_until == IAT + 50 + 3600
    r = _validate(_token(), now=IAT + 86000)
    assert r.fresh_until == IAT + 86400
    # ttl passed is NOT a rejection (it is a caching hint, §8.3 step 4d) ...
    r = _validate(_token(), now=IAT + 80000, fetched_at=IAT)
    assert r.value == INVALID and r.fresh_until < IAT + 80000
    # ... but exp is (§8.3 step 4c, RFC 7519 §4.1.4: on or after exp)
    assert _code(_token(), now=IAT + 86400) == "status.token_expired"
    assert _validate(_token(), now=IAT + 86400, leeway=1).value == INVALID
    # no ttl: check again at exp; neither: caller policy
    assert _validate(_token(ttl=None)).fresh_until == IAT + 86400
    r = _validate(_token(ttl=None, exp=None), now=IAT + 10**8)
    assert r.fresh_until is None and r.exp is None and r.ttl is None
    # NumericDate may be fractional
    t = _raw_token({"typ": "statuslist+jwt"}, _payload(iat=IAT + 0.5, exp=IAT + 100.9, ttl=10.5))
    r = _validate(t)
    assert (r.iat, r.exp, r.ttl) == (IAT, IAT + 100, 10)


def test_raise_for_status():
    t = _token()
    _validate(t, idx=0).raise_for_status()
    codes = {}
    for i in (1, 2, 3):
        with pytest.raises(Rejected) as e:
            _validate(t, idx=i).raise_for_status()
        codes[i] = e.value.code
    assert codes == {1: "status.invalid", 2: "status.suspended", 3: "status.unknown_value"}
    _validate(t, idx=3).raise_for_status(accept_values=frozenset({3}))
    lst = StatusList.new(20, 8)
    lst.set(5, 0x42)
    r = _validate(_token(status_list=lst), idx=5)
    assert r.status == "UNKNOWN"
    with pytest.raises(Rejected) as e:
        r.raise_for_status()
    assert e.value.code == "status.unknown_value"
    assert sl.status_name(0x0C) == sl.status_name(0x0F) == "APPLICATION_SPECIFIC"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.e30.AA",
        jose.b64u_encode(b'{"alg":"none","typ":"statuslist+jwt"}') + ".e30.",
        jose.b64u_encode(b'{"alg":"HS256","typ":"statuslist+jwt"}') + ".e30.AAAA",
        None,
        12,
    ],
)
def test_malformed_tokens(token):
    assert _code(token) == "status.token_malformed"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1,2]",
        _payload(sub=_DROP),
        _payload(sub=5),
        _payload(iat=_DROP),
        _payload(iat="1700000000"),
        _payload(iat=True),
        _payload(iat=None),
        _payload(exp="soon"),
        _payload(ttl=0),
        _payload(ttl=-5),
        _payload(ttl="3600"),
        _payload(ttl=None),
        _payload(nbf=[1]),
        _payload(status_list=_DROP),
        jose.json_dumps(_payload()).replace(b'"exp":1700086400', b'"exp":NaN'),
        jose.json_dumps(_payload()).replace(b'"ttl":3600', b'"ttl":Infinity'),
    ],
)
def test_malformed_payloads(payload):
    assert _code(_raw_token({"typ": "statuslist+jwt"}, payload)) == "status.token_malformed"


def test_crit_is_refused():
    t = _raw_token({"typ": "statuslist+jwt", "crit": ["exp"]}, _payload())
    assert _code(t) == "status.token_malformed"


@pytest.mark.parametrize("typ", [None, "JWT", "Statuslist+JWT", "application/statuslist+jwt", "statuslist+cwt", 1])
def test_wrong_typ(typ):
    header = {} if typ is None else {"typ": typ}
    assert _code(_raw_token(header, _payload())) == "status.token_typ"


def test_bad_signatures():
    t = _token()
    assert _code(t, public_key=OTHER_KEY.public_key()) == "status.token_signature"
    h, p, s = t.split(".")
    flipped = s[:5] + ("A" if s[5] != "A" else "B") + s[6:]
    assert _code(f"{h}.{p}.{flipped}") == "status.token_signature"
    other_payload = jose.b64u_encode(jose.json_dumps(_payload(sub="https://evil.example/x")))
    assert _code(f"{h}.{other_payload}.{s}") == "status.token_signature"
    p384 = jose.SigningKey.generate("P-384")
    assert _code(t, public_key=p384.public_key()) == "status.token_signature"
    assert _code(t, public_key=lambda header: None) == "status.token_signature"


def test_sub_mismatch():
    assert _code(_token(), expected_sub=URI + "/") == "status.sub_mismatch"
    assert _code(_token(sub="https://issuer.example/statuslists/2")) == "status.sub_mismatch"


def test_not_yet_valid():
    t = _raw_token({"typ": "statuslist+jwt"}, _payload(nbf=IAT + 1000))
    assert _code(t) == "status.token_not_yet_valid"
    assert _validate(t, now=IAT + 1000).value == INVALID


@pytest.mark.parametrize("idx", [1000, 10**30, -1, "1", True, 1.0])
def test_index_out_of_bounds(idx):
    assert _code(_token(), idx=idx) == "status.index_out_of_bounds"


def _deflate_raw(data: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def _gzip(data: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    return co.compress(data) + co.flush()


GOOD = zlib.compress(b"\x00" * 250)


@pytest.mark.parametrize(
    "status_list",
    [
        "string",
        [1, 2],
        {"bits": 3, "lst": jose.b64u_encode(GOOD)},
        {"bits": "1", "lst": jose.b64u_encode(GOOD)},
        {"bits": True, "lst": jose.b64u_encode(GOOD)},
        {"bits": 16, "lst": jose.b64u_encode(GOOD)},
        {"lst": jose.b64u_encode(GOOD)},
        {"bits": 1},
        {"bits": 1, "lst": 5},
        {"bits": 1, "lst": jose.b64u_encode(GOOD) + "="},
        {"bits": 1, "lst": "eNr+/w"},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ" + "A"},  # impossible base64url length
        {"bits": 1, "lst": jose.b64u_encode(_deflate_raw(b"\x00" * 250))},
        {"bits": 1, "lst": jose.b64u_encode(_gzip(b"\x00" * 250))},
        {"bits": 1, "lst": jose.b64u_encode(GOOD[:-3])},
        {"bits": 1, "lst": jose.b64u_encode(GOOD + b"\x00")},
        {"bits": 1, "lst": jose.b64u_encode(GOOD[:-1] + bytes([GOOD[-1] ^ 1]))},  # Adler-32
        {"bits": 1, "lst": jose.b64u_encode(GOOD), "aggregation_uri": 7},
    ],
)
def test_list_malformed(status_list):
    t = _raw_token({"typ": "statuslist+jwt"}, _payload(status_list=status_list))
    assert _code(t) == "status.list_malformed"


def test_zip_bomb_is_refused():
    co = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    chunk = bytes(1 << 20)
    bomb = b"".join(co.compress(chunk) for _ in range(1024)) + co.flush()  # 1 GiB of zeros
    assert len(bomb) < 2 * 1024 * 1024
    t = _raw_token({"typ": "statuslist+jwt"}, _payload(status_list={"bits": 1, "lst": jose.b64u_encode(bomb)}))
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        assert _code(t) == "status.list_malformed"
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 40 * 1024 * 1024  # the 16 MiB cap plus the token itself, never a gigabyte
    # a caller's smaller cap applies too
    small = {"bits": 1, "lst": jose.b64u_encode(zlib.compress(bytes(1000)))}
    assert StatusList.decode(small).size == 8000
    with pytest.raises(Rejected) as e:
        StatusList.decode(small, max_entries=7999)
    assert e.value.code == "status.list_malformed"
    assert StatusList.decode(small, max_entries=8000).size == 8000


# ---------------------------------------------------------------- status claim (§6.2)


def test_parse_status_claim():
    claims = {"iss": "x", "status": {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}}
    assert parse_status_claim(claims) == StatusReference(0, "https://example.com/statuslists/1")
    big = {"status": {"status_list": {"idx": 10**7, "uri": URI, "extra": 1}, "other_mechanism": {}}}
    assert parse_status_claim(big) == StatusReference(10**7, URI)


@pytest.mark.parametrize(
    "claims",
    [
        [],
        {},
        {"status": None},
        {"status": []},
        {"status": {}},
        {"status": {"status_list": "x"}},
        {"status": {"status_list": {"uri": URI}}},
        {"status": {"status_list": {"idx": -1, "uri": URI}}},
        {"status": {"status_list": {"idx": "1", "uri": URI}}},
        {"status": {"status_list": {"idx": 1.0, "uri": URI}}},
        {"status": {"status_list": {"idx": True, "uri": URI}}},
        {"status": {"status_list": {"idx": 1}}},
        {"status": {"status_list": {"idx": 1, "uri": 5}}},
        {"status": {"status_list": {"idx": 1, "uri": "statuslists/1"}}},
        {"status": {"status_list": {"idx": 1, "uri": "https://a b/"}}},
        {"status": {"status_list": {"idx": 1, "uri": "https://x/" + "a" * 3000}}},
    ],
)
def test_status_claim_malformed(claims):
    with pytest.raises(Rejected) as e:
        parse_status_claim(claims)
    assert e.value.code == "status.reference_malformed"


# ---------------------------------------------------------------- reason codes


def test_every_code_has_english_and_danish():
    wanted = {
        "status.token_malformed", "status.token_typ", "status.token_signature", "status.sub_mismatch",
        "status.token_expired", "status.token_not_yet_valid", "status.index_out_of_bounds",
        "status.list_malformed", "status.reference_malformed", "status.invalid", "status.suspended",
        "status.unknown_value", "status.unavailable",
    }
    reasons = {c: r for c, r in all_reasons().items() if c.startswith("status.")}
    assert wanted <= set(reasons)
    for r in reasons.values():
        assert r.en.strip() and r.da.strip() and r.en != r.da
    assert "NOT" in sl.R_UNAVAILABLE.en and "IKKE" in sl.R_UNAVAILABLE.da


def test_issuer_input_checks():
    with pytest.raises(ValueError):
        _token(sub="not a uri")
    with pytest.raises(ValueError):
        _token(ttl=0)
    with pytest.raises(ValueError):
        _token(exp=IAT)
    with pytest.raises(ValueError):
        _token(iat=1.5)
    with pytest.raises(ValueError):
        _token(x5c=[])
    with pytest.raises(TypeError):
        create_status_list_token("x", sub=URI, iat=IAT, exp=None, ttl=None, key=KEY)


# ---------------------------------------------------------------- fuzz: only Rejected, ever

GOOD_TOKEN = _token()


@st.composite
def mutated_tokens(draw):
    t = GOOD_TOKEN
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(t) - 1)))
        ch = draw(st.sampled_from(list("A_-.=~ é\x00{}\"")) | st.characters())
        if op == "replace":
            t = t[:pos] + ch + t[pos + 1 :]
        elif op == "insert":
            t = t[:pos] + ch + t[pos:]
        elif op == "delete":
            t = t[:pos] + t[pos + 1 :]
        else:
            t = t[:pos]
    return t


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def signed_garbage(draw):
    """Correctly signed tokens whose payload (and often status_list) is arbitrary JSON."""
    payload = draw(st.dictionaries(st.sampled_from(["sub", "iat", "exp", "ttl", "nbf", "x"]), json_values))
    if draw(st.booleans()):
        payload.setdefault("sub", URI)
        payload.setdefault("iat", IAT)
    choice = draw(st.integers(0, 2))
    if choice == 0:
        payload["status_list"] = draw(json_values)
    elif choice == 1:
        payload["status_list"] = {
            "bits": draw(st.sampled_from([1, 2, 4, 8, 0, 3])),
            "lst": jose.b64u_encode(draw(st.binary(max_size=64))),
        }
    else:
        raw = draw(st.binary(max_size=64))
        payload["status_list"] = {"bits": draw(st.sampled_from([1, 2, 4, 8])), "lst": jose.b64u_encode(zlib.compress(raw))}
    header = {"typ": "statuslist+jwt"} if draw(st.booleans()) else draw(st.dictionaries(st.text(max_size=5), json_values))
    header.pop("alg", None)
    return _raw_token(header, payload)


def _only_rejected(token, idx):
    try:
        res = validate_status_list_token(
            token, public_key=KEY.public_key(), expected_sub=URI, now=IAT + 10, idx=idx
        )
    except Rejected:
        return
    assert isinstance(res, StatusResult)


@given(mutated_tokens(), st.integers(-2, 2000))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_tokens_only_raise_rejected(token, idx):
    _only_rejected(token, idx)


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")), st.integers(0, 10))
@settings(max_examples=200)
def test_random_text_only_raises_rejected(token, idx):
    _only_rejected(token, idx)


@given(signed_garbage(), st.integers(-1, 600))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_signed_garbage_only_raises_rejected(token, idx):
    _only_rejected(token, idx)
