"""RFC 9901 SD-JWT: conformance vectors, round trips and one negative test per reason code.

Malicious inputs are crafted by signing hostile payloads with the issuer key the test holds, so every
negative test reaches the rule it targets (past the signature check) and asserts the exact reason code.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

import credential
from credential import jose, sd_jwt
from credential.i18n import LANGS
from credential.reasons import Rejected, all_reasons
from tests.vectors import VECTORS_DIR

SD_VECTORS = VECTORS_DIR / "sd-jwt"

VECTOR_ISSUER_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
    "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
}
VECTORS = [
    ("rfc9901-5.2-presentation.txt", "rfc9901-5.2-payload.json", "1234567890", "https://verifier.example.org"),
    (
        "sd-jwt-vc-18-fig8-presentation.txt",
        "sd-jwt-vc-18-fig8-payload.json",
        "1234567890",
        "https://example.com/verifier",
    ),
]

ISSUER = jose.SigningKey.generate()
HOLDER = jose.SigningKey.generate()
OTHER = jose.SigningKey.generate()
NOW = 1_750_000_000
NONCE = "nonce-4711"
AUD = "https://verifier.example.dk"


# ---------------------------------------------------------------- helpers


def policy(now: int = NOW, required: bool = True, nonce: str | None = NONCE, aud: str | None = AUD,
           typ: str | None = None, max_age_s: int = 300) -> sd_jwt.VerifyPolicy:
    kb = sd_jwt.KeyBindingPolicy(required=required, nonce=nonce, aud=aud, max_age_s=max_age_s)
    return sd_jwt.VerifyPolicy(now=now, key_binding=kb, expected_typ=typ)


def b64json(value) -> str:
    return jose.b64u_encode(json.dumps(value).encode())


def disc(value, name: str | None = None, salt: str = "c2FsdHNhbHRzYWx0") -> str:
    return b64json([salt, value] if name is None else [salt, name, value])


def dig(disclosure: str) -> str:
    return sd_jwt.digest(disclosure)


def base_payload(**extra) -> dict:
    payload = {
        "iss": "https://issuer.example.dk",
        "iat": NOW - 100,
        "exp": NOW + 86_400,
        "cnf": {"jwk": HOLDER.public_jwk()},
        "_sd_alg": "sha-256",
    }
    payload.update(extra)
    return payload


def raw_jws(header: dict, payload: dict | bytes, key: jose.SigningKey | None = None, sig: bytes = b"") -> str:
    """A compact JWS with any header (even a lying alg); signed with ``key`` if given."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = jose.b64u_encode(json.dumps(header).encode()) + "." + jose.b64u_encode(body)
    if key is not None:
        sig = key.sign(signing_input.encode())
    return signing_input + "." + jose.b64u_encode(sig)


def kb_jwt(body: str, *, key: jose.SigningKey = HOLDER, iat=NOW, nonce=NONCE, aud=AUD, header=None,
           sd_hash: str | None = None, drop: tuple[str, ...] = ()) -> str:
    if sd_hash is None:  # hostile bodies may hold non-ASCII text: hash its UTF-8 bytes
        sd_hash = jose.b64u_encode(hashlib.sha256(body.encode("utf-8")).digest())
    payload = {"iat": iat, "nonce": nonce, "aud": aud, "sd_hash": sd_hash}
    for name in drop:
        payload.pop(name)
    return jose.sign_compact({"typ": "kb+jwt"} if header is None else header, payload, key)


def craft(payload: dict | bytes, disclosures=(), *, header: dict | None = None, key: jose.SigningKey = ISSUER,
          kb: bool = True) -> str:
    """An SD-JWT(+KB) over any payload, signed by the issuer key (so signature checks pass)."""
    jwt = jose.sign_compact({"typ": "example+sd-jwt"} if header is None else header, payload, key)
    body = "~".join((jwt, *disclosures)) + "~"
    return body + (kb_jwt(body) if kb else "")


def rejected(presentation: str, pol: sd_jwt.VerifyPolicy | None = None, key=None) -> str:
    with pytest.raises(Rejected) as info:
        sd_jwt.verify(presentation, key or ISSUER.public_key(), pol or policy())
    return info.value.code


def strip_kb(presentation: str) -> str:
    return presentation[: presentation.rindex("~") + 1]


# ---------------------------------------------------------------- 1. conformance vectors


def kb_iat(presentation: str) -> int:
    parsed = sd_jwt.parse(presentation)
    assert parsed.kb_jwt is not None
    return jose.parse_compact(parsed.kb_jwt).payload()["iat"]


def test_vectors_dir_holds_the_vectors():
    assert SD_VECTORS.is_dir(), SD_VECTORS
    assert (SD_VECTORS / "README.md").is_file()
    assert {v[0] for v in VECTORS} <= {p.name for p in SD_VECTORS.iterdir()}


