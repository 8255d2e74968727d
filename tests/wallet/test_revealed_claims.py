"""Issue 14, finding 2: consent, over-asking, the response and the history follow what the selected disclosures
reveal, not the paths that were asked for. ``subject`` is one disclosure in the EHIC layout, so a relying party
registered only for ``subject.familynames`` that asks for it would otherwise get forenames and date of birth too."""

from __future__ import annotations

import json
import time

import pytest

from credential import sd_jwt
from trust_list.demo import build_demo_ecosystem
from wallet.presentation import fetch_request, plan, respond
from wallet.trust import load_trust_store

from .fakes import issue_card, make_rp, new_wallet, registration_for

FAMILYNAMES_ONLY = {"credentials": [{"id": "ehic", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:ehic:1"]},
                                     "claims": [{"path": ["subject", "familynames"]}]}]}
SUBJECT = ["subject.date_of_birth", "subject.familynames", "subject.forenames"]


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


@pytest.fixture()
def familynames_rp(eco, tmp_path):
    wallet = new_wallet(tmp_path / "w")
    issue_card(eco, wallet, "ehic")
    store = load_trust_store(eco.home, int(time.time()))
    registration = registration_for(eco, "hospital", [["subject", "familynames"]])
    fake, uri = make_rp(eco, "hospital", FAMILYNAMES_ONLY, registration_jws=registration)
    return wallet, store, fake, uri


def _disclosed(presentation: str) -> set[str]:
    view = sd_jwt.holder_view(presentation.rsplit("~", 1)[0] + "~")
    return {sd_jwt.format_path(p) for p in sd_jwt.revealed_paths(view, [(n.path) for n in view.nodes])}


def test_asking_for_one_name_inside_the_subject_disclosure_is_over_asking(familynames_rp):
    wallet, store, fake, uri = familynames_rp
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
        assert not req.rp.over_asking  # the *request* stays within the registration ...
        consent = plan(wallet, req)
        # ... but the disclosure it needs reveals more: over-asking, and nothing is shared by default
        assert consent.over_asking
        [item] = consent.items
        assert item.registered == [] and item.over_asking == [("subject", "familynames")]
        assert item.reveals == []
        assert sorted(map(sd_jwt.format_path, item.reveals_extra)) == SUBJECT
        assert sorted(f"{q}:{sd_jwt.format_path(p)}" for q, p in consent.over_asking_paths()) == [
            "ehic:subject.date_of_birth", "ehic:subject.forenames"]
        out = respond(wallet, consent, client=client)
    [pres] = fake.decrypted()["vp_token"]["ehic"]
    assert _disclosed(pres) == set() and out.shared == {"ehic": []}
    ev = wallet.history()[-1]
    assert ev.claims == [] and ev.reason == "rp.over_asking"
    assert sorted(ev.over_asking) == ["ehic:subject.date_of_birth", "ehic:subject.forenames"]


def test_with_the_extra_consent_the_response_and_history_name_everything_revealed(familynames_rp):
    wallet, store, fake, uri = familynames_rp
    with fake.client() as client:
        consent = plan(wallet, fetch_request(uri, store, wallet.now(), client))
        out = respond(wallet, consent, include_over_asking=True, client=client)
    [pres] = fake.decrypted()["vp_token"]["ehic"]
    assert _disclosed(pres) == set(SUBJECT)
    assert out.shared["ehic"] == ["subject"]  # all of it was sent, not just "subject.familynames"
    ev = wallet.history()[-1]
    assert ev.claims == ["subject"] and ev.outcome == "shared"


def test_cli_json_reports_what_was_revealed(familynames_rp, capsys):
    """The original report: shared ["subject.familynames"], over_asking []; now the truth."""
    from wallet.cli import _show_consent

    wallet, store, fake, uri = familynames_rp
    with fake.client() as client:
        consent = plan(wallet, fetch_request(uri, store, wallet.now(), client))
    _show_consent(consent.request, consent, False)
    err = capsys.readouterr().err
    assert "NOT registered for: subject.familynames, subject.forenames, subject.date_of_birth" in err
    assert json.dumps([sd_jwt.format_path(p) for _, p in consent.over_asking_paths()])


def test_revealed_paths_at_any_depth(eco):
    """Nested disclosures: a withheld inner disclosure hides its subtree, an outer one reveals its plain members."""
    from credential import jose

    key = jose.SigningKey.generate()
    claims = {"a": {"b": {"c": 1, "d": [1, 2]}, "e": "x"}, "f": "y"}
    issued = sd_jwt.issue(claims, key, sd_paths=[("a",), ("a", "b"), ("a", "b", "d", None), ("f",)]).serialize()
    view = sd_jwt.holder_view(issued)
    assert sd_jwt.revealed_paths(view, [("a", "e")]) == [("a", "e")]
    assert sorted(sd_jwt.revealed_paths(view, [("a", "b", "c")])) == [("a", "b", "c"), ("a", "e")]
    assert sorted(sd_jwt.revealed_paths(view, [("a", "b", "d", 1)])) == [("a", "b", "c"), ("a", "b", "d", 1),
                                                                         ("a", "e")]
    assert sd_jwt.revealed_paths(view, [("f",)]) == [("f",)]
    assert sd_jwt.revealed_paths(view, []) == []
    # shared and recorded: a wholly revealed object by its name, a partly revealed one by its claims
    everything = sd_jwt.revealed_paths(view, [("a",), ("f",)])
    assert sorted(sd_jwt.collapse_paths(view, everything)) == [("a",), ("f",)]
    assert sorted(sd_jwt.collapse_paths(view, sd_jwt.revealed_paths(view, [("a", "b", "d", 1)]))) == [
        ("a", "b", "c"), ("a", "b", "d", 1), ("a", "e")]
