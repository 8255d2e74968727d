"""``esspass trust-list cert ...``: keys and certificates for the participants (see :mod:`trust_list.participants`).

    esspass trust-list cert institution --home kela --name "Kela" --country FI
    esspass trust-list cert wallet-provider --home wp --name "ESSPASS Wallet Provider" --country EU
    esspass trust-list cert access-ca --home access-ca --name "ESSPASS Access CA" --country EU
    esspass trust-list cert access --ca-dir access-ca --home at --dns inspector.at.dk \
        --org-id NTRDK-10000001 --name "Arbejdstilsynet" --country DK
    esspass trust-list cert registrar --home registrar --name "ESSPASS Registrar" --country EU
    esspass trust-list cert registration --registrar-dir registrar --access-cert at/access-cert.pem \
        --name "Arbejdstilsynet" --purpose "Inspection of posted workers' social security coverage" \
        --preset a1-inspection --out at/registration.jwt

Private keys are written with mode 0600; when ``ESSPASS_KEY_PASSPHRASE`` is set they are encrypted
with it, and the CA / registrar keys read by ``access`` and ``registration`` are decrypted with it.
A file that already exists is never overwritten (exit 2). Bad usage exits 2.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import List, Optional

import typer

from . import certificates
from .participants import (
    ParticipantError,
    make_access,
    make_access_ca,
    make_institution,
    make_registrar,
    make_registration,
    make_wallet_provider,
)
from .relying_party import expected_sub

KEY_PASSPHRASE_ENV = "ESSPASS_KEY_PASSPHRASE"

app = typer.Typer(help="Keys and certificates for institutions, access CAs, relying parties and registrars.",
                  no_args_is_help=True)


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _passphrase() -> bytes | None:
    value = os.environ.get(KEY_PASSPHRASE_ENV)
    return value.encode() if value else None


def _now(at: Optional[int]) -> int:
    return int(time.time()) if at is None else at


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ParticipantError as exc:
        _usage(str(exc))
    except (OSError, ValueError, TypeError) as exc:  # unreadable CA files, wrong passphrase
        _usage(f"{type(exc).__name__}: {exc}")


_LANG = re.compile(r"^([a-z]{2,3}(?:-[A-Za-z0-9]{1,8})?):(?!//)(.+)$", re.S)


def _multilanguage(values: List[str]) -> list[dict[str, str]]:
    """``TEXT`` is English; ``LANG:TEXT`` (e.g. ``da:Kontrol af ...``) is in that language."""
    out = []
    for value in values:
        m = _LANG.match(value)
        lang, text = (m.group(1), m.group(2).strip()) if m else ("en", value.strip())
        if not text:
            _usage("empty --name or --purpose")
        out.append({"lang": lang, "value": text})
    return out


@app.command()
def institution(
    home: Path = typer.Option(..., "--home", help="directory for the institution's keys and certificates"),
    name: str = typer.Option(..., "--name", help="the institution (certificate O)"),
    country: str = typer.Option(..., "--country", help="two-letter country code"),
    years: int = typer.Option(3, "--valid-years", help="validity of the two signing certificates"),
    ca_years: int = typer.Option(10, "--ca-years", help="validity of the two CAs"),
    at: Optional[int] = typer.Option(None, "--at", help="'now' as Unix time (default: the clock)"),
) -> None:
    """Credential CA + credential-signing certificate, status CA + status-signing certificate."""
    made = _run(make_institution, home, name, country, _now(at), passphrase=_passphrase(),
                ca_years=ca_years, years=years)
    typer.echo(f"list in the Issuance service:   {made['credential-ca'].cert_path}")
    typer.echo(f"list in the Revocation service: {made['status-ca'].cert_path}")
    typer.echo(f"credential signing: {made['credential'].key_path}, chain {home / 'credential-chain.pem'}")
    typer.echo(f"status list signing: {made['status'].key_path}, chain {home / 'status-chain.pem'}")


@app.command("wallet-provider")
def wallet_provider(
    home: Path = typer.Option(..., "--home", help="directory for the wallet provider's keys and certificates"),
    name: str = typer.Option(..., "--name", help="the wallet provider (certificate O)"),
    country: str = typer.Option(..., "--country", help="two-letter country code"),
    years: int = typer.Option(3, "--valid-years", help="validity of the attestation-signing certificate"),
    ca_years: int = typer.Option(10, "--ca-years", help="validity of the CA"),
    at: Optional[int] = typer.Option(None, "--at", help="'now' as Unix time (default: the clock)"),
) -> None:
    """Wallet provider CA + the certificate that signs wallet and key attestations."""
    made = _run(make_wallet_provider, home, name, country, _now(at), passphrase=_passphrase(),
                ca_years=ca_years, years=years)
    typer.echo(f"list in the Wallet Providers list: {made['wallet-provider-ca'].cert_path}")
    typer.echo(f"attestation signing: {made['attestation'].key_path}, chain {home / 'attestation-chain.pem'}")


@app.command("access-ca")
def access_ca(
    home: Path = typer.Option(..., "--home"),
    name: str = typer.Option(..., "--name"),
    country: str = typer.Option("EU", "--country"),
    years: int = typer.Option(10, "--valid-years"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """A relying-party access CA (list its ca-cert.pem in the WRPAC list)."""
    made = _run(make_access_ca, home, name, country, _now(at), passphrase=_passphrase(), years=years)
    typer.echo(f"list in the WRPAC list: {made.cert_path}")


@app.command()
def access(
    ca_dir: Path = typer.Option(..., "--ca-dir", help="the access CA's directory (cert access-ca)"),
    home: Path = typer.Option(..., "--home", help="directory for the relying party's key and certificate"),
    dns: str = typer.Option(..., "--dns", help="dNSName of the relying party"),
    org_id: Optional[str] = typer.Option(None, "--org-id", help="organizationIdentifier, e.g. NTRDK-10000001"),
    name: str = typer.Option(..., "--name", help="the relying party (certificate O)"),
    country: str = typer.Option(..., "--country"),
    years: int = typer.Option(3, "--valid-years"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """A relying party's access certificate (§5), issued by the access CA."""
    made = _run(make_access, home, ca_dir, dns_name=dns, organization=name, country=country,
                organization_identifier=org_id, now=_now(at), passphrase=_passphrase(),
                ca_passphrase=_passphrase(), years=years)
    typer.echo(f"access certificate: {made.cert_path}, chain {home / 'access-chain.pem'}")
    typer.echo(f"client_id: x509_san_dns:{dns} (or x509_hash of {made.cert_path.name})")


