"""The Wallet Providers list (TS 119 602 Annex E; docs/trust-lists-profile.md §1, §4a): operated through the CLI,
validated like the other lists, and ``check_wallet_provider`` with a negative case for each of its reasons."""

from __future__ import annotations

import base64
import json
import shutil
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from credential import attestations as A
from credential import jose
from credential.reasons import Rejected
from trust_list import WALLET_PROVIDERS, TrustStore, check_wallet_provider, load_trusted_lists
from trust_list import certificates
from trust_list.cli import app
from trust_list.demo import build_demo_ecosystem
from trust_list.model import SVC_PUBEAA_ISSUANCE, SVC_WALLET_ISSUANCE, entity_document, service_document
from trust_list.operator import Operator, add_entity, add_service, withdraw_service
from trust_list.participants import make_wallet_provider

runner = CliRunner()
OPERATOR = "European Commission ESSPASS Trust Scheme"


def ok(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def reason(fn) -> str:
    with pytest.raises(Rejected) as e:
        fn()
    return e.value.code


def test_operator_lists_a_wallet_provider_through_the_cli(tmp_path):
    op, wp = tmp_path / "op", tmp_path / "wp"
    now = int(time.time())
    ok("init", "--home", op, "--name", OPERATOR)
    assert (op / "drafts" / "wallet-providers.json").exists()
    ok("cert", "wallet-provider", "--home", wp, "--name", "ESSPASS Wallet Provider", "--country", "EU")
    ok("add-entity", "--home", op, "--list", "wallet-providers", "--name", "ESSPASS Wallet Provider", "--country",
       "EU", "--uri", "https://wallet.esspass.eu")
    # the list takes only its own service types
    bad = runner.invoke(app, ["add-service", "--home", str(op), "--list", "wallet-providers", "--entity",
                              "ESSPASS Wallet Provider", "--name", "x", "--type", "nonsense", "--cert",
                              str(wp / "wallet-provider-ca-cert.pem")])
    assert bad.exit_code == 2
    ok("add-service", "--home", op, "--list", "wallet-providers", "--entity", "ESSPASS Wallet Provider", "--name",
       "ESSPASS wallet solution", "--type", "issuance", "--cert", wp / "wallet-provider-ca-cert.pem")
    ok("sign", "--home", op, "--list", "wallet-providers", "--valid-days", "30")
    out = json.loads(runner.invoke(app, ["verify", str(op / "signed" / "wallet-providers.jwt"), "--anchor",
                                         str(op / "operator-cert.pem")]).stdout)
    assert out["result"] == "PASSED" and out["entities"] == 1
    token = (op / "signed" / "wallet-providers.jwt").read_text().strip()
    store = load_trusted_lists({WALLET_PROVIDERS: token}, certificates.read_certificates(op / "operator-cert.pem"),
                               now)
    chain = certificates.read_certificates(wp / "attestation-chain.pem")
    trust = check_wallet_provider(store, certificates.x5c_without_anchor(chain), now)
    assert trust.entity_name == "ESSPASS Wallet Provider" and trust.service_name == "ESSPASS wallet solution"
    # the attestation key signs; the issuer's check (credential.attestations) verifies under the listed chain
    key = certificates.read_private_key(wp / "attestation-key.pem")
    instance = jose.SigningKey.generate()
    wia = A.wallet_attestation(key, certificates.x5c_without_anchor(chain), issuer="https://wallet.esspass.eu",
                               client_id="esspass-wallet", instance_jwk=instance.public_jwk(), iat=now, exp=now + 60)
    pop = A.attestation_pop(instance, audience="https://issuer.example", iat=now, jti="j1")
    resolve = lambda h: (check_wallet_provider(store, h["x5c"], now).signing_key, None)  # noqa: E731
    got = A.check_client_attestation(wia, pop, trusted_key=resolve, audience="https://issuer.example", now=now,
                                     client_id=None, pop_window=60)
    assert got.client_id == "esspass-wallet" and got.instance_jwk == instance.public_jwk()


def test_check_wallet_provider_reasons(tmp_path):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    store = eco.trust_store(now)
    wp = eco.wallet_provider
    root = base64.b64encode(certificates.der(wp.attestation_chain[1])).decode()
    assert check_wallet_provider(store, wp.x5c, now).list_sequence_number >= 1
    assert reason(lambda: check_wallet_provider(store, [root], now)) == "wallet_provider.self_signed"
    assert reason(lambda: check_wallet_provider(store, wp.x5c + [root], now)) == "wallet_provider.anchor_sent"
    rogue = make_wallet_provider(tmp_path / "rogue", "Rogue", "EU", now)["attestation"]
    assert reason(lambda: check_wallet_provider(store, certificates.x5c_of(rogue.chain[:1]), now)) \
        == "wallet_provider.untrusted"
    for junk in (None, [], ["not base64"], "MIIB", [root[:40]]):
        assert reason(lambda: check_wallet_provider(store, junk, now)) == "wallet_provider.untrusted"
    # expired signing certificate: no path at now
    later = int(wp.attestation_chain[0].not_valid_after_utc.timestamp()) + 10
    fresh = TrustStore(anchors=store.anchors, lists=dict(store.lists))
    with pytest.raises(Rejected):
        check_wallet_provider(fresh, wp.x5c, later)
    # no list of this type held: fail closed
    assert reason(lambda: check_wallet_provider(TrustStore(anchors={}), wp.x5c, now)) == "list.unavailable"


def test_the_list_takes_no_foreign_service_type(tmp_path):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    op = Operator.open(tmp_path / "eco" / "operator")
    doc = op.load_draft(WALLET_PROVIDERS)
    ca = eco.wallet_provider.ca_cert
    doc["LoTE"]["TrustedEntitiesList"].append(entity_document("Intruder", "EU", "https://x.example", [
        service_document("pub-eaa kind", SVC_PUBEAA_ISSUANCE, [certificates.der(ca)])]))
    op.save_draft(doc)
    op.sign(WALLET_PROVIDERS, now, now + 86400)
    store = load_trusted_lists({WALLET_PROVIDERS: op.signed_path(WALLET_PROVIDERS).read_text().strip()},
                               [eco.operator_cert], now)
    assert store.last_rejection[WALLET_PROVIDERS].code == "list.schema"
    assert SVC_WALLET_ISSUANCE in str(op.load_draft(WALLET_PROVIDERS))


def test_withdrawal_removes_the_provider_and_the_demo_respects_it(tmp_path):
    now = int(time.time())
    home = tmp_path / "eco"
    eco = build_demo_ecosystem(home, now)
    op = Operator.open(home / "operator")
    op.change(WALLET_PROVIDERS, withdraw_service, "ESSPASS Wallet Provider", "ESSPASS wallet solution", now)
    op.sign(WALLET_PROVIDERS, now, now + 86400)
    eco = build_demo_ecosystem(home, now)  # a restart does not put it back
    assert reason(lambda: check_wallet_provider(eco.trust_store(now), eco.wallet_provider.x5c, now)) \
        == "wallet_provider.untrusted"


def test_a_home_made_before_the_list_gets_it_at_its_next_start(tmp_path):
    now = int(time.time())
    home = tmp_path / "eco"
    build_demo_ecosystem(home, now)
    (home / "operator" / "drafts" / "wallet-providers.json").unlink()
    (home / "operator" / "signed" / "wallet-providers.jwt").unlink()
    shutil.rmtree(home / "wallet-provider")
    eco = build_demo_ecosystem(home, now)
    assert check_wallet_provider(eco.trust_store(now), eco.wallet_provider.x5c, now).entity_name \
        == "ESSPASS Wallet Provider"
    index = json.loads((home / "ecosystem.json").read_text())
    assert WALLET_PROVIDERS in index["lists"] and index["wallet_provider"]["client_id"] == "esspass-wallet"
    # adding one by hand to an operator made by the CLI works the same way
    op = Operator.open(home / "operator")
    op.change(WALLET_PROVIDERS, add_entity, "Second Provider", "DK", "https://second.example")
    second = make_wallet_provider(tmp_path / "second", "Second Provider", "DK", now)
    op.change(WALLET_PROVIDERS, add_service, "Second Provider", "Second wallet", SVC_WALLET_ISSUANCE,
              second["wallet-provider-ca"].chain, now - 10)
    op.sign(WALLET_PROVIDERS, now, now + 86400)
    store = build_demo_ecosystem(home, now).trust_store(now)
    assert check_wallet_provider(store, certificates.x5c_of(second["attestation"].chain[:1]), now).entity_name \
        == "Second Provider"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=300), st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b)
                                                                                  .decode()),
                 st.lists(st.text(max_size=40), max_size=3).map(".".join)),
       st.one_of(st.none(), st.text(max_size=300), st.lists(st.text(max_size=40), max_size=3).map(".".join)))
