"""Operator CLI, mounted by the lead as ``esspass trust-list`` (docs/trust-lists-profile.md).

Operator workflow (HOME is the operator's workspace directory)::

    esspass trust-list init --home HOME --name "European Commission ESSPASS Trust Scheme"
    esspass trust-list add-entity --home HOME --list pub-eaa --name "Kela" --country FI --uri https://www.kela.fi
    esspass trust-list add-service --home HOME --list pub-eaa --entity "Kela" --name "Kela issuance" \
        --type issuance --cert kela-ca.pem --vct urn:eudi:pda1:1 --vct urn:eudi:ehic:1
    esspass trust-list withdraw --home HOME --list pub-eaa --entity "Kela" --service "Kela issuance"
    esspass trust-list sign --home HOME --list pub-eaa --valid-days 30
    esspass trust-list show HOME/signed/pub-eaa.jwt
    esspass trust-list update-entity --home HOME --list pub-eaa --entity "Kela" --uri https://www.kela.fi/en

Certificates for the participants (institutions, access CA and access certificates, registrar and
registration certificates) come from ``esspass trust-list cert ...`` (:mod:`trust_list.cert_cli`).

Checks with exact, machine-readable output (one JSON object; exit 0 PASSED, 1 FAILED, 2 bad usage,
i.e. a missing option, an unreadable file, or an anchor that is not a PEM certificate). Whatever a
readable list or x5c file holds (empty, garbage, hostile JSON) is FAILED with a reason code::

    esspass trust-list verify LIST.jwt --anchor OPERATOR_CERT.pem [--state-dir DIR] [--at UNIX_TIME]
    esspass trust-list check-issuer --list LIST.jwt --anchor OPERATOR_CERT.pem --x5c CHAIN.pem \
        --vct VCT --at UNIX_TIME

The signing key's passphrase, if any, is read from the environment variable
``ESSPASS_OPERATOR_PASSPHRASE``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from credential.jose import JoseError, parse_compact

from . import certificates
from . import reasons as R
from .cert_cli import app as cert_app
from .issuers import check_issuer
from .model import (
    LIST_BY_SHORT_NAME,
    LIST_TYPES,
    PUB_EAA,
    SVC_PUBEAA_ISSUANCE,
    SVC_PUBEAA_REVOCATION,
    SVC_WRPAC_ISSUANCE,
    SVC_WALLET_ISSUANCE,
    SVC_WALLET_REVOCATION,
    SVC_WRPRC_ISSUANCE,
    WALLET_PROVIDERS,
    parse_lote,
)
from .operator import (
    Operator,
    OperatorError,
    add_entity,
    add_service,
    notify_service,
    update_entity,
    update_service,
    withdraw_entity,
    withdraw_service,
)
from .rollback import RollbackState
from .store import TrustStore
from .tables import lote_table
from .validation import MAX_LIST_BYTES, validate_list

__all__ = ["app"]

app = typer.Typer(help="Trust lists (ETSI TS 119 602 LoTE): operate, sign, verify.", no_args_is_help=True)
app.add_typer(cert_app, name="cert")

SERVICE_TYPES = {
    ("pub-eaa", "issuance"): SVC_PUBEAA_ISSUANCE,
    ("pub-eaa", "revocation"): SVC_PUBEAA_REVOCATION,
    ("wrpac", "issuance"): SVC_WRPAC_ISSUANCE,
    ("wrprc", "issuance"): SVC_WRPRC_ISSUANCE,
    ("wallet-providers", "issuance"): SVC_WALLET_ISSUANCE,
    ("wallet-providers", "revocation"): SVC_WALLET_REVOCATION,
}
LIST_HELP = "pub-eaa, wrpac, wrprc or wallet-providers"


def _emit(obj: dict, code: int) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))
    raise typer.Exit(code)


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _list_type(short: str) -> str:
    if short not in LIST_BY_SHORT_NAME:
        _usage(f"unknown list {short!r} (use {LIST_HELP})")
    return LIST_BY_SHORT_NAME[short]


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text("ascii").strip()
    except (OSError, UnicodeError) as exc:
        _usage(f"cannot read {what}: {exc}")
        raise  # unreachable


def _read_untrusted(path: Path, what: str) -> str:
    """The bytes of a file under test (a list, a chain), as text; exit 2 only when it cannot be read.

    Whatever a readable file holds is for the checks to reject: at most ``MAX_LIST_BYTES + 1``
    bytes are read (a larger file then fails as too large), and bytes that are not ASCII are
    replaced so the JWS parser refuses them."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        _usage(f"cannot read {what}: {exc}")
        raise  # unreachable
    return data.decode("ascii", errors="replace").strip()


