"""Issue 15 item 6: the paper copy says everything the A1 and the EHIC say, in the holder's language and in English,
with the QR code and how to check it, in every one of the ten languages: the text read back out of the PDF (pypdf)
has the language's own words (its letters printed, not "?"), the status confirmation in words with its legal basis,
the employer, the place of work and the legislation country, and no raw code."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from credential import explain, types
from credential.i18n import LANGS, country_name, text
from issuer.paper import paper_pdf
from issuer.service import IssuerService
from issuer.settings import Settings


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    home = tmp_path_factory.mktemp("paper")
    service = IssuerService(Settings(home=home, issuer_url="http://127.0.0.1:9", status_list_size=10_000))
    cases = {k: service.create_case(k, types.sample_claims(k), "user:test").public_id for k in ("pda1", "ehic")}
    yield service, cases
    service.close()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def _squash(s: str) -> str:  # line breaks inside a wrapped cell come back as spaces (or nothing)
    return re.sub(r"\s+", "", s)


@pytest.mark.parametrize("lang", LANGS)
def test_a1_paper_copy_in_the_holders_language_and_english(svc, lang):
    service, cases = svc
    claims = types.sample_claims("pda1")
    out = _squash(_text(paper_pdf(service, cases["pda1"], "user:test", lang=lang)))
    assert "?" not in out.replace("?lang", "")  # no letter the font could not print
    for words in {lang, "en"}:
        assert _squash(text("issuer.paper.title.pda1", words)) in out, words
        assert _squash(text("issuer.paper.how_to_check", words)) in out, words
        # the status confirmation in words with its legal basis, the legislation country, employer, place of work
        assert _squash(explain.value_text("01", ("status_confirmation",), words)) in out, words
        assert _squash(country_name("DK", words)) in out and _squash(country_name("SE", words)) in out, words
        assert _squash(explain.value_text("01", ("employer", 0, "type"), words)) in out, words
        pda1 = types.get_type("pda1")
        for path in ("legislation_country", "status_confirmation", "employer.0.name",
                     "work_information.work_address.0.locality"):
            assert _squash(types.claim_label(pda1, path, words)) in out, (words, path)
    for value in ("Nordhavn Stålmontage ApS", "Malmö Brounderhåll AB", "Hamngatan", "Tomasz Piotr", "Kowalski",
                  claims["document_number"]):
        assert _squash(value) in out, value
    # no raw code or key where a person reads
    for raw in ("pda1", "urn:eudi", "status_confirmation", "legislation_country", "PuB-EAA", "vct", "characters"):
        assert raw not in out, raw
    # no bare list code ("01" for a posted worker): what is left once the dates and the personal number are removed
    plain = _text(paper_pdf(service, cases["pda1"], "user:test", lang=lang))
    for words in {lang, "en"}:
        for day in ("2026-09-01", "2027-08-31", "1988-07-14", "2026-08-20"):
            plain = plain.replace(explain.date_text(day, words), "")
    plain = plain.replace(claims["personal_administrative_number"], "")
    assert not re.search(r"(?<![\d.:/-])0[1-9](?![\d.:/-])", plain), (lang, plain)


@pytest.mark.parametrize("lang", LANGS)
def test_ehic_paper_copy_in_the_holders_language_and_english(svc, lang):
    service, cases = svc
    out = _squash(_text(paper_pdf(service, cases["ehic"], "user:test", lang=lang)))
    for words in {lang, "en"}:
        assert _squash(text("issuer.paper.title.ehic", words)) in out, words
        assert _squash(text("issuer.paper.how_to_check", words)) in out, words
    assert "ehic" not in out and "?" not in out


def test_an_unknown_language_falls_back_to_english(svc):
    service, cases = svc
    out = _squash(_text(paper_pdf(service, cases["pda1"], "user:test", lang="xx")))
    assert _squash(text("issuer.paper.in_english", "en")) not in out
    assert _squash(text("issuer.paper.how_to_check", "en")) in out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_api_paper_copy_follows_accept_language(server):
    """The case API (and the holder's /paper-copy) print in the first shipped language the client asks for."""
    with server.api() as api:
        case = api.post("/api/v1/cases", json={"type": "pda1", "claims": types.sample_claims("pda1")}).json()
        polish = api.get(f"/api/v1/cases/{case['case_id']}/paper.pdf", headers={"Accept-Language": "xx, pl-PL;q=0.8"})
        plain = api.get(f"/api/v1/cases/{case['case_id']}/paper.pdf")
    assert _squash(text("issuer.paper.title.pda1", "pl")) in _squash(_text(polish.content))
    assert _squash(text("issuer.paper.title.pda1", "pl")) not in _squash(_text(plain.content))
    assert _squash(text("issuer.paper.title.pda1", "en")) in _squash(_text(plain.content))


@pytest.mark.parametrize("lang", ["pl", "lt", "ro", "en"])
def test_the_a1s_decisive_facts_are_on_the_first_page_beside_the_qr_code(svc, lang):
    """What an inspector reads first (issue 15 items 3 and 6): the legislation that applies, the status in words,
    the employer and the place of work, on page 1 in the holder's language and in English; an EHIC has none."""
    service, cases = svc
    first = _squash(PdfReader(io.BytesIO(paper_pdf(service, cases["pda1"], "user:test", lang=lang))).pages[0]
                    .extract_text())
    for words in {lang, "en"}:
        for key in ("legislation", "status", "employer", "workplace"):
            assert _squash(text(f"issuer.paper.{key}", words)) in first, (words, key)
        assert _squash(country_name("DK", words)) in first and _squash(country_name("SE", words)) in first, words
        assert _squash(explain.value_text("01", ("status_confirmation",), words)) in first, words
    for value in ("Nordhavn Stålmontage ApS", "Malmö Brounderhåll AB", "Hamngatan 12", "211 22 Malmö"):
        assert _squash(value) in first, value
    ehic_first = _squash(PdfReader(io.BytesIO(paper_pdf(service, cases["ehic"], "user:test", lang=lang))).pages[0]
                         .extract_text())
    assert _squash(text("issuer.paper.employer", lang)) not in ehic_first
