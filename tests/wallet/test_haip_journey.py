"""Issue 13 "done when", for the ESSPASS wallet: against our own services as HAIP 1.0 asks for them, end to end on
loopback. The issuer requires wallet and key attestations (HAIP §4.4.1, §4.5.1; ``attest_jwt_client_auth``),
PAR, PKCE S256 and DPoP with nonces (§4), and sends credentials with ``x5c`` (§6.1.1); the citizen logs in at a
real OpenID Connect provider (oidc-provider on Node); the wallet gets its attestations from the demo ecosystem's
wallet provider (``esspass.wallet_provider``, served over HTTP). The wallet then presents the A1 to our verifier
cross-device and same-device (OpenID4VP 1.0 §8.2, HAIP §5.1: the decision is released only when the
``response_code`` of the redirect comes back in the session that started the check).

The second test runs the Kivy app's "Get a document from an institution" logic (``wallet.ui.document_login``,
which the screen drives; no window needed) against the same issuer: the loopback redirect of RFC 8252 §7.3, the
wallet provider taken from ``ESSPASS_WALLET_PROVIDER_URL`` as the app takes it, and without it the issuer's
requirement becomes the wallet's refusal, in the history."""

from __future__ import annotations

import base64
import threading
import time
import urllib.parse

import httpx
import pytest
from cryptography import x509

from credential import jose
from esspass.servers import serve_in_thread
from esspass.wallet_provider import create_app as provider_app
from esspass.wallet_provider import demo_service
from tests.interop.oidc_provider import log_in_upstream
from tests.issuer.conftest import upstream_issuer
from trust_list import certificates
from wallet import attestation as W
from wallet.authorization import receive_authorized
from wallet.core import OFFLINE, ONLINE
from wallet.presentation import fetch_request, plan, respond
from wallet.trust import load_trust_store

from .servers import ServerThread, free_port, new_online_wallet
from .test_authorization_code_flow import new_case, person


