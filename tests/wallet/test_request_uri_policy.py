"""Issue 14, finding 14: the wallet must not send anything to a request_uri on a loopback or private address (nor
over plain http) before it knows who the verifier is; loopback only on the demo ecosystem. A real server on
127.0.0.1 counts what reaches it: before the fix ``http://127.0.0.1:<port>/req`` was fetched."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from credential.reasons import Rejected
from tests.hostile_http import HostileServer
from trust_list.demo import build_demo_ecosystem
from wallet.presentation import fetch_request
from wallet.trust import is_demo, load_trust_store


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


def _link(request_uri: str) -> str:
    return "openid4vp://?" + urllib.parse.urlencode({"client_id": "x509_hash:abc", "request_uri": request_uri})


@pytest.mark.parametrize("where", ["http://127.0.0.1:{port}/req", "https://127.0.0.1:{port}/req",
                                   "http://localhost:{port}/req", "https://localhost:{port}/req",
                                   "https://[::1]:{port}/req", "https://[::ffff:127.0.0.1]:{port}/req",
                                   "https://10.0.0.7/req", "https://192.168.1.1/req", "https://169.254.169.254/req",
                                   "http://rp.example/req"])
def test_loopback_private_and_plain_http_request_uris_are_refused_before_any_request(eco, where):
    store = load_trust_store(eco.home, int(time.time()))
    with HostileServer() as server:
        server.bodies["/req"] = b"not.a.jwt"
        with pytest.raises(Rejected) as refused:
            fetch_request(_link(where.format(port=server.port)), store, int(time.time()))
        assert refused.value.code == "wallet.request_uri_refused"
        assert refused.value.reason.da
        assert sum(server.hits.values()) == 0


def test_loopback_allowed_in_demo_mode_only(eco, tmp_path):
    store = load_trust_store(eco.home, int(time.time()))
    assert is_demo(eco.home)
    index = json.loads((eco.home / "ecosystem.json").read_text())
    other = tmp_path / "configured"
    other.mkdir()
    (other / "ecosystem.json").write_text(json.dumps({k: v for k, v in index.items() if k != "demo"}))
    assert not is_demo(other)
    with HostileServer() as server:
        server.bodies["/req"] = b"not.a.jwt"
        with pytest.raises(Rejected) as refused:  # reached (demo), then refused for what it answered
            fetch_request(_link(f"http://127.0.0.1:{server.port}/req"), store, int(time.time()), demo=True)
        assert refused.value.code == "wallet.request_invalid" and server.hits["/req"] == 1
