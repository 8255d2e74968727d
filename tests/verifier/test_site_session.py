"""Site sessions (issue 15 item 3): place, date, inspector; each worker checked, numbered, with the outcome and a
counter; CSV and PDF exports in the reader's language with no more personal data than the records setting allows.
Real decisions of the offline verifier on the demo ecosystem; the PDF read back with pypdf."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest

from verifier.site import SiteSession, export_csv, export_pdf, font_path
from verifier.ui import demo
from verifier.ui.controller import InspectorController

from .helpers import NOW, offline_inspection_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    eco, cred, bundles = offline_inspection_world(tmp)
    return tmp, eco, cred, bundles


def _checks(ctl, cred, bundles):
    """Three workers: valid, revoked, status list too old."""
    for name in ("fresh", "revoked", "stale"):
        ctl.bundle_path, ctl._verifier = bundles[name], None
        ctl.start("a1-inspection")
        out = ctl.decide_text(demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection"))
        assert out.decision is not None


def _ctl(world, fields, state="state"):
    tmp, eco, cred, bundles = world
    return InspectorController(tmp / "home", bundle=bundles["fresh"], state=tmp / state, clock=lambda: NOW,
                               record_fields=frozenset(fields))


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_default_records_setting_keeps_no_personal_data(world):
    tmp, eco, cred, bundles = world
    ctl = _ctl(world, {"decision", "preset", "time", "issuer", "codes"}, "s-default")
    ctl.start_site("Nordhavn, Byggeplads 4", "2026-12-07", "M. Jensen")
    _checks(ctl, cred, bundles)
    site = ctl.site
    assert [e.n for e in site.entries] == [1, 2, 3]
    assert [e.result for e in site.entries] == ["PASSED", "FAILED", "INDETERMINATE"]
    assert site.counts() == {"PASSED": 1, "FAILED": 1, "INDETERMINATE": 1}
    assert [e.reason for e in site.entries] == [None, "status.invalid", "status.token_expired"]
    assert all(e.holder is None and e.document_number is None and e.credential_type is None for e in site.entries)
    assert ctl.site_entry.n == 3  # the decision on screen says which worker it is

    rows = _csv_rows(ctl.export_site("csv").read_bytes())
    flat = json.dumps(rows, ensure_ascii=False)
    assert rows[0] == ["Place", "Nordhavn, Byggeplads 4"] and rows[2] == ["Inspector", "M. Jensen"]
    assert rows[3] == ["3 checked: 1 valid, 1 not valid, 1 not fully checked"]
    assert rows[5] == ["No.", "Time", "Outcome", "How checked", "Reason", "Details"]
    assert rows[7][2] == "Not valid" and rows[7][4].startswith("The issuer has revoked") and rows[7][5] == \
        "status.invalid"
    assert "KOWALSKI" not in flat.upper() and "Holder" not in flat and "048213" not in flat
    raw = json.dumps(json.loads(next((tmp / "s-default" / "sites").glob("*.json")).read_text("utf-8")))
    assert "KOWALSKI" not in raw.upper() and "048213" not in raw  # nor in the stored session
    assert stat.S_IMODE(next((tmp / "s-default" / "sites").glob("*.json")).stat().st_mode) == 0o600

    pdf = ctl.export_site("pdf")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    text = _pdf_text(pdf.read_bytes())
    assert "Nordhavn, Byggeplads 4" in text and "M. Jensen" in text and "Not fully checked" in text
    assert "KOWALSKI" not in text.upper()


def test_claims_in_the_records_setting_add_holder_and_number_in_the_readers_language(world):
    tmp, eco, cred, bundles = world
    ctl = _ctl(world, {"decision", "time", "codes", "credential_type", "claims"}, "s-claims")
    ctl.set_language("pl")
    ctl.start_site("Gdańsk – Łódź, Żółć", "2026-12-07", "Inspektor Ąę")
    _checks(ctl, cred, bundles)
    assert ctl.site.entries[0].holder and "KOWALSKI" in ctl.site.entries[0].holder.upper()
    assert ctl.site.entries[0].document_number
    rows = _csv_rows(export_csv(ctl.site, "pl"))
    assert rows[5][:4] == ["Nr", "Godzina", "Wynik", "Sposób sprawdzenia"] and "Posiadacz" in rows[5]
    assert rows[6][2] == "Ważny" and "KOWALSKI" in rows[6][rows[5].index("Posiadacz")].upper()
    text = _pdf_text(export_pdf(ctl.site, "pl"))
    for words in ("Gdańsk – Łódź, Żółć", "Inspektor Ąę", "Sprawdzono 3", "Nieważny", "Posiadacz"):
        assert words in text, (words, text)  # the letters survive: a Unicode font, not Latin-1
    assert "KOWALSKI" in text.upper()
    assert font_path().name == "DejaVuSans.ttf"


def test_records_setting_none_keeps_number_time_and_outcome_only(world):
    tmp, eco, cred, bundles = world
    ctl = _ctl(world, set(), "s-none")
    ctl.start_site("Site", "2026-12-07", "Insp")
    _checks(ctl, cred, bundles)
    rows = _csv_rows(export_csv(ctl.site, "en"))
    assert rows[5] == ["No.", "Time", "Outcome", "How checked"]
    assert all(len(r) == 4 for r in rows[6:9])
    assert all(e.reason is None for e in ctl.site.entries)


def test_session_survives_a_restart_and_ends(world):
    tmp, eco, cred, bundles = world
    ctl = _ctl(world, {"decision", "codes"}, "s-restart")
    ctl.start_site("Site A", "2026-12-07", "Insp")
    _checks(ctl, cred, bundles)
    again = _ctl(world, {"decision", "codes"}, "s-restart")  # the app closed and opened again
    assert again.site is not None and again.site.place == "Site A" and len(again.site.entries) == 3
    assert again.site_summary() == "Site A, 07 Dec 2026: 3 checked"
    again.end_site()
    assert again.site is None and _ctl(world, {"decision"}, "s-restart").site is None
    ended = [json.loads(p.read_text("utf-8")) for p in (tmp / "s-restart" / "sites").glob("*.json")]
    assert len(ended) == 1 and ended[0]["ended_at"] == NOW
    # without a site session a check joins no list
    again.start("a1-inspection")
    again.decide_text(demo.respond(cred, again.session.request_text, now=NOW, preset="a1-inspection"))
    assert again.site_entry is None


@pytest.mark.parametrize("place, date, inspector, message", [
    ("", "2026-12-07", "Insp", "place: required"),
    ("Site", "7.12.2026", "Insp", "is not a date"),
    ("Site", "2026-12-07", "   ", "inspector: required"),
    ("x" * 121, "2026-12-07", "Insp", "at most 120"),
])
def test_bad_session_fields_are_refused(place, date, inspector, message):
    with pytest.raises(ValueError, match=message):
        SiteSession.create(place, date, inspector, fields=frozenset(), now=NOW)


def test_csv_cells_cannot_run_as_formulas():
    s = SiteSession.create("=HYPERLINK(\"http://x\")", "2026-12-07", "+Insp", fields=frozenset(), now=NOW)
    rows = _csv_rows(export_csv(s, "en"))
    assert rows[0][1].startswith("'=") and rows[2][1] == "'+Insp"
    assert "No workers checked yet." in _pdf_text(export_pdf(s, "en"))


def test_store_refuses_a_session_id_that_is_a_path(tmp_path):
    from verifier.site import SiteStore

    store = SiteStore(tmp_path)
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "current").write_text("../../etc/passwd", "utf-8")
    assert store.current() is None
    with pytest.raises(ValueError):
        store._path("../x")
