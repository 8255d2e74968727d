"""Issue 15 item 2: the EAA's legal category (``attestation_legal_category``, rulebook chapter 2.1) reads as words in
every language where the console and the apps list the disclosed claims, never the bare "PuB-EAA"."""

from __future__ import annotations

import pytest

from credential import explain, types
from credential.i18n import LANGS, text


@pytest.mark.parametrize("lang", LANGS)
def test_public_body_category_in_words(lang):
    words = explain.value_text("PuB-EAA", ("attestation_legal_category",), lang)
    assert words == text("code.attestation_legal_category.PuB-EAA", lang) and "PuB" not in words
    rows = {r.path: r.value for r in explain.claim_rows(types.sample_claims("pda1"), types.get_type("pda1").vct, lang)}
    assert rows[("attestation_legal_category",)] == words


def test_a_category_without_words_is_shown_as_it_is():
    assert explain.value_text("QEAA", ("attestation_legal_category",), "de") == "QEAA"
