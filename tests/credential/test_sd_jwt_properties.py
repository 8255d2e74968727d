"""Property-based tests: whatever the input, sd_jwt.verify and sd_jwt_vc.verify_vc either return or
raise ``Rejected`` -- never another exception -- and what they return obeys the format's invariants."""

from __future__ import annotations

import hashlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credential import jose, sd_jwt, sd_jwt_vc
from credential.reasons import Rejected

ISSUER = jose.SigningKey.generate()
HOLDER = jose.SigningKey.generate()
NOW = 1_750_000_000
NONCE = "prop-nonce"
AUD = "https://verifier.example.dk"
VCT = "urn:eudi:pda1:1"

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

POLICIES = [
    sd_jwt.VerifyPolicy(now=NOW, key_binding=sd_jwt.KeyBindingPolicy(required=True, nonce=NONCE, aud=AUD)),
    sd_jwt.VerifyPolicy(now=NOW, key_binding=sd_jwt.KeyBindingPolicy(required=False)),
    sd_jwt.VerifyPolicy(now=NOW, key_binding=sd_jwt.KeyBindingPolicy(required=False), expected_typ="dc+sd-jwt"),
]

BASE_CLAIMS = {
    "iss": "https://issuer.example.dk",
    "iat": NOW - 100,
    "exp": NOW + 86_400,
    "cnf": {"jwk": HOLDER.public_jwk()},
    "person": {"given_name": "Jens", "family_name": "Hansen", "address": {"city": "Aarhus", "zip": "8000"}},
    "employers": [{"name": "ACME ApS"}, {"name": "Nordic AB"}],
    "nationalities": ["DK", "SE"],
}
ISSUED = sd_jwt_vc.issue_vc(
    {k: v for k, v in BASE_CLAIMS.items() if k not in sd_jwt_vc.NEVER_DISCLOSABLE},
    ISSUER,
    vct=VCT,
    iat=NOW - 100,
    exp=NOW + 86_400,
    iss=BASE_CLAIMS["iss"],
    holder_jwk=HOLDER.public_jwk(),
    sd_paths=[("person",), ("person", "family_name"), ("person", "address"), ("person", "address", "city"),
              ("employers", None), ("employers", 1, "name"), ("nationalities", 0)],
    decoys=1,
)
VALID = sd_jwt.present(
    ISSUED.serialize(),
    [("person", "address", "city"), ("employers", 1, "name"), ("nationalities", 0)],
    holder_key=HOLDER,
    nonce=NONCE,
    aud=AUD,
    iat=NOW,
)


def check(presentation) -> None:
    """The property: return or Rejected; a returned payload has no SD-JWT machinery left in it."""
    for policy in POLICIES:
        for verify in (sd_jwt.verify, sd_jwt_vc.verify_vc):
            try:
                verified = verify(presentation, ISSUER.public_key(), policy)
            except Rejected as exc:
                assert exc.code and exc.reason.en and exc.reason.da
                continue
            assert_processed(verified.payload)


def assert_processed(value, top: bool = True) -> None:
    if isinstance(value, dict):
        assert "_sd" not in value
        if top:
            assert "_sd_alg" not in value
        for child in value.values():
            assert_processed(child, False)
    elif isinstance(value, list):
        for item in value:
            assert not (isinstance(item, dict) and "..." in item)
            assert_processed(item, False)


def test_valid_presentation_is_valid():
    for policy in POLICIES:
        verified = sd_jwt_vc.verify_vc(VALID, ISSUER.public_key(), policy)
        assert verified.payload["person"] == {"address": {"city": "Aarhus", "zip": "8000"}, "given_name": "Jens"}
        assert verified.payload["employers"] == [{"name": "Nordic AB"}]


# ---------------------------------------------------------------- random text

B64_ISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~="


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(text):
    check(text)


@SETTINGS
@given(st.text(alphabet=B64_ISH, max_size=600))
def test_random_base64ish_text(text):
    check(text)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_as_latin1(data):
    check(data.decode("latin-1"))


# ---------------------------------------------------------------- mutations of a valid presentation

FLIP_CHARS = st.sampled_from(list("A_-.~=+/ \n\x00é\u2028") + ["~~", ".."])


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), FLIP_CHARS), min_size=1, max_size=4))
def test_char_flips(flips):
    text = list(VALID)
    for pos, char in flips:
        text[pos] = char
    check("".join(text))


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 7)), min_size=1, max_size=3))
def test_bit_flips(flips):
    data = bytearray(VALID.encode())
    for pos, bit in flips:
        data[pos] ^= 1 << bit
    check(data.decode("utf-8", "replace"))


