"""Issuer test fixtures: a real uvicorn server on loopback per test, on SQLite and (when
ESSPASS_TEST_POSTGRES_URL is set) PostgreSQL. ESSPASS_REQUIRE_ALL=1 turns skips into failures."""

from __future__ import annotations

import os
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from issuer.api import create_app
from issuer.service import IssuerService
from issuer.settings import Settings
from tests.support import free_port, skip_or_fail  # noqa: F401 - re-exported to this package's tests




@dataclass
class Running:
    url: str
    service: IssuerService
    settings: Settings
    home: Path

    @property
    def api_token(self) -> str:
        return self.service.api_token

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {self.api_token}"})


class ServerThread:
    def __init__(self, app, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def _admin(sql: str) -> None:
    import sqlalchemy as sa

    from issuer.store import make_engine

    admin = make_engine(os.environ["ESSPASS_TEST_POSTGRES_URL"])
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text(sql))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """None (SQLite under the test's home) or a fresh PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    url = os.environ.get("ESSPASS_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("ESSPASS_TEST_POSTGRES_URL is not set")
    name = f"esspass_issuer_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    yield f"{base}/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server(tmp_path, db_url):
    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", database_url=db_url,
                        status_list_size=10_000)
    service = IssuerService(settings)
    app = create_app(settings, service)
    with ServerThread(app, port):
        yield Running(f"http://127.0.0.1:{port}", service, settings, tmp_path / "home")
    service.close()


@contextmanager
def upstream_issuer(home: Path, **extra):
    """An issuer on loopback whose citizens log in at a real OpenID Connect provider (oidc-provider
    on Node, tests/interop), DPoP nonces required; yields :class:`Running`."""
    import secrets

    from tests.interop.oidc_provider import oidc_provider

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secret = secrets.token_urlsafe(24)
    with oidc_provider("esspass-issuer", secret, f"{url}/authorize/callback") as upstream:
        settings = Settings(home=home, issuer_url=url, status_list_size=10_000, oidc_issuer=upstream,
                            oidc_client_id="esspass-issuer", oidc_client_secret=secret, oidc_scope="openid pnr",
                            oidc_personal_number_claim="personal_number", oidc_allow_http=True,
                            dpop_require_nonce=True, **extra)
        service = IssuerService(settings)
        try:
            with ServerThread(create_app(settings, service), port):
                yield Running(url, service, settings, home)
        finally:
            service.close()
