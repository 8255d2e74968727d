"""Links the system opens the app with (HAIP 1.0 §4.2: the wallet supports Credential Offers in the same-device
flow as well as the cross-device one; §5.1 likewise for requests): ``esspass wallet app <link>``, started by the
desktop as the handler of the offer and request schemes (``docs/desktop/esspass-wallet.desktop``), opens the link
once the wallet is open, as if it had been pasted: an offer under ``haip-vci://`` with its transaction code, a
request, and a link it does not know. Real issuer and verifier on loopback, the app offscreen."""

from __future__ import annotations

import configparser
import tempfile
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy

from .servers import start_services

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "docs" / "desktop" / "esspass-wallet.desktop"


def test_the_desktop_entry_registers_every_scheme_the_app_takes_and_passes_the_link(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import wallet.ui.app as ui_app
    from esspass.cli import app
    from wallet.issuance import OFFER_SCHEMES
    from wallet.ui.controller import WalletController

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Exec"] == "esspass wallet app %u"
    schemes = {m.split("/", 1)[1] for m in section["MimeType"].split(";") if m}
    assert all(m.startswith("x-scheme-handler/") for m in section["MimeType"].split(";") if m)
    ctl = WalletController(tmp_path / "w", tmp_path / "eco")
    kinds = {s: ctl.classify(f"{s}://?x=1") for s in schemes}
    # every registered scheme is one the app takes, and every scheme it takes is registered
    assert set(kinds.values()) == {"offer", "request"}, kinds
    assert set(OFFER_SCHEMES) | {"openid4vp", "eudi-openid4vp", "haip-vp"} == schemes
    assert ctl.classify("mailto://?x=1") == "unknown"
    # the command line hands the link to the app
    seen = {}
    monkeypatch.setattr(ui_app, "run", lambda *a, **kw: seen.update(kw))
    res = CliRunner().invoke(app, ["wallet", "app", "haip-vci://?credential_offer_uri=x", "--store",
                                   str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    assert seen["link"] == "haip-vci://?credential_offer_uri=x"


class TestLinkTheAppWasOpenedWith(KivyTestCase):
    def test_offer_request_and_unknown_link_after_the_pin(self):
        from kivy.core.window import Window

        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-link-"))
        services, stop = start_services(tmp / "home")
        try:
            offer, code, _ = services.offer("ehic")
            assert offer.startswith("openid-credential-offer://")
            link = "haip-vci://" + offer.split("://", 1)[1]  # HAIP 1.0 §4.2's scheme, same parameters
            ctl = WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10))
            app = WalletApp(ctl, sync=True, link=link)
            app._run_prepare()
            self.advance_frames(3)
            assert app.current == "onboarding"
            onb = app.screen("onboarding")
            onb.ids.pin.text, onb.ids.pin2.text = "123456", "654321"  # a mismatch: still waiting, link kept
            self.tap(onb.ids.create)
            assert app.current == "onboarding" and app.pending_link == link
            onb.ids.pin.text, onb.ids.pin2.text = "123456", "123456"
            self.tap(onb.ids.create)
            scan = app.screen("scan")
            assert app.current == "scan" and scan.needs_code and scan.ids.link.text == link
            assert app.pending_link is None
            scan.ids.tx_code.text = code
            self.tap(scan.ids.go)
            assert app.current == "result" and app.screen("result").ok, app.screen("result").text
            self.tap(app.screen("result").ids.done)
            assert app.current == "cards" and [c.vct for c in ctl.wallet.cards()] == ["urn:eudi:ehic:1"]
            self.close(app)

            # started again for a verifier's request: after the PIN, the consent screen for it
            ctl.lock()
            url, tid = services.request("ehic-care")
            app = WalletApp(ctl, sync=True, link=url)
            app._run_prepare()
            self.advance_frames(3)
            assert app.current == "unlock"
            unlock = app.screen("unlock")
            unlock.ids.pin.text = "000000"
            self.tap(unlock.ids.unlock)
            assert app.current == "unlock" and app.pending_link == url  # a wrong PIN opens nothing
            unlock.ids.pin.text = "123456"
            self.tap(unlock.ids.unlock)
            assert app.current == "consent", app.current
            self.tap(app.screen("consent").ids.share)
            assert app.current == "result" and app.screen("result").ok, app.screen("result").text
            assert services.verifier.transaction_view(tid)["decision"]["result"] == "PASSED"
            self.close(app)

            # a link the wallet does not know: the scan screen says so, nothing else happens
            ctl.lock()
            app = WalletApp(ctl, sync=True, link="https://example.com/not-an-offer")
            app._run_prepare()
            self.advance_frames(3)
            app.screen("unlock").ids.pin.text = "123456"
            self.tap(app.screen("unlock").ids.unlock)
            assert app.current == "scan" and app.screen("scan").ids.error.text == app.tr("scan.unknown", app.lang)
            assert len(ctl.wallet.history()) == 2 and len(ctl.wallet.cards()) == 1
            self.close(app)
        finally:
            stop()
