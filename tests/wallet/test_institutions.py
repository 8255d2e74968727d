"""Which institutions the wallet offers for a login without an offer (wallet.institutions): from the Pub-EAA list's
Issuance services (ServiceSupplyPoints), in a demo ecosystem also from the demo issuers' own note."""

from __future__ import annotations

import copy
import json
import time

from trust_list import PUB_EAA
from trust_list.demo import build_demo_ecosystem, register_demo_issuer
from trust_list.model import SVC_PUBEAA_ISSUANCE
from trust_list.operator import find_entity
from wallet.institutions import institutions
from wallet.trust import load_trust_store


def _not_demo(home) -> None:
    index = json.loads((home / "ecosystem.json").read_text("utf-8"))
    (home / "ecosystem.json").write_text(json.dumps({**index, "demo": False}), "utf-8")


def test_demo_issuers_noted_at_start_are_offered_only_in_a_demo_ecosystem(tmp_path):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    store = load_trust_store(eco.home, now)
    assert institutions(store, now, eco.home) == []  # the demo list names no URLs
    register_demo_issuer(eco.home, "Udbetaling Danmark", "http://127.0.0.1:8441")
    register_demo_issuer(eco.home, "Kela", "http://127.0.0.1:8442")
    register_demo_issuer(eco.home, "Nobody on the list", "http://127.0.0.1:8443")
    got = institutions(store, now, eco.home)
    assert [(i.name, i.credential_issuer) for i in got] == [("Kela", "http://127.0.0.1:8442"),
                                                            ("Udbetaling Danmark", "http://127.0.0.1:8441")]
    assert set(got[1].vcts) == {"urn:eudi:pda1:1", "urn:eudi:ehic:1"}
    _not_demo(eco.home)  # not a demo ecosystem: the note is not read
    assert institutions(load_trust_store(eco.home, now), now, eco.home) == []


def test_the_lists_supply_point_names_the_credential_issuer(tmp_path):
    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    # the operator publishes where each Issuance service is reached (TS 119 602 ServiceSupplyPoints)
    def supply(doc, entity, url):
        doc = copy.deepcopy(doc)
        for service in find_entity(doc, entity)["TrustedEntityServices"]:
            if service["ServiceInformation"]["ServiceTypeIdentifier"] == SVC_PUBEAA_ISSUANCE:
                service["ServiceInformation"]["ServiceSupplyPoints"] = [{"uriValue": url}]
        return doc

    eco.operator.change(PUB_EAA, supply, "Udbetaling Danmark", "https://issuer.udk.example/oid4vci")
    eco.operator.change(PUB_EAA, supply, "Kela", "http://kela.example/oid4vci")
    eco.operator.sign(PUB_EAA, now, now + 30 * 86400)
    _not_demo(eco.home)
    got = institutions(load_trust_store(eco.home, now), now, eco.home)
    # an https supply point is used exactly as written; plain http outside the demo is not
    assert [(i.name, i.credential_issuer) for i in got] == [
        ("Udbetaling Danmark", "https://issuer.udk.example/oid4vci")]


def test_an_institution_that_does_not_answer_is_said_and_logged(tmp_path):
    """The login screen's logic without a window: an institution noted as running that does not answer."""
    from tests.support import free_port
    from wallet.storage import KdfParams
    from wallet.ui.controller import WalletController
    from wallet.ui.document_login import DocumentLogin, configuration_for

    now = int(time.time())
    eco = build_demo_ecosystem(tmp_path / "eco", now)
    dead = f"http://127.0.0.1:{free_port()}"
    register_demo_issuer(eco.home, "Kela", dead)
    ctl = WalletController(tmp_path / "w", eco.home, kdf=KdfParams(n=2**10), system_lang=lambda: "en")
    ctl.create("123456", "123456")
    login = DocumentLogin(ctl, opener=lambda url: True, port=free_port(), timeout=5)
    # offers reach the login screen under both schemes (OpenID4VCI §4.1, ETSI TS 119 472-3)
    assert [ctl.classify(f"{scheme}://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo") for scheme in
            ("openid-credential-offer", "eu-eaa-offer", "eu-eaa-offerx")] == ["offer", "offer", "unknown"]
    [kela] = login.institutions()
    assert (kela.name, kela.credential_issuer) == ("Kela", dead)
    msg = login.run(credential_issuer=dead, vct="urn:eudi:ehic:1")
    assert not msg.ok and msg.code == "wallet.network"
    assert (ctl.wallet.history()[-1].outcome, ctl.wallet.history()[-1].reason) == ("refused", "wallet.network")
    assert ctl.wallet.cards() == []
    meta = {"credential_configurations_supported": {"x": {"format": "dc+sd-jwt", "vct": "urn:eudi:ehic:1"},
                                                   "y": {"format": "jwt_vc_json", "vct": "urn:eudi:pda1:1"}}}
    assert configuration_for(meta, "urn:eudi:ehic:1") == "x"
    import pytest
    from credential.reasons import Rejected

    with pytest.raises(Rejected) as e:  # only an SD-JWT VC configuration will do
        configuration_for(meta, "urn:eudi:pda1:1")
    assert e.value.code == "wallet.issuer_metadata"
