"""The app's logic as a plain class: every screen asks this for what to show and tells it what the user did.

No Kivy here, so tests drive the whole app flow without a window; the Kivy screens (``app.py`` +
``wallet.kv``) only render the view models returned and forward taps.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from credential import explain, shapes
from credential.i18n import LANGS, date_format, pick
from credential.reasons import Rejected
from credential.validity import validity_layers
from credential import display_safe

from .. import reasons as R
from ..core import Card, Wallet
from ..i18n import history_title, outcome_text, refusal, t, wait_text
from ..storage import KdfParams, PinDelay, WrongPin
from .care import CareActions

DEFAULT_COLOURS = ("#1D3F8C", "#FFFFFF")


@dataclass
class CardView:
    id: str
    title: str
    issuer: str
    holder: str
    valid_until: str
    background: str
    text_colour: str
    copies: str
    status: str
    status_code: str
    reminder: str = ""


@dataclass
class ConsentView:
    who: str
    who_detail: str
    why: str
    groups: list[dict[str, Any]]  # [{"doc": title, "claims": [label, ...], "extra": [label, ...]}]
    over_asking: bool
    over_text: str
    unregistered: bool = False  # on none of our lists: the warning, who it claims to be, and an explicit yes
    unreg_text: str = ""
    unreg_lines: list[str] = field(default_factory=list)  # its certificate's subject, the host the answer goes to
    note: str = ""  # e.g. the Nordic convention in EHIC care between Nordic countries (issue 15)


@dataclass
class OfflineView:
    """The full-screen response QR of an offline presentation."""

    qr_text: str  # "VP1:…"
    title: str
    instruction: str
    detail: str  # for whom, which data
    qr_version: int


@dataclass
class Message:
    ok: bool
    title: str
    text: str
    code: str = ""
    attempts_left: int | None = None  # a wrong Transaction Code: tries left, as the issuer said


def _type_display(vct: str, lang: str, type_metadata: dict[str, Any] | None = None) -> tuple[str, str, str]:
    try:
        from credential.types import get_type

        meta = get_type(vct).metadata
    except KeyError:
        # another issuer's type (issue 16): the name from its type metadata, else ours through the mapping
        return explain.type_name(vct, lang, type_metadata), *DEFAULT_COLOURS
    chosen = None
    for d in meta.get("display", []):
        if d.get("locale") == lang:
            chosen = d
            break
    chosen = chosen or (meta.get("display") or [{}])[0]
    simple = (chosen.get("rendering") or {}).get("simple") or {}
    return (chosen.get("name") or meta.get("name") or vct, simple.get("background_color", DEFAULT_COLOURS[0]),
            simple.get("text_color", DEFAULT_COLOURS[1]))


def _label(vct: str, path: tuple | list | str, lang: str, type_metadata: dict[str, Any] | None = None) -> str:
    return explain.label(vct, tuple(path.split(".")) if isinstance(path, str) else path, lang, type_metadata)


def _model(card: Card) -> tuple[str, dict[str, Any]]:
    """The card's vct and claims read into our model (credential.shapes, issue 16) for the lines that need our names
    (holder, validity layers); the card itself keeps the claims exactly as issued."""
    read = shapes.read_claims(card.vct, card.claims)
    return (read.vct, read.claims) if read is not None else (card.vct, card.claims)


def _date(text: str | None, lang: str) -> str:
    return explain.date_text(text, lang) if text else "-"


def _ts_date(ts: int | None, lang: str) -> str:
    if ts is None:
        return "-"
    return _date(dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat(), lang)


class WalletController(CareActions):
    """State and actions of the wallet app; one per running app (the safety nets of issue 15: :mod:`.care`)."""

    def __init__(self, store_dir: Path | str, trust_dir: Path | str | None = None, *,
                 clock: Callable[[], float] = time.time, kdf: KdfParams | None = None,
                 http_client: Callable[[], httpx.Client] | None = None,
                 system_lang: Callable[[], str | None] | None = None) -> None:
        self.wallet = Wallet(store_dir, clock=clock, kdf=kdf)
        self.trust_dir = trust_dir
        self.clock = clock
        self.http_client = http_client
        # The language chosen last time (readable before the PIN), else the phone's own language (issue 15):
        # ``system_lang`` reads it (the app passes uikit.env.system_language; tests pass a fixed tag or nothing).
        self.lang = self._saved_lang() or (pick(system_lang()) if system_lang else None) or "en"
        self.font_scale = 1.0
        self.pending_offer: str | None = None
        self.consent = None  # wallet.presentation.Consent while the consent screen shows
        self.offline: OfflineView | None = None  # the response QR while the offline screen shows
        self.last_message: Message | None = None

    # ------------------------------------------------------------ helpers
    def t(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)

    def reason(self, exc: Rejected) -> Message:
        text = exc.reason.text(self.lang)
        return Message(False, self.t("result.refused"), text, exc.code)

    def _client(self, policy: Any = None) -> httpx.Client:
        if self.http_client is not None:
            return self.http_client()
        from ..http import POLICY, new_client

        return new_client(policy or POLICY)

    def _store(self):
        from ..trust import load_trust_store

        return load_trust_store(self.trust_dir, int(self.clock()))

    # ------------------------------------------------------------ onboarding / PIN
    @property
    def needs_setup(self) -> bool:
        return not self.wallet.exists

    def create(self, pin: str, repeat: str) -> Message | None:
        """None on success, else a message for the onboarding screen."""
        if pin != repeat:
            return Message(False, self.t("onb.choose_pin"), self.t("onb.pins_differ"), "wallet.pin_mismatch")
        try:
            self.wallet.create(pin)
            self.wallet.update_settings(lang=self.lang, font_scale=self.font_scale)
        except Rejected as exc:
            return self.reason(exc)
        return None

    def unlock(self, pin: str) -> Message | None:
        """None on success, else a message for the unlock screen: after wrong PINs it says how many attempts are
        left and how long to wait (seconds or minutes)."""
        try:
            self.wallet.unlock(pin)
        except WrongPin as exc:
            text = self.t("unlock.attempts_left", n=exc.attempts_left)
            if exc.delay_s:
                text += ". " + self.t("unlock.wait", wait=wait_text(exc.delay_s, self.lang))
            return Message(False, exc.reason.text(self.lang), text, exc.code)
        except PinDelay as exc:
            attempts = self.wallet.storage.attempts_state()["attempts_left"]
            return Message(False, refusal(exc)[self.lang], self.t("unlock.attempts_left", n=attempts), exc.code)
        except Rejected as exc:
            return self.reason(exc)
        s = self.wallet.settings()
        self.lang, self.font_scale = s.get("lang", self.lang), float(s.get("font_scale", 1.0))
        self._save_lang()
        return None

    def unlock_wait(self) -> tuple[float, str]:
        """(seconds before the next PIN attempt is allowed, the line that says so): asked again every second by
        the unlock screen, so the wait counts down (issue 17) and says when to try again."""
        state = self.wallet.storage.attempts_state()
        wait = float(state["wait_s"])
        if wait <= 0:
            return 0.0, self.t("unlock.now") if state["failures"] else ""
        return wait, (self.t("unlock.delay", wait=wait_text(wait, self.lang)) + " "
                      + self.t("unlock.attempts_left", n=int(state["attempts_left"])) + ".")

    def lock(self) -> None:
        self.wallet.lock()

    # ------------------------------------------------------------ cards
    def copies_text(self, n: int) -> str:
        return self.t("cards.copy_one") if n == 1 else self.t("cards.copies", n=n)

    def reminder_text(self, card: Card, reminders: list[dict[str, Any]]) -> str:
        """The card's reminder line: the nearest end date (within 30 days, or ended), then running out of
        one-time copies ("No one-time copies left…", "Only 1 one-time copy left…")."""
        parts = []
        days = [r["days_left"] for r in reminders if r["card_id"] == card.id and r["days_left"] is not None]
        if days:
            n = min(days)
            parts.append(self.t("cards.ended") if n < 0 else self.t("cards.reminder_today") if n == 0 else
                         self.t("cards.reminder_one") if n == 1 else self.t("cards.reminder", n=n))
        for r in reminders:
            if r["card_id"] == card.id and r["layer"] == "copies":
                use = r.get("use", "any")  # a card's online or offline reserve running out (wallet.core)
                if use != "any":
                    parts.append(self.t(f"cards.low_{use}_copies", n=r["copies_left"]))
                elif r["copies_left"] == 0:
                    parts.append(self.copies_plain(card))  # what to do: renewing, or ask the institution
        return "   ·   ".join(parts)

    def cards(self) -> list[CardView]:
        reminders = self.wallet.expiry_reminders()
        out = []
        for c in self.wallet.cards():
            title, bg, fg = _type_display(c.vct, self.lang, c.type_metadata)
            _vct, model = _model(c)
            subject = model.get("subject") or {}
            holder = f"{subject.get('forenames', '')} {subject.get('familynames', '')}".strip()
            until = model.get("ending_date") or model.get("date_of_expiry")
            # no copies left: never a plain green "Valid" (issue 15): it says it cannot be shown now, and how on
            status, code = ((self.t("copies.status_none"), "NO_COPIES") if c.copies_left == 0 and c.copies
                            else (self.t(f"status.{c.status}"), c.status))
            out.append(CardView(c.id, title, self.t("cards.issued_by", name=c.issuer_name), holder,
                                self.t("cards.valid_until", date=_date(until, self.lang)), bg, fg,
                                self.copies_plain(c), status, code, self.reminder_text(c, reminders)))
        return out

    def card_detail(self, card_id: str) -> dict[str, Any]:
        c: Card = self.wallet.card(card_id)
        title, bg, fg = _type_display(c.vct, self.lang, c.type_metadata)
        model_vct, model = _model(c)
        now = int(self.clock())
        today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
        # the core's three layers (with its clock skew), not a second computation here
        signed = {k: v for k, v in (("iat", c.iat), ("nbf", c.nbf), ("exp", c.exp)) if v is not None}
        report = validity_layers({**model, **signed, "vct": model_vct}, now, today)
        states = {"valid": "ok", "not_yet_valid": "not_yet", "expired": "ended", "unknown": "unknown"}

        def shown(start: str | None, end: str | None) -> str:
            return "-" if start is None and end is None else f"{_date(start, self.lang)} - {_date(end, self.lang)}"

        # the document's own period first, the signature's last (issue 15: a pensioner read the technical expiry on
        # the first line as the card's end; the signature is renewed with new copies)
        layers = [
            (self.t("detail.document"), shown(report.document.start, report.document.end), states[report.document.state]),
            (self.t("detail.coverage"), shown(report.coverage.start, report.coverage.end), states[report.coverage.state]),
            (self.t("detail.technical"), f"{_ts_date(c.iat, self.lang)} - {_ts_date(c.exp, self.lang)}",
             states[report.technical.state]),
        ]
        rows = [(r.label, r.value) for r in explain.claim_rows(c.claims, c.vct, self.lang, c.type_metadata)]
        return {"title": title, "background": bg, "text_colour": fg, "issuer": self.t("cards.issued_by", name=c.issuer_name),
                "layers": [(n, v, self.t(f"layer.{s}") if s in ("ok", "not_yet", "ended") else "-", s)
                           for n, v, s in layers],
                "status": self.t(f"status.{c.status}"), "status_code": c.status,
                "copies": self.copies_plain(c), "copies_explained": self.copies_explained(c),
                "can_renew": bool(c.renewal) and not (c.renewal or {}).get("refused"),
                "nordic": self.nordic_card_note(c), "rows": rows}

    def delete_card(self, card_id: str) -> None:
        """For good, no way back (the app removes with :meth:`remove_card`)."""
        self.wallet.delete_card(card_id)

    def remove_question(self, card_id: str) -> tuple[str, str]:
        """(title, text) of the question before removing a card: what goes, for how long it can be put back."""
        from ..core import RESTORE_DAYS

        c = self.wallet.card(card_id)
        return self.t("remove.title"), self.t("remove.text", doc=_type_display(c.vct, self.lang)[0],
                                              issuer=c.issuer_name, days=RESTORE_DAYS)

    def remove_card(self, card_id: str) -> str:
        """Take the card out, restorable for ``RESTORE_DAYS``; returns the "… was removed." line."""
        card = self.wallet.remove_card(card_id)
        return self.t("remove.done", doc=_type_display(card.vct, self.lang)[0])

    def restore_card(self, card_id: str) -> None:
        self.wallet.restore_card(card_id)

    def removed_rows(self) -> list[tuple[str, str]]:
        """(card id, "… removed …; can be put back until …") of the cards that can still be restored."""
        from ..core import RESTORE_DAYS

        return [(card.id, self.t("removed.row", doc=_type_display(card.vct, self.lang)[0],
                                 date=_ts_date(at, self.lang), until=_ts_date(at + RESTORE_DAYS * 86400, self.lang)))
                for card, at in self.wallet.removed_cards()]

    # ------------------------------------------------------------ scan / links
    @staticmethod
    def decode_image(path: Path | str) -> str | None:
        """Text of the first QR code in an image file (zxing-cpp), or None."""
        import zxingcpp
        from PIL import Image

        with Image.open(path) as img:
            results = zxingcpp.read_barcodes(img.convert("RGB"))
        for r in results:
            if r.text:
                return r.text
        return None

    def classify(self, text: str) -> str:
        """"offer", "request", "offline_request" or "unknown" for a scanned or pasted link or QR text."""
        from credential.qr_transport import PREFIXES

        from ..issuance import OFFER_SCHEMES

        if (text or "").strip().startswith(PREFIXES["request"]):
            return "offline_request"
        scheme = urlsplit((text or "").strip()).scheme
        if scheme in OFFER_SCHEMES:  # openid-credential-offer, ETSI TS 119 472-3's eu-eaa-offer, HAIP's haip-vci
            return "offer"
        if scheme in ("openid4vp", "eudi-openid4vp", "haip-vp"):
            return "request"
        return "unknown"

    def offer_needs_code(self, uri: str) -> bool:
        return self.offer_code(uri) is not None

    def offer_code(self, uri: str):
        """The offer's Transaction Code description (OID4VCI 1.0 §4.1.1 ``tx_code``: length, input mode), or None
        when the offer needs no code."""
        from ..issuance import parse_offer

        with self._client() as client:
            return parse_offer(uri, client).tx_code

    def code_prompt(self, length: int | None) -> str:
        return self.t("scan.tx_code_digits", n=length) if length else self.t("scan.tx_code")

    def receive(self, uri: str, tx_code: str | None = None) -> Message:
        from ..issuance import receive
        from ..status import refresh_all

        try:
            store = self._store()
            with self._client() as client:
                got = receive(self.wallet, uri, store, tx_code=tx_code or None, client=client)
                try:
                    refresh_all(self.wallet, store, client)
                except Exception:  # noqa: BLE001 - best effort
                    pass
        except Rejected as exc:
            self.last_message = self.reason(exc)
            left = getattr(exc, "attempts_left", None)
            if left:  # the link stays; say how many tries are left
                self.last_message.attempts_left = left
                self.last_message.text += " " + (self.t("scan.tries_left_one") if left == 1 else
                                                 self.t("scan.tries_left", n=left))
            return self.last_message
        names = ", ".join(_type_display(c.vct, self.lang)[0] for c in got.cards)
        self.last_message = Message(True, self.t("result.received"), f"{names}\n{self.t('cards.issued_by', name=got.cards[0].issuer_name)}")
        return self.last_message

    def open_request(self, uri: str) -> ConsentView | Message:
        from ..presentation import fetch_request, log_stopped, plan

        try:
            from ..http import request_policy
            from ..trust import is_demo

            store = self._store()
            demo = is_demo(self.trust_dir)
            with self._client(request_policy(demo)) as client:
                req = fetch_request(uri, store, self.wallet.now(), client, demo=demo,
                                    allow_unregistered=not self.strict_verifiers)
        except Rejected as exc:
            log_stopped(self.wallet, uri, exc)
            self.last_message = self.reason(exc)
            return self.last_message
        try:
            self.consent = plan(self.wallet, req)
        except Rejected as exc:
            self.wallet.log(kind="presentation", party=req.name(), party_id=req.client_id, credential="",
                            purpose=req.purpose(), outcome="failed", reason=exc.code)
            self.last_message = self.reason(exc)
            return self.last_message
        return self.consent_view()

    def open_offline_request(self, qr_text: str) -> ConsentView | Message:
        """An inspector's RQ1: request QR: checked offline with the cached trust lists, then the consent screen."""
        from ..offline import open_offline

        self.consent = None
        try:
            self.consent = open_offline(self.wallet, qr_text.strip(), self._store())
        except Rejected as exc:
            self.last_message = self.reason(exc)
            return self.last_message
        return self.consent_view()

    @property
    def consent_offline(self) -> bool:
        from ..offline import is_offline

        return self.consent is not None and is_offline(self.consent.request)

    def share_offline(self, include_over_asking: bool = False) -> OfflineView | Message:
        """Build the vp_token and its VP1: text for the full-screen QR (no network)."""
        from ..offline import respond_offline

        c, self.consent = self.consent, None
        try:
            out = respond_offline(self.wallet, c, include_over_asking=include_over_asking)
        except Rejected as exc:
            self.last_message = self.reason(exc)
            return self.last_message
        name = c.request.name(self.lang)
        labels = [_label(out.card.vct, p, self.lang) for p in c.revealed(include_over_asking)[out.query_id]]
        self.offline = OfflineView(out.qr_text, self.t("offline.title"), self.t("offline.show"),
                                   self.t("offline.for", name=name, n=len(labels),
                                          doc=_type_display(out.card.vct, self.lang)[0]), out.qr_version)
        return self.offline

    def close_offline(self) -> None:
        self.offline = None

    def consent_view(self) -> ConsentView:
        c = self.consent
        req = c.request
        groups = []
        for item in c.items:
            title = _type_display(item.card.vct, self.lang)[0]
            groups.append({"doc": self.t("consent.from", doc=title), "query_id": item.query_id,
                           "claims": [_label(item.card.vct, p, self.lang) for p in item.reveals],
                           "extra": [_label(item.card.vct, p, self.lang) for p in item.reveals_extra]})
        purpose = req.purpose()
        name = req.name(self.lang)
        lines: list[str] = []
        if c.unregistered:  # never "registered and verified": what it claims, where the answer goes
            lines = [self.t("consent.unreg_cert", subject=req.rp.subject), self.t("consent.unreg_host", host=req.host())]
            detail = "\n".join(lines)
        else:
            detail = f"{self.t('consent.verified')}\n{', '.join(req.rp.dns_names)}"
        if self.consent_offline:
            detail += "\n" + self.t("consent.offline")
        return ConsentView(name, detail, purpose.get(self.lang) or purpose.get("en", ""), groups, c.over_asking,
                           self.t("consent.over_text", name=name), c.unregistered,
                           self.t("consent.unreg_text", name=name) if c.unregistered else "", lines,
                           self.nordic_note())

    def share(self, include_over_asking: bool = False, accept_unregistered: bool = False) -> Message:
        from ..presentation import respond

        c, self.consent = self.consent, None
        try:
            with self._client() as client:
                out = respond(self.wallet, c, include_over_asking=include_over_asking, client=client,
                              accept_unregistered=accept_unregistered)
        except Rejected as exc:
            self.last_message = self.reason(exc)
            return self.last_message
        labels = []
        for item in c.items:
            labels += [_label(item.card.vct, p, self.lang) for p in c.revealed(include_over_asking)[item.query_id]]
        text = self.t("result.shared_with", name=c.request.name(self.lang), claims=", ".join(labels))
        if out.redirect_uri:  # OpenID4VP §8.2 / HAIP §5.1: the wallet MUST follow it (same-device)
            text += "\n" + self.t("result.redirect", host=urlsplit(out.redirect_uri).hostname or "")
            self.open_url(out.redirect_uri)
        self.last_message = Message(True, self.t("result.shared"), text)
        return self.last_message

    @staticmethod
    def open_url(url: str) -> None:
        """Open ``url`` in the system browser (replaced in tests by a recorder)."""
        import webbrowser

        webbrowser.open(url)

    @property
    def strict_verifiers(self) -> bool:
        from ..presentation import strict_verifiers

        try:
            return strict_verifiers(self.wallet)
        except ValueError:
            return True  # a malformed ESSPASS_WALLET_STRICT_VERIFIERS: the safe side

    def set_strict_verifiers(self, on: bool) -> None:
        """The wallet setting: refuse verifiers that are not registered outright."""
        self.wallet.update_settings(strict_verifiers=bool(on))

    def decline(self) -> Message:
        from ..presentation import decline

        c, self.consent = self.consent, None
        if c is not None:
            from ..offline import decline_offline, is_offline

            if is_offline(c.request):  # nobody to tell: the inspector just gets no answer
                decline_offline(self.wallet, c)
            else:
                with self._client() as client:
                    decline(self.wallet, c, client)
        self.last_message = Message(False, self.t("consent.decline"), self.t("result.declined"), R.DECLINED.code)
        return self.last_message

    # ------------------------------------------------------------ history
    def history_rows(self) -> list[dict[str, str]]:
        from ..export import reason_text

        rows = []
        for e in reversed(self.wallet.history()):
            when = dt.datetime.fromtimestamp(e.at, dt.timezone.utc).strftime(date_format(self.lang) + " %H:%M")
            vct = e.credential.split(",")[0] if e.credential else ""
            claims = ", ".join(_label(vct, p, self.lang) for p in e.claims) if vct else ", ".join(e.claims)
            rows.append({
                "title": f"{history_title(e.kind, e.outcome, self.lang, e.refused_by)} · {e.party or '?'}",
                "when": when,
                "outcome": outcome_text(e.outcome, self.lang, e.refused_by),
                "ok": "1" if e.outcome in ("received", "shared", "shown_offline", "renewed", "paper") else "0",
                "purpose": e.purpose.get(self.lang) or e.purpose.get("en", ""),
                "claims": claims,
                "reason": " ".join(dict.fromkeys(  # an unregistered verifier is said on every such line
                    reason_text(code, self.lang) for code in
                    ([e.reason] if e.reason else []) + ([R.UNREGISTERED.code] if e.unregistered else []))),
            })
        return rows

    def export(self, directory: Path | str, secret: str | None = None, *, readable: bool = False) -> list[Path]:
        """The history as JSON and PDF in ``directory`` (the user's choice), each file 0600. Encrypted with
        ``secret`` (the PIN or a passphrase; :mod:`wallet.private_file`) unless ``readable`` — the user asked for a
        readable copy. Rejected(wallet.export_weak_secret) when neither is given (issue 17, item 4)."""
        from ..export import history_json, history_pdf
        from ..private_file import SUFFIX, check_secret, seal, write_private

        if not readable:
            secret = check_secret(secret)
        d = Path(directory).expanduser()
        files = [(d / "esspass-history.json", history_json(self.wallet).encode("utf-8"), "application/json"),
                 (d / f"esspass-history-{self.lang}.pdf", history_pdf(self.wallet, self.lang), "application/pdf")]
        out = []
        for path, data, content_type in files:
            if readable:
                out.append(write_private(path, data))
            else:
                out.append(write_private(path.with_name(path.name + SUFFIX),
                                         seal(data, secret, content_type=content_type).encode("ascii")))
        return out

    # ------------------------------------------------------------ settings
    def set_language(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "en"
        if self.wallet.unlocked:
            self.wallet.update_settings(lang=self.lang)
        self._save_lang()

    # The language is also kept outside the encrypted store (a language code such as "da", nothing personal) so that the
    # unlock screen after a restart speaks it (issue 17): the sealed settings can only be read after the PIN.
    def _prefs_path(self) -> Path:
        return Path(self.wallet.directory) / "ui" / "prefs.json"

    def _saved_lang(self) -> str | None:
        import json

        try:
            lang = json.loads(self._prefs_path().read_text("utf-8")).get("lang")
        except (OSError, ValueError, AttributeError):
            return None
        return lang if lang in LANGS else None

    def _save_lang(self) -> None:
        import json

        try:
            path = self._prefs_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"lang": self.lang}), "utf-8")
        except OSError:
            pass  # a convenience: never a reason to fail

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = max(0.8, min(2.0, float(scale)))
        if self.wallet.unlocked:
            self.wallet.update_settings(font_scale=self.font_scale)

    def erase(self) -> None:
        self.wallet.erase()
        self.consent = None
        self.offline = None
