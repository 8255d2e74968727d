"""The OpenWallet Foundation's wallet libraries against the ESSPASS verifier (issue 13 item 6): an A1
obtained from our issuer by the ``@openid4vc/openid4vci`` client is presented by the
``@openid4vc/openid4vp`` client (request_uri, signed request object with an ``x509_hash`` client id
whose chain the wallet checks against the access CA, DCQL, ``direct_post.jwt`` encrypted with
ECDH-ES) and ``@sd-jwt/sd-jwt-vc`` (selective disclosure, KB-JWT). Our verifier's decision is the
test's verdict. Real servers on 127.0.0.1 over plain http, with the libraries' ``allowInsecureUrls``
(``node/owf_common.mjs``)."""

from __future__ import annotations

import time
import urllib.parse

import httpx
import pytest

from tests.interop.owf import OwfError, pem, run
from tests.interop.test_owf_wallet_issuance import CLIENT_ID, anchors
from tests.issuer.conftest import ServerThread
from tests.issuer.test_oid4vci import create_case
from tests.issuer.conftest import Running
from tests.support import free_port
from trust_list.demo import build_demo_ecosystem


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Our issuer and verifier on loopback sharing one demo ecosystem."""
    from issuer.api import create_app as issuer_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from verifier.api import create_app as verifier_app
    from verifier.service import VerifierService
    from verifier.settings import VerifierSettings

    home = tmp_path_factory.mktemp("owf-world")
    iport, vport = free_port(), free_port()
    isettings = Settings(home=home, issuer_url=f"http://127.0.0.1:{iport}", status_list_size=10_000)
    issuer = IssuerService(isettings)
    vsettings = VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{vport}")
    verifier = VerifierService(vsettings)
    try:
        with ServerThread(issuer_app(isettings, issuer), iport), \
                ServerThread(verifier_app(service=verifier), vport):
            yield {"issuer": Running(f"http://127.0.0.1:{iport}", issuer, isettings, home),
                   "verifier_url": f"http://127.0.0.1:{vport}", "home": home}
    finally:
        issuer.close()


def rp_anchors(home) -> list[str]:
    """What an EUDI wallet trusts for relying parties: the access-certificate CA on the WRPAC list."""
    eco = build_demo_ecosystem(home / "ecosystem", int(time.time()))
    return [pem(next(iter(eco.relying_parties.values())).access_chain[-1])]


def owf_credential(world) -> tuple[dict, dict]:
    case = create_case(world["issuer"])
    issued = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": case["tx_code"], "client_id": CLIENT_ID,
        "holders": 1, "anchors": anchors(world["home"])})
    return case, issued["credentials"][0]


def transaction(world, preset: str = "a1-inspection", flow: str = "cross_device") -> dict:
    r = httpx.post(f"{world['verifier_url']}/openid4vp/transactions", json={"preset": preset, "flow": flow},
                   timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def result(world, t: dict) -> dict:
    return httpx.get(f"{world['verifier_url']}/openid4vp/transactions/{t['transaction']}", timeout=30,
                     headers={"Authorization": f"Bearer {t['result_token']}"}).json()


def present(world, t: dict, cred: dict, **extra) -> dict:
    return run("owf_wallet_present.mjs", {"request": t["request_uri"], "credential": cred["credential"],
                                          "holder_private_jwk": cred["holder_private_jwk"],
                                          "rp_anchors": rp_anchors(world["home"]), **extra})


def test_cross_device_presentation_passes(world):
    case, cred = owf_credential(world)
    t = transaction(world)
    out = present(world, t, cred)
    assert out["client_prefix"] == "x509_hash" and out["response_mode"] == "direct_post.jwt"
    assert out["jwe"] == {"alg": "ECDH-ES", "enc": "A256GCM"}  # HAIP §5: the wallet prefers A256GCM
    assert out["status"] == 200, out
    assert "document_number" in out["disclosed"] and "employer" in out["disclosed"]
    view = result(world, t)
    assert view["status"] == "done" and view["decision"]["result"] == "PASSED", view
    assert view["decision"]["issuer"] == "Udbetaling Danmark"
    codes = [c["code"] for c in view["decision"]["checks"]]
    assert "kb.valid" in codes
    assert case["document_number"] in str(view["decision"])


def redeem(world, t: dict, code: str | None) -> httpx.Response:
    return httpx.post(f"{world['verifier_url']}/openid4vp/transactions/{t['transaction']}/result", timeout=30,
                      headers={"Authorization": f"Bearer {t['result_token']}"},
                      json={"response_code": code} if code is not None else {})


def test_same_device_presentation_with_redirect_and_response_code(world):
    """OpenID4VP 1.0 §8.2, §13.3; HAIP §5.1: the verifier answers the OWF wallet's post with a redirect_uri
    carrying a response_code; the decision is released only when that code comes back in the session that
    started the check."""
    case, cred = owf_credential(world)
    t = transaction(world, flow="same_device")
    out = present(world, t, cred)
    assert out["status"] == 200 and set(out["body"]) == {"redirect_uri"}, out
    redirect = out["body"]["redirect_uri"]
    assert redirect.startswith(f"{world['verifier_url']}/console/back/{t['transaction']}#response_code=")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).fragment)["response_code"][0]
    waiting = result(world, t)
    assert waiting["status"] == "awaiting_redirect" and waiting["decision"] is None
    assert redeem(world, t, code[:-2] + ("AA" if not code.endswith("AA") else "BB")).status_code == 403
    assert redeem(world, t, None).status_code == 400
    got = redeem(world, t, code)
    assert got.status_code == 200, got.text
    assert got.json()["decision"]["result"] == "PASSED" and case["document_number"] in str(got.json()["decision"])
    assert redeem(world, t, code).status_code == 409  # single use


def test_wrong_key_binding_audience_is_refused_by_our_verifier(world):
    """A KB-JWT made for another verifier: refused as a presentation for another request (OpenID4VP
    §14.3), recorded as an attempt with its reason code; the transaction stays open for a right answer."""
    _, cred = owf_credential(world)
    t = transaction(world)
    out = present(world, t, cred, kb_aud="x509_hash:someone-else")
    assert out["status"] == 400 and out["body"]["error"] == "invalid_request", out
    view = result(world, t)
    assert view["status"] == "pending" and [a["code"] for a in view["attempts"]] == ["kb.aud"], view
    # the same OWF wallet answering properly afterwards passes
    assert present(world, t, cred)["status"] == 200
    assert result(world, t)["decision"]["result"] == "PASSED"


def test_missing_key_binding_is_refused_by_our_verifier(world):
    """Key binding is required by policy (RFC 9901 §7.3, HAIP §6.1.1.1): an OWF presentation without a
    KB-JWT is refused with kb.missing and nothing is decided."""
    _, cred = owf_credential(world)
    t = transaction(world)
    out = present(world, t, cred, drop_kb=True)
    assert out["status"] == 400 and "kb.missing" in out["body"]["error_description"], out
    view = result(world, t)
    assert view["decision"] is None and [a["code"] for a in view["attempts"]] == ["kb.missing"], view


def test_the_library_refuses_a_verifier_outside_its_trust(world, tmp_path):
    """The OWF wallet checks the request object's x5c against its relying-party anchors: with another
    ecosystem's access CA it refuses to answer, and our verifier stays pending."""
    _, cred = owf_credential(world)
    t = transaction(world)
    other = build_demo_ecosystem(tmp_path / "other", int(time.time()))
    with pytest.raises(OwfError):
        run("owf_wallet_present.mjs", {"request": t["request_uri"], "credential": cred["credential"],
                                       "holder_private_jwk": cred["holder_private_jwk"],
                                       "rp_anchors": [pem(next(iter(other.relying_parties.values())).access_chain[-1])]})
    assert result(world, t)["status"] == "pending"


