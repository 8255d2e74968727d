"""The OpenWallet Foundation's ``@openid4vc/openid4vp`` as a verifier for the ESSPASS wallet (issue 13
item 6): the library makes a signed request (request_uri, ``x509_hash`` client id, DCQL for an A1,
``direct_post.jwt``), our wallet's CLI (``esspass wallet present``, wallet/presentation.py) answers
it, the library decrypts and validates the response and ``@sd-jwt/sd-jwt-vc`` checks the SD-JWT VC:
issuer signature through the institution CA, Token Status List, KB-JWT under ``cnf.jwk`` with the
request's nonce and the client id as ``aud``.

Our wallet presents only to relying parties on its lists (trust-lists.md §5): the test registers the
OWF verifier the way the demo ecosystem registers its own relying parties, with an access certificate
from the WRPAC-listed access CA and a registration certificate from the WRPRC-listed registrar.
Real servers on 127.0.0.1 over plain http: the wallet allows loopback on the demo ecosystem, the
libraries have ``allowInsecureUrls`` (``node/owf_common.mjs``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credential.jose import SigningKey
from tests.interop.owf import OwfError, pem, run
from tests.interop.test_owf_wallet_issuance import anchors
from tests.issuer.conftest import Running, ServerThread
from tests.issuer.test_oid4vci import create_case
from tests.support import free_port
from trust_list import certificates
from trust_list.demo import registration_credentials

PIN = "246810"
DAY = 86400
# An A1 query written for this test (not one of our presets): a DCQL query as another verifier writes it
A1_QUERY = {"credentials": [{
    "id": "a1", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pda1:1"]},
    "claims": [{"path": ["document_number"]}, {"path": ["legislation_country"]}, {"path": ["starting_date"]},
               {"path": ["ending_date"]}, {"path": ["issuing_authority"]}]}]}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings

    home = tmp_path_factory.mktemp("owf-verifier") / "home"
    port = free_port()
    settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000)
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            yield Running(f"http://127.0.0.1:{port}", service, settings, home)
    finally:
        service.close()


def verifier_identity(eco_dir: Path, *, listed: bool = True) -> dict:
    """An access certificate and a registration certificate for the OWF verifier, made as the demo
    ecosystem makes them for its relying parties (trust_list/demo.py); ``listed=False``: an access CA
    of its own that no list names."""
    now = int(time.time())
    key = SigningKey.generate()
    if listed:
        ca_key = certificates.read_private_key(eco_dir / "wrpac" / "ca-key.pem")
        ca_cert = certificates.read_certificates(eco_dir / "wrpac" / "ca-cert.pem")[0]
    else:
        ca_key = SigningKey.generate()
        ca_cert = certificates.ca_certificate(ca_key, "Unlisted Access CA", country="EU", organization="Nobody",
                                              not_before=now - DAY, not_after=now + 30 * DAY)
    access = certificates.access_certificate(
        key, dns_name="owf-verifier.interop.test", organization="OWF interop verifier", country="DK",
        organization_identifier="NTRDK-99999999", ca_key=ca_key, ca_cert=ca_cert,
        not_before=now - DAY, not_after=now + 30 * DAY)
    registrar_key = certificates.read_private_key(eco_dir / "registrar" / "key.pem")
    registrar = certificates.read_certificates(eco_dir / "registrar" / "cert.pem")
    registration = certificates.registration_certificate(
        registrar_key, registrar, sub="NTRDK-99999999", name="OWF interop verifier",
        purpose="Interoperability test of A1 presentation", credentials=registration_credentials(["a1-inspection"]),
        iat=now - 60, exp=now + 30 * DAY)
    return {"access_key_pem": key.to_pem(None).decode("ascii"), "access_x5c": certificates.x5c_of([access]),
            "verifier_info": [{"format": "registration_cert", "data": registration}]}


@pytest.fixture(scope="module")
def wallet_with_a1(issuer, tmp_path_factory):
    """Our wallet (its CLI) holding an A1 from our issuer."""
    from wallet.cli import app

    store = tmp_path_factory.mktemp("esspass-wallet") / "w"
    case = create_case(issuer)
    common = ["--store", str(store), "--pin", PIN, "--trust-dir", str(issuer.home / "ecosystem")]
    r = CliRunner().invoke(app, ["receive", case["offer_uri"], "--tx-code", case["tx_code"], *common, "--json"])
    assert r.exit_code == 0, r.output
    return {"common": common, "case": case}


def present_with_our_wallet(wallet: dict, request: str, *options: str) -> tuple[int, str]:
    from wallet.cli import app

    r = CliRunner().invoke(app, ["present", request, *wallet["common"], "--yes", "--json", *options])
    return r.exit_code, r.stdout


def owf_verify(issuer, wallet, identity: dict, anchor_set: dict | None = None) -> tuple[dict, dict]:
    seen: dict = {}

    def wallet_answers(msg: dict) -> str:
        seen["request"] = msg["request"]
        seen["wallet"] = present_with_our_wallet(wallet, msg["request"])
        return "done"

    result = run("owf_verifier.mjs", {"port": free_port(), **identity, "dcql_query": A1_QUERY,
                                      "anchors": anchor_set or anchors(issuer.home)}, on_line=wallet_answers)
    return result, seen


def test_owf_verifier_accepts_our_wallets_a1(issuer, wallet_with_a1):
    result, seen = owf_verify(issuer, wallet_with_a1, verifier_identity(issuer.home / "ecosystem"))
    assert seen["request"].startswith("openid4vp://?client_id=x509_hash%3A")
    code, stdout = seen["wallet"]
    assert code == 0, stdout
    shared = json.loads(stdout.strip().splitlines()[-1])
    assert shared["relying_party"] == "OWF interop verifier" and not shared["over_asking"]
    (p,) = result["presentations"]
    assert p["query_id"] == "a1"
    assert p["claims"]["document_number"] == wallet_with_a1["case"]["document_number"]
    assert p["claims"]["vct"] == "urn:eudi:pda1:1"
    # minimal disclosure: what the query asked for, not the name or the birth date
    assert "subject" not in p["claims"] and "employer" not in p["claims"]
    assert p["kb"]["aud"] == result["client_id"] and p["kb"]["nonce"]
    assert result["jwe"]["alg"] == "ECDH-ES" and result["jwe"]["enc"] == "A256GCM"  # our wallet prefers A256GCM


def test_owf_verifier_refuses_what_it_cannot_anchor(issuer, wallet_with_a1, tmp_path):
    """The OWF side really checks: with another ecosystem's institution CA as its anchor it refuses our
    wallet's presentation (and our wallet is told, exit 1)."""
    from trust_list.demo import build_demo_ecosystem

    other = build_demo_ecosystem(tmp_path / "other", int(time.time())).institution("DK")
    with pytest.raises(OwfError) as refused:
        owf_verify(issuer, wallet_with_a1, verifier_identity(issuer.home / "ecosystem"),
                   {"issuer": [pem(other.ca_cert)], "status": [pem(other.status_ca_cert)]})
    assert "trusted anchor" in str(refused.value)


