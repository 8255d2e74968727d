"""Offline inspection with two QR codes, end to end (issue #7).

* Both Kivy apps offscreen through the whole exchange, only via rendered screens: the inspector app shows the
  request QR -> the rendered screen as PNG -> the wallet app opens that picture -> consent -> the wallet shows the
  response QR full screen -> the rendered screen as PNG -> the inspector app opens that picture -> decision.
* The same exchange with the outside CLI: ``esspass inspect request`` -> ``esspass wallet respond-offline`` ->
  ``esspass inspect verify --json`` (PASSED; FAILED once the credential is revoked in the bundle).

The wallet's card carries a status reference to the demo Udbetaling Danmark status list; the inspector's offline
bundle holds the trust lists and that Status List Token (``verifier.ui.demo.bundle``). No network anywhere.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest

from tests.kivy_support import KivyTestCase, skip_or_fail  # first: sets up headless Kivy
from tests.wallet.test_offline import PIN, STATUS_IDX, STATUS_URI, issue_offline_card


def _inspector_ui():
    try:
        from verifier.ui.app import InspectorApp
        from verifier.ui.controller import InspectorController
    except ImportError as exc:  # written concurrently
        skip_or_fail(f"inspector app not importable: {exc}")
    return InspectorApp, InspectorController


def _bundle(eco, now: int, out: Path, revoked: dict[int, int] | None = None):
    from verifier.ui.demo import STATUS_URI as DEMO_URI
    from verifier.ui.demo import bundle

    assert DEMO_URI == STATUS_URI
    return bundle(eco, now=now, out=out, revoked=revoked)


class TestOfflineExchangeBothApps(KivyTestCase):
    def screenshot(self, app, target: Path) -> Path:
        """The app's whole screen as the window shows it, rendered by GL into an offscreen framebuffer of the
        window's size (``export_to_png``). Not ``Window.screenshot``: under GraphicUnitTest the offscreen SDL
        window's drawable stays at the 320x240 it was created with, whatever ``Window.size`` says later."""
        from kivy.core.window import Window

        self.advance_frames(4)
        assert tuple(app.root.size) == tuple(Window.size)
        app.root.export_to_png(str(target))
        return target

    def test_request_screen_to_wallet_to_response_screen_to_inspector(self):
        from kivy.core.window import Window

        import qrimage
        from uikit.base import activate
        from trust_list.demo import build_demo_ecosystem
        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        InspectorApp, InspectorController = _inspector_ui()
        self.addCleanup(activate, None)
        self.addCleanup(setattr, Window, "size", tuple(Window.size))  # as GraphicUnitTest made it, for the next test
        Window.size = (432, 900)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-offline-e2e-"))
        home, now = tmp / "home", int(time.time())
        eco = build_demo_ecosystem(home / "ecosystem", now)
        _bundle(eco, now, tmp / "bundle.json")

        # -- inspector: choose the preset (tap), the request QR is on screen
        ictl = InspectorController(home, bundle=tmp / "bundle.json", state=tmp / "inspector")
        iapp = InspectorApp(ictl, sync=True)
        activate(iapp)
        iapp._run_prepare()
        self.advance_frames(3)
        [button] = [b for b in iapp.screen("home").ids.presets.children if getattr(b, "preset", "") == "a1-inspection"]
        self.tap(button)
        assert iapp.current == "request" and ictl.session is not None
        request_png = self.screenshot(iapp, tmp / "inspector-request-screen.png")
        assert qrimage.decode_qr_image(request_png) == ictl.session.request_text
        Window.remove_widget(iapp.root)

        # -- wallet: open the picture of the inspector's screen -> consent -> response QR full screen
        wctl = WalletController(tmp / "wallet", home / "ecosystem", kdf=KdfParams(n=2**10))
        wctl.create(PIN, PIN)
        card = issue_offline_card(eco, wctl.wallet, "pda1", now=now)
        wapp = WalletApp(wctl, sync=True, export_dir=tmp / "exports")
        activate(wapp)
        wapp._run_prepare()
        self.advance_frames(3)
        unlock = wapp.screen("unlock")
        unlock.ids.pin.text = PIN
        self.tap(unlock.ids.unlock)
        assert wapp.current == "cards", unlock.ids.error.text
        self.tap(wapp.screen("cards").ids.show)
        assert wapp.current == "scan"
        wapp.screen("scan").load_image(request_png)  # desktop: "Open image" (camera on a phone)
        assert wapp.current == "consent", (wctl.last_message, wapp.screen("scan").ids.error.text)
        assert wctl.consent_view().who == "Arbejdstilsynet"
        self.tap(wapp.screen("consent").ids.share)
        assert wapp.current == "offline_qr", wctl.last_message
        screen = wapp.screen("offline_qr")
        assert screen.ids.instruction.text == "Show this to the inspector"
        assert screen.ids.qr.pixels_per_module >= 3  # the contract's minimum on screen (§7)
        response_png = self.screenshot(wapp, tmp / "wallet-response-screen.png")
        assert qrimage.decode_qr_image(response_png) == wctl.offline.qr_text
        assert wctl.wallet.card(card.id).copies_left == 2
        [event] = wctl.wallet.history()
        assert (event.outcome, event.party) == ("shown_offline", "Arbejdstilsynet")
        self.tap(screen.ids.done)
        assert wapp.current == "cards" and wctl.offline is None
        Window.remove_widget(wapp.root)

        # -- inspector: open the picture of the wallet's screen -> decision
        activate(iapp)
        Window.add_widget(iapp.root)
        iapp.show("scan")
        iapp.screen("scan").load_image(response_png)
        assert iapp.current == "decision", iapp.screen("scan").error
        assert ictl.decision.result == "PASSED", ictl.decision.as_json()
        assert ictl.decision.claims["subject"]["familynames"] == card.claims["subject"]["familynames"]
        decision = iapp.screen("decision")
        assert decision.result == "PASSED" and decision.headline
        self.screenshot(iapp, tmp / "inspector-decision-screen.png")
        # the same picture again: the request is answered already (single use)
        iapp.show("scan")
        iapp.screen("scan").load_image(response_png)
        assert ictl.decision.result == "FAILED"
        Window.remove_widget(iapp.root)