@st.composite
def part_operations(draw):
    parts = VALID.split("~")
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert_empty", "truncate"]))
        if not parts:
            break
        i = draw(st.integers(0, len(parts) - 1))
        if op == "delete":
            del parts[i]
        elif op == "duplicate":
            parts.insert(draw(st.integers(0, len(parts))), parts[i])
        elif op == "swap":
            j = draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
        elif op == "insert_empty":
            parts.insert(i, "")
        else:
            parts[i] = parts[i][: draw(st.integers(0, len(parts[i])))]
    return "~".join(parts)


@SETTINGS
@given(part_operations())
def test_part_deletion_duplication_reordering(text):
    check(text)


def test_every_single_part_mutation_is_rejected():
    """Deterministic complement of the property: no deletion or duplication of one part verifies."""
    parts = VALID.split("~")
    required = POLICIES[0]
    for i in range(len(parts)):
        for mutated in (parts[:i] + parts[i + 1:], parts[:i] + [parts[i]] + parts[i:]):
            text = "~".join(mutated)
            if text == VALID:
                continue
            try:
                sd_jwt.verify(text, ISSUER.public_key(), required)
            except Rejected:
                continue
            raise AssertionError(f"mutation at part {i} verified")


# ---------------------------------------------------------------- random JSON payloads and disclosures (signed)

KEYS = st.sampled_from(
    ["_sd", "...", "_sd_alg", "cnf", "jwk", "kty", "crv", "x", "y", "d", "exp", "nbf", "iat", "vct", "iss",
     "status", "status_list", "idx", "uri", "a", "b"]
) | st.text(max_size=4)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(["EC", "P-256", "sha-256", "md5", "ES256", "dc+sd-jwt", VCT])
)
JSON = st.recursive(
    LEAVES, lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=16,
)


def b64json(value) -> str:
    return jose.b64u_encode(json.dumps(value).encode())


def utf8_digest(text: str) -> str:
    return jose.b64u_encode(hashlib.sha256(text.encode("utf-8")).digest())


