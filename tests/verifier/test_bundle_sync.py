"""Issue 17 item 1: offline data is only ever replaced by newer valid data.

The field failure: an inspector pressed "Update offline data" with the services unreachable; the app said
"Updated: 3 lists, 0 status lists", rewrote ``bundle.json`` without any status list, and a valid EHIC then came
out "Could not be fully checked – status". Here: the merge rules one by one (pure), then the inspector app offscreen
synced online against a real status server, the server stopped, "update" tapped again, and a valid credential
checked → PASSED with the data's age; and ``esspass inspect sync`` the same way from the command line.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy
from tests.verifier.helpers import NOW
from tests.verifier.servers import Clock, StatusServer, free_port
from verifier.bundle_sync import KEPT, MISSING, UNCHANGED, UPDATED, merge_bundle
from verifier.sources import Bundle

URI = "https://status.udk.esspass.example/lists/1"


def _eco(tmp_path: Path, at: int = NOW):
    from trust_list.demo import build_demo_ecosystem

    return build_demo_ecosystem(tmp_path / "eco", at)


def _status(eco, *, iat: int, revoked=None, inst: str = "udk", uri: str = URI) -> str:
    from verifier.ui import demo

    return demo.status_token(eco, now=iat, iat=iat, revoked=revoked, inst=inst, uri=uri)


def _held(eco, *, at: int, status: str) -> Bundle:
    return Bundle(at, {t: (tok, at) for t, tok in eco.tokens().items()}, {URI: (status, at)})


def _by_name(result):
    return {i.name: i for i in result.items}


def test_nothing_fetched_keeps_everything_with_its_time(tmp_path):
    eco = _eco(tmp_path)
    old = _held(eco, at=NOW - 3600, status=_status(eco, iat=NOW - 3700))
    result = merge_bundle(old, {}, {}, [], [eco.operator_cert], NOW)
    assert result.bundle.trust_lists == old.trust_lists and result.bundle.status_lists == old.status_lists
    assert {i.outcome for i in result.items} == {KEPT} and not result.complete
    assert result.kept_since() == NOW - 3600 and _by_name(result)[URI].reason == "not fetched"


def test_newer_valid_status_token_replaces_older_and_older_one_never_does(tmp_path):
    eco = _eco(tmp_path)
    held = _status(eco, iat=NOW - 3700)
    newer = _status(eco, iat=NOW - 60, revoked={3: 1})
    old = _held(eco, at=NOW - 3600, status=held)
    result = merge_bundle(old, eco.tokens(), {URI: newer}, [URI], [eco.operator_cert], NOW)
    assert result.bundle.status_lists[URI] == (newer, NOW) and _by_name(result)[URI].outcome == UPDATED
    assert result.complete and {i.outcome for i in result.items if i.kind == "trust_list"} == {UNCHANGED}

    # a replayed older token (a stale cache, an attacker on the network) does not take the place of a newer one
    back = merge_bundle(result.bundle, {}, {URI: held}, [URI], [eco.operator_cert], NOW + 60)
    assert back.bundle.status_lists[URI] == (newer, NOW) and _by_name(back)[URI].reason == "older"


def test_a_status_token_that_does_not_validate_never_replaces_good_data(tmp_path):
    from credential.jose import SigningKey

    eco = _eco(tmp_path)
    held = _status(eco, iat=NOW - 3700)
    old = _held(eco, at=NOW - 3600, status=held)
    forged = _status(eco, iat=NOW - 10)
    head, payload, sig = forged.split(".")
    bad_sig = f"{head}.{payload}.{sig[:-4]}AAAA"
    from credential import status_list

    unlisted = status_list.create_status_list_token(  # right x5c, key not the certificate's
        status_list.StatusList.new(1024, 2), sub=URI, iat=NOW - 10, exp=NOW + 3600, ttl=600,
        key=SigningKey.generate(), x5c=eco.institutions["udk"].status_x5c)
    other_uri = _status(eco, iat=NOW - 10, uri="https://elsewhere.example/1")
    for token, code in ((bad_sig, "status.token_signature"), (unlisted, "status.token_signature"),
                        (other_uri, "status.sub_mismatch"), ("<html>not a token</html>", "status.token_malformed")):
        result = merge_bundle(old, {}, {URI: token}, [URI], [eco.operator_cert], NOW)
        item = _by_name(result)[URI]
        assert result.bundle.status_lists[URI] == (held, NOW - 3600), code
        assert item.outcome == KEPT and item.reason.startswith(code), (code, item.reason)


def test_status_uri_with_nothing_held_and_nothing_fetched_is_missing_unless_optional(tmp_path):
    eco = _eco(tmp_path)
    result = merge_bundle(None, eco.tokens(), {}, [URI], [eco.operator_cert], NOW)
    assert _by_name(result)[URI].outcome == MISSING and URI not in result.bundle.status_lists
    quiet = merge_bundle(None, eco.tokens(), {}, [URI], [eco.operator_cert], NOW, status_optional=[URI])
    assert quiet.complete and URI not in _by_name(quiet)


def test_trust_lists_are_replaced_only_by_valid_lists_never_by_a_lower_sequence_number(tmp_path):
    from trust_list.demo import _next_update, build_demo_ecosystem
    from trust_list.model import PUB_EAA

    eco = _eco(tmp_path)
    first = eco.tokens()
    later = _next_update(eco.list_paths[PUB_EAA]) - 3600  # less than a day left: the demo re-signs (sequence + 1)
    second = build_demo_ecosystem(tmp_path / "eco", later).tokens()
    assert second[PUB_EAA] != first[PUB_EAA]
    held = Bundle(later - 60, {t: (tok, later - 60) for t, tok in second.items()}, {})
    result = merge_bundle(held, first, {}, [], [eco.operator_cert], later)
    assert result.bundle.trust_lists[PUB_EAA] == (second[PUB_EAA], later - 60), "rolled back to a lower sequence number"
    assert _by_name(result)[PUB_EAA].reason == "older"

    # a list signed by someone else (another operator's ecosystem) does not replace the held one
    stranger = build_demo_ecosystem(tmp_path / "stranger", later).tokens()
    result = merge_bundle(held, stranger, {}, [], [eco.operator_cert], later)
    assert result.bundle.trust_lists == held.trust_lists and not result.complete

    # with no list held, a newer valid one is taken
    fresh = merge_bundle(None, second, {}, [], [eco.operator_cert], later)
    assert fresh.bundle.trust_lists[PUB_EAA] == (second[PUB_EAA], later)


def test_bundle_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    eco = _eco(tmp_path)
    target = tmp_path / "bundle.json"
    _held(eco, at=NOW, status=_status(eco, iat=NOW)).save(target)
    before = target.read_bytes()
    broken = Bundle(NOW, {"x": (object(), NOW)}, {})  # not serialisable: fails half-way
    try:
        broken.save(target)
    except TypeError:
        pass
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "eco"]


def test_inspect_sync_with_the_network_down_keeps_the_status_lists(tmp_path, monkeypatch):
    """The command line: `esspass inspect sync` online, then with the status server gone."""
    from esspass.cli import app

    home = tmp_path / "home"
    monkeypatch.setenv("ESSPASS_HOME", str(home))
    monkeypatch.setenv("ESSPASS_ISSUER_URL", f"http://127.0.0.1:{free_port()}")  # no demo issuer
    from trust_list.demo import build_demo_ecosystem
    import time

    now = int(time.time())
    eco = build_demo_ecosystem(home / "ecosystem", now)
    out = tmp_path / "bundle.json"
    with StatusServer() as server:
        uri = server.url + "/lists/1"
        server.tokens["/lists/1"] = _status(eco, iat=now - 5, uri=uri)
        res = CliRunner().invoke(app, ["inspect", "sync", "--out", str(out), "--status-uri", uri])
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["complete"] is True
    saved = out.read_bytes()
    res = CliRunner().invoke(app, ["inspect", "sync", "--out", str(out)])  # server stopped: network down
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["status_lists"] == 1 and report["complete"] is False and report["kept_since"] is not None
    assert [i["outcome"] for i in report["items"] if i["name"] == uri] == ["kept"]
    assert json.loads(out.read_bytes())["status_lists"] == json.loads(saved)["status_lists"]


class TestInspectorUpdateOffline(KivyTestCase):
    def test_update_with_network_down_keeps_data_and_a_valid_credential_passes(self):
        from kivy.core.window import Window

        from verifier.ui import demo
        from verifier.ui.app import InspectorApp
        from verifier.ui.controller import InspectorController

        Window.size = (432, 900)
        tmp = Path(tempfile.mkdtemp(prefix="esspass-inspector-sync-"))
        home = tmp / "home"
        from trust_list.demo import build_demo_ecosystem

        eco = build_demo_ecosystem(home / "ecosystem", NOW)
        os.environ["ESSPASS_ISSUER_URL"] = f"http://127.0.0.1:{free_port()}"  # no local demo issuer probe
        clock = Clock(NOW - 7200)
        server = StatusServer().__enter__()
        try:
            uri = server.url + "/lists/1"
            cred = demo.issue(eco, "ehic", now=NOW, idx=5, status_uri=uri)
            bundle = tmp / "state" / "bundle.json"
            Bundle(NOW - 7200, {t: (tok, NOW - 7200) for t, tok in eco.tokens().items()},
                   {uri: (_status(eco, iat=NOW - 7300, uri=uri), NOW - 7200)}).save(bundle)
            ctl = InspectorController(home, bundle=bundle, state=tmp / "state", clock=clock)
            app = InspectorApp(ctl, sync=True)
            app._run_prepare()
            self.advance_frames(3)
            home_screen = app.screen("home")

            # online: a newer status list is published and the update takes it
            clock.t = NOW - 3600
            server.tokens["/lists/1"] = _status(eco, iat=NOW - 3600, uri=uri)
            self.tap(home_screen.ids.sync)
            from trust_list.model import LIST_TYPES  # the demo ecosystem publishes every list type

            assert home_screen.sync_text.startswith(f"Updated: {len(LIST_TYPES)} lists, 1 status lists"), \
                home_screen.sync_text
            assert Bundle.load(bundle).status_lists[uri][1] == NOW - 3600
        finally:
            server.__exit__(None, None, None)
        try:
            # the network goes down (the server is gone); the inspector presses "update" in the cellar
            clock.t = NOW
            self.tap(home_screen.ids.sync)
            text = home_screen.sync_text
            assert text.startswith(f"Could not update 1 of {len(LIST_TYPES) + 1} lists; keeping data from "), text
            assert Bundle.load(bundle).status_lists[uri][1] == NOW - 3600  # still there, with its time
            assert "2026-11-26 09:00 (60 min)" in home_screen.data_text  # the kept data's time and age

            # and a valid credential is still PASSED, with the age of the data it was decided on
            app.start("ehic-care")
            vp1 = demo.respond(cred, ctl.session.request_text, now=NOW, preset="ehic-care")
            app.show("scan")
            import qrimage

            app.screen("scan").load_image(qrimage.render_qr_image(vp1))
            assert app.current == "decision" and ctl.decision.result == "PASSED", ctl.decision.as_json()
            assert ctl.decision.data_age["status_list_fetched_s"] == 3600
            assert "status list issued 60 min ago" in ctl.view().data_age

            app.set_language("da")
            ctl.sync()
            assert ctl.sync_message.startswith(f"Kunne ikke opdatere 1 af {len(LIST_TYPES) + 1} lister; beholder data fra ")
        finally:
            os.environ.pop("ESSPASS_ISSUER_URL", None)
            Window.remove_widget(app.root)
