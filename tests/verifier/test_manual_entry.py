"""Issue 15 item 3: manual entry of the document number in the inspector app, the fallback when no QR code can be
scanned. The REAL issuer on loopback (its case API with a ``lookup``-only token, its signed status list synced into the
inspector's offline bundle) and the REAL Kivy app offscreen: a valid number is "valid (weaker check)" with the weaker
wording, a revoked one is revoked (read from the signed list, or the issuer's newer answer), an unknown one "not
found"; bad input, an unreachable issuer, a missing or refused token each say why in the inspector's language and the
typed number stays; the log and the site list mark the check as manual."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx

from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy

from credential.i18n import text
from credential.types import sample_claims
from tests.support import free_port
from tests.verifier.servers import serve_app
from uikit import palette


def _case(api: httpx.Client, type_key: str, number: str) -> str:
    claims = sample_claims(type_key)
    claims["document_number"] = number
    case = api.post("/api/v1/cases", json={"type": type_key, "claims": claims, "tx_code": False})
    assert case.status_code == 201, case.text
    paper = api.get(f"/api/v1/cases/{case.json()['case_id']}/paper.pdf")  # a credential in the status list
    assert paper.status_code == 200, paper.text
    return number


class ManualEntryTest(KivyTestCase):
    def test_manual_entry_against_the_real_issuer(self):
        from kivy.core.window import Window

        from issuer.api import create_app
        from issuer.service import IssuerService
        from issuer.settings import Settings
        from verifier import IssuerLookup
        from verifier.ui.app import InspectorApp
        from verifier.ui.controller import InspectorController

        Window.size = (432, 900)
        tmp = Path(tempfile.mkdtemp(prefix="manual"))
        home = tmp / "home"
        port = free_port()
        settings = Settings(home=home, issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000)
        svc = IssuerService(settings)  # the demo ecosystem under home/ecosystem: the inspector's trust list too
        old_env = os.environ.get("ESSPASS_ISSUER_URL")
        os.environ["ESSPASS_ISSUER_URL"] = settings.issuer_url  # the bundle update fetches its /status/1
        try:
            with serve_app(create_app(settings, svc), port) as url, \
                    httpx.Client(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {svc.api_token}"}) as api:
                valid = _case(api, "pda1", "A1-MANUAL-000001")
                revoked = _case(api, "ehic", "EHIC-MANUAL-000002")
                later = _case(api, "pda1", "A1-MANUAL-000003")
                assert api.post(f"/api/v1/documents/{revoked}/revoke", json={"reason": "fraud"}).status_code == 200
                token = svc.create_api_token("inspector-tablet", ["lookup"])
                read_only = svc.create_api_token("case-reader", ["read"])
                ctl = InspectorController(home, bundle=tmp / "state" / "bundle.json", state=tmp / "state",
                                          record_fields=frozenset({"claims", "codes", "credential_type"}),
                                          lookup=IssuerLookup(url, token, allow_loopback=True))
                assert ctl.sync(), ctl.sync_message  # the issuer's signed status list, offline from now on
                # revoked after the update: the list held still says valid, the issuer's newer answer wins
                assert api.post(f"/api/v1/documents/{later}/revoke", json={"reason": "lost"}).status_code == 200
                ctl.start_site("Byggeplads Ørestad", "2026-12-07", "Inspector Jensen")
                app = InspectorApp(ctl, sync=True)
                app._run_prepare()
                self.advance_frames(2)
                try:
                    self._run(app, ctl, valid, revoked, later)
                    # the edges: the issuer down, no token, a token without the scope
                    for lookup, code in ((IssuerLookup(f"http://127.0.0.1:{free_port()}", token,
                                                       allow_loopback=True), "unreachable"),
                                         (IssuerLookup(url, None, allow_loopback=True), "no_token"),
                                         (IssuerLookup(url, read_only, allow_loopback=True), "token_refused")):
                        ctl.lookup = lookup
                        for lang in ("en", "lt", "is"):
                            app.set_language(lang)
                            out = ctl.manual_check(valid)
                            assert out.decision is None and out.error_code == f"manual.{code}"
                            assert out.error[lang] == text(f"inspector.manual.error.{code}", lang)
                finally:
                    self.close(app)
        finally:
            if old_env is None:
                os.environ.pop("ESSPASS_ISSUER_URL", None)
            else:
                os.environ["ESSPASS_ISSUER_URL"] = old_env

    def _type_and_check(self, app, number: str):
        screen = app.sm.get_screen("manual")
        screen.ids.number.text = number
        self.tap(screen.ids.check)
        return screen

    def _run(self, app, ctl, valid: str, revoked: str, later: str) -> None:
        self.tap(app.sm.get_screen("home").ids.manual)
        assert app.sm.current == "manual"
        screen = app.sm.get_screen("manual")
        # bad input: a specific message in every language, and what was typed stays
        for lang in ("en", "da", "pl", "de", "ro"):
            app.set_language(lang)
            for typed, code in (("   ", "empty"), ("X" * 101, "too_long"), ("A1<script>", "characters"),
                                ("A1-NO-SUCH-NUMBER", "not_found")):
                self._type_and_check(app, typed)
                assert app.sm.current == "manual"
                assert screen.error == text(f"inspector.manual.error.{code}", lang), (lang, code, screen.error)
                assert screen.ids.number.text == typed  # nothing lost
        assert ctl.log.entries() == [] and ctl.site.entries == []  # no outcome recorded for bad input
        app.set_language("en")

        # a valid number: "Valid (weaker check)", amber, never the tick; the weaker wording and the ID reminder
        self._type_and_check(app, f"  {valid} ")
        assert app.sm.current == "decision"
        decision = app.sm.get_screen("decision")
        assert decision.headline == "Valid (weaker check)" == text("inspector.manual.result.PASSED", "en")
        assert decision.hint == text("inspector.manual.weaker", "en") and "check the id document" in decision.hint.lower()
        assert decision.colour == palette.WARN and decision.look != "PASSED"
        shown = _texts(decision)
        assert any(text("inspector.manual.check_id", "en") in t for t in shown)
        assert any(text("manual.holder_not_checked", "en") in t for t in shown)
        assert ctl.decision.result == "PASSED"
        signed = next(c for c in ctl.decision.checks if c.code == "status.valid")
        assert signed.evidence and signed.evidence["uri"].endswith("/status/1")  # read from the signed list
        for lang in ("da", "fi", "nb", "sv"):
            app.set_language(lang)
            assert decision.headline == text("inspector.manual.result.PASSED", lang)
        app.set_language("en")

        # revoked before the update: the signed list itself says so
        app.show("manual")
        self._type_and_check(app, revoked)
        assert decision.headline == text("inspector.manual.result.FAILED", "en") and decision.colour == palette.DANGER
        failed = next(c for c in ctl.decision.checks if c.result == "fail")
        assert failed.code == "status.invalid" and failed.evidence is not None  # signed evidence
        # revoked after the update: the issuer's newer answer, never shown as valid
        app.show("manual")
        self._type_and_check(app, later)
        assert ctl.decision.result == "FAILED" and decision.look == "FAILED"
        assert [c.code for c in ctl.decision.checks if c.result == "fail"] == ["status.invalid"]

        # the log and the site list mark the three as manual checks, never as verified presentations
        rows = ctl.log_rows()[:3]
        assert [r["title"] for r in rows] == [text("inspector.manual.log", "en")] * 3
        assert [r["result"] for r in rows] == ["FAILED", "FAILED", "PASSED"]
        assert rows[2]["word"] == "Valid (weaker check)" and all(r["manual"] for r in rows)
        assert all(e.get("manual") is True for e in ctl.log.entries())
        site = ctl.site_rows()
        assert len(site) == 3 and all(text("inspector.site.method.manual", "en") in r["what"] for r in site)
        assert [e.document_number for e in ctl.site.entries] == [valid, revoked, later]
        assert all(e.manual for e in ctl.site.entries)
        app.show("log")
        assert any(text("inspector.manual.log", "en") in t for t in _texts(app.sm.get_screen("log")))
        app.show("site")
        assert any(text("inspector.site.method.manual", "en") in t for t in _texts(app.sm.get_screen("site")))
        csv = ctl.export_site("csv").read_text("utf-8-sig")
        assert csv.count(text("inspector.site.method.manual", "en")) == 3


def _texts(widget) -> list[str]:
    return [str(w.text) for w in widget.walk() if isinstance(getattr(w, "text", None), str) and w.text]
