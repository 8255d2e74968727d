"""The wallet against the real issuer and verifier services on loopback (OpenID4VCI + OpenID4VP)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings, strategies as st

from credential.reasons import Rejected
from wallet.issuance import receive
from wallet.presentation import fetch_request, plan, respond
from wallet.trust import load_trust_store

from .servers import ONLINE_PIN, new_online_wallet

PIN = ONLINE_PIN
new_wallet = new_online_wallet


def test_receive_by_reference_with_tx_code_then_present(services, tmp_path):
    wallet = new_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    got = receive(wallet, offer, store, tx_code=code)
    [card] = got.cards
    assert card.vct == "urn:eudi:ehic:1" and card.issuer_name == "Udbetaling Danmark"
    assert card.copies_left >= 2  # batch of one-time copies, each with its own key
    assert len({c.key["x"] for c in card.copies}) == len(card.copies)

    from wallet.status import refresh_all

    [r] = refresh_all(wallet, store)
    assert r.status == "VALID", r

    url, tid = services.request("ehic-care")
    req = fetch_request(url, store, wallet.now(), demo=True)
    assert req.name() == "ESSPASS verifier" and not req.rp.over_asking
    consent = plan(wallet, req)
    out = respond(wallet, consent)
    assert "subject" in out.shared["ehic"]  # the whole subject disclosure: what the wallet actually sent
    assert "date_of_issuance" not in out.shared["ehic"]  # minimal disclosure
    view = services.verifier.transaction_view(tid)
    assert view["status"] == "done", view
    assert view["decision"]["result"] == "PASSED", view["decision"]
    assert wallet.card(card.id).copies_left == card.copies_left - 1
    kinds = [(e.kind, e.outcome) for e in wallet.history()]
    assert kinds == [("issuance", "received"), ("presentation", "shared")]


def test_offer_by_value_a1(services, tmp_path):
    wallet = new_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("pda1", by_value=True)
    assert "credential_offer=" in offer
    [card] = receive(wallet, offer, store, tx_code=code).cards
    assert card.claims["legislation_country"] == "DK"


def test_offer_under_the_eu_eaa_scheme(services, tmp_path):
    """ETSI TS 119 472-3's ``eu-eaa-offer://`` carries the same offer; other schemes are refused."""
    wallet = new_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("pda1", by_value=True)
    eaa = "eu-eaa-offer://" + offer.split("://", 1)[1]
    [card] = receive(wallet, eaa, store, tx_code=code).cards
    assert card.claims["legislation_country"] == "DK"
    with pytest.raises(Rejected) as e:
        receive(wallet, "eu-other-offer://" + offer.split("://", 1)[1], store, tx_code=code)
    assert e.value.code == "wallet.offer_invalid"


def test_tx_code_required_and_wrong_code(services, tmp_path):
    wallet = new_wallet(tmp_path)
    store = load_trust_store(services.trust_dir, int(time.time()))
    offer, code, _ = services.offer("ehic")
    with pytest.raises(Rejected) as e:
        receive(wallet, offer, store)
    assert e.value.code == "wallet.tx_code_required"
    with pytest.raises(Rejected) as e:
        receive(wallet, offer, store, tx_code="0" * len(code) if code != "0" * len(code) else "1" * len(code))
    # issue 17: the issuer said how many tries are left; the history says the issuer refused, by its name
    assert e.value.code == "wallet.tx_code_wrong" and e.value.attempts_left == 4
    assert wallet.cards() == []
    refused = wallet.history()[-1]
    assert (refused.outcome, refused.refused_by, refused.reason) == ("refused", "issuer", "wallet.tx_code_wrong")
    assert refused.party and "://" not in refused.party  # the institution's name, not its URL


def test_untrusted_issuer_refused_and_nothing_stored(services, tmp_path):
    """A wallet that trusts another ecosystem's lists refuses this issuer with issuer.untrusted."""
    from trust_list.demo import build_demo_ecosystem

    other = tmp_path / "other"
    build_demo_ecosystem(other, int(time.time()))
    store = load_trust_store(other, int(time.time()))
    wallet = new_wallet(tmp_path)
    offer, code, _ = services.offer("ehic")
    with pytest.raises(Rejected) as e:
        receive(wallet, offer, store, tx_code=code)
    assert e.value.code == "issuer.untrusted"
    assert e.value.reason.da  # a real Danish message
    assert wallet.cards() == []
    [ev] = wallet.history()
    assert (ev.kind, ev.outcome, ev.reason, ev.refused_by) == ("issuance", "refused", "issuer.untrusted", "wallet")


def test_cli_receive_list_present_history(services, tmp_path):
    from typer.testing import CliRunner

    from wallet.cli import app

    runner = CliRunner()
    store_dir = str(tmp_path / "cli-wallet")
    offer, code, _ = services.offer("pda1")
    common = ["--store", store_dir, "--pin", PIN, "--trust-dir", str(services.trust_dir)]
    wrong = "".join(str((int(c) + 1) % 10) for c in code)
    r = runner.invoke(app, ["receive", offer, "--tx-code", wrong, *common, "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["reason"] == "wallet.tx_code_wrong"
    assert json.loads(r.stdout)["attempts_left"] == 4  # issue 17: the issuer's count reaches the CLI too
    r = runner.invoke(app, ["receive", offer, "--tx-code", code, *common])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["list", "--store", store_dir, "--pin", PIN, "--json"])
    assert r.exit_code == 0, r.output
    cards = json.loads(r.stdout)["cards"]
    assert cards[0]["vct"] == "urn:eudi:pda1:1" and "key" not in json.dumps(cards)
    url, tid = services.request("a1-coverage")
    r = runner.invoke(app, ["present", url, *common, "--yes", "--json"])
    assert r.exit_code == 0, r.output
    shared = json.loads(r.stdout.strip().splitlines()[-1])["shared"]["pda1"]
    assert sorted(shared) == ["ending_date", "issuing_authority", "legislation_country", "starting_date"]
    assert services.verifier.transaction_view(tid)["decision"]["result"] == "PASSED"
    r = runner.invoke(app, ["history", "--store", store_dir, "--pin", PIN, "--json"])
    events = json.loads(r.stdout)["events"]
    assert [e["outcome"] for e in events] == ["refused", "received", "shared"]
    assert (events[0]["refused_by"], events[0]["reason"]) == ("issuer", "wallet.tx_code_wrong")
    assert events[2]["party"] == "ESSPASS verifier" and events[2]["purpose"]["en"]
    r = runner.invoke(app, ["list", "--store", store_dir, "--pin", "000000", "--json"])
    assert r.exit_code == 1


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                   max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(["error", "error_description", "tx_code_attempts_left", "x"]), _json,
                       max_size=4), st.integers(100, 599), st.booleans())
def test_token_refusal_reads_any_error_body_safely(body, status, sent):
    """Issue 17: the wallet reads the issuer's tries-left member from whatever the token endpoint answers."""
    from wallet.issuance import TxCodeWrong, token_refusal

    exc = token_refusal(body, status, sent)
    left = body.get("tx_code_attempts_left")
    if isinstance(exc, TxCodeWrong):
        assert sent and body.get("error") == "invalid_grant" and exc.attempts_left == left
        assert exc.code == ("wallet.tx_code_used_up" if left == 0 else "wallet.tx_code_wrong")
        from wallet.i18n import refusal

        words = refusal(exc)
        assert ("0 attempts left" not in words["en"]) if left == 0 else (f"{left} attempts left" in words["en"])
    else:
        assert exc.code == "wallet.token_refused"
