"""Issue 14 finding 10: invisible and direction-changing characters are named, refused by the
schemas' text pattern and neutralised for display by one shared function (property tests)."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from credential import types
from credential.text import TEXT_PATTERN, display_safe, is_unsafe, unsafe_characters

ATTACKS = ["Kowal\u202eikswo", "Nowak\u2066x\u2069", "AB\u200b1234", "\u00adSmith", "Doe\nRichard", "X\x00Y",
           "Line\u2028Two", "\ufeffBOM", "tag\U000e0041s"]


@given(st.text(max_size=60))
def test_display_safe_leaves_nothing_unsafe_and_keeps_the_rest(text):
    shown = display_safe(text)
    assert not unsafe_characters(shown) and len(shown) == len(text)
    assert display_safe(shown) == shown  # idempotent
    assert all(a == b or (is_unsafe(a) and b == "\ufffd") for a, b in zip(text, shown))
    if not unsafe_characters(text):
        assert shown == text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Zl", "Zp", "Cs")),
               max_size=40))
def test_ordinary_letters_of_every_script_pass_the_pattern(text):
    assert re.fullmatch(TEXT_PATTERN, text)


def test_the_schema_pattern_is_exactly_the_unsafe_characters_of_the_bmp():
    pattern = re.compile(TEXT_PATTERN)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        assert (pattern.fullmatch(ch) is None) == is_unsafe(ch), f"U+{cp:04X} {unicodedata.category(ch)}"
    for name in ("pda1", "ehic"):
        schema = json.loads(resources.files("credential.types").joinpath(f"{name}.schema.json").read_text("utf-8"))
        text = json.dumps(schema)
        assert text.count(json.dumps(TEXT_PATTERN)[1:-1]) >= 8, name  # the free-text fields carry the pattern


def test_names_and_document_numbers_with_attacks_are_refused_with_a_reason():
    ctype = types.get_type("pda1")
    for attack in ATTACKS:
        for path in (("subject", "familynames"), ("document_number",), ("employer", 0, "name")):
            claims = types.sample_claims("pda1")
            target = claims
            for p in path[:-1]:
                target = target[p]
            target[path[-1]] = attack + "1234"
            errors = [e for e in types.validate_claims(ctype, claims) if e.code == "claims.control_character"]
            assert [e.path for e in errors] == [".".join(map(str, path))], (attack, path)
            assert "U+" in errors[0].en and "U+" in errors[0].da
    assert types.validate_claims(ctype, types.sample_claims("pda1")) == []
    assert sys.maxunicode > 0xE0041  # the tag character above is outside the BMP: refused in code, not by the pattern
