"""The inspector app's logic, without Kivy (testable without a window).

:class:`InspectorController` holds the offline data (bundle or embedded defaults), the current session, the last
decision and the inspection log, and turns a :class:`verifier.policy.Decision` into a :class:`DecisionView`: the
words, colours and rows the decision screen shows, in English or Danish.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import qrimage
from uikit import palette
from credential import explain
from credential.i18n import LANGS, has, text
from credential.reasons import Rejected
from credential import display_safe

from .. import presets as P
from ..offline import InspectionLog, InspectorSession, OfflineVerifier, choose_relying_party, load_verifier
from ..policy import Decision
from ..site import SiteEntry, SiteSession, SiteStore
from ..web import text as web_text

STALE_AFTER_S = 24 * 3600  # data older than this is shown in amber: sync when you can

COLOURS = {"PASSED": palette.OK, "FAILED": palette.DANGER, "INDETERMINATE": palette.WARN}

def _record_fields() -> frozenset[str]:
    """What inspection records may keep (``ESSPASS_VERIFIER_RECORDS``, verifier.records); the default when the
    setting cannot be read."""
    from ..settings import DEFAULT_RECORD_FIELDS, VerifierSettings

    try:
        return VerifierSettings().record_fields()
    except Exception:  # noqa: BLE001 - an unreadable setting: the default, which keeps no personal data
        return frozenset(DEFAULT_RECORD_FIELDS.split(","))


def tr(key: str, lang: str, **kw: Any) -> str:
    """The inspector app's words (gettext catalogs, ``inspector.<key>``)."""
    full = "inspector." + key
    return text(full, lang, **kw) if has(full) else key


human_age = explain.age_text  # the one wording of an age (credential.explain)


def _fmt_time(t: int) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- decision view


@dataclass
class CheckRow:
    code: str
    result: str  # pass | fail | unknown
    word: str  # "passed" / "bestået" …
    message: str
    evidence: str = ""  # the trusted list / status list the check decided with, in words (credential.explain)


@dataclass
class DecisionView:
    result: str
    colour: str
    headline: str  # "Valid" / "Not valid" / "Could not be fully checked"
    hint: str
    reminder: str
    paper: bool
    holder: str
    document: str
    claims: list[tuple[str, str]] = field(default_factory=list)
    checks: list[CheckRow] = field(default_factory=list)
    data_age: str = ""
    why: list[str] = field(default_factory=list)  # INDETERMINATE: the messages of the checks that could not be done
    # What an inspector at a workplace needs first, beside the holder (issue 15 item 3): employer, place of work,
    # period and the country whose legislation applies, labelled and in words.
    facts: list[tuple[str, str]] = field(default_factory=list)
    # refused only as a scanning problem (replayed, made for another request, too old): the banner says "Scan again"
    # in amber with the "!" icon, not "Not valid" in red; the result stays FAILED (log, JSON, site list)
    rescan: bool = False
    manual: bool = False  # a document number typed in: a weaker check (issue 15 item 3)


def key_facts(claims: dict[str, Any], vct: str | None, lang: str) -> list[tuple[str, str]]:
    """Employer, place(s) of work, period and legislation country of an A1 (the period of an EHIC), as
    (label, words) pairs from the explain layer; what was not disclosed is left out."""
    rows = explain.claim_rows(claims, vct, lang)
    by_top: dict[str, list[explain.Row]] = {}
    for r in rows:
        by_top.setdefault(str(r.path[0]), []).append(r)
    facts = []
    names = [r.value for r in by_top.get("employer", []) if r.path[-1] == "name"]
    if names:
        facts.append((explain.label(vct, ("employer",), lang), "; ".join(names)))
    places: dict[Any, list[str]] = {}
    for r in by_top.get("work_information", []):
        if r.path[-1] == "no_fixed_place_of_work":
            places.setdefault("none", []).append(f"{r.label}: {r.value}")
        elif r.path[-1] in ("company_name", "formatted", "street_address", "building_number", "postal_code",
                            "locality", "country"):
            places.setdefault(r.path[2] if len(r.path) > 2 else 0, []).append(r.value)
    if places:
        facts.append((explain.label(vct, ("work_information",), lang), "; ".join(", ".join(v) for v in places.values())))
    start, end = claims.get("starting_date"), claims.get("ending_date")
    if isinstance(start, str) or isinstance(end, str):
        period = " – ".join(explain.date_text(x, lang) if isinstance(x, str) else "…" for x in (start, end))
        facts.append((text("issuer.paper.period", lang), period))
    facts += [(r.label, r.value) for r in by_top.get("legislation_country", [])]
    return facts


