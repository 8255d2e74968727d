"""``esspass demo``: the ESSPASS journey on embedded defaults, explained step by step.

Stage 1 (credential core): an institution issues an A1 and an EHIC to a freshly generated holder
key; the holder presents the ``a1-inspection`` claims with key binding; the verifier checks the
presentation and prints the disclosed claims and every check with its result.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from credential import jose, sd_jwt, sd_jwt_vc
from credential.dcql import PRESETS, parse_query, requested_paths
from credential.reasons import Rejected
from credential.types import get_type, sample_claims

# What the core verifier checks, in order, for an SD-JWT VC with key binding required.
_CORE_CHECKS = [
    ("sd.format", "The presentation is a well-formed SD-JWT", "Præsentationen er en korrekt opbygget SD-JWT"),
    ("vc.typ", "The credential is an SD-JWT VC (typ dc+sd-jwt)", "Legitimationen er et SD-JWT VC (typ dc+sd-jwt)"),
    ("sd.alg_not_allowed", "Signed with an allowed algorithm", "Signeret med en tilladt algoritme"),
    ("sd.signature", "The issuer's signature is valid", "Udstederens signatur er gyldig"),
    ("sd.unreferenced_disclosure", "Every disclosed claim was signed by the issuer", "Alle videregivne oplysninger er signeret af udstederen"),
    ("sd.duplicate_digest", "No digest is used twice", "Ingen hashværdi bruges to gange"),
    ("sd.expired", "The credential has not expired", "Legitimationen er ikke udløbet"),
    ("kb.signature", "Presented by the holder of the bound key", "Fremvist af indehaveren af den bundne nøgle"),
    ("kb.nonce", "Made for this request (nonce)", "Lavet til denne anmodning (nonce)"),
    ("kb.aud", "Made for this verifier (audience)", "Lavet til denne verifikator (modtager)"),
    ("kb.sd_hash", "The key-binding proof covers exactly these disclosures", "Nøglebindingsbeviset dækker præcis disse oplysninger"),
    ("vc.vct_mismatch", "The credential is an A1 (vct urn:eudi:pda1:1)", "Legitimationen er et A1 (vct urn:eudi:pda1:1)"),
]


def _claims_table(title: str, claims: dict[str, Any], lang: str) -> Table:
    ctype = get_type(claims["vct"])
    table = Table(title=title, show_lines=False)
    table.add_column("claim" if lang == "en" else "oplysning")
    table.add_column("value" if lang == "en" else "værdi")
    hidden = sd_jwt_vc.NEVER_DISCLOSABLE | {"_sd_alg"}
    for name, value in claims.items():
        if name in hidden:
            continue
        from credential.types import claim_label

        table.add_row(claim_label(ctype, (name,), lang) or name, _show(value))
    return table


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_show(v) for v in value)
    return str(value)


def run_demo(lang: str = "en", console: Console | None = None) -> int:
    console = console or Console()
    if lang not in ("en", "da"):
        console.print("[red]--lang must be en or da[/red]")
        return 2
    now = int(time.time())
    console.rule("ESSPASS demo")
    issuer_key = jose.SigningKey.generate()
    holder_key = jose.SigningKey.generate()
    console.print("1. Udbetaling Danmark generates a signing key; the citizen's wallet generates a holder key.")

    issued = {}
    for key in ("pda1", "ehic"):
        ctype = get_type(key)
        issued[key] = sd_jwt_vc.issue_vc(
            sample_claims(key), issuer_key, vct=ctype.vct, iat=now, exp=now + 365 * 86400,
            iss="https://udbetaling.demo.esspass.eu", sd_paths=ctype.sd_layout,
            holder_jwk=holder_key.public_jwk(),
            status=sd_jwt_vc.StatusRef(secrets.randbelow(100_000), "https://udbetaling.demo.esspass.eu/status/1"),
        )
        console.print(
            f"2. Issued {ctype.metadata.get('name', key)} ({ctype.vct}): "
            f"{len(issued[key].disclosures)} selectively disclosable claims, "
            f"{len(issued[key].serialize())} characters."
        )

    nonce, aud = jose.b64u_encode(secrets.token_bytes(16)), "x509_hash:demo-inspector"
    query = parse_query(PRESETS["a1-inspection"]).credentials[0]
    presentation = sd_jwt.present(
        issued["pda1"].serialize(), requested_paths(query), holder_key=holder_key, nonce=nonce, aud=aud, iat=now
    )
    shown = len(sd_jwt.parse(presentation).disclosures)
    console.print(f"3. The wallet presents the a1-inspection claims: {shown} of {len(issued['pda1'].disclosures)} disclosures, with key binding.")

    policy = sd_jwt.VerifyPolicy(now=now, key_binding=sd_jwt.KeyBindingPolicy(True, nonce, aud), expected_typ=sd_jwt_vc.TYP)
    try:
        verified = sd_jwt_vc.verify_vc(presentation, issuer_key.public_key(), policy, expected_vct={get_type("pda1").vct})
    except Rejected as exc:
        console.print(f"[bold red]FAILED[/bold red] {exc.code}: {exc.reason.message()[lang]}")
        return 1
    checks = Table(title="Checks" if lang == "en" else "Kontroller")
    checks.add_column("code")
    checks.add_column("check" if lang == "en" else "kontrol")
    checks.add_column("result" if lang == "en" else "resultat")
    for code, en, da in _CORE_CHECKS:
        checks.add_row(code, en if lang == "en" else da, "[green]pass[/green]")
    console.print(checks)
    console.print(_claims_table("Disclosed claims" if lang == "en" else "Videregivne oplysninger", verified.payload, lang))
    today = dt.date.fromtimestamp(now).isoformat()
    console.print(f"[bold green]PASSED[/bold green] — verified {today}.")
    return 0