def test_vector_copies_match_the_shared_folder():
    """The copies in tests/data must stay byte-identical to the project's shared vectors."""
    from tests.vectors import SHARED_VECTORS_DIR, VECTORS_DIR

    if not SHARED_VECTORS_DIR.is_dir():  # a clean clone on its own: the copy is all there is
        return
    shared = {p.relative_to(SHARED_VECTORS_DIR): p.read_bytes() for p in SHARED_VECTORS_DIR.rglob("*") if p.is_file()}
    ours = {p.relative_to(VECTORS_DIR): p.read_bytes() for p in VECTORS_DIR.rglob("*") if p.is_file()}
    assert ours == shared


@pytest.mark.parametrize(("presentation_file", "expected_file", "nonce", "aud"), VECTORS)
def test_conformance_vector(presentation_file, expected_file, nonce, aud):
    text = (SD_VECTORS / presentation_file).read_text().strip()
    expected = json.loads((SD_VECTORS / "expected" / expected_file).read_text())
    key = jose.jwk_to_public_key(VECTOR_ISSUER_JWK)
    verified = sd_jwt.verify(text, key, policy(now=kb_iat(text), nonce=nonce, aud=aud))
    assert verified.payload == expected
    assert "_sd" not in json.dumps(verified.payload)
    assert verified.kb_payload["nonce"] == nonce and verified.kb_payload["aud"] == aud
    # The same presentation must fail for another verifier, another request, or much later.
    assert rejected(text, policy(now=kb_iat(text), nonce="other", aud=aud), key) == "kb.nonce"
    assert rejected(text, policy(now=kb_iat(text), nonce=nonce, aud="https://evil.example"), key) == "kb.aud"
    assert rejected(text, policy(now=kb_iat(text) + 3600, nonce=nonce, aud=aud), key) == "kb.iat"
    assert rejected(text, policy(now=kb_iat(text), nonce=nonce, aud=aud), ISSUER.public_key()) == "sd.signature"


# ---------------------------------------------------------------- 2. round trips

CLAIMS = {
    "iss": "https://issuer.example.dk",
    "iat": NOW - 100,
    "exp": NOW + 86_400,
    "cnf": {"jwk": HOLDER.public_jwk()},
    "subject": {
        "givenname": "Ana",
        "familynames": "García López",
        "address": {"street": "Calle Mayor 1", "city": "Madrid", "country": "ES"},
    },
    "employer": [
        {"name": "ACME ApS", "country": "DK"},
        {"name": "Nordic AB", "country": "SE"},
    ],
    "nationalities": ["ES", "DK"],
}
SD_PATHS = [
    ("subject",),
    ("subject", "givenname"),
    ("subject", "familynames"),
    ("subject", "address"),
    ("subject", "address", "city"),
    ("subject", "address", "street"),
    ("employer", 0),
    ("employer", 1),
    ("employer", 1, "name"),
    ("nationalities", None),
]
ALWAYS = {k: CLAIMS[k] for k in ("iss", "iat", "exp", "cnf")}


@pytest.fixture(scope="module")
def issued() -> sd_jwt.Issued:
    return sd_jwt.issue(CLAIMS, ISSUER, sd_paths=SD_PATHS, header={"typ": "example+sd-jwt"}, decoys=3)


def present(issued: sd_jwt.Issued, paths, **kw) -> str:
    kw.setdefault("holder_key", HOLDER)
    kw.setdefault("nonce", NONCE)
    kw.setdefault("aud", AUD)
    kw.setdefault("iat", NOW)
    return sd_jwt.present(issued.serialize(), paths, **kw)


def decoded(disclosure: str) -> list:
    return json.loads(jose.b64u_decode(disclosure))


def test_issue_hides_every_disclosable_claim_and_adds_decoys(issued):
    payload = jose.parse_compact(issued.jwt).payload()
    assert set(payload) == {"iss", "iat", "exp", "cnf", "employer", "nationalities", "_sd", "_sd_alg"}
    assert payload["_sd_alg"] == "sha-256"
    assert len(payload["_sd"]) == 1 + 3  # subject + decoys
    assert payload["_sd"] == sorted(payload["_sd"])
    assert all(set(e) == {"..."} for e in payload["employer"] + payload["nationalities"])
    assert len(issued.disclosures) == 11
    signed_text = jose.b64u_decode(issued.jwt.split(".")[1]).decode()
    for secret in ("Ana", "García", "Madrid", "Calle", "ACME", "Nordic", '"ES"'):
        assert secret not in signed_text
    disclosed_values = json.dumps([decoded(d) for d in issued.disclosures], ensure_ascii=False)
    for secret in ("Ana", "García López", "Madrid", "Calle Mayor 1", "ACME ApS", "Nordic AB", '"ES"'):
        assert secret in disclosed_values
    # The subject disclosure itself hides its children (nested, §4.2.6).
    subject = next(d for d in map(decoded, issued.disclosures) if len(d) == 3 and d[1] == "subject")
    assert set(subject[2]) == {"_sd"} and len(subject[2]["_sd"]) == 3 + 3
    address = next(d for d in map(decoded, issued.disclosures) if len(d) == 3 and d[1] == "address")
    assert address[2]["country"] == "ES" and len(address[2]["_sd"]) == 2 + 3
    employer1 = next(d for d in map(decoded, issued.disclosures) if len(d) == 2 and isinstance(d[1], dict)
                     and d[1].get("country") == "SE")
    assert "name" not in employer1[1] and len(employer1[1]["_sd"]) == 1 + 3


