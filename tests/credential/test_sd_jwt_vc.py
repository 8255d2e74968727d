"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-18) rules on top of RFC 9901: typ, vct, never-disclosable
claims, cnf, status and iss. Hostile credentials are signed with the issuer key the test holds."""

from __future__ import annotations

import json

import pytest

from credential import jose, sd_jwt, sd_jwt_vc
from credential.reasons import Rejected

ISSUER = jose.SigningKey.generate()
HOLDER = jose.SigningKey.generate()
NOW = 1_750_000_000
NONCE = "vc-nonce"
AUD = "https://rp.example.dk"
VCT = "urn:eudi:pda1:1"


def policy(required: bool = True, now: int = NOW) -> sd_jwt.VerifyPolicy:
    if required:
        kb = sd_jwt.KeyBindingPolicy(required=True, nonce=NONCE, aud=AUD)
    else:
        kb = sd_jwt.KeyBindingPolicy(required=False)
    return sd_jwt.VerifyPolicy(now=now, key_binding=kb, expected_typ=None)


def disc(value, name=None, salt="c2FsdA") -> str:
    return jose.b64u_encode(json.dumps([salt, value] if name is None else [salt, name, value]).encode())


def payload(**extra) -> dict:
    out = {
        "iss": "https://issuer.example.dk",
        "iat": NOW - 100,
        "exp": NOW + 86_400,
        "vct": VCT,
        "cnf": {"jwk": HOLDER.public_jwk()},
        "status": {"status_list": {"idx": 7, "uri": "https://issuer.example.dk/status/1"}},
        "_sd_alg": "sha-256",
    }
    out.update(extra)
    return {k: v for k, v in out.items() if v is not ...}


def craft(body: dict, disclosures=(), *, typ: str | None = sd_jwt_vc.TYP, kb: bool = True) -> str:
    header = {} if typ is None else {"typ": typ}
    jwt = jose.sign_compact(header, body, ISSUER)
    text = "~".join((jwt, *disclosures)) + "~"
    if kb:
        text += jose.sign_compact(
            {"typ": "kb+jwt"}, {"iat": NOW, "nonce": NONCE, "aud": AUD, "sd_hash": sd_jwt.sd_hash(text)}, HOLDER
        )
    return text


def vc_rejected(presentation: str, pol=None, expected_vct=None) -> str:
    with pytest.raises(Rejected) as info:
        sd_jwt_vc.verify_vc(presentation, ISSUER.public_key(), pol or policy(), expected_vct=expected_vct)
    return info.value.code


CLAIMS = {
    "person": {"given_name": "Jens", "family_name": "Hansen", "birth_date": "1980-01-01"},
    "employer": [{"name": "ACME ApS"}, {"name": "Nordic AB"}],
    "member_state": "DK",
}


@pytest.fixture(scope="module")
def issued() -> sd_jwt.Issued:
    return sd_jwt_vc.issue_vc(
        CLAIMS,
        ISSUER,
        vct=VCT,
        iat=NOW - 100,
        exp=NOW + 86_400,
        nbf=NOW - 100,
        iss="https://issuer.example.dk",
        holder_jwk=HOLDER.public_jwk(),
        status=sd_jwt_vc.StatusRef(7, "https://issuer.example.dk/status/1"),
        sd_paths=[("person",), ("person", "family_name"), ("person", "birth_date"), ("employer", None)],
        decoys=2,
    )


def test_issue_present_verify_vc(issued):
    header = jose.parse_compact(issued.jwt).header
    assert header["typ"] == "dc+sd-jwt"
    signed = jose.parse_compact(issued.jwt).payload()
    for name in ("iss", "iat", "nbf", "exp", "vct", "cnf", "status"):
        assert name in signed, name  # never-disclosable claims are in the clear
    presentation = sd_jwt.present(
        issued.serialize(), [("person", "family_name"), ("employer", 1)], holder_key=HOLDER, nonce=NONCE,
        aud=AUD, iat=NOW,
    )
    verified = sd_jwt_vc.verify_vc(presentation, ISSUER.public_key(), policy(), expected_vct=[VCT, "urn:other"])
    assert verified.payload == {
        "iss": "https://issuer.example.dk", "iat": NOW - 100, "nbf": NOW - 100, "exp": NOW + 86_400, "vct": VCT,
        "cnf": {"jwk": HOLDER.public_jwk()},
        "status": {"status_list": {"idx": 7, "uri": "https://issuer.example.dk/status/1"}},
        "person": {"given_name": "Jens", "family_name": "Hansen"},
        "employer": [{"name": "Nordic AB"}], "member_state": "DK",
    }
    assert sd_jwt_vc.status_ref(verified.payload) == sd_jwt_vc.StatusRef(7, "https://issuer.example.dk/status/1")
    # a resolver callable is accepted too, and gets the header and payload
    seen = {}

    def resolve(h, p):
        seen.update(h=h, p=p)
        return ISSUER.public_key()

    sd_jwt_vc.verify_vc(presentation, resolve, policy())
    assert seen["h"]["typ"] == "dc+sd-jwt" and seen["p"]["vct"] == VCT


def test_vc_without_key_binding_when_policy_allows(issued):
    presentation = sd_jwt.present(issued.serialize(), [("person",)])
    verified = sd_jwt_vc.verify_vc(presentation, ISSUER.public_key(), policy(required=False))
    assert verified.payload["person"] == CLAIMS["person"]
    assert vc_rejected(presentation) == "kb.missing"


def test_policy_expected_typ_is_superseded_by_vc_typ(issued):
    presentation = sd_jwt.present(issued.serialize(), [])
    pol = sd_jwt.VerifyPolicy(now=NOW, key_binding=sd_jwt.KeyBindingPolicy(False), expected_typ="example+sd-jwt")
    sd_jwt_vc.verify_vc(presentation, ISSUER.public_key(), pol)


def test_vc_typ():
    assert vc_rejected(craft(payload(), typ="example+sd-jwt")) == "vc.typ"
    assert vc_rejected(craft(payload(), typ="vc+sd-jwt")) == "vc.typ"  # the old media type is not accepted
    assert vc_rejected(craft(payload(), typ=None)) == "vc.typ"
    assert vc_rejected(craft(payload(), typ="DC+SD-JWT")) == "vc.typ"
    issued = sd_jwt_vc.issue_vc({}, ISSUER, vct=VCT, iat=NOW, typ="example+sd-jwt")
    assert vc_rejected(issued.serialize(), policy(required=False)) == "vc.typ"


def test_vc_vct_missing():
    assert vc_rejected(craft(payload(vct=...))) == "vc.vct_missing"
    assert vc_rejected(craft(payload(vct=""))) == "vc.vct_missing"
    assert vc_rejected(craft(payload(vct=42))) == "vc.vct_missing"
    assert vc_rejected(craft(payload(vct=["a"]))) == "vc.vct_missing"


def test_vc_vct_mismatch():
    assert vc_rejected(craft(payload()), expected_vct=["urn:eudi:ehic:1"]) == "vc.vct_mismatch"
    assert vc_rejected(craft(payload()), expected_vct=[]) == "vc.vct_mismatch"
    sd_jwt_vc.verify_vc(craft(payload()), ISSUER.public_key(), policy(), expected_vct={VCT})


@pytest.mark.parametrize("name", ["exp", "cnf", "status", "iss", "iat", "nbf", "vct"])
def test_vc_claim_disclosable(name):
    body = payload()
    value = body.pop(name, NOW - 100)  # nbf is not in the default payload
    d = disc(value, name)
    body["_sd"] = [sd_jwt.digest(d)]
    assert vc_rejected(craft(body, [d])) == "vc.claim_disclosable"


@pytest.mark.parametrize(("name", "value"), [("exp", 1), ("nbf", NOW + 10**6), ("iat", NOW + 10**6)])
def test_hidden_time_claim_is_reported_as_hidden_not_as_its_value(name, value):
    # a hidden exp in the past (or nbf/iat in the future) breaks the VC rule first: say that
    body = payload()
    body.pop(name, None)
    d = disc(value, name)
    body["_sd"] = [sd_jwt.digest(d)]
    assert vc_rejected(craft(body, [d])) == "vc.claim_disclosable"


def test_vc_claim_disclosable_via_reference_style_issuance():
    # sd_jwt.issue (no VC guard) making exp disclosable, typ dc+sd-jwt: the verifier must catch it
    claims = {k: v for k, v in payload().items() if k != "_sd_alg"}
    issued = sd_jwt.issue(claims, ISSUER, sd_paths=[("exp",)], header={"typ": sd_jwt_vc.TYP})
    assert vc_rejected(issued.serialize(), policy(required=False)) == "vc.claim_disclosable"


@pytest.mark.parametrize(
    "cnf",
    [
        "not an object",
        {"kid": "k1"},
        {"jwk": "x"},
        {"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}},
        {"jwk": {**HOLDER.public_jwk(), "x": "AAAA"}},
        {"jwk": {**HOLDER.public_jwk(), "d": "AAAA"}},
        {"jwk": {**HOLDER.public_jwk(), "crv": ["P-256"]}},
        {"jwk": {**HOLDER.public_jwk(), "crv": "P-257"}},
    ],
)
def test_vc_cnf_malformed(cnf):
    # without key binding (the KB check would already refuse a broken cnf with kb.no_holder_key)
    assert vc_rejected(craft(payload(cnf=cnf), kb=False), policy(required=False)) == "vc.cnf_malformed"


@pytest.mark.parametrize(
    "status",
    [
        "revoked",
        {},
        {"status_list": "x"},
        {"status_list": {"idx": -1, "uri": "https://s.example/1"}},
        {"status_list": {"idx": "7", "uri": "https://s.example/1"}},
        {"status_list": {"idx": True, "uri": "https://s.example/1"}},
        {"status_list": {"idx": 7.5, "uri": "https://s.example/1"}},
        {"status_list": {"idx": 7}},
        {"status_list": {"idx": 7, "uri": ""}},
        {"status_list": {"idx": 7, "uri": 5}},
    ],
)
def test_vc_status_malformed(status):
    assert vc_rejected(craft(payload(status=status))) == "vc.status_malformed"


@pytest.mark.parametrize("iss", [42, ["https://a"], {"a": 1}, True])
def test_vc_iss_malformed(iss):
    assert vc_rejected(craft(payload(iss=iss))) == "vc.iss_malformed"


def test_vc_sd_jwt_rules_still_apply():
    assert vc_rejected(craft(payload(exp=NOW - 3600))) == "sd.expired"
    other = jose.SigningKey.generate()
    with pytest.raises(Rejected) as info:
        sd_jwt_vc.verify_vc(craft(payload()), other.public_key(), policy())
    assert info.value.code == "sd.signature"


@pytest.mark.parametrize("name", ["iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status"])
def test_issue_vc_refuses_never_disclosable(name):
    with pytest.raises(ValueError):
        sd_jwt_vc.issue_vc({"a": 1}, ISSUER, vct=VCT, iat=NOW, exp=NOW + 10, nbf=NOW, iss="https://i",
                           holder_jwk=HOLDER.public_jwk(), status=sd_jwt_vc.StatusRef(1, "https://s"),
                           sd_paths=[(name,)])


def test_issue_vc_refuses_private_or_broken_holder_key():
    private = {**HOLDER.public_jwk(), "d": "AAAA"}
    with pytest.raises(jose.JoseError):
        sd_jwt_vc.issue_vc({}, ISSUER, vct=VCT, iat=NOW, holder_jwk=private)
    with pytest.raises(jose.JoseError):
        sd_jwt_vc.issue_vc({}, ISSUER, vct=VCT, iat=NOW, holder_jwk={"kty": "EC"})


def test_issue_vc_claims_cannot_override_registered_claims():
    issued = sd_jwt_vc.issue_vc({"vct": "urn:evil", "exp": 1, "a": 1}, ISSUER, vct=VCT, iat=NOW)
    signed = jose.parse_compact(issued.jwt).payload()
    assert signed["vct"] == VCT and "exp" not in signed and signed["a"] == 1
