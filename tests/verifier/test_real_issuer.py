"""End to end with the REAL issuer (issue #5, item 7): the issuer service (``issuer.api.create_app``) and the verifier
service (``verifier.api.create_app``) run on loopback with the same ``ESSPASS_HOME`` (one demo ecosystem).
A1 and EHIC credentials are obtained through OpenID4VCI by the issuer tests' spec-written wallet, presented through
the full OpenID4VP flow by this package's spec-written wallet, then revoked / suspended through the issuer's case
API and CLI, and finally checked with the issuer's status endpoint gone.

Only the tests import ``issuer``; ``test_verifier_never_imports_issuer`` keeps it that way for ``verifier/``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from credential.types import sample_claims
from tests.issuer.wallet_client import Wallet
from tests.verifier import wallet_client as W
from tests.verifier.servers import free_port, serve_app

ROOT = Path(__file__).resolve().parents[2]


class OffsetClock:
    """Real time plus an offset the test moves forward (to get past a Status List Token's ttl)."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from issuer.api import create_app as issuer_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from verifier.api import create_app as verifier_app
    from verifier.service import VerifierService
    from verifier.settings import VerifierSettings

    home = tmp_path_factory.mktemp("shared-home")
    iport, vport = free_port(), free_port()
    isettings = Settings(home=home, issuer_url=f"http://127.0.0.1:{iport}", status_list_size=10_000)
    issuer = IssuerService(isettings)  # builds the demo ecosystem under home/ecosystem
    clock = OffsetClock()
    vsettings = VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{vport}")
    verifier = VerifierService(vsettings, clock=clock)  # reuses that ecosystem
    assert vsettings.ecosystem_home == isettings.ecosystem_dir
    issuer_server = serve_app(issuer_app(isettings, issuer), iport)
    issuer_url = issuer_server.__enter__()
    try:
        with serve_app(verifier_app(service=verifier), vport) as verifier_url:
            client = httpx.Client(timeout=30)
            yield {"issuer": issuer, "issuer_url": issuer_url, "issuer_server": issuer_server, "home": home,
                   "verifier": verifier, "verifier_url": verifier_url, "clock": clock, "client": client}
            client.close()
    finally:
        issuer_server.__exit__(None, None, None)  # idempotent enough: a second exit only joins a dead thread
        issuer.close()


def obtain(world, kind: str):
    """A case through the issuer's case API, then OpenID4VCI (pre-authorized code, tx_code, key proof)."""
    headers = {"Authorization": f"Bearer {world['issuer'].api_token}"}
    r = world["client"].post(f"{world['issuer_url']}/api/v1/cases", headers=headers,
                             json={"type": kind, "claims": sample_claims(kind), "tx_code": True})
    assert r.status_code == 201, r.text
    case = r.json()
    creds, keys = Wallet().receive(case["offer_uri"], case["tx_code"])
    return creds[0], keys[0], case["document_number"]


def present(world, credential: str, key, preset: str) -> dict:
    """The full OpenID4VP flow: transaction, request object (checked per trust-lists.md §5), DCQL selection,
    KB-JWT, encrypted direct_post.jwt response; returns the decision the service recorded."""
    client, url, now = world["client"], world["verifier_url"], world["verifier"].now()
    r = client.post(f"{url}/openid4vp/transactions", json={"preset": preset})
    assert r.status_code == 200, r.text
    tid, auth = r.json()["transaction"], r.json()["request_uri"]
    fetched = W.fetch_request(auth, client, world["verifier"].ecosystem.trust_store(now), now)
    r = W.post_response(fetched, client, W.build_presentation(fetched, credential, key, now))
    assert r.status_code == 200, r.text
    view = client.get(f"{url}/openid4vp/transactions/{tid}").json()
    assert view["status"] == "done", view
    return view["decision"]


def failed(decision: dict) -> list[str]:
    return [c["code"] for c in decision["checks"] if c["result"] != "pass"]


def past_status_ttl(world) -> None:
    """The verifier reuses a Status List Token until fetched_at + ttl (300 s by the issuer's default)."""
    world["clock"].offset += world["issuer"].settings.status_list_ttl + 1


def test_real_issuer_revoke_suspend_unavailable(world):
    a1, a1_key, a1_doc = obtain(world, "pda1")
    ehic, ehic_key, ehic_doc = obtain(world, "ehic")
    assert a1_doc != ehic_doc

    d = present(world, a1, a1_key, "a1-inspection")
    assert d["result"] == "PASSED", d
    assert d["issuer"] == "Udbetaling Danmark" and d["credential_type"] == "urn:eudi:pda1:1"
    assert {"issuer.trusted", "sd.intact", "kb.valid", "status.valid", "request.claims", "coverage.in_force"} \
        <= {c["code"] for c in d["checks"]}
    assert d["validity"]["technical"]["status"] == "valid" and d["data_age"]["status_list_s"] is not None
    d = present(world, ehic, ehic_key, "ehic-care")
    assert d["result"] == "PASSED" and d["issuer"] == "Udbetaling Danmark", d
    assert d["credential_type"] == "urn:eudi:ehic:1"

    # revoke through the case API: after the status token's ttl the verifier sees it
    headers = {"Authorization": f"Bearer {world['issuer'].api_token}"}
    r = world["client"].post(f"{world['issuer_url']}/api/v1/documents/{a1_doc}/revoke", headers=headers,
                             json={"reason": "annulled (test)"})
    assert r.status_code == 200, r.text
    past_status_ttl(world)
    d = present(world, a1, a1_key, "a1-inspection")
    assert d["result"] == "FAILED" and failed(d) == ["status.invalid"], d
    assert d["issuer"] == "Udbetaling Danmark"

    # suspend through the issuer CLI (same ESSPASS_HOME: the API token is read from there)
    env = {**os.environ, "ESSPASS_HOME": str(world["home"]), "ESSPASS_ISSUER_URL": world["issuer_url"]}
    env.pop("ESSPASS_ISSUER_API_TOKEN", None)
    res = subprocess.run([sys.executable, "-m", "esspass.cli", "issuer", "suspend", "--document-number", ehic_doc,
                          "--url", world["issuer_url"]], env=env, capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert res.returncode == 0, res.stderr
    past_status_ttl(world)
    d = present(world, ehic, ehic_key, "ehic-care")
    assert d["result"] == "FAILED" and failed(d) == ["status.suspended"], d

    # the issuer's status endpoint is gone and nothing is cached: INDETERMINATE, never "revoked"
    from verifier.sources import StatusCache

    world["issuer_server"].__exit__(None, None, None)
    old = world["verifier"].status
    world["verifier"].status = StatusCache(network=True, timeout=2, policy=old.policy)
    try:
        for cred, key, preset in ((a1, a1_key, "a1-inspection"), (ehic, ehic_key, "ehic-care")):
            d = present(world, cred, key, preset)
            assert d["result"] == "INDETERMINATE", d
            assert [(c["code"], c["result"]) for c in d["checks"] if c["result"] != "pass"] == \
                [("status.unavailable", "unknown")]
            assert d["issuer"] == "Udbetaling Danmark"
    finally:
        world["verifier"].status.close()
        world["verifier"].status = old


def test_verifier_never_imports_issuer():
    """verifier/ talks to the issuer only through HTTP and signed data."""
    offenders = []
    for path in (ROOT / "verifier").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n == "issuer" or n.startswith("issuer.")]
    assert offenders == []