# ---------------------------------------------------------------- issue 13 "done when", end to end


@pytest.fixture(scope="module")
def haip_world(tmp_path_factory):
    """Our issuer as HAIP asks (wallet and key attestations required, PAR, DPoP nonces, x5c credentials,
    citizens logging in at a real OpenID Connect provider) and our verifier, on one demo ecosystem."""
    from tests.issuer.conftest import upstream_issuer
    from verifier.api import create_app as verifier_app
    from verifier.service import VerifierService
    from verifier.settings import VerifierSettings

    home = tmp_path_factory.mktemp("owf-haip")
    with upstream_issuer(home, credential_key_reference="x5c", wallet_attestation_required=True,
                         key_attestation_required=True) as issuer:
        vport = free_port()
        verifier = VerifierService(VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{vport}"))
        with ServerThread(verifier_app(service=verifier), vport):
            yield {"issuer": issuer, "verifier_url": f"http://127.0.0.1:{vport}", "home": home}


def test_owf_wallet_gets_an_a1_by_authorization_code_and_presents_it_both_ways(haip_world):
    """A wallet built with the OWF libraries obtains an A1 through the authorization code flow (PAR, PKCE,
    DPoP, wallet attestation, key attestation, upstream OIDC login) and presents it cross-device and
    same-device (one one-time copy each) to our verifier."""
    from tests.interop.test_owf_wallet_issuance import REDIRECT, answer_for, wallet_instance

    issuer = haip_world["issuer"]
    case = create_case(issuer)

    issued = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "authorization_code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
        "holders": 2, "key_attestation": True, "anchors": anchors(haip_world["home"]), **wallet_instance(issuer)},
        on_line=answer_for(issuer))
    copies = issued["credentials"]
    assert len(copies) == 2 and all("x5c" in c["header"] for c in copies)

    t = transaction(haip_world)
    out = present(haip_world, t, copies[0])
    assert out["status"] == 200 and out["body"] == {}, out
    view = result(haip_world, t)
    assert view["decision"]["result"] == "PASSED" and case["document_number"] in str(view["decision"]), view

    t = transaction(haip_world, flow="same_device")
    out = present(haip_world, t, copies[1])
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(out["body"]["redirect_uri"]).fragment)["response_code"][0]
    got = redeem(haip_world, t, code)
    assert got.status_code == 200 and got.json()["decision"]["result"] == "PASSED", got.text
