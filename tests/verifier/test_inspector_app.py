"""The Kivy inspector app offscreen, driven by touches: preset → request QR (read back from a screenshot of the
window) → the wallet's answer as a picture file → decision screen; a revoked credential; Danish; the log.
Skips when Kivy cannot open a window, unless ESSPASS_REQUIRE_ALL=1."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="esspass-kivy-test-"))

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

try:
    from kivy.tests.common import GraphicUnitTest, UnitTestTouch
except Exception as exc:  # noqa: BLE001 - no Kivy or no GL
    GraphicUnitTest = object  # type: ignore[misc,assignment]
    _KIVY_ERROR = f"Kivy unavailable: {exc}"
else:
    _KIVY_ERROR = ""


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("ESSPASS_REQUIRE_ALL") == "1":
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


class TestInspectorApp(GraphicUnitTest):
    def setUp(self):
        if _KIVY_ERROR:
            _skip_or_fail(_KIVY_ERROR)
        try:
            from kivy.core.window import Window
        except Exception as exc:  # noqa: BLE001
            _skip_or_fail(f"Kivy cannot open a window: {exc}")
        if Window is None:
            _skip_or_fail("Kivy cannot open a window (no GL)")
        super().setUp()

    def tap(self, widget, frames: int = 3):
        self.advance_frames(3)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.advance_frames(1)
        touch.touch_up()
        self.advance_frames(frames)

    def test_preset_request_response_decision(self):
        from kivy.core.window import Window

        from credential import qr_transport
        from trust_list.demo import build_demo_ecosystem
        from verifier.ui import demo
        from verifier.ui.app import ICheckRow, ILogRow, InspectorApp
        from verifier.ui.controller import InspectorController

        from .helpers import NOW

        # the harness's offscreen GL surface keeps the size it was created with (800 x 600): stay within it
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
            request_text = qr_transport.decode_qr_image(shot)  # what the wallet's camera reads off the screen
            assert request_text == ctl.session.request_text

            # the wallet answers; the inspector opens the picture of the answer
            answer = tmp / "answer.png"
            qr_transport.encode_qr_png(demo.respond(cred, request_text, now=NOW, preset="a1-inspection"), answer)
            self.tap(app.screen("request").ids.scan)
            assert app.current == "scan"
            scan = app.screen("scan")
            scan.load_image(shot)  # the wrong code first (the request itself): FAILED qr.kind, session untouched
            assert app.current == "decision" and ctl.decision.result == "FAILED"
            assert ctl.decision.codes == ["qr.kind"]
            assert not ctl.session.used

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
            scan.load_image(qr_transport.render_qr_image(vp1))
            assert dec.result == "FAILED" and dec.colour == "#B42318"
            failed = [r.code for r in dec.ids.body.walk() if isinstance(r, ICheckRow) and r.result == "fail"]
            assert failed == ["status.invalid"]

            # the log: every inspection, no personal data
            app.show("log")
            log_rows = [w for w in app.screen("log").ids.body.children if isinstance(w, ILogRow)]
            assert len(log_rows) == 4
            raw = (tmp / "state" / "inspections.jsonl").read_text("utf-8")
            assert "Kowalski" not in raw and "KOWALSKI" not in raw and "048213" not in raw
        finally:
            Window.remove_widget(app.root)
