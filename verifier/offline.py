"""The inspector's side of the offline presentation (docs/offline-presentation.md, issue #7).

Two QR codes, no network: the inspector's device shows a signed request (``RQ1:``) with a fresh nonce, the wallet
answers with the ``vp_token`` (``VP2:``), and the inspector decides with its *bundle* (trust lists + Status List
Tokens fetched earlier, :class:`verifier.sources.Bundle`) through the same :func:`verifier.policy.verify_presentation`
as ``esspass verify``, so the decision JSON is the same.

* :class:`InspectorSession` — one request: nonce, client_id, preset, relying party, times, the request QR text. It
  lives in a directory (``session.json``) so a CLI call can make the request and a later call verify the answer.
  A session is **single use**: the first response decoded with its nonce consumes it (an ``O_EXCL`` marker file);
  any later response for it is FAILED (``inspect.session_used``). It expires ``SESSION_GRACE_S`` after the
  request's ``exp``.
* :class:`OfflineVerifier` — the trust store and status tokens of a bundle (or of the embedded demo ecosystem), and
  :meth:`OfflineVerifier.decide`: QR text + session → :class:`verifier.policy.Decision`. A code that is not a
  presentation answering this check (an offer, a request, a URL, garbage, another session's answer) is a scanning
  problem, not a verdict: ``decide`` raises :class:`NotAnAnswer` (``inspect.not_an_answer``, or
  ``inspect.not_a_paper_copy`` without a session), consumes nothing, and nobody logs it. FAILED is reserved for a
  presentation that was checked and failed (issue 17, item 2).
* :class:`InspectionLog` — what an inspection leaves behind: time, preset, result, check codes, credential type,
  issuing institution, data age. Never claims, names, numbers or nonces (ARCHITECTURE.md: never log personal data).

Paper copies (the issuer's PDF: ``VP2:`` with every disclosure and no KB-JWT, no ``cnf``) are accepted with or
without a session; they are verified with key binding not required, and the decision carries ``kb.not_bound``:
"check the holder's identity document". A credential that *is* bound to a device key (has ``cnf``) but arrives
without a KB-JWT is verified with key binding required, so it fails (``kb.missing``): stripping the proof from a
wallet's credential must not turn it into a "paper copy".

Time and randomness are parameters (``now``, ``random_bytes``), as everywhere in the functional core.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import qrimage
from credential import jose, qr_transport
from credential.offline_request import DEFAULT_LIFETIME_S, build_request_object, new_nonce
from credential.reasons import Reason, Rejected, define

from . import presets as P
from .caches import VerifierCache
from .policy import FAILED, Check, Decision, Sources, verify_presentation

SESSION_FILE = "session.json"
USED_FILE = "used"
SESSION_FORMAT = "esspass-inspector-session/1"
SESSION_GRACE_S = 300  # after the request's exp: time for the holder to consent and show the answer
PREFERRED_RELYING_PARTIES = ("arbejdstilsynet", "verifier")  # the inspector's own, then the generic one
MAX_LOG_ENTRIES = 1000

R_SESSION_USED = define("inspect.session_used")
R_SESSION_EXPIRED = define("inspect.session_expired")
R_NOT_AN_ANSWER = define("inspect.not_an_answer")
R_NOT_A_PAPER_COPY = define("inspect.not_a_paper_copy")


class NotAnAnswer(Rejected):
    """What :meth:`OfflineVerifier.decide` raises for a code that is not a presentation answering this check: a
    credential offer, a request, a URL, garbage, a damaged code, another session's answer (issue 17, item 2). A
    scanning problem, not a verdict: no decision, nothing logged, the session stays open for the right code.
    ``cause`` is the underlying code (``qr.version``, ``qr.kind``, ``kb.nonce`` …), for logs and tests."""

    def __init__(self, reason: Reason, cause: str, detail: str = "") -> None:
        super().__init__(reason, f"{cause}: {detail}" if detail else cause)
        self.cause = cause


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


def default_home() -> Path:
    return Path(os.environ.get("ESSPASS_HOME") or ".esspass")


# ---------------------------------------------------------------- relying party


def choose_relying_party(eco: Any, preset: str, slug: str | None = None) -> Any:
    """The ecosystem's relying party that is registered for ``preset``: ``slug`` if given (ValueError when it is
    unknown or not registered for the preset), else the first of ``PREFERRED_RELYING_PARTIES`` that is."""
    parties = eco.relying_parties
    if slug:
        party = parties.get(slug)
        if party is None:
            raise ValueError(f"no relying party {slug!r} in the ecosystem ({', '.join(sorted(parties))})")
        if preset not in party.presets:
            raise ValueError(f"relying party {slug!r} is not registered for {preset!r} ({', '.join(party.presets)})")
        return party
    for name in (*PREFERRED_RELYING_PARTIES, *sorted(parties)):
        party = parties.get(name)
        if party is not None and preset in party.presets:
            return party
    raise ValueError(f"no relying party of the ecosystem is registered for {preset!r}")


def dcql_query(preset: str) -> dict[str, Any]:
    """The preset's DCQL query, exactly ``credential.dcql.PRESETS[preset]`` (docs/offline-presentation.md §1.1)."""
    return P.get(preset).dcql_query


