"""Real nginx on 127.0.0.1 for the tests: a test CA (made with ``cryptography``), the documented site
(``docs/nginx/esspass-site.conf``) with its placeholders filled in, a temp prefix, free ports."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support import skip_or_fail

SITE = Path(__file__).resolve().parents[2] / "docs" / "nginx" / "esspass-site.conf"


@dataclass(frozen=True)
class TestCa:
    ca_cert: Path  # what clients trust (ESSPASS_CA_BUNDLE)
    server_cert: Path  # 127.0.0.1 / localhost, issued by the CA
    server_key: Path


def make_test_ca(directory: Path) -> TestCa:
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ESSPASS test TLS CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                          x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    out = TestCa(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    out.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    out.server_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    out.server_key.chmod(0o600)
    return out


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                           if Path(p).is_file()), None)
    if found is None:
        skip_or_fail("nginx is not installed (apt install nginx)")
    return found


def render_site(values: dict[str, str]) -> str:
    text = SITE.read_text("utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    assert "@" not in "".join(l.split("#")[0] for l in text.splitlines()), "a placeholder was left in the site"
    return text


def _accepting(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def run_nginx(prefix: Path, site: str, ports: list[int]) -> Iterator[Path]:
    """nginx in the foreground with ``site`` in its http block, until the block ends; yields the error log."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "esspass-site.conf").write_text(site)
    temp = {name: prefix / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = prefix / "nginx.conf"
    # started as root, nginx's workers would switch to "nobody", who cannot read the test's temp files
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(f"""daemon off;
{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {prefix / 'esspass-site.conf'};
}}
""")
    proc = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not all(_accepting(p) for p in ports):
            if proc.poll() is not None:
                raise AssertionError(f"nginx did not start: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                raise AssertionError("nginx did not open its ports")
            time.sleep(0.05)
        yield prefix / "error.log"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
