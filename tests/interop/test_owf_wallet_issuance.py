"""The OpenWallet Foundation's wallet libraries against the ESSPASS issuer (issue 13 item 6): the
``@openid4vc/openid4vci`` client (with ``@openid4vc/oauth2`` underneath) fetches an A1 in the
pre-authorized flow (with a tx_code) and in the authorization code flow (PAR, PKCE S256, DPoP with
DPoP-Nonce required, the person logging in at a real OpenID Connect provider), and
``@sd-jwt/sd-jwt-vc`` verifies what it got: issuer signature through the demo institution's CA,
the Token Status List, the disclosed claims. Real servers on 127.0.0.1 over plain http: the
scripts turn on the libraries' ``allowInsecureUrls`` for loopback (``node/owf_common.mjs``)."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings
from tests.interop.oidc_provider import log_in_upstream
from tests.interop.owf import OwfError, pem, run
from tests.issuer.conftest import Running, ServerThread, upstream_issuer
from tests.issuer.test_oid4vci import create_case
from tests.support import free_port
from trust_list.demo import build_demo_ecosystem

REDIRECT = "http://127.0.0.1:9/owf-wallet-callback"  # never fetched: the test hands the Location back
CLIENT_ID = "owf-interop-wallet"


def anchors(home) -> dict:
    """The trust anchors a relying party of the demo ecosystem holds for the DK institution: its
    credential CA and status CA (the Pub-EAA list's services); never taken from the server's answers."""
    inst = build_demo_ecosystem(home / "ecosystem", int(time.time())).institution("DK")
    return {"issuer": [pem(inst.ca_cert)], "status": [pem(inst.status_ca_cert)]}


@pytest.fixture(scope="module", params=["x5t", "x5c"])
def issuer(request, tmp_path_factory):
    """A pre-authorized issuer on loopback, credentials naming their key by kid + x5t#S256 (the
    default) or carrying x5c (HAIP §6.1.1): sd-jwt-vc resolves both."""
    home = tmp_path_factory.mktemp("owf-issuer") / "home"
    port = free_port()
    settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000,
                        credential_key_reference=request.param, dpop_require_nonce=True)
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            yield Running(f"http://127.0.0.1:{port}", service, settings, home)
    finally:
        service.close()


def test_pre_authorized_flow_with_tx_code(issuer):
    # Tomasz's A1, with a tx_code; a document number of its own (it is revoked at the end)
    case = create_case(issuer, document_number=f"A1-DK-2026-{secrets.randbelow(10**6):06d}")
    result = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": case["tx_code"], "client_id": CLIENT_ID,
        "holders": 2, "anchors": anchors(issuer.home)})
    assert result["token_type"] == "DPoP" and result["dpop_nonce_used"]  # the nonce the issuer required
    assert len(result["credentials"]) == 2
    for c in result["credentials"]:
        assert c["header"]["typ"] == "dc+sd-jwt"
        assert ("x5c" in c["header"]) == (issuer.settings.credential_key_reference == "x5c")
        claims = c["claims"]
        assert claims["vct"].endswith("pda1") or "a1" in claims["vct"].lower()
        assert claims["document_number"] == case["document_number"]
        assert claims["cnf"]["jwk"]["x"] == c["holder_jwk"]["x"]  # bound to the key the OWF wallet proved
        assert claims["status"]["status_list"]["uri"].startswith(issuer.url)
    # each holder key got its own credential
    assert len({c["holder_jwk"]["x"] for c in result["credentials"]}) == 2
    # the status list is really read: once the case system revokes the A1, sd-jwt-vc refuses it
    with issuer.api() as api:
        assert api.post(f"/api/v1/documents/{case['document_number']}/revoke",
                        json={"reason": "annulled"}).status_code == 200
    with pytest.raises(OwfError) as revoked:
        run("owf_sd_jwt_verify.mjs", {"credential": result["credentials"][0]["credential"],
                                      "anchors": anchors(issuer.home)})
    assert "Status is not valid" in str(revoked.value)


def test_pre_authorized_refusals_reach_the_library(issuer):
    """Interop breaks loudly: a wrong tx_code is refused (invalid_grant) and the OWF client reports it;
    an untrusted institution CA makes @sd-jwt/sd-jwt-vc refuse the credential."""
    case = create_case(issuer)
    wrong = "0" * len(case["tx_code"]) if case["tx_code"] != "0" * len(case["tx_code"]) else "1" * len(case["tx_code"])
    with pytest.raises(OwfError) as refused:
        run("owf_wallet_issue.mjs", {"offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": wrong,
                                     "client_id": CLIENT_ID, "anchors": anchors(issuer.home)})
    assert "invalid_grant" in str(refused.value)
    other = build_demo_ecosystem(issuer.home.parent / "other-eco", int(time.time())).institution("DK")
    case = create_case(issuer)
    with pytest.raises(OwfError) as untrusted:
        run("owf_wallet_issue.mjs", {"offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": case["tx_code"],
                                     "client_id": CLIENT_ID,
                                     "anchors": {"issuer": [pem(other.ca_cert)], "status": [pem(other.status_ca_cert)]}})
    assert "trusted anchor" in str(untrusted.value)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """An issuer whose citizens log in at oidc-provider (a real OpenID Connect provider on Node);
    DPoP nonces required; credentials with x5c."""
    with upstream_issuer(tmp_path_factory.mktemp("owf-authz") / "home", credential_key_reference="x5c") as running:
        yield running


def test_authorization_code_flow_par_pkce_dpop_upstream_login(upstream):
    case = create_case(upstream)  # Tomasz's A1
    seen = {}

    def log_in(msg: dict) -> str:
        url = msg["authorize"]
        seen["authorize"] = url
        with httpx.Client(timeout=30) as browser:
            r = log_in_upstream(browser, url, "tomasz", REDIRECT)
        assert r.status_code in (302, 303), r.text
        return r.headers["location"]

    result = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "authorization_code", "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT, "holders": 1, "anchors": anchors(upstream.home)}, on_line=log_in)
    # the library pushed its request (RFC 9126): only client_id and request_uri go to the browser
    q = httpx.URL(seen["authorize"]).params
    assert set(q) == {"client_id", "request_uri"} and q["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert result["token_type"] == "DPoP" and result["dpop_nonce_used"]
    (c,) = result["credentials"]
    assert "x5c" in c["header"]
    assert c["claims"]["document_number"] == case["document_number"]
    assert c["claims"]["cnf"]["jwk"]["x"] == c["holder_jwk"]["x"]


def test_authorization_code_flow_someone_else_gets_nothing(upstream):
    """Mette logs in with Tomasz's offer: the issuer shows its page and redirects the wallet with
    access_denied; the OWF client reports the authorization error."""
    case = create_case(upstream)

    def log_in(msg: dict) -> str:
        with httpx.Client(timeout=30) as browser:
            r = log_in_upstream(browser, msg["authorize"], "mette", REDIRECT)
        assert r.status_code == 200 and "access_denied" in r.text
        back = r.text.split('id="back"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        return back

    with pytest.raises(OwfError) as refused:
        run("owf_wallet_issue.mjs", {
            "offer": case["offer_uri"], "flow": "authorization_code", "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT, "anchors": anchors(upstream.home)}, on_line=log_in)
    assert "access_denied" in str(refused.value)
