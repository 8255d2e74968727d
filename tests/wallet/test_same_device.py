"""The wallet against real verifiers on 127.0.0.1 (issue 13 item 4): the same-device redirect (OpenID4VP 1.0 §8.2,
HAIP 1.0 §5.1) followed and recorded; a verifier on none of our lists shown with who it claims to be and shared
with only on an explicit yes, refused outright when strict, refused always when its signature is forged; every
decision in the history."""

from __future__ import annotations

import json
import time
import urllib.parse

import httpx
import pytest
from typer.testing import CliRunner

from credential.reasons import Rejected
from tests.verifier.servers import free_port, serve_app
from trust_list import certificates
from trust_list.relying_party import x509_hash_client_id
from verifier import openid4vp as vp
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings
from wallet.issuance import receive
from wallet.presentation import checked_redirect, fetch_request, log_stopped, plan, respond, strict_verifiers
from wallet.trust import load_trust_store

from .servers import ONLINE_PIN, new_online_wallet


def _rogue_party(forged: bool = False) -> vp.RelyingParty:
    """A verifier identity on none of our lists: its own CA, an access certificate for rogue.example, a
    registration it wrote itself. ``forged``: the request is signed with a key that is not the certificate's."""
    now = int(time.time())
    ca_key, key = certificates.SigningKey.generate(), certificates.SigningKey.generate()
    ca = certificates.ca_certificate(ca_key, "Rogue CA", country="DK", organization="Rogue Ltd",
                                     not_before=now - 60, not_after=now + 86400)
    leaf = certificates.access_certificate(key, dns_name="rogue.example", organization="Rogue Ltd", country="DK",
                                           organization_identifier="VATDK-99999999", ca_key=ca_key, ca_cert=ca,
                                           not_before=now - 60, not_after=now + 86400)
    registration = certificates.registration_certificate(
        ca_key, [ca], sub="VATDK-99999999", name="Totally Official Agency", purpose="We need everything",
        credentials=[{"format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:ehic:1"]}}], iat=now - 60,
        exp=now + 86400)
    signer = certificates.SigningKey.generate() if forged else key
    return vp.RelyingParty(signer, certificates.x5c_of([leaf]), x509_hash_client_id(leaf), registration)


@pytest.fixture(scope="module")
def rogue(services):
    """A second, real verifier service on 127.0.0.1 (same code, same ecosystem) speaking as the rogue party."""
    port = free_port()
    svc = VerifierService(VerifierSettings(home=services.home, verifier_url=f"http://127.0.0.1:{port}"))
    svc.rp = _rogue_party()
    with serve_app(create_app(service=svc), port) as url:
        yield svc, url


@pytest.fixture()
def wallet(services, tmp_path):
    w = new_online_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    receive(w, offer, store, tx_code=code)
    return w, store


def test_same_device_redirect_is_followed_and_recorded(services, wallet):
    w, store = wallet
    t, url = services.verifier.create_transaction("ehic-care", same_device=True)
    req = fetch_request(url, store, w.now(), demo=True)
    out = respond(w, plan(w, req))
    assert out.redirect_uri and out.redirect_uri.startswith(f"{services.verifier_url}/console/back/{t.id}#response_code=")
    # the verifier releases the result to its creator with that code (the wallet's redirect carries it)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(out.redirect_uri).fragment)["response_code"][0]
    assert services.verifier.redeem(t.id, t.result_token, code)["decision"]["result"] == "PASSED"
    event = w.history()[-1]
    assert event.outcome == "shared" and event.redirect_uri == f"{services.verifier_url}/console/back/{t.id}"
    assert "response_code" not in json.dumps(event.to_json())  # the one-time code is not kept
    assert not event.unregistered
    # cross-device: no redirect, none recorded
    url, _ = services.request("ehic-care")
    out = respond(w, plan(w, fetch_request(url, store, w.now(), demo=True)))
    assert out.redirect_uri is None and w.history()[-1].redirect_uri == ""


