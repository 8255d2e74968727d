"""Issue 15 item 3, the inspector at a building site: the banner says the decisive reason and the next step; the
holder, employer, place of work, period and legislation country are on the first screen; the request's instructions
in the worker's language on the same screen as the inspector's; a light for the camera where the phone has one.

Real decisions of the offline verifier on the demo ecosystem, the real app offscreen. The camera light is the one
part that cannot run here: Kivy switches it only through Android's ``android.hardware.Camera`` (pyjnius), so a
stand-in with that Java API's shape takes its place (``getParameters().getSupportedFlashModes()``,
``setFlashMode``, ``setParameters``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy

from credential.i18n import LANGS
from trust_list.demo import build_demo_ecosystem
from uikit import palette
from verifier.ui import demo
from verifier.ui.controller import InspectorController, decision_view

from .helpers import NOW, offline_inspection_world


# ---------------------------------------------------------------- banner: the decisive reason and the next step


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("field")
    _, cred, bundles = offline_inspection_world(tmp)
    return tmp, cred, bundles


def _decide(world, bundle: str, *, replay: bool = False):
    tmp, cred, bundles = world
    ctl = InspectorController(tmp / "home", bundle=bundles[bundle], state=tmp / f"state-{bundle}-{replay}",
                              clock=lambda: NOW, record_fields=frozenset())
    ctl.start("a1-inspection")
    answer = demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection")
    if replay:  # the answer was used already: the holder shows it again (or the inspector scans it twice)
        assert ctl.decide_text(answer).decision is not None
    out = ctl.decide_text(answer)
    assert out.decision is not None
    return out.decision


@pytest.mark.parametrize("lang", ["en", "da", "pl", "de", "lt"])
def test_banner_states_the_decisive_reason_and_the_next_step(world, lang):
    from credential.i18n import text

    revoked = decision_view(_decide(world, "revoked"), lang)
    assert revoked.result == "FAILED"
    assert revoked.hint.startswith(text("status.invalid", lang))  # the reason itself, not "see below"
    assert revoked.hint.endswith(text("inspector.next.revoked", lang))  # do not accept; paper copy or institution

    replay = decision_view(_decide(world, "fresh", replay=True), lang)
    assert replay.result == "FAILED" and replay.rescan  # no verdict on the document: "Scan again", in amber
    assert replay.headline == text("inspector.decision.rescan", lang) and replay.colour == palette.WARN
    assert not revoked.rescan and revoked.colour == palette.DANGER and revoked.headline != replay.headline
    assert replay.hint.endswith(text("inspector.next.rescan", lang))  # scan again, not "do not accept"
    assert text("inspector.next.revoked", lang) not in replay.hint

    stale = decision_view(_decide(world, "stale"), lang)
    assert stale.result == "INDETERMINATE"
    assert stale.data_age and stale.data_age in stale.hint  # could not check: with how old the data is
    assert text("inspector.next.unknown", lang, age=stale.data_age) in stale.hint

    passed = decision_view(_decide(world, "fresh"), lang)
    assert passed.result == "PASSED"
    assert text("inspector.next.revoked", lang) not in passed.hint
    assert text("inspector.next.rescan", lang) not in passed.hint


def test_the_first_screen_facts_come_from_the_claims_in_words(world):
    view = decision_view(_decide(world, "fresh"), "en")
    facts = dict(view.facts)
    assert "KOWALSKI" in view.holder
    assert set(facts) >= {"Employer or self-employed activity", "Place(s) of work in the host State", "Period",
                          "Member State whose legislation applies"}, facts
    assert all(v and v not in ("DK", "PL") for v in facts.values()), facts  # words, not codes


# ---------------------------------------------------------------- the app offscreen


class _FlashModes:
    """java.util.List as pyjnius hands it over."""

    def __init__(self, modes):
        self.modes = list(modes)

    def contains(self, value):
        return value in self.modes


class _Parameters:
    def __init__(self, device):
        self.device = device
        self.mode = device.mode

    def getSupportedFlashModes(self):  # noqa: N802 - the Java name
        return None if self.device.modes is None else _FlashModes(self.device.modes)

    def setFlashMode(self, mode):  # noqa: N802
        self.mode = mode


class _AndroidCamera:
    """The shape of android.hardware.Camera for the calls the light needs; ``modes`` None: no flash."""

    def __init__(self, modes):
        self.modes = modes
        self.mode = "off"
        self.set_calls: list[str] = []

    def getParameters(self):  # noqa: N802
        return _Parameters(self)

    def setParameters(self, params):  # noqa: N802
        self.mode = params.mode
        self.set_calls.append(params.mode)


class _Core:
    def __init__(self, device):
        self._android_camera = device


class _NoEvent:
    def cancel(self) -> None:
        pass


def test_torch_is_offered_only_where_the_camera_has_one():
    from uikit.scan import set_torch, torch_supported

    class Cam:
        play = True

    plain = Cam()  # a desktop provider: no Android camera behind it
    assert not torch_supported(plain) and set_torch(plain, True) is False
    flashless = Cam()
    flashless._camera = _Core(_AndroidCamera(None))
    assert not torch_supported(flashless) and set_torch(flashless, True) is False
    no_torch = Cam()
    no_torch._camera = _Core(_AndroidCamera(["off", "auto"]))  # a flash for photos that cannot stay on
    assert not torch_supported(no_torch)
    lit = Cam()
    lit._camera = _Core(device := _AndroidCamera(["off", "auto", "torch"]))
    assert torch_supported(lit) and set_torch(lit, True) and device.mode == "torch"
    assert set_torch(lit, False) and device.mode == "off"


class TestInspectorField(KivyTestCase):
    def _app(self, tmp: Path):
        from kivy.core.window import Window

        from verifier.ui.app import InspectorApp

        Window.size = (432, 900)
        home = tmp / "home"
        eco = build_demo_ecosystem(home / "ecosystem", NOW)
        fresh = tmp / "fresh.json"
        demo.bundle(eco, now=NOW - 7200, out=fresh)
        ctl = InspectorController(home, bundle=fresh, state=tmp / "state", clock=lambda: NOW)
        app = InspectorApp(ctl, sync=True)
        app._run_prepare()
        self.advance_frames(3)
        return app, ctl, eco

    def test_torch_button_switches_the_light_and_goes_off_with_the_camera(self):
        from kivy.core.window import Window
        from kivy.uix.widget import Widget

        from uikit.scan import CameraScanner

        app, ctl, _eco = self._app(Path(tempfile.mkdtemp(prefix="esspass-inspector-torch-")))
        try:
            app.start("a1-inspection")
            app.show("scan")
            scan = app.screen("scan")
            torch = scan.ids.torch
            assert torch.disabled and torch.height == 0 and torch.opacity == 0  # camera off: no light offered

            def scanner_with(modes):
                device = _AndroidCamera(modes)
                camera = Widget()
                camera._camera = _Core(device)
                camera.texture = None
                camera.play = True
                scan.scanner = CameraScanner(scan._code_read, camera_factory=lambda: camera,
                                             schedule=lambda fn, interval: _NoEvent())
                scan.refresh()
                return device

            scanner_with(None)  # a phone without a flash: the camera runs, no light button
            self.tap(scan.ids.camera)
            assert scan.camera_on and not scan.torch_ok and torch.disabled and torch.height == 0
            self.tap(scan.ids.camera)

            device = scanner_with(["off", "torch"])
            self.tap(scan.ids.camera)
            self.advance_frames(2)
            assert scan.camera_on and scan.torch_ok and not torch.disabled and torch.height >= 48
            assert torch.text == "Turn on the light"
            self.tap(torch)
            assert device.mode == "torch" and scan.torch_on and torch.text == "Turn off the light"
            self.tap(torch)
            assert device.mode == "off" and not scan.torch_on
            self.tap(torch)
            assert device.mode == "torch"
            app.set_language("pl")
            assert torch.text == "Wyłącz latarkę"
            app.set_language("en")
            self.tap(scan.ids.camera)  # stop the camera: the light goes off with it
            assert device.mode == "off" and device.set_calls[-1] == "off"
            assert not scan.camera_on and not scan.torch_on and torch.disabled
        finally:
            Window.remove_widget(app.root)

    def test_first_screen_shows_who_employer_place_period_and_country(self):
        """Valid, revoked and could-not-check alike: no scrolling to find who, for whom, where, when, which law."""
        from kivy.core.window import Window

        import qrimage

        tmp = Path(tempfile.mkdtemp(prefix="esspass-inspector-first-"))
        app, ctl, eco = self._app(tmp)
        try:
            cred = demo.issue(eco, "pda1", now=NOW, idx=5)
            bundles = {"PASSED": ctl.bundle_path, "FAILED": tmp / "revoked.json",
                       "INDETERMINATE": tmp / "stale.json"}
            demo.bundle(eco, now=NOW - 600, revoked={5: 1}, out=bundles["FAILED"])
            demo.bundle(eco, now=NOW - 3 * 86400, out=bundles["INDETERMINATE"])
            ctl.start_site("Nordhavn, Byggeplads 4", "2026-12-07", "M. Jensen")  # "Worker no. N at ..." above
            for lang, (result, bundle) in [(lang, item) for lang in LANGS
                                           for item in bundles.items()]:
                app.set_language(lang)
                ctl.bundle_path, ctl._verifier = bundle, None
                app.start("a1-inspection")
                vp1 = demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection")
                app.show("scan")
                app.screen("scan").load_image(qrimage.render_qr_image(vp1))
                self.advance_frames(4)
                dec = app.screen("decision")
                assert dec.result == result
                view = ctl.view()
                wanted = [view.holder, *(v for _k, v in view.facts)]
                assert len(view.facts) >= 4
                scroller = dec.ids.body.parent
                top = scroller.to_window(scroller.x, scroller.top)[1]
                bottom = scroller.to_window(scroller.x, scroller.y)[1]
                shown = {}
                for w in dec.ids.body.walk():
                    if getattr(w, "text", "") in wanted and w.opacity:
                        y0, y1 = w.to_window(w.x, w.y)[1], w.to_window(w.x, w.top)[1]
                        # whole, inside the first screen (the full claims list further down repeats some)
                        shown[w.text] = shown.get(w.text, False) or (bottom <= y0 and y1 <= top)
                assert set(shown) == set(wanted), (lang, result, wanted, shown)
                assert all(shown.values()), (lang, result, shown)  # no scrolling needed for any of them
        finally:
            Window.remove_widget(app.root)

    def test_request_instructions_in_the_workers_language_on_the_same_screen(self):
        from kivy.core.window import Window

        from credential.i18n import NAMES, text

        app, ctl, _eco = self._app(Path(tempfile.mkdtemp(prefix="esspass-inspector-worker-")))
        try:
            app.set_language("da")
            app.start("a1-inspection")
            req = app.screen("request")
            hint = req.ids.worker_hint
            req.ids.worker_lang.text = NAMES["da"]
            self.advance_frames(2)
            assert hint.opacity == 0  # same language as the inspector's: said once
            req.ids.worker_lang.text = NAMES["pl"]  # the worker chooses Polski
            self.advance_frames(2)
            assert ctl.worker_lang == "pl" and hint.opacity == 1
            assert hint.text == text("inspector.request.worker_hint", "pl")
            assert app.current == "request" and req.ids.qr.text == ctl.session.request_text  # same screen, same QR
            texts = [getattr(w, "text", "") for w in req.walk()]
            assert text("inspector.request.hint", "da") in texts  # the inspector's own words stay
        finally:
            Window.remove_widget(app.root)


def test_a_rescan_is_not_another_worker_on_the_site_list(world):
    tmp, cred, bundles = world
    ctl = InspectorController(tmp / "home", bundle=bundles["fresh"], state=tmp / "state-rescan", clock=lambda: NOW,
                              record_fields=frozenset())
    ctl.start_site("Nordhavn, Byggeplads 4", "2026-12-07", "M. Jensen")
    ctl.start("a1-inspection")
    answer = demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection")
    assert ctl.decide_text(answer).decision.result == "PASSED" and ctl.site_entry.n == 1
    again = ctl.decide_text(answer).decision  # the same answer read twice: "scan again"
    assert again.result == "FAILED" and again.codes == ["inspect.session_used"]
    assert ctl.site_entry is None and len(ctl.site.entries) == 1 and len(ctl.log.entries()) == 2
    newest = ctl.log_rows()[0]  # the log says it as the banner did
    assert newest["rescan"] and newest["word"] == "Scan again" and newest["codes"] == "inspect.session_used"
    assert not ctl.log_rows()[1]["rescan"] and ctl.log_rows()[1]["word"] == "Valid"
    ctl.bundle_path, ctl._verifier = bundles["revoked"], None  # a real refusal does count
    ctl.start("a1-inspection")
    out = ctl.decide_text(demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection"))
    assert out.decision.result == "FAILED" and ctl.site_entry.n == 2 and ctl.site.counts()["FAILED"] == 1
