"""Fixtures for deployment tests: a trust ecosystem made with the operator commands (never trust_list.demo)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.deployment.operator_world import World, build_world

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return build_world(tmp_path_factory.mktemp("world"), int(time.time()))


def issuer_env(world: World, home: Path, **extra: str) -> dict[str, str]:
    """ESSPASS_* variables of an issuer configured from the world's PEM files."""
    inst = world.institution
    env = {"ESSPASS_HOME": str(home), "ESSPASS_ISSUER_URL": "https://issuer.example",
           "ESSPASS_ISSUER_CREDENTIAL_KEY": str(inst / "credential-key.pem"),
           "ESSPASS_ISSUER_CREDENTIAL_CHAIN": str(inst / "credential-chain.pem"),
           "ESSPASS_ISSUER_STATUS_KEY": str(inst / "status-key.pem"),
           "ESSPASS_ISSUER_STATUS_CHAIN": str(inst / "status-chain.pem"),
           "ESSPASS_INSTITUTION_ID": "DK:UDK",
           "ESSPASS_ISSUER_TRUST_ANCHORS": str(world.anchors),
           "ESSPASS_ISSUER_TRUST_LIST": str(world.operator / "signed" / "pub-eaa.jwt")}
    env.update(extra)
    return env


def subprocess_env(variables: dict[str, str]) -> dict[str, str]:
    """The test's environment without any ESSPASS_* variable of its own, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSPASS_") or k == "ESSPASS_REQUIRE_ALL"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(variables)
    return env


@pytest.fixture(scope="module")
def list_server(world):
    """The operator's signed lists served over plain http on loopback (the https way: tests/deployment/nginx)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # noqa: D401 - keep test output clean
            pass

    handler = functools.partial(Quiet, directory=str(world.operator / "signed"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def verifier_env(world: World, home: Path, lists: str, **extra: str) -> dict[str, str]:
    """ESSPASS_* variables of a verifier configured with the world's anchors, lists and relying-party files."""
    import json

    env = {"ESSPASS_HOME": str(home), "ESSPASS_VERIFIER_URL": "https://verifier.example",
           "ESSPASS_FETCH_LOOPBACK": "true",  # the lists are served over plain http on 127.0.0.1 here
           "ESSPASS_VERIFIER_TRUST_ANCHORS": str(world.anchors),
           "ESSPASS_VERIFIER_TRUST_LIST_URLS": json.dumps({s: f"{lists}/{s}.jwt"
                                                           for s in ("pub-eaa", "wrpac", "wrprc")}),
           "ESSPASS_VERIFIER_ACCESS_KEY": str(world.access / "access-key.pem"),
           "ESSPASS_VERIFIER_ACCESS_CHAIN": str(world.access / "access-chain.pem"),
           "ESSPASS_VERIFIER_REGISTRATION_CERT": str(world.access / "registration.jwt")}
    env.update(extra)
    return env


@contextmanager
def serving(env: dict[str, str], *args: str, until: str = "listening on") -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """``esspass <args>`` (e.g. ``issuer serve --port P``) in a subprocess, the way an operator starts it; yields
    once a start-up line containing ``until`` has been printed (or the process ended), with the lines so far. Later
    lines keep being collected into the same list (so a full pipe never blocks the service)."""
    import threading

    proc = subprocess.Popen([sys.executable, "-c", "from esspass.cli import main; main()", *args],
                            env=subprocess_env(env), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    seen = threading.Event()

    def drain() -> None:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if until in line:
                seen.set()
        seen.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        seen.wait(timeout=120)
        yield proc, lines
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)


def serve_lines(env: dict[str, str], *args: str, until: str = "listening on") -> tuple[int | None, list[str]]:
    """The start-up lines of ``esspass issuer serve ARGS``, stopped once ``until`` has been printed."""
    with serving(env, "issuer", "serve", *args, until=until) as (proc, lines):
        return proc.poll(), lines


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    from tests.deployment.softhsm import make_softhsm

    return make_softhsm(tmp_path_factory.mktemp("softhsm"))
