"""``esspass verify`` and ``esspass verifier serve|request|result|sync`` (issue #5, item 3).

The flags are an interface other parties' tests use: keep them exactly.
Exit codes: 0 PASSED, 1 FAILED, 2 bad usage or unreadable input, 3 INDETERMINATE; ``verifier result`` exits 4
while no response has arrived.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from credential.i18n import LANGS

__all__ = ["app", "print_decision", "verify_command"]

EXIT = {"PASSED": 0, "FAILED": 1, "INDETERMINATE": 3}
EXIT_USAGE = 2
EXIT_PENDING = 4
MAX_INPUT_BYTES = 4 * 1024 * 1024
DEFAULT_URL = "http://127.0.0.1:8442"

app = typer.Typer(help="Verify A1 and EHIC presentations: OpenID4VP service, inspector console, offline bundles.",
                  no_args_is_help=True)


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _read_text(path: Path, what: str) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        _usage(f"cannot read {what} {path}: {exc.strerror}")
    if len(data) > MAX_INPUT_BYTES:
        _usage(f"{what} {path} is larger than {MAX_INPUT_BYTES} bytes")
    try:
        return data.decode("utf-8").strip()
    except UnicodeError:
        _usage(f"{what} {path} is not UTF-8 text")


def _explicit_fetch_policy() -> "netio.UrlPolicy":
    """Explicit trust anchors are no demo: status URIs over https to public addresses, unless
    ``ESSPASS_VERIFIER_FETCH_LOOPBACK`` / ``ESSPASS_VERIFIER_FETCH_PRIVATE`` say otherwise."""
    import netio

    from .settings import VerifierSettings

    settings = VerifierSettings()
    return netio.UrlPolicy(allow_loopback=bool(settings.verifier_fetch_loopback),
                           allow_private=settings.verifier_fetch_private)


def _tls():
    """TLS verification for the commands that call a verifier: ESSPASS_CA_BUNDLE, else the system store."""
    from .settings import VerifierSettings

    return VerifierSettings().tls_context()


def _list_type_of(token: str) -> str | None:
    from credential import jose

    try:
        lote = jose.parse_compact(token).payload().get("LoTE", {})
        return lote.get("ListAndSchemeInformation", {}).get("LoTEType")
    except (jose.JoseError, AttributeError):
        return None


# ---------------------------------------------------------------- reports


def print_decision(decision: dict[str, Any], lang: str) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from rich.markup import escape

    from credential import explain

    from .web import headline_hint, text

    t = text(lang)
    console = Console()
    colour = {"PASSED": "green", "FAILED": "red", "INDETERMINATE": "dark_orange"}[decision["result"]]
    head = f"[bold]{t[decision['result']]}[/bold] ({decision['result']})\n{escape(headline_hint(decision, lang))}"
    console.print(Panel(head, style=f"bold white on {colour}"))
    info = Table(show_header=False, box=None)
    vct = decision.get("credential_type")
    info.add_row(t["type"], escape(f"{explain.type_name(vct, lang)} ({vct})") if vct else "-")  # words, then the code
    info.add_row(t["issuer"], str(decision.get("issuer") or "-"))
    info.add_row(t["data_age"], escape(explain.data_age_text(decision.get("data_age"), decision["checks"], lang)))
    console.print(info)
    layers = explain.layer_rows(decision.get("validity") or {}, lang)
    if layers:
        vt = Table(title=t["validity"])
        for col in ("", t["col_status"], t["col_from"], t["col_until"]):
            vt.add_column(col)
        for row in layers:
            vt.add_row(row.label, row.status_text, explain.bound_text(row.start, lang) or "-",
                       explain.bound_text(row.end, lang) or "-")
        console.print(vt)
    if decision.get("claims"):
        ct = Table(title=t["claims"])
        ct.add_column(t["col_claim"])
        ct.add_column(t["col_value"])
        for row in [*explain.claim_rows(decision["claims"], decision.get("credential_type"), lang),
                    *explain.unmapped_rows(decision.get("shape"), lang)]:
            ct.add_row(escape(row.label), escape(row.value))
        console.print(ct)
    checks = Table(title=t["checks"])
    checks.add_column(t["col_result"])
    checks.add_column(t["col_code"])
    checks.add_column("")
    style = {"pass": "green", "fail": "bold red", "unknown": "bold dark_orange"}
    for line in explain.check_lines(decision["checks"], lang):
        words = f"{line.message}\n{line.evidence}" if line.evidence else line.message
        checks.add_row(f"[{style[line.result]}]{line.word}[/]", line.code, escape(words))
    console.print(checks)


def _emit(decision: dict[str, Any], as_json: bool, lang: str) -> NoReturn:
    if as_json:
        sys.stdout.write(json.dumps(decision, ensure_ascii=False) + "\n")
    else:
        print_decision(decision, lang)
    raise typer.Exit(EXIT[decision["result"]])


# ---------------------------------------------------------------- esspass verify


def verify_command(
    presentation_file: Path = typer.Argument(..., help="File holding the presentation (SD-JWT, optionally +KB)."),
    trust_list: list[Path] = typer.Option([], "--trust-list", help="Signed trust list (LIST.jwt); repeat for the "
                                          "Pub-EAA, WRPAC and WRPRC lists. Optional with --bundle."),
    anchor: list[Path] = typer.Option([], "--anchor", help="Pinned scheme-operator certificate (PEM)."),
    status_list: list[str] = typer.Option([], "--status-list", help="URI=FILE: a Status List Token for that URI."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Offline bundle from `esspass verifier sync`."),
    nonce: Optional[str] = typer.Option(None, "--nonce", help="Expected KB-JWT nonce (key binding required)."),
    aud: Optional[str] = typer.Option(None, "--aud", help="Expected KB-JWT aud, e.g. the full client_id."),
    no_key_binding: bool = typer.Option(False, "--no-key-binding", help="Accept a presentation without key "
                                        "binding (paper copy); the holder's identity document must then be checked."),
    preset: Optional[str] = typer.Option(None, "--preset", help="a1-inspection | a1-coverage | ehic-care"),
    at: Optional[int] = typer.Option(None, "--at", help="Verification time (Unix seconds); default now."),
    lang: str = typer.Option("en", "--lang", help="Language of the report: en, da, sv, nb, fi, is, de, pl, lt or ro."),
    json_: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
) -> None:
    """Verify one presentation offline and explain the decision. Exit 0 PASSED, 1 FAILED, 3 INDETERMINATE, 2 usage."""
    from credential.reasons import Rejected
    from trust_list import load_pem_certificates
    from trust_list import LIST_TYPES
    from trust_list import TrustStore

    from . import presets as P
    from .policy import Sources, verify_presentation
    from .sources import Bundle, StatusCache

    if lang not in LANGS:
        _usage(f"--lang must be one of {', '.join(LANGS)}")
    if preset is not None and preset not in P.NAMES:
        _usage(f"--preset must be one of {', '.join(P.NAMES)}")
    if no_key_binding and (nonce is not None or aud is not None):
        _usage("use either --nonce and --aud, or --no-key-binding")
    if not no_key_binding and (nonce is None or aud is None):
        _usage("key binding needs --nonce N --aud A (or say --no-key-binding)")
    if not anchor:
        _usage("--anchor OPERATOR_CERT.pem is required (the pinned trust-list operator)")
    if not trust_list and bundle is None:
        _usage("--trust-list LIST.jwt (or --bundle BUNDLE) is required")
    now = int(time.time()) if at is None else at

    anchors = []
    for path in anchor:
        try:
            anchors.extend(load_pem_certificates(_read_text(path, "anchor").encode()))
        except ValueError:
            _usage(f"{path} holds no PEM certificate")
    store = TrustStore(anchors={t: list(anchors) for t in LIST_TYPES})
    cache = StatusCache(network=True, policy=_explicit_fetch_policy())
    trust_fetched_at = None

    def add_list(token: str, where: str) -> None:
        list_type = _list_type_of(token)
        if list_type not in LIST_TYPES:
            if not json_:
                typer.echo(f"warning: {where} is not a readable trust list", err=True)
            return
        try:
            store.update(list_type, token, now)
        except Rejected as exc:
            if not json_:
                typer.echo(f"warning: trust list {where} rejected: {exc.code}", err=True)

    if bundle is not None:
        try:
            b = Bundle.load(bundle)
        except (OSError, ValueError) as exc:
            _usage(f"cannot load bundle {bundle}: {exc}")
        for list_type, (token, fetched_at) in b.trust_lists.items():
            add_list(token, f"{list_type} from the bundle")
        trust_fetched_at = min((a for _, a in b.trust_lists.values()), default=None)
        for uri, (token, fetched_at) in b.status_lists.items():
            cache.put(uri, token, fetched_at, pinned=True)
    for path in trust_list:
        add_list(_read_text(path, "trust list"), str(path.name))
    for item in status_list:
        uri, sep, file = item.rpartition("=")
        if not sep or not uri or not file:
            _usage("--status-list takes URI=FILE")
        cache.put(uri, _read_text(Path(file), "status list"), now, pinned=True)

    presentation = _read_text(presentation_file, "presentation")
    ctx = Sources(store, cache, trust_fetched_at).context(now, preset=preset, key_binding=not no_key_binding,
                                                          nonce=nonce, aud=aud)
    try:
        decision = verify_presentation(presentation, ctx)
    finally:
        cache.close()
    _emit(decision.as_json(), json_, lang)


# ---------------------------------------------------------------- esspass verifier ...


def _url(url: Optional[str]) -> str:
    return (url or os.environ.get("ESSPASS_VERIFIER_URL") or DEFAULT_URL).rstrip("/")


def _home() -> Path:
    try:
        from .settings import VerifierSettings

        return Path(VerifierSettings().home)
    except Exception:  # a malformed unrelated setting must not hide the home directory
        return Path(os.environ.get("ESSPASS_HOME") or ".esspass")


_SAFE_ID = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
RESULT_TOKEN_KEEP_S = 2 * 86400


def _token_file(transaction: str) -> Path | None:
    """Where `verifier request` keeps a transaction's result token for `verifier result` (mode 0600)."""
    if not transaction or len(transaction) > 128 or not set(transaction) <= _SAFE_ID:
        return None
    return _home() / "verifier" / "results" / f"{transaction}.json"