def _read_certs(path: Path, what: str):
    try:
        certs = certificates.read_certificates(path)
    except (OSError, ValueError) as exc:
        _usage(f"cannot read {what}: {exc}")
        raise
    if not certs:
        _usage(f"no certificate in {what}")
    return certs


def _chain_under_test(text: str) -> list:
    """The issuer chain of check-issuer: PEM certificates, leaf first; none is issuer.untrusted."""
    try:
        chain = certificates.load_pem_certificates(text.encode("ascii", errors="replace"))
    except ValueError as exc:
        raise R.Rejected(R.ISSUER_UNTRUSTED, f"x5c file: {exc}") from None
    if not chain:
        raise R.Rejected(R.ISSUER_UNTRUSTED, "x5c file holds no certificate")
    return chain


def _declared_type(token: str) -> str:
    """The LoTEType a list says it is (used only to pick the pinned anchor's list type)."""
    try:
        t = parse_compact(token, max_bytes=MAX_LIST_BYTES).payload()["LoTE"]["ListAndSchemeInformation"]["LoTEType"]
        return t if t in LIST_TYPES else PUB_EAA
    except (JoseError, KeyError, TypeError, ValueError, RecursionError):
        return PUB_EAA


def _now(at: Optional[int]) -> int:
    return int(time.time()) if at is None else at


# ---------------------------------------------------------------- exact interfaces


@app.command()
def verify(
    list_file: Path = typer.Argument(..., metavar="LIST.jwt"),
    anchor: Path = typer.Option(..., "--anchor", help="pinned operator certificate (PEM)"),
    state_dir: Optional[Path] = typer.Option(None, "--state-dir", help="rollback state directory"),
    at: Optional[int] = typer.Option(None, "--at", help="'now' as Unix time (default: the clock)"),
    expect: Optional[str] = typer.Option(None, "--list", help=f"expected list ({LIST_HELP}); default: as declared"),
    jades_only: bool = typer.Option(False, "--jades-only",
                                    help="refuse plain JWS lists of profile v1 (accept only JAdES, §2.3)"),
) -> None:
    """Validate a signed list (§2, §3); prints {"result","reason","sequence_number","entities"}."""
    token = _read_untrusted(list_file, "the list")
    anchors = _read_certs(anchor, "the anchor")
    list_type = _list_type(expect) if expect else _declared_type(token)
    if state_dir is not None and state_dir.exists() and not state_dir.is_dir():
        _usage("--state-dir is not a directory")
    state = RollbackState(state_dir) if state_dir is not None else None
    try:
        validated = validate_list(token, anchors, list_type, _now(at), state, accept_plain_jws=not jades_only)
    except R.Rejected as exc:
        _emit({"result": "FAILED", "reason": exc.code, "sequence_number": None, "entities": None}, 1)
    except OSError as exc:  # the rollback state could not be written
        _usage(f"cannot write the rollback state: {exc}")
    _emit({"result": "PASSED", "reason": None, "sequence_number": validated.sequence_number,
           "entities": len(validated.lote.entities)}, 0)


@app.command("check-issuer")
def check_issuer_command(
    list_file: Path = typer.Option(..., "--list", help="signed Pub-EAA list"),
    anchor: Path = typer.Option(..., "--anchor", help="pinned operator certificate (PEM)"),
    x5c: Path = typer.Option(..., "--x5c", help="issuer chain (PEM), leaf first"),
    vct: str = typer.Option(..., "--vct"),
    at: int = typer.Option(..., "--at", help="signing time T (Unix time)"),
) -> None:
    """§4: is this issuer trusted for VCT at T? Prints {"result","reason","entity"}."""
    token = _read_untrusted(list_file, "the list")
    anchors = _read_certs(anchor, "the anchor")
    chain_text = _read_untrusted(x5c, "the x5c chain")
    now = int(time.time())
    store = TrustStore(anchors={PUB_EAA: anchors})
    try:
        store.update(PUB_EAA, token, now)
        trust = check_issuer(store, _chain_under_test(chain_text), vct, at, now)
    except R.Rejected as exc:
        _emit({"result": "FAILED", "reason": exc.code, "entity": None}, 1)
    _emit({"result": "PASSED", "reason": None, "entity": trust.entity_name}, 0)


