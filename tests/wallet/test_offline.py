"""Offline presentation, wallet side (issue #7): RQ1: request QR -> offline relying-party checks -> consent ->
VP2: response QR; `esspass wallet respond-offline`; refusals (untrusted, unregistered, expired, wrong kind)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import qrimage
from credential import jose, qr_transport, sd_jwt, sd_jwt_vc
from credential.dcql import PRESETS, asking_also
from credential.offline_request import build_request_object, new_nonce, request_claims, x509_hash_client_id
from credential.reasons import Rejected
from credential.types import get_type, sample_claims
from trust_list import certificates
from trust_list.demo import build_demo_ecosystem
from wallet.core import Card, Copy, Wallet, new_id, private_jwk
from wallet.offline import open_offline, read_request, respond_offline
from wallet.storage import KdfParams
from wallet.trust import load_trust_store

PIN = "135790"
STATUS_URI = "https://status.udk.esspass.example/lists/1"
STATUS_IDX = 42


def issue_offline_card(eco, wallet: Wallet, type_key: str = "pda1", copies: int = 3, now: int | None = None,
                       compact_header: bool = True) -> Card:
    """A card as the issuer delivers it, with a status reference; issuer header ``kid`` + ``x5t#S256`` (the
    compact form of trust-lists.md §4 that keeps the offline QR code small) unless ``compact_header`` is False."""
    now = now or int(time.time())
    inst = eco.institution("udk")
    ctype = get_type(type_key)
    claims = sample_claims(type_key)
    header = {"kid": "udk-1", "x5t#S256": inst.credential_x5t} if compact_header else {"x5c": inst.credential_x5c}
    out = []
    for _ in range(copies):
        key = jose.SigningKey.generate()
        issued = sd_jwt_vc.issue_vc(claims, inst.credential_key, vct=ctype.vct, iat=now - 3600, exp=now + 86400 * 365,
                                    iss="https://udk.esspass.example", sd_paths=ctype.sd_layout,
                                    holder_jwk=key.public_jwk(), status=sd_jwt_vc.StatusRef(STATUS_IDX, STATUS_URI),
                                    header=header)
        out.append(Copy(sd_jwt=issued.serialize(), key=private_jwk(key)))
    card = Card(id=new_id(), vct=ctype.vct, type_key=type_key, issuer_id="https://udk.esspass.example",
                issuer_name=inst.name, configuration_id=f"{type_key}_sd_jwt", claims=claims, received_at=now - 3600,
                iat=now - 3600, exp=now + 86400 * 365, status="VALID", copies=out)
    wallet.save_card(card)
    return card


def make_request(eco, *, slug: str = "arbejdstilsynet", preset: str = "a1-inspection", now: int | None = None,
                 lifetime_s: int = 300, dcql: dict | None = None, registration: bool = True) -> tuple[str, str, str]:
    """The inspector's side, by hand: a signed request object with the RP's access key -> RQ1: text.
    Returns (RQ1 text, nonce, client_id)."""
    now = now or int(time.time())
    rp = eco.relying_parties[slug]
    chain = [certificates.der(c) for c in rp.access_chain]
    nonce = new_nonce()
    query = dcql if dcql is not None else PRESETS[preset]
    if registration:
        jws = build_request_object(rp.access_key, chain, dcql_query=query, nonce=nonce, iat=now,
                                   registration_certificate=rp.registration_jws, lifetime_s=lifetime_s)
    else:  # the same request without verifier_info: an unregistered relying party
        claims = request_claims(client_id=x509_hash_client_id(chain[0]), dcql_query=query, nonce=nonce, iat=now,
                                registration_certificate="", lifetime_s=lifetime_s)
        del claims["verifier_info"]
        jws = jose.sign_compact({"typ": "oauth-authz-req+jwt", "x5c": rp.access_x5c}, claims, rp.access_key)
    return qr_transport.encode_request(jws), nonce, x509_hash_client_id(chain[0])


def disclosed(vp_token: str) -> set[str]:
    view = sd_jwt.holder_view(vp_token.rsplit("~", 1)[0] + "~")
    return {sd_jwt.format_path(n.path) for n in view.nodes}


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("home") / "ecosystem", int(time.time()))


@pytest.fixture()
def wallet(eco, tmp_path):
    w = Wallet(tmp_path / "wallet", kdf=KdfParams(n=2**10))
    w.create(PIN)
    return w


@pytest.fixture()
def store(eco):
    return load_trust_store(eco.home, int(time.time()))


# ---------------------------------------------------------------- library


def test_offline_round_trip_minimal_disclosure_and_history(eco, wallet, store):
    card = issue_offline_card(eco, wallet)
    rq, nonce, client_id = make_request(eco)
    consent = open_offline(wallet, rq, store)
    assert consent.request.name() == "Arbejdstilsynet" and not consent.over_asking
    assert consent.request.purpose()["da"]
    out = respond_offline(wallet, consent)
    assert out.qr_text.startswith("VP2:") and out.qr_version <= 27  # issue #7 budget for a1-inspection
    vp = qr_transport.decode_response(out.qr_text, nonce=nonce, client_id=client_id)
    assert vp == out.vp_token
    kb = jose.parse_compact(vp.rsplit("~", 1)[1]).payload()
    assert kb["nonce"] == nonce and kb["aud"] == client_id and client_id.startswith("x509_hash:")
    assert disclosed(vp) == {"subject", "legislation_country", "starting_date",
                             "ending_date", "status_confirmation", "employer", "work_information",
                             "issuing_authority", "document_number"}
    assert wallet.card(card.id).copies_left == 2  # one fresh one-time copy
    [ev] = wallet.history()
    assert (ev.kind, ev.outcome, ev.party, ev.party_id) == ("presentation", "shown_offline", "Arbejdstilsynet",
                                                            client_id)
    assert "employer" in ev.claims and ev.purpose["en"] and ev.credential == card.vct
    # a response for another request (replay) does not decode with this request's context
    with pytest.raises(Rejected) as e:
        qr_transport.decode_response(out.qr_text, nonce=new_nonce(), client_id=client_id)
    assert e.value.code == "kb.nonce"


def test_each_response_uses_a_new_copy_and_a_new_key(eco, wallet, store):
    issue_offline_card(eco, wallet)
    keys = set()
    for _ in range(2):
        rq, _, _ = make_request(eco)
        vp = respond_offline(wallet, open_offline(wallet, rq, store)).vp_token
        keys.add(json.dumps(jose.parse_compact(vp.split("~", 1)[0]).payload()["cnf"], sort_keys=True))
    assert len(keys) == 2


@pytest.mark.parametrize("case, code", [
    ("other_ecosystem", "rp.signature"),
    ("unregistered", "rp.registration"),
    ("expired", "wallet.request_expired"),
    ("not_yet_valid", "wallet.request_expired"),
    ("response_qr", "qr.kind"),
    ("garbage", "qr.version"),
])
def test_refused_offline(eco, wallet, store, tmp_path, case, code):
    card = issue_offline_card(eco, wallet)
    now = int(time.time())
    if case == "other_ecosystem":  # a relying party of another trust framework: its access CA is not listed
        other = build_demo_ecosystem(tmp_path / "other", now)
        rq, _, _ = make_request(other)
    elif case == "unregistered":
        rq, _, _ = make_request(eco, registration=False)
    elif case == "expired":  # exp 700 s ago (beyond the 300 s clock skew)
        rq, _, _ = make_request(eco, now=now - 1000)
    elif case == "not_yet_valid":
        rq, _, _ = make_request(eco, now=now + 3600)
    elif case == "response_qr":
        rq = qr_transport.encode_response("eyJhbGciOiJFUzI1NiJ9.e30.c2ln~")
    else:
        rq = "openid4vp://?client_id=x&request_uri=https://example.org/r"
    with pytest.raises(Rejected) as e:
        open_offline(wallet, rq, store)
    assert e.value.code == code and e.value.reason.da
    assert wallet.card(card.id).copies_left == 3  # nothing left the wallet
    history = wallet.history()
    if case in ("response_qr", "garbage"):
        assert history == []  # not a request: no party to name
    else:
        [ev] = history
        assert (ev.outcome, ev.reason, ev.claims) == ("refused", code, [])


def test_over_asking_is_warned_and_not_shared_unless_agreed(eco, wallet, store):
    issue_offline_card(eco, wallet)
    query = asking_also(PRESETS["a1-inspection"], [["date_of_issuance"]])
    rq, _, _ = make_request(eco, dcql=query)
    consent = open_offline(wallet, rq, store)
    assert consent.over_asking and consent.items[0].over_asking == [("date_of_issuance",)]
    assert "date_of_issuance" not in disclosed(respond_offline(wallet, consent).vp_token)
    rq, _, _ = make_request(eco, dcql=query)
    consent = open_offline(wallet, rq, store)
    assert "date_of_issuance" in disclosed(respond_offline(wallet, consent, include_over_asking=True).vp_token)
    assert [e.reason for e in wallet.history()] == ["rp.over_asking", "rp.over_asking"]


def test_no_matching_credential_is_logged_as_failed(eco, wallet, store):
    issue_offline_card(eco, wallet, "ehic")
    rq, _, _ = make_request(eco)  # asks for an A1
    with pytest.raises(Rejected) as e:
        open_offline(wallet, rq, store)
    assert e.value.code == "wallet.no_matching_credential"
    [ev] = wallet.history()
    assert (ev.outcome, ev.party) == ("failed", "Arbejdstilsynet")


def test_read_request_is_pure_and_offline(eco, store):
    rq, nonce, client_id = make_request(eco, preset="ehic-care", slug="border-police")
    req = read_request(rq, store, int(time.time()))
    assert (req.nonce, req.client_id, req.name("da")) == (nonce, client_id, "Rigspolitiet, Grænsekontrol")
    assert [c.id for c in req.query.credentials] == ["ehic"]


# ---------------------------------------------------------------- CLI


def _inspector_session(tmp_path: Path, rq: str, nonce: str, client_id: str, preset: str, now: int):
    """The inspector's session for a request made by hand (verifier.offline's format), to verify the answer."""
    from verifier.offline import InspectorSession

    s = InspectorSession(tmp_path / "session", preset, nonce, client_id, "arbejdstilsynet", now, now + 600, rq)
    s.save()
    return s


def test_cli_respond_offline_round_trip(eco, tmp_path):
    """Request QR made here with credential.offline_request (arbejdstilsynet's access key) -> CLI -> response PNG,
    decoded and verified offline by the inspector's library against a bundle."""
    from typer.testing import CliRunner

    from verifier.offline import OfflineVerifier
    from verifier.ui.demo import bundle
    from wallet.cli import app

    now = int(time.time())
    w = Wallet(tmp_path / "w", kdf=KdfParams(n=2**10))
    w.create(PIN)
    issue_offline_card(eco, w)
    w.close()
    rq, nonce, client_id = make_request(eco, now=now)
    request_png, response_png = tmp_path / "request.png", tmp_path / "out" / "response.png"
    qrimage.encode_qr_png(rq, request_png)
    r = CliRunner().invoke(app, ["respond-offline", str(request_png), "--store", str(tmp_path / "w"), "--pin", PIN,
                                 "--yes", "--out", str(response_png), "--trust-dir", str(eco.home), "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["relying_party"] == "Arbejdstilsynet" and result["qr_version"] <= 27
    assert "employer" in result["shared"]["pda1"]

    session = _inspector_session(tmp_path, rq, nonce, client_id, "a1-inspection", now)
    verifier = OfflineVerifier.from_bundle(bundle(eco, now=now), [eco.operator_cert], now)
    decision = session.verify_response_png(response_png, verifier, now=now)
    assert decision.result == "PASSED", decision.as_json()
    assert decision.claims["subject"]["familynames"]


def test_cli_refusals_and_usage(eco, tmp_path):
    from typer.testing import CliRunner

    from wallet.cli import app

    w = Wallet(tmp_path / "w", kdf=KdfParams(n=2**10))
    w.create(PIN)
    issue_offline_card(eco, w)
    w.close()
    runner = CliRunner()
    common = ["--store", str(tmp_path / "w"), "--pin", PIN, "--yes", "--out", str(tmp_path / "resp.png"),
              "--trust-dir", str(eco.home)]

    expired = tmp_path / "expired.png"
    qrimage.encode_qr_png(make_request(eco, now=int(time.time()) - 1000)[0], expired)
    r = runner.invoke(app, ["respond-offline", str(expired), *common])
    assert r.exit_code == 1 and "wallet.request_expired" in r.stderr and "Afvist" in r.stderr, r.output
    assert not (tmp_path / "resp.png").exists()

    unregistered = tmp_path / "unregistered.png"
    qrimage.encode_qr_png(make_request(eco, registration=False)[0], unregistered)
    r = runner.invoke(app, ["respond-offline", str(unregistered), *common, "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "rp.registration"

    r = runner.invoke(app, ["respond-offline", str(tmp_path / "missing.png"), *common])
    assert r.exit_code == 2
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (200, 200), 255).save(blank)
    r = runner.invoke(app, ["respond-offline", str(blank), *common])
    assert r.exit_code == 2 and "qr.unreadable" in r.stderr
    r = runner.invoke(app, ["respond-offline", str(unregistered), *common[:-4]])  # no --trust-dir/--out
    assert r.exit_code == 2

    # declined at the prompt: nothing shown, recorded
    ok = tmp_path / "ok.png"
    qrimage.encode_qr_png(make_request(eco)[0], ok)
    r = runner.invoke(app, ["respond-offline", str(ok), *[a for a in common if a != "--yes"]], input="n\n")
    assert r.exit_code == 1 and "wallet.declined" in r.stderr
    r = runner.invoke(app, ["history", "--store", str(tmp_path / "w"), "--pin", PIN, "--json"])
    outcomes = [(e["outcome"], e["reason"]) for e in json.loads(r.stdout)["events"]]
    assert outcomes == [("refused", "wallet.request_expired"), ("refused", "rp.registration"),
                        ("declined", "wallet.declined")]


# ---------------------------------------------------------------- app logic (no window)


def test_controller_offline_flow_decline_and_history(eco, tmp_path):
    from wallet.ui.controller import ConsentView, Message, OfflineView, WalletController

    ctl = WalletController(tmp_path / "app", eco.home, kdf=KdfParams(n=2**10))
    ctl.create(PIN, PIN)
    issue_offline_card(eco, ctl.wallet)
    rq, nonce, client_id = make_request(eco)
    assert ctl.classify(rq) == "offline_request" and ctl.classify("VP1:ABC") == "unknown"
    view = ctl.open_offline_request(rq)
    assert isinstance(view, ConsentView) and ctl.consent_offline
    assert "QR" in view.who_detail
    out = ctl.share_offline()
    assert isinstance(out, OfflineView) and ctl.offline is out and ctl.consent is None
    assert qr_transport.decode_response(out.qr_text, nonce=nonce, client_id=client_id)
    ctl.close_offline()
    assert ctl.offline is None

    ctl.set_language("da")
    assert isinstance(ctl.open_offline_request(make_request(eco)[0]), ConsentView)
    declined = ctl.decline()  # offline: nobody to tell, no network used
    assert declined.code == "wallet.declined"
    expired = ctl.open_offline_request(make_request(eco, now=int(time.time()) - 1000)[0])
    assert isinstance(expired, Message) and expired.code == "wallet.request_expired" and "udløbet" in expired.text
    rows = ctl.history_rows()  # newest first
    assert [r["ok"] for r in rows] == ["0", "0", "1"]
    assert rows[2]["outcome"] == "vist offline som QR-kode" and rows[2]["claims"]


def test_screenshots_include_the_offline_screens_and_the_qr_scans(tmp_path):
    """``esspass wallet screenshots`` (own process: it sizes the window before Kivy starts) renders the offline
    consent and the response QR; the QR in the picture decodes to a VP2: text."""
    import os
    import subprocess
    import sys

    from tests.support import skip_or_fail

    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1"}
    code = "from wallet.cli import app; app(['screenshots', '--out', %r, '--lang', 'da'])" % str(tmp_path / "shots")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and "window" in r.stderr.lower() and os.environ.get("ESSPASS_REQUIRE_ALL") != "1":
        skip_or_fail(f"Kivy cannot render offscreen: {r.stderr[-300:]}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "shots" / "14-consent-offline-da.png").is_file()
    assert qrimage.decode_qr_image(tmp_path / "shots" / "15-offline-qr-da.png").startswith("VP2:")
