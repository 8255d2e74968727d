"""The inspector app's logic, without Kivy (testable without a window).

:class:`InspectorController` holds the offline data (bundle or embedded defaults), the current session, the last
decision and the inspection log, and turns a :class:`verifier.policy.Decision` into a :class:`DecisionView`: the
words, colours and rows the decision screen shows, in English or Danish.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import qrimage
from uikit import palette
from credential.reasons import Rejected
from credential.text import display_safe

from .. import presets as P
from ..offline import InspectionLog, InspectorSession, OfflineVerifier, choose_relying_party, load_verifier
from ..policy import Decision
from ..web import text as web_text

LANGS = ("en", "da")
STALE_AFTER_S = 24 * 3600  # data older than this is shown in amber: sync when you can

COLOURS = {"PASSED": palette.OK, "FAILED": palette.DANGER, "INDETERMINATE": palette.WARN}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "ESSPASS inspection",
        "home.data": "Offline data",
        "home.data_bundle": "Trusted lists and status lists from {when}",
        "home.data_embedded": "Built-in trusted lists (no offline bundle); status lists need the network",
        "home.data_none": "No offline data yet. Connect to the network and update.",
        "home.data_stale": "Older than a day: update when you have a network.",
        "home.sync": "Update offline data",
        "home.sync_ok": "Updated: {lists} lists, {status} status lists.",
        "home.sync_failed": "Could not update (no network?); keeping data from {when}.",
        "home.sync_failed_none": "Could not update (no network?). There is no offline data yet.",
        "home.sync_partial": "Could not update {n} of {total} lists; keeping data from {when}.",
        "home.sync_missing": "Could not get {n} of {total} lists; there is no older data for them.",
        "home.choose": "What do you want to check?",
        "home.paper": "Scan a paper copy",
        "home.log": "Inspection log",
        "request.title": "Show this code to the holder",
        "request.hint": "Ask the holder to scan this code with the ESSPASS wallet and to show you the answer code.",
        "request.expires": "This request is valid until {time}.",
        "request.scan": "Scan the answer",
        "cancel": "Cancel",
        "back": "Back",
        "scan.title": "Scan the answer",
        "scan.paper_title": "Scan the paper copy",
        "scan.hint": "Point the camera at the QR code on the holder's phone, or open a picture of it.",
        "scan.paper_hint": "Point the camera at the QR code on the paper copy the holder gives you, or open a "
                           "picture of it.",
        "scan.open_image": "Open image file",
        "decision.new": "New check",
        "decision.reminder": "Compare the name and date of birth with the holder's identity document.",
        "decision.paper": "Paper copy, not bound to a phone: you MUST check the holder's identity document.",
        "decision.holder": "Holder",
        "decision.born": "born",
        "decision.data_age": "Age of the data used",
        "decision.why": "Why it could not be fully checked",
        "decision.trust_list": "trusted list fetched {age} ago",
        "decision.status_list": "status list issued {age} ago",
        "decision.status_none": "status list: none usable",
        "decision.document": "Document",
        "log.title": "Inspection log",
        "log.note": "Only the time, the check, the result, the codes and the issuing institution are kept. "
                    "No names, numbers or other personal data.",
        "log.empty": "No inspections yet.",
        "age.now": "moments",
        "age.min": "{n} min",
        "age.h": "{n} h",
        "age.d": "{n} days",
        "lang": "Dansk",
    },
    "da": {
        "app.title": "ESSPASS kontrol",
        "home.data": "Offline-data",
        "home.data_bundle": "Tillidslister og statuslister fra {when}",
        "home.data_embedded": "Indbyggede tillidslister (ingen offline-pakke); statuslister kræver netværk",
        "home.data_none": "Ingen offline-data endnu. Gå på netværket, og opdatér.",
        "home.data_stale": "Ældre end et døgn: opdatér, når du har netværk.",
        "home.sync": "Opdatér offline-data",
        "home.sync_ok": "Opdateret: {lists} lister, {status} statuslister.",
        "home.sync_failed": "Kunne ikke opdatere (intet netværk?); beholder data fra {when}.",
        "home.sync_failed_none": "Kunne ikke opdatere (intet netværk?). Der er endnu ingen offline-data.",
        "home.sync_partial": "Kunne ikke opdatere {n} af {total} lister; beholder data fra {when}.",
        "home.sync_missing": "Kunne ikke hente {n} af {total} lister; der er ingen ældre data for dem.",
        "home.choose": "Hvad vil du kontrollere?",
        "home.paper": "Scan en papirkopi",
        "home.log": "Kontrollog",
        "request.title": "Vis denne kode til indehaveren",
        "request.hint": "Bed indehaveren scanne koden med ESSPASS-tegnebogen og vise dig svarkoden.",
        "request.expires": "Anmodningen gælder til {time}.",
        "request.scan": "Scan svaret",
        "cancel": "Annullér",
        "back": "Tilbage",
        "scan.title": "Scan svaret",
        "scan.paper_title": "Scan papirkopien",
        "scan.hint": "Ret kameraet mod QR-koden på indehaverens telefon, eller åbn et billede af den.",
        "scan.paper_hint": "Ret kameraet mod QR-koden på den papirkopi, indehaveren giver dig, eller åbn et billede "
                           "af den.",
        "scan.open_image": "Åbn billedfil",
        "decision.new": "Ny kontrol",
        "decision.reminder": "Sammenlign navn og fødselsdato med indehaverens identitetsdokument.",
        "decision.paper": "Papirkopi, ikke bundet til en telefon: du SKAL kontrollere indehaverens identitetsdokument.",
        "decision.holder": "Indehaver",
        "decision.born": "født",
        "decision.data_age": "Alder på de anvendte data",
        "decision.why": "Hvorfor det ikke kunne kontrolleres fuldt ud",
        "decision.trust_list": "tillidsliste hentet for {age} siden",
        "decision.status_list": "statusliste udstedt for {age} siden",
        "decision.status_none": "statusliste: ingen brugbar",
        "decision.document": "Dokument",
        "log.title": "Kontrollog",
        "log.note": "Kun tidspunkt, kontroltype, resultat, koder og udstedende institution gemmes. "
                    "Ingen navne, numre eller andre personoplysninger.",
        "log.empty": "Ingen kontroller endnu.",
        "age.now": "et øjeblik",
        "age.min": "{n} min.",
        "age.h": "{n} t.",
        "age.d": "{n} dage",
        "lang": "English",
    },
}


def tr(key: str, lang: str, **kw: Any) -> str:
    s = TEXT.get(lang, TEXT["en"]).get(key) or TEXT["en"].get(key) or key
    return s.format(**kw) if kw else s


def human_age(seconds: int | None, lang: str) -> str:
    if seconds is None:
        return "-"
    s = max(0, int(seconds))
    if s < 90:
        return tr("age.now", lang)
    if s < 90 * 60:
        return tr("age.min", lang, n=round(s / 60))
    if s < 48 * 3600:
        return tr("age.h", lang, n=round(s / 3600))
    return tr("age.d", lang, n=s // 86400)


def _fmt_time(t: int) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- decision view


@dataclass
class CheckRow:
    code: str
    result: str  # pass | fail | unknown
    word: str  # "passed" / "bestået" …
    message: str


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


def _label(ctype: Any, path: tuple, lang: str) -> str:
    from credential.types import claim_label

    if ctype is None:
        return str(path[-1])
    return claim_label(ctype, list(path), lang) or str(path[-1])


def _value_text(ctype: Any, value: Any, path: tuple, lang: str) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{_label(ctype, path + (k,), lang)}: {_value_text(ctype, v, path + (k,), lang)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return "\n\n".join(_value_text(ctype, v, path + (None,), lang) for v in value)
    if isinstance(value, bool):
        return {"en": {True: "yes", False: "no"}, "da": {True: "ja", False: "nej"}}[lang if lang in LANGS else "en"][value]
    return str(display_safe(str(value)))  # issue 14 finding 10: no bidi overrides or invisible characters


def claim_rows(claims: dict[str, Any], vct: str | None, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows in the type's labels; objects one level open, lists as blocks."""
    from credential.types import get_type

    try:
        ctype = get_type(vct) if vct else None
    except KeyError:
        ctype = None
    order = ["subject", "personal_administrative_number", "document_number", "legislation_country",
             "starting_date", "ending_date", "status_confirmation", "employer", "work_information",
             "issuing_authority", "date_of_issuance", "date_of_expiry"]
    keys = [k for k in order if k in claims] + [k for k in claims if k not in order]
    rows: list[tuple[str, str]] = []
    for k in keys:
        v = claims[k]
        if isinstance(v, dict) and k in ("subject", "issuing_authority", "authentic_source"):
            for sk, sv in v.items():
                rows.append((_label(ctype, (k, sk), lang), _value_text(ctype, sv, (k, sk), lang)))
        else:
            rows.append((_label(ctype, (k,), lang), _value_text(ctype, v, (k,), lang)))
    return rows


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
        holder += f", {tr('decision.born', lang)} {subject['date_of_birth']}"
    vct = d.get("credential_type")
    document = ""
    if vct:
        try:
            from credential.types import get_type

            names = get_type(vct).metadata.get("display", [])
            by = {str(x.get("locale", x.get("lang", ""))).split("-")[0]: x.get("name") for x in names}
            document = by.get(lang) or by.get("en") or vct
        except KeyError:
            document = vct
    age = d.get("data_age") or {}
    parts = []
    if age.get("trust_list_fetched_s") is not None:
        parts.append(tr("decision.trust_list", lang, age=human_age(age["trust_list_fetched_s"], lang)))
    if age.get("status_list_s") is not None:
        parts.append(tr("decision.status_list", lang, age=human_age(age["status_list_s"], lang)))
    elif any(c["code"].startswith("status.") and c["code"] != "status.not_provided" for c in d["checks"]):
        parts.append(tr("decision.status_none", lang))
    return DecisionView(
        result=result, colour=COLOURS[result], headline=words[result], hint=words[result + "_hint"],
        reminder=tr("decision.paper" if paper else "decision.reminder", lang), paper=paper,
        holder=holder, document=document,
        claims=claim_rows(claims, vct, lang),
        checks=[CheckRow(c["code"], c["result"], words[c["result"]], c["message"].get(lang) or c["message"]["en"])
                for c in sorted(d["checks"], key=lambda c: {"fail": 0, "unknown": 1, "pass": 2}[c["result"]])],
        data_age="; ".join(parts) or "-",
        why=[c["message"].get(lang) or c["message"]["en"] for c in d["checks"] if c["result"] == "unknown"]
        if result == "INDETERMINATE" else [],
    )


