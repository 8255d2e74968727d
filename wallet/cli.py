"""``esspass wallet``: the headless wallet agent on the same core as the app (issue #6, item 7).

Keep these exactly (scripts and the demo use them):

    esspass wallet receive OFFER_URI [--tx-code CODE] --store DIR --pin PIN
    esspass wallet present OPENID4VP_URI --store DIR --pin PIN --yes
    esspass wallet respond-offline REQUEST.png --store DIR --pin PIN --yes --out RESPONSE.png
    esspass wallet list --store DIR --pin PIN --json
    esspass wallet history --store DIR --pin PIN --json
    esspass wallet screenshots --out DIR
    esspass wallet app [--store DIR]

Trust comes from ``--trust-dir`` or ``ESSPASS_HOME/ecosystem`` (default ``./.esspass/ecosystem``).
Exit codes: 0 done; 1 refused, stopped or failed (the reason code and message are printed);
2 bad usage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from credential.i18n import LANGS
from credential.reasons import Rejected

from . import reasons as R

__all__ = ["app"]

app = typer.Typer(help="The citizen's wallet: receive, list, present credentials and see who saw what.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

StoreOpt = typer.Option(..., "--store", help="Wallet directory (created on first receive).")
PinOpt = typer.Option(..., "--pin", help="Wallet PIN (6-12 digits).")
TrustOpt = typer.Option(None, "--trust-dir", help="Trust lists directory (default ESSPASS_HOME/ecosystem).")


def _fail(exc: Rejected, as_json: bool = False) -> None:
    """Print a refusal and exit 1: with ``--json`` one JSON object on stdout (``ok``, ``reason``, ``en``, ``da``;
    ``wait_s`` / ``attempts_left`` after wrong PINs), else the code and both messages on stderr."""
    from .i18n import refusal

    message = refusal(exc)
    if as_json:
        out = {"ok": False, "reason": exc.code, "en": message["en"], "da": message["da"]}
        if getattr(exc, "wait_s", None) is not None:
            out["wait_s"] = int(-(-exc.wait_s // 1))  # type: ignore[attr-defined]
        if getattr(exc, "attempts_left", None) is not None:
            out["attempts_left"] = exc.attempts_left  # type: ignore[attr-defined]
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        typer.echo(f"Refused [{exc.code}]: {message['en']}", err=True)
        typer.echo(f"Afvist [{exc.code}]: {message['da']}", err=True)
    raise typer.Exit(1)


def _open(store: Path, pin: str, create: bool = False, as_json: bool = False):
    from .core import Wallet

    wallet = Wallet(store)
    try:
        if create:
            wallet.open_or_create(pin)
        else:
            wallet.unlock(pin)
    except Rejected as exc:
        _fail(exc, as_json)
    return wallet


def _trust(trust_dir: Optional[Path], as_json: bool = False):
    from .trust import load_trust_store

    try:
        return load_trust_store(trust_dir, int(time.time()))
    except Rejected as exc:
        _fail(exc, as_json)



def _show_consent(request, consent, share_extra: bool, how: str = "") -> None:
    """What the relying party asks for, on stderr, before the user (or --yes) agrees."""
    def dotted(paths) -> str:
        return ", ".join(".".join(map(str, p)) for p in paths)

    err = sys.stderr
    if consent.unregistered:  # first, and never hidden (issue 13 item 4)
        print("WARNING - NOT A REGISTERED VERIFIER: it is on none of the lists of registered verifiers; nobody has "
              "checked who it is or what it may ask for.", file=err)
        print(f"  its certificate says: {request.rp.subject}", file=err)
        print(f"  your answer would go to: {request.host()}", file=err)
    print(f"{request.name()} asks{how}: {request.purpose().get('en', '')}", file=err)
    for item in consent.items:
        print(f"  from {item.card.vct}: {dotted(item.reveals)}", file=err)
        if item.over_asking:
            print(f"  WARNING - also asks for data it is NOT registered for: {dotted(item.reveals_extra)}"
                  + ("  (will be shared: --share-extra)" if share_extra else "  (will NOT be shared)"), file=err)

@app.command()
def receive(
    offer_uri: str = typer.Argument(..., help="openid-credential-offer://... (by value or by reference)"),
    tx_code: Optional[str] = typer.Option(None, "--tx-code", help="Transaction code sent on another channel."),
    store: Path = StoreOpt,
    pin: str = PinOpt,
    trust_dir: Optional[Path] = TrustOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Receive credentials from an issuer (OpenID4VCI pre-authorized code flow)."""
    from .issuance import receive as do_receive
    from .status import refresh_all

    wallet = _open(store, pin, create=True, as_json=as_json)
    trust = _trust(trust_dir, as_json)
    try:
        got = do_receive(wallet, offer_uri, trust, tx_code=tx_code)
    except Rejected as exc:
        _fail(exc, as_json)
    try:
        refresh_all(wallet, trust)
    except Exception:  # noqa: BLE001 - status is best effort; never fails a receipt
        pass
    cards = [wallet.card(c.id).public_summary() for c in got.cards]
    if as_json:
        typer.echo(json.dumps({"ok": True, "cards": cards}, ensure_ascii=False))
    else:
        for c in cards:
            typer.echo(f"Received {c['vct']} from {c['issuer']} ({c['copies_total']} one-time copies), id {c['id']}")


