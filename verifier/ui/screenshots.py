"""``esspass inspect screenshots --out DIR``: every inspector screen rendered offscreen with demo data, in English
and Danish (PNG files, so anyone can look at the app without a device).

The demo data is made at run time in a temporary directory: the demo trust ecosystem, offline bundles (fresh,
with the credential revoked, three days old), an A1 and an EHIC from Udbetaling Danmark, the wallet's answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from credential.i18n import LANGS
from uikit import Screenshots

PHONE = (432, 900)


def render_all(out: Path | str, langs: Sequence[str] = LANGS, *,
               check: Callable[[str, str, Any], None] | None = None, images: bool = True) -> list[Path]:
    """Every screen in every language of ``langs`` (all ten by default); ``check(name, lang, app)`` runs at each
    shot (uikit.shots.Screenshots)."""
    with Screenshots(out, PHONE, prefix="esspass-inspector-shots-", check=check, images=images) as run:
        import qrimage
        from trust_list.demo import build_demo_ecosystem

        from . import demo
        from .app import InspectorApp
        from .controller import InspectorController
        from ..manual_check import LookupAnswer

        work, shot = run.work, run.shot
        now = int(time.time())
        home = work / "home"
        eco = build_demo_ecosystem(home / "ecosystem", now)
        fresh = work / "fresh.json"
        demo.bundle(eco, now=now - 2 * 3600, out=fresh)
        revoked = work / "revoked.json"
        demo.bundle(eco, now=now - 600, revoked={7: 1}, out=revoked)
        stale = work / "stale.json"
        demo.bundle(eco, now=now - 3 * 86400, out=stale)
        a1 = demo.issue(eco, "pda1", now=now)
        ehic_paper = demo.issue(eco, "ehic", now=now, holder=False, idx=9)
        ctl = InspectorController(home, bundle=fresh, state=work / "state")
        app = run.start(InspectorApp(ctl, sync=True))

        def use_bundle(path: Path) -> None:
            ctl.bundle_path, ctl._verifier = path, None

        def answer(cred, preset: str) -> str:
            app.start(preset)
            vp1 = demo.respond(cred, ctl.session.request_text, now=now, preset=preset)
            app.show("scan")
            app.screen("scan").load_image(qrimage.render_qr_image(vp1))
            return vp1

        for lang in langs:
            app.set_font_scale(1.0)
            app.set_language(lang)
            use_bundle(fresh)
            ctl.end_site()
            app.show("home")
            shot("01-home", lang)
            app.show("site_new")  # a site session: every check below joins its list
            new = app.screen("site_new")
            new.ids.place.text, new.ids.inspector.text = "Nordhavn, Byggeplads 4", "M. Jensen"
            shot("13-site-new", lang)
            new.begin()
            app.start("a1-inspection")
            shot("02-request-qr", lang)
            ctl.set_worker_language("pl" if lang != "pl" else "ro")  # the worker's own language beside
            app.show("request")
            shot("14-request-worker-language", lang)
            ctl.set_worker_language(lang)
            app.show("scan")
            shot("03-scan", lang)
            answer(a1, "a1-inspection")
            shot("04-decision-passed", lang)
            app.set_font_scale(1.6)
            shot("05-decision-passed-large-text", lang)
            app.set_font_scale(1.0)
            use_bundle(revoked)
            answer(a1, "a1-inspection")
            shot("06-decision-failed-revoked", lang)
            use_bundle(stale)
            answer(a1, "a1-inspection")
            shot("07-decision-indeterminate-stale", lang)
            use_bundle(fresh)
            vp1 = answer(a1, "a1-inspection")
            app.show("scan")  # the same answer scanned again (replayed, or read twice): "scan again", not a fake
            app.screen("scan").load_image(qrimage.render_qr_image(vp1))
            shot("08-decision-failed-replay", lang)
            app.start("a1-inspection")  # a new request; the holder shows the answer to the old one
            app.show("scan")
            app.screen("scan").load_image(qrimage.render_qr_image(vp1))
            shot("17-scan-not-an-answer", lang)
            app.start_paper()
            shot("09-scan-paper", lang)
            app.screen("scan").load_image(qrimage.render_qr_image(demo.paper_copy(ehic_paper)))
            shot("10-decision-paper-copy", lang)
            ctl.lookup = None  # manual entry on a device without the issuer's key: the screen says so
            app.show("manual")
            app.screen("manual").ids.number.text = "A1-DK-000007"
            app.screen("manual").check()
            shot("18-manual-entry-no-key", lang)
            # the issuer's lookup-only answer for the demo A1 (index 7 of the demo status list); the verdict is read
            # from the bundle's signed Status List Token, as with the real issuer (tests/verifier/test_manual_entry.py)
            ctl.lookup = lambda number: LookupAnswer("VALID", ((demo.STATUS_URI, 7),))
            app.screen("manual").check()
            shot("19-decision-manual-weaker", lang)
            app.show("log")
            shot("11-log", lang)
            app.show("site")
            shot("15-site-list", lang)
            app.screen("site").end()
            shot("16-site-end-confirm", lang)
            app.dialog.answer(True)
            use_bundle(stale)
            app.set_font_scale(1.6)
            app.show("home")
            shot("12-home-stale-large-text", lang)
            app.set_font_scale(1.0)
    return run.paths
