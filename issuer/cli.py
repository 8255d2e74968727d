"""``esspass issuer ...``: serve the issuer, create offers and change credential status.

``offer`` and ``revoke|suspend|reinstate`` talk to a running issuer over its case API. The API token:
``ESSPASS_ISSUER_API_TOKEN`` when set; otherwise, only for the local issuer (no ``--url``, or ``--url``
equal to ``ESSPASS_ISSUER_URL``), the token in ``$ESSPASS_HOME/issuer/api_token``. The local token is
never sent to another URL: for another issuer ``ESSPASS_ISSUER_API_TOKEN`` is required (exit 2).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import typer

from .settings import Settings

__all__ = ["app"]

app = typer.Typer(help="The institution's issuer: OpenID4VCI, back office, status lists.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)


def _origin_and_path(url: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port, path) with the scheme's default port filled in, for comparing URLs."""
    import httpx

    u = httpx.URL(url.strip())
    port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    return u.scheme.lower(), u.host.lower(), port, u.path.rstrip("/")


def _same_issuer(a: str, b: str) -> bool:
    try:
        return _origin_and_path(a) == _origin_and_path(b)
    except Exception:  # noqa: BLE001 - an unparsable URL is not the local issuer
        return False


def _token(settings: Settings, url: str | None) -> str:
    env = os.environ.get("ESSPASS_ISSUER_API_TOKEN", "").strip()
    if env:
        return env
    if url is not None and not _same_issuer(url, settings.public_url):
        typer.echo(f"--url {url} is not the local issuer (ESSPASS_ISSUER_URL={settings.public_url}); its local API "
                   "token is not sent elsewhere. Set ESSPASS_ISSUER_API_TOKEN to that issuer's API token.", err=True)
        raise typer.Exit(2)
    path = settings.issuer_dir / "api_token"
    if path.exists():
        return path.read_text("ascii").strip()
    typer.echo("no API token: start the issuer with this ESSPASS_HOME or set ESSPASS_ISSUER_API_TOKEN", err=True)
    raise typer.Exit(2)


def _client(url: str | None):
    import httpx

    settings = Settings()
    base = (url or settings.public_url).rstrip("/")
    return httpx.Client(base_url=base, timeout=30.0, verify=settings.tls_context(),
                        headers={"Authorization": f"Bearer {_token(settings, url)}"})


def _fail(resp) -> None:
    try:
        body = resp.json()
    except ValueError:
        body = {"detail": resp.text[:500]}
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2), err=True)
    raise typer.Exit(1)


def _mode_line(settings: Settings, svc) -> str:
    if not settings.configured:
        return (f"demo mode: signing as the demo institution {svc.keys.name} with keys from the generated ecosystem in "
                f"{settings.ecosystem_dir} (configure ESSPASS_ISSUER_CREDENTIAL_KEY and the rest for your own; "
                "docs/deploy.md)")
    listed = (f"; listed on {settings.issuer_trust_list} (checked)" if settings.issuer_trust_list
              else "; trust-list check off (no ESSPASS_ISSUER_TRUST_LIST)")
    return (f"mode: configured, signing as {svc.keys.name} ({svc.keys.institution_id}) with credential key "
            f"{_key_place(settings.issuer_credential_key)} and status key {_key_place(settings.issuer_status_key)}"
            f"{listed}")


def _key_place(reference: str | None) -> str:
    from deployment import is_pkcs11_uri, parse_pkcs11_uri

    if reference and is_pkcs11_uri(reference):
        return parse_pkcs11_uri(reference).describe()  # without pin-source or module path
    return str(reference)


def _start(settings: Settings):
    """The issuer service for ``serve``, or exit 2 with the one-sentence configuration error."""
    from deployment import ConfigError

    from .service import IssuerService

    try:
        return IssuerService(settings)
    except ConfigError as exc:
        typer.echo(exc.sentence, err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          port: int = typer.Option(8441, "--port", help="port to listen on"),
          public_url: str | None = typer.Option(None, "--public-url",
                                                help="public base URL (default ESSPASS_ISSUER_URL); every advertised "
                                                     "URL is under it"),
          workers: int = typer.Option(1, "--workers", help="worker processes (state is in the database)")) -> None:
    """Run the issuer (embedded defaults: state under ESSPASS_HOME; docs/deploy.md for a real deployment)."""
    import uvicorn

    from deployment import startup_lines, uvicorn_options

    if public_url:
        os.environ["ESSPASS_ISSUER_URL"] = public_url  # the workers read their settings from the environment
    settings = Settings(**({"issuer_url": public_url} if public_url else {}))
    svc = _start(settings)
    for line in startup_lines("esspass issuer", _mode_line(settings, svc), settings.public_url, host, port, settings,
                              [("admin password", settings.issuer_dir / "admin_password"),
                               ("case-system API token", settings.issuer_dir / "api_token")], "ESSPASS_ISSUER_URL"):
        typer.echo(line, err=True)
    options = uvicorn_options(settings)
    if workers > 1:
        svc.close()  # first-start set-up done once, before the workers race for it
        # a replacement worker (SIGHUP: rolling restart, e.g. after a key rotation) opens its token and checks its
        # listing before it serves; give it time before uvicorn gives up on it and keeps the old one
        uvicorn.run("issuer.api:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", timeout_worker_healthcheck=60, **options)
        return
    from .api import create_app, freeze_startup_heap

    application = create_app(settings, service=svc)
    freeze_startup_heap()
    uvicorn.run(application, host=host, port=port, log_level="warning", **options)