# ---------------------------------------------------------------- the outside CLI chain


@pytest.fixture()
def chain(tmp_path, monkeypatch):
    from trust_list.demo import build_demo_ecosystem
    from wallet.core import Wallet
    from wallet.storage import KdfParams

    now = int(time.time())
    home = tmp_path / "home"
    monkeypatch.setenv("ESSPASS_HOME", str(home))
    eco = build_demo_ecosystem(home / "ecosystem", now)
    w = Wallet(tmp_path / "wallet", kdf=KdfParams(n=2**10))
    w.create(PIN)
    issue_offline_card(eco, w, "pda1", now=now)
    w.close()
    return eco, now, tmp_path


def _cli(*args: str, input: str | None = None):
    from typer.testing import CliRunner

    from esspass.cli import app

    return CliRunner().invoke(app, list(args), input=input)


@pytest.mark.parametrize("revoked, result, exit_code", [(None, "PASSED", 0), ({STATUS_IDX: 1}, "FAILED", 1)])
def test_cli_inspect_request_wallet_respond_offline_inspect_verify(chain, revoked, result, exit_code):
    eco, now, tmp = chain
    try:
        import verifier.inspect_cli  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"esspass inspect not importable: {exc}")
    bundle = tmp / "bundle.json"
    _bundle(eco, now, bundle, revoked)
    r = _cli("inspect", "request", "--preset", "a1-inspection", "--out", str(tmp / "REQUEST.png"),
             "--session", str(tmp / "session"), "--bundle", str(bundle))
    assert r.exit_code == 0, r.output
    r = _cli("wallet", "respond-offline", str(tmp / "REQUEST.png"), "--store", str(tmp / "wallet"), "--pin", PIN,
             "--yes", "--out", str(tmp / "RESPONSE.png"))  # trust: ESSPASS_HOME/ecosystem, as the inspector's
    assert r.exit_code == 0, r.output
    r = _cli("inspect", "verify", str(tmp / "RESPONSE.png"), "--session", str(tmp / "session"), "--bundle",
             str(bundle), "--json")
    decision = json.loads(r.stdout)
    assert (decision["result"], r.exit_code) == (result, exit_code), decision
    if result == "FAILED":
        assert "status.invalid" in [c["code"] for c in decision["checks"] if c["result"] == "fail"]
    else:
        assert decision["claims"]["employer"]
    # the same answer again is refused (one answer per request)
    r = _cli("inspect", "verify", str(tmp / "RESPONSE.png"), "--session", str(tmp / "session"), "--bundle",
             str(bundle), "--json")
    assert json.loads(r.stdout)["result"] == "FAILED" and r.exit_code == 1
