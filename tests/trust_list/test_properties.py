"""Property-based robustness: hostile input only ever ends in the module's Rejected with a code of
shared/specs/trust-lists.md (§3 for lists, §5 ``rp.*`` for relying parties), never another exception."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credential.jose import SigningKey, json_dumps, sign_compact
from trust_list import Rejected, check_relying_party, validate_list
from trust_list import certificates
from trust_list import reasons as R
from trust_list.demo import build_demo_ecosystem
from trust_list.model import PUB_EAA, WRPAC
from trust_list.rollback import RollbackState
from trust_list.validation import LIST_TYP

from .conftest import NOW, pub_eaa_doc, sign

LIST_CODES = {r.code for r in R.LIST_REASONS}
RP_CODES = {r.code for r in R.RP_REASONS}
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=15,
)
b64u_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ", max_size=200)


def _list_code(token, anchors, expected=PUB_EAA, state=None) -> str | None:
    try:
        validate_list(token, anchors, expected, NOW, state)
    except Rejected as exc:
        assert exc.code in LIST_CODES, exc.code
        return exc.code
    return None


@pytest.fixture(scope="module")
def signed(pki):
    return sign(pki, pub_eaa_doc(pki))


# ---------------------------------------------------------------- mutations of a compact JWS


@st.composite
def mutated(draw, token: str, others: list[str]) -> str:
    kind = draw(st.sampled_from(["flip", "replace", "truncate", "swap", "splice", "insert", "delete"]))
    if kind == "flip":  # flip bits of one byte of the (ASCII) token
        raw = bytearray(token.encode("ascii"))
        i = draw(st.integers(0, len(raw) - 1))
        raw[i] ^= draw(st.integers(1, 255))
        return raw.decode("latin-1")
    if kind == "replace":
        i = draw(st.integers(0, len(token) - 1))
        return token[:i] + draw(st.characters()) + token[i + 1:]
    if kind == "truncate":
        return token[: draw(st.integers(0, len(token) - 1))]
    parts = token.split(".")
    if kind == "swap":
        order = draw(st.permutations(range(3)))
        return ".".join(parts[i] for i in order)
    if kind == "splice":  # one part from another valid token
        other = draw(st.sampled_from(others)).split(".")
        i = draw(st.integers(0, 2))
        parts[i] = other[i]
        return ".".join(parts)
    if kind == "insert":
        i = draw(st.integers(0, len(token)))
        return token[:i] + draw(st.text(min_size=1, max_size=5)) + token[i:]
    i = draw(st.integers(0, len(token) - 2))
    return token[:i] + token[i + draw(st.integers(1, 40)):]


# ---------------------------------------------------------------- validate_list


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(pki, data):
    for token in (data, data.decode("latin-1"), data.decode("utf-8", errors="replace")):
        assert _list_code(token, [pki.op_cert]) is not None


@SETTINGS
@given(text=st.text(max_size=300) | b64u_text)
def test_random_text(pki, text):
    assert _list_code(text, [pki.op_cert]) is not None


@settings(SETTINGS, max_examples=150)
@given(data=st.data())
def test_mutated_signed_list(pki, signed, data):
    other = sign(pki, pub_eaa_doc(pki, seq=7))  # same signer, other content
    wrong_type = sign(pki, {"LoTE": {"ListAndSchemeInformation": {"LoTEType": WRPAC}}})
    token = data.draw(mutated(signed, [other, wrong_type]))
    code = _list_code(token, [pki.op_cert], state=RollbackState())
    if token.strip() != signed:
        assert code is not None


def _signed_payload(pki, payload_bytes: bytes, header: dict | None = None) -> str:
    return sign_compact({"typ": LIST_TYP, "x5c": certificates.x5c_of([pki.op_cert]), **(header or {})}, payload_bytes,
                        pki.op_key)


@SETTINGS
@given(payload=json_values)
def test_signed_random_json_payload(pki, payload):
    for body in (payload, {"LoTE": payload}, {"LoTE": {"ListAndSchemeInformation": payload}}):
        assert _list_code(_signed_payload(pki, json_dumps(body)), [pki.op_cert]) == "list.schema"


@SETTINGS
@given(payload=st.binary(max_size=200))
def test_signed_random_bytes_payload(pki, payload):
    assert _list_code(_signed_payload(pki, payload), [pki.op_cert]) in ("list.schema",)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@settings(SETTINGS, max_examples=200)
@given(data=st.data())
def test_signed_list_with_one_value_replaced(pki, data):
    """A well-formed list with one value (anywhere) replaced by random JSON, deleted, or its time
    fields given arbitrary strings: signed by the pinned operator, so every check after the
    signature sees hostile content."""
    doc = pub_eaa_doc(pki)
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    target = doc
    for key in path[:-1]:
        target = target[key]
    action = data.draw(st.sampled_from(["replace", "delete", "time", "certificate"]))
    if action == "delete" and isinstance(target, dict):
        del target[path[-1]]
    elif action == "time":
        target[path[-1]] = data.draw(st.sampled_from(
            ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00",
             "2026-01-01T00:00:00+25:00", "2026-01-01t00:00:00z", "2026-01-01T00:00:00.123456789Z"])
            | st.text(max_size=30))
    elif action == "certificate":
        target[path[-1]] = data.draw(st.sampled_from(["", "AAAA", "====", "MII=", certificates.x5c_of([pki.op_cert])[0][:-8]])
                                     | st.binary(max_size=64).map(lambda b: __import__("base64").b64encode(b).decode()))
    else:
        target[path[-1]] = data.draw(json_values)
    _list_code(sign(pki, doc), [pki.op_cert], state=RollbackState())


@SETTINGS
@given(header=st.dictionaries(st.sampled_from(["typ", "x5c", "crit", "kid", "x5t#S256", "b64", "zip"]),
                              json_values, max_size=3))
def test_signed_list_with_random_header_values(pki, signed, header):
    payload = json.loads(__import__("base64").urlsafe_b64decode(signed.split(".")[1] + "==="))
    token = _signed_payload(pki, json_dumps(payload), header)
    code = _list_code(token, [pki.op_cert])
    if header.get("typ", LIST_TYP) != LIST_TYP or "crit" in header or "x5c" in header:
        assert code is not None


# ---------------------------------------------------------------- check_relying_party


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("demo"), NOW)


@pytest.fixture(scope="module")
def rp_store(eco):
    return eco.trust_store(NOW)


@pytest.fixture(scope="module")
def registrar(eco):
    return certificates.read_private_key(eco.home / "registrar" / "key.pem"), certificates.read_certificates(eco.home / "registrar" / "cert.pem")


A1 = {"credentials": [{"id": "a1", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pda1:1"]},
                       "claims": [{"path": ["subject", "familynames"]}]}]}


def _request(rp, payload: dict, header: dict | None = None) -> str:
    return sign_compact({"typ": "oauth-authz-req+jwt", "x5c": rp.access_x5c, **(header or {})}, payload,
                        rp.access_key)


def _rp_code(store, token, client_id, query, strict) -> str | None:
    try:
        check_relying_party(store, token, client_id, query, NOW, strict=strict)
    except Rejected as exc:
        assert exc.code in RP_CODES, exc.code
        return exc.code
    return None


@settings(SETTINGS, max_examples=120)
@given(data=st.data())
def test_mutated_request_object(eco, rp_store, data):
    rp = eco.relying_parties["arbejdstilsynet"]
    good = _request(rp, {"response_type": "vp_token", "nonce": "n", "dcql_query": A1, "verifier_info": rp.verifier_info})
    other = _request(eco.relying_parties["hospital"], {"nonce": "x"})
    token = data.draw(mutated(good, [other, rp.registration_jws]))
    client_id = data.draw(st.sampled_from([rp.client_id, "x509_san_dns:inspector.at.dk", "", "x509_hash:"])
                          | st.text(max_size=30) | json_values)
    code = _rp_code(rp_store, token, client_id, None, data.draw(st.booleans()))
    if token != good:
        assert code is not None


@settings(SETTINGS, max_examples=120)
@given(data=st.data())
def test_signed_request_with_random_content(eco, rp_store, data):
    rp = eco.relying_parties["arbejdstilsynet"]
    payload = {"response_type": "vp_token", "nonce": "n", "dcql_query": A1, "verifier_info": rp.verifier_info}
    field = data.draw(st.sampled_from(["dcql_query", "verifier_info", "client_id", "registration", "whole",
                                       "query_arg"]))
    query = None
    if field == "whole":
        payload = data.draw(st.dictionaries(st.text(max_size=12), json_values, max_size=5))
    elif field == "registration":
        regs = rp.registration_jws.split(".")
        payload["verifier_info"] = [{"format": "registration_cert",
                                     "data": data.draw(mutated(rp.registration_jws, [".".join(regs)]) | json_values)}]
    elif field == "query_arg":
        query = data.draw(json_values)
    else:
        payload[field] = data.draw(json_values)
    _rp_code(rp_store, _request(rp, payload), rp.client_id, query, data.draw(st.booleans()))


registration_claims = st.fixed_dictionaries({}, optional={
    "sub": st.just("NTRDK-10000001") | json_values,
    "name": st.just([{"lang": "en", "value": "x"}]) | json_values,
    "purpose": json_values,
    "credentials": st.just(A1["credentials"]) | json_values
    | st.lists(st.fixed_dictionaries({}, optional={"format": st.just("dc+sd-jwt") | json_values,
                                                   "meta": json_values, "claims": json_values}), max_size=3),
    "iat": st.just(NOW - 10) | json_values,
    "exp": st.just(NOW + 1000) | json_values,
})


@settings(SETTINGS, max_examples=150)
@given(data=st.data(), claims=registration_claims)
def test_registration_certificate_with_random_claims(eco, rp_store, registrar, data, claims):
    rp = eco.relying_parties["arbejdstilsynet"]
    key, chain = registrar
    header = data.draw(st.sampled_from([{}, {"typ": "jwt"}, {"crit": ["x"]}, {"x5c": []}, {"x5c": ["AAAA"]}]))
    registration = sign_compact({"typ": certificates.REGISTRATION_TYP, "x5c": certificates.x5c_of(chain), **header}, claims, key)
    query = data.draw(st.none() | st.just(A1) | json_values)
    payload = {"nonce": "n", "dcql_query": data.draw(st.just(A1) | json_values),
               "verifier_info": [{"format": "registration_cert", "data": registration}]}
    _rp_code(rp_store, _request(rp, payload), rp.client_id, query, data.draw(st.booleans()))


@SETTINGS
@given(data=st.binary(max_size=300) | st.text(max_size=300) | json_values)
def test_random_request_object(eco, rp_store, data):
    assert _rp_code(rp_store, data, eco.relying_parties["verifier"].client_id, None, False) == "rp.signature"


def test_other_signer_of_registration_is_rp_registration(eco, rp_store):
    """A registration certificate signed by a key whose certificate is not WRPRC-listed."""
    rp = eco.relying_parties["arbejdstilsynet"]
    key = SigningKey.generate()
    cert = certificates.issue_certificate(certificates.name("Rogue registrar", country="EU", organization="Rogue"), key,
                               issuer_key=key, issuer_cert=None, not_before=NOW - 10, not_after=NOW + 1000)
    registration = certificates.registration_certificate(key, [cert], sub="NTRDK-10000001", name="x", purpose="y",
                                              credentials=A1["credentials"], iat=NOW - 5, exp=NOW + 100)
    token = _request(rp, {"nonce": "n", "dcql_query": A1,
                          "verifier_info": [{"format": "registration_cert", "data": registration}]})
    assert _rp_code(rp_store, token, rp.client_id, None, False) == "rp.registration"