def test_issued_sd_jwt_without_kb_verifies_everything(issued):
    verified = sd_jwt.verify(issued.serialize(), ISSUER.public_key(), policy(required=False, nonce=None, aud=None))
    assert verified.payload == CLAIMS
    assert verified.kb_payload is None
    assert len(verified.disclosed) == 11


@pytest.mark.parametrize(
    ("paths", "expected_extra", "n_disclosures"),
    [
        ([], {"employer": [], "nationalities": []}, 0),
        # nested path: its parents (subject, address) come along, siblings stay hidden
        ([("subject", "address", "city")],
         {"subject": {"address": {"city": "Madrid", "country": "ES"}}, "employer": [], "nationalities": []}, 3),
        # parent path: everything inside it
        ([("subject",)], {"subject": CLAIMS["subject"], "employer": [], "nationalities": []}, 6),
        ([("subject", "familynames")],
         {"subject": {"familynames": "García López"}, "employer": [], "nationalities": []}, 2),
        # array element object with a disclosable member: the element itself must come along
        ([("employer", 1, "name")],
         {"employer": [{"name": "Nordic AB", "country": "SE"}], "nationalities": []}, 2),
        ([("employer", 1)], {"employer": [{"name": "Nordic AB", "country": "SE"}], "nationalities": []}, 2),
        ([("employer", 0), ("nationalities", 1)],
         {"employer": [{"name": "ACME ApS", "country": "DK"}], "nationalities": ["DK"]}, 2),
        ([("nationalities", None)], {"employer": [], "nationalities": ["ES", "DK"]}, 2),
        ([("subject",), ("employer", None), ("nationalities", None)], {k: CLAIMS[k] for k in ("subject", "employer", "nationalities")}, 11),
    ],
)
def test_round_trip_discloses_exactly_the_chosen_claims(issued, paths, expected_extra, n_disclosures):
    presentation = present(issued, paths)
    parsed = sd_jwt.parse(presentation)
    assert len(parsed.disclosures) == n_disclosures
    assert set(parsed.disclosures) <= set(issued.disclosures)
    verified = sd_jwt.verify(presentation, ISSUER.public_key(), policy())
    assert verified.payload == {**ALWAYS, **expected_extra}
    assert verified.kb_payload == {
        "iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_jwt.sd_hash(strip_kb(presentation)),
    }
    assert verified.kb_header["typ"] == "kb+jwt"


def test_nested_path_includes_parent_disclosures(issued):
    presentation = present(issued, [("subject", "address", "street")])
    names = sorted(decoded(d)[1] for d in sd_jwt.parse(presentation).disclosures)
    assert names == ["address", "street", "subject"]


def test_presentation_without_kb_when_policy_does_not_require_it(issued):
    presentation = sd_jwt.present(issued.serialize(), [("subject", "givenname")])
    assert presentation.endswith("~")
    verified = sd_jwt.verify(presentation, ISSUER.public_key(), policy(required=False, nonce=None, aud=None))
    assert verified.payload["subject"] == {"givenname": "Ana"}
    assert rejected(presentation) == "kb.missing"


def test_sd_alg_sha384_round_trip():
    issued = sd_jwt.issue(CLAIMS, ISSUER, sd_paths=[("subject", "givenname"), ("subject",)], sd_alg="sha-384")
    presentation = present(issued, [("subject", "givenname")])
    verified = sd_jwt.verify(presentation, ISSUER.public_key(), policy())
    assert verified.issuer_payload["_sd_alg"] == "sha-384"
    assert verified.payload["subject"] == {"givenname": "Ana", "familynames": "García López",
                                           "address": CLAIMS["subject"]["address"]}
    assert verified.kb_payload["sd_hash"] == sd_jwt.sd_hash(strip_kb(presentation), "sha-384")


