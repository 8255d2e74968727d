"""credential.qr_transport: lossless round trips, strict bounded decoding, QR images (issue 7)."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bench_qr import TARGETS, build_presentation, build_request, decodes_degraded, degrade
import qrimage
from credential import jose, qr_transport as qt, sd_jwt
from credential.reasons import Rejected

PRESETS = ("a1-inspection", "a1-coverage", "ehic-care")


@pytest.fixture(scope="module")
def presentations() -> dict[str, dict]:
    return {p: build_presentation(p) for p in PRESETS}


@pytest.fixture(scope="module")
def request_object() -> dict:
    return build_request("a1-inspection")


def _container(kind: str, skeleton: bytes, entropy: bytes = b"") -> str:
    deflated = qt._deflate(skeleton, qt.dictionary(kind))
    return qt.PREFIXES[kind] + qt.base45_encode(qt._varint(len(deflated)) + deflated + entropy)


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.code


# ---------------------------------------------------------------- base45 (RFC 9285 §4.3 examples)


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0"), (b"", "")],
)
def test_base45_rfc9285_examples(raw: bytes, encoded: str) -> None:
    assert qt.base45_encode(raw) == encoded
    assert qt.base45_decode(encoded) == raw


@pytest.mark.parametrize("bad", ["GGW", "a", "ABCD", "ZZZ", "::"])  # 'ZZZ' = 91124 > 65535, '::' = 2024 > 255
def test_base45_strict(bad: str) -> None:
    with pytest.raises(Rejected) as exc:
        qt.base45_decode(bad)
    assert _code(exc) == "qr.malformed"


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert qt.base45_decode(qt.base45_encode(data)) == data


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("preset", PRESETS)
def test_response_round_trip_exact(presentations, preset: str) -> None:
    fx = presentations[preset]
    vp = fx["vp_token"]
    with_ctx = qt.encode_response(vp, nonce=fx["nonce"], client_id=fx["client_id"])
    assert with_ctx.startswith("VP2:")
    assert all(c in qt.BASE45_ALPHABET for c in with_ctx)
    assert qt.decode_response(with_ctx, nonce=fx["nonce"], client_id=fx["client_id"]) == vp
    plain = qt.encode_response(vp)  # without context: self-contained, slightly larger
    assert qt.decode_response(plain) == vp
    assert len(with_ctx) < len(plain)


@pytest.mark.parametrize("preset", PRESETS)
def test_restored_presentation_verifies(presentations, preset: str) -> None:
    fx = presentations[preset]
    text = qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"])
    restored = qt.decode_response(text, nonce=fx["nonce"], client_id=fx["client_id"])
    policy = sd_jwt.VerifyPolicy(
        now=fx_now(), key_binding=sd_jwt.KeyBindingPolicy(required=True, nonce=fx["nonce"], aud=fx["client_id"])
    )
    verified = sd_jwt.verify(restored, fx["issuer"].public_key(), policy)
    assert verified.payload["vct"].startswith("urn:eudi:")


def fx_now() -> int:
    from benchmarks.bench_qr import NOW

    return NOW


@pytest.mark.parametrize("preset", PRESETS)
def test_size_budget(presentations, preset: str) -> None:
    fx = presentations[preset]
    text = qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"])
    version = qrimage.qr_version_for(text)
    if preset in TARGETS:
        assert version <= TARGETS[preset], f"{preset}: version {version}"


def test_request_round_trip(request_object) -> None:
    jws = request_object["request"]
    text = qt.encode_request(jws)
    assert text.startswith("RQ1:")
    assert qt.decode_request(text) == jws
    # x5c certificates and the nested registration certificate are restored byte for byte
    header = jose.parse_compact(qt.decode_request(text)).header
    assert header["x5c"] == jose.parse_compact(jws).header["x5c"]
    assert qrimage.qr_version_for(text) <= 27


def test_non_canonical_base64url_parts_survive(presentations) -> None:
    vp = presentations["ehic-care"]["vp_token"]
    jwt, *rest = vp.split("~")
    h, p, s = jwt.split(".")
    # 'B' in the last position of a 43-char run leaves non-zero padding bits: a decoder that normalises breaks it
    odd_sig = s[:-1] + ("B" if s[-1] != "B" else "C")
    assert jose.b64u_encode(jose.b64u_decode(odd_sig)) != odd_sig
    cases = [
        "~".join([f"{h}.{p}.{odd_sig}", *rest]),
        "~".join([f"{h}.{p}.{s}", "not*base64url!", *rest]),  # a raw-text part
        "~".join([f"{h}.{p}.{s}", "WyJh", *rest]),  # tiny canonical part
        f"{h}.{p}.{s}~",  # no disclosures, no KB-JWT
        "abc~def~",
        "~",
    ]
    for vp_case in cases:
        assert qt.decode_response(qt.encode_response(vp_case)) == vp_case


def test_non_canonical_json_part_survives() -> None:
    # JSON with spaces and escapes inside base64url: never re-serialised, restored exactly
    part = jose.b64u_encode(b'{ "a" : "\\u00e6", "n": 1.0e2 ,"s":"x y"}')
    vp = f"{part}.{part}.{jose.b64u_encode(bytes(64))}~{jose.b64u_encode(b'[1, 2]')}~"
    assert qt.decode_response(qt.encode_response(vp)) == vp


# ---------------------------------------------------------------- context (nonce, client_id) and replays


def test_response_for_another_request_is_a_replay(presentations) -> None:
    fx = presentations["a1-inspection"]
    text = qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"])
    with pytest.raises(Rejected) as exc:
        qt.decode_response(text, nonce="AAAAAAAAAAAAAAAAAAAAAA", client_id=fx["client_id"])
    assert _code(exc) == "kb.nonce"
    with pytest.raises(Rejected) as exc:
        qt.decode_response(text, nonce=fx["nonce"], client_id="x509_hash:" + "A" * 43)
    assert _code(exc) == "kb.aud"
    with pytest.raises(Rejected) as exc:
        qt.decode_response(text)
    assert _code(exc) == "qr.context"


def test_kind_and_version(presentations, request_object) -> None:
    response = qt.encode_response(presentations["a1-coverage"]["vp_token"])
    request = qt.encode_request(request_object["request"])
    with pytest.raises(Rejected) as exc:
        qt.decode_request(response)
    assert _code(exc) == "qr.kind"
    with pytest.raises(Rejected) as exc:
        qt.decode_response(request)
    assert _code(exc) == "qr.kind"
    for bad in ("VP3:" + response[4:], "HC1:6BFOXN", "https://example.com", "", "vp1:AB"):
        with pytest.raises(Rejected) as exc:
            qt.decode_response(bad)
        assert _code(exc) == "qr.version"
    assert qt.decode_any(request).kind == "request"


# ---------------------------------------------------------------- bounds and strictness


def test_too_long_text_refused_before_decoding() -> None:
    with pytest.raises(Rejected) as exc:
        qt.decode_response("VP1:" + "0" * qt.MAX_TEXT_CHARS)
    assert _code(exc) == "qr.too_large"


def test_zip_bomb_refused() -> None:
    skeleton = b"A" * (qt.MAX_SKELETON_BYTES + 10) + b"~"
    text = _container("response", skeleton)
    assert len(text) < qt.MAX_TEXT_CHARS  # a tiny QR text...
    with pytest.raises(Rejected) as exc:  # ...that would inflate beyond the limit
        qt.decode_response(text)
    assert _code(exc) == "qr.too_large"


def test_output_expansion_bounded() -> None:
    # a skeleton under the inflate limit whose nested base64 runs would restore more than MAX_OUTPUT_CHARS
    one = bytes([qt.STD_B64]) + qt._varint(5000) + b"\x00" * 5000
    text = _container("response", b"\xfe\xfe" + one * 3 + b"\xfd\xfd~")
    with pytest.raises(Rejected) as exc:
        qt.decode_response(text)
    assert _code(exc) == "qr.too_large"


def test_too_many_parts() -> None:
    skeleton = (bytes([qt.TOKEN, 2])) * (qt.MAX_ITEMS + 1) + b"~"
    text = _container("response", skeleton, b"\x00" * (qt.MAX_ITEMS + 1))
    with pytest.raises(Rejected) as exc:
        qt.decode_response(text)
    assert _code(exc) == "qr.too_large"


@pytest.mark.parametrize(
    ("skeleton", "entropy"),
    [
        (b"\xfe\xfe\xfe\xfe{}\xfd\xfd\xfd\xfd~", b""),  # nested too deep
        (b"\xfe~", b""),  # unclosed nested part
        (b"~\xfd", b""),  # stray close
        (b"\xfe\xfd~", b""),  # empty nested part
        (b"\xff\x05~", b"\x00" * 3),  # impossible base64url length (5 mod 4 == 1)
        (b"\xff\x2b~", b"\x00" * 5),  # entropy stream too short
        (b"\xff\x16~", b"\x00" * 17),  # a byte left over in the entropy stream
        (b"\xfc\x10abc~", b""),  # truncated base64 part
        (b"\xf8~", b""),  # reserved marker
        (b"\xff\x80\x00~", b""),  # overlong varint
        (b"\xfb\x00\x00\x00~", b""),  # context reference at top level
        (b"\xfe{\xfb\x07ab}\xfd~", b""),  # unknown context index
        (b"\xfe{\xfa}\xfd.", b""),  # sd_hash with no '~' before it
        (b"a b~", b""),  # restored text not printable ASCII
        (b"abc", b""),  # a response without '~'
    ],
)
def test_malformed_skeletons(skeleton: bytes, entropy: bytes) -> None:
    with pytest.raises(Rejected) as exc:
        qt.decode_response(_container("response", skeleton, entropy), nonce="n", client_id="c")
    assert _code(exc) == "qr.malformed"


def test_malformed_containers() -> None:
    good = qt.encode_response("abc~def~")
    container = qt.base45_decode(good[4:])
    n = container[0]
    for bad in (
        b"",  # empty
        b"\x00",  # zero-length DEFLATE
        bytes([n + 5]) + container[1:],  # declared length beyond the end
        container[:1] + b"\x00" * n,  # not DEFLATE
        bytes([n - 1]) + container[1:n],  # truncated DEFLATE
        bytes([n + 1]) + container[1:] + b"\x00",  # bytes after the DEFLATE stream
    ):
        with pytest.raises(Rejected) as exc:
            qt.decode_response("VP1:" + qt.base45_encode(bad))
        assert _code(exc) == "qr.malformed", bad


def test_request_shape_enforced() -> None:
    with pytest.raises(Rejected):
        qt.encode_request("a.b")
    text = _container("request", b"a.b~c")
    with pytest.raises(Rejected) as exc:
        qt.decode_request(text)
    assert _code(exc) == "qr.malformed"


def test_encoder_refuses_what_does_not_fit() -> None:
    huge = "~".join(jose.b64u_encode(hashlib.sha256(bytes([i, j])).digest()) for i in range(10) for j in range(20))
    with pytest.raises(Rejected) as exc:
        qt.encode_response(huge + "~")
    assert _code(exc) == "qr.too_large"
    with pytest.raises(ValueError):
        qt.encode_response("æ~")


def test_dictionaries_are_pinned() -> None:
    # The dictionaries are part of the format (docs/offline-presentation.md): changing them needs a new prefix.
    assert qt.dictionary_sha256("response") == RESPONSE_DICT_SHA256
    assert qt.dictionary_sha256("response", "VP1:") == RESPONSE_VP1_DICT_SHA256
    assert qt.dictionary_sha256("request") == REQUEST_DICT_SHA256
    assert qt.PREFIXES["response"] == "VP2:" and set(qt.READABLE_PREFIXES) == {"VP1:", "VP2:", "RQ1:"}


def test_vp1_text_is_still_read(presentations) -> None:
    """A VP1: text (the transport with the dictionary before issue 16; printed paper copies carry it) decodes
    with the VP1 dictionary; the same container under VP2: does not give the text back."""
    fx = presentations["ehic-care"]
    vp = fx["vp_token"]
    encoder = qt._Encoder({})
    skeleton = encoder.skeleton(vp.encode("ascii"))
    deflated = qt._deflate(skeleton, qt.dictionary("response", "VP1:"))
    container = qt.base45_encode(qt._varint(len(deflated)) + deflated + bytes(encoder.entropy))
    assert qt.decode_response("VP1:" + container) == vp
    try:
        assert qt.decode_response("VP2:" + container) != vp
    except Rejected as exc:
        assert exc.code == "qr.malformed"


RESPONSE_DICT_SHA256 = "7bd0c9333d5e419f39ed4c358c516799e46ea9aa67b209307b2e55a5ca8ace93"
RESPONSE_VP1_DICT_SHA256 = "95254ca9205f6a764f8baf9bce1cf514ec5ffa38a01f90fc16ca514e6618af0e"
REQUEST_DICT_SHA256 = "b8c3d1ea2f985b3bcad06cd379c9d92f7f4fb32366bd58e64b4964fd6a72fe85"


# ---------------------------------------------------------------- hypothesis: only Rejected, ever


def _only_rejected(text: object, **ctx: str) -> None:
    try:
        qt.decode_any(text, qt.Context(**ctx) if ctx else None)
    except Rejected:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_only_rejected(text: str) -> None:
    _only_rejected(text)
    _only_rejected("VP1:" + text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=qt.BASE45_ALPHABET, max_size=400), st.sampled_from(["VP1:", "RQ1:"]))
def test_random_base45_only_rejected(body: str, prefix: str) -> None:
    _only_rejected(prefix + body, nonce="n", client_id="c")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_skeletons_only_rejected(skeleton: bytes) -> None:
    entropy = skeleton[: len(skeleton) // 2]
    _only_rejected(_container("response", skeleton, entropy), nonce="n", client_id="c")
    _only_rejected(_container("request", skeleton, entropy))


_SAMPLE = None


def _sample_text() -> str:
    global _SAMPLE
    if _SAMPLE is None:
        fx = build_presentation("ehic-care")
        _SAMPLE = (qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"]), fx)
    return _SAMPLE


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_mutated_real_input_only_rejected_or_exact(data) -> None:
    text, fx = _sample_text()
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(4, len(chars) - 1))
        op = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        ch = data.draw(st.sampled_from(qt.BASE45_ALPHABET))
        if op == "replace":
            chars[i] = ch
        elif op == "delete":
            del chars[i]
        else:
            chars.insert(i, ch)
    try:
        out = qt.decode_response("".join(chars), nonce=fx["nonce"], client_id=fx["client_id"])
    except Rejected:
        return
    # A mutation that still decodes changes the restored text (signatures then fail), never crashes.
    assert isinstance(out, str) and out.isascii()


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_random_deflate_payloads_only_rejected(blob: bytes) -> None:
    _only_rejected("VP1:" + qt.base45_encode(blob), nonce="n", client_id="c")
    _only_rejected("VP1:" + qt.base45_encode(qt._varint(len(blob)) + blob))


# ---------------------------------------------------------------- QR images


def test_qr_png_reports_version_and_mode(presentations) -> None:
    fx = presentations["ehic-care"]
    text = qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"])
    buf = io.BytesIO()
    info = qrimage.encode_qr_png(text, buf, scale=3)
    assert info.mode == "alphanumeric"
    assert info.version == qrimage.qr_version_for(text) <= 20
    assert info.modules == 17 + 4 * info.version
    assert qrimage.decode_qr_image(buf.getvalue()) == text


def test_a1_inspection_survives_degraded_camera_image(presentations, tmp_path) -> None:
    fx = presentations["a1-inspection"]
    text = qt.encode_response(fx["vp_token"], nonce=fx["nonce"], client_id=fx["client_id"])
    png = tmp_path / "response.png"
    info = qrimage.encode_qr_png(text, png, scale=6)
    assert info.version <= 27
    jpeg = degrade(png.read_bytes())  # 400x400, Gaussian blur 0.7, JPEG q60
    (tmp_path / "degraded.jpg").write_bytes(jpeg)
    restored = qt.decode_response(
        qrimage.decode_qr_image(tmp_path / "degraded.jpg"), nonce=fx["nonce"], client_id=fx["client_id"]
    )
    assert restored == fx["vp_token"]


def test_request_qr_survives_degraded_image(request_object) -> None:
    assert decodes_degraded(qt.encode_request(request_object["request"]))


def test_decode_qr_image_rejects_non_images() -> None:
    for bad in (b"not an image", b"", 42):
        with pytest.raises(Rejected) as exc:
            qrimage.decode_qr_image(bad)
        assert _code(exc) == "qr.unreadable"
    from PIL import Image

    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    with pytest.raises(Rejected) as exc:
        qrimage.decode_qr_image(blank.getvalue())
    assert _code(exc) == "qr.unreadable"


def test_reason_codes_have_danish() -> None:
    from credential.reasons import lookup

    for code in ("qr.version", "qr.kind", "qr.malformed", "qr.too_large", "qr.context", "qr.unreadable"):
        reason = lookup(code)
        assert reason.en and reason.da and reason.en != reason.da
