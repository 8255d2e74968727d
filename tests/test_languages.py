"""Issue 15 item 1: the ten languages are selectable wherever a person chooses one — the wallet (following the
phone's language until the citizen picks another), the inspector app, the verifier console, the issuer's back
office and the CLIs' ``--lang`` — and each place then speaks the catalog's words, not English."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx
import pytest

from credential.i18n import LANGS, NAMES, by_name, date_format, pick, text
from tests.kivy_support import KivyTestCase


def test_system_and_browser_tags_map_to_shipped_languages():
    assert [pick(t) for t in ("pl_PL.UTF-8", "nb-NO", "no", "nn_NO", "de", "LT", "ro_RO")] == \
        ["pl", "nb", "nb", "nb", "de", "lt", "ro"]
    assert [pick(t) for t in (None, "", "C", "fr_FR.UTF-8", "xx")] == [None] * 5
    assert set(NAMES) == set(LANGS) and all(by_name(NAMES[lang]) == lang for lang in LANGS)
    assert by_name("Language …") is None
    assert date_format("en") == "%d %b %Y" and date_format("de") == "%d.%m.%Y" and date_format("sv") == "%Y-%m-%d"


def test_wallet_follows_the_phone_language_until_the_citizen_chooses(tmp_path):
    from wallet.storage import KdfParams
    from wallet.ui.controller import WalletController

    assert WalletController(tmp_path / "a", system_lang=lambda: "pl_PL.UTF-8").lang == "pl"
    assert WalletController(tmp_path / "b", system_lang=lambda: "fr_FR.UTF-8").lang == "en"
    assert WalletController(tmp_path / "c", system_lang=lambda: None).lang == "en"
    ctl = WalletController(tmp_path / "d", system_lang=lambda: "fi_FI", kdf=KdfParams(n=2**10))
    assert ctl.lang == "fi"
    ctl.set_language("lt")
    # the choice is kept (outside the sealed store, readable before the PIN) and wins over the phone's language
    assert WalletController(tmp_path / "d", system_lang=lambda: "fi_FI").lang == "lt"
    ctl.set_language("xx")
    assert ctl.lang == "en"


@pytest.mark.parametrize("lang", LANGS)
def test_cli_lang_accepts_every_shipped_language(lang, capsys):
    from typer.testing import CliRunner

    from esspass.cli import app

    r = CliRunner().invoke(app, ["verify", "--lang", lang, "/nonexistent-presentation"])
    assert "--lang must be" not in r.output


def test_cli_lang_refuses_an_unshipped_language():
    from typer.testing import CliRunner

    from esspass.cli import app

    r = CliRunner().invoke(app, ["verify", "--lang", "fr", "/nonexistent-presentation"])
    assert r.exit_code == 2 and "--lang must be one of en, da, sv, nb, fi, is, de, pl, lt, ro" in r.output


def test_console_speaks_the_chosen_or_the_browser_language(tmp_path):
    from tests.verifier.helpers import NOW
    from tests.verifier.servers import Clock, free_port, serve_app
    from verifier.api import create_app
    from verifier.service import VerifierService
    from verifier.settings import VerifierSettings

    port = free_port()
    svc = VerifierService(VerifierSettings(home=tmp_path, verifier_url=f"http://127.0.0.1:{port}"), clock=Clock(NOW))
    with serve_app(create_app(service=svc), port) as url:
        for lang in LANGS:
            page = httpx.get(url + f"/?lang={lang}").text
            assert f'<html lang="{lang}">' in page and text("console.choose", lang) in page
            assert all(f'id="lang-{code}"' in page for code in LANGS)  # every language offered on every page
        page = httpx.get(url + "/", headers={"Accept-Language": "fr-FR, pl;q=0.8, en;q=0.5"}).text
        assert '<html lang="pl">' in page and text("console.choose", "pl") in page


def test_back_office_speaks_every_language(tmp_path):
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from tests.issuer.conftest import ServerThread, free_port

    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=1000)
    with ServerThread(create_app(settings, IssuerService(settings)), port):
        for lang in LANGS:
            page = httpx.get(f"http://127.0.0.1:{port}/backoffice/login?lang={lang}").text
            assert text("issuer.backoffice.login", lang) in page, lang
            assert all(f'hreflang="{code}"' in page for code in LANGS)


class TestLanguageSelectors(KivyTestCase):
    def test_wallet_selector_offers_every_language(self):
        from wallet.storage import KdfParams
        from wallet.ui.app import WalletApp
        from wallet.ui.controller import WalletController

        tmp = Path(tempfile.mkdtemp(prefix="esspass-langs-"))
        app = WalletApp(WalletController(tmp / "w", kdf=KdfParams(n=2**10), system_lang=lambda: "is_IS"), sync=True)
        app._run_prepare()
        self.advance_frames(3)
        try:
            onb = app.screen("onboarding")
            assert app.lang == "is"
            heading = [w for w in onb.walk() if getattr(w, "text", "") == text("wallet.onb.welcome", "is")]
            assert heading, "the onboarding speaks the phone's language"
            more = onb.ids.more
            assert sorted(more.values) == sorted(NAMES[c] for c in LANGS if c not in ("en", "da"))
            more.text = NAMES["pl"]
            self.advance_frames(2)
            assert app.lang == "pl" and heading[0].text == text("wallet.onb.welcome", "pl")
            self.tap(onb.ids.da)
            assert app.lang == "da"
        finally:
            self.close(app)

    def test_inspector_selector_offers_every_language(self):
        _tmp, _eco, _ctl, inspector = self.inspector("esspass-langs-inspector-")
        try:
            spinner = [w for w in inspector.root.walk() if type(w).__name__ == "Spinner"][0]
            assert set(spinner.values) == set(NAMES.values())
            spinner.text = NAMES["lt"]
            self.advance_frames(2)
            assert inspector.lang == "lt"
            shown = {getattr(w, "text", "") for w in inspector.root.walk()}
            assert text("inspector.home.choose", "lt") in shown
        finally:
            self.close(inspector)


@pytest.mark.parametrize("vct", ["pda1", "ehic"])
def test_every_claim_and_type_name_is_labelled_in_every_language(vct):
    """A claim's label comes from the type metadata (SD-JWT VC type metadata ``claims[].display``): every claim
    and the type's own name have a label in each shipped language, so no screen falls back to English."""
    from credential.explain import label, type_name
    from credential.types import get_type

    ctype = get_type(vct)
    assert {d["locale"] for d in ctype.metadata["display"]} >= set(LANGS)
    for entry in ctype.metadata["claims"]:
        assert {d["locale"] for d in entry["display"] if d.get("label")} >= set(LANGS), entry["path"]
    for lang in ("de", "pl", "lt", "ro"):
        assert type_name(ctype.vct, lang) != type_name(ctype.vct, "en")
        assert label(ctype.vct, ("subject", "date_of_birth"), lang) != label(ctype.vct, ("subject", "date_of_birth"),
                                                                            "en")


