"""Typed exceptions at the boundaries (issue 10, item 6 / 2): malformed input raises a MalformedInput subclass that
carries the stable reason code the reports already use; callers catch the type. Random input at each boundary raises
only Rejected (never TypeError/KeyError/IndexError), and a rejection whose code is malformed input is always its type."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credential
import trust_list
from credential import jose, qr_transport, sd_jwt, sd_jwt_vc, status_list
from credential.reasons import _MALFORMED, MalformedDisclosure, MalformedInput, MalformedQrText, MalformedStatusList
from credential.reasons import MalformedToken, Rejected, define, malformed
from credential.report import Kind, Stage
from credential.verification import KeyBinding, verify_presentation
from tests.credential.test_sd_jwt_properties import ISSUED, ISSUER, NOW, POLICIES, VALID
from trust_list import MalformedTrustList
from trust_list.model import PUB_EAA
from trust_list.validation import _parse_payload

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _typed(exc: Rejected) -> None:
    """A rejection whose code is registered as malformed input is an instance of that code's type."""
    expected = _MALFORMED.get(exc.code)
    if expected is not None:
        assert isinstance(exc, expected), (exc.code, type(exc))
    assert isinstance(exc, Rejected) and exc.code


def test_the_types_are_exported_and_are_rejections_with_their_code():
    for name in ("MalformedInput", "MalformedToken", "MalformedDisclosure", "MalformedStatusList", "MalformedQrText"):
        assert name in credential.__all__ and issubclass(getattr(credential, name), Rejected)
    assert "MalformedTrustList" in trust_list.__all__ and issubclass(MalformedTrustList, MalformedInput)
    assert not issubclass(MalformedInput, ValueError)  # an unrelated `except ValueError` never swallows one
    exc = Rejected(sd_jwt.R_FORMAT, "x")
    assert type(exc) is MalformedToken and exc.code == "sd.format" and exc.detail == "x"
    assert type(Rejected(sd_jwt.R_SIGNATURE)) is Rejected  # a failed check of good input stays a plain Rejected
    with pytest.raises(TypeError):
        malformed(ValueError, "x.y")  # type: ignore[arg-type]


def test_a_token_that_is_not_an_sd_jwt_is_a_malformed_token_and_the_report_says_its_code():
    with pytest.raises(MalformedToken) as caught:
        sd_jwt.parse("no separator at all")
    assert caught.value.code == "sd.format"
    with pytest.raises(MalformedToken):
        sd_jwt_vc.verify_vc("a.b~", ISSUER.public_key(), POLICIES[1])
    report = verify_presentation("not a token", trust=_Trust(), now=NOW, key_binding=KeyBinding(required=False))
    assert report.checks[-1].code == "sd.format" and report.checks[-1].kind is Kind.FAILED
    assert report.stage(Stage.SIGNATURE) is Kind.NOT_REACHED


def test_a_disclosure_that_is_not_base64url_json_is_a_malformed_disclosure():
    jwt, *rest = VALID.split("~")
    for bad in ("!!!!", jose.b64u_encode(b"not json"), jose.b64u_encode(json.dumps({"a": 1}).encode())):
        with pytest.raises(MalformedDisclosure) as caught:
            sd_jwt.verify("~".join([jwt, bad, *rest]), ISSUER.public_key(), POLICIES[1])
        assert caught.value.code in ("sd.disclosure_malformed", "sd.disclosure_wrong_shape")


def test_a_status_claim_or_token_that_does_not_parse_is_a_malformed_status_list():
    with pytest.raises(MalformedStatusList) as caught:
        status_list.parse_status_claim({"status": {"status_list": {"idx": "seven", "uri": 5}}})
    assert caught.value.code == "status.reference_malformed"
    with pytest.raises(MalformedStatusList) as caught:
        status_list.validate_status_list_token("x.y.z", public_key=ISSUER.public_key(), expected_sub="https://s/1",
                                               now=NOW, idx=0, fetched_at=NOW)
    assert caught.value.code == "status.token_malformed"


