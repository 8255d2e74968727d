"""The verifier fuzzed from its own OpenAPI description (issue 14 "Fuzzing"): a bounded schemathesis
campaign against the real service on 127.0.0.1 (in-memory store). Zero 5xx, zero answers outside the
description, every operation called with requests the description allows."""

from __future__ import annotations

import os

import httpx
from schemathesis.generation import GenerationMode

from tests.verifier.servers import free_port, serve_app
from verifier.api import create_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

from .runner import run

EXAMPLES = int(os.environ.get("ESSPASS_FUZZ_EXAMPLES", "12"))


def test_verifier_answers_every_request_as_described(tmp_path):
    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"))
    with serve_app(create_app(service=svc), port) as url:
        auth = {"Authorization": f"Bearer {svc.console_token}"}
        made = httpx.post(f"{url}/openid4vp/transactions", json={"preset": "a1-inspection"}, headers=auth).json()
        ids = {"tid": made["transaction"], "token": made["result_token"]}
        turn = [0]

        def prepare(case, mode) -> None:
            path = case.operation.path
            turn[0] += 1
            real = mode == GenerationMode.POSITIVE and turn[0] % 2
            if real and case.path_parameters:
                case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
            if path in ("/openid4vp/transactions", "/console/start", "/console/records") and real:
                case.headers = {**(case.headers or {}), **auth}
            elif path == "/openid4vp/transactions/{tid}" and real:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {made['result_token']}"}

        description = httpx.get(f"{url}/openapi.json").json()
        report = run(description, url, examples=EXAMPLES, prepare=prepare)
    print("verifier fuzz:", report.summary())
    for op, statuses in sorted(report.statuses.items()):
        print(f"  {op}: {dict(statuses)}")
    assert report.server_errors == 0 and not report.failures, "\n".join(report.failures[:20])
    operations = set(report.statuses)
    assert len(operations) == sum(len(v) for v in description["paths"].values())
    assert set(report.valid_bodies) == operations, operations - set(report.valid_bodies)