@app.command("check-wallet-provider")
def check_wallet_provider_command(
    list_file: Path = typer.Option(..., "--list", help="signed Wallet Providers list"),
    anchor: Path = typer.Option(..., "--anchor", help="pinned operator certificate (PEM)"),
    x5c: Path = typer.Option(..., "--x5c", help="the attestations' x5c as PEM, signer first, without the anchor"),
) -> None:
    """Profile §4a: would an attestation with this x5c be trusted now? Prints {"result","reason","entity"}."""
    from .wallet_providers import check_wallet_provider

    token = _read_untrusted(list_file, "the list")
    anchors = _read_certs(anchor, "the anchor")
    chain_text = _read_untrusted(x5c, "the x5c chain")
    now = int(time.time())
    store = TrustStore(anchors={WALLET_PROVIDERS: anchors})
    try:
        store.update(WALLET_PROVIDERS, token, now)
        chain = certificates.load_pem_certificates(chain_text.encode("ascii", errors="replace"))
        trust = check_wallet_provider(store, certificates.x5c_of(chain), now)
    except R.Rejected as exc:
        _emit({"result": "FAILED", "reason": exc.code, "entity": None}, 1)
    except ValueError as exc:
        _emit({"result": "FAILED", "reason": R.WALLET_PROVIDER_UNTRUSTED.code, "entity": None, "detail": str(exc)}, 1)
    _emit({"result": "PASSED", "reason": None, "entity": trust.entity_name}, 0)


# ---------------------------------------------------------------- operator workflow


def _open(home: Path) -> Operator:
    try:
        return Operator.open(home)
    except (OperatorError, OSError, ValueError) as exc:
        _usage(str(exc))
        raise


def _apply(home: Path, short: str, fn, *args, **kwargs) -> None:
    op = _open(home)
    try:
        op.change(_list_type(short), fn, *args, **kwargs)
    except OperatorError as exc:
        _usage(str(exc))


