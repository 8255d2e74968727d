"""The wallet keeps, shows and presents A1/EHIC credentials of the other shapes in the field (issue 16, item 4): an
EHIC as the EUDI reference issuer shapes it, signed by an institution listed for that vct, answers our verifier's
ehic-care request with that issuer's paths, and our verifier reads it."""

from __future__ import annotations

import time

import pytest

from credential import jose, sd_jwt, sd_jwt_vc
from credential.dcql import PRESETS
from tests.foreign_shapes import foreign
from trust_list.demo import build_demo_ecosystem
from verifier import policy
from wallet.core import Card, Copy, new_id, private_jwk
from wallet.presentation import fetch_request, plan, respond
from wallet.trust import load_trust_store
from wallet.storage import KdfParams
from wallet.ui.controller import WalletController

from .fakes import PIN, make_rp

# as the EUDI issuer's OpenID4VCI configuration carries them (display name + locale), kept with the card
TYPE_METADATA = {"display": [{"name": "EHIC (sd-jwt-vc)", "locale": "en"}],
                 "claims": [{"path": ["social_security_pin"], "display": [{"name": "Social Security Pin",
                                                                           "locale": "en"}]}]}


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


def _eudi_card(eco, wallet, now: int) -> Card:
    vct, claims = foreign("eudi-ehic")
    inst = eco.institution("kela")  # listed for the EUDI vct values in the demo trust list
    copies = []
    for _ in range(2):
        key = jose.SigningKey.generate()
        issued = sd_jwt_vc.issue_vc(claims, inst.credential_key, vct=vct, iat=now - 60, exp=now + 86400 * 365,
                                    iss="https://eudi-issuer.kela.example", sd_paths=[(k,) for k in claims],
                                    holder_jwk=key.public_jwk(), header={"x5c": inst.credential_x5c})
        copies.append(Copy(sd_jwt=issued.serialize(), key=private_jwk(key)))
    card = Card(id=new_id(), vct=vct, type_key="", issuer_id="https://eudi-issuer.kela.example",
                issuer_name=inst.name, configuration_id="eu.europa.ec.eudi.ehic_sd_jwt_vc", claims=claims,
                received_at=now, iat=now - 60, exp=now + 86400 * 365, copies=copies, type_metadata=TYPE_METADATA)
    wallet.save_card(card)
    return card


def test_eudi_ehic_is_kept_shown_and_presented_to_our_verifier(eco, tmp_path):
    now = int(time.time())
    ctl = WalletController(tmp_path / "app", eco.home, kdf=KdfParams(n=2**10))
    assert ctl.create(PIN, PIN) is None
    wallet = ctl.wallet
    card = _eudi_card(eco, wallet, now)
    stored = wallet.card(card.id)
    assert stored.type_metadata == TYPE_METADATA and stored.claims["document_id"] == "80246000011223344556"

    # shown: the type metadata's labels where it has them, else ours through the mapping, else the claim's name
    ctl.lang = "da"
    detail = ctl.card_detail(card.id)
    assert detail["title"] == "EHIC (sd-jwt-vc)"
    shown = dict(detail["rows"])
    assert shown["Social Security Pin"] == "301185-123A"  # the issuer's own label (English only)
    assert shown["Dokumentnummer"] == "80246000011223344556"  # ours, through the mapping
    assert "document_id" not in shown and "social_security_pin" not in shown
    assert [ctl.cards()[0].title] == ["EHIC (sd-jwt-vc)"]

    # presented: our verifier's ehic-care query reaches it with the EUDI issuer's paths
    store = load_trust_store(eco.home, now)
    fake, uri = make_rp(eco, "hospital", PRESETS["ehic-care"], now=now)
    with fake.client() as client:
        req = fetch_request(uri, store, wallet.now(), client)
        consent = plan(wallet, req)
        assert not consent.over_asking and consent.items[0].card.id == card.id
        assert {p[0] for p in consent.items[0].registered} == {"subject", "social_security_pin", "issuing_authority",
                                                               "issuing_country", "document_id", "ending_date"}
        respond(wallet, consent, client=client)
    [vp] = fake.decrypted()["vp_token"]["ehic"]
    ctx = policy.VerificationContext(trust=store, now=wallet.now(), preset="ehic-care", nonce=req.nonce,
                                     aud=req.client_id)
    decision = policy.verify_presentation(vp, ctx).as_json()
    # no status list at hand here: INDETERMINATE for that reason only; everything else passed
    assert {c["code"] for c in decision["checks"] if c["result"] != "pass"} <= {"status.unavailable"}
    assert decision["shape"]["shape"] == "eudi" and decision["claims"]["document_number"] == "80246000011223344556"
    assert "claims.shape" in {c["code"] for c in decision["checks"]}
    wallet.close()


def test_type_metadata_is_taken_from_the_credential_configuration():
    from wallet.issuance import MAX_TYPE_METADATA_BYTES, type_metadata_of

    claims = [{"path": ["social_security_pin"], "display": [{"name": "PIN", "locale": "en"}]}]
    assert type_metadata_of({"credential_metadata": {"display": [{"name": "A1"}], "claims": claims}}) == {
        "display": [{"name": "A1"}], "claims": claims}  # OpenID4VCI 1.0 §12.2.4
    assert type_metadata_of({"vct": "x", "claims": claims}) == {"claims": claims}  # drafts: in the configuration
    assert type_metadata_of({"vct": "x", "claims": "no"}) is None and type_metadata_of({}) is None
    huge = [{"path": ["x"], "display": [{"name": "n" * MAX_TYPE_METADATA_BYTES}]}]
    assert type_metadata_of({"claims": huge}) is None