def unlisted_run(issuer, wallet, *options: str) -> tuple[dict | OwfError, tuple[int, str]]:
    """The OWF verifier with an access certificate from a CA on none of our lists; our wallet answers
    with ``options``. Returns the OWF side's result (or its OwfError) and the wallet's exit and output."""
    seen: dict = {}

    def wallet_answers(msg: dict) -> str:
        seen["wallet"] = present_with_our_wallet(wallet, msg["request"], *options)
        return "done"

    try:
        result: dict | OwfError = run("owf_verifier.mjs", {
            "port": free_port(), **verifier_identity(issuer.home / "ecosystem", listed=False),
            "dcql_query": A1_QUERY, "anchors": anchors(issuer.home)}, on_line=wallet_answers)
    except OwfError as exc:
        result = exc
    return result, seen["wallet"]


def test_an_unlisted_owf_verifier_gets_nothing_without_an_explicit_yes(issuer, wallet_with_a1):
    """A verifier on none of our lists that signs authentically (issue 13 item 4): --yes alone does not
    cover it, and --strict refuses it even with --accept-unregistered; the OWF verifier receives nothing."""
    for options, reason in [((), "wallet.verifier_unregistered"),
                            (("--strict", "--accept-unregistered"), "rp.signature")]:
        result, (code, stdout) = unlisted_run(issuer, wallet_with_a1, *options)
        assert isinstance(result, OwfError) and "no response from the wallet" in str(result), options
        refused = json.loads(stdout.strip().splitlines()[-1])
        assert code == 1 and refused["ok"] is False and refused["reason"] == reason, (options, stdout)


def test_an_unlisted_owf_verifier_gets_the_a1_with_an_explicit_yes(issuer, wallet_with_a1):
    result, (code, stdout) = unlisted_run(issuer, wallet_with_a1, "--accept-unregistered")
    assert code == 0 and not isinstance(result, OwfError), (stdout, result)
    shared = json.loads(stdout.strip().splitlines()[-1])
    assert shared["registered"] is False and shared["relying_party"]
    (p,) = result["presentations"]
    assert p["claims"]["document_number"] == wallet_with_a1["case"]["document_number"]
    assert p["kb"]["aud"] == result["client_id"]


def test_same_device_our_wallet_is_sent_back(issuer, wallet_with_a1):
    """Same-device (OpenID4VP 1.0 §8.2): the OWF-side verifier answers the accepted response with a
    redirect_uri, which our wallet hands back to follow."""
    seen: dict = {}

    def wallet_answers(msg: dict) -> str:
        seen["wallet"] = present_with_our_wallet(wallet_with_a1, msg["request"])
        return "done"

    port = free_port()
    result = run("owf_verifier.mjs", {"port": port, **verifier_identity(issuer.home / "ecosystem"),
                                      "dcql_query": A1_QUERY, "anchors": anchors(issuer.home), "same_device": True},
                 on_line=wallet_answers)
    assert result["presentations"][0]["claims"]["document_number"] == wallet_with_a1["case"]["document_number"]
    code, stdout = seen["wallet"]
    assert code == 0, stdout
    assert json.loads(stdout.strip().splitlines()[-1])["redirect_uri"].startswith(f"http://127.0.0.1:{port}/done/")
