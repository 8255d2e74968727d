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


def test_wallet_initiated_authorization_code_flow(upstream):
    """No offer (OpenID4VCI §3.4): the OWF wallet knows the issuer and asks for the A1 by its scope; the
    person's own latest A1 case is found through the login."""
    case = create_case(upstream, document_number=f"A1-DK-2026-{secrets.randbelow(10**6):06d}")

    result = run("owf_wallet_issue.mjs", {
        "credential_issuer": upstream.url, "configuration": "pda1_sd_jwt", "flow": "authorization_code",
        "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "anchors": anchors(upstream.home)},
        on_line=answer_for(upstream))
    assert result["credentials"][0]["claims"]["document_number"] == case["document_number"]


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


# ---------------------------------------------------------------- wallet attestation (HAIP §4.4.1)


@pytest.fixture(scope="module")
def attested(tmp_path_factory):
    """An issuer that requires wallet attestation (attest_jwt_client_auth) at PAR and token endpoints and
    key attestations in proofs, citizens logging in at oidc-provider, DPoP nonces required, x5c credentials."""
    with upstream_issuer(tmp_path_factory.mktemp("owf-attest") / "home", credential_key_reference="x5c",
                         wallet_attestation_required=True, key_attestation_required=True) as running:
        yield running


def wallet_instance(server, *, rogue_dir=None) -> dict:
    """A Wallet Instance Attestation for CLIENT_ID from the demo ecosystem's wallet provider (the one its
    Wallet Providers list names), or from a provider on no list; the instance key goes to the OWF wallet,
    whose @openid4vc/oauth2 client signs the attestation PoP with it."""
    from credential import attestations as A
    from credential.jose import SigningKey
    from trust_list.certificates import x5c_of

    instance = SigningKey.generate()
    if rogue_dir is None:
        wp = build_demo_ecosystem(server.settings.ecosystem_dir, int(time.time())).wallet_provider
        signer, x5c = wp.attestation_key, wp.x5c
    else:
        from trust_list.participants import make_wallet_provider

        made = make_wallet_provider(rogue_dir, "Rogue Wallets", "EU", int(time.time()))["attestation"]
        signer, x5c = made.key, x5c_of(made.chain[:1])
    now = int(time.time())
    token = A.wallet_attestation(signer, x5c, issuer="https://wallet.esspass.eu", client_id=CLIENT_ID,
                                 instance_jwk=instance.public_jwk(), iat=now - 10, exp=now + 3600)
    return {"attestation": token, "attestation_key": instance.to_pem(None).decode("ascii")}


def key_attestation_for(server, request: dict) -> str:
    """What the wallet provider answers the OWF wallet: a key attestation (OpenID4VCI Appendix D.1) of
    the holder keys it names, for the issuer's c_nonce, signed with the demo provider's key."""
    from credential import attestations as A

    wp = build_demo_ecosystem(server.settings.ecosystem_dir, int(time.time())).wallet_provider
    now = int(time.time())
    return A.key_attestation(wp.attestation_key, wp.x5c, issuer="https://wallet.esspass.eu",
                             attested_keys=request["attested_keys"], iat=now, exp=now + 600, nonce=request["nonce"])


def answer_for(server, person: str = "tomasz"):
    """The test's side of the OWF wallet's questions: a key attestation when asked for one, else the login
    of ``person`` at the upstream provider, handing the issuer's redirect (Location) back to the wallet."""
    def answer(msg: dict) -> str:
        if "key_attestation" in msg:
            return key_attestation_for(server, msg["key_attestation"])
        with httpx.Client(timeout=30) as browser:
            r = log_in_upstream(browser, msg["authorize"], person, REDIRECT)
        assert r.status_code in (302, 303), r.text
        return r.headers["location"]
    return answer


def test_authorization_code_flow_with_wallet_attestation(attested):
    """The whole HAIP issuance path with an independent wallet: wallet attestation + PoP at PAR and token
    endpoints, PAR, PKCE S256, DPoP with nonces, login at the upstream OpenID Connect provider, an A1
    with x5c verified by @sd-jwt/sd-jwt-vc."""
    meta = httpx.get(f"{attested.url}/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]
    case = create_case(attested)

    result = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "authorization_code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
        "anchors": anchors(attested.home), "key_attestation": True, **wallet_instance(attested)},
        on_line=answer_for(attested))
    (c,) = result["credentials"]
    assert "x5c" in c["header"] and c["claims"]["document_number"] == case["document_number"]
    assert result["token_type"] == "DPoP"


def test_pre_authorized_flow_with_wallet_attestation(attested):
    case = create_case(attested)
    result = run("owf_wallet_issue.mjs", {
        "offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": case["tx_code"], "client_id": CLIENT_ID,
        "anchors": anchors(attested.home), "holders": 2, "key_attestation": True, **wallet_instance(attested)},
        on_line=lambda msg: key_attestation_for(attested, msg["key_attestation"]))
    assert [c["claims"]["document_number"] for c in result["credentials"]] == [case["document_number"]] * 2
    # each credential bound to one of the attested keys
    assert [c["claims"]["cnf"]["jwk"]["x"] for c in result["credentials"]] == \
        [c["holder_jwk"]["x"] for c in result["credentials"]]


def test_wallet_attestation_refusals_reach_the_library(attested, tmp_path):
    """Without an attestation, or with one from a wallet provider on no list, the issuer answers
    invalid_client and the OWF client reports it; a proof without a key attestation is refused too."""
    case = create_case(attested)
    base = {"offer": case["offer_uri"], "flow": "pre-authorized", "tx_code": case["tx_code"], "client_id": CLIENT_ID,
            "anchors": anchors(attested.home)}
    with pytest.raises(OwfError) as missing:
        run("owf_wallet_issue.mjs", base)
    assert "invalid_client" in str(missing.value)
    with pytest.raises(OwfError) as rogue:
        run("owf_wallet_issue.mjs", {**base, **wallet_instance(attested, rogue_dir=tmp_path / "rogue")})
    assert "invalid_client" in str(rogue.value)
    with pytest.raises(OwfError) as no_key_attestation:  # the library itself stops: required by the metadata
        run("owf_wallet_issue.mjs", {**base, **wallet_instance(attested)})
    assert "key attestations" in str(no_key_attestation.value)
