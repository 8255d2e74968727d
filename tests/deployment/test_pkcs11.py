"""Keys in a real SoftHSM2 token behind credential.jose.SigningKey: signatures, RFC 7512 URIs, clear errors."""

from __future__ import annotations


import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from credential.jose import JoseError, SigningKey, der_to_jws_signature, parse_compact, sign_compact, verify_compact
from deployment.errors import ConfigError
from deployment.material import load_signing_key
from deployment.pkcs11 import Pkcs11KeyError, jws_signature_from_token
from deployment.pkcs11_uri import Pkcs11UriError, parse_pkcs11_uri
from deployment.settings import SharedSettings
from tests.deployment.softhsm import PIN


def _shared(softhsm, **values) -> SharedSettings:
    return SharedSettings(pkcs11_module=softhsm.module, pkcs11_pin=PIN, **values)


def _key(softhsm, uri: str, **values) -> SigningKey:
    return load_signing_key(uri, "ESSPASS_ISSUER_CREDENTIAL_KEY", _shared(softhsm, **values))


def test_token_key_signs_jws_that_verify(softhsm):
    key = _key(softhsm, softhsm.uri("credential-signing"))
    assert key.in_token and key.alg == "ES256"
    token = sign_compact({"typ": "test"}, {"n": 1}, key)
    assert verify_compact(token, key.public_key()).payload() == {"n": 1}
    assert len(parse_compact(token).signature) == 64  # R || S, RFC 7518 §3.4
    with pytest.raises(JoseError):
        key.to_pem()  # the private key cannot be exported


def test_p384_key_and_object_by_id(softhsm):
    key = _key(softhsm, "pkcs11:token=esspass;id=%70%33%38%34")  # id "p384", percent-encoded (RFC 7512 §2.3)
    assert key.alg == "ES384"
    token = sign_compact({}, {"n": 2}, key)
    assert len(parse_compact(token).signature) == 96
    verify_compact(token, key.public_key())


def test_the_token_key_is_not_extractable(softhsm):
    from pkcs11 import Attribute, ObjectClass

    from deployment.pkcs11 import _SESSIONS

    _key(softhsm, softhsm.uri("credential-signing"))
    session = next(s for s, _lock, _pin in _SESSIONS.values())
    private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="credential-signing")
    assert private[Attribute.SENSITIVE] and not private[Attribute.EXTRACTABLE]


def test_wrong_pin(softhsm):
    with pytest.raises(ConfigError) as caught:
        load_signing_key(softhsm.uri("credential-signing", token="wrong-pin"), "ESSPASS_ISSUER_CREDENTIAL_KEY",
                         SharedSettings(pkcs11_module=softhsm.module, pkcs11_pin="000000"))
    assert str(caught.value) == "ESSPASS_ISSUER_CREDENTIAL_KEY: the PIN for token 'wrong-pin' is wrong."


def test_missing_object_and_token(softhsm):
    with pytest.raises(ConfigError) as caught:
        _key(softhsm, softhsm.uri("no-such-key"))
    assert "token 'esspass' holds no EC key pair pkcs11:token=esspass;object=no-such-key" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        _key(softhsm, softhsm.uri("credential-signing", token="no-such-token"))
    assert "no token labelled 'no-such-token'" in str(caught.value)


def test_locked_token(softhsm):
    with pytest.raises(ConfigError) as caught:
        _key(softhsm, softhsm.uri("credential-signing", token="locked"))
    assert str(caught.value) == ("ESSPASS_ISSUER_CREDENTIAL_KEY: token 'locked' is locked: its user PIN was never "
                                 "initialised.")


