"""Interoperability with the reference implementation (``sd-jwt`` 0.10.4, jwcrypto keys), both ways,
with nested, array-element and array-element-object disclosures."""

from __future__ import annotations

import time

import pytest

# The reference package (module name sd_jwt, pinned in the test extra) is required, not skipped.
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from credential import jose
from credential import sd_jwt as ours
from credential import sd_jwt_vc
from credential.reasons import Rejected

NONCE = "interop-nonce-42"
AUD = "https://verifier.example.dk"
VCT = "urn:eudi:pda1:1"


def jwcrypto_to_ours_public(jwk: JWK):
    public = jwk.export_public(as_dict=True)
    return jose.jwk_to_public_key({k: public[k] for k in ("kty", "crv", "x", "y")})


def ours_to_jwcrypto(key: jose.SigningKey) -> JWK:
    return JWK.from_pem(key.to_pem())


def policy(now: int | None = None) -> ours.VerifyPolicy:
    return ours.VerifyPolicy(
        now=int(time.time()) if now is None else now,
        key_binding=ours.KeyBindingPolicy(required=True, nonce=NONCE, aud=AUD),
    )


def reference_claims(now: int) -> dict:
    return {
        "iss": "https://issuer.example.dk",
        "iat": now - 60,
        "exp": now + 86_400,
        "vct": VCT,
        SDObj("given_name"): "Erika",
        SDObj("family_name"): "Mustermann",
        SDObj("address"): {  # a disclosable object with disclosable members
            SDObj("street_address"): "Heidestraße 17",
            "locality": "Köln",
            "country": "DE",
        },
        "nationalities": [SDObj("DE"), SDObj("FR"), "DK"],  # array elements
        SDObj("employers"): [  # array-element objects with disclosable members
            {SDObj("name"): "ACME GmbH", "country": "DE"},
            SDObj({"name": "Nordic AB", "country": "SE"}),
        ],
    }


@pytest.mark.parametrize("typ", [None, "dc+sd-jwt"])
def test_reference_issuer_and_holder_our_verifier(typ):
    now = int(time.time())
    issuer_key = JWK.generate(kty="EC", crv="P-256")
    holder_key = JWK.generate(kty="EC", crv="P-256")
    extra = {} if typ is None else {"typ": typ}
    issuer = SDJWTIssuer(reference_claims(now), issuer_key, holder_key=holder_key, add_decoy_claims=True,
                         extra_header_parameters=extra)
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation(
        {
            "given_name": True,
            "address": {"street_address": True},
            "nationalities": [False, True],
            "employers": [{"name": True}, True],
        },
        nonce=NONCE,
        aud=AUD,
        holder_key=holder_key,
    )
    presentation = holder.sd_jwt_presentation

    reference = SDJWTVerifier(presentation, lambda iss, header: issuer_key, expected_aud=AUD, expected_nonce=NONCE)
    reference_payload = reference.get_verified_payload()

    issuer_public = jwcrypto_to_ours_public(issuer_key)
    if typ == "dc+sd-jwt":
        verified = sd_jwt_vc.verify_vc(presentation, issuer_public, policy(), expected_vct=[VCT])
    else:
        assert jose.parse_compact(ours.parse(presentation).jwt).header["typ"] == "example+sd-jwt"
        verified = ours.verify(presentation, issuer_public, ours.VerifyPolicy(
            now=int(time.time()), key_binding=policy().key_binding, expected_typ="example+sd-jwt"))
    assert verified.payload == reference_payload
    holder_jwk = holder_key.export_public(as_dict=True)
    assert verified.payload == {
        "iss": "https://issuer.example.dk",
        "iat": now - 60,
        "exp": now + 86_400,
        "vct": VCT,
        "cnf": {"jwk": holder_jwk},
        "given_name": "Erika",
        "address": {"street_address": "Heidestraße 17", "locality": "Köln", "country": "DE"},
        "nationalities": ["FR", "DK"],
        "employers": [{"name": "ACME GmbH", "country": "DE"}, {"name": "Nordic AB", "country": "SE"}],
    }
    assert verified.kb_payload["nonce"] == NONCE and verified.kb_payload["aud"] == AUD

    # and ours refuses what it must, on reference-made input as well
    with pytest.raises(Rejected) as info:
        ours.verify(presentation, issuer_public, ours.VerifyPolicy(
            now=int(time.time()), key_binding=ours.KeyBindingPolicy(True, "other", AUD)))
    assert info.value.code == "kb.nonce"