# ---------------------------------------------------------------- controller


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
                 network_status: bool = False) -> None:
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

    def now(self) -> int:
        return int(self.clock())

    def t(self, key: str, **kw: Any) -> str:
        return tr(key, self.lang, **kw)

    def set_language(self, lang: str) -> None:
        if lang in LANGS:
            self.lang = lang

    def toggle_language(self) -> None:
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
        self.log.add(decision, self.now(), preset=self.session.preset if self.session else None)
        return Outcome(decision)

    def decide_image(self, source: Any) -> Outcome:
        """A picture (path, bytes, PIL image) of the answer; an unreadable picture leaves the session open."""
        try:
            text = qrimage.decode_qr_image(source)
        except Rejected as exc:
            return Outcome(None, exc.code, exc.reason.message())
        return self.decide_text(text)

    def view(self) -> DecisionView | None:
        return None if self.decision is None else decision_view(self.decision, self.lang)

    def log_rows(self) -> list[dict[str, str]]:
        words = web_text(self.lang)
        rows = []
        for e in reversed(self.log.entries()):
            preset = e.get("preset")
            title = P.get(preset).title(self.lang) if preset in P.NAMES else (
                self.t("home.paper") if e.get("paper_copy") else "-")
            failed = [str(c) for c in e.get("failed", [])]
            rows.append({
                "when": _fmt_time(int(e.get("time", 0))),
                "title": title,
                "result": str(e.get("result")),
                "word": words.get(str(e.get("result")), str(e.get("result"))),
                "issuer": str(e.get("issuer") or ""),
                "codes": ", ".join(failed),
            })
        return rows
