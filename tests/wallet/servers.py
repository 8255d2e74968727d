"""Real issuer and verifier services on loopback (uvicorn in threads, random free ports) for wallet tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port, skip_or_fail  # noqa: F401 - re-exported to this package's tests




class ServerThread:
    def __init__(self, app, port: int) -> None:
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "ServerThread":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Services:
    home: Path
    issuer: object  # issuer.service.IssuerService
    issuer_url: str
    verifier: object  # verifier.service.VerifierService
    verifier_url: str

    @property
    def trust_dir(self) -> Path:
        return self.home / "ecosystem"

    def offer(self, type_key: str = "ehic", *, tx_code: bool = True, by_value: bool = False):
        from credential.types import sample_claims

        claims = sample_claims(type_key)
        claims["document_number"] = claims["document_number"][:-6] + f"{int(time.time() * 1000) % 999999:06d}"
        view = self.issuer.create_case(type_key, claims, "wallet-test", with_tx_code=tx_code)
        return (view.offer_uri_by_value if by_value else view.offer_uri), view.tx_code, view

    def request(self, preset: str = "ehic-care") -> tuple[str, str]:
        t, url = self.verifier.create_transaction(preset)
        return url, t.id


def start_services(home: Path):
    """Start both services on loopback; returns (Services, stop)."""
    try:
        from issuer.api import create_app as issuer_app
        from issuer.service import IssuerService
        from issuer.settings import Settings
        from verifier.api import create_app as verifier_app
        from verifier.service import VerifierService
        from verifier.settings import VerifierSettings
    except ImportError as exc:  # the services are written concurrently
        skip_or_fail(f"issuer or verifier service not importable: {exc}")
    ip, vp = free_port(), free_port()
    isettings = Settings(home=home, issuer_url=f"http://127.0.0.1:{ip}", status_list_size=10_000)
    isvc = IssuerService(isettings)
    vsettings = VerifierSettings(home=home, verifier_url=f"http://127.0.0.1:{vp}")
    vsvc = VerifierService(vsettings)
    threads = [ServerThread(issuer_app(isettings, isvc), ip).start(),
               ServerThread(verifier_app(vsettings, service=vsvc), vp).start()]

    def stop() -> None:
        for t in threads:
            t.stop()
        isvc.close()

    return Services(home, isvc, f"http://127.0.0.1:{ip}", vsvc, f"http://127.0.0.1:{vp}"), stop


ONLINE_PIN = "246810"


def new_online_wallet(tmp_path: Path):
    """A fresh wallet (cheap scrypt for tests) for the loopback-service tests."""
    from wallet.core import Wallet
    from wallet.storage import KdfParams

    w = Wallet(tmp_path / "wallet", kdf=KdfParams(n=2**10))
    w.create(ONLINE_PIN)
    return w
