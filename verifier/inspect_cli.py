"""``esspass inspect request|verify|app|screenshots|sync|log`` — the offline inspector (issue #7, item 6).

The flags of ``request`` and ``verify`` are an interface other parties' tests use: keep them exactly.
``verify`` prints the same JSON as ``esspass verify --json`` and exits the same way: 0 PASSED, 1 FAILED,
3 INDETERMINATE, 2 bad usage or unreadable input (no QR code in the picture, no session, unreadable bundle) or a
code that is not a presentation answering this check (``inspect.not_an_answer``: an offer, a request, a URL,
another session's answer; with ``--json`` one object ``{"error", "cause", "message"}``; nothing is logged).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import NoReturn, Optional

import typer

from .cli import EXIT, EXIT_USAGE, _emit

app = typer.Typer(help="Offline inspection with two QR codes: request, verify the answer, the Kivy inspector app.",
                  no_args_is_help=True)


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _home() -> Path:
    from .offline import default_home

    return default_home()


def _anchors(paths: list[Path]) -> list | None:
    if not paths:
        return None
    from trust_list import load_pem_certificates

    out = []
    for p in paths:
        try:
            out.extend(load_pem_certificates(p.read_bytes()))
        except (OSError, ValueError):
            _usage(f"{p} holds no readable PEM certificate")
    return out


@app.command()
def request(
    preset: str = typer.Option(..., "--preset", help="a1-inspection | a1-coverage | ehic-care"),
    out: Path = typer.Option(..., "--out", help="Where to write the request QR code (PNG)."),
    session: Path = typer.Option(..., "--session", help="Directory for this check's session (nonce, client_id…)."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Offline bundle (only checked to be readable)."),
    relying_party: Optional[str] = typer.Option(None, "--relying-party", envvar="ESSPASS_INSPECTOR_RELYING_PARTY",
                                                help="Which relying party of the ecosystem signs (default: the "
                                                     "inspector's own one registered for the preset)."),
    at: Optional[int] = typer.Option(None, "--at", help="Time (Unix seconds); default now."),
    scale: int = typer.Option(4, "--scale", help="Pixels per QR module."),
) -> None:
    """Make a signed request (fresh nonce) as an RQ1: QR code and store the session for `inspect verify`."""
    from trust_list.demo import build_demo_ecosystem

    from . import presets as P
    from .offline import InspectorSession, choose_relying_party

    if preset not in P.NAMES:
        _usage(f"--preset must be one of {', '.join(P.NAMES)}")
    if bundle is not None:
        from .sources import Bundle

        try:
            Bundle.load(bundle)
        except (OSError, ValueError) as exc:
            _usage(f"cannot load bundle {bundle}: {exc}")
    if not 1 <= scale <= 40:
        _usage("--scale must be 1..40")
    now = int(time.time()) if at is None else at
    eco = build_demo_ecosystem(_home() / "ecosystem", now)
    try:
        party = choose_relying_party(eco, preset, relying_party)
    except ValueError as exc:
        _usage(str(exc))
    s = InspectorSession.create(session, preset, party, now=now)
    out.parent.mkdir(parents=True, exist_ok=True)
    info = s.request_png(out, scale=scale)
    typer.echo(json.dumps({"request": str(out), "session": str(session), "preset": preset,
                           "relying_party": party.slug, "client_id": s.client_id, "expires_at": s.expires_at,
                           "qr_version": info.version, "qr_error": info.error, "qr_chars": len(s.request_text)}))


@app.command()
def verify(
    response: Path = typer.Argument(..., help="Picture (PNG/JPEG) of the wallet's VP2: (or older VP1:) QR code, or a paper copy."),
    session: Optional[Path] = typer.Option(None, "--session", help="The session directory of `inspect request` "
                                           "(not needed for a paper copy)."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Offline bundle (trust lists + status tokens); "
                                          "default: the embedded demo ecosystem, status lists over the network."),
    anchor: list[Path] = typer.Option([], "--anchor", help="Pinned trust-list operator certificate (PEM); default "
                                      "the embedded ecosystem's."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Preset for a paper copy scanned without a session."),
    log: Optional[Path] = typer.Option(None, "--log", help="Append to this inspection log (no personal data); "
                                       "default: inspections.jsonl in the session directory."),
    at: Optional[int] = typer.Option(None, "--at", help="Verification time (Unix seconds); default now."),
    lang: str = typer.Option("en", "--lang", help="Language of the report: en or da."),
    json_: bool = typer.Option(False, "--json", help="Print exactly one JSON object (as `esspass verify --json`)."),
) -> None:
    """Decode the response QR and decide offline. Exit 0 PASSED, 1 FAILED, 3 INDETERMINATE, 2 usage/unreadable/not an
    answer to this check."""
    import qrimage
    from credential.reasons import Rejected

    from . import presets as P
    from .offline import InspectionLog, InspectorSession, NotAnAnswer, load_verifier

    if lang not in ("en", "da"):
        _usage("--lang must be en or da")
    if preset is not None and preset not in P.NAMES:
        _usage(f"--preset must be one of {', '.join(P.NAMES)}")
    now = int(time.time()) if at is None else at
    s = None
    if session is not None:
        try:
            s = InspectorSession.load(session)
        except ValueError as exc:
            _usage(str(exc))
        if preset is not None and preset != s.preset:
            _usage(f"the session asks for {s.preset}, not {preset}")
    try:
        qr_text = qrimage.decode_qr_image(response)
    except Rejected as exc:
        _usage(f"{response}: {exc.code}: {exc.reason.en}")
    try:
        verifier = load_verifier(bundle=bundle, home=_home(), now=now, anchors=_anchors(anchor))
    except (OSError, ValueError) as exc:
        _usage(f"cannot load bundle {bundle}: {exc}")
    try:
        decision = verifier.decide(qr_text, s, now=now, preset=preset)
    except NotAnAnswer as exc:  # a scanning problem, not a verdict: exit 2 as for bad usage, nothing logged
        message = exc.reason.text(lang)
        if json_:
            typer.echo(json.dumps({"error": exc.code, "cause": exc.cause, "message": exc.reason.message()},
                                  ensure_ascii=False))
        typer.echo(f"error: {message} ({exc.cause})", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    finally:
        verifier.close()
    log_path = log or (session / "inspections.jsonl" if session is not None else None)
    if log_path is not None:
        InspectionLog(log_path).add(decision, now)
    _emit(decision.as_json(), json_, lang)


@app.command()
def sync(
    out: Path = typer.Option(..., "--out", help="Bundle: a directory, or a file ending in .json."),
    status_uri: list[str] = typer.Option([], "--status-uri", help="Also fetch this Status List Token URI."),
) -> None:
    """Refresh the offline bundle (trust lists + the status tokens it already holds + --status-uri)."""
    from .offline import sync_bundle

    result = sync_bundle(out, home=_home(), status_uris=status_uri)
    b = result.bundle
    # what could not be updated keeps its older data (issue 17): "kept" items say so, with the time it is from
    typer.echo(json.dumps({"bundle": str(out), "trust_lists": len(b.trust_lists),
                           "status_lists": len(b.status_lists), "created_at": b.created_at,
                           "complete": result.complete, "kept_since": result.kept_since(),
                           "items": [i.as_json() for i in result.items]}))


@app.command("app")
def app_command(
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Offline bundle to use and refresh."),
    state: Optional[Path] = typer.Option(None, "--state", help="Directory for sessions and the inspection log "
                                         "(default ESSPASS_HOME/inspector)."),
    lang: str = typer.Option("en", "--lang", help="The app's language: en da sv nb fi is de pl lt ro."),
    size: str = typer.Option("432x900", "--size", help="Window size WIDTHxHEIGHT (fitted to the display, centred)."),
    verbose: bool = typer.Option(False, "--verbose", help="Also log HTTP client details (debug)."),
) -> None:
    """Start the Kivy inspector app."""
    from uikit.env import parse_size

    from credential.i18n import LANGS

    if lang not in LANGS:
        _usage("--lang must be one of " + " ".join(LANGS))
    try:
        window = parse_size(size)
    except ValueError as exc:
        _usage(f"--size: {exc}")
    from .ui.app import run

    run(home=_home(), bundle=bundle, state=state, lang=lang, size=window, verbose=verbose)


@app.command()
def screenshots(out: Path = typer.Option(..., "--out", help="Directory for the PNG files."),
                lang: Optional[str] = typer.Option(None, "--lang", help="Only this language (default: all ten).")
                ) -> None:
    """Render every inspector screen offscreen with demo data, in every language (or one)."""
    from credential.i18n import LANGS

    from .ui.screenshots import render_all

    if lang is not None and lang not in LANGS:
        _usage("--lang must be one of " + " ".join(LANGS))
    paths = render_all(out, [lang] if lang else LANGS)
    typer.echo(json.dumps({"screenshots": [p.name for p in paths], "out": str(out)}))


__all__ = ["app", "EXIT"]