def test_issue_refuses_unknown_paths_and_reserved_names():
    with pytest.raises(ValueError):
        sd_jwt.issue(CLAIMS, ISSUER, sd_paths=[("subject", "nickname")])
    with pytest.raises(ValueError):
        sd_jwt.issue({"_sd": 1}, ISSUER)
    with pytest.raises(ValueError):
        sd_jwt.issue({"a": {"...": 1}}, ISSUER)


def test_present_needs_nonce_aud_iat_for_key_binding(issued):
    with pytest.raises(ValueError):
        sd_jwt.present(issued.serialize(), [], holder_key=HOLDER, nonce=NONCE, aud=None, iat=NOW)


def test_path_parsing():
    assert sd_jwt.parse_path("subject.familynames") == ("subject", "familynames")
    assert sd_jwt.parse_path("employer.0") == ("employer", 0)
    assert sd_jwt.parse_path("employer.*") == ("employer", None)
    with pytest.raises(ValueError):
        sd_jwt.parse_path("a..b")


# ---------------------------------------------------------------- 3. negative tests: SD-JWT structure


def test_sd_format():
    assert rejected("no separator at all") == "sd.format"
    assert rejected("~" + disc("x", "a") + "~") == "sd.format"  # empty issuer JWT
    valid = craft(base_payload())
    jwt = valid.split("~")[0]
    assert rejected(jwt + "~~" + disc("x", "a") + "~") == "sd.format"  # empty disclosure
    assert rejected(None) == "sd.format"  # type: ignore[arg-type]


def test_sd_too_large():
    assert rejected("a" * (sd_jwt.MAX_PRESENTATION_CHARS + 1) + "~") == "sd.too_large"


def test_sd_too_many_disclosures():
    jwt = craft(base_payload(), kb=False)[:-1]
    assert rejected(jwt + "~x" * (sd_jwt.MAX_DISCLOSURES + 5) + "~") == "sd.too_many_disclosures"


def test_sd_too_deep():
    nested: dict = {"leaf": 1}
    for _ in range(sd_jwt.MAX_DEPTH + 5):
        nested = {"n": nested}
    assert rejected(craft(base_payload(deep=nested))) == "sd.too_deep"
    # depth built through disclosures counts too
    inner = disc({"n": 1}, "n")
    chain = [inner]
    for _ in range(sd_jwt.MAX_DEPTH + 2):
        chain.append(disc({"_sd": [dig(chain[-1])]}, "n", salt=f"s{len(chain)}"))
    assert rejected(craft(base_payload(_sd=[dig(chain[-1])]), chain)) == "sd.too_deep"


def test_sd_jwt_malformed():
    assert rejected("only.two~") == "sd.jwt_malformed"
    assert rejected("a.b.c.d~") == "sd.jwt_malformed"
    assert rejected(jose.b64u_encode(b"not json") + ".e30.AAAA~") == "sd.jwt_malformed"
    assert rejected("e30!.e30.AAAA~") == "sd.jwt_malformed"  # not base64url
    assert rejected(craft(b"[1, 2]")) == "sd.jwt_malformed"  # payload is not an object
    assert rejected(craft(b"\xff\xfe not json")) == "sd.jwt_malformed"


def test_sd_alg_not_allowed():
    unsigned = raw_jws({"alg": "none", "typ": "example+sd-jwt"}, base_payload())
    assert rejected(unsigned + "~") == "sd.alg_not_allowed"
    # HS256 with the issuer's public key bytes as the MAC key (the classic confusion attack)
    header = {"alg": "HS256", "typ": "example+sd-jwt"}
    signing_input = jose.b64u_encode(json.dumps(header).encode()) + "." + b64json(base_payload())
    mac_key = json.dumps(ISSUER.public_jwk()).encode()
    mac = hmac.new(mac_key, signing_input.encode(), hashlib.sha256).digest()
    assert rejected(signing_input + "." + jose.b64u_encode(mac) + "~") == "sd.alg_not_allowed"
    assert rejected(raw_jws({"typ": "example+sd-jwt"}, base_payload(), ISSUER) + "~") == "sd.alg_not_allowed"
    # a non-string alg must be refused, not crash the verifier
    assert rejected(raw_jws({"alg": ["ES256"]}, base_payload(), ISSUER) + "~") == "sd.alg_not_allowed"
    assert rejected(raw_jws({"alg": {"a": 1}}, base_payload(), ISSUER) + "~") == "sd.alg_not_allowed"


def test_sd_typ():
    good = craft(base_payload(), header={"typ": "example+sd-jwt"})
    sd_jwt.verify(good, ISSUER.public_key(), policy(typ="example+sd-jwt"))
    assert rejected(craft(base_payload(), header={"typ": "JWT"}), policy(typ="example+sd-jwt")) == "sd.typ"
    assert rejected(craft(base_payload(), header={}), policy(typ="example+sd-jwt")) == "sd.typ"


