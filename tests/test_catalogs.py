"""The gettext catalogs (credential/locale): complete, consistent, compiled, and the only place a text is written.

How "no reason text or claim label is written in two places" is checked: every ``define()`` call names only its code;
every id ``pybabel extract`` finds in the code is in the catalogs; and no string in the Python sources equals a text
of the catalogs or a claim label of the type metadata (so a text cannot be copied next to its catalog entry)."""

from __future__ import annotations

import ast
import importlib
import io
import pkgutil
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from credential.i18n import LANGS, LOCALE_DIR
from credential.reasons import all_reasons

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("credential", "trust_list", "issuer", "wallet", "verifier", "uikit", "qrimage", "esspass")


def _catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "esspass.po").open("rb") as fh:
        return read_po(fh, locale=lang)


CATALOGS = {lang: _catalog(lang) for lang in LANGS}
TEXTS = {lang: {m.id: m.string for m in cat if m.id} for lang, cat in CATALOGS.items()}


def _placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogs_are_up_to_date(lang):
    """The committed .mo is exactly what ``pybabel compile`` makes of the .po (a fresh ``pip install -e .`` uses it)."""
    buf = io.BytesIO()
    write_mo(buf, CATALOGS[lang])
    assert (LOCALE_DIR / lang / "LC_MESSAGES" / "esspass.mo").read_bytes() == buf.getvalue(), \
        "run: pybabel compile -d credential/locale -D esspass"


def test_every_message_is_in_every_language_with_the_same_placeholders():
    en = TEXTS["en"]
    for lang, texts in TEXTS.items():
        assert set(texts) == set(en), (lang, set(texts) ^ set(en))
        for key, words in texts.items():
            assert words.strip(), (lang, key)
            assert _placeholders(words) == _placeholders(en[key]), (lang, key)


def test_every_reason_code_has_its_words_in_the_catalogs():
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            if ".ui." not in info.name and "migrations" not in info.name:
                importlib.import_module(info.name)
    missing = [code for code in all_reasons() if code not in TEXTS["en"]]
    assert not missing, missing


def test_the_ids_pybabel_extracts_from_the_code_are_all_in_the_catalogs():
    found = set()
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / package, [("**.py", "python")], keywords={"define": None, "N_": None}):
            found.add(message)
    assert len(found) > 100
    assert found <= set(TEXTS["en"]), found - set(TEXTS["en"])


def _sources():
    for package in PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def test_define_names_only_the_code():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "define":
                assert len(node.args) == 1 and not node.keywords, f"{path}:{node.lineno}: the words go in the .po"


def _claim_labels() -> set[str]:
    from credential.types import TYPES

    labels = set()
    for ctype in TYPES.values():
        for entry in ctype.metadata.get("claims", []):
            labels |= {str(d["label"]) for d in entry.get("display", []) if d.get("label")}
    return labels


def test_no_text_of_the_catalogs_and_no_claim_label_is_written_again_in_the_code():
    written = {w for texts in TEXTS.values() for w in texts.values() if len(w) >= 12}
    written |= {label for label in _claim_labels() if len(label) >= 12}
    twice = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in written:
                twice.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not twice, twice


def test_every_shipped_language_has_a_catalog_and_no_catalog_is_unshipped():
    on_disk = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/esspass.po")}
    assert on_disk == set(LANGS)


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_a_translation_is_not_english_copied_over(lang):
    """Completeness must not be bought with English: a text equal to the English one is allowed only where the
    word is the same in that language (a unit such as "s", "OK", "Status", "Document") — at most 10 characters."""
    en = TEXTS["en"]
    copied = [k for k, words in TEXTS[lang].items() if words == en[k] and len(words) > 10]
    assert not copied, (lang, copied)


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_the_glossary_terms_are_the_ones_the_catalog_uses(lang):
    """docs/glossary/<lang>.md lists the terms (the official A1 and EHIC names among them); each term in the
    language's column is used by that language's catalog, so the glossary cannot drift from the texts."""
    rows = [line.split("|")[1:-1] for line in (ROOT / "docs" / "glossary" / f"{lang}.md").read_text("utf-8").splitlines()
            if line.startswith("|") and not set(line) <= set("|-: ")]
    terms = [cells[1].strip() for cells in rows[1:]]
    assert len(terms) >= 10, terms
    words = " ".join(TEXTS[lang].values()).casefold()
    missing = [t for t in terms if t.casefold() not in words]
    assert not missing, (lang, missing)


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalog_is_what_text_reads(lang):
    from credential.i18n import text

    for key in ("wallet.nav.cards", "status.invalid", "inspector.decision.new", "code.status_confirmation.01"):
        assert text(key, lang) == TEXTS[lang][key]
