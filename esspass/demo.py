"""``esspass demo``: the whole ESSPASS journey on embedded defaults, explained step by step.

1. the trust-list operator's Pub-EAA list (who may issue A1 and EHIC);
2. the issuer (Udbetaling Danmark) and the verifier service start on loopback ports, with all
   state under ``ESSPASS_HOME`` (default ``./.esspass``), created on first use;
3. the institution creates an A1 and an EHIC case; the citizen's wallet (headless agent) redeems
   both offers over OpenID4VCI with the transaction code, checking the issuer against the list;
4. a labour inspector asks for the ``a1-inspection`` claims over OpenID4VP; the wallet checks the
   relying party and answers with only those claims; the verifier decides and explains;
5. the institution revokes the A1; after the status list's ``ttl`` the inspector asks again and the
   verification fails, explained in English and Danish;
6. the wallet's history: who saw what, when.

Nothing is faked: real HTTP servers, real SQLite, real signatures; the same code paths as
``esspass issuer serve``, ``esspass verifier serve`` and ``esspass wallet ...``.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from credential.i18n import LANGS
from credential.reasons import Rejected
from credential.types import sample_claims

from .servers import serve_in_thread

DEMO_PIN = "246810"
STATUS_TTL_S = 2  # the demo's Status List Tokens may be cached this long (draft -20 §5.1 "ttl")


def _home() -> Path:
    return Path(os.environ.get("ESSPASS_HOME", ".esspass"))


def _history_table(events: list[dict[str, Any]]) -> Table:
    table = Table(title="Wallet history: who saw what")
    for col in ("when", "what", "who", "claims", "outcome"):
        table.add_column(col)
    for e in events:
        when = e.get("time") or e.get("at")
        if isinstance(when, (int, float)):
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
        table.add_row(
            str(when or ""),
            str(e.get("kind", "")),
            str(e.get("party", "")),
            ", ".join(e.get("claims") or []) if isinstance(e.get("claims"), list) else str(e.get("claims", "")),
            f"{e.get('outcome', '')} {e.get('reason') or ''}".strip(),
        )
    return table


def _inspect(console: Console, verifier_url: str, wallet: Any, trust: Any, preset: str,
             console_token: str) -> dict[str, Any]:
    from wallet import fetch_request, plan, respond

    with httpx.Client(timeout=30.0) as http:
        # the inspector's console starts the check as itself (its own quota, issue 14 finding 4)
        tx = http.post(f"{verifier_url}/openid4vp/transactions", json={"preset": preset},
                       headers={"Authorization": f"Bearer {console_token}"}).json()
        console.print(f"   The inspector's console shows a QR code: [cyan]{tx['request_uri'][:90]}...[/cyan]")
        request = fetch_request(tx["request_uri"], trust, wallet.now(), demo=True)
        console.print(
            f"   The wallet checked the relying party: [bold]{request.name()}[/bold] "
            f"(registered, purpose: {request.purpose().get('en', '')})"
        )
        consent = plan(wallet, request)
        for item in consent.items:
            console.print(
                "   The citizen agrees to share: "
                + ", ".join(".".join(map(str, p)) for p in item.registered)
            )
        respond(wallet, consent)
        for _ in range(100):
            # the result is the transaction creator's alone: its secret, never the public request_uri
            state = http.get(f"{verifier_url}/openid4vp/transactions/{tx['transaction']}",
                             headers={"Authorization": f"Bearer {tx['result_token']}"}).json()
            if state.get("decision"):
                return state["decision"]
            time.sleep(0.05)
    raise RuntimeError("the verifier gave no decision")


def run_demo(lang: str = "en", console: Console | None = None) -> int:
    from issuer import create_app as create_issuer
    from issuer import Settings as IssuerSettings
    from trust_list.demo import build_demo_ecosystem
    from verifier import create_app as create_verifier
    from verifier.cli import print_decision
    from verifier import VerifierSettings
    from wallet import Wallet
    from wallet import receive
    from wallet import load_trust_store

    console = console or Console()
    if lang not in LANGS:
        console.print(f"[red]--lang must be one of {', '.join(LANGS)}[/red]")
        return 2
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    console.rule("[bold]ESSPASS demo: an A1 from issuance to inspection and revocation")

    console.print("1. The trust-list operator's list of institutions that may issue A1 and EHIC:")
    eco = build_demo_ecosystem(home / "ecosystem", now)
    console.print(eco.show_table())

    # demo_login: the embedded, labelled demo login at the authorization endpoint (demo citizens only)
    issuer_settings = dict(home=home, status_list_ttl=STATUS_TTL_S, demo_login=True)
    with serve_in_thread(lambda url: create_issuer(IssuerSettings(**issuer_settings, issuer_url=url)),
                         port=8441) as issuer_url, \
            serve_in_thread(lambda url: create_verifier(VerifierSettings(
                home=home, verifier_url=url, verifier_relying_party="arbejdstilsynet")), port=8442) as verifier_url:
        console.print(f"2. Issuer (Udbetaling Danmark) at {issuer_url}; Arbejdstilsynet's verifier at {verifier_url}.")
        token = (home / "issuer" / "api_token").read_text("ascii").strip()
        console_token = (home / "verifier" / "console_token").read_text("ascii").strip()
        run = secrets.token_hex(3).upper()
        offers = {}
        with httpx.Client(base_url=issuer_url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}) as api:
            for key in ("pda1", "ehic"):
                claims = sample_claims(key)
                claims["document_number"] = f"{claims['document_number'][:30]}-{run}"
                resp = api.post("/api/v1/cases", json={"type": key, "claims": claims, "tx_code": True,
                                                       "client_request_id": f"demo-{run}-{key}"})
                resp.raise_for_status()
                offers[key] = (resp.json(), claims["document_number"])
            console.print(
                "3. The institution created two cases; each offer is a QR code, the transaction code "
                "goes to the citizen by another channel."
            )
            wallet_dir = home / "demo-wallet" / run
            wallet = Wallet(wallet_dir).open_or_create(DEMO_PIN)
            trust = load_trust_store(home / "ecosystem", int(time.time()))
            for key, (body, _doc) in offers.items():
                got = receive(wallet, body["offer_uri"], trust, tx_code=body["tx_code"])
                for card in got.cards:
                    console.print(
                        f"   The wallet received [bold]{card.vct}[/bold] from {card.issuer_name} "
                        f"({card.copies_left} one-time copies), after checking the issuer against the list."
                    )

            console.print("4. A labour inspector of Arbejdstilsynet asks for the a1-inspection claims.")
            decision = _inspect(console, verifier_url, wallet, trust, "a1-inspection", console_token)
            print_decision(decision, lang)
            first = decision["result"]

            a1_doc = offers["pda1"][1]
            api.post(f"/api/v1/documents/{a1_doc}/revoke", json={"reason": "A1 determination annulled (demo)"}
                     ).raise_for_status()
            console.print(
                f"5. The institution revoked the A1 ({a1_doc}). The status list was republished at once; "
                f"verifiers refresh it after its ttl ({STATUS_TTL_S} s)."
            )
            time.sleep(STATUS_TTL_S + 0.5)
            try:
                decision2 = _inspect(console, verifier_url, wallet, trust, "a1-inspection", console_token)
            except Rejected as exc:
                console.print(f"[red]The wallet stopped: {exc.code}[/red]")
                return 1
            print_decision(decision2, lang)
            failed = [c for c in decision2["checks"] if c["result"] == "fail"]
            for c in failed:
                console.print(f"   [bold]{c['code']}[/bold]\n   en: {c['message']['en']}\n   da: {c['message']['da']}")

            console.print("6. What the citizen's wallet remembers:")
            console.print(_history_table(wallet.history_json()))
            wallet.close()

    ok = first == "PASSED" and decision2["result"] == "FAILED"
    console.rule("[bold green]demo complete" if ok else "[bold red]demo did not go as expected")
    return 0 if ok else 1
