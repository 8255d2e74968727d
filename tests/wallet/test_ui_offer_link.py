"""Links the system opens the app with (HAIP 1.0 §4.2: the wallet supports Credential Offers in the same-device
flow as well as the cross-device one; §5.1 likewise for requests): ``esspass wallet app <link>``, started by the
desktop as the handler of the offer and request schemes (``docs/desktop/esspass-wallet.desktop``), opens the link
once the wallet is open, as if it had been pasted: an offer under ``haip-vci://`` with its transaction code, a
request, and a link it does not know. Real issuer and verifier on loopback, the app offscreen."""

from __future__ import annotations

import configparser
import sys
import tempfile
import types
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy

from .servers import start_services

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "docs" / "desktop" / "esspass-wallet.desktop"
ANDROID_NS = "{http://schemas.android.com/apk/res/android}"


class Intent:
    """Android's ``android.content.Intent`` as pyjnius shows it: the two methods the wallet reads."""

    def __init__(self, action: str | None, data: str | None, fails: bool = False) -> None:
        self.action, self.data, self.fails = action, data, fails

    def getAction(self):  # noqa: N802 - Java's name
        if self.fails:
            raise RuntimeError("JavaException: the intent was recycled")
        return self.action

    def getDataString(self):  # noqa: N802 - Java's name
        return self.data


VIEW = "android.intent.action.VIEW"


def test_android_registers_the_same_schemes_as_the_desktop_and_keeps_one_running_copy():
    from wallet.ui import android_links

    xml = (ROOT / "android" / "intent_filters.xml").read_text(encoding="utf-8")
    root = ET.fromstring(f'<manifest xmlns:android="http://schemas.android.com/apk/res/android">{xml}</manifest>')
    schemes = set()
    for f in root.iter("intent-filter"):
        assert [a.get(ANDROID_NS + "name") for a in f.iter("action")] == [VIEW]
        assert {c.get(ANDROID_NS + "name") for c in f.iter("category")} == {
            "android.intent.category.DEFAULT", "android.intent.category.BROWSABLE"}  # links in a browser too
        schemes |= {d.get(ANDROID_NS + "scheme") for d in f.iter("data")}
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP, encoding="utf-8")
    desktop = {m.split("/", 1)[1] for m in entry["Desktop Entry"]["MimeType"].split(";") if m}
    assert schemes == set(android_links.SCHEMES) == desktop
    spec = configparser.ConfigParser(interpolation=None)
    spec.read(ROOT / "buildozer.spec", encoding="utf-8")
    assert spec["app"]["android.manifest.intent_filters"] == "android/intent_filters.xml"
    assert spec["app"]["android.manifest.launch_mode"] == "singleTask"  # a link while running: onNewIntent


def test_the_link_an_intent_carries():
    from wallet.ui.android_links import launch_link, link_of, on_new_links

    offer = "haip-vci://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1"
    assert link_of(Intent(VIEW, offer)) == offer
    assert link_of(Intent(VIEW, " openid4vp://?client_id=x&request_uri=y \n")) == "openid4vp://?client_id=x&request_uri=y"
    assert link_of(Intent(VIEW, "OPENID4VP://?x=1")) == "OPENID4VP://?x=1"  # schemes are case-insensitive (RFC 3986)
    for refused in (Intent("android.intent.action.MAIN", offer),  # started from the icon
                    Intent(VIEW, None), Intent(VIEW, ""), Intent(VIEW, "https://example.com/x"),
                    Intent(VIEW, "mdoc-openid4vp://?x=1"),  # mdoc is not supported: not ours to answer
                    Intent(VIEW, "openid4vp://?" + "x" * 70_000), Intent(VIEW, offer, fails=True), None):
        assert link_of(refused) is None
    assert launch_link() is None and on_new_links(print) is False  # not Android: nothing to read, nothing to bind


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


class AndroidStandIn:
    """python-for-android's two entry points the wallet uses, in ``sys.modules`` for one test: ``jnius.autoclass``
    (the activity's launch intent) and ``android.activity.bind(on_new_intent=...)``."""

    def __init__(self, launch: Intent) -> None:
        self.bound = []
        activity = types.SimpleNamespace(bind=lambda **kw: self.bound.append(kw["on_new_intent"]))
        python_activity = types.SimpleNamespace(mActivity=types.SimpleNamespace(getIntent=lambda: launch))
        self.modules = {"android": types.SimpleNamespace(activity=activity),
                        "jnius": types.SimpleNamespace(autoclass=lambda name: {
                            "org.kivy.android.PythonActivity": python_activity}[name])}

    def __enter__(self):
        self.saved = {k: sys.modules.get(k) for k in self.modules}
        sys.modules.update(self.modules)
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v

    def new_intent(self, intent: Intent) -> None:  # what Android calls on its UI thread
        for callback in self.bound:
            callback(intent)