def test_sd_crit():
    assert rejected(craft(base_payload(), header={"typ": "example+sd-jwt", "crit": ["exp"], "exp": 1})) == "sd.crit"


def test_sd_signature_tampered_payload():
    good = craft(base_payload())
    h, p, s = good.split("~")[0].split(".")
    forged_payload = b64json(base_payload(iss="https://evil.example"))
    forged = good.replace(f"{h}.{p}.{s}", f"{h}.{forged_payload}.{s}")
    assert rejected(forged) == "sd.signature"
    # a flipped signature bit
    sig = bytearray(jose.b64u_decode(s))
    sig[5] ^= 1
    assert rejected(good.replace(s, jose.b64u_encode(bytes(sig)))) == "sd.signature"


def test_sd_signature_wrong_key():
    assert rejected(craft(base_payload(), key=OTHER)) == "sd.signature"
    assert rejected(craft(base_payload()), key=OTHER.public_key()) == "sd.signature"
    # P-384 key against an ES256 token: not a crash, a signature failure
    assert rejected(craft(base_payload()), key=jose.SigningKey.generate("P-384").public_key()) == "sd.signature"


def test_sd_sd_alg():
    assert rejected(craft(base_payload(_sd_alg="md5"))) == "sd.sd_alg"
    assert rejected(craft(base_payload(_sd_alg="SHA-256"))) == "sd.sd_alg"
    assert rejected(craft(base_payload(_sd_alg=["sha-256"]))) == "sd.sd_alg"
    assert rejected(craft(base_payload(_sd_alg={"a": 1}))) == "sd.sd_alg"


def test_sd_payload_malformed():
    d = disc("Ana", "givenname")
    assert rejected(craft(base_payload(_sd=dig(d)), [d])) == "sd.payload_malformed"  # _sd not an array
    assert rejected(craft(base_payload(_sd={"a": dig(d)}), [d])) == "sd.payload_malformed"
    assert rejected(craft(base_payload(_sd=[dig(d), 42]), [d])) == "sd.payload_malformed"  # digest not a string
    assert rejected(craft(base_payload(_sd=[[dig(d)]]), [d])) == "sd.payload_malformed"
    e = disc("DK")
    assert rejected(craft(base_payload(n=[{"...": dig(e), "x": 1}]), [e])) == "sd.payload_malformed"
    assert rejected(craft(base_payload(n=[{"...": 7}]))) == "sd.payload_malformed"
    assert rejected(craft(base_payload(n=[{"...": ["a"]}]))) == "sd.payload_malformed"
    # nested inside a disclosure, too
    inner = disc({"_sd": "nope"}, "subject")
    assert rejected(craft(base_payload(_sd=[dig(inner)]), [inner])) == "sd.payload_malformed"


@pytest.mark.parametrize(
    "bad",
    [
        "not*base64url!",
        jose.b64u_encode(b"\xff\xfe\xfd"),  # not UTF-8 JSON
        b64json({"salt": "x", "name": "a"}),  # not an array
        b64json("just a string"),
        b64json(["only-salt"]),
        b64json(["salt", "name", "value", "extra"]),  # 4 elements
        b64json([]),
        b64json([42, "name", "value"]),  # salt not a string
        b64json([None, "value"]),
        b64json(["salt", 7, "value"]),  # name not a string
        b64json(["salt", None, "value"]),
        "WyJzYWx0IiwgImEiLCAxXQ=",  # padding is not base64url
        "Wé",  # not ASCII
        "A" * (sd_jwt.MAX_DISCLOSURE_CHARS + 4),
    ],
)
def test_sd_disclosure_malformed(bad):
    # referenced or not, a malformed disclosure is refused
    try:
        referenced = dig(bad)
    except UnicodeError:
        referenced = "x" * 43
    assert rejected(craft(base_payload(_sd=[referenced]), [bad])) == "sd.disclosure_malformed"
    assert rejected(craft(base_payload(), [bad])) == "sd.disclosure_malformed"


def test_sd_disclosure_wrong_shape():
    two = disc("Ana")  # array-element shape
    assert rejected(craft(base_payload(_sd=[dig(two)]), [two])) == "sd.disclosure_wrong_shape"
    three = disc("DK", "nationality")  # object-property shape
    assert rejected(craft(base_payload(nationalities=[{"...": dig(three)}]), [three])) == "sd.disclosure_wrong_shape"


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_sd_reserved_claim_name(name):
    d = disc(["x"], name)
    assert rejected(craft(base_payload(_sd=[dig(d)]), [d])) == "sd.reserved_claim_name"
    # inside a disclosed object as well
    parent = disc({"_sd": [dig(d)]}, "subject")
    assert rejected(craft(base_payload(_sd=[dig(parent)]), [parent, d])) == "sd.reserved_claim_name"


