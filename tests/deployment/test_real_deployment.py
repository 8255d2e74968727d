"""The real-deployment journey over https (issue 11, items 3 and 4). Nothing here touches ``trust_list.demo``:

- a trust-list operator made with the ``esspass trust-list`` commands publishes the three lists as files that real
  nginx serves over https (test CA made with ``cryptography``; the documented site ``docs/nginx/esspass-site.conf``);
- the institution's two keys were generated inside a SoftHSM2 token and certified by its CAs;
- ``esspass issuer serve`` and ``esspass verifier serve`` run behind that nginx, configured from files, the token and
  list URLs, believing forwarded headers from nginx only; the wallet (``esspass wallet``) knows the anchors and the
  list URLs and checks TLS against the test CA;
- issue -> present -> PASSED -> revoke -> FAILED ``status.invalid`` -> the operator withdraws the institution ->
  the old credential is ``issuer.withdrawn`` and a new one ``issuer.withdrawn_at_signing`` (trust-lists.md §4).
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from credential.types import sample_claims
from tests.deployment.conftest import serving, subprocess_env
from tests.deployment.nginx import make_test_ca, render_site, run_nginx
from tests.deployment.operator_world import INSTITUTION, build_world, trust_list
from tests.deployment.softhsm import certify_token_keys
from tests.support import free_port

WALLET_PIN = "4719205836"


def _wait(url: str, ca: Path, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, verify=ssl.create_default_context(cafile=str(ca)), timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, softhsm):
    root = tmp_path_factory.mktemp("real-deployment")
    now = int(time.time())
    world = build_world(root / "world", now, certify=certify_token_keys(softhsm, now))
    tls = make_test_ca(root / "tls")
    ports = {name: free_port() for name in ("issuer", "verifier", "issuer_tls", "verifier_tls", "lists_tls")}
    urls = {"issuer": f"https://127.0.0.1:{ports['issuer_tls']}", "verifier": f"https://127.0.0.1:{ports['verifier_tls']}",
            "lists": f"https://127.0.0.1:{ports['lists_tls']}"}
    list_urls = json.dumps({s: f"{urls['lists']}/{s}.jwt" for s in ("pub-eaa", "wrpac", "wrprc")})
    site = render_site({
        "ISSUER_LISTEN": f"127.0.0.1:{ports['issuer_tls']}", "VERIFIER_LISTEN": f"127.0.0.1:{ports['verifier_tls']}",
        "LISTS_LISTEN": f"127.0.0.1:{ports['lists_tls']}", "ISSUER_NAME": "127.0.0.1", "VERIFIER_NAME": "127.0.0.1",
        "LISTS_NAME": "127.0.0.1", "ISSUER_UPSTREAM": f"127.0.0.1:{ports['issuer']}",
        "VERIFIER_UPSTREAM": f"127.0.0.1:{ports['verifier']}", "TLS_CERT": str(tls.server_cert),
        "TLS_KEY": str(tls.server_key), "LISTS_ROOT": str(world.operator / "signed")})
    common = {"ESSPASS_CA_BUNDLE": str(tls.ca_cert), "ESSPASS_FETCH_LOOPBACK": "true",  # nginx is on 127.0.0.1
              "ESSPASS_TRUSTED_PROXIES": "127.0.0.1", **softhsm.env()}
    inst = world.institution
    issuer_env = {**common, "ESSPASS_HOME": str(root / "issuer-home"), "ESSPASS_ISSUER_URL": urls["issuer"],
                  "ESSPASS_ISSUER_CREDENTIAL_KEY": softhsm.uri("credential-signing"),
                  "ESSPASS_ISSUER_CREDENTIAL_CHAIN": str(inst / "hsm-credential-chain.pem"),
                  "ESSPASS_ISSUER_STATUS_KEY": softhsm.uri("status-signing"),
                  "ESSPASS_ISSUER_STATUS_CHAIN": str(inst / "hsm-status-chain.pem"),
                  "ESSPASS_INSTITUTION_ID": "DK:UDK", "ESSPASS_ISSUER_TRUST_ANCHORS": str(world.anchors),
                  "ESSPASS_ISSUER_TRUST_LIST": f"{urls['lists']}/pub-eaa.jwt", "ESSPASS_STATUS_LIST_TTL": "1"}
    verifier_env = {**common, "ESSPASS_HOME": str(root / "verifier-home"), "ESSPASS_VERIFIER_URL": urls["verifier"],
                    "ESSPASS_VERIFIER_TRUST_ANCHORS": str(world.anchors), "ESSPASS_VERIFIER_TRUST_LIST_URLS": list_urls,
                    "ESSPASS_VERIFIER_ACCESS_KEY": str(world.access / "access-key.pem"),
                    "ESSPASS_VERIFIER_ACCESS_CHAIN": str(world.access / "access-chain.pem"),
                    "ESSPASS_VERIFIER_REGISTRATION_CERT": str(world.access / "registration.jwt"),
                    "ESSPASS_VERIFIER_TRUST_LIST_REFRESH": "1"}
    wallet_env = {"ESSPASS_HOME": str(root / "wallet-home"), "ESSPASS_CA_BUNDLE": str(tls.ca_cert),
                  "ESSPASS_FETCH_LOOPBACK": "true", "ESSPASS_WALLET_TRUST_ANCHORS": str(world.anchors),
                  "ESSPASS_WALLET_TRUST_LIST_URLS": list_urls}
    with ExitStack() as stack:
        stack.enter_context(run_nginx(root / "nginx", site, [ports["issuer_tls"], ports["verifier_tls"],
                                                              ports["lists_tls"]]))
        issuer, issuer_lines = stack.enter_context(serving(issuer_env, "issuer", "serve", "--port",
                                                           str(ports["issuer"]), until="first-start secrets"))
        assert issuer.poll() is None, issuer_lines
        verifier, verifier_lines = stack.enter_context(serving(verifier_env, "verifier", "serve", "--port",
                                                               str(ports["verifier"]), until="console login"))
        assert verifier.poll() is None, verifier_lines
        _wait(f"{urls['issuer']}/healthz", tls.ca_cert)
        _wait(f"{urls['verifier']}/health", tls.ca_cert)
        token = (root / "issuer-home" / "issuer" / "api_token").read_text().strip()
        yield {"root": root, "world": world, "tls": tls, "urls": urls, "issuer_lines": issuer_lines,
               "verifier_lines": verifier_lines, "wallet_env": wallet_env, "verifier_env": verifier_env,
               "case_env": {"ESSPASS_ISSUER_URL": urls["issuer"], "ESSPASS_ISSUER_API_TOKEN": token,
                            "ESSPASS_CA_BUNDLE": str(tls.ca_cert), "ESSPASS_HOME": str(root / "case-system")}}


def esspass(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from esspass.cli import main; main()", *args],
                          env=subprocess_env(env), capture_output=True, text=True, timeout=180)


def _offer(d, document_number: str) -> dict:
    claims = {**sample_claims("pda1"), "document_number": document_number}
    path = d["root"] / f"{document_number}.json"
    path.write_text(json.dumps(claims))
    out = esspass(d["case_env"], "issuer", "offer", "--type", "pda1", "--claims", str(path))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _receive(d, offer: dict) -> subprocess.CompletedProcess:
    return esspass(d["wallet_env"], "wallet", "receive", offer["offer_uri"], "--tx-code", offer["tx_code"],
                   "--store", str(d["root"] / "wallet"), "--pin", WALLET_PIN, "--json")


def _check(d) -> tuple[int, dict]:
    """The verifier asks (a1-inspection), the wallet presents, the verifier decides. Returns (exit code of
    ``esspass verifier result``, the decision with ``failed`` codes); when the verifier refused the response
    (issue 14 finding 1: no key-bound presentation, no verdict), (-1, the transaction with its ``attempts``)."""
    venv = {**d["verifier_env"], "ESSPASS_HOME": str(d["root"] / "inspector")}
    out = esspass(venv, "verifier", "request", "--preset", "a1-inspection")
    assert out.returncode == 0, out.stderr
    req = json.loads(out.stdout)
    request_uri = parse_qs(urlsplit(req["request_uri"]).query)["request_uri"][0]
    assert request_uri.startswith(f"{d['urls']['verifier']}/openid4vp/request/")  # under the public URL
    shown = esspass(d["wallet_env"], "wallet", "present", req["request_uri"], "--store", str(d["root"] / "wallet"),
                    "--pin", WALLET_PIN, "--yes", "--json")
    if shown.returncode != 0:
        assert json.loads(shown.stdout)["reason"] == "wallet.verifier_refused", shown.stdout
        view = httpx.get(f"{d['urls']['verifier']}/openid4vp/transactions/{req['transaction']}",
                         headers={"Authorization": f"Bearer {req['result_token']}"},
                         verify=ssl.create_default_context(cafile=str(d["tls"].ca_cert)))
        return -1, view.json()
    result = esspass(venv, "verifier", "result", req["transaction"], "--json")
    assert result.stdout.strip(), f"exit {result.returncode}: {result.stderr}"
    decision = json.loads(result.stdout)
    decision["failed"] = [c["code"] for c in decision.get("checks", []) if c["result"] != "pass"]
    return result.returncode, decision


def test_configured_services_start_behind_nginx(deployment):
    issuer = "\n".join(deployment["issuer_lines"])
    assert "esspass issuer: mode: configured, signing as Udbetaling Danmark (DK:UDK) with credential key " \
           "pkcs11:token=esspass;object=credential-signing" in issuer
    assert f"listed on {deployment['urls']['lists']}/pub-eaa.jwt (checked)" in issuer
    assert f"esspass issuer: public URL {deployment['urls']['issuer']}" in issuer
    assert "WARNING" not in issuer  # a proxy is configured
    verifier = "\n".join(deployment["verifier_lines"])
    assert "esspass verifier: mode: configured, client_id x509_hash:" in verifier
    for line in deployment["issuer_lines"] + deployment["verifier_lines"]:
        print(line)


def test_https_only_with_the_right_ca_hsts_http2_and_body_limits(deployment):
    urls, ca = deployment["urls"], str(deployment["tls"].ca_cert)
    r = httpx.get(f"{urls['issuer']}/.well-known/openid-credential-issuer", verify=ssl.create_default_context(cafile=ca))
    assert r.status_code == 200 and r.json()["credential_issuer"] == urls["issuer"]
    assert r.json()["credential_endpoint"] == f"{urls['issuer']}/credential"
    # one HSTS header, nginx's (RFC 6797 §8.1: a browser heeds only the first)
    assert r.headers.get_list("strict-transport-security") == ["max-age=63072000; includeSubDomains"]
    assert r.headers.get_list("x-content-type-options") == ["nosniff"]
    with pytest.raises(httpx.ConnectError):  # the system store does not know the test CA
        httpx.get(f"{urls['issuer']}/healthz")
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols(["h2", "http/1.1"])
    port = int(urls["verifier"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls_socket:
        assert tls_socket.selected_alpn_protocol() == "h2"
        assert tls_socket.version() in ("TLSv1.2", "TLSv1.3")
    big = httpx.post(f"{urls['verifier']}/openid4vp/response", content=b"x" * (200 * 1024),
                     verify=ssl.create_default_context(cafile=ca))
    assert big.status_code == 413  # nginx: client_max_body_size
    lists = httpx.get(f"{urls['lists']}/pub-eaa.jwt", verify=ssl.create_default_context(cafile=ca))
    assert lists.status_code == 200 and lists.headers["content-type"] == "application/jwt" and "etag" in lists.headers
    # a wallet that does not know the test CA cannot reach the issuer (TLS verification fails) ...
    offer = f"openid-credential-offer://?credential_offer_uri={urls['issuer']}/credential-offer/unknown"
    env = {k: v for k, v in deployment["wallet_env"].items() if k != "ESSPASS_CA_BUNDLE"}
    out = esspass(env, "wallet", "receive", offer, "--store", str(deployment["root"] / "w0"), "--pin", WALLET_PIN,
                  "--json")
    assert (out.returncode, json.loads(out.stdout)["reason"]) == (1, "wallet.network"), out.stdout
    # ... with it, the same request reaches the issuer (which knows no such offer)
    out = esspass(deployment["wallet_env"], "wallet", "receive", offer, "--store", str(deployment["root"] / "w0"),
                  "--pin", WALLET_PIN, "--json")
    assert (out.returncode, json.loads(out.stdout)["reason"]) == (1, "wallet.offer_invalid"), out.stdout


def test_plain_http_is_refused_when_configured(deployment):
    offer = "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcredential-offer%2Fx"
    env = {k: v for k, v in deployment["wallet_env"].items() if k != "ESSPASS_FETCH_LOOPBACK"}
    out = esspass(env, "wallet", "receive", offer, "--store", str(deployment["root"] / "w1"), "--pin", WALLET_PIN,
                  "--json")
    # refused before any connection: the URL breaks the configured wallet's policy
    assert (out.returncode, json.loads(out.stdout)["reason"]) == (1, "wallet.offer_invalid"), out.stdout
    # the one-machine escape hatch lets it try (and find nothing listening on port 9)
    out = esspass(deployment["wallet_env"], "wallet", "receive", offer, "--store", str(deployment["root"] / "w1"),
                  "--pin", WALLET_PIN, "--json")
    assert (out.returncode, json.loads(out.stdout)["reason"]) == (1, "wallet.network"), out.stdout


def test_real_deployment_journey(deployment):
    d = deployment
    first = _offer(d, "A1-DK-2026-900001")
    got = _receive(d, first)
    assert got.returncode == 0, got.stdout + got.stderr
    code, decision = _check(d)
    assert (code, decision["result"]) == (0, "PASSED"), decision
    # revoke through the case API of the deployed issuer (API token, https)
    out = esspass(d["case_env"], "issuer", "revoke", "--document-number", "A1-DK-2026-900001")
    assert out.returncode == 0, out.stderr
    time.sleep(1.2)  # ESSPASS_STATUS_LIST_TTL=1: the verifier's cached token is out of date
    code, decision = _check(d)
    assert code == 1 and decision["result"] == "FAILED" and "status.invalid" in decision["failed"], decision
    # the operator withdraws the institution and publishes the list (nginx serves it at once)
    world = d["world"]
    trust_list("withdraw", "--home", world.operator, "--list", "pub-eaa", "--entity", INSTITUTION)
    trust_list("sign", "--home", world.operator, "--list", "pub-eaa", "--valid-days", 30)
    time.sleep(1.2)  # ESSPASS_VERIFIER_TRUST_LIST_REFRESH=1
    code, view = _check(d)
    # the verifier sees the withdrawal at once; a presentation whose issuer is not trusted decides nothing (the
    # key binding is not reached), so it is refused and recorded as an attempt
    assert code == -1 and view["status"] == "pending", view
    assert [a["code"] for a in view["attempts"]] == ["issuer.withdrawn"], view
    second = _offer(d, "A1-DK-2026-900002")
    refused = _receive(d, second)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["reason"] == "issuer.withdrawn_at_signing"
