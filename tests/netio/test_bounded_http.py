"""The bounded HTTP client against real servers on 127.0.0.1 (no mocks): size, time, redirects, URL and address
policy, TLS with a CA bundle."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings, strategies as st

import netio
from netio import Limits, UrlPolicy
from tests.hostile_http import HostileServer

DEMO = UrlPolicy(allow_loopback=True)


@pytest.fixture(scope="module")
def server():
    with HostileServer(trickle_s=0.3, big=3 * 1024 * 1024) as s:
        yield s


@pytest.fixture()
def client():
    with netio.new_client(DEMO) as c:
        yield c


def test_small_body_and_headers(server, client):
    got = netio.get(client, f"{server.url}/ok", policy=DEMO)
    assert got.status_code == 200 and got.content == b"hello" and got.headers["etag"] == '"v1"'


def test_size_cap_declared_and_while_streaming(server, client):
    with pytest.raises(netio.TooLarge, match="declared"):
        netio.get(client, f"{server.url}/big", policy=DEMO, limits=Limits(max_bytes=1000))
    with pytest.raises(netio.TooLarge, match="more than 1000"):
        netio.get(client, f"{server.url}/big-undeclared", policy=DEMO, limits=Limits(max_bytes=1000))


def test_trickling_server_stopped_at_the_overall_deadline(server, client):
    """Each byte arrives well within the read timeout; only the overall deadline can stop it."""
    start = time.monotonic()
    with pytest.raises(netio.TimedOut):
        netio.get(client, f"{server.url}/trickle", policy=DEMO,
                  limits=Limits(read_timeout=5, total_timeout=1.2))
    assert time.monotonic() - start < 1.2 + 0.5
    # a deadline handed in by the caller cuts it shorter still
    start = time.monotonic()
    with pytest.raises(netio.TimedOut):
        netio.get(client, f"{server.url}/trickle", policy=DEMO, limits=Limits(read_timeout=5, total_timeout=30),
                  deadline=time.monotonic() + 0.7)
    assert time.monotonic() - start < 0.7 + 0.5


def test_redirects_same_origin_only_and_bounded(server, client):
    got = netio.get(client, f"{server.url}/redirect-same", policy=DEMO, limits=Limits(max_redirects=2))
    assert got.content == b"hello" and got.url.endswith("/ok")
    with pytest.raises(netio.RedirectRefused, match="not followed"):
        netio.get(client, f"{server.url}/redirect-same", policy=DEMO, limits=Limits(max_redirects=0))
    hits = server.hits["/ok"]
    with pytest.raises(netio.RedirectRefused, match="another origin"):
        netio.get(client, f"{server.url}/redirect-other", policy=DEMO, limits=Limits(max_redirects=3))
    assert server.hits["/ok"] == hits  # never followed
    with pytest.raises(netio.RedirectRefused, match="more than 2"):
        netio.get(client, f"{server.url}/loop", policy=DEMO, limits=Limits(max_redirects=2))


def test_loopback_refused_unless_allowed(server):
    strict = UrlPolicy()
    with pytest.raises(netio.UrlRefused):
        netio.check_url(f"{server.url}/ok", strict)  # http, loopback
    with pytest.raises(netio.AddressRefused):
        netio.check_url(f"https://127.0.0.1:{server.port}/ok", strict)
    with pytest.raises(netio.AddressRefused):
        netio.check_url("https://localhost/ok", strict)
    # the transport checks the addresses a name resolves to, at connect time, whatever the URL check said
    with netio.new_client(strict) as c, pytest.raises(netio.AddressRefused, match="resolves only"):
        netio.get(c, f"http://localhost:{server.port}/ok", policy=DEMO)
    for other_spelling in ("2130706433", "127.1", "0x7f.0.0.1", "017700000001"):  # 127.0.0.1 in disguise
        with pytest.raises(netio.UrlRefused):
            netio.check_url(f"https://{other_spelling}/ok", strict)
    # allowing private addresses does not allow loopback or plain http
    with pytest.raises(netio.UrlRefused):
        netio.check_url("http://10.0.0.1/x", UrlPolicy(allow_private=True))
    assert netio.check_url("https://10.0.0.1/x", UrlPolicy(allow_private=True)).host == "10.0.0.1"


def test_connection_refused_is_typed():
    from tests.support import free_port

    with netio.new_client(DEMO) as c, pytest.raises(netio.TransportFailed):
        netio.get(c, f"http://127.0.0.1:{free_port()}/x", policy=DEMO)


def _tls_material(tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return tmp_path / "ca.pem", server_ctx


def test_tls_verified_against_system_store_or_ca_bundle(tmp_path):
    ca_file, server_ctx = _tls_material(tmp_path)
    with HostileServer(tls=server_ctx) as server:
        url = f"https://127.0.0.1:{server.port}/ok"
        with netio.new_client(DEMO) as system, pytest.raises(netio.TransportFailed, match="CERTIFICATE_VERIFY"):
            netio.get(system, url, policy=DEMO)  # our test CA is not in the system store
        with netio.new_client(DEMO, ca_bundle=ca_file) as pinned:
            assert netio.get(pinned, url, policy=DEMO).content == b"hello"
            assert netio.get(pinned, f"https://localhost:{server.port}/ok", policy=DEMO).content == b"hello"


def test_a_callers_own_client_keeps_url_size_and_redirect_bounds():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/elsewhere":
            return httpx.Response(302, headers={"Location": "https://other.example/x"})
        return httpx.Response(200, content=b"y" * 5000)

    with httpx.Client(transport=httpx.MockTransport(handler)) as c:
        with pytest.raises(netio.TooLarge):
            netio.get(c, "https://rp.example/big", limits=Limits(max_bytes=100))
        with pytest.raises(netio.RedirectRefused):
            netio.get(c, "https://rp.example/elsewhere", limits=Limits(max_redirects=3))
        with pytest.raises(netio.UrlRefused):
            netio.get(c, "http://rp.example/plain")


# ---------------------------------------------------------------- URL policy parsing (property tests)

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){1,3}", fullmatch=True).filter(
    lambda h: not h.startswith("localhost"))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_check_url_never_crashes(text):
    try:
        target = netio.check_url(text, DEMO)
    except netio.UrlRefused:
        return
    assert target.scheme in ("http", "https") and target.host
    if target.scheme == "http":
        assert netio.address_kind("127.0.0.1") == "loopback" and (
            target.host in ("localhost", "localhost.") or netio.address_kind(target.host) == "loopback")


@settings(max_examples=200, deadline=None)
@given(hosts, st.one_of(st.none(), st.integers(1, 65535)), st.from_regex(r"(/[a-zA-Z0-9._~-]{0,8}){0,4}",
                                                                        fullmatch=True))
def test_https_public_names_accepted_and_http_refused(host, port, path):
    netloc = host if port is None else f"{host}:{port}"
    target = netio.check_url(f"https://{netloc}{path}")
    assert (target.host, target.port) == (host, port or 443)
    with pytest.raises(netio.UrlRefused):
        netio.check_url(f"http://{netloc}{path}")
    with pytest.raises(netio.UrlRefused):
        netio.check_url(f"https://user@{netloc}{path}")
    with pytest.raises(netio.UrlRefused):  # parser differential: urllib and httpx would disagree on the host
        netio.check_url(f"https://{host}\\@evil.example{path}")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_literals_follow_the_address_policy(ip):
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    kind = netio.address_kind(str(ip))
    try:
        netio.check_url(f"https://{host}/x")
        assert kind == "public"
    except netio.AddressRefused:
        assert kind != "public"
    except netio.UrlRefused:
        assert ip.version == 6  # zone ids and the like