def _decision(result: str, code: str, check: str) -> dict:
    from credential.reasons import lookup

    reason = lookup(code)
    return {"result": result, "credential_type": None, "claims": {}, "data_age": {"trust_list_fetched_s": 7200},
            "checks": [{"code": "sd.intact", "result": "pass", "message": lookup("sd.intact").message()},
                       {"code": code, "result": check, "message": reason.message()}]}


@pytest.mark.parametrize("lang", LANGS)
def test_inspector_banner_states_the_decisive_reason_and_the_next_step(lang):
    """Issue 15 item 3: revoked -> the reason and "do not accept; ask for the paper copy or contact the
    institution"; an answer for another request -> the reason and "scan again"; could not check -> the reason,
    "NOT a finding of falsity", the data age and "check the ID document" — in each language, never the generic
    "the reasons are below"."""
    from verifier.ui.controller import decision_view, tr

    revoked = decision_view(_decision("FAILED", "status.invalid", "fail"), lang)
    assert revoked.hint == f"{text('status.invalid', lang)} {tr('next.revoked', lang)}"
    rescan = decision_view(_decision("FAILED", "kb.nonce", "fail"), lang)
    assert rescan.hint == f"{text('kb.nonce', lang)} {tr('next.rescan', lang)}"
    unknown = decision_view(_decision("INDETERMINATE", "status.unavailable", "unknown"), lang)
    assert unknown.hint.startswith(text("status.unavailable", lang))
    assert unknown.data_age in unknown.hint and unknown.data_age != "-"
    for view in (revoked, rescan, unknown):
        assert text("console.FAILED_hint", lang) not in view.hint and "." in view.hint


@pytest.mark.parametrize("lang", LANGS)
def test_inspector_first_screen_names_employer_workplace_period_and_legislation(lang):
    """Issue 15 item 3: beside the holder, the first panel names the employer, the place(s) of work, the period
    and the country whose legislation applies — in words in each language (no code such as DK)."""
    from credential.i18n import country_name
    from credential.types import get_type, sample_claims
    from verifier.ui.controller import decision_view

    claims = sample_claims("pda1")
    view = decision_view({"result": "PASSED", "credential_type": get_type("pda1").vct, "claims": claims,
                          "data_age": {}, "checks": []}, lang)
    labels = [k for k, _ in view.facts]
    values = dict(view.facts)
    assert len(view.facts) == 4 and text("issuer.paper.period", lang) in labels, view.facts
    assert country_name(claims["legislation_country"], lang) in values.values()
    assert any(claims["employer"][0]["name"] in v for v in values.values())
    assert all(not v.isupper() or len(v) > 2 for v in values.values())
