"""HAIP 1.0 §5: the wallet encrypts its OpenID4VP response with A256GCM when the verifier offers both
A128GCM and A256GCM (OpenID4VP §8.3 default A128GCM when it says nothing); nothing else is used."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwe, jwk

from credential.reasons import Rejected
from wallet.presentation import encrypt_response


def request_with(enc_values):
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    pub = {**json.loads(key.export_public()), "use": "enc", "alg": "ECDH-ES", "kid": "k1"}
    meta = {"jwks": {"keys": [pub]}}
    if enc_values is not None:
        meta["encrypted_response_enc_values_supported"] = enc_values
    return {"client_metadata": meta}, key


@pytest.mark.parametrize("offered,used", [(["A128GCM", "A256GCM"], "A256GCM"), (["A256GCM"], "A256GCM"),
                                          (["A128GCM"], "A128GCM"), (None, "A128GCM")])
def test_enc_choice(offered, used):
    request, key = request_with(offered)
    token = encrypt_response(request, {"vp_token": {"q": ["x"]}, "state": "s"})
    o = jwe.JWE()
    o.deserialize(token, key=key)
    assert o.jose_header["enc"] == used and o.jose_header["alg"] == "ECDH-ES"
    assert json.loads(o.payload)["state"] == "s"


@pytest.mark.parametrize("offered", [["A192GCM"], "A256GCM"])
def test_no_supported_enc_is_refused(offered):
    request, _ = request_with(offered)
    with pytest.raises(Rejected) as e:
        encrypt_response(request, {"vp_token": {}})
    assert e.value.code == "wallet.request_invalid"
