"""``esspass sd-jwt issue|present|verify``: the low-level credential commands.

Their flags are an interface other parties' tests use (issue #2, item 7): keep them exactly.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

app = typer.Typer(help="Issue, present and verify SD-JWT (RFC 9901) credentials.", no_args_is_help=True)

MAX_INPUT_BYTES = 4 * 1024 * 1024


def _fail_usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        _fail_usage(f"cannot read {what} {path}: {exc.strerror}")
    return data  # one byte over MAX_INPUT_BYTES at most: the verifier refuses it with its own reason (sd.too_large)


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(_read(path, what))
    except (ValueError, RecursionError) as exc:
        _fail_usage(f"{what} {path} is not valid JSON: {exc}")


def _pem_certs_b64(paths: list[Path]) -> list[str]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    out: list[str] = []
    for p in paths:
        try:
            certs = x509.load_pem_x509_certificates(_read(p, "certificate"))
        except ValueError as exc:
            _fail_usage(f"{p} holds no PEM certificate: {exc}")
        out.extend(base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in certs)
    return out


@app.command("issue")
def issue_cmd(
    issuer_key: Path = typer.Option(..., "--issuer-key", help="Issuer private key (PEM)."),
    x5c: list[Path] = typer.Option([], "--x5c", help="Certificate(s) for the x5c header, leaf first."),
    claims: Path = typer.Option(..., "--claims", help="Claims JSON file."),
    type_: Optional[str] = typer.Option(None, "--type", help="pda1 or ehic: schema, vct and disclosure layout."),
    sd: list[str] = typer.Option([], "--sd", help="Claim path to make selectively disclosable (a.b.0)."),
    holder_key: Optional[Path] = typer.Option(None, "--holder-key", help="Holder public key (JWK JSON)."),
    typ: Optional[str] = typer.Option(None, "--typ", help="Header typ (default dc+sd-jwt)."),
) -> None:
    """Issue an SD-JWT and print it."""
    from credential import jose, sd_jwt, sd_jwt_vc
    from credential.reasons import Rejected

    if (type_ is None) == (not sd):
        _fail_usage("give exactly one of --type or --sd")
    try:
        key = jose.SigningKey.from_pem(_read(issuer_key, "issuer key"))
    except (ValueError, TypeError, jose.JoseError) as exc:
        _fail_usage(f"cannot load issuer key {issuer_key}: {exc}")
    body = _read_json(claims, "claims file")
    if not isinstance(body, dict):
        _fail_usage("the claims file must hold a JSON object")
    holder_jwk = None
    if holder_key is not None:
        holder_jwk = _read_json(holder_key, "holder key")
        try:
            jose.jwk_to_public_key(holder_jwk)
        except jose.JoseError as exc:
            _fail_usage(f"holder key {holder_key}: {exc}")
    if type_ is not None:
        from credential.types import get_type, validate_claims

        try:
            ctype = get_type(type_)
        except KeyError:
            _fail_usage(f"unknown --type {type_!r} (pda1 or ehic)")
        errors = validate_claims(ctype, body)
        if errors:
            typer.echo(json.dumps({"errors": [e.__dict__ for e in errors]}, ensure_ascii=False, indent=2), err=True)
            raise typer.Exit(2)
        vct = ctype.vct
        paths = list(ctype.sd_layout)
    else:
        vct = body.get("vct")
        try:
            paths = [sd_jwt.parse_path(p) for p in sd]
        except ValueError as exc:
            _fail_usage(str(exc))
    typ = typ or sd_jwt_vc.TYP
    if typ == sd_jwt_vc.TYP and not isinstance(vct, str):
        _fail_usage("an SD-JWT VC (typ dc+sd-jwt) needs a 'vct' claim")
    header: dict[str, Any] = {"x5c": _pem_certs_b64(x5c)} if x5c else {}
    iat = body.get("iat", int(time.time()))
    try:
        if vct is not None:
            issued = sd_jwt_vc.issue_vc(
                body, key, vct=vct, iat=iat, sd_paths=paths, iss=body.get("iss"), exp=body.get("exp"),
                nbf=body.get("nbf"), holder_jwk=holder_jwk, header=header, typ=typ,
                status=sd_jwt_vc.status_ref(body) if "status" in body else None,
                strict_paths=type_ is None,
            )
        else:
            claims_out = dict(body)
            if holder_jwk is not None:
                claims_out["cnf"] = {"jwk": holder_jwk}
            issued = sd_jwt.issue(claims_out, key, sd_paths=paths, header={"typ": typ, **header})
    except (ValueError, jose.JoseError, Rejected) as exc:  # Rejected: a malformed "status" claim
        _fail_usage(str(exc))
    typer.echo(issued.serialize())


@app.command("present")
def present_cmd(
    credential_file: Path = typer.Argument(..., help="The SD-JWT as issued."),
    disclose: list[str] = typer.Option([], "--disclose", help="Claim path to disclose."),
    holder_key: Optional[Path] = typer.Option(None, "--holder-key", help="Holder private key (PEM)."),
    nonce: Optional[str] = typer.Option(None, "--nonce"),
    aud: Optional[str] = typer.Option(None, "--aud"),
) -> None:
    """Print a presentation disclosing only the given claim paths (with a KB-JWT if a holder key is given)."""
    from credential import jose, sd_jwt
    from credential.reasons import Rejected

    if holder_key is not None and (nonce is None or aud is None):
        _fail_usage("--holder-key needs --nonce and --aud")
    key = None
    if holder_key is not None:
        try:
            key = jose.SigningKey.from_pem(_read(holder_key, "holder key"))
        except (ValueError, TypeError, jose.JoseError) as exc:
            _fail_usage(f"cannot load holder key {holder_key}: {exc}")
    text = _read(credential_file, "credential").decode("utf-8", "replace").strip()
    from credential.dcql import process_path

    try:
        paths = [sd_jwt.parse_path(p) for p in disclose]
        claims = sd_jwt.holder_view(text).processed
        for dotted, path in zip(disclose, paths):
            try:
                process_path(claims, path)
            except ValueError:
                _fail_usage(f"the credential has no claim {dotted!r}")  # a typo must not go unnoticed
        out = sd_jwt.present(text, paths, holder_key=key, nonce=nonce, aud=aud, iat=int(time.time()))
    except (ValueError, jose.JoseError, Rejected) as exc:
        _fail_usage(f"cannot present {credential_file}: {exc}")
    typer.echo(out)


@app.command("verify")
def verify_cmd(
    presentation_file: Path = typer.Argument(..., help="The presentation (SD-JWT or SD-JWT+KB)."),
    issuer_key: Path = typer.Option(..., "--issuer-key", help="Issuer public key: JWK JSON or PEM."),
    nonce: Optional[str] = typer.Option(None, "--nonce"),
    aud: Optional[str] = typer.Option(None, "--aud"),
    no_key_binding: bool = typer.Option(False, "--no-key-binding", help="Policy: key binding not required."),
    typ: str = typer.Option("dc+sd-jwt", "--typ", help="Expected header typ."),
    vct: list[str] = typer.Option([], "--vct", help="Expected vct (any of these)."),
    at: Optional[int] = typer.Option(None, "--at", help="Verification time (Unix seconds)."),
) -> None:
    """Verify a presentation; print one JSON object; exit 0 PASSED, 1 FAILED, 2 bad usage."""
    from credential import jose, sd_jwt, sd_jwt_vc
    from credential.reasons import Rejected

    if no_key_binding and (nonce is not None or aud is not None):
        _fail_usage("--no-key-binding excludes --nonce/--aud")
    if not no_key_binding and (nonce is None or aud is None):
        _fail_usage("give --nonce and --aud (key binding required) or --no-key-binding")
    try:
        key = jose.load_public_key(_read(issuer_key, "issuer key"))
    except (ValueError, TypeError, jose.JoseError) as exc:
        _fail_usage(f"cannot load issuer key {issuer_key}: {exc}")
    raw = _read(presentation_file, "presentation")
    now = at if at is not None else int(time.time())
    kb = sd_jwt.KeyBindingPolicy(required=not no_key_binding, nonce=nonce, aud=aud)
    # --at names an exact instant: no clock-skew allowance, so a credential is expired at its exp
    policy = sd_jwt.VerifyPolicy(now=now, key_binding=kb, expected_typ=typ, clock_leeway_s=0 if at is not None else 60)
    try:
        text = raw.decode("utf-8").strip()
        if typ == sd_jwt_vc.TYP:
            verified = sd_jwt_vc.verify_vc(text, key, policy, expected_vct=vct or None)
        else:
            verified = sd_jwt.verify(text, key, policy)
    except UnicodeDecodeError:
        _emit(_failed(sd_jwt.R_FORMAT))
    except Rejected as exc:
        _emit(_failed(exc.reason))
    _emit({"result": "PASSED", "reason": None, "message": None, "payload": verified.payload})


def _failed(reason: Any) -> dict[str, Any]:
    return {"result": "FAILED", "reason": reason.code, "message": reason.message(), "payload": None}


def _emit(result: dict[str, Any]) -> NoReturn:
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    raise typer.Exit(0 if result["result"] == "PASSED" else 1)