class TestLinkTheAppWasOpenedWith(KivyTestCase):
    def _world(self, prefix: str):
        """A real issuer and verifier, a fresh wallet, an EHIC offer: (services, stop, controller, offer, code)."""
        from kivy.core.window import Window

        from wallet.storage import KdfParams
        from wallet.ui.controller import WalletController

        Window.size = (412, 892)
        tmp = Path(tempfile.mkdtemp(prefix=prefix))
        services, stop = start_services(tmp / "home")
        offer, code, _ = services.offer("ehic")
        return services, stop, WalletController(tmp / "wallet", services.trust_dir, kdf=KdfParams(n=2**10)), offer, code

    def test_offer_request_and_unknown_link_after_the_pin(self):
        from wallet.ui.app import WalletApp

        services, stop, ctl, offer, code = self._world("esspass-link-")
        try:
            assert offer.startswith("openid-credential-offer://")
            link = "haip-vci://" + offer.split("://", 1)[1]  # HAIP 1.0 §4.2's scheme, same parameters
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

    def test_android_launch_link_and_a_link_while_the_app_runs(self):
        from wallet.ui.app import WalletApp

        services, stop, ctl, offer, code = self._world("esspass-android-link-")
        try:
            with AndroidStandIn(Intent(VIEW, offer)) as android:
                app = WalletApp(ctl, sync=True)  # no link given: Android's launch intent has it
                app._run_prepare()
                self.advance_frames(3)
                assert app.pending_link == offer and len(android.bound) == 1
                onb = app.screen("onboarding")
                onb.ids.pin.text = onb.ids.pin2.text = "123456"
                self.tap(onb.ids.create)
                scan = app.screen("scan")
                assert app.current == "scan" and scan.needs_code and scan.ids.link.text == offer
                scan.ids.tx_code.text = code
                self.tap(scan.ids.go)
                assert app.current == "result" and app.screen("result").ok, app.screen("result").text
                self.tap(app.screen("result").ids.done)
                assert app.current == "cards"

                # while it runs: a verifier's request clicked in the browser, and an intent that is not a link
                url, tid = services.request("ehic-care")
                android.new_intent(Intent("android.intent.action.MAIN", None))
                self.advance_frames(2)
                assert app.current == "cards"
                android.new_intent(Intent(VIEW, url))
                self.advance_frames(2)
                assert app.current == "consent", app.current
                self.tap(app.screen("consent").ids.share)
                assert app.current == "result" and app.screen("result").ok, app.screen("result").text
                assert services.verifier.transaction_view(tid)["decision"]["result"] == "PASSED"

                # locked: the link waits for the PIN
                ctl.lock()
                app.show("unlock")
                url2, tid2 = services.request("ehic-care")
                android.new_intent(Intent(VIEW, url2))
                self.advance_frames(2)
                assert app.current == "unlock" and app.pending_link == url2
                app.screen("unlock").ids.pin.text = "123456"
                self.tap(app.screen("unlock").ids.unlock)
                assert app.current == "consent", app.current
                self.tap(app.screen("consent").ids.share)
                assert services.verifier.transaction_view(tid2)["decision"]["result"] == "PASSED"

            # the desktop: a second `esspass wallet app LINK` hands its link to this app (wallet/ui/single_instance.py)
            from wallet.ui.single_instance import Listener, hand_over

            folder = Path(tempfile.mkdtemp(prefix="esspass-sock-"))
            listener = Listener(folder, app._link_from_the_system)
            assert listener.start()
            try:
                url3, tid3 = services.request("ehic-care")
                assert hand_over(folder, url3) is True
                for _ in range(50):  # the listener's thread hands it to Kivy's clock
                    self.advance_frames(1)
                    if app.current == "consent":
                        break
                assert app.current == "consent", app.current
                self.tap(app.screen("consent").ids.share)
                assert services.verifier.transaction_view(tid3)["decision"]["result"] == "PASSED"
            finally:
                listener.stop()
            self.close(app)
        finally:
            stop()