def test_attestation_parsers_refuse_junk_with_a_reason(attestation, pop):
    """Bounded junk in either header: always a Rejected with a reason of the attestation checks, never a crash."""
    def never(_header):
        raise AssertionError("junk must not reach the trust check")

    with pytest.raises(Rejected) as e:
        A.check_client_attestation(attestation, pop, trusted_key=never, audience="https://i.example", now=1000,
                                   client_id=None, pop_window=60)
    assert e.value.code.startswith("client_attestation.")
    with pytest.raises(Rejected) as e:
        A.check_key_attestation(attestation, trusted_key=never, now=1000, require_exp=True)
    assert e.value.code == "key_attestation.malformed"


def test_check_wallet_provider_command(tmp_path):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    d = tmp_path / "eco" / "wallet-provider"
    args = ["check-wallet-provider", "--list", str(eco.wallet_providers_path), "--anchor",
            str(eco.operator_cert_path), "--x5c"]
    r = runner.invoke(app, args + [str(d / "attestation-cert.pem")])
    assert r.exit_code == 0 and json.loads(r.stdout) == {"result": "PASSED", "reason": None,
                                                          "entity": "ESSPASS Wallet Provider"}
    certificates.write_certificates(tmp_path / "with-ca.pem", eco.wallet_provider.attestation_chain)
    r = runner.invoke(app, args + [str(tmp_path / "with-ca.pem")])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "wallet_provider.anchor_sent"
    r = runner.invoke(app, args + [str(d / "ca-cert.pem")])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "wallet_provider.self_signed"
    (tmp_path / "junk.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    r = runner.invoke(app, args + [str(tmp_path / "junk.pem")])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "wallet_provider.untrusted"
