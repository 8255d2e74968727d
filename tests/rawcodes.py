"""Raw codes where a person reads (issue 15, item 2): one detector for the Kivy screens and the web pages.

A person never reads a raw claim key (``company_name``), a code value shown bare (``01``, ``DK/SE``, ``pda1``,
``VALID``), a reason code or a catalog key (``kb.nonce``, ``status.token_expired``, ``inspector.decision.new``: an
untranslated message), or a schema path / schema error (``subject: is required but missing``, ``$.subject.x``),
except in the designated *details line*.

The unit is a :class:`Shown`: one piece of text as rendered (a Kivy ``Label``'s text, one line of a web page's
text), with where it was seen. Callers leave the details line out before scanning:

* Kivy: :func:`kivy_texts` walks a widget tree's labels (markup stripped) and skips every widget — and everything
  inside it — whose ``details_line`` attribute is true (``details_line: True`` in kv, or set in Python).
* Web (Playwright): :data:`PAGE_TEXT_JS` evaluated in the page returns its visible text lines minus every element
  marked ``data-details`` (and ``<script>``/``<style>``); :func:`page_texts` wraps it.

Then :func:`find_raw` (``claims``: the credential or decision shown, so the code values of *that* credential are
known) returns :class:`Finding` s; :func:`assert_no_raw` fails with every finding listed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DETAILS_ATTR", "Finding", "PAGE_TEXT_JS", "Shown", "assert_no_raw", "claim_keys", "code_values",
           "find_raw", "kivy_texts", "message_ids", "page_texts"]

DETAILS_ATTR = "details_line"  # Kivy: a widget attribute; web: the ``data-details`` attribute

TYPES_DIR = Path(__file__).resolve().parents[1] / "credential" / "types"


@dataclass(frozen=True)
class Shown:
    text: str
    where: str = ""


@dataclass(frozen=True)
class Finding:
    kind: str  # claim_key | code_value | reason_code | schema_path
    token: str
    text: str
    where: str

    def __str__(self) -> str:
        return f"{self.where or '?'}: {self.kind} {self.token!r} in {self.text[:120]!r}"


# ---------------------------------------------------------------- what counts as raw


@cache
def claim_keys() -> frozenset[str]:
    """Every property name of our credential types' schemas (pda1, ehic), at any depth."""
    keys: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "properties" and isinstance(v, dict):
                    keys.update(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for f in sorted(TYPES_DIR.glob("*.schema.json")):
        walk(json.loads(f.read_text("utf-8")))
    return frozenset(keys)


@cache
def message_ids() -> frozenset[str]:
    """Every message id of the catalogs (reason codes and UI keys: both only ever stand for words) and every reason
    code defined by the packages that show decisions."""
    from credential.i18n import keys
    from credential.reasons import all_reasons

    for pkg in ("verifier", "wallet", "issuer", "trust_list"):  # packages define their codes at import
        try:
            __import__(pkg)
        except Exception:  # noqa: BLE001 - a package that cannot import here still has its ids in the catalogs
            pass
    return frozenset(keys()) | frozenset(all_reasons())


@cache
def _prefixes() -> frozenset[str]:
    return frozenset(i.split(".")[0] for i in message_ids())


# Values of our own enumerations people must read as words.
ENUM_WORDS = frozenset({"VALID", "INVALID", "SUSPENDED", "REVOKED", "PASSED", "FAILED", "INDETERMINATE", "EXPIRED",
                        "UNKNOWN"})
# Credential type keys and vct strings (urn:eudi:pda1:1) and the SD-JWT format names. Case matters: the keys are
# lower case ("pda1", "ehic"); "EHIC" in capitals is the card's English abbreviation, a word people read.
TYPE_TOKENS = re.compile(r"(?<![\w/])(?:(?i:urn:eudi:[a-z0-9_:]+)|pda1(?:_sd_jwt)?|ehic(?:_sd_jwt)?|(?i:dc\+sd-jwt)|"
                         r"(?i:vc\+sd-jwt))(?![\w/])")
# JSON Schema and JSON pointer leftovers.
SCHEMA_PHRASES = re.compile(r"is required but missing|is a required property|is not of type|does not match '|"
                            r"additional properties are not allowed|is not one of \[|\$\.[A-Za-z_]", re.I)
_SNAKE = re.compile(r"(?<![\w./:@-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w/@-])")
_DOTTED = re.compile(r"(?<![\w./:@#-])([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+)(?![\w/@-])")
_POINTER = re.compile(r"(?<![\w/])/(?:[a-z_]+/)*[a-z_]+(?![\w/])")
_LABEL_PREFIX = re.compile(r"^[^:\n]{1,80}:\s+")


def _host_like(last: str) -> bool:
    """A host name's last label (``inspector.at.dk``, ``issuer.example``): a country or generic top-level domain."""
    return (len(last) == 2 and last.isalpha()) or last in {"com", "org", "net", "eu", "int", "gov", "example",
                                                             "test", "local", "localhost", "invalid"}


def code_values(claims: Mapping[str, Any] | None) -> frozenset[str]:
    """The code values of the credential shown: its code-list claims (status confirmation, employer type) and its
    country codes, which must appear only as words."""
    out: set[str] = set()
    countries = {"country", "legislation_country", "issuing_country", "no_fixed_place_of_work", "flag_base_home"}

    def walk(x: Any, key: str) -> None:
        if isinstance(x, Mapping):
            for k, v in x.items():
                walk(v, str(k))
        elif isinstance(x, list):
            for v in x:
                walk(v, key)
        elif isinstance(x, str):
            if key in ("status_confirmation", "type") and re.fullmatch(r"\d{1,3}", x):
                out.add(x)
            elif key in countries and re.fullmatch(r"[A-Z]{2}", x):
                out.add(x)

    walk(claims or {}, "")
    return frozenset(out)


def _bare(text: str) -> str:
    """The value of a line: without a leading "Label: " and without surrounding punctuation."""
    return _LABEL_PREFIX.sub("", text.strip()).strip(" .,;()[]")


def _scan_one(s: Shown, codes: frozenset[str]) -> Iterator[Finding]:
    text = s.text
    keys = claim_keys()
    ids = message_ids()
    prefixes = _prefixes()
    for m in _SNAKE.finditer(text):  # snake_case: never an ordinary word in any of the ten languages
        if m.group(1) in keys:
            yield Finding("claim_key", m.group(1), text, s.where)
    stripped = text.strip().rstrip(":").strip()
    if stripped in keys and "_" not in stripped:  # a one-word key as a whole label: "type", "id", "name"
        yield Finding("claim_key", stripped, text, s.where)
    for m in _DOTTED.finditer(text):
        token = m.group(1).rstrip(".")
        # a catalog id, or one shaped like one (a known prefix: kb., status., rp., inspector., ...)
        last = token.rsplit(".", 1)[-1]
        if token in ids or (token.split(".")[0] in prefixes and not _host_like(last)
                            and re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", token)):
            yield Finding("reason_code", token, text, s.where)
    for m in TYPE_TOKENS.finditer(text):
        yield Finding("code_value", m.group(0), text, s.where)
    for w in re.findall(r"(?<![\w])[A-Z]{5,13}(?![\w])", text):
        if w in ENUM_WORDS:
            yield Finding("code_value", w, text, s.where)
    value = _bare(text)
    if value:
        parts = [p for p in re.split(r"\s*[/,]\s*", value) if p]
        if parts and all(p in codes for p in parts):  # "01", "DK/SE", "Status: 01"
            yield Finding("code_value", value, text, s.where)
    for m in SCHEMA_PHRASES.finditer(text):
        yield Finding("schema_path", m.group(0), text, s.where)
    for m in _POINTER.finditer(text):
        segments = m.group(0).strip("/").split("/")
        if any(seg in keys for seg in segments) and (len(segments) > 1 or "_" in segments[0]):
            yield Finding("schema_path", m.group(0), text, s.where)


def find_raw(texts: Iterable[Shown | str], *, claims: Mapping[str, Any] | None = None) -> list[Finding]:
    """Every raw code in ``texts`` (the details line already left out by the caller)."""
    codes = code_values(claims)
    found: list[Finding] = []
    for item in texts:
        s = item if isinstance(item, Shown) else Shown(str(item))
        for line in s.text.splitlines() or [s.text]:
            found.extend(_scan_one(Shown(line, s.where), codes))
    return found


def assert_no_raw(texts: Iterable[Shown | str], *, claims: Mapping[str, Any] | None = None, where: str = "") -> None:
    found = find_raw(texts, claims=claims)
    if found:
        raise AssertionError(f"raw codes where a person reads ({where}):\n" + "\n".join(map(str, found)))


# ---------------------------------------------------------------- Kivy


_MARKUP = re.compile(r"\[/?(?:b|i|u|s|sub|sup|size|color|font|font_context|font_family|font_features|ref|anchor|"
                     r"text_language)(?:=[^\]]*)?\]")


def _unmarkup(text: str) -> str:
    return _MARKUP.sub("", text).replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")


def kivy_texts(root: Any, where: str = "") -> list[Shown]:
    """The text of every visible label under ``root`` (buttons, spinners and text inputs' hint text included),
    except inside a widget marked ``details_line``. Widgets at opacity 0 are not seen."""
    out: list[Shown] = []

    def visit(w: Any) -> None:
        if getattr(w, DETAILS_ATTR, False) or getattr(w, "opacity", 1) == 0:
            return
        text = getattr(w, "text", None) if _is_label(w) else None  # a QR view's text is not read by a person
        if isinstance(text, str) and text.strip():
            out.append(Shown(_unmarkup(text), f"{where}:{type(w).__name__}"))
        hint = getattr(w, "hint_text", None)
        if isinstance(hint, str) and hint.strip():
            out.append(Shown(hint, f"{where}:{type(w).__name__}.hint"))
        values = getattr(w, "values", None)  # a Spinner's choices
        if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
            out.extend(Shown(v, f"{where}:{type(w).__name__}.values") for v in values)
        for child in list(getattr(w, "children", [])):
            visit(child)

    visit(root)
    return out


def _is_label(w: Any) -> bool:
    """Labels, buttons and spinners show their text; a text input's content is what a person typed, not ours."""
    from kivy.uix.label import Label

    return isinstance(w, Label)


# ---------------------------------------------------------------- web pages (Playwright)


PAGE_TEXT_JS = """() => {
  const skip = el => el.closest('[data-details], script, style, noscript, template');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const lines = new Map();
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const block = el.closest('p, li, td, th, dt, dd, h1, h2, h3, h4, h5, h6, label, button, a, option, legend, div, '
                             + 'span, summary, caption, figcaption') || el;
    lines.set(block, (lines.get(block) || '') + node.textContent);
  }
  for (const [block, text] of lines) { const t = text.replace(/\\s+/g, ' ').trim(); if (t) out.push(t); }
  for (const el of document.querySelectorAll('input[placeholder], [aria-label], [title], img[alt]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt']) { const v = el.getAttribute(a); if (v) out.push(v); }
  }
  return out;
}"""


def page_texts(page: Any, where: str = "") -> list[Shown]:
    """The text a person reads on a Playwright page, minus elements marked ``data-details``."""
    return [Shown(t, where or page.url) for t in page.evaluate(PAGE_TEXT_JS)]
