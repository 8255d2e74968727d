"""The authorization code flow at the issuer (OpenID4VCI 1.0 §5, §6.1; RFC 9126 PAR; RFC 7636 PKCE;
RFC 9449 DPoP with DPoP-Nonce; RFC 9207 iss) against a real issuer on loopback and, for the
citizen's login, a real OpenID Connect provider (oidc-provider on Node) standing in for the eID
broker. Every refusal is checked to change nothing it should not."""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from credential import jose
from credential.i18n import LANGS, text
from issuer import store
from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings
from tests.interop.oidc_provider import log_in_upstream
from tests.support import free_port

from .conftest import Running, ServerThread, upstream_issuer
from .test_oid4vci import count, create_case, verify
from .wallet_client import dpop_proof, proof_jwt

WALLET = "esspass-test-wallet"
REDIRECT = "http://127.0.0.1:9/wallet-callback"  # never fetched: the test reads the Location
A1 = "pda1_sd_jwt"


@pytest.fixture(scope="module")
def upstream_server(tmp_path_factory):
    """One issuer whose citizens log in at a real OpenID Connect provider; DPoP nonces required."""
    with upstream_issuer(tmp_path_factory.mktemp("authz") / "home", demo_login=True) as running:
        yield running


class AuthCodeWallet:
    """A wallet written from OID4VCI §5/§6 and RFC 9126/7636/9449 for these tests: one DPoP key,
    nonce retries (RFC 9449 §8), PKCE S256."""

    def __init__(self, server: Running) -> None:
        self.server = server
        self.dpop_key = jose.SigningKey.generate()
        self.verifier = secrets.token_urlsafe(48)
        self.challenge = jose.b64u_encode(hashlib.sha256(self.verifier.encode()).digest())
        self.dpop_nonce: str | None = None
        self.http = httpx.Client(timeout=30)

    def proof(self, htu: str, access: str | None = None, key: jose.SigningKey | None = None) -> str:
        extra = {"nonce": self.dpop_nonce} if self.dpop_nonce else {}
        return dpop_proof(key or self.dpop_key, htm="POST", htu=htu, access_token=access, extra_claims=extra)

    def post(self, path: str, *, access: str | None = None, key=None, **kw) -> httpx.Response:
        """POST with a DPoP proof; once more with the server's nonce after use_dpop_nonce (§8, §9)."""
        url = f"{self.server.url}{path}"
        for _ in range(2):
            headers = {"DPoP": self.proof(url, access, key)}
            if access:
                headers["Authorization"] = f"DPoP {access}"
            r = self.http.post(url, headers=headers, **kw)
            if r.headers.get("dpop-nonce"):
                self.dpop_nonce = r.headers["dpop-nonce"]
            if r.status_code in (400, 401) and r.json().get("error") == "use_dpop_nonce":
                continue
            return r
        return r

    def par(self, **params) -> httpx.Response:
        form = {"response_type": "code", "client_id": WALLET, "redirect_uri": REDIRECT, "state": "s-1",
                "code_challenge": self.challenge, "code_challenge_method": "S256", "scope": A1, **params}
        return self.post("/par", data={k: v for k, v in form.items() if v is not None})

    def token(self, code: str, **changes) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": self.verifier, "client_id": WALLET, **changes}
        return self.post("/token", data={k: v for k, v in form.items() if v is not None})

    def credential(self, access: str, body_extra: dict, holders: list[jose.SigningKey]) -> httpx.Response:
        nonce = self.http.post(f"{self.server.url}/nonce").json()["c_nonce"]
        body = {**body_extra, "proofs": {"jwt": [proof_jwt(k, aud=self.server.url, nonce=nonce) for k in holders]}}
        return self.post("/credential", access=access, json=body)


def authorize_url(server, request_uri: str, client_id: str = WALLET) -> str:
    return str(httpx.URL(f"{server.url}/authorize", params={"client_id": client_id, "request_uri": request_uri}))