def test_pin_from_a_file_and_never_from_the_uri(softhsm, tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    key = load_signing_key(softhsm.uri("status-signing"), "ESSPASS_ISSUER_STATUS_KEY",
                           SharedSettings(pkcs11_module=softhsm.module, pkcs11_pin_file=pin_file))
    assert key.alg == "ES256"
    with pytest.raises(ConfigError) as caught:
        load_signing_key(softhsm.uri("status-signing") + "?pin-value=" + PIN, "ESSPASS_ISSUER_STATUS_KEY",
                         SharedSettings(pkcs11_module=softhsm.module))
    assert "pin-value puts the PIN into the configuration" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_signing_key(softhsm.uri("status-signing"), "ESSPASS_ISSUER_STATUS_KEY",
                         SharedSettings(pkcs11_module=softhsm.module))
    assert "no PIN is configured" in str(caught.value)


def test_missing_module(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_signing_key("pkcs11:token=x;object=y", "ESSPASS_VERIFIER_ACCESS_KEY",
                         SharedSettings(pkcs11_module=tmp_path / "nope.so", pkcs11_pin="1"))
    assert f"the PKCS#11 module {tmp_path / 'nope.so'} does not exist" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_signing_key("pkcs11:token=x;object=y", "ESSPASS_VERIFIER_ACCESS_KEY", SharedSettings(pkcs11_pin="1"))
    assert "set ESSPASS_PKCS11_MODULE" in str(caught.value)


# ---------------------------------------------------------------- signature formats (RFC 7518 §3.4)

_ORDER = {"ES256": (32, ec.SECP256R1), "ES384": (48, ec.SECP384R1), "ES512": (66, ec.SECP521R1)}


@given(st.sampled_from(sorted(_ORDER)), st.data())
def test_token_signature_forms(alg, data):
    size, _curve = _ORDER[alg]
    r = data.draw(st.integers(1, 2 ** (8 * size) - 1))
    s = data.draw(st.integers(1, 2 ** (8 * size) - 1))
    raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    assert jws_signature_from_token(raw, alg) == raw  # PKCS#11 v2.40 §2.3.1: already R || S
    der = encode_dss_signature(r, s)
    assert jws_signature_from_token(der, alg) == raw == der_to_jws_signature(der, alg)


@given(st.binary(max_size=200))
def test_token_signature_garbage_is_refused(blob):
    if len(blob) == 64:
        return
    try:
        out = jws_signature_from_token(blob, "ES256")
    except Pkcs11KeyError:
        return
    assert len(out) == 64 and blob[:1] == b"\x30"  # only a DER ECDSA-Sig-Value converts


# ---------------------------------------------------------------- RFC 7512 URIs

def test_uri_examples():
    u = parse_pkcs11_uri("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;object=my-key;type=private"
                         "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:///etc/token-pin")
    assert (u.token, u.object, u.type) == ("The Software PKCS#11 Softtoken", "my-key", "private")
    assert u.module_path == "/usr/lib/softhsm/libsofthsm2.so" and u.pin_source == "/etc/token-pin"
    assert parse_pkcs11_uri("pkcs11:id=%01%02;token=t").id == b"\x01\x02"
    assert parse_pkcs11_uri("pkcs11:").token is None
    assert parse_pkcs11_uri("PKCS11:token=a;x-vendor=1").token == "a"
    for bad, why in [("pkcs11:token=a;token=b", "appears twice"), ("pkcs11:token=a b", "outside RFC 7512"),
                     ("pkcs11:colour=red", "unknown attribute"), ("pkcs11:type=secret", "type=secret"),
                     ("pkcs11:token=a?pin-value=1234", "pin-value"), ("pkcs11:token=%zz", "outside RFC 7512"),
                     ("pkcs11:slot-id=x1", "decimal"), ("pkcs11:token", "attribute=value"),
                     ("pkcs11:token=%ff", "UTF-8"), ("pkcs11:token=a?pin-source=file://host/pin", "this machine"),
                     ("https://example", "starts with"), ("pkcs11:" + "a" * 3000, "at most")]:
        with pytest.raises(Pkcs11UriError, match=why):
            parse_pkcs11_uri(bad)


_PCHARS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@given(_PCHARS, _PCHARS, st.binary(max_size=8))
def test_uri_round_trip(token, obj, key_id):
    from urllib.parse import quote

    uri = f"pkcs11:token={quote(token, safe='')};object={quote(obj, safe='')};id={quote(key_id, safe='')}"
    parsed = parse_pkcs11_uri(uri)
    assert (parsed.token, parsed.object, parsed.id) == (token, obj, key_id)


@given(st.text(max_size=300))
def test_uri_parser_never_crashes(text):
    try:
        parse_pkcs11_uri("pkcs11:" + text)
    except Pkcs11UriError:
        pass
