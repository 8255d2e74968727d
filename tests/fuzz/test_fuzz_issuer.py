"""The issuer fuzzed from its own OpenAPI description (issue 14 "Fuzzing"): a bounded schemathesis
campaign against the real server on 127.0.0.1 with its real SQLite database (``ESSPASS_FUZZ_DB=postgres``:
PostgreSQL, as in the long campaign of docs/security.md). Zero 5xx, zero answers outside the description, every operation called
with requests the description allows. ESSPASS_FUZZ_EXAMPLES raises the number of cases per operation."""

from __future__ import annotations

import hashlib
import os

import httpx

import pytest

from schemathesis.generation import GenerationMode

from credential.types import sample_claims
from issuer.backoffice import LOGIN_COOKIE, FormKeys
from tests.issuer.wallet_client import Wallet

from .runner import run

EXAMPLES = int(os.environ.get("ESSPASS_FUZZ_EXAMPLES", "12"))


@pytest.mark.parametrize("db_url", [os.environ.get("ESSPASS_FUZZ_DB", "sqlite")], indirect=True)
def test_issuer_answers_every_request_as_described(server):
    svc = server.service
    svc.add_user("fuzz-admin", "a long enough fuzzing password", "admin")
    keys = FormKeys(server.settings.issuer_dir / "session_key")
    login_value = "fuzz-login-cookie"

    with server.api() as api:  # real ids for every other valid request (what the description's links give)
        case = api.post("/api/v1/cases", json={"type": "pda1", "claims": sample_claims("pda1"), "tx_code": False})
        real = case.json()
    Wallet().receive(real["offer_uri"], None)
    ids = {"case_id": real["case_id"], "document_number": real["document_number"],
           "offer_id": real["credential_offer_uri"].rsplit("/", 1)[1], "type_key": "pda1", "key": "ehic"}
    turn = [0]

    def prepare(case, mode) -> None:
        path = case.operation.path
        turn[0] += 1
        if mode == GenerationMode.POSITIVE and turn[0] % 2 and case.path_parameters:
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        if path.startswith("/api/v1"):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {svc.api_token}"}
        if not path.startswith("/backoffice"):
            return
        if path == "/backoffice/login":
            case.cookies = {**(case.cookies or {}), LOGIN_COOKIE: login_value}
            if isinstance(case.body, dict):
                case.body["csrf"] = keys.login_csrf(login_value)
            return
        session = svc.open_session("fuzz-admin", "127.0.0.1")  # fresh: a fuzzed logout ends only its own
        case.cookies = {**(case.cookies or {}), "esspass_issuer_session": session}
        if isinstance(case.body, dict):
            case.body["csrf"] = keys.csrf({"s": hashlib.sha256(session.encode()).hexdigest()})



    description = httpx.get(f"{server.url}/openapi.json").json()
    report = run(description, server.url, examples=EXAMPLES, prepare=prepare)
    print("issuer fuzz:", report.summary())
    for op, statuses in sorted(report.statuses.items()):
        print(f"  {op}: {dict(statuses)}")
    assert report.server_errors == 0 and not report.failures, "\n".join(report.failures[:20])
    operations = set(report.statuses)
    assert len(operations) == sum(len(v) for v in description["paths"].values())
    assert set(report.valid_bodies) == operations, operations - set(report.valid_bodies)