banner_hint = explain.decision_hint  # the decisive reason and the next step (credential.explain)
_RESCAN = explain.RESCAN  # failures that most likely are a mis-scan (the banner says: scan again)


def manual_view(decision: Decision | dict[str, Any], lang: str) -> DecisionView:
    """A manual check's view: the status read from the issuer's signed list, marked as weaker everywhere — never the
    green "Valid": amber "Valid (weaker check)", what was not checked, and the identity document first."""
    v = decision_view(decision, lang)
    lang = lang if lang in LANGS else "en"
    v.manual, v.paper = True, True  # like a paper copy: nothing proves the holder, the reminder comes first
    v.headline = tr(f"manual.result.{v.result}", lang)
    weaker = tr("manual.weaker", lang)
    v.hint = weaker if v.result == "PASSED" else f"{v.hint} {weaker}".strip()
    v.reminder = tr("manual.check_id", lang)
    if v.result == "PASSED":
        v.colour = palette.WARN
    return v


def decision_view(decision: Decision | dict[str, Any], lang: str) -> DecisionView:
    d = decision.as_json() if isinstance(decision, Decision) else decision
    lang = lang if lang in LANGS else "en"
    words = web_text(lang)
    result = d["result"]
    codes = [c["code"] for c in d["checks"]]
    paper = "kb.not_bound" in codes
    claims = d.get("claims") or {}
    subject = claims.get("subject") if isinstance(claims.get("subject"), dict) else {}
    holder = str(display_safe(" ".join(x for x in (str(subject.get("forenames") or ""),
                                                   str(subject.get("familynames", "")).upper()) if x)))
    if subject.get("date_of_birth"):
        holder += f", {tr('decision.born', lang)} {explain.date_text(str(subject['date_of_birth']), lang)}"
    vct = d.get("credential_type")
    document = explain.type_name(vct, lang) if vct else ""
    data_age = explain.data_age_text(d.get("data_age"), d["checks"], lang)
    failed = {c["code"] for c in d["checks"] if c["result"] == "fail"}
    rescan = result == "FAILED" and bool(failed) and failed <= _RESCAN
    return DecisionView(
        result=result, colour=palette.WARN if rescan else COLOURS[result],
        headline=tr("decision.rescan", lang) if rescan else words[result], rescan=rescan,
        hint=banner_hint(d, lang, data_age) or words[result + "_hint"],
        reminder=tr("decision.paper" if paper else "decision.reminder", lang), paper=paper,
        holder=holder, document=document,
        claims=[(r.label, r.value) for r in [*explain.claim_rows(claims, vct, lang),
                                             *explain.unmapped_rows(d.get("shape"), lang)]],
        checks=[CheckRow(c.code, c.result, c.word, c.message, c.evidence)
                for c in explain.check_lines(d["checks"], lang, problems_first=True)],
        data_age=data_age, facts=key_facts(claims, vct, lang),
        why=[c["message"].get(lang) or c["message"]["en"] for c in d["checks"] if c["result"] == "unknown"]
        if result == "INDETERMINATE" else [],
    )


# ---------------------------------------------------------------- controller


def configured_lookup(state: Path) -> Callable[[str], Any]:
    """The manual entry's issuer lookup from the settings (``ESSPASS_VERIFIER_LOOKUP_URL`` or ``ESSPASS_ISSUER_URL``;
    ``ESSPASS_VERIFIER_LOOKUP_TOKEN`` or ``<state>/lookup_token``). A missing token is said when the inspector tries,
    not at start: scanning works without it."""
    from ..manual_check import IssuerLookup
    from ..settings import VerifierSettings

    try:
        s = VerifierSettings()
        url, token = s.verifier_lookup_url or s.issuer_url, s.verifier_lookup_token
        loopback, private = bool(s.verifier_fetch_loopback), s.verifier_fetch_private
    except Exception:  # noqa: BLE001 - unreadable settings: the lookup says "no token" when used
        url, token, loopback, private = None, None, False, False
    if not token:
        try:
            token = (Path(state) / "lookup_token").read_text("utf-8").strip()
        except OSError:
            token = None
    if url and url.startswith("http://127.0.0.1"):
        loopback = True  # the local demo issuer
    return IssuerLookup(url, token, allow_loopback=loopback, allow_private=private)