@app.command()
def registrar(
    home: Path = typer.Option(..., "--home"),
    name: str = typer.Option(..., "--name"),
    country: str = typer.Option("EU", "--country"),
    years: int = typer.Option(5, "--valid-years"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """A registrar whose key signs registration certificates (list registrar-cert.pem in the WRPRC list)."""
    made = _run(make_registrar, home, name, country, _now(at), passphrase=_passphrase(), years=years)
    typer.echo(f"list in the WRPRC list: {made.cert_path}")


@app.command()
def registration(
    registrar_dir: Path = typer.Option(..., "--registrar-dir"),
    out: Path = typer.Option(..., "--out", help="where to write the rc-wrp+jwt"),
    sub: Optional[str] = typer.Option(None, "--sub", help="relying party id (default: from --access-cert)"),
    access_cert: Optional[Path] = typer.Option(
        None, "--access-cert", help="access certificate: sub = its organizationIdentifier, else dNSName"),
    name: List[str] = typer.Option(..., "--name", help="relying party name; 'da:...' for another language"),
    purpose: List[str] = typer.Option(..., "--purpose", help="why it asks; 'da:...' for another language"),
    preset: List[str] = typer.Option(..., "--preset", help="registered claims: a1-inspection, a1-coverage or ehic-care"),
    valid_days: int = typer.Option(360, "--valid-days", help="exp = now + days (at most 12 months)"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """A registration certificate (rc-wrp+jwt, §5) with the presets' claims as `credentials`."""
    # the preset table lives with the demo ecosystem; imported here only, so that a configured service (which
    # mounts this command line) never imports trust_list.demo
    from .demo import PRESET_CLAIMS, registration_credentials

    unknown = [p for p in preset if p not in PRESET_CLAIMS]
    if unknown:
        _usage(f"unknown preset {unknown[0]!r} (use {', '.join(PRESET_CLAIMS)})")
    if access_cert is not None:
        try:
            cert = certificates.read_certificates(access_cert)[0]
        except (OSError, ValueError, IndexError) as exc:
            _usage(f"cannot read the access certificate: {exc}")
        derived = expected_sub(cert)
        if sub is not None and sub != derived:
            _usage(f"--sub {sub!r} differs from the access certificate's {derived!r}")
        sub = derived
    if not sub:
        _usage("give --sub or --access-cert")
    if out.exists():
        _usage(f"{out.name} already exists: refusing to overwrite")
    token = _run(make_registration, registrar_dir, sub=sub, name=_multilanguage(name),
                 purpose=_multilanguage(purpose), credentials=registration_credentials(list(preset)),
                 now=_now(at), valid_days=valid_days, passphrase=_passphrase())
    certificates.atomic_write(out, token.encode("ascii"))
    typer.echo(f"registration certificate for {sub}: {out}")