@st.composite
def crafted_presentations(draw):
    disclosures: list[str] = []
    digests: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["object", "element", "raw", "text"]))
        value = draw(JSON)
        if digests and draw(st.booleans()):  # nest: reference earlier disclosures from this one
            refs = draw(st.lists(st.sampled_from(digests), max_size=3))
            value = draw(st.sampled_from([{"_sd": refs, "k": value}, [{"...": r} for r in refs] + [value]]))
        salt = draw(st.sampled_from(["c2FsdA", "", 0, None]) | st.text(max_size=4))
        if kind == "object":
            text = b64json([salt, draw(KEYS | st.integers()), value])
        elif kind == "element":
            text = b64json([salt, value])
        elif kind == "raw":
            text = b64json(value)
        else:
            text = draw(st.text(alphabet=B64_ISH.replace("~", ""), min_size=1, max_size=60))
        disclosures.append(text)
        digests.append(utf8_digest(text))
    payload = draw(st.dictionaries(KEYS, JSON, max_size=6))
    base = {"iss": "https://i.example", "iat": NOW - 10, "exp": NOW + 1000, "vct": VCT,
            "cnf": {"jwk": HOLDER.public_jwk()}}
    jwk_overrides = st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "d"]), JSON, max_size=2)
    base["cnf"] = draw(st.sampled_from([base["cnf"]]) | jwk_overrides.map(
        lambda o: {"jwk": {**HOLDER.public_jwk(), **o}}) | JSON)
    base["_sd_alg"] = draw(st.sampled_from(["sha-256", "sha-384"]) | JSON)
    for name, value in base.items():
        if draw(st.booleans()):
            payload.setdefault(name, value)
    if digests:
        top = draw(st.lists(st.sampled_from(digests), max_size=len(digests) + 1))
        where = draw(st.sampled_from(["_sd", "array", "nested", "mixed"]))
        if where == "_sd":
            payload["_sd"] = top
        elif where == "array":
            payload["arr"] = [{"...": d} for d in top]
        elif where == "nested":
            payload["obj"] = {"_sd": top, "inner": [{"...": d} for d in top[:1]]}
        else:
            payload["_sd"] = top[: len(top) // 2]
            payload["arr"] = [{"...": d} for d in top[len(top) // 2:]]
    presented = draw(st.lists(st.sampled_from(disclosures), max_size=len(disclosures) + 1)) if disclosures else []
    if draw(st.booleans()):
        presented = list(disclosures)
    header = {"typ": draw(st.sampled_from(["dc+sd-jwt", "example+sd-jwt", "kb+jwt"]))}
    if draw(st.integers(0, 9)) == 0:
        header["crit"] = ["b64"]
    jwt = jose.sign_compact(header, json.dumps(payload).encode(), ISSUER)
    body = "~".join((jwt, *presented)) + "~"
    kb_choice = draw(st.sampled_from(["none", "valid", "random"]))
    if kb_choice == "valid":
        kb_payload = {"iat": NOW, "nonce": NONCE, "aud": AUD, "sd_hash": utf8_digest(body)}
        body += jose.sign_compact({"typ": "kb+jwt"}, kb_payload, HOLDER)
    elif kb_choice == "random":
        kb_payload = draw(st.dictionaries(KEYS | st.sampled_from(["nonce", "aud", "sd_hash"]), JSON, max_size=5))
        kb_header = draw(st.dictionaries(KEYS, JSON, max_size=3))
        kb_header["typ"] = "kb+jwt"
        body += jose.sign_compact(kb_header if "alg" not in kb_header else {"typ": "kb+jwt"},
                                  json.dumps(kb_payload).encode(), HOLDER)
    return body


@SETTINGS
@given(crafted_presentations())
def test_random_signed_payloads_and_disclosures(presentation):
    check(presentation)


@SETTINGS
@given(st.dictionaries(KEYS | st.just("alg"), JSON, max_size=5), JSON)
def test_random_headers_and_payloads(header, payload):
    """Hand-built JWS with any header (alg may be anything); signed with the issuer key."""
    signing_input = b64json(header) + "." + jose.b64u_encode(json.dumps(payload).encode())
    jwt = signing_input + "." + jose.b64u_encode(ISSUER.sign(signing_input.encode()))
    check(jwt + "~")
    body = "~".join((BASE := VALID.split("~")[0], jwt)) + "~"
    check(body)
    check(BASE + "~" + jwt)  # as a KB-JWT


# ---------------------------------------------------------------- round trip property

SAFE_KEYS = st.text(alphabet="abcdefghij_", min_size=1, max_size=6).filter(lambda k: k not in ("_sd",))
SAFE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(SAFE_KEYS, children, max_size=3),
    max_leaves=10,
)


@SETTINGS
@given(
    st.dictionaries(SAFE_KEYS.filter(lambda k: k not in sd_jwt_vc.NEVER_DISCLOSABLE), SAFE_JSON, min_size=1,
                    max_size=6),
    st.data(),
)
def test_round_trip_discloses_exactly_the_chosen_claims(claims, data):
    names = sorted(claims)
    disclosable = data.draw(st.lists(st.sampled_from(names), unique=True))
    paths = [(n,) for n in disclosable] + [(n, None) for n in disclosable if isinstance(claims[n], list) and claims[n]]
    issued = sd_jwt_vc.issue_vc(claims, ISSUER, vct=VCT, iat=NOW - 10, holder_jwk=HOLDER.public_jwk(),
                                sd_paths=paths, decoys=data.draw(st.integers(0, 2)))
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    presentation = sd_jwt.present(issued.serialize(), [(n,) for n in chosen], holder_key=HOLDER, nonce=NONCE,
                                  aud=AUD, iat=NOW)
    verified = sd_jwt_vc.verify_vc(presentation, ISSUER.public_key(), POLICIES[0], expected_vct=[VCT])
    expected = {n: v for n, v in claims.items() if n not in disclosable or n in chosen}
    assert {k: v for k, v in verified.payload.items() if k not in ("vct", "iat", "cnf")} == expected
    assert len(sd_jwt.parse(presentation).disclosures) == sum(
        1 + (len(claims[n]) if isinstance(claims[n], list) else 0) for n in disclosable if n in chosen
    )


def _signed(payload: dict, kb: bool) -> str:
    body = jose.sign_compact({"typ": "dc+sd-jwt"}, json.dumps(payload).encode(), ISSUER) + "~"
    if kb:
        body += jose.sign_compact(
            {"typ": "kb+jwt"}, {"iat": NOW, "nonce": NONCE, "aud": AUD, "sd_hash": utf8_digest(body)}, HOLDER
        )
    return body


REGISTERED = {"iss": "https://i.example", "iat": NOW - 10, "exp": NOW + 1000, "vct": VCT}


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "d"]), JSON, min_size=1, max_size=3) | JSON,
    st.booleans(),
)
def test_random_holder_keys(jwk_or_cnf, kb):
    """cnf.jwk members of any JSON type (the only hostile input left when everything else is valid)."""
    if isinstance(jwk_or_cnf, dict) and set(jwk_or_cnf) <= {"kty", "crv", "x", "y", "d"}:
        cnf = {"jwk": {**HOLDER.public_jwk(), **jwk_or_cnf}}
    else:
        cnf = jwk_or_cnf
    check(_signed({**REGISTERED, "cnf": cnf}, kb))


@SETTINGS
@given(JSON, JSON)
def test_random_registered_claim_values(sd_alg, status):
    check(_signed({**REGISTERED, "cnf": {"jwk": HOLDER.public_jwk()}, "_sd_alg": sd_alg, "status": status}, True))