def test_sd_alg_disclosed_at_top_level_is_reserved():
    # no plain _sd_alg: a disclosed one would set the digest algorithm from inside a disclosure
    payload = base_payload()
    payload.pop("_sd_alg", None)
    d = disc(None, "_sd_alg")
    payload["_sd"] = [dig(d)]
    assert rejected(craft(payload, [d])) == "sd.reserved_claim_name"


def test_sd_claim_collision():
    d = disc("https://evil.example", "iss")
    assert rejected(craft(base_payload(_sd=[dig(d)]), [d])) == "sd.claim_collision"
    # two disclosures of the same name
    a, b = disc("Ana", "givenname", salt="s1"), disc("Eva", "givenname", salt="s2")
    assert rejected(craft(base_payload(_sd=sorted([dig(a), dig(b)])), [a, b])) == "sd.claim_collision"
    # collision with _sd_alg at top level
    c = disc("sha-256", "_sd_alg")
    assert rejected(craft(base_payload(_sd=[dig(c)]), [c])) == "sd.claim_collision"
    # collision inside a nested object
    inner = disc("Other", "city")
    outer = disc({"city": "Madrid", "_sd": [dig(inner)]}, "address")
    assert rejected(craft(base_payload(_sd=[dig(outer)]), [outer, inner])) == "sd.claim_collision"


def test_sd_duplicate_digest():
    d = disc("Ana", "givenname")
    assert rejected(craft(base_payload(_sd=[dig(d), dig(d)]), [d])) == "sd.duplicate_digest"
    # an undisclosed (decoy-like) digest twice is still a duplicate
    assert rejected(craft(base_payload(_sd=["A" * 43, "A" * 43]))) == "sd.duplicate_digest"
    # once in the payload, once inside a disclosure
    child = disc("Madrid", "city")
    parent = disc({"_sd": [dig(child)]}, "address")
    payload = base_payload(_sd=[dig(parent), dig(child)])
    assert rejected(craft(payload, [parent, child])) == "sd.duplicate_digest"
    # in an array and in an _sd
    e = disc("DK")
    assert rejected(craft(base_payload(_sd=[dig(e)], n=[{"...": dig(e)}]), [])) == "sd.duplicate_digest"


def test_sd_duplicate_disclosure():
    d = disc("Ana", "givenname")
    assert rejected(craft(base_payload(_sd=[dig(d)]), [d, d])) == "sd.duplicate_disclosure"


def test_sd_unreferenced_disclosure():
    d = disc("Ana", "givenname")
    assert rejected(craft(base_payload(), [d])) == "sd.unreferenced_disclosure"
    # a child whose parent disclosure was not presented
    child = disc("Madrid", "city")
    parent = disc({"_sd": [dig(child)]}, "address")
    assert rejected(craft(base_payload(_sd=[dig(parent)]), [child])) == "sd.unreferenced_disclosure"


def test_sd_unreferenced_disclosure_from_real_issuance(issued):
    # Take an honest presentation and smuggle in a disclosure from ANOTHER credential
    other = sd_jwt.issue(CLAIMS, ISSUER, sd_paths=[("subject",)])
    body = strip_kb(present(issued, [("nationalities", 0)])) + other.disclosures[0] + "~"
    assert rejected(body + kb_jwt(body)) == "sd.unreferenced_disclosure"


def test_time_claims():
    assert rejected(craft(base_payload(exp=NOW - 3600))) == "sd.expired"
    assert rejected(craft(base_payload(nbf=NOW + 3600))) == "sd.not_yet_valid"
    assert rejected(craft(base_payload(iat=NOW + 3600))) == "sd.issued_in_future"
    # within the clock leeway: accepted
    sd_jwt.verify(craft(base_payload(exp=NOW - 10, nbf=NOW + 10, iat=NOW + 10)), ISSUER.public_key(), policy())
    # a disclosed exp counts as well (it is in the processed payload)
    d = disc(NOW - 3600, "exp")
    payload = base_payload(_sd=[dig(d)])
    del payload["exp"]
    assert rejected(craft(payload, [d])) == "sd.expired"


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["1883000000", True, [1], {"t": 1}])
def test_sd_time_claim_malformed(name, value):
    assert rejected(craft(base_payload(**{name: value}))) == "sd.time_claim_malformed"


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_sd_time_claim_not_finite(name, literal):
    # These literals are not JSON (RFC 8259 §6); a NaN exp must never mean "never expires".
    # Our JSON parser refuses them, so the payload is not a JSON object at all.
    payload = json.dumps(base_payload(**{name: "__T__"})).replace('"__T__"', literal).encode()
    assert rejected(craft(payload)) == "sd.jwt_malformed"