def test_reference_issuance_without_holder_disclosing_nothing():
    now = int(time.time())
    issuer_key = JWK.generate(kty="EC", crv="P-256")
    holder_key = JWK.generate(kty="EC", crv="P-256")
    issuer = SDJWTIssuer(reference_claims(now), issuer_key, holder_key=holder_key)
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation({}, nonce=NONCE, aud=AUD, holder_key=holder_key)
    reference = SDJWTVerifier(holder.sd_jwt_presentation, lambda iss, header: issuer_key,
                              expected_aud=AUD, expected_nonce=NONCE)
    verified = ours.verify(holder.sd_jwt_presentation, jwcrypto_to_ours_public(issuer_key), policy())
    assert verified.payload == reference.get_verified_payload()
    assert verified.payload["nationalities"] == ["DK"]
    assert "given_name" not in verified.payload and "employers" not in verified.payload


OUR_CLAIMS = {
    "iss": "https://issuer.example.dk",
    "person": {
        "given_name": "Jens",
        "family_name": "Hansen",
        "address": {"street": "Nørregade 1", "city": "København", "country": "DK"},
    },
    "nationalities": ["DK", "SE", "NO"],
    "employers": [{"name": "ACME ApS", "country": "DK"}, {"name": "Nordic AB", "country": "SE"}],
}


@pytest.mark.parametrize(
    "disclose",
    [
        [("person", "address", "city"), ("nationalities", 1), ("employers", 1, "name")],
        [("person",), ("nationalities", None), ("employers", None)],
        [],
    ],
)
def test_our_issuer_and_holder_reference_verifier(disclose):
    now = int(time.time())
    issuer, holder = jose.SigningKey.generate(), jose.SigningKey.generate()
    issued = sd_jwt_vc.issue_vc(
        OUR_CLAIMS,
        issuer,
        vct=VCT,
        iat=now - 60,
        exp=now + 86_400,
        iss=OUR_CLAIMS["iss"],
        holder_jwk=holder.public_jwk(),
        sd_paths=[
            ("person",), ("person", "family_name"), ("person", "address"), ("person", "address", "city"),
            ("person", "address", "street"), ("nationalities", None), ("employers", 0), ("employers", 1),
            ("employers", 1, "name"),
        ],
        decoys=2,
    )
    presentation = ours.present(issued.serialize(), disclose, holder_key=holder, nonce=NONCE, aud=AUD, iat=now)

    ours_verified = sd_jwt_vc.verify_vc(presentation, issuer.public_key(), policy(now), expected_vct=[VCT])
    reference = SDJWTVerifier(presentation, lambda iss, header: ours_to_jwcrypto(issuer),
                              expected_aud=AUD, expected_nonce=NONCE)
    assert reference.get_verified_payload() == ours_verified.payload
    # the reference verifier really checks: a wrong nonce is refused by it too
    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(presentation, lambda iss, header: ours_to_jwcrypto(issuer), expected_aud=AUD,
                      expected_nonce="other")
    if disclose == [("person",), ("nationalities", None), ("employers", None)]:
        expected = {k: v for k, v in OUR_CLAIMS.items()}
        assert {k: ours_verified.payload[k] for k in expected} == expected
    if disclose and disclose[0] == ("person", "address", "city"):
        assert ours_verified.payload["person"] == {"given_name": "Jens", "address": {"city": "København",
                                                                                     "country": "DK"}}
        assert ours_verified.payload["nationalities"] == ["SE"]
        assert ours_verified.payload["employers"] == [{"name": "Nordic AB", "country": "SE"}]
    if not disclose:
        assert "person" not in ours_verified.payload
        assert ours_verified.payload["nationalities"] == [] and ours_verified.payload["employers"] == []
