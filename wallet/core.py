"""The wallet's state: cards (credentials with their one-time copies), history and settings.

No UI and no network here: :class:`Wallet` sits on :class:`~wallet.storage.Storage` and is driven
by the OpenID4VCI client (:mod:`wallet.issuance`), the OpenID4VP holder (:mod:`wallet.presentation`),
the headless CLI and the Kivy screens alike. Time comes from the injected clock.

A *card* is one credential as the user sees it (an A1, an EHIC). It holds a batch of *copies*:
the same claims issued several times, each bound to its own fresh P-256 holder key and used for one
presentation only, so two verifiers cannot link their presentations by signature, salt or key
(OpenID4VCI 1.0 "Batch Issuing Credentials"; SD-JWT RFC 9901 "Unlinkability").
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from credential.jose import SigningKey
from credential.validity import validity_layers

from . import reasons as R
from .storage import KdfParams, Storage

DAY = 86_400
REMINDER_DAYS = 30
RESTORE_DAYS = 30  # a removed card can be put back this long (issue 17: one tap must not lose a card for good)
LOW_COPIES = 1  # remind when this many one-time copies (or none) are left


def no_copies_reason(card: "Card", use: str) -> R.Reason:
    """``wallet.no_copies_left`` when every copy is used; when only the other use's copies are left, the code that
    says so (the card still shows copies, so "none left" would be wrong)."""
    if card.copies_left == 0 or not card.reserved:
        return R.NO_COPIES
    return R.NO_OFFLINE_COPIES if use == OFFLINE else R.NO_ONLINE_COPIES


def new_id() -> str:
    return secrets.token_hex(8)


def private_jwk(key: SigningKey) -> dict[str, str]:
    from credential.jose import b64u_encode

    d = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    return {**key.public_jwk(), "d": b64u_encode(d)}


def key_from_jwk(jwk: dict[str, str]) -> SigningKey:
    from credential.jose import b64u_decode, jwk_to_public_key

    pub = jwk_to_public_key({k: v for k, v in jwk.items() if k != "d"})
    priv = ec.derive_private_key(int.from_bytes(b64u_decode(jwk["d"]), "big"), pub.curve)
    return SigningKey(priv)


# What a copy may be used for (docs/offline-presentation.md §1.3). An issuer that honours the ESSPASS request for
# offline copies signs part of a batch with `x5c` (HAIP 1.0 §6.1.1: what any verifier online can resolve) and part
# with kid + x5t#S256 (small enough for the offline QR budget). Each kind is reserved for its use: a compact copy
# shown online could fail at a verifier that resolves keys only from `x5c`; an `x5c` copy offline breaks the QR
# budget. A batch of one kind only (other issuers, older cards) serves both.
ONLINE, OFFLINE, ANY = "online", "offline", "any"


@dataclass
class Copy:
    sd_jwt: str
    key: dict[str, str]  # private JWK of this copy's holder key (sealed with the record)
    used_at: int | None = None
    use: str = ANY  # ONLINE | OFFLINE | ANY

    def serves(self, use: str) -> bool:
        return self.used_at is None and self.use in (use, ANY)


@dataclass
class Card:
    id: str
    vct: str
    type_key: str
    issuer_id: str  # the Credential Issuer Identifier (URL)
    issuer_name: str  # the trusted entity's name from the Pub-EAA list
    configuration_id: str
    claims: dict[str, Any]  # processed: every disclosure applied
    received_at: int
    iat: int | None = None
    exp: int | None = None
    nbf: int | None = None
    status_ref: dict[str, Any] | None = None
    status: str = "UNKNOWN"  # VALID | INVALID | SUSPENDED | UNKNOWN (not checked yet / could not check)
    status_checked_at: int | None = None
    copies: list[Copy] = field(default_factory=list)
    # display and claim labels from the issuer's metadata for this credential configuration (OpenID4VCI 1.0
    # §12.2.4 credential_metadata), for credentials of types we do not define (issue 16); None when not given
    type_metadata: dict[str, Any] | None = None
    # how to get new copies from the issuer without a new case (issue 15, wallet.renewal): the DPoP-bound refresh
    # token (RFC 6749 §6, RFC 9449 §5) and its DPoP private key, sealed with the card; "refused" once the issuer
    # said no (the phone reported lost, the document ended): then only a new offer helps
    renewal: dict[str, Any] | None = None

    @property
    def copies_left(self) -> int:
        return sum(1 for c in self.copies if c.used_at is None)

    def copies_left_for(self, use: str) -> int:
        """Unused copies that may serve ``use`` (ONLINE or OFFLINE)."""
        return sum(1 for c in self.copies if c.serves(use))

    @property
    def reserved(self) -> bool:
        """True when the card holds separate online and offline copies."""
        return any(c.use != ANY for c in self.copies)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Card":
        data = dict(data)
        data["copies"] = [Copy(**c) for c in data.get("copies", [])]
        return cls(**data)

    def public_summary(self) -> dict[str, Any]:
        """What ``wallet list --json`` shows: never keys or raw credentials."""
        return {
            "id": self.id, "vct": self.vct, "type": self.type_key, "issuer": self.issuer_name,
            "issuer_id": self.issuer_id, "received_at": _iso(self.received_at), "expires_at": _iso(self.exp),
            "status": self.status, "status_checked_at": _iso(self.status_checked_at),
            "copies_left": self.copies_left, "copies_total": len(self.copies), "claims": self.claims,
            "online_copies_left": self.copies_left_for(ONLINE), "offline_copies_left": self.copies_left_for(OFFLINE),
        }


@dataclass
class Event:
    """One line of the history: who, when, which claims, why, and what happened."""

    id: str
    at: int
    kind: str  # "issuance" | "presentation"
    party: str  # issuer or relying party name as established by the trust lists (or as claimed, if refused)
    party_id: str  # credential issuer URL or client_id
    credential: str  # credential type (vct) or "" when none was involved
    claims: list[str]  # dotted claim paths received or disclosed
    purpose: dict[str, str]  # {"en": ..., "da": ...}
    outcome: str  # "received" | "shared" | "refused" | "declined" | "failed"
    reason: str = ""  # stable reason code for anything but success
    over_asking: list[str] = field(default_factory=list)  # paths asked beyond the registration
    card_id: str = ""
    refused_by: str = ""  # who refused: "wallet" (a check here failed), "issuer" or "verifier" (they said no)
    unregistered: bool = False  # the verifier was on none of our lists (issue 13 item 4)
    redirect_uri: str = ""  # same-device: where the verifier sent the user back (without its one-time code)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at_iso"] = _iso(self.at)
        return out


def _iso(t: int | float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Wallet:
    """One user's wallet in ``directory``. Create or unlock before anything else."""

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time,
                 kdf: KdfParams | None = None) -> None:
        self.directory = Path(directory)
        self.clock = clock
        self.storage = Storage(self.directory, clock=clock, kdf=kdf)

    def now(self) -> int:
        return int(self.clock())

    # ------------------------------------------------------------ lifecycle
    @property
    def exists(self) -> bool:
        return self.storage.exists()

    @property
    def unlocked(self) -> bool:
        return self.storage.unlocked

    def create(self, pin: str) -> None:
        self.storage.create(pin)
        self.storage.put("settings", "settings", {"lang": "en", "font_scale": 1.0})

    def unlock(self, pin: str) -> None:
        self.storage.unlock(pin)

    def open_or_create(self, pin: str) -> "Wallet":
        if self.exists:
            self.unlock(pin)
        else:
            self.create(pin)
        return self

    def lock(self) -> None:
        self.storage.lock()

    def close(self) -> None:
        self.storage.close()

    def erase(self) -> None:
        self.storage.erase()

    # ------------------------------------------------------------ settings
    def settings(self) -> dict[str, Any]:
        return self.storage.get("settings", "settings") or {"lang": "en", "font_scale": 1.0}

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        s = {**self.settings(), **changes}
        self.storage.put("settings", "settings", s)
        return s

    # ------------------------------------------------------------ cards
    def cards(self) -> list[Card]:
        cards = [Card.from_json(v) for _, v in self.storage.all("card")]
        return sorted(cards, key=lambda c: c.received_at)

    def card(self, card_id: str) -> Card:
        data = self.storage.get("card", card_id)
        if data is None:
            raise KeyError(card_id)
        return Card.from_json(data)

    def save_card(self, card: Card) -> None:
        self.storage.put("card", card.id, card.to_json())

    def delete_card(self, card_id: str) -> None:
        """Delete for good (no way back). The app removes with :meth:`remove_card`, which can be undone."""
        self.storage.delete("card", card_id)

    def remove_card(self, card_id: str) -> Card:
        """Take a card out of the wallet, keeping it (sealed, as every record) for :data:`RESTORE_DAYS` so that
        :meth:`restore_card` can put it back: offers are single use, and a card lost to a slip of the finger
        could otherwise only be re-issued by the institution. The copy is written before the card is taken out,
        so a crash in between leaves the card where it was."""
        card = self.card(card_id)
        self.storage.put("removed", card_id, {"removed_at": self.now(), "card": card.to_json()})
        self.storage.delete("card", card_id)
        return card

    def removed_cards(self) -> list[tuple[Card, int]]:
        """(card, removed_at) of cards that can still be restored, newest first; older ones are deleted now."""
        out = []
        for rid, value in self.storage.all("removed"):
            at = int(value.get("removed_at", 0))
            if self.now() - at > RESTORE_DAYS * 86400:
                self.storage.delete("removed", rid)
                continue
            out.append((Card.from_json(value["card"]), at))
        return sorted(out, key=lambda x: -x[1])

    def restore_card(self, card_id: str) -> Card:
        """Put a removed card back (KeyError when there is none to restore)."""
        value = self.storage.get("removed", card_id)
        if value is None:
            raise KeyError(card_id)
        card = Card.from_json(value["card"])
        self.save_card(card)
        self.storage.delete("removed", card_id)
        return card

    def take_copy(self, card_id: str, use: str = ONLINE) -> tuple[Copy, SigningKey]:
        """Reserve an unused one-time copy for ``use`` (marked used before it leaves the wallet)."""
        card = self.card(card_id)
        for copy in card.copies:
            if copy.serves(use):
                copy.used_at = self.now()
                self.save_card(card)
                return copy, key_from_jwk(copy.key)
        raise R.Rejected(no_copies_reason(card, use))

    # ------------------------------------------------------------ history
    def record(self, event: Event) -> Event:
        # Keys sort by time, then by order of recording (several events can share a second).
        self.storage.put("event", f"{event.at:012d}-{time.time_ns():020d}-{event.id}", event.to_json())
        return event

    def log(self, **fields: Any) -> Event:
        fields.setdefault("purpose", {})
        fields.setdefault("claims", [])
        return self.record(Event(id=new_id(), at=self.now(), **fields))

    def history(self) -> list[Event]:
        out = []
        for _, v in self.storage.all("event"):
            v = {k: val for k, val in v.items() if k != "at_iso"}
            out.append(Event(**v))
        return out  # storage.all returns records ordered by key: time, then recording order

    def history_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.history()]

    # ------------------------------------------------------------ reminders
    def expiry_reminders(self, within_days: int = REMINDER_DAYS) -> list[dict[str, Any]]:
        """Cards whose credential, document or coverage ends within ``within_days`` (or has ended): ``layer``
        ``technical`` / ``document`` / ``coverage`` with ``date`` and ``days_left``; and cards with one or no one-time
        copies left: ``layer`` ``copies`` with ``copies_left`` (``date`` and ``days_left`` None)."""
        now = int(self.now())
        today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
        out = []
        for card in self.cards():
            # where each layer ends, as the core reads the credential (credential.validity)
            signed = {"exp": card.exp} if card.exp else {}
            layers = validity_layers({**card.claims, **signed, "vct": card.vct}, now, today).layers
            ends = [(layer.name, dt.date.fromisoformat(layer.end[:10])) for layer in layers if layer.end]
            if card.copies and card.copies_left <= LOW_COPIES:  # not a date: no days_left
                out.append({"card_id": card.id, "vct": card.vct, "layer": "copies", "date": None, "days_left": None,
                            "copies_left": card.copies_left, "use": ANY})
            elif card.reserved:  # one of the two reserves running out while the other still has copies
                for use in (ONLINE, OFFLINE):
                    if card.copies_left_for(use) <= LOW_COPIES:
                        out.append({"card_id": card.id, "vct": card.vct, "layer": "copies", "date": None,
                                    "days_left": None, "copies_left": card.copies_left_for(use), "use": use})
            for layer, end in ends:
                days = (end - today).days
                if days <= within_days:
                    out.append({"card_id": card.id, "vct": card.vct, "layer": layer, "date": end.isoformat(),
                                "days_left": days})
        return out