@app.command()
def init(
    home: Path = typer.Option(..., "--home"),
    name: str = typer.Option(..., "--name", help="SchemeOperatorName (English); becomes the certificate's O"),
    uri: str = typer.Option("https://trust.esspass.eu", "--uri"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """Create an operator: key (0600), certificate (C=EU, O=NAME) and an empty draft of each list type."""
    try:
        op = Operator.create(home, name, _now(at), uri=uri)
    except OperatorError as exc:
        _usage(str(exc))
    typer.echo(f"operator certificate: {op.certificate_path}")


@app.command("add-entity")
def add_entity_command(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    name: str = typer.Option(..., "--name"), country: str = typer.Option(..., "--country"),
    uri: str = typer.Option(..., "--uri"),
) -> None:
    """Add a trusted entity (listed once it has a service)."""
    _apply(home, list_name, add_entity, name, country, uri)


@app.command("update-entity")
def update_entity_command(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    entity: str = typer.Option(..., "--entity", help="the entity's current name"),
    name: Optional[str] = typer.Option(None, "--name", help="new name"),
    country: Optional[str] = typer.Option(None, "--country", help="new country (two letters)"),
    uri: Optional[str] = typer.Option(None, "--uri", help="new web address"),
    street: Optional[str] = typer.Option(None, "--street", help="new street address"),
    locality: Optional[str] = typer.Option(None, "--locality", help="new city"),
    postal_code: Optional[str] = typer.Option(None, "--postal-code", help="new postal code"),
) -> None:
    """Change an entity's name, country, URI or address; takes effect in the next signed list.

    TS 119 602 keeps no history of an entity's information, so nothing is rewritten: lists already
    signed keep the old values, and the entity's services and their ServiceHistory are unchanged."""
    _apply(home, list_name, update_entity, entity, name=name, country=country, uri=uri, street=street,
           locality=locality, postal_code=postal_code)


@app.command("add-service")
def add_service_command(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    entity: str = typer.Option(..., "--entity"), name: str = typer.Option(..., "--name"),
    service_type: str = typer.Option("issuance", "--type", help="issuance or revocation"),
    cert: Path = typer.Option(..., "--cert", help="certificate(s) to list (PEM)"),
    vct: List[str] = typer.Option([], "--vct", help="credential type this service may sign (repeat)"),
    at: Optional[int] = typer.Option(None, "--at", help="when the service is listed (default now)"),
) -> None:
    """Add a service to an entity; on the Pub-EAA list it is notified from --at."""
    key = (list_name, service_type)
    if key not in SERVICE_TYPES:
        _usage(f"no service type {service_type!r} on list {list_name!r}")
    _apply(home, list_name, add_service, entity, name, SERVICE_TYPES[key], _read_certs(cert, "the certificate"),
           _now(at), credential_types=list(vct) if vct else None)


@app.command("update-service")
def update_service_command(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    entity: str = typer.Option(..., "--entity"), service: str = typer.Option(..., "--service"),
    cert: Optional[Path] = typer.Option(None, "--cert"),
    vct: List[str] = typer.Option([], "--vct"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """Change a service's certificates or credential types from --at on (old state goes to history)."""
    certs = _read_certs(cert, "the certificate") if cert else None
    _apply(home, list_name, update_service, entity, service, _now(at), certificates=certs,
           credential_types=list(vct) if vct else None)


@app.command()
def withdraw(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    entity: str = typer.Option(..., "--entity"),
    service: Optional[str] = typer.Option(None, "--service", help="default: every service of the entity"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """Withdraw a service (or a whole entity) from --at on; never retroactive."""
    if service:
        _apply(home, list_name, withdraw_service, entity, service, _now(at))
    else:
        _apply(home, list_name, withdraw_entity, entity, _now(at))


@app.command()
def notify(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option("pub-eaa", "--list", help=LIST_HELP),
    entity: str = typer.Option(..., "--entity"), service: str = typer.Option(..., "--service"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """Re-notify a withdrawn Pub-EAA service from --at on."""
    _apply(home, list_name, notify_service, entity, service, _now(at))


@app.command()
def sign(
    home: Path = typer.Option(..., "--home"), list_name: str = typer.Option(..., "--list", help=LIST_HELP),
    valid_days: int = typer.Option(
        30, "--valid-days", min=1, max=184,
        help="NextUpdate = now + days; at most six calendar months (181 to 184 days, by date)"),
    at: Optional[int] = typer.Option(None, "--at"),
) -> None:
    """Sign the draft with the next sequence number; writes HOME/signed/<list>.jwt.

    A NextUpdate more than six calendar months after now is refused (exit 2): verify would reject
    the list with list.next_update_too_far."""
    op = _open(home)
    now = _now(at)
    list_type = _list_type(list_name)
    try:
        op.sign(list_type, now, now + valid_days * 86400)
    except OperatorError as exc:
        _usage(str(exc))
    typer.echo(str(op.signed_path(list_type)))


@app.command()
def show(
    list_file: Optional[Path] = typer.Argument(None, metavar="[LIST.jwt]"),
    home: Optional[Path] = typer.Option(None, "--home", help="show the draft instead"),
    list_name: str = typer.Option("pub-eaa", "--list", help=LIST_HELP),
) -> None:
    """Show a signed list (or an operator's draft) as a table. Does not validate: use verify."""
    try:
        if list_file is not None:
            document = parse_compact(_read_text(list_file, "the list"), max_bytes=MAX_LIST_BYTES).payload()
        elif home is not None:
            document = _open(home).load_draft(_list_type(list_name))
        else:
            _usage("give LIST.jwt or --home")
        lote = parse_lote(document)
    except (JoseError, KeyError, TypeError, ValueError, RecursionError) as exc:
        _usage(f"not a readable list: {exc}")
    Console().print(lote_table(lote))


if __name__ == "__main__":
    app()