# ---------------------------------------------------------------- 3. negative tests: key binding


def kb_presentation(issued: sd_jwt.Issued, **kb_kw) -> str:
    body = sd_jwt.present(issued.serialize(), [("subject", "givenname")])
    return body + kb_jwt(body, **kb_kw)


def test_kb_helper_sanity(issued):
    verified = sd_jwt.verify(kb_presentation(issued), ISSUER.public_key(), policy())
    assert verified.payload["subject"] == {"givenname": "Ana"}


def test_kb_missing(issued):
    body = sd_jwt.present(issued.serialize(), [("subject", "givenname")])
    assert rejected(body) == "kb.missing"
    assert rejected(craft(base_payload(), kb=False)) == "kb.missing"


def test_kb_malformed(issued):
    body = sd_jwt.present(issued.serialize(), [])
    assert rejected(body + "garbage") == "kb.malformed"
    assert rejected(body + "a.b") == "kb.malformed"
    assert rejected(body + jose.sign_compact({"typ": "kb+jwt"}, b"[1]", HOLDER)) == "kb.malformed"
    assert rejected(body + jose.sign_compact({"typ": "kb+jwt"}, b"not json", HOLDER)) == "kb.malformed"


def test_garbage_kb_rejected_even_when_not_required(issued):
    body = sd_jwt.present(issued.serialize(), [])
    not_required = policy(required=False, nonce=None, aud=None)
    assert rejected(body + "garbage", not_required) == "kb.malformed"
    assert rejected(body + kb_jwt(body, key=OTHER), not_required) == "kb.signature"
    assert rejected(body + kb_jwt(body, sd_hash="x" * 43), not_required) == "kb.sd_hash"
    # with expectations set but not required, they are still enforced
    assert rejected(body + kb_jwt(body, nonce="other"), policy(required=False)) == "kb.nonce"
    # and a good KB-JWT still verifies
    assert sd_jwt.verify(body + kb_jwt(body), ISSUER.public_key(), not_required).kb_payload["nonce"] == NONCE


def test_kb_typ(issued):
    assert rejected(kb_presentation(issued, header={"typ": "JWT"})) == "kb.typ"
    assert rejected(kb_presentation(issued, header={})) == "kb.typ"
    assert rejected(kb_presentation(issued, header={"typ": "example+sd-jwt"})) == "kb.typ"


def test_kb_alg_not_allowed(issued):
    body = sd_jwt.present(issued.serialize(), [])
    payload = {"iat": NOW, "nonce": NONCE, "aud": AUD, "sd_hash": sd_jwt.sd_hash(body)}
    assert rejected(body + raw_jws({"alg": "none", "typ": "kb+jwt"}, payload)) == "kb.alg_not_allowed"
    assert rejected(body + raw_jws({"alg": "HS256", "typ": "kb+jwt"}, payload, sig=b"x" * 32)) == "kb.alg_not_allowed"
    assert rejected(body + raw_jws({"alg": ["ES256"], "typ": "kb+jwt"}, payload, HOLDER)) == "kb.alg_not_allowed"