@app.command()
def offer(type_: str = typer.Option(..., "--type", help="pda1 or ehic"),
          claims: Path = typer.Option(..., "--claims", exists=True, dir_okay=False, help="CLAIMS.json"),
          url: str | None = typer.Option(None, "--url", help="issuer URL (default ESSPASS_ISSUER_URL)"),
          no_tx_code: bool = typer.Option(False, "--no-tx-code")) -> None:
    """Create a case and print {"offer_uri": ..., "tx_code": ...}."""
    if type_ not in ("pda1", "ehic"):
        typer.echo("--type must be pda1 or ehic", err=True)
        raise typer.Exit(2)
    try:
        data = json.loads(claims.read_text("utf-8"))
    except ValueError as exc:
        typer.echo(f"{claims}: not JSON ({exc})", err=True)
        raise typer.Exit(2) from None
    with _client(url) as c:
        resp = c.post("/api/v1/cases", json={"type": type_, "claims": data, "tx_code": not no_tx_code,
                                             "client_request_id": f"cli-{uuid.uuid4()}"})
    if resp.status_code not in (200, 201):
        _fail(resp)
    body = resp.json()
    typer.echo(json.dumps({"offer_uri": body["offer_uri"], "tx_code": body["tx_code"]}))


def _status_command(action: str):
    def command(document_number: str = typer.Option(..., "--document-number"),
                reason: str = typer.Option(f"{action} from the command line", "--reason"),
                url: str | None = typer.Option(None, "--url", help="issuer URL (default ESSPASS_ISSUER_URL)")) -> None:
        with _client(url) as c:
            resp = c.post(f"/api/v1/documents/{document_number}/{action}", json={"reason": reason})
        if resp.status_code != 200:
            _fail(resp)
        typer.echo(json.dumps(resp.json()))

    command.__doc__ = f"{action.capitalize()} every credential of a document; the status list is republished."
    return command


for _action in ("revoke", "suspend", "reinstate"):
    app.command(_action)(_status_command(_action))


@app.command("device-lost")
def device_lost(case_id: str = typer.Option(..., "--case-id", help="any case of the holder"),
                reason: str = typer.Option("holder reports device lost", "--reason"),
                url: str | None = typer.Option(None, "--url", help="issuer URL (default ESSPASS_ISSUER_URL)")) -> None:
    """The holder reports their phone lost: revoke every wallet credential of the holder (all their cases) and
    withdraw their refresh tokens; the document stays valid, so a new offer can be made for the new phone."""
    with _client(url) as c:
        resp = c.post(f"/api/v1/cases/{case_id}/device-lost", json={"reason": reason})
    if resp.status_code != 200:
        _fail(resp)
    typer.echo(json.dumps(resp.json()))


def _read_password(confirm: bool = True) -> str:
    """The password from a prompt (typed twice, not echoed) or, when stdin is not a terminal, its
    first line: never from the command line, where shell history and ``ps`` would keep it."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Repeat password: ") != first:
            typer.echo("the two passwords differ", err=True)
            raise typer.Exit(2)
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def _no_password_option(value: str | None) -> None:
    if value is not None:
        typer.echo("--password is not accepted: a password on the command line stays in the shell history and "
                   "is visible to other users in the process list. Type it at the prompt, or pipe it on stdin "
                   "(e.g. from a password manager).", err=True)
        raise typer.Exit(2)


_PASSWORD_OPTION = typer.Option(None, "--password", hidden=True, help="refused: see the prompt")


def _service():
    from .service import IssuerService

    return IssuerService(Settings())


def _user_change(change, *args) -> None:
    from .service import NotFound

    svc = _service()
    try:
        change(svc, *args)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except NotFound as exc:
        typer.echo(f"there is no user {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        svc.close()


@app.command("add-user")
def add_user(username: str, role: str = typer.Option("officer", "--role"),
             password: str | None = _PASSWORD_OPTION) -> None:
    """Add a back-office user (officer or admin); the password comes from a prompt or stdin, at least
    15 characters (NIST SP 800-63B-4 §3.1.1.2, password as the only factor)."""
    _no_password_option(password)
    _user_change(lambda svc: svc.add_user(username, _read_password(), role))
    typer.echo(f"user {username} ({role}) added")


@app.command("set-password")
def set_password(username: str, password: str | None = _PASSWORD_OPTION) -> None:
    """Give a back-office user a new password (prompt or stdin); the user's sessions end."""
    _no_password_option(password)
    _user_change(lambda svc: svc.change_password(username, _read_password()))
    typer.echo(f"password of {username} changed; the user's sessions ended")


@app.command("set-role")
def set_role(username: str, role: str) -> None:
    """Give a back-office user another role (officer or admin); the user's sessions end."""
    _user_change(lambda svc: svc.set_role(username, role))
    typer.echo(f"{username} is now {role}; the user's sessions ended")


token_app = typer.Typer(help="Case-API tokens with scopes (create, read, status, paper, lookup), each revocable.",
                        no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(name: str, scope: list[str] = typer.Option(..., "--scope", help="create, read, status, paper or lookup; "
                                                                                  "repeat for several")) -> None:
    """Create a token; prints {"name", "scopes", "token"} once (only its hash is kept)."""
    svc = _service()
    try:
        token = svc.create_api_token(name, scope)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    finally:
        svc.close()
    from .core import API_SCOPES

    typer.echo(json.dumps({"name": name, "scopes": [x for x in API_SCOPES if x in scope], "token": token}))


@token_app.command("list")
def token_list() -> None:
    """Every token (name, scopes, created_at, revoked_at) as JSON; never the tokens themselves."""
    svc = _service()
    try:
        typer.echo(json.dumps(svc.api_tokens()))
    finally:
        svc.close()


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke the token called NAME; its next request is refused (exit 1 when there is none)."""
    svc = _service()
    try:
        n = svc.revoke_api_token(name)
    finally:
        svc.close()
    if not n:
        typer.echo(f"no live token named {name}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps({"name": name, "revoked": n}))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