def test_a_qr_payload_that_is_not_ours_is_malformed_qr_text():
    for text in ("HELLO", "VP2:%%%", "RQ1:" + "A" * 40):
        with pytest.raises(MalformedQrText):
            qr_transport.decode_response(text)
    with pytest.raises(MalformedQrText):
        qr_transport.decode_request("https://example.org/")


def test_a_trust_list_that_does_not_parse_is_a_malformed_trust_list():
    for payload in (b"\xff not json", b"[]", json.dumps({"LoTE": {}}).encode()):
        with pytest.raises(MalformedTrustList) as caught:
            _parse_payload(payload, PUB_EAA, v2=True)
        assert caught.value.code.startswith("list.")


class _Trust:
    def issuer(self, header, vct, at, now):  # never reached by malformed tokens
        raise Rejected(define("issuer.untrusted"))

    def status_signer(self, header, issuer, at, now):
        return ISSUER.public_key()


# ---------------------------------------------------------------- properties: random input at each boundary


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_into_the_sd_jwt_parser_raises_only_a_malformed_token(text):
    try:
        sd_jwt.parse(text)
    except MalformedToken:
        pass


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_as_a_presentation_raise_only_rejections_of_the_documented_types(data):
    text = data.decode("latin-1")
    for candidate in (text, ISSUED.serialize().split("~")[0] + "~" + jose.b64u_encode(data) + "~"):
        try:
            sd_jwt_vc.verify_vc(candidate, ISSUER.public_key(), POLICIES[1])
        except Rejected as exc:
            _typed(exc)


@SETTINGS
@given(st.binary(min_size=1, max_size=300))  # an empty one is no disclosure at all: sd.format (tested above)
def test_random_bytes_as_a_disclosure_raise_only_a_malformed_disclosure_or_an_unreferenced_one(data):
    jwt = ISSUED.serialize().split("~")[0]
    try:
        sd_jwt.verify(f"{jwt}~{jose.b64u_encode(data)}~", ISSUER.public_key(), POLICIES[1])
    except MalformedDisclosure:
        pass
    except Rejected as exc:
        assert exc.code == "sd.unreferenced_disclosure", exc.code  # well-formed, but not this credential's


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                   max_size=3), max_leaves=8)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["status", "status_list", "idx", "uri"]), JSONISH, max_size=3))
def test_random_status_claims_raise_only_a_malformed_status_list(claims):
    try:
        status_list.parse_status_claim(claims)
    except MalformedStatusList:
        pass


@SETTINGS
@given(st.binary(max_size=300))
def test_random_status_tokens_raise_only_rejections_of_the_documented_types(data):
    for token in (data.decode("latin-1"), ".".join(jose.b64u_encode(data[i::3]) for i in range(3))):
        try:
            status_list.validate_status_list_token(token, public_key=ISSUER.public_key(), expected_sub="https://s/1",
                                                   now=NOW, idx=0, fetched_at=NOW)
        except Rejected as exc:
            _typed(exc)


@SETTINGS
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: "VP2:" + b.decode("latin-1")),
                 st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=200)
                 .map(lambda t: "RQ1:" + t)))
def test_random_qr_text_raises_only_rejections_of_the_documented_types(text):
    for decode in (qr_transport.decode_request, qr_transport.decode_response, qr_transport.decode_any):
        try:
            decode(text)
        except Rejected as exc:
            _typed(exc)


@SETTINGS
@given(st.one_of(st.binary(max_size=300), JSONISH.map(lambda v: json.dumps(v).encode()),
                 st.dictionaries(st.sampled_from(["LoTE", "ListAndSchemeInformation"]), JSONISH, max_size=2)
                 .map(lambda v: json.dumps({"LoTE": v}).encode())))
def test_random_trust_list_payloads_raise_only_a_malformed_trust_list(payload):
    try:
        _parse_payload(payload, PUB_EAA, v2=True)
    except MalformedTrustList:
        pass
