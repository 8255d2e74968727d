"""``--json`` means JSON for every refusal: the wallet's own (wrong PIN, PIN delay, tampered or unreadable storage,
no wallet, no trust lists) as well as the protocol's, on every command that takes ``--json``; and the PIN delay says
how long to wait, in English and Danish."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qrimage
from trust_list.demo import build_demo_ecosystem
from wallet import storage as S
from wallet.cli import app
from wallet.core import Wallet
from wallet.storage import KdfParams

from .test_offline import issue_offline_card, make_request

PIN = "135790"
runner = CliRunner()


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("home") / "ecosystem", int(time.time()))


@pytest.fixture()
def store_dir(eco, tmp_path) -> Path:
    w = Wallet(tmp_path / "w", kdf=KdfParams(n=2**10))
    w.create(PIN)
    issue_offline_card(eco, w)
    w.close()
    return tmp_path / "w"


def commands(eco, tmp_path: Path, store: Path, pin: str) -> dict[str, list[str]]:
    """Every command that takes --json, with a store and a PIN (and what else it needs to get that far)."""
    request_png = tmp_path / "request.png"
    if not request_png.exists():
        qrimage.encode_qr_png(make_request(eco)[0], request_png)
    common = ["--store", str(store), "--pin", pin, "--json"]
    trust = ["--trust-dir", str(eco.home)]
    return {
        "receive": ["receive", "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.invalid%2Fo",
                    *common, *trust],
        "present": ["present", "openid4vp://?client_id=x&request_uri=https%3A%2F%2Frp.invalid%2Fr", "--yes",
                    *common, *trust],
        "respond-offline": ["respond-offline", str(request_png), "--yes", "--out", str(tmp_path / "resp.png"),
                            *common, *trust],
        "list": ["list", *common],
        "history": ["history", *common],
    }


def refusal(args: list[str]) -> dict:
    r = runner.invoke(app, args)
    assert r.exit_code == 1, (args[0], r.output)
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1, (args[0], r.stdout)  # exactly one JSON object on stdout
    out = json.loads(lines[0])
    assert out["ok"] is False and out["en"] and out["da"] and out["en"] != out["da"], out
    return out


def test_wrong_pin_is_json_on_every_command(eco, tmp_path, store_dir):
    for name, args in commands(eco, tmp_path, store_dir, "000000").items():  # receive opens the existing wallet
        out = refusal(args)
        assert out["reason"] == "wallet.pin_wrong", (name, out)
        assert "attempts_left" in out and "Wrong PIN" in out["en"] and "Forkert pinkode" in out["da"]
        # keep below the delay: unlock with the right PIN resets the counter
        Wallet(store_dir).unlock(PIN)


def test_pin_delay_says_how_long_to_wait(eco, tmp_path, store_dir):
    args = commands(eco, tmp_path, store_dir, "000000")["list"]
    for _ in range(S.FREE_ATTEMPTS):
        out = refusal(args)
    assert out["reason"] == "wallet.pin_wrong" and "30 seconds" in out["en"] and "30 sekunder" in out["da"], out
    out = refusal(commands(eco, tmp_path, store_dir, PIN)["history"])  # even the right PIN must wait
    assert out["reason"] == "wallet.pin_delay" and 25 <= out["wait_s"] <= 30, out
    assert "seconds" in out["en"] and "sekunder" in out["da"], out
    # a longer delay is said in minutes (set through the wallet: an edit of the file would count as lockout)
    storage = S.Storage(store_dir)
    storage._write_attempts(S.FREE_ATTEMPTS + 3, time.time() + 235)
    storage.close()
    out = refusal(commands(eco, tmp_path, store_dir, PIN)["respond-offline"])
    assert out["reason"] == "wallet.pin_delay", out
    assert "wait 4 minutes" in out["en"] and "vent 4 minutter" in out["da"], out
    # and in text mode, on stderr
    r = runner.invoke(app, ["list", "--store", str(store_dir), "--pin", PIN])
    assert r.exit_code == 1 and "4 minutes" in r.stderr and "4 minutter" in r.stderr and not r.stdout


def test_tampered_store_is_json_on_every_command(eco, tmp_path, store_dir):
    db = sqlite3.connect(store_dir / S.DB_NAME, isolation_level=None)
    ct = bytearray(db.execute("SELECT ct FROM records WHERE kind='card'").fetchone()[0])
    ct[5] ^= 1
    db.execute("UPDATE records SET ct=? WHERE kind='card'", (bytes(ct),))
    db.close()
    for name, args in commands(eco, tmp_path, store_dir, PIN).items():
        assert refusal(args)["reason"] == "wallet.tampered", name


def test_overwritten_store_file_is_tampered_not_a_traceback(eco, tmp_path, store_dir):
    (store_dir / S.DB_NAME).write_bytes(b"this is not a wallet" * 100)
    for name, args in commands(eco, tmp_path, store_dir, PIN).items():
        assert refusal(args)["reason"] == "wallet.tampered", name


def test_unset_wallet_is_json(eco, tmp_path):
    empty = tmp_path / "nothing-here"
    for name, args in commands(eco, tmp_path, empty, PIN).items():
        if name == "receive":  # receive sets a wallet up
            continue
        assert refusal(args)["reason"] == "wallet.not_set_up", name
    assert not (empty / S.DB_NAME).exists()


def test_unreadable_trust_lists_are_json(eco, tmp_path, store_dir):
    for name, args in commands(eco, tmp_path, store_dir, PIN).items():
        if "--trust-dir" not in args:
            continue
        args = [*args[:args.index("--trust-dir")], "--trust-dir", str(tmp_path / "no-trust")]
        assert refusal(args)["reason"] == "wallet.trust_unavailable", name


def test_unreadable_picture_is_json_and_usage(eco, tmp_path, store_dir):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    r = runner.invoke(app, ["respond-offline", str(blank), "--store", str(store_dir), "--pin", PIN, "--yes",
                            "--out", str(tmp_path / "r.png"), "--trust-dir", str(eco.home), "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["reason"] == "qr.unreadable"