def test_cli_prints_and_returns_the_redirect(services, wallet, monkeypatch):
    from esspass.cli import app

    w, _ = wallet
    _, url = services.verifier.create_transaction("ehic-care", same_device=True)
    res = CliRunner().invoke(app, ["wallet", "present", url, "--store", str(w.directory), "--pin", ONLINE_PIN,
                                   "--trust-dir", str(services.trust_dir), "--yes", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["registered"] is True and "#response_code=" in out["redirect_uri"]
    _, url = services.verifier.create_transaction("ehic-care", same_device=True)
    res = CliRunner().invoke(app, ["wallet", "present", url, "--store", str(w.directory), "--pin", ONLINE_PIN,
                                   "--trust-dir", str(services.trust_dir), "--yes"])
    assert res.exit_code == 0 and "Continue in your browser: http://127.0.0.1" in res.stdout


def test_redirects_the_wallet_does_not_follow(services, wallet):
    w, store = wallet
    url, _ = services.request("ehic-care")
    req = fetch_request(url, store, w.now(), demo=True)
    assert checked_redirect("https://verifier.example/back#response_code=x", req)
    assert checked_redirect("http://127.0.0.1:9/back", req)
    for bad in (None, 42, "", "javascript:alert(1)", "data:text/html,hi", "openid4vp://x", "http://verifier.example/",
                "https:///nohost", "https://ok.example/" + "a" * 5000, "https://ok.example/a b",
                "https://ok.example/\r\nX: y"):
        assert checked_redirect(bad, req) is None, bad


def test_unregistered_verifier_warned_and_shared_only_on_yes(services, rogue, wallet):
    w, store = wallet
    svc, url = rogue
    t, link = svc.create_transaction("ehic-care", same_device=True)
    with pytest.raises(Rejected) as e:  # strict (the library default): refused outright, as before issue 13
        fetch_request(link, store, w.now(), demo=True)
    assert e.value.code == "rp.signature" and e.value.unregistered  # authentic, but not on the access list
    req = fetch_request(link, store, w.now(), demo=True, allow_unregistered=True)
    assert not req.registered and "rogue.example" in req.rp.subject
    assert "Rogue Ltd" in req.rp.subject and req.host() == "127.0.0.1"
    assert req.name() == "VATDK-99999999"  # what its certificate says, never the self-written registration name
    assert req.purpose() == {}  # nobody vouches for a purpose
    consent = plan(w, req)
    assert consent.unregistered
    copies = w.card(consent.items[0].card.id).copies_left
    with pytest.raises(Rejected) as e:  # no explicit yes: nothing is sent
        respond(w, consent)
    assert e.value.code == "wallet.verifier_unregistered"
    assert svc.transaction_view(t.id)["status"] == "pending" and svc.transaction_view(t.id)["attempts"] == []
    assert w.card(consent.items[0].card.id).copies_left == copies  # no copy used
    refused = w.history()[-1]
    assert (refused.outcome, refused.reason, refused.unregistered) == ("refused", "wallet.verifier_unregistered", True)
    # the explicit yes: shared, recorded as shared with an unregistered verifier; its redirect (same host) followed
    out = respond(w, plan(w, req), accept_unregistered=True)
    assert out.redirect_uri and out.redirect_uri.startswith(f"{url}/console/back/{t.id}#")
    assert svc.transaction_view(t.id)["status"] == "awaiting_redirect"
    shared = w.history()[-1]
    assert (shared.outcome, shared.reason, shared.unregistered) == ("shared", "wallet.verifier_unregistered", True)
    assert shared.claims and shared.redirect_uri == f"{url}/console/back/{t.id}"


def test_unregistered_redirect_to_another_host_is_not_followed(services, rogue, wallet):
    w, store = wallet
    svc, url = rogue
    _, link = svc.create_transaction("ehic-care")
    req = fetch_request(link, store, w.now(), demo=True, allow_unregistered=True)
    assert checked_redirect(f"{url}/x", req) and checked_redirect("http://localhost/x", req) is None


def test_unregistered_declined_is_recorded(services, rogue, wallet):
    from wallet.presentation import decline

    w, store = wallet
    svc, _ = rogue
    t, link = svc.create_transaction("ehic-care")
    consent = plan(w, fetch_request(link, store, w.now(), demo=True, allow_unregistered=True))
    decline(w, consent)
    event = w.history()[-1]
    assert (event.outcome, event.reason, event.unregistered) == ("declined", "wallet.declined", True)
    assert [a["code"] for a in svc.transaction_view(t.id)["attempts"]] == ["access_denied"]


def test_strict_setting_and_variable_refuse_outright(services, rogue, wallet, monkeypatch):
    from esspass.cli import app

    w, store = wallet
    svc, _ = rogue
    args = ["wallet", "present", "", "--store", str(w.directory), "--pin", ONLINE_PIN, "--trust-dir",
            str(services.trust_dir), "--json"]

    def run(*extra, link=None):
        args[2] = link or svc.create_transaction("ehic-care")[1]
        return CliRunner().invoke(app, [*args, *extra])

    # lenient by default: --yes alone is no yes to an unregistered verifier
    res = run("--yes")
    assert res.exit_code == 1 and json.loads(res.stdout)["reason"] == "wallet.verifier_unregistered"
    assert "NOT A REGISTERED VERIFIER" in res.stderr and "rogue.example" in res.stderr
    res = run("--yes", "--accept-unregistered")
    assert res.exit_code == 0 and json.loads(res.stdout)["registered"] is False
    # interactive: the second question must be answered yes too
    res = CliRunner().invoke(app, [*args[:2], svc.create_transaction("ehic-care")[1], *args[3:]], input="y\nn\n")
    assert res.exit_code == 1 and json.loads(res.stdout.splitlines()[-1])["reason"] == "wallet.declined"
    assert w.history()[-1].outcome == "declined" and w.history()[-1].unregistered
    # strict: flag, variable, or the wallet's own setting: refused before anything is shown or sent
    for extra, env, setting in ((("--strict",), None, False), ((), "1", False), ((), None, True)):
        monkeypatch.delenv("ESSPASS_WALLET_STRICT_VERIFIERS", raising=False)
        if env:
            monkeypatch.setenv("ESSPASS_WALLET_STRICT_VERIFIERS", env)
        w.update_settings(strict_verifiers=setting)
        res = run("--yes", "--accept-unregistered", *extra)
        assert res.exit_code == 1 and json.loads(res.stdout)["reason"] == "rp.signature", extra
        assert "NOT A REGISTERED" not in res.stderr  # refused before anything is shown
        event = w.history()[-1]
        assert (event.outcome, event.reason, event.unregistered) == ("refused", "rp.signature", True)
    w.update_settings(strict_verifiers=False)
    monkeypatch.setenv("ESSPASS_WALLET_STRICT_VERIFIERS", "perhaps")
    with pytest.raises(ValueError):
        strict_verifiers(w)
    res = run("--yes")
    assert res.exit_code == 2 and "ESSPASS_WALLET_STRICT_VERIFIERS" in res.output
    monkeypatch.setenv("ESSPASS_WALLET_STRICT_VERIFIERS", "0")
    assert strict_verifiers(w) is False
    # a registered verifier is unaffected by strict
    monkeypatch.setenv("ESSPASS_WALLET_STRICT_VERIFIERS", "1")
    res = run("--yes", link=services.request("ehic-care")[0])
    assert res.exit_code == 0, res.output


def test_a_forged_signature_stays_refused(services, wallet):
    """Not "unregistered": a request whose signature does not verify under its own certificate is forged."""
    w, store = wallet
    port = free_port()
    svc = VerifierService(VerifierSettings(home=services.home, verifier_url=f"http://127.0.0.1:{port}"))
    svc.rp = _rogue_party(forged=True)
    with serve_app(create_app(service=svc), port):
        _, link = svc.create_transaction("ehic-care")
        with pytest.raises(Rejected) as e:
            fetch_request(link, store, w.now(), demo=True, allow_unregistered=True)
        assert e.value.code == "rp.signature"
        log_stopped(w, link, e.value)
        assert (w.history()[-1].outcome, w.history()[-1].unregistered) == ("refused", False)
        # a listed verifier's certificate with another key: forged too, not "unregistered"
        svc.rp = vp.RelyingParty(certificates.SigningKey.generate(), services.verifier.rp.access_x5c,
                                 services.verifier.rp.client_id, services.verifier.rp.registration_jws)
        _, link = svc.create_transaction("ehic-care")
        with pytest.raises(Rejected) as e:
            fetch_request(link, store, w.now(), demo=True, allow_unregistered=True)
        assert e.value.code == "rp.signature"
        # an authentic rogue request under another client_id: rp.client_id, not "unregistered"
        svc.rp = _rogue_party()
        _, link = svc.create_transaction("ehic-care")
        other = link.replace(urllib.parse.quote(svc.rp.client_id, safe=""),
                             urllib.parse.quote("x509_hash:" + "A" * 43, safe=""))
        with pytest.raises(Rejected) as e:
            fetch_request(other, store, w.now(), demo=True, allow_unregistered=True)
        assert e.value.code == "rp.client_id"


def test_trusted_authorities_from_the_verifier_decide_what_is_offered(services, wallet, tmp_path):
    """End to end (HAIP 1.0 §5, OpenID4VP §6.1.1.1): a verifier whose list no longer accepts Udbetaling Danmark
    sends trusted_authorities without it, and the wallet does not offer its EHIC from that issuer; the verifier
    that accepts it gets it offered."""
    import shutil

    from trust_list.model import PUB_EAA
    from trust_list.operator import withdraw_service

    w, store = wallet
    url, _ = services.request("ehic-care")  # accepts Udbetaling Danmark: offered
    req = fetch_request(url, store, w.now(), demo=True)
    assert req.request["dcql_query"]["credentials"][0]["trusted_authorities"][0]["type"] == "aki"
    assert [i.card.issuer_name for i in plan(w, req).items] == ["Udbetaling Danmark"]

    home = tmp_path / "other-verifier"  # another verifier, same registration, its own copy of the lists
    shutil.copytree(services.trust_dir, home / "ecosystem")
    port = free_port()
    other = VerifierService(VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{port}"))
    now = int(time.time())
    name = "Udbetaling Danmark"
    other.ecosystem.operator.change(PUB_EAA, withdraw_service, name, f"{name} credential issuance", now - 5)
    other.ecosystem.operator.sign(PUB_EAA, now - 1, now + 30 * 86400)
    other.refresh_trust(now, force=True)
    time.sleep(1.1)
    other.refresh_trust(int(time.time()), force=True)
    with serve_app(create_app(service=other), port):
        _, link = other.create_transaction("ehic-care")
        req = fetch_request(link, store, w.now(), demo=True)
        values = req.request["dcql_query"]["credentials"][0]["trusted_authorities"][0]["values"]
        assert values and len(values) == 4  # the other four institutions
        with pytest.raises(Rejected) as e:
            plan(w, req)
        assert e.value.code == "wallet.no_matching_credential"
