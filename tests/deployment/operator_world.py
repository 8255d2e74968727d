"""A trust ecosystem made the way a real one is: with the ``esspass trust-list`` operator commands, never with
``trust_list.demo``. An institution, a relying party (access certificate + registration certificate) and the three
signed lists, as files under one directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from trust_list.cli import app as trust_list_app

INSTITUTION = "Udbetaling Danmark"
VCTS = ("urn:eudi:pda1:1", "urn:eudi:ehic:1")
_runner = CliRunner()


def trust_list(*args: object) -> str:
    result = _runner.invoke(trust_list_app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.stdout, result.stderr if result.stderr_bytes else "")
    return result.stdout


@dataclass
class World:
    root: Path
    now: int

    @property
    def operator(self) -> Path:
        return self.root / "operator"

    @property
    def anchors(self) -> Path:
        return self.operator / "operator-cert.pem"

    @property
    def institution(self) -> Path:
        return self.root / "institution"

    @property
    def access(self) -> Path:
        return self.root / "verifier"

    def signed(self, short: str) -> Path:
        return Path(trust_list("sign", "--home", self.operator, "--list", short, "--valid-days", 30,
                               "--at", self.now).strip())

    def sign_all(self) -> dict[str, Path]:
        return {short: self.signed(short) for short in ("pub-eaa", "wrpac", "wrprc")}


def build_world(root: Path, now: int, *, certify: Callable[[Path], Path] | None = None) -> World:
    """Operator + institution (+ its services) + access CA, relying party, registrar; lists signed.
    ``certify(institution_dir)``: issues a credential-signing certificate under the institution's CA (e.g. for a
    key in a token) and returns the chain file to list instead of the institution's PEM one."""
    w = World(root, now)
    trust_list("init", "--home", w.operator, "--name", "ESSPASS Test Scheme", "--at", now - 3600)
    trust_list("cert", "institution", "--home", w.institution, "--name", INSTITUTION, "--country", "DK",
               "--at", now - 3600)
    credential_cert = certify(w.institution) if certify is not None else None
    trust_list("add-entity", "--home", w.operator, "--list", "pub-eaa", "--name", INSTITUTION, "--country", "DK",
               "--uri", "https://udbetaling.example")
    trust_list("add-service", "--home", w.operator, "--list", "pub-eaa", "--entity", INSTITUTION,
               "--name", "UDK issuance", "--type", "issuance",
               "--cert", credential_cert or (w.institution / "credential-chain.pem"),
               *[a for v in VCTS for a in ("--vct", v)], "--at", now - 3600)
    trust_list("add-service", "--home", w.operator, "--list", "pub-eaa", "--entity", INSTITUTION,
               "--name", "UDK revocation", "--type", "revocation", "--cert", w.institution / "status-ca-cert.pem",
               "--at", now - 3600)
    trust_list("cert", "access-ca", "--home", root / "access-ca", "--name", "Test Access CA", "--country", "EU",
               "--at", now - 3600)
    trust_list("cert", "access", "--ca-dir", root / "access-ca", "--home", w.access, "--dns", "verifier.example",
               "--org-id", "NTRDK-10000009", "--name", "Test Inspectorate", "--country", "DK", "--at", now - 3600)
    trust_list("cert", "registrar", "--home", root / "registrar", "--name", "Test Registrar", "--country", "EU",
               "--at", now - 3600)
    trust_list("cert", "registration", "--registrar-dir", root / "registrar", "--access-cert",
               w.access / "access-cert.pem", "--name", "Test Inspectorate", "--purpose", "Inspection",
               "--preset", "a1-inspection", "--preset", "a1-coverage", "--preset", "ehic-care",
               "--out", w.access / "registration.jwt", "--at", now - 3600)
    trust_list("add-entity", "--home", w.operator, "--list", "wrpac", "--name", "Test Access CA", "--country", "EU",
               "--uri", "https://access.example")
    trust_list("add-service", "--home", w.operator, "--list", "wrpac", "--entity", "Test Access CA",
               "--name", "Access certificates", "--type", "issuance", "--cert", root / "access-ca" / "ca-cert.pem",
               "--at", now - 3600)
    trust_list("add-entity", "--home", w.operator, "--list", "wrprc", "--name", "Test Registrar", "--country", "EU",
               "--uri", "https://registrar.example")
    trust_list("add-service", "--home", w.operator, "--list", "wrprc", "--entity", "Test Registrar",
               "--name", "Registration certificates", "--type", "issuance",
               "--cert", root / "registrar" / "registrar-cert.pem", "--at", now - 3600)
    w.sign_all()
    return w