def _save_token(transaction: str, token: str, url: str) -> None:
    path = _token_file(transaction)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        now = time.time()
        for old in path.parent.glob("*.json"):  # forget the tokens of long-finished checks
            try:
                if now - old.stat().st_mtime > RESULT_TOKEN_KEEP_S:
                    old.unlink()
            except OSError:
                pass
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"transaction": transaction, "result_token": token, "url": url}, fh)
        os.replace(tmp, path)
    except OSError as exc:
        typer.echo(f"warning: cannot keep the result token ({exc.strerror}); use --token", err=True)


def _load_token(transaction: str) -> str | None:
    path = _token_file(transaction)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    token = data.get("result_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def _mode_line(svc) -> str:
    settings = svc.settings
    if not settings.configured:
        lists = ("lists from ESSPASS_VERIFIER_TRUST_LIST_URLS" if settings.verifier_trust_list_urls
                 else f"lists from {settings.ecosystem_home}")
        return (f"demo mode: the demo ecosystem's operator certificate and the demo relying party "
                f"{settings.verifier_relying_party!r}, {lists} (configure ESSPASS_VERIFIER_TRUST_ANCHORS, "
                "ESSPASS_VERIFIER_ACCESS_KEY and the rest for your own; docs/deploy.md)")
    from deployment import is_pkcs11_uri, parse_pkcs11_uri

    key = settings.verifier_access_key
    key = parse_pkcs11_uri(key).describe() if key and is_pkcs11_uri(key) else key
    presets = ", ".join(settings.verifier_presets) or "all presets"
    source = (", ".join(f"{k} {v}" for k, v in settings.verifier_trust_list_urls.items())
              or f"bundle {settings.verifier_bundle}")
    return (f"mode: configured, client_id {svc.rp.client_id}, access key {key}, anchors "
            f"{settings.verifier_trust_anchors}, lists {source}; {presets}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          port: int = typer.Option(8442, "--port", help="port to listen on"),
          public_url: Optional[str] = typer.Option(None, "--public-url",
                                                   help="public base URL (default ESSPASS_VERIFIER_URL); request "
                                                        "URIs and response URIs are under it")) -> None:
    """Run the OpenID4VP verifier service and the inspector console (embedded defaults under ESSPASS_HOME).

    Prints the mode, the public URL, where it listens and where the console access token is kept
    (ESSPASS_HOME/verifier/console_token; it opens the inspection records)."""
    import uvicorn

    from deployment import ConfigError
    from deployment import startup_lines, uvicorn_options

    from .api import create_app
    from .service import VerifierService
    from .settings import VerifierSettings

    settings = VerifierSettings(**({"verifier_url": public_url} if public_url else {}))
    try:
        svc = VerifierService(settings)
    except ConfigError as exc:
        typer.echo(exc.sentence, err=True)
        raise typer.Exit(EXIT_USAGE) from None
    for line in startup_lines("esspass verifier", _mode_line(svc), svc.base_url, host, port, settings,
                              [("console access token", settings.state_dir / "console_token")],
                              "ESSPASS_VERIFIER_URL"):
        typer.echo(line, err=True)
    typer.echo(f"esspass verifier: console login (inspection records): {svc.base_url}/console/login?token=<the "
               f"console access token>", err=True)
    uvicorn.run(create_app(service=svc), host=host, port=port, log_level="warning", **uvicorn_options(settings))


@app.command("add-client")
def add_client(name: str = typer.Argument(..., help="The API client's name (letters, digits, '-', '_', '.').")) -> None:
    """Allow an API client to start checks under its own quota; prints its token once (only its SHA-256 is kept,
    in ESSPASS_HOME/verifier/clients.json). Adding an existing name replaces its token."""
    from . import access
    from .settings import VerifierSettings

    try:
        token = access.ApiClients(VerifierSettings().state_dir / "clients.json").add(name)
    except ValueError as exc:
        _usage(str(exc))
    typer.echo(json.dumps({"client": name, "token": token}))


@app.command()
def request(preset: str = typer.Option(..., "--preset", help="a1-inspection | a1-coverage | ehic-care"),
            url: Optional[str] = typer.Option(None, "--url", help="Verifier URL (ESSPASS_VERIFIER_URL)."),
            client_token: Optional[str] = typer.Option(
                None, "--client-token", envvar="ESSPASS_VERIFIER_CLIENT_TOKEN",
                help="An API client's token (`esspass verifier add-client`): the check counts against its own "
                     "quota instead of the anonymous pool."),
            same_device: bool = typer.Option(
                False, "--same-device",
                help="The wallet is on the same device (OpenID4VP §8.2): the wallet is sent back with a "
                     "response_code, and `verifier result --response-code` reads the decision.")) -> None:
    """Start a presentation request; prints {"request_uri": "openid4vp://...", "transaction": ID, "result_token": T}
    (and "flow": "same_device" with --same-device).

    Only the holder of the result token may read the result; it is also kept (mode 0600) in
    ESSPASS_HOME/verifier/results/ID.json, where `esspass verifier result ID` finds it."""
    import httpx

    from . import presets as P

    if preset not in P.NAMES:
        _usage(f"--preset must be one of {', '.join(P.NAMES)}")
    base = _url(url)
    try:
        headers = {"Authorization": f"Bearer {client_token}"} if client_token else {}
        body = {"preset": preset, **({"flow": "same_device"} if same_device else {})}
        r = httpx.post(f"{base}/openid4vp/transactions", json=body, headers=headers, timeout=10, verify=_tls())
    except httpx.HTTPError as exc:
        _usage(f"verifier not reachable: {exc}")
    if r.status_code != 200:
        _usage(f"verifier refused: {r.text[:200]}")
    body = r.json()
    out = {"request_uri": body["request_uri"], "transaction": body["transaction"]}
    if same_device:
        out["flow"] = "same_device"
    token = body.get("result_token")
    if isinstance(token, str) and token:
        out["result_token"] = token
        _save_token(body["transaction"], token, base)
    typer.echo(json.dumps(out))


@app.command()
def result(transaction: str = typer.Argument(..., help="Transaction ID from `esspass verifier request`."),
           url: Optional[str] = typer.Option(None, "--url", help="Verifier URL (ESSPASS_VERIFIER_URL)."),
           json_: bool = typer.Option(False, "--json", help="Print the decision as one JSON object."),
           lang: str = typer.Option("en", "--lang"),
           token: Optional[str] = typer.Option(None, "--token", envvar="ESSPASS_VERIFIER_RESULT_TOKEN",
                                               help="The result_token `verifier request` printed (default: the one "
                                                    "it kept under ESSPASS_HOME/verifier/results)."),
           response_code: Optional[str] = typer.Option(
               None, "--response-code",
               help="Same-device: the response_code from the redirect the wallet followed (…#response_code=…, or "
                    "the whole redirect URI); releases the decision once.")) -> None:
    """The decision of a transaction (exit 0/1/3 as `esspass verify`; 4 while no response has arrived, or while a
    same-device check waits for its response_code)."""
    import httpx

    if lang not in LANGS:
        _usage(f"--lang must be one of {', '.join(LANGS)}")
    token = token or _load_token(transaction)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if response_code and "response_code=" in response_code:  # the whole redirect URI was given
        response_code = response_code.split("response_code=", 1)[1].split("&", 1)[0]
    try:
        if response_code:
            r = httpx.post(f"{_url(url)}/openid4vp/transactions/{transaction}/result", headers=headers,
                           json={"response_code": response_code}, timeout=10, verify=_tls())
        else:
            r = httpx.get(f"{_url(url)}/openid4vp/transactions/{transaction}", headers=headers, timeout=10,
                          verify=_tls())
    except httpx.HTTPError as exc:
        _usage(f"verifier not reachable: {exc}")
    if r.status_code == 404:
        _usage("no such transaction")
    if r.status_code == 401:
        _usage("not allowed to read this result: give --token with the result_token `verifier request` printed")
    if r.status_code != 200:
        _usage(f"verifier refused: {r.text[:200]}")
    try:
        view = r.json()
    except ValueError:
        _usage("the verifier's answer is not JSON")
    if view["status"] == "done":
        _emit(view["decision"], json_, lang)
    out = {"status": view["status"], "error": view.get("error")}
    if view["status"] == "awaiting_redirect":
        said = "awaiting_redirect: the wallet answered; give --response-code from the redirect it followed"
    else:
        said = f"{view['status']}: no presentation has arrived" + (f" ({view['error']})" if view.get("error") else "")
    typer.echo(json.dumps(out) if json_ else said)
    raise typer.Exit(EXIT_PENDING if view["status"] in ("pending", "awaiting_redirect") else EXIT["FAILED"])


@app.command()
def sync(out: Path = typer.Option(..., "--out", help="Bundle: a directory, or a file ending in .json."),
         status_uri: list[str] = typer.Option([], "--status-uri", help="Also fetch this Status List Token URI.")
         ) -> None:
    """Save the current trust lists and Status List Tokens for offline inspection.

    Status List Tokens: every --status-uri, ESSPASS_VERIFIER_STATUS_URIS, every status list URI the verifier has
    seen in the credentials it verified (ESSPASS_HOME/verifier/status-uris.json), and on embedded defaults the
    local demo issuer's list ({ESSPASS_ISSUER_URL or http://127.0.0.1:8441}/status/1) if it answers."""
    from .offline import sync_bundle
    from .settings import VerifierSettings

    settings = VerifierSettings()
    result = sync_bundle(out, home=settings.home, settings=settings, status_uris=status_uri)
    now = result.bundle.created_at
    typer.echo(json.dumps({"bundle": str(result.path), "trust_lists": len(result.bundle.trust_lists),
                           "status_lists": len(result.bundle.status_lists),
                           "status_uris_unreachable": result.unreachable(),
                           "complete": result.complete, "kept_since": result.kept_since(),
                           "created_at": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat()}))
