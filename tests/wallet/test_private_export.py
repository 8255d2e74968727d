"""Issue 17 item 4: exported history files were written unencrypted and readable by everyone (0644) in the wallet
folder — a list of every authority that saw the citizen's data. Now: a JWE protected by the PIN or a passphrase
(RFC 7516/7518 PBES2), 0600, in a folder the user chooses, readable only when the user explicitly asks."""

from __future__ import annotations

import json
import stat
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy
from wallet.private_file import ALG, ENC, P2C, open_sealed, seal, write_private
from wallet.reasons import Rejected


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_seal_opens_only_with_the_secret_and_refuses_tampering():
    token = seal(b'{"events": []}', "correct horse", content_type="application/json", p2c=2000)
    header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))
    assert (header["alg"], header["enc"], header["cty"]) == (ALG, ENC, "application/json") and P2C >= 210_000
    assert open_sealed(token, "correct horse") == (b'{"events": []}', "application/json")
    for wrong in ("correct horsf", "123456"):
        with pytest.raises(Rejected) as e:
            open_sealed(token, wrong)
        assert e.value.code == "wallet.export_secret"
    parts = token.split(".")
    flipped = parts[3][:-2] + ("A" if parts[3][-2] != "A" else "B") + parts[3][-1]
    with pytest.raises(Rejected) as e:
        open_sealed(".".join([*parts[:3], flipped, parts[4]]), "correct horse")
    assert e.value.code == "wallet.export_secret"
    for secret in ("", "12345", None):
        with pytest.raises(Rejected) as e:
            seal(b"x", secret, content_type="text/plain")  # type: ignore[arg-type]
        assert e.value.code == "wallet.export_weak_secret"


def test_a_crafted_file_cannot_ask_for_unbounded_work():
    import base64

    token = seal(b"x", "123456", content_type="text/plain", p2c=2000).split(".")
    header = json.loads(base64.urlsafe_b64decode(token[0] + "=="))
    header["p2c"] = 10**9
    token[0] = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    with pytest.raises(Rejected) as e:
        open_sealed(".".join(token), "123456")
    assert e.value.code == "wallet.export_format"


def test_interoperable_with_another_jose_library(monkeypatch):
    """jwcrypto opens our file once its p2c cap (16384 by default) allows our iteration count."""
    from jwcrypto import jwa, jwe, jwk

    monkeypatch.setattr(jwa, "default_max_pbkdf2_iterations", P2C)
    token = seal("Hvem har set hvad".encode(), "en lang adgangssætning", content_type="application/json")
    other = jwe.JWE()
    other.deserialize(token, key=jwk.JWK.from_password("en lang adgangssætning"))
    assert other.payload.decode() == "Hvem har set hvad"


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300),
                 st.lists(st.text(alphabet="ABCabc-_0123456789", max_size=40), min_size=5, max_size=5)
                 .map(".".join)))
def test_open_sealed_refuses_any_input_with_a_reason(data):
    try:
        open_sealed(data, "123456")
    except Rejected as exc:
        assert exc.code in ("wallet.export_format", "wallet.export_secret")
    else:
        raise AssertionError("opened garbage")


def test_write_private_is_owner_only_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0o000)
    try:
        path = write_private(tmp_path / "new" / "f.bin", b"secret")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600 and path.read_bytes() == b"secret"
    assert [p.name for p in path.parent.iterdir()] == ["f.bin"]


class TestExportDialog(KivyTestCase):
    def test_export_asks_where_and_how_and_writes_private_files(self):
        from kivy.core.window import Window

        from trust_list.demo import build_demo_ecosystem
        from wallet.cli import app as wallet_cli
        from wallet.demo import issue_demo_card
        from wallet.storage import KdfParams
        from wallet.ui.app import ExportDialog, WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-export-"))
        now = int(time.time())
        eco = build_demo_ecosystem(tmp / "eco", now)
        ctl = WalletController(tmp / "wallet", tmp / "eco", kdf=KdfParams(n=2**10))
        ctl.create("123456", "123456")
        issue_demo_card(eco, ctl.wallet, "ehic", now)
        ctl.wallet.log(kind="presentation", party="Arbejdstilsynet", party_id="x509_hash:abc", credential="",
                       outcome="shared")
        app = WalletApp(ctl, sync=True, export_dir=tmp / "suggested")
        app._run_prepare()
        self.advance_frames(2)
        try:
            app.show("settings")
            self.tap(app.screen("settings").ids.export)
            dialog = app.dialog
            assert isinstance(dialog, ExportDialog)
            texts = " ".join(getattr(w, "text", "") for w in dialog.walk())
            assert "every institution and authority that received or saw your data" in texts
            assert "encrypted" in texts and "NOT encrypted" in texts
            assert dialog.folder.text == str(tmp / "suggested")  # a suggestion outside the wallet's folder

            # no PIN or passphrase and no explicit "readable": nothing is written
            chosen = tmp / "my folder"
            dialog.folder.text = str(chosen)
            self.tap(dialog.save_button)
            assert "at least 6 characters" in dialog.error.text and not chosen.exists()
            assert app.dialog is dialog

            dialog.secret.text = "min hemmelige sætning"
            self.tap(dialog.save_button)
            assert app.dialog is None
            files = sorted(chosen.iterdir())
            assert [p.name for p in files] == ["esspass-history-en.pdf.jwe", "esspass-history.json.jwe"]
            assert all(_mode(p) == 0o600 for p in files)
            assert all(b"Arbejdstilsynet" not in p.read_bytes() for p in files)
            assert "Saved to" in app.screen("settings").ids.exported.text
            assert not list((tmp / "wallet").glob("**/esspass-history*"))

            # the owner opens it with the PIN/passphrase; the CLI writes the readable file 0600
            out = tmp / "opened.json"
            r = CliRunner().invoke(wallet_cli, ["open-export", str(chosen / "esspass-history.json.jwe"), "--out",
                                                str(out), "--secret", "min hemmelige sætning"])
            assert r.exit_code == 0, r.output
            events = json.loads(out.read_text())["events"]
            assert [e["party"] for e in events] == ["Arbejdstilsynet"] and _mode(out) == 0o600
            r = CliRunner().invoke(wallet_cli, ["open-export", str(chosen / "esspass-history.json.jwe"), "--out",
                                                str(tmp / "no.json"), "--secret", "wrong secret"])
            assert r.exit_code == 1 and "wallet.export_secret" in r.output and not (tmp / "no.json").exists()

            # the folder is remembered; a readable copy only when asked for explicitly, still 0600
            self.tap(app.screen("settings").ids.export)
            dialog = app.dialog
            assert dialog.folder.text == str(chosen)
            dialog.readable.active = True
            self.tap(dialog.save_button)
            readable = chosen / "esspass-history.json"
            assert _mode(readable) == 0o600 and "Arbejdstilsynet" in readable.read_text()
            assert _mode(chosen / "esspass-history-en.pdf") == 0o600

            # Danish, and Esc cancels
            app.set_language("da")
            app.show("history")
            self.tap(app.screen("history").ids.export)
            assert "Eksportér din historik" in " ".join(getattr(w, "text", "") for w in app.dialog.walk())
            Window.dispatch("on_keyboard", 27, 41, None, [])
            assert app.dialog is None and app.current == "history"
        finally:
            if app.dialog is not None:
                app.dialog.dismiss()
            Window.remove_widget(app.root)