@app.command()
def present(
    openid4vp_uri: str = typer.Argument(..., help="openid4vp://?client_id=...&request_uri=..."),
    store: Path = StoreOpt,
    pin: str = PinOpt,
    yes: bool = typer.Option(False, "--yes", help="Consent without asking (registered claims only)."),
    share_extra: bool = typer.Option(False, "--share-extra",
                                     help="Also share claims the relying party is NOT registered for."),
    accept_unregistered: bool = typer.Option(
        False, "--accept-unregistered",
        help="Share with a verifier that is on none of the lists of registered verifiers (else: asked, or with "
             "--yes refused)."),
    strict: bool = typer.Option(False, "--strict", help="Refuse verifiers that are not registered outright "
                                                        "(also ESSPASS_WALLET_STRICT_VERIFIERS=1 or the wallet's "
                                                        "setting)."),
    trust_dir: Optional[Path] = TrustOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Present credentials to a relying party (OpenID4VP, direct_post.jwt). A same-device verifier's redirect_uri
    (OpenID4VP §8.2) is printed (and in --json) for the browser to follow."""
    from .presentation import decline, fetch_request, log_stopped, plan, respond, strict_verifiers
    from .trust import is_demo

    wallet = _open(store, pin, as_json=as_json)
    trust = _trust(trust_dir, as_json)
    try:
        strict = strict or strict_verifiers(wallet)
    except ValueError as exc:
        _usage(str(exc))
    try:
        request = fetch_request(openid4vp_uri, trust, wallet.now(), demo=is_demo(trust_dir),
                                allow_unregistered=not strict)
    except Rejected as exc:
        log_stopped(wallet, openid4vp_uri, exc)
        _fail(exc, as_json)
    try:
        consent = plan(wallet, request)
    except Rejected as exc:
        wallet.log(kind="presentation", party=request.name(), party_id=request.client_id, credential="",
                   purpose=request.purpose(), outcome="failed", reason=exc.code)
        _fail(exc, as_json)
    _show_consent(request, consent, share_extra)
    if not yes and not typer.confirm("Share?", default=False, err=True):
        decline(wallet, consent)
        _fail(Rejected(R.DECLINED), as_json)
    if consent.unregistered and not accept_unregistered and not yes:  # a second, explicit yes for this one
        accept_unregistered = typer.confirm("It is NOT a registered verifier. Share with it anyway?", default=False,
                                            err=True)
        if not accept_unregistered:
            decline(wallet, consent)
            _fail(Rejected(R.DECLINED), as_json)
    try:
        outcome = respond(wallet, consent, include_over_asking=share_extra, accept_unregistered=accept_unregistered)
    except Rejected as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps({"ok": True, "relying_party": request.name(), "shared": outcome.shared,
                               "over_asking": [".".join(map(str, p)) for _, p in consent.over_asking_paths()],
                               "registered": not consent.unregistered,
                               "redirect_uri": outcome.redirect_uri}, ensure_ascii=False))
    else:
        for qid, paths in outcome.shared.items():
            typer.echo(f"Shared with {request.name()} ({qid}): {', '.join(paths)}")
        if outcome.redirect_uri:  # §8.2 same-device: the browser continues there
            typer.echo(f"Continue in your browser: {outcome.redirect_uri}")


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command("respond-offline")
def respond_offline_command(
    request_png: Path = typer.Argument(..., metavar="REQUEST.png",
                                       help="Picture (PNG/JPEG) of the inspector's RQ1: request QR code."),
    store: Path = StoreOpt,
    pin: str = PinOpt,
    out: Path = typer.Option(..., "--out", help="Where to write the response QR code (PNG)."),
    yes: bool = typer.Option(False, "--yes", help="Consent without asking (registered claims only)."),
    share_extra: bool = typer.Option(False, "--share-extra",
                                     help="Also share claims the relying party is NOT registered for."),
    trust_dir: Optional[Path] = TrustOpt,
    scale: int = typer.Option(4, "--scale", help="Pixels per QR module in RESPONSE.png."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Answer an offline inspection: read the request QR, check it offline, write the response QR (no network)."""
    import qrimage

    from .offline import decline_offline, open_offline, respond_offline

    if not 1 <= scale <= 40:
        _usage("--scale must be 1..40")
    if not request_png.is_file():
        _usage(f"{request_png}: no such file")
    try:
        qr_text = qrimage.decode_qr_image(request_png)
    except Rejected as exc:  # not an image, or no QR code in it: bad input (exit 2), said in JSON too
        if as_json:
            typer.echo(json.dumps({"ok": False, "reason": exc.code, "en": exc.reason.en, "da": exc.reason.da},
                                  ensure_ascii=False))
        _usage(f"{request_png}: {exc.code}: {exc.reason.en}")
    wallet = _open(store, pin, as_json=as_json)
    trust = _trust(trust_dir, as_json)
    try:
        consent = open_offline(wallet, qr_text, trust)
    except Rejected as exc:
        _fail(exc, as_json)
    request = consent.request
    _show_consent(request, consent, share_extra, " (offline)")
    if not yes and not typer.confirm("Share?", default=False, err=True):
        decline_offline(wallet, consent)
        _fail(Rejected(R.DECLINED), as_json)
    try:
        response = respond_offline(wallet, consent, include_over_asking=share_extra)
        out.parent.mkdir(parents=True, exist_ok=True)
        info = qrimage.encode_qr_png(response.qr_text, out, scale=scale)
    except Rejected as exc:
        _fail(exc, as_json)
    except OSError as exc:
        _usage(f"cannot write {out}: {exc.strerror}")
    if as_json:
        typer.echo(json.dumps({"ok": True, "relying_party": request.name(), "client_id": request.client_id,
                               "shared": {response.query_id: response.shared},
                               "over_asking": [".".join(map(str, p)) for _, p in consent.over_asking_paths()],
                               "response": str(out), "qr_version": info.version, "qr_error": info.error,
                               "qr_chars": len(response.qr_text)}, ensure_ascii=False))
    else:
        typer.echo(f"Show {out} to {request.name()} ({response.query_id}): {', '.join(response.shared)} "
                   f"(QR version {info.version}-{info.error})")


@app.command("list")
def list_cards(
    store: Path = StoreOpt,
    pin: str = PinOpt,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the credentials in the wallet."""
    wallet = _open(store, pin, as_json=as_json)
    try:
        cards = [c.public_summary() for c in wallet.cards()]
        reminders = wallet.expiry_reminders()
    except Rejected as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps({"ok": True, "cards": cards, "reminders": reminders}, ensure_ascii=False, indent=1))
        return
    if not cards:
        typer.echo("No credentials.")
    for c in cards:
        typer.echo(f"{c['id']}  {c['vct']}  {c['issuer']}  status {c['status']}  "
                   f"expires {c['expires_at']}  {c['copies_left']}/{c['copies_total']} copies left")
    for r in reminders:
        if r["layer"] == "copies":
            typer.echo(f"Reminder: {r['vct']}: " + ("no one-time copies left, ask the issuer to issue it again"
                                                   if r["copies_left"] == 0 else
                                                   f"only {r['copies_left']} one-time copy left"))
        else:
            typer.echo(f"Reminder: {r['vct']} {r['layer']} ends {r['date']} ({r['days_left']} days)")


@app.command()
def history(
    store: Path = StoreOpt,
    pin: str = PinOpt,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    pdf: Optional[Path] = typer.Option(None, "--pdf", help="Also write the history as PDF to this file."),
    lang: str = typer.Option("en", "--lang", help="Language of the PDF: en, da, sv, nb, fi, is, de, pl, lt or ro."),
) -> None:
    """Show who received or saw which data, when, why, and the outcome."""
    from .export import history_pdf, reason_text

    wallet = _open(store, pin, as_json=as_json)
    try:
        events = wallet.history_json()
        if pdf is not None:  # a readable copy the user asked for by name: still owner-only (0600)
            from .private_file import write_private

            write_private(pdf, history_pdf(wallet, lang))
    except Rejected as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps({"ok": True, "events": events}, ensure_ascii=False, indent=1))
        return
    for e in events:
        extra = f" [{e['reason']}: {reason_text(e['reason'], lang)}]" if e["reason"] else ""
        typer.echo(f"{e['at_iso']}  {e['kind']:<12} {e['outcome']:<9} {e['party']}  {', '.join(e['claims'])}{extra}")


@app.command("open-export")
def open_export(
    file: Path = typer.Argument(..., help="An encrypted export (esspass-history….jwe) saved by the wallet app."),
    out: Path = typer.Option(..., "--out", help="Where to write the readable file (created 0600)."),
    secret: str = typer.Option(..., "--secret", prompt="PIN or passphrase", hide_input=True,
                               help="The PIN or passphrase the export was protected with."),
) -> None:
    """Decrypt a history export (a JWE, PBES2-HS512+A256KW / A256GCM) into a readable file only you can read."""
    from .private_file import MAX_FILE_BYTES, open_sealed, write_private

    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        typer.echo(f"error: {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    try:
        data, content_type = open_sealed(raw[:MAX_FILE_BYTES], secret)
    except Rejected as exc:
        _fail(exc)
    write_private(out, data)
    typer.echo(json.dumps({"out": str(out), "content_type": content_type, "bytes": len(data)}))


@app.command()
def screenshots(
    out: Path = typer.Option(..., "--out", help="Directory for the PNG files."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Only this language (default: all ten)."),
) -> None:
    """Render every screen offscreen with demo data, in every language (or one), into PNG files."""
    from credential.i18n import LANGS

    from .ui.screenshots import render_all

    paths = render_all(out, [lang] if lang else LANGS)
    for p in paths:
        typer.echo(str(p))


@app.command("app")
def run_app(
    link: Optional[str] = typer.Argument(None, help="An offer or request link to open once the wallet is unlocked (the system passes it when the app is the handler of openid-credential-offer://, eu-eaa-offer://, haip-vci://, openid4vp:// or haip-vp:// links)."),
    store: Path = typer.Option(Path("./.esspass/wallet"), "--store", help="Wallet directory."),
    trust_dir: Optional[Path] = TrustOpt,
    size: str = typer.Option("420x860", "--size", help="Window size WIDTHxHEIGHT (fitted to the display, centred)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="en, da, sv, nb, fi, is, de, pl, lt or ro (default: the language chosen last time, else the system's)."),
    verbose: bool = typer.Option(False, "--verbose", help="Also log HTTP client details (debug)."),
) -> None:
    """Start the Kivy wallet app on this desktop."""
    from uikit.env import parse_size

    try:
        window = parse_size(size)
    except ValueError as exc:
        typer.echo(f"error: --size: {exc}", err=True)
        raise typer.Exit(2) from None
    if lang is not None and lang not in LANGS:
        typer.echo(f"error: --lang must be one of {', '.join(LANGS)}", err=True)
        raise typer.Exit(2)
    from .ui.single_instance import hand_over

    # one app per wallet: a link opened while it runs goes to that app (wallet/ui/single_instance.py)
    taken = hand_over(store, link)
    if taken is True:
        typer.echo("The wallet is already open: " + ("the link was handed to it." if link else "it was brought forward."))
        return
    if taken is False:
        typer.echo("error: the open wallet did not take this link: it is not an offer or request link it opens "
                   "(openid-credential-offer, eu-eaa-offer, haip-vci, openid4vp, eudi-openid4vp, haip-vp)", err=True)
        raise typer.Exit(2)
    from .ui.app import run

    run(store, trust_dir, size=window, lang=lang, verbose=verbose, link=link)