def login(server, request_uri: str, account: str, lang: str = "en") -> httpx.Response:
    with httpx.Client(timeout=30, headers={"Accept-Language": lang}) as browser:
        return log_in_upstream(browser, authorize_url(server, request_uri), account, REDIRECT)


def code_of(r: httpx.Response, server) -> str:
    assert r.status_code == 303, r.text
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["state"] == ["s-1"] and q["iss"] == [server.url]  # RFC 6749 §4.1.2, RFC 9207 §2
    return q["code"][0]


# ---------------------------------------------------------------- metadata


def test_metadata_lists_the_authorization_code_flow(upstream_server):
    meta = httpx.get(f"{upstream_server.url}/.well-known/oauth-authorization-server").json()
    url = upstream_server.url
    assert meta["authorization_endpoint"] == f"{url}/authorize"
    assert meta["pushed_authorization_request_endpoint"] == f"{url}/par"
    assert meta["require_pushed_authorization_requests"] is True
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "authorization_code" in meta["grant_types_supported"]
    assert meta["dpop_signing_alg_values_supported"] == ["ES256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["authorization_details_types_supported"] == ["openid_credential"]
    issuer_meta = httpx.get(f"{url}/.well-known/openid-credential-issuer").json()
    for cfg, c in issuer_meta["credential_configurations_supported"].items():  # HAIP §4.1: a scope for each
        assert c["scope"] in meta["scopes_supported"]


def test_no_login_configured_means_no_authorization_code_flow(server):
    meta = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()
    # refresh_token stays (new copies for a wallet, issue 15); authorization_code goes with the login
    assert "authorization_endpoint" not in meta and meta["grant_types_supported"] == [
        "urn:ietf:params:oauth:grant-type:pre-authorized_code", "refresh_token"]
    r = httpx.post(f"{server.url}/par", data={"response_type": "code"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    case = create_case(server)
    offer = httpx.get(case["credential_offer_uri"]).json()
    assert list(offer["grants"]) == ["urn:ietf:params:oauth:grant-type:pre-authorized_code"]


# ---------------------------------------------------------------- the whole flow


def test_offer_flow_with_upstream_login_par_pkce_dpop_nonce(upstream_server):
    server = upstream_server
    case = create_case(server)  # Tomasz's A1
    offer = httpx.get(case["credential_offer_uri"]).json()
    issuer_state = offer["grants"]["authorization_code"]["issuer_state"]  # OID4VCI §4.1.1
    w = AuthCodeWallet(server)
    r = w.par(issuer_state=issuer_state)
    assert r.status_code == 201, r.text
    assert r.json()["request_uri"].startswith("urn:ietf:params:oauth:request_uri:") and r.json()["expires_in"] > 0
    request_uri = r.json()["request_uri"]
    code = code_of(login(server, request_uri, "tomasz"), server)
    r = w.token(code)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "DPoP" and "authorization_details" not in body  # asked by scope
    access = body["access_token"]
    # several credential requests with one access token until it expires (OID4VCI §8)
    holders = [jose.SigningKey.generate() for _ in range(3)]
    r1 = w.credential(access, {"credential_configuration_id": A1}, holders[:2])
    r2 = w.credential(access, {"credential_configuration_id": A1}, holders[2:])
    assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
    creds = [c["credential"] for c in r1.json()["credentials"] + r2.json()["credentials"]]
    for c, k in zip(creds, holders):
        v = verify(c, None)
        assert v.payload["cnf"]["jwk"] == k.public_jwk()
        assert v.payload["document_number"] == case["document_number"]
    # the code is single use (RFC 6749 §4.1.2) and the request_uri too (RFC 9126 §4)
    r = w.token(code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    again = login(server, request_uri, "tomasz")
    assert again.status_code == 400 and "authorize.request" in again.text


def test_wallet_initiated_with_authorization_details(upstream_server):
    """No offer: the wallet asks for an EHIC by authorization_details; the person's own latest EHIC
    case is found by personal number; the token response names a credential identifier (§6.2)
    which the credential request must use (§8.2)."""
    server = upstream_server
    case = create_case(server, "ehic")  # Mette's EHIC
    w = AuthCodeWallet(server)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "ehic_sd_jwt"}])
    r = w.par(scope=None, authorization_details=details)
    assert r.status_code == 201, r.text
    code = code_of(login(server, r.json()["request_uri"], "mette"), server)
    body = w.token(code).json()
    (detail,) = body["authorization_details"]
    assert detail["type"] == "openid_credential" and detail["credential_configuration_id"] == "ehic_sd_jwt"
    (ident,) = detail["credential_identifiers"]
    k = jose.SigningKey.generate()
    r = w.credential(body["access_token"], {"credential_configuration_id": "ehic_sd_jwt"}, [k])
    assert r.status_code == 400 and r.json()["error"] == "invalid_credential_request"
    r = w.credential(body["access_token"], {"credential_identifier": "someone-else"}, [k])
    assert r.status_code == 400 and r.json()["error"] == "unknown_credential_identifier"
    r = w.credential(body["access_token"], {"credential_identifier": ident}, [k])
    assert r.status_code == 200, r.text
    assert verify(r.json()["credentials"][0]["credential"], None).payload["document_number"] == case["document_number"]


def test_only_the_persons_own_cases_and_undecided_page(upstream_server):
    server = upstream_server
    case = create_case(server, document_number="A1-DK-2026-999001")  # Tomasz's
    offer = httpx.get(case["credential_offer_uri"]).json()
    before = count(server, store.AccessToken)
    # Mette logs in with Tomasz's offer: nothing for her, a page says so, the wallet gets access_denied
    w = AuthCodeWallet(server)
    r = login(server, w.par(issuer_state=offer["grants"]["authorization_code"]["issuer_state"]).json()["request_uri"],
              "mette")
    assert r.status_code == 200 and "Not decided yet" in r.text and "A1 certificate" in r.text
    back = r.text.split('id="back"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    q = parse_qs(urlsplit(back).query)
    assert back.startswith(REDIRECT) and q["error"] == ["access_denied"] and q["state"] == ["s-1"]
    # someone with no case at all, wallet-initiated, in Danish
    r = login(server, AuthCodeWallet(server).par().json()["request_uri"], "stranger", lang="da")
    assert r.status_code == 200 and "Endnu ikke afgjort" in r.text and "A1-attest" in r.text
    # a provider answer without the configured personal-number claim is refused
    r = login(server, AuthCodeWallet(server).par().json()["request_uri"], "nobody")
    assert r.status_code == 400 and "login.no_personal_number" in r.text
    assert count(server, store.AccessToken) == before


def test_token_request_checks(upstream_server):
    server = upstream_server
    create_case(server)

    def fresh_code(w: AuthCodeWallet) -> str:
        return code_of(login(server, w.par().json()["request_uri"], "tomasz"), server)

    w = AuthCodeWallet(server)
    # PKCE (RFC 7636 §4.6): a wrong verifier burns the code
    code = fresh_code(w)
    r = w.token(code, code_verifier=secrets.token_urlsafe(48))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert w.token(code).json()["error"] == "invalid_grant"
    r = w.token(fresh_code(w), code_verifier=None)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # redirect_uri and client_id must be the pushed ones (RFC 6749 §4.1.3)
    assert w.token(fresh_code(w), redirect_uri="http://127.0.0.1:9/other").json()["error"] == "invalid_grant"
    assert w.token(fresh_code(w), client_id="another-wallet").json()["error"] == "invalid_grant"
    # the DPoP key of the pushed request (RFC 9449 §10)
    code = fresh_code(w)
    w.dpop_key, old = jose.SigningKey.generate(), w.dpop_key
    r = w.token(code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_dpop_proof"
    w.dpop_key = old
    # a DPoP proof without the server's nonce: use_dpop_nonce with the nonce in DPoP-Nonce (§8)
    r = httpx.post(f"{server.url}/token", data={"grant_type": "authorization_code", "code": "x"},
                   headers={"DPoP": dpop_proof(w.dpop_key, htm="POST", htu=f"{server.url}/token")})
    assert r.status_code == 400 and r.json()["error"] == "use_dpop_nonce" and r.headers["dpop-nonce"]
    r = httpx.post(f"{server.url}/token", data={"grant_type": "authorization_code", "code": "x"},
                   headers={"DPoP": dpop_proof(w.dpop_key, htm="POST", htu=f"{server.url}/token",
                                               extra_claims={"nonce": "1.forged"})})
    assert r.status_code == 400 and r.json()["error"] == "use_dpop_nonce"
    # at the credential endpoint (§9): 401 with a DPoP challenge naming use_dpop_nonce
    access = w.token(fresh_code(w)).json()["access_token"]
    r = httpx.post(f"{server.url}/credential", json={"credential_configuration_id": A1},
                   headers={"Authorization": f"DPoP {access}",
                            "DPoP": dpop_proof(w.dpop_key, htm="POST", htu=f"{server.url}/credential",
                                               access_token=access)})
    assert r.status_code == 401 and 'error="use_dpop_nonce"' in r.headers["www-authenticate"]
    assert r.headers["dpop-nonce"]


def test_pushed_request_and_authorization_endpoint_refusals(upstream_server):
    server = upstream_server
    w = AuthCodeWallet(server)
    for params, error in [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid"}, "invalid_scope"),
        ({"scope": None, "authorization_details": "[{\"type\":\"x\"}]"}, "invalid_authorization_details"),
        ({"redirect_uri": "http://evil.example/cb"}, "invalid_request"),
        ({"issuer_state": "no-such-offer"}, "invalid_request"),
        ({"request_uri": "urn:ietf:params:oauth:request_uri:x"}, "invalid_request"),
    ]:
        r = w.par(**params)
        assert r.status_code == 400 and r.json()["error"] == error, (params, r.text)
    # only pushed requests (RFC 9126 §4): a plain authorization request is shown an error page
    r = httpx.get(f"{server.url}/authorize", params={"client_id": WALLET, "response_type": "code",
                                                     "redirect_uri": REDIRECT})
    assert r.status_code == 400 and "authorize.request" in r.text
    # another client cannot use the request_uri
    request_uri = w.par().json()["request_uri"]
    r = httpx.get(authorize_url(server, request_uri, client_id="intruder"))
    assert r.status_code == 400
    # the upstream's answer must come back to the browser that started the login (state = cookie)
    with httpx.Client(timeout=30) as browser:
        r = browser.get(authorize_url(server, w.par().json()["request_uri"]))
        assert r.status_code == 303
    r = httpx.get(f"{server.url}/authorize/callback", params={"state": "forged", "code": "x"})
    assert r.status_code == 400 and "login.state" in r.text


def test_demo_login_only_without_upstream(tmp_path, upstream_server):
    """Demo mode shows the demo citizens, clearly labelled; with an upstream configured it is gone."""
    r = httpx.get(authorize_url(upstream_server, AuthCodeWallet(upstream_server).par().json()["request_uri"]))
    assert r.status_code == 303 and "DEMO" not in r.text  # demo_login is on there, but the upstream wins
    r = httpx.post(f"{upstream_server.url}/authorize/demo", data={"personal_number": "140788-4417", "check": "x"})
    assert r.status_code == 400
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000,
                        demo_login=True)
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            server = Running(f"http://127.0.0.1:{port}", service, settings, tmp_path / "home")
            case = create_case(server)
            w = AuthCodeWallet(server)
            with httpx.Client(timeout=30) as browser:
                page = browser.get(authorize_url(server, w.par().json()["request_uri"]))
                assert page.status_code == 200 and "DEMO LOGIN" in page.text and "Tomasz Piotr Kowalski" in page.text
                # the form's 303 goes to the wallet: CSP form-action must allow that origin (and no other)
                assert "form-action 'self' http://127.0.0.1:9;" in page.headers["content-security-policy"]
                check = page.text.split('name="check" value="')[1].split('"')[0]
                # the language picker: the same page in each language, the authorization request kept
                links = {code: html.unescape(href) for href, code in re.findall(r'<a href="([^"]+)" id="lang-(\w+)"',
                                                                                 page.text)}
                assert set(links) == set(LANGS)
                assert links == {code: f"/authorize/demo?lang={code}" for code in LANGS}
                polish = browser.get(f"{server.url}{links['pl']}")  # shown again from the login cookie, in Polish
                assert polish.status_code == 200 and '<html lang="pl">' in polish.text
                assert html.escape(text("issuer.citizen.demo_label", "pl"), quote=True) in polish.text
                assert polish.text.split('name="check" value="')[1].split('"')[0] == check  # the same login
                assert polish.headers["content-security-policy"] == page.headers["content-security-policy"]
                stranger = httpx.get(f"{server.url}{links['pl']}")  # no login in progress in that browser
                assert stranger.status_code == 400 and "login.no_session" in stranger.text
                r = browser.post(f"{server.url}/authorize/demo", data={"personal_number": "999999-0000",
                                                                        "check": check})
                assert r.status_code == 400 and "login.unknown_demo_citizen" in r.text
                assert 'id="lang-' not in r.text  # a form's answer has no address to load again in another language
                r = browser.post(f"{server.url}/authorize/demo", data={"personal_number": "140788-4417",
                                                                        "check": check})
            body = w.token(code_of(r, server)).json()
            r = w.credential(body["access_token"], {"credential_configuration_id": A1}, [jose.SigningKey.generate()])
            assert r.status_code == 200, r.text
            assert verify(r.json()["credentials"][0]["credential"], None).payload["document_number"] == \
                case["document_number"]
    finally:
        service.close()


def test_redirect_source_for_the_demo_pages_form_action():
    from issuer.authorize_api import redirect_source

    assert redirect_source("http://127.0.0.1:54321/callback?x=1") == "http://127.0.0.1:54321"
    assert redirect_source("https://wallet.example/cb") == "https://wallet.example"
    assert redirect_source("http://[::1]:8080/cb") == "http://[::1]:8080"
    assert redirect_source("eu.esspass.wallet:/issuance") == "eu.esspass.wallet:"
    # nothing that could end the directive or add a source survives
    assert redirect_source("https://a.example;script-src *@b/x") == "https://b"  # the host, never the userinfo
    assert ";" not in redirect_source("x;y:/z") and " " not in redirect_source("https://a b.example/")


def test_fapi2_lifetimes_expired_request_uri_and_code_are_refused(tmp_path):
    """FAPI 2.0 Security Profile §5.3.2.1 (HAIP 1.0 §4 applies it): authorization codes live at most 60 s and a
    pushed request's ``request_uri`` less than 600 s (RFC 9126 §2.2 ``expires_in``). The defaults say so; with
    short lifetimes configured, a request_uri or a code used after its time is refused and issues nothing."""
    assert Settings.model_fields["authorization_code_ttl"].default <= 60
    assert Settings.model_fields["par_ttl"].default < 600
    with upstream_issuer(tmp_path / "home", par_ttl=4, authorization_code_ttl=2) as server:
        create_case(server)
        w = AuthCodeWallet(server)
        pushed = w.par().json()
        assert pushed["expires_in"] == 4
        time.sleep(5)
        r = login(server, pushed["request_uri"], "tomasz")
        assert r.status_code == 400 and "authorize.request" in r.text
        # a code used at once works (the control); one used after its 2 s does not, and burns nothing else
        r = w.token(code_of(login(server, w.par().json()["request_uri"], "tomasz"), server))
        assert r.status_code == 200, r.text
        code = code_of(login(server, w.par().json()["request_uri"], "tomasz"), server)
        time.sleep(3)
        r = w.token(code)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
