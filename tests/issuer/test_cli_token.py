"""Which API token ``esspass issuer offer|revoke|...`` sends where: the local token never leaves for
another issuer; ``ESSPASS_ISSUER_API_TOKEN`` wins when set. Checked against a capture server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from credential.types import sample_claims
from issuer.cli import app

LOCAL_TOKEN = "local-token-from-the-home"


class Capture:
    """An HTTP server on loopback that records every request's path and Authorization header."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                seen.append((self.path, self.headers.get("Authorization")))
                if self.path == "/api/v1/cases":
                    status, body = 201, {"offer_uri": "openid-credential-offer://?x=1", "tx_code": None}
                else:
                    status, body = 200, {"status": "INVALID"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def capture():
    with Capture() as c:
        yield c


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    (h / "issuer").mkdir(parents=True)
    (h / "issuer" / "api_token").write_text(LOCAL_TOKEN + "\n", "ascii")
    return h


@pytest.fixture
def claims(tmp_path):
    p = tmp_path / "claims.json"
    p.write_text(json.dumps(sample_claims("pda1")), "utf-8")
    return p


def run(home, configured_url: str, *args: str, env_token: str | None = None):
    env = {"ESSPASS_HOME": str(home), "ESSPASS_ISSUER_URL": configured_url,
           "ESSPASS_ISSUER_API_TOKEN": env_token}  # None removes the variable for the run
    return CliRunner().invoke(app, list(args), env=env)


def test_local_token_is_not_sent_to_another_issuer(home, claims, capture):
    for args in (["offer", "--type", "pda1", "--claims", str(claims), "--url", capture.url],
                 ["revoke", "--document-number", "A1-1", "--url", capture.url]):
        r = run(home, "http://127.0.0.1:8441", *args)
        assert r.exit_code == 2, r.output
        assert "ESSPASS_ISSUER_API_TOKEN" in r.output
    assert capture.seen == []  # not even a request without the token


def test_env_token_is_sent_to_another_issuer(home, claims, capture):
    r = run(home, "http://127.0.0.1:8441", "offer", "--type", "pda1", "--claims", str(claims),
            "--url", capture.url, env_token="case-system-token")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"offer_uri": "openid-credential-offer://?x=1", "tx_code": None}
    r = run(home, "http://127.0.0.1:8441", "suspend", "--document-number", "A1-1", "--url", capture.url,
            env_token="case-system-token")
    assert r.exit_code == 0, r.output
    assert capture.seen == [("/api/v1/cases", "Bearer case-system-token"),
                            ("/api/v1/documents/A1-1/suspend", "Bearer case-system-token")]


def test_local_issuer_uses_the_token_file_unless_the_env_token_is_set(home, claims, capture):
    # no --url, and --url equal to the configured ESSPASS_ISSUER_URL (spelled a little differently)
    assert run(home, capture.url, "offer", "--type", "pda1", "--claims", str(claims)).exit_code == 0
    assert run(home, capture.url, "revoke", "--document-number", "A1-1", "--url", capture.url + "/").exit_code == 0
    assert run(home, capture.url + "/", "reinstate", "--document-number", "A1-1",
               "--url", capture.url.replace("http://", "HTTP://")).exit_code == 0
    # ESSPASS_ISSUER_API_TOKEN wins, for the local issuer too
    assert run(home, capture.url, "offer", "--type", "pda1", "--claims", str(claims),
               env_token="env-token").exit_code == 0
    assert [auth for _, auth in capture.seen] == [f"Bearer {LOCAL_TOKEN}"] * 3 + ["Bearer env-token"]


def test_no_token_at_all_is_a_clear_error(tmp_path, claims, capture):
    r = run(tmp_path / "empty-home", capture.url, "offer", "--type", "pda1", "--claims", str(claims))
    assert r.exit_code == 2 and "ESSPASS_ISSUER_API_TOKEN" in r.output
    assert capture.seen == []