@pytest.fixture(scope="module")
def haip(tmp_path_factory):
    """Issuer (attestations required, upstream login, DPoP nonces, x5c), wallet provider and verifier on one demo
    ecosystem."""
    from verifier.api import create_app as verifier_app
    from verifier.service import VerifierService
    from verifier.settings import VerifierSettings

    home = tmp_path_factory.mktemp("haip-journey") / "home"
    with upstream_issuer(home, credential_key_reference="x5c", wallet_attestation_required=True,
                         key_attestation_required=True) as issuer:
        vport = free_port()
        verifier = VerifierService(VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{vport}"))
        server = ServerThread(verifier_app(service=verifier), vport).start()
        try:
            with serve_in_thread(lambda url: provider_app(demo_service(home / "ecosystem", url))) as provider_url:
                yield {"issuer": issuer, "provider_url": provider_url, "verifier_url": f"http://127.0.0.1:{vport}",
                       "trust_dir": home / "ecosystem"}
        finally:
            server.stop()


def _transaction(haip, flow: str) -> dict:
    r = httpx.post(f"{haip['verifier_url']}/openid4vp/transactions", json={"preset": "a1-inspection", "flow": flow},
                   timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _view(haip, t: dict) -> dict:
    return httpx.get(f"{haip['verifier_url']}/openid4vp/transactions/{t['transaction']}", timeout=30,
                     headers={"Authorization": f"Bearer {t['result_token']}"}).json()


def _redeem(haip, t: dict, code: str) -> httpx.Response:
    return httpx.post(f"{haip['verifier_url']}/openid4vp/transactions/{t['transaction']}/result", timeout=30,
                      headers={"Authorization": f"Bearer {t['result_token']}"}, json={"response_code": code})


class RecordingProvider(W.WalletProviderClient):
    """The demo wallet provider's client, keeping each Wallet Instance Attestation the wallet obtained."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.attestations: list[str] = []

    def attest_instance(self, client, now):
        attested = super().attest_instance(client, now)
        self.attestations.append(attested.attestation)
        return attested


def test_esspass_wallet_gets_an_a1_by_authorization_code_and_presents_it_both_ways(haip, tmp_path):
    issuer = haip["issuer"]
    meta = httpx.get(f"{issuer.url}/.well-known/oauth-authorization-server", timeout=30).json()
    assert meta["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]  # public clients refused
    assert meta["require_pushed_authorization_requests"] is True and meta["code_challenge_methods_supported"] == ["S256"]
    store = load_trust_store(haip["trust_dir"], int(time.time()))
    wallet = new_online_wallet(tmp_path)
    case = new_case(issuer.service, "pda1")
    seen: list[str] = []
    tomasz = person("tomasz")

    def browse(url: str) -> str:
        seen.append(url)
        return tomasz(url)

    provider = RecordingProvider(haip["provider_url"])
    got = receive_authorized(wallet, store, browse, offer_uri=case["offer_uri"], copies=4, provider=provider)
    [card] = got.cards
    assert card.claims["document_number"] == case["document_number"] and card.copies_left == 4
    # PAR (RFC 9126): the browser carries only client_id (the attestation's sub, HAIP §4.4.1) and request_uri
    [authorize] = seen
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert set(q) == {"client_id", "request_uri"} and q["client_id"] == "esspass-wallet", q
    # HAIP §6.1.1: the online copies name their signer by x5c, without the trust anchor; the compact copies asked
    # for in the same batch are kept for the offline QR code (docs/offline-presentation.md §1.3)
    assert sorted(c.use for c in card.copies) == [OFFLINE, OFFLINE, ONLINE, ONLINE]
    for copy in card.copies:
        header = jose.parse_compact(copy.sd_jwt.split("~")[0]).header
        chain = header.get("x5c")
        assert (chain is not None) == (copy.use == ONLINE), header
        assert not any(certificates.is_self_signed(x509.load_der_x509_certificate(base64.b64decode(c)))
                       for c in chain or [])

    # cross-device: the verifier answers {} and decides at once
    t = _transaction(haip, "cross_device")
    out = respond(wallet, plan(wallet, fetch_request(t["request_uri"], store, wallet.now(), demo=True)))
    assert out.status_code == 200 and out.redirect_uri is None
    view = _view(haip, t)
    assert view["decision"]["result"] == "PASSED" and case["document_number"] in str(view["decision"]), view

    # same-device: the wallet gets the redirect; the decision waits for its response_code
    t = _transaction(haip, "same_device")
    out = respond(wallet, plan(wallet, fetch_request(t["request_uri"], store, wallet.now(), demo=True)))
    assert out.redirect_uri and out.redirect_uri.startswith(f"{haip['verifier_url']}/console/back/{t['transaction']}")
    assert _view(haip, t)["decision"] is None
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(out.redirect_uri).fragment)["response_code"][0]
    assert _redeem(haip, t, "A" * len(code)).status_code == 403  # not the code the wallet was given
    got = _redeem(haip, t, code)
    assert got.status_code == 200 and got.json()["decision"]["result"] == "PASSED", got.text
    assert [(e.kind, e.outcome) for e in wallet.history()] == [("issuance", "received"), ("presentation", "shared"),
                                                               ("presentation", "shared")]
    assert wallet.cards()[0].copies_left_for(ONLINE) == 0  # one one-time x5c copy for each check

    # HAIP §4.4.1: a Wallet Attestation is never reused (a new instance key each issuance), its sub is the one
    # shared by every instance of the wallet; here a second issuance, wallet-initiated, Mette's EHIC
    new_case(issuer.service, "ehic")
    receive_authorized(wallet, store, person("mette"), credential_issuer=issuer.url, configuration_id="ehic_sd_jwt",
                       copies=2, provider=provider)
    claims = [jose.parse_compact(a).payload() for a in provider.attestations]
    assert len(claims) == 2 and len(set(provider.attestations)) == 2
    assert claims[0]["cnf"]["jwk"] != claims[1]["cnf"]["jwk"] and {c["sub"] for c in claims} == {"esspass-wallet"}


def test_the_apps_document_login_sends_the_wallet_attestation(haip, tmp_path, monkeypatch):
    from wallet.storage import KdfParams
    from wallet.ui.controller import WalletController
    from wallet.ui.document_login import DocumentLogin

    issuer = haip["issuer"]
    ctl = WalletController(tmp_path / "w", haip["trust_dir"], kdf=KdfParams(n=2**10), system_lang=lambda: "en")
    ctl.create("123456", "123456")
    port = free_port()
    errors: list[str] = []

    def system_browser(url: str) -> bool:  # the person's browser: logs in upstream, lands on the app's loopback
        def run() -> None:
            try:
                with httpx.Client(timeout=30) as browser:
                    r = log_in_upstream(browser, url, "tomasz", f"http://127.0.0.1:{port}/")
                    back = r.headers["location"] if r.status_code in (302, 303) else \
                        r.text.split('id="back"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
                    browser.get(back)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(repr(exc)[:300])

        threading.Thread(target=run, daemon=True).start()
        return True

    login = DocumentLogin(ctl, opener=system_browser, port=port, timeout=60)
    # no wallet provider configured: the app cannot meet the issuer's requirement and says so
    monkeypatch.delenv("ESSPASS_WALLET_PROVIDER_URL", raising=False)
    new_case(issuer.service, "pda1")
    msg = login.run(credential_issuer=issuer.url, vct="urn:eudi:pda1:1")
    assert not msg.ok and msg.code == "wallet.attestation_not_configured", msg
    assert ctl.wallet.history()[-1].reason == "wallet.attestation_not_configured" and ctl.wallet.cards() == []
    # the app's setting (as `esspass wallet-provider serve` prints it): attested, logged in, received
    monkeypatch.setenv("ESSPASS_WALLET_PROVIDER_URL", haip["provider_url"])
    case = new_case(issuer.service, "pda1")
    msg = login.run(credential_issuer=issuer.url, vct="urn:eudi:pda1:1")
    assert msg.ok, (msg, errors)
    [card] = ctl.wallet.cards()
    assert card.claims["document_number"] == case["document_number"]
    assert [(e.outcome, e.reason) for e in ctl.wallet.history()] == [
        ("refused", "wallet.attestation_not_configured"), ("received", "")]