@dataclass
class Outcome:
    """What a scan gave: a decision, or a message to show on the scan screen (unreadable picture, or a code that is
    not an answer to this check)."""

    decision: Decision | None = None
    error_code: str = ""
    error: dict[str, str] = field(default_factory=dict)


class InspectorController:
    def __init__(self, home: Path, *, bundle: Path | None = None, state: Path | None = None, lang: str = "en",
                 clock: Callable[[], float] = time.time, relying_party: str | None = None,
                 network_status: bool = False, record_fields: frozenset[str] | None = None,
                 lookup: Callable[[str], Any] | None = None) -> None:
        self.home = Path(home)
        self.bundle_path = Path(bundle) if bundle is not None else None
        self.state = Path(state) if state is not None else self.home / "inspector"
        self.lang = lang if lang in LANGS else "en"
        self.clock = clock
        self.relying_party = relying_party
        self.network_status = network_status
        self.session: InspectorSession | None = None
        self.paper_mode = False
        self.decision: Decision | None = None
        self.log = InspectionLog(self.state / "inspections.jsonl")
        self._verifier: OfflineVerifier | None = None
        self._eco = None
        self.sync_message = ""
        self.worker_lang = self.lang  # the request's instructions for the worker, beside the inspector's own
        self.record_fields = record_fields if record_fields is not None else _record_fields()
        self.sites = SiteStore(self.state)
        self.site: SiteSession | None = self.sites.current()
        self.site_entry: SiteEntry | None = None  # the site list's entry of the decision on screen
        self.lookup = lookup  # the issuer's lookup-only case API (verifier.manual_check.IssuerLookup); None: not set
        self.manual = False  # the decision on screen came from a typed document number

    def now(self) -> int:
        return int(self.clock())

    def t(self, key: str, **kw: Any) -> str:
        return tr(key, self.lang, **kw)

    def set_language(self, lang: str) -> None:
        if lang in LANGS:
            self.lang = lang

    def set_worker_language(self, lang: str) -> None:
        if lang in LANGS:
            self.worker_lang = lang

    # ------------------------------------------------------------ site session (issue 15 item 3)

    def start_site(self, place: str, date: str, inspector: str) -> SiteSession:
        """A new site session (ValueError: a field missing or malformed); the one before it ends."""
        session = SiteSession.create(place, date, inspector, fields=self.record_fields, now=self.now())
        if self.site is not None:
            self.sites.end(self.site, self.now())
        self.site = self.sites.start(session)
        return session

    def end_site(self) -> None:
        if self.site is not None:
            self.sites.end(self.site, self.now())
        self.site = None

    def site_summary(self) -> str:
        if self.site is None:
            return ""
        return self.t("site.summary", place=self.site.place, date=explain.date_text(self.site.date, self.lang),
                      n=len(self.site.entries))

    def site_counter(self) -> str:
        if self.site is None:
            return ""
        c = self.site.counts()
        return self.t("site.counter", n=len(self.site.entries), passed=c["PASSED"], failed=c["FAILED"],
                      unknown=c["INDETERMINATE"])

    def site_rows(self) -> list[dict[str, str]]:
        """The site list as the screen shows it: newest first; words, the reason's code for the details line."""
        if self.site is None:
            return []
        rows = []
        for e in reversed(self.site.entries):
            bits = [explain.type_name(e.credential_type, self.lang) if e.credential_type else "",
                    e.holder or "", e.document_number or "",
                    self.t("site.method.manual") if e.manual else ""]
            rows.append({"n": str(e.n), "when": dt.datetime.fromtimestamp(e.time).strftime("%H:%M"),
                         "result": e.result, "word": self.t(f"site.result.{e.result}"),
                         "what": " · ".join(b for b in bits if b),
                         "reason": text(e.reason, self.lang) if e.reason else "", "code": e.reason or ""})
        return rows

    def export_site(self, kind: str, directory: Path | None = None) -> Path:
        """The site list as ``csv`` or ``pdf`` in ``directory`` (default: the state's ``exports``), mode 0600."""
        from ..site import export_csv, export_pdf

        if self.site is None:
            raise ValueError("no site session")
        data = {"csv": export_csv, "pdf": export_pdf}[kind](self.site, self.lang)
        folder = Path(directory) if directory is not None else self.state / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"site-{self.site.date}-{self.site.id[:6]}.{kind}"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return target

    def _record_on_site(self, decision: Decision, **kw: Any) -> None:
        """A worker joins the site list with the outcome; an answer refused only as a scanning problem (replayed,
        made for another request, too old: "scan again") is no outcome for a worker and would count them twice."""
        self.site_entry = None
        failed = {c.code for c in decision.checks if c.result == "fail"}
        if failed and failed <= _RESCAN:
            return
        if self.site is not None:
            self.site_entry = self.site.add(decision, self.now(), **kw)
            self.sites.save(self.site)

    def toggle_language(self) -> None:
        """English and Danish in turn; from any other language back to English."""
        self.lang = "da" if self.lang == "en" else "en"

    # ------------------------------------------------------------ data

    def ecosystem(self):
        if self._eco is None:
            from trust_list.demo import build_demo_ecosystem

            self._eco = build_demo_ecosystem(self.home / "ecosystem", self.now())
        return self._eco

    def verifier(self) -> OfflineVerifier:
        if self._verifier is None:
            bundle = self.bundle_path if self.bundle_path is not None and self._bundle_exists() else None
            self._verifier = load_verifier(bundle=bundle, home=self.home, now=self.now(),
                                           network=self.network_status)
        return self._verifier

    def _bundle_exists(self) -> bool:
        p = self.bundle_path
        return p is not None and (p.is_file() or (p / "bundle.json").is_file())

    def data_summary(self) -> tuple[str, bool]:
        """(text for the home screen, stale?)."""
        try:
            v = self.verifier()
        except (OSError, ValueError):
            return self.t("home.data_none"), True
        now = self.now()
        if v.source == "embedded":
            return self.t("home.data_embedded"), False
        age = v.data_age(now)
        oldest = max(x for x in (age["bundle_s"], age["trust_list_fetched_s"], age["status_list_fetched_s"], 0)
                     if x is not None)
        when = _fmt_time(now - oldest)  # the oldest data at hand: an update may have kept some from before
        text = self.t("home.data_bundle", when=when) + f" ({human_age(oldest, self.lang)})"
        stale = oldest > STALE_AFTER_S
        if stale:
            text += "\n" + self.t("home.data_stale")
        return text, stale

    def sync(self, sync_fn: Callable[..., Any] | None = None) -> bool:
        """Update the bundle (network). Data is only ever replaced by newer valid data
        (:func:`verifier.offline.sync_bundle`): whatever could not be updated stays, and ``sync_message`` says
        so with the time that data is from. True when everything was updated."""
        from ..offline import sync_bundle

        if self.bundle_path is None:
            self.bundle_path = self.state / "bundle.json"
        try:
            result = (sync_fn or sync_bundle)(self.bundle_path, home=self.home, now=self.now())
        except Exception:  # noqa: BLE001 - offline, server down, unreadable configuration: the old data stays
            since = self._held_since()
            self.sync_message = (self.t("home.sync_failed", when=_fmt_time(since)) if since is not None
                                 else self.t("home.sync_failed_none"))
            return False
        self._verifier = None
        b = result.bundle
        missing = result.not_updated
        if not missing:
            self.sync_message = self.t("home.sync_ok", lists=len(b.trust_lists), status=len(b.status_lists))
            return True
        since = result.kept_since()
        total = len(result.items)
        self.sync_message = (self.t("home.sync_partial", n=len(missing), total=total, when=_fmt_time(since))
                             if since is not None else self.t("home.sync_missing", n=len(missing), total=total))
        return False

    def _held_since(self) -> int | None:
        """When the oldest data of the bundle at hand was fetched (None: no bundle)."""
        from ..sources import Bundle

        try:
            b = Bundle.load(self.bundle_path) if self.bundle_path is not None else None
        except (OSError, ValueError):
            return None
        if b is None:
            return None
        return min((at for _, at in (*b.trust_lists.values(), *b.status_lists.values())), default=b.created_at)

    # ------------------------------------------------------------ presets and requests

    def presets(self) -> list[tuple[str, str]]:
        return [(name, P.get(name).title(self.lang)) for name in P.NAMES]

    def start(self, preset: str) -> InspectorSession:
        party = choose_relying_party(self.ecosystem(), preset, self.relying_party)
        self.session = InspectorSession.create(self.state / "session", preset, party, now=self.now())
        self.paper_mode = False
        self.decision = None
        return self.session

    def start_paper(self) -> None:
        self.session = None
        self.paper_mode = True
        self.decision = None

    def scan_texts(self) -> tuple[str, str]:
        """(title, hint) of the scan screen: the holder's phone, or the paper copy in paper mode."""
        if self.paper_mode:
            return self.t("scan.paper_title"), self.t("scan.paper_hint")
        return self.t("scan.title"), self.t("scan.hint")

    def request_png(self, scale: int = 8) -> bytes:
        assert self.session is not None
        buf = io.BytesIO()
        self.session.request_png(buf, scale=scale)
        return buf.getvalue()

    def request_expiry_text(self) -> str:
        if self.session is None:
            return ""
        from ..offline import SESSION_GRACE_S

        exp = self.session.expires_at - SESSION_GRACE_S  # the request object's exp
        return self.t("request.expires", time=dt.datetime.fromtimestamp(exp).strftime("%H:%M"))

    # ------------------------------------------------------------ answers

    def decide_text(self, qr_text: str) -> Outcome:
        """A decision, or — for a code that is not an answer to this check — a message for the scan screen, no
        decision and no log entry (the session stays open for the right code)."""
        from ..offline import NotAnAnswer

        try:
            decision = self.verifier().decide(qr_text, self.session, now=self.now())
        except NotAnAnswer as exc:
            return Outcome(None, exc.code, exc.reason.message())
        self.decision = decision
        self.manual = False
        self.log.add(decision, self.now(), preset=self.session.preset if self.session else None)
        self._record_on_site(decision)
        return Outcome(decision)

    def manual_check(self, typed: str) -> Outcome:
        """Issue 15 item 3: a document number typed in, checked against the issuer's signed status list
        (:mod:`verifier.manual_check`). Bad input, an unknown number, no token, the issuer not reachable: a message
        for the manual screen, no decision, no log entry. Otherwise a decision recorded as a manual check in the log
        and on the site list, never as a verified presentation."""
        from ..manual_check import ManualInputError, clean_number, decide

        try:
            number = clean_number(typed)
            if self.lookup is None:
                raise ManualInputError("no_token")
            answer = self.lookup(number)
            v = self.verifier()
        except ManualInputError as exc:
            return Outcome(None, f"manual.{exc.code}", {lang: tr(f"manual.error.{exc.code}", lang) for lang in LANGS})
        except (OSError, ValueError):
            return Outcome(None, "manual.no_data", {lang: tr("manual.error.no_data", lang) for lang in LANGS})
        from trust_list import check_status_signer

        now = self.now()
        decision = decide(answer, v.status,
                          lambda header, at: check_status_signer(v.trust, dict(header), None, at, now).signing_key,
                          now)
        self.decision = decision
        self.manual = True
        self.session = None
        self.log.add(decision, now, manual=True)
        self._record_on_site(decision, manual=True, document_number=number)
        return Outcome(decision)

    def decide_image(self, source: Any) -> Outcome:
        """A picture (path, bytes, PIL image) of the answer; an unreadable picture leaves the session open."""
        try:
            text = qrimage.decode_qr_image(source)
        except Rejected as exc:
            return Outcome(None, exc.code, exc.reason.message())
        return self.decide_text(text)

    def view(self) -> DecisionView | None:
        if self.decision is None:
            return None
        return (manual_view if self.manual else decision_view)(self.decision, self.lang)

    def log_rows(self) -> list[dict[str, str]]:
        words = web_text(self.lang)
        rows = []
        for e in reversed(self.log.entries()):
            preset = e.get("preset")
            title = self.t("manual.log") if e.get("manual") else P.get(preset).title(self.lang) if preset in P.NAMES \
                else (self.t("log.paper") if e.get("paper_copy") else "-")
            failed = [str(c) for c in e.get("failed", [])]
            rescan = e.get("result") == "FAILED" and bool(failed) and set(failed) <= _RESCAN  # as the banner said
            rows.append({
                "when": _fmt_time(int(e.get("time", 0))),
                "title": title,
                "result": str(e.get("result")),
                "rescan": rescan,
                "word": self.t("decision.rescan") if rescan else self.t(f"manual.result.{e.get('result')}")
                if e.get("manual") and has(f"inspector.manual.result.{e.get('result')}")
                else words.get(str(e.get("result")), str(e.get("result"))),
                "manual": bool(e.get("manual")),
                "issuer": str(e.get("issuer") or ""),
                "reasons": "; ".join(text(c, self.lang) for c in failed if has(c)),  # words; codes: details
                "codes": ", ".join(failed),
            })
        return rows
