"""A configured wallet: anchors and list URLs instead of the demo trust directory."""

from __future__ import annotations

import json
import time

import pytest

from credential.reasons import Rejected
from trust_list.model import LIST_BY_SHORT_NAME, LIST_TYPES
from wallet.trust import load_trust_store


def test_wallet_fetches_the_configured_lists(world, list_server, monkeypatch, tmp_path):
    monkeypatch.setenv("ESSPASS_HOME", str(tmp_path))  # an empty home: no demo trust directory to fall back on
    monkeypatch.setenv("ESSPASS_WALLET_TRUST_ANCHORS", str(world.anchors))
    monkeypatch.setenv("ESSPASS_WALLET_TRUST_LIST_URLS",
                       json.dumps({s: f"{list_server}/{s}.jwt" for s in ("pub-eaa", "wrpac", "wrprc")}))
    store = load_trust_store(None, int(time.time()))
    assert store.lists == {}  # configured: plain http to loopback is refused ...
    monkeypatch.setenv("ESSPASS_FETCH_LOOPBACK", "true")
    store = load_trust_store(None, int(time.time()))  # ... unless this one-machine set-up allows it
    # the three lists a wallet reads (the Wallet Providers list is for issuers)
    assert set(store.lists) == {LIST_BY_SHORT_NAME[s] for s in ("pub-eaa", "wrpac", "wrprc")}


def test_wallet_with_other_anchors_trusts_nothing(world, list_server, monkeypatch, tmp_path):
    from trust_list.operator import Operator

    other = Operator.create(tmp_path / "other-operator", "Someone Else", int(time.time()) - 60)
    monkeypatch.setenv("ESSPASS_WALLET_TRUST_ANCHORS", str(other.certificate_path))
    monkeypatch.setenv("ESSPASS_WALLET_TRUST_LIST_URLS", json.dumps({"pub-eaa": f"{list_server}/pub-eaa.jwt"}))
    monkeypatch.setenv("ESSPASS_FETCH_LOOPBACK", "true")
    store = load_trust_store(None, int(time.time()))
    assert store.lists == {}
    with pytest.raises(Rejected):
        store.require(LIST_TYPES[0], int(time.time()))
    monkeypatch.delenv("ESSPASS_WALLET_TRUST_ANCHORS")
    with pytest.raises(Rejected) as caught:
        load_trust_store(None, int(time.time()))
    assert "ESSPASS_WALLET_TRUST_ANCHORS" in caught.value.detail