# ---------------------------------------------------------------- session


@dataclass
class InspectorSession:
    directory: Path
    preset: str
    nonce: str
    client_id: str
    relying_party: str
    created_at: int
    expires_at: int
    request_text: str  # "RQ1:…"

    # ------------------------------------------------------------ making and storing

    @classmethod
    def create(cls, directory: Path | str, preset: str, relying_party: Any, *, now: int | None = None,
               random_bytes: Callable[[int], bytes] = secrets.token_bytes,
               lifetime_s: int = DEFAULT_LIFETIME_S) -> "InspectorSession":
        """A fresh request for ``preset`` signed with ``relying_party``'s access key (a
        ``trust_list.demo.RelyingParty`` or anything with ``access_key``, ``access_chain``/``access_x5c``,
        ``registration_jws``, ``slug``), saved in ``directory``; an earlier session there is replaced."""
        if preset not in P.NAMES:
            raise ValueError(f"unknown preset {preset!r}; one of {', '.join(P.NAMES)}")
        now = _now(now)
        nonce = new_nonce(random_bytes)
        chain = _chain_der(relying_party)
        jws = build_request_object(relying_party.access_key, chain, dcql_query=dcql_query(preset), nonce=nonce,
                                   iat=now, registration_certificate=relying_party.registration_jws,
                                   lifetime_s=lifetime_s)
        client_id = jose.parse_compact(jws).payload()["client_id"]
        session = cls(Path(directory), preset, nonce, client_id, getattr(relying_party, "slug", ""), now,
                      now + lifetime_s + SESSION_GRACE_S, qr_transport.encode_request(jws))
        session.save()
        return session

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in asdict(self).items() if k != "directory"}
        data["format"] = SESSION_FORMAT
        target = self.directory / SESSION_FILE
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), "utf-8")
        (self.directory / USED_FILE).unlink(missing_ok=True)  # a new request: a new, unused nonce
        tmp.replace(target)

    @classmethod
    def load(cls, directory: Path | str) -> "InspectorSession":
        """ValueError when ``directory`` holds no readable session."""
        directory = Path(directory)
        try:
            raw = (directory / SESSION_FILE).read_bytes()
        except OSError as exc:
            raise ValueError(f"no inspection session in {directory}: {exc.strerror}") from None
        if len(raw) > 64 * 1024:
            raise ValueError("session file too large")
        try:
            data = json.loads(raw)
        except ValueError:
            raise ValueError("session file is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
            raise ValueError(f"not a {SESSION_FORMAT} file")
        try:
            return cls(directory, str(data["preset"]), str(data["nonce"]), str(data["client_id"]),
                       str(data.get("relying_party", "")), int(data["created_at"]), int(data["expires_at"]),
                       str(data["request_text"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError("session file is incomplete") from None

    # ------------------------------------------------------------ state

    @property
    def used(self) -> bool:
        return (self.directory / USED_FILE).exists()

    def expired(self, now: int) -> bool:
        return now >= self.expires_at

    def consume(self, now: int) -> bool:
        """Mark the session used; False if it already was (atomic: ``O_CREAT | O_EXCL``)."""
        try:
            fd = os.open(self.directory / USED_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as fh:
            fh.write(str(now))
        return True

    # ------------------------------------------------------------ QR codes

    def request_png(self, out: str | Path | IO[bytes], *, scale: int = 4, border: int = 4) -> qrimage.QrInfo:
        """The request QR code as PNG (a path or a binary stream)."""
        return qrimage.encode_qr_png(self.request_text, out, scale=scale, border=border)

    def request_image(self, *, scale: int = 4, border: int = 4):
        """The request QR code as a PIL image (for the app's full-screen view)."""
        return qrimage.render_qr_image(self.request_text, scale=scale, border=border)

    def verify_response_text(self, qr_text: str, verifier: "OfflineVerifier", *, now: int | None = None) -> Decision:
        return verifier.decide(qr_text, self, now=now)

    def verify_response_png(self, source: Any, verifier: "OfflineVerifier", *, now: int | None = None) -> Decision:
        """Decode the response QR in ``source`` (path, bytes or PIL image) and decide. A picture without a
        readable QR code raises ``Rejected(qr.unreadable)``, a code that is not an answer to this check
        :class:`NotAnAnswer`; both leave the session unused (scan again)."""
        return verifier.decide(qrimage.decode_qr_image(source), self, now=now)


def _chain_der(party: Any) -> list[bytes]:
    chain = getattr(party, "access_chain", None)
    if chain:
        from cryptography.hazmat.primitives import serialization

        return [c.public_bytes(serialization.Encoding.DER) if hasattr(c, "public_bytes") else bytes(c) for c in chain]
    import base64

    return [base64.b64decode(c) for c in party.access_x5c]


# ---------------------------------------------------------------- verifying


def _failed(reason: Reason, detail: str = "", *, preset: str | None = None,
            data_age: dict[str, Any] | None = None) -> Decision:
    """A decision made before the policy could run (transport, replay, session), shaped like the policy's."""
    return Decision(result=FAILED, checks=[Check(reason.code, "fail", reason.message(), detail)],
                    data_age=dict(data_age or {}), preset=preset)


def looks_like_presentation(text: str) -> bool:
    """An SD-JWT presentation's shape (RFC 9901 §4): an issuer-signed compact JWS, then '~'-separated parts."""
    if "~" not in text:
        return False
    try:
        jose.parse_compact(text.split("~", 1)[0])
    except (jose.JoseError, ValueError, TypeError):
        return False
    return True


def kb_made_for(presentation: str) -> tuple[Any, Any]:
    """(nonce, aud) of the KB-JWT, read unverified — only to tell another session's answer from an answer to this
    one before the session is consumed; the policy verifies the KB-JWT afterwards. (None, None) if unreadable."""
    try:
        payload = jose.parse_compact(presentation.rsplit("~", 1)[1]).payload()
    except (jose.JoseError, ValueError, TypeError, IndexError):
        return None, None
    return payload.get("nonce"), payload.get("aud")


def has_key_binding(presentation: str) -> bool:
    """RFC 9901 §4: a presentation with a KB-JWT does not end with '~'."""
    return not presentation.endswith("~")


def holder_bound(presentation: str) -> bool:
    """True when the issuer-signed JWT carries ``cnf`` (the credential is bound to a device key); read unverified,
    only to choose the key-binding policy — the policy verifies everything afterwards."""
    try:
        payload = jose.parse_compact(presentation.split("~", 1)[0]).payload()
    except (jose.JoseError, ValueError, TypeError):
        return True  # unreadable: require key binding (fail closed); the policy reports the format error
    return "cnf" in payload


@dataclass
class OfflineVerifier:
    """Trust store + status tokens at hand, and where they came from (``source``: ``bundle`` or ``embedded``)."""

    trust: Any  # trust_list.store.TrustStore
    status: Any  # verifier.sources.StatusCache (policy StatusSource)
    trust_fetched_at: int | None = None
    bundle_created_at: int | None = None
    source: str = "bundle"
    status_fetched_at: dict[str, int] = field(default_factory=dict)
    cache: VerifierCache = field(default_factory=VerifierCache.new)  # this inspector's own validated results

    def sources(self) -> Sources:
        return Sources(self.trust, self.status, self.trust_fetched_at, self.cache)

    @classmethod
    def from_bundle(cls, bundle: Any, anchors: list[Any], now: int) -> "OfflineVerifier":
        """From a :class:`verifier.sources.Bundle` and the pinned operator certificate(s). No network: status
        tokens come only from the bundle. Lists that do not validate at ``now`` are left out (the policy then
        says INDETERMINATE with ``issuer.list_unavailable``-style codes, never "revoked")."""
        from trust_list import LIST_TYPES
        from trust_list import TrustStore

        store = TrustStore(anchors={t: list(anchors) for t in LIST_TYPES})
        for list_type, (token, _at) in bundle.trust_lists.items():
            if list_type in LIST_TYPES:
                try:
                    store.update(list_type, token.strip(), now)
                except Rejected:
                    pass  # kept in store.last_rejection; require() reports it
        fetched = min((at for _, at in bundle.trust_lists.values()), default=None)
        return cls(store, bundle.status_cache(network=False), fetched, bundle.created_at, "bundle",
                   {u: at for u, (_, at) in bundle.status_lists.items()})

    @classmethod
    def embedded(cls, eco: Any, now: int, *, network: bool = True) -> "OfflineVerifier":
        """The embedded default: the demo ecosystem's lists on disk; Status List Tokens over HTTP when
        ``network`` (as ``esspass verify`` without a bundle), else none (INDETERMINATE: status unavailable)."""
        from trust_list import LIST_TYPES
        from trust_list import TrustStore

        from .sources import StatusCache

        store = TrustStore(anchors={t: [eco.operator_cert] for t in LIST_TYPES})
        for list_type, token in eco.tokens().items():
            try:
                store.update(list_type, token, now)
            except Rejected:
                pass
        import netio

        # the demo ecosystem's issuer serves its status lists on loopback (demo mode)
        return cls(store, StatusCache(network=network, policy=netio.UrlPolicy(allow_loopback=True)), now, None,
                   "embedded")

    def close(self) -> None:
        close = getattr(self.status, "close", None)
        if close is not None:
            close()

    def data_age(self, now: int) -> dict[str, Any]:
        """How old the data at hand is (seconds), for the app's header: the bundle, the oldest list fetch and
        the oldest status token fetch."""
        return {
            "bundle_s": None if self.bundle_created_at is None else now - self.bundle_created_at,
            "trust_list_fetched_s": None if self.trust_fetched_at is None else now - self.trust_fetched_at,
            "status_list_fetched_s": (now - min(self.status_fetched_at.values())) if self.status_fetched_at else None,
            "status_lists": len(self.status_fetched_at),
        }

    def _policy_age(self, now: int) -> dict[str, Any]:
        from trust_list import PUB_EAA

        age = {"trust_list_s": self.trust.age(PUB_EAA, now), "status_list_s": None}
        if self.trust_fetched_at is not None:
            age["trust_list_fetched_s"] = now - self.trust_fetched_at
        return age

    def decide(self, qr_text: str, session: InspectorSession | None, *, now: int | None = None,
               preset: str | None = None) -> Decision:
        """The decision for one scanned ``VP2:`` text (see the module docstring for paper copies and replay).
        ``preset`` applies when there is no session (a paper copy scanned on its own)."""
        now = _now(now)
        preset = session.preset if session is not None else preset
        age = self._policy_age(now)
        not_an_answer = R_NOT_AN_ANSWER if session is not None else R_NOT_A_PAPER_COPY
        try:
            if session is not None:
                text = qr_transport.decode_response(qr_text, nonce=session.nonce, client_id=session.client_id)
            else:
                text = qr_transport.decode_response(qr_text)
        except Rejected as exc:  # qr.*: an offer, a request, a URL, garbage; kb.nonce / kb.aud: another session's
            raise NotAnAnswer(not_an_answer, exc.code, exc.detail) from None
        if not looks_like_presentation(text):
            raise NotAnAnswer(not_an_answer, "sd.format", "the code holds no SD-JWT presentation")

        bound = has_key_binding(text)
        if not bound and not holder_bound(text):  # a paper copy: nothing to replay, no nonce used
            return verify_presentation(text, self.sources().context(now, preset=preset, key_binding=False))
        if session is None:  # a phone's answer (device-bound), scanned as a paper copy
            raise NotAnAnswer(R_NOT_A_PAPER_COPY, qr_transport.R_CONTEXT.code, "no inspection session")
        if bound:
            nonce, aud = kb_made_for(text)
            if nonce != session.nonce or aud != session.client_id:  # another session's answer (full nonce inside)
                raise NotAnAnswer(R_NOT_AN_ANSWER, "kb.nonce" if nonce != session.nonce else "kb.aud",
                                  "made for another request")
        if session.used:
            return _failed(R_SESSION_USED, preset=preset, data_age=age)
        if session.expired(now):
            return _failed(R_SESSION_EXPIRED, preset=preset, data_age=age)
        if not session.consume(now):
            return _failed(R_SESSION_USED, preset=preset, data_age=age)
        ctx = self.sources().context(now, preset=preset, nonce=session.nonce, aud=session.client_id)
        return verify_presentation(text, ctx)


def load_verifier(*, bundle: Path | None, home: Path, now: int, anchors: list[Any] | None = None,
                  network: bool = True) -> OfflineVerifier:
    """The bundle's data (pinned to ``anchors``, default: the embedded ecosystem's operator certificate), or the
    embedded demo ecosystem under ``home/ecosystem``."""
    from trust_list.demo import build_demo_ecosystem

    from .sources import Bundle

    if bundle is not None:
        b = Bundle.load(bundle)
        if anchors is None:
            anchors = [build_demo_ecosystem(home / "ecosystem", now).operator_cert]
        return OfflineVerifier.from_bundle(b, anchors, now)
    return OfflineVerifier.embedded(build_demo_ecosystem(home / "ecosystem", now), now, network=network)


def sync_bundle(out: Path, *, home: Path, now: int | None = None, status_uris: list[str] | tuple[str, ...] = (),
                anchors: list[Any] | None = None, settings: Any = None) -> Any:
    """Update the bundle at ``out``: fetch the trust lists (as the verifier service is configured) and the Status
    List Tokens of ``status_uris``, of the bundle and of the verifier's sources, then keep, per list, the newer
    *valid* data (:func:`verifier.bundle_sync.merge_bundle`: a failed or partial update never drops what was
    there) and write the bundle atomically. Returns the :class:`verifier.bundle_sync.SyncResult`; it says which
    items could not be updated. ``anchors``: the pinned operator certificates (default: the verifier's);
    ``settings``: the verifier's configuration (default: the embedded one under ``home``)."""
    from .bundle_sync import merge_bundle
    from .service import VerifierService
    from .settings import VerifierSettings
    from .sources import Bundle

    now = _now(now)
    try:
        old: Bundle | None = Bundle.load(out)
    except (OSError, ValueError):
        old = None
    uris = list(dict.fromkeys([*status_uris, *(old.status_lists if old is not None else ())]))
    settings = VerifierSettings(home=home) if settings is None else settings
    svc = VerifierService(settings.model_copy(update={"verifier_bundle": None}), clock=lambda: now)
    try:
        try:
            svc.refresh_trust(now, force=True)
        except Exception:  # noqa: BLE001 - any failure to fetch is "not fetched": the held lists stay
            pass
        trust = {t: v.token for t, v in svc.trust.lists.items()}
        # the same sources as `esspass verifier sync`: configured, seen, and the local demo issuer's list
        wanted, optional = svc.status_uris_to_sync(uris, now)
        for uri in wanted:
            svc.status(uri, now)
        status = {u: tok for u, (tok, at) in svc.status.entries().items() if at == now}
        result = merge_bundle(old, trust, status, wanted, anchors or svc.anchors, now, status_optional=optional)
    finally:
        svc.status.close()
    result.path = result.bundle.save(out)
    return result


# ---------------------------------------------------------------- inspection log


@dataclass
class InspectionLog:
    """JSON lines; each entry: time, preset, result, failed codes, all codes, credential type, issuing institution,
    data age. No claims, no names, no document numbers, no nonces."""

    path: Path
    max_entries: int = MAX_LOG_ENTRIES

    def add(self, decision: Decision, now: int, *, preset: str | None = None, paper: bool = False,
            manual: bool = False) -> dict[str, Any]:
        failed = [c.code for c in decision.checks if c.result != "pass"]
        entry = {
            "time": int(now),
            "preset": preset or decision.preset,
            "result": decision.result,
            "failed": failed,
            "codes": [c.code for c in decision.checks],
            "credential_type": decision.credential_type,
            "issuer": decision.issuer,
            "paper_copy": paper or "kb.not_bound" in decision.codes,
            "data_age": {k: v for k, v in decision.data_age.items() if isinstance(v, (int, type(None)))},
        }
        if manual:  # a document number typed in (issue 15 item 3): never a verified presentation
            entry["manual"] = True
        entries = self.entries()[-(self.max_entries - 1):] + [entry]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), "utf-8")
        tmp.replace(self.path)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines[-self.max_entries:]:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict):
                out.append(e)
        return out