def test_kb_no_holder_key():
    for payload in (
        {k: v for k, v in base_payload().items() if k != "cnf"},
        base_payload(cnf="jwk"),
        base_payload(cnf={"kid": "k1"}),
        base_payload(cnf={"jwk": {**HOLDER.public_jwk(), "x": "AAAA"}}),
        base_payload(cnf={"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}),
        base_payload(cnf={"jwk": {**HOLDER.public_jwk(), "crv": ["P-256"]}}),
    ):
        assert rejected(craft(payload)) == "kb.no_holder_key"


def test_kb_signature(issued):
    assert rejected(kb_presentation(issued, key=OTHER)) == "kb.signature"
    assert rejected(kb_presentation(issued, key=ISSUER)) == "kb.signature"
    good = kb_presentation(issued)
    h, p, s = good.rsplit("~", 1)[1].split(".")
    forged = b64json({"iat": NOW, "nonce": "other", "aud": AUD, "sd_hash": "x"})
    assert rejected(good.replace(f"{h}.{p}.{s}", f"{h}.{forged}.{s}")) == "kb.signature"


def test_kb_iat(issued):
    assert rejected(kb_presentation(issued, iat=NOW - 3600)) == "kb.iat"  # too old
    assert rejected(kb_presentation(issued, iat=NOW + 3600)) == "kb.iat"  # in the future
    assert rejected(kb_presentation(issued, drop=("iat",))) == "kb.iat"
    assert rejected(kb_presentation(issued, iat="1750000000")) == "kb.iat"
    assert rejected(kb_presentation(issued, iat=True)) == "kb.iat"
    # the window edges are honoured
    sd_jwt.verify(kb_presentation(issued, iat=NOW - 299), ISSUER.public_key(), policy())
    sd_jwt.verify(kb_presentation(issued, iat=NOW + 59), ISSUER.public_key(), policy())


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_kb_iat_not_finite(issued, literal):
    body = sd_jwt.present(issued.serialize(), [])
    payload = json.dumps({"iat": "__T__", "nonce": NONCE, "aud": AUD, "sd_hash": sd_jwt.sd_hash(body)})
    kb = jose.sign_compact({"typ": "kb+jwt"}, payload.replace('"__T__"', literal).encode(), HOLDER)
    assert rejected(body + kb) == "kb.malformed"  # not JSON (RFC 8259 §6)


def test_kb_nonce(issued):
    assert rejected(kb_presentation(issued, nonce="another-request")) == "kb.nonce"
    assert rejected(kb_presentation(issued, nonce=4711)) == "kb.nonce"
    assert rejected(kb_presentation(issued, drop=("nonce",))) == "kb.nonce"


def test_kb_aud(issued):
    assert rejected(kb_presentation(issued, aud="https://other-verifier.example")) == "kb.aud"
    assert rejected(kb_presentation(issued, aud=[AUD])) == "kb.aud"
    assert rejected(kb_presentation(issued, drop=("aud",))) == "kb.aud"


def test_kb_sd_hash(issued):
    presentation = present(issued, [("subject", "givenname"), ("nationalities", 0)])
    parts = presentation.split("~")
    jwt, disclosures, kb = parts[0], parts[1:-1], parts[-1]
    assert len(disclosures) == 3
    # a disclosure dropped after the KB-JWT was made
    dropped = "~".join([jwt, *disclosures[:-1], kb])
    assert rejected(dropped) == "kb.sd_hash"
    # a disclosure added after the KB-JWT was made (a real one of this credential)
    extra = next(d for d in issued.disclosures if d not in disclosures and decoded(d)[1:] == ["DK"])
    added = "~".join([jwt, *disclosures, extra, kb])
    assert rejected(added) == "kb.sd_hash"
    # reordered disclosures change the hash input too
    reordered = "~".join([jwt, *reversed(disclosures), kb])
    assert rejected(reordered) == "kb.sd_hash"
    assert rejected(kb_presentation(issued, drop=("sd_hash",))) == "kb.sd_hash"


# ---------------------------------------------------------------- 3. reason catalogue

EXPECTED_CODES = {
    "sd.format", "sd.too_large", "sd.too_many_disclosures", "sd.too_deep", "sd.jwt_malformed",
    "sd.alg_not_allowed", "sd.typ", "sd.crit", "sd.issuer_key", "sd.signature", "sd.sd_alg",
    "sd.payload_malformed", "sd.disclosure_malformed", "sd.disclosure_wrong_shape", "sd.reserved_claim_name",
    "sd.claim_collision", "sd.duplicate_digest", "sd.duplicate_disclosure", "sd.unreferenced_disclosure",
    "sd.expired", "sd.not_yet_valid", "sd.issued_in_future", "sd.time_claim_malformed",
    "kb.missing", "kb.malformed", "kb.typ", "kb.alg_not_allowed", "kb.no_holder_key", "kb.signature",
    "kb.iat", "kb.nonce", "kb.aud", "kb.sd_hash",
    "vc.typ", "vc.vct_missing", "vc.vct_mismatch", "vc.claim_disclosable", "vc.cnf_malformed",
    "vc.status_malformed", "vc.iss_malformed",
}


def _import_all_credential_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(credential.__path__, "credential."):
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def test_every_reason_code_has_distinct_english_and_danish_messages():
    _import_all_credential_modules()
    catalogue = all_reasons()
    assert EXPECTED_CODES <= set(catalogue), EXPECTED_CODES - set(catalogue)
    for code, reason in catalogue.items():
        assert reason.code == code
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", code), code
        assert reason.en.strip() and reason.da.strip(), code
        assert reason.en.strip() != reason.da.strip(), code
        # every shipped language (issue 15), English and Danish as before
        message = reason.message()
        assert set(message) == set(LANGS) and (message["en"], message["da"]) == (reason.en, reason.da)


def test_every_code_defined_in_credential_sources_is_in_the_catalogue():
    _import_all_credential_modules()
    catalogue = all_reasons()
    root = Path(credential.__file__).parent
    defined = set()
    for path in root.rglob("*.py"):
        defined |= set(re.findall(r"define\(\s*['\"]([^'\"]+)['\"]", path.read_text(encoding="utf-8")))
    assert defined, "no define() calls found"
    assert defined <= set(catalogue)
