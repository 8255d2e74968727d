"""The Kivy inspector app offscreen, driven by touches: preset → request QR (read back from a screenshot of the
window) → the wallet's answer as a picture file → decision screen; a revoked credential; Danish; the log.
Skips when Kivy cannot open a window, unless ESSPASS_REQUIRE_ALL=1."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


class TestInspectorApp(KivyTestCase):
    def test_preset_request_response_decision(self):
        from kivy.core.window import Window

        import qrimage
        from trust_list.demo import build_demo_ecosystem
        from verifier.ui import demo
        from verifier.ui.app import ICheckRow, ILogRow, InspectorApp
        from verifier.ui.controller import InspectorController

        from .helpers import NOW

        # the offscreen GL surface keeps the size it was created with (tests.kivy_support.SURFACE): stay within it
        Window.size = (480, 600)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-inspector-ui-"))
        home = tmp / "home"
        eco = build_demo_ecosystem(home / "ecosystem", NOW)
        cred = demo.issue(eco, "pda1", now=NOW, idx=5)
        fresh, revoked = tmp / "fresh.json", tmp / "revoked.json"
        demo.bundle(eco, now=NOW - 7200, out=fresh)
        demo.bundle(eco, now=NOW - 600, revoked={5: 1}, out=revoked)
        ctl = InspectorController(home, bundle=fresh, state=tmp / "state", clock=lambda: NOW)
        app = InspectorApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(3)
        try:
            assert app.current == "home"
            homescreen = app.screen("home")
            assert "(2 h)" in homescreen.data_text and not homescreen.stale

            # choose the preset: the request QR fills the screen
            buttons = {b.preset: b for b in homescreen.ids.presets.children}
            self.tap(buttons["a1-inspection"])
            assert app.current == "request" and ctl.session is not None
            self.advance_frames(3)
            shot = Path(Window.screenshot(name=str(tmp / "request.png")))
            request_text = qrimage.decode_qr_image(shot)  # what the wallet's camera reads off the screen
            assert request_text == ctl.session.request_text

            # the wallet answers; the inspector opens the picture of the answer
            answer = tmp / "answer.png"
            qrimage.encode_qr_png(demo.respond(cred, request_text, now=NOW, preset="a1-inspection"), answer)
            self.tap(app.screen("request").ids.scan)
            assert app.current == "scan"
            scan = app.screen("scan")
            from uikit.scan import camera_available

            if not camera_available():  # CI, most desktops: no camera button; "open image" is said instead
                assert scan.ids.camera.disabled and scan.ids.camera.height == 0
                assert scan.ids.viewfinder.message == "No camera on this device: open an image of the code."
            # the wrong code first (the request itself, then a credential offer): a scanning problem, not a verdict
            # (issue 17: it used to say "Not valid – Do not accept this document" and log a FAILED inspection)
            offer = tmp / "offer.png"
            qrimage.encode_qr_png("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx.example", offer)
            for wrong in (shot, offer):
                scan.load_image(wrong)
                assert app.current == "scan" and ctl.decision is None
                assert scan.error == "This is not an answer to this check — scan the answer QR on the worker's phone."
                assert not ctl.session.used and ctl.log.entries() == []

            app.show("scan")
            scan.load_image(answer)
            self.advance_frames(3)
            assert app.current == "decision"
            dec = app.screen("decision")
            assert dec.result == "PASSED" and dec.colour == "#0B6B3A" and dec.headline == "Valid"
            texts = [getattr(w, "text", "") for w in dec.ids.body.walk()]
            assert any("identity document" in t for t in texts)
            assert any("KOWALSKI" in t for t in texts)
            rows = [w for w in dec.ids.body.walk() if isinstance(w, ICheckRow)]
            assert rows and all(r.result == "pass" for r in rows)
            app.set_language("da")
            assert dec.headline == "Gyldig"
            assert any("identitetsdokument" in getattr(w, "text", "") for w in dec.ids.body.walk())
            app.set_language("en")

            # replay: the same answer again → FAILED (single use)
            app.show("scan")
            scan.load_image(answer)
            assert dec.result == "FAILED" and ctl.decision.codes == ["inspect.session_used"]

            # a picture without a QR code: a message on the scan screen, no decision
            from PIL import Image

            Image.new("L", (120, 120), 255).save(tmp / "blank.png")
            app.show("scan")
            scan.load_image(tmp / "blank.png")
            assert app.current == "scan" and "QR" in scan.error

            # a revoked credential with the other bundle
            ctl.bundle_path, ctl._verifier = revoked, None
            self.tap(app.screen("decision").ids.new) if app.current == "decision" else app.show("home")
            app.show("home")
            buttons = {b.preset: b for b in app.screen("home").ids.presets.children}
            self.tap(buttons["a1-inspection"])
            vp1 = demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection")
            app.show("scan")
            self._scan_with_camera(scan, vp1)  # this time through the camera path
            assert dec.result == "FAILED" and dec.colour == "#B42318"
            failed = [r.code for r in dec.ids.body.walk() if isinstance(r, ICheckRow) and r.result == "fail"]
            assert failed == ["status.invalid"]

            # the log: every inspection, no personal data
            app.show("log")
            log_rows = [w for w in app.screen("log").ids.body.children if isinstance(w, ILogRow)]
            assert len(log_rows) == 3  # PASSED, the replay FAILED, the revoked FAILED: no wrong scans
            raw = (tmp / "state" / "inspections.jsonl").read_text("utf-8")
            assert "Kowalski" not in raw and "KOWALSKI" not in raw and "048213" not in raw
        finally:
            Window.remove_widget(app.root)

    def _scan_with_camera(self, scan, qr_text: str) -> None:
        """The scan screen's camera path with a stand-in camera: a Kivy widget whose GL texture holds a camera-like
        frame of ``qr_text`` (bottom row first, as camera providers fill textures). Tapping "Use the camera" puts
        it in the viewfinder; the scanner reads ``texture.pixels`` and the decision follows."""
        from kivy.graphics.texture import Texture
        from kivy.uix.image import Image as KivyImage
        from PIL import Image

        import qrimage
        from uikit.scan import CameraScanner

        frame = Image.new("RGBA", (960, 720), (190, 186, 176, 255))
        frame.paste(qrimage.render_qr_image(qr_text, scale=4).convert("RGBA"), (40, 30))
        tex = Texture.create(size=frame.size, colorfmt="rgba")
        tex.blit_buffer(frame.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes(), colorfmt="rgba",
                        bufferfmt="ubyte")
        polls = []
        scan.scanner = CameraScanner(scan._code_read, camera_factory=lambda: KivyImage(texture=tex),
                                     schedule=lambda fn, interval: polls.append(fn) or _NoEvent())
        scan.refresh()
        assert scan.camera_ok and not scan.ids.camera.disabled and scan.camera_message == ""
        self.tap(scan.ids.camera)
        assert scan.camera_on and scan.ids.camera.text == "Stop the camera"
        assert scan.scanner.camera in scan.ids.viewfinder.children
        polls[0](0.35)  # the next tick of the scanner's clock
        assert not scan.camera_on and scan.scanner.camera is None
        assert len(scan.ids.viewfinder.children) == 1  # the message label only: the preview is gone


class _NoEvent:
    def cancel(self) -> None:
        pass


class TestInspectorTexts(KivyTestCase):
    def test_paper_scan_hint_and_indeterminate_reason_above_the_fold(self):
        from kivy.core.window import Window

        import qrimage
        from trust_list.demo import build_demo_ecosystem
        from verifier.ui import demo
        from verifier.ui.app import InspectorApp
        from verifier.ui.controller import InspectorController

        from .helpers import NOW

        Window.size = (432, 900)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-inspector-texts-"))
        home = tmp / "home"
        eco = build_demo_ecosystem(home / "ecosystem", NOW)
        cred = demo.issue(eco, "pda1", now=NOW, idx=5)
        stale = tmp / "stale.json"
        demo.bundle(eco, now=NOW - 3 * 86400, out=stale)
        ctl = InspectorController(home, bundle=stale, state=tmp / "state", clock=lambda: NOW)
        app = InspectorApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(3)
        try:
            scan = app.screen("scan")
            app.start("a1-inspection")
            app.show("scan")
            assert "holder's phone" in scan.ids.hint.text
            assert (ctl.scan_texts()[1], ctl.scan_texts()[0]) == (scan.ids.hint.text, "Scan the answer")

            # paper mode: its own hint, in both languages
            app.start_paper()
            assert app.current == "scan"
            assert "paper copy" in scan.ids.hint.text and "phone" not in scan.ids.hint.text
            assert ctl.scan_texts() == ("Scan the paper copy", scan.ids.hint.text)
            app.set_language("da")
            assert "papirkopi" in scan.ids.hint.text and "telefon" not in scan.ids.hint.text
            app.set_language("en")

            # INDETERMINATE (status list three days old): why, and the age of the data, first on the screen: in the
            # banner (a panel below lists the reasons only when more than one check could not be done)
            app.start("a1-inspection")
            vp1 = demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection")
            app.show("scan")
            scan.load_image(qrimage.render_qr_image(vp1))
            self.advance_frames(3)
            dec = app.screen("decision")
            assert dec.result == "INDETERMINATE" and dec.headline == "Could not be fully checked"
            assert ctl.view().why and all(m in dec.hint for m in ctl.view().why)
            assert "3 days" in dec.hint and "status list" in dec.hint.lower()
            assert "NOT a finding that the document is false" in dec.hint
            body_texts = [getattr(w, "text", "") for w in dec.ids.body.walk()]
            assert not any("Why it could not be fully checked" in t for t in body_texts)  # one reason: said once
            banner = dec.ids.banner
            assert banner.to_window(banner.x, banner.y)[1] >= 0  # the banner is on the screen
            app.set_language("da")
            assert "3 dage" in dec.hint and "IKKE" in dec.hint, dec.hint
        finally:
            Window.remove_widget(app.root)
