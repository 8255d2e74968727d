"""Presenting credentials: an OpenID4VP 1.0 holder for signed requests by reference.

Section references are to OpenID for Verifiable Presentations 1.0 (final):

* §5 / §5.10: the QR holds ``openid4vp://?client_id=...&request_uri=...`` (optionally
  ``request_uri_method=post``, §5.10.1: then the wallet POSTs ``wallet_metadata``); the request
  object is a signed JWT with ``typ: oauth-authz-req+jwt`` (RFC 9101 §10.8) fetched from
  ``request_uri``;
* §5.9.3 ``x509_hash`` client identifiers; §5.1 ``verifier_info`` carrying the registration
  certificate; the relying-party checks of shared/specs/trust-lists.md §5 run before the user sees
  anything (``trust_list.relying_party.check_relying_party``): a failure of ``rp.signature``,
  ``rp.client_id`` or ``rp.registration`` stops the presentation;
* §6 DCQL (``credential.dcql``): which stored credentials match each Credential Query;
* §8.1 ``vp_token`` = ``{<credential query id>: [<presentation>]}``; Appendix B.3.6: the SD-JWT
  carries a KB-JWT whose ``aud`` is the Client Identifier and ``nonce`` the request's nonce;
* §8.3 encrypted responses: an unsigned JWE (ECDH-ES, ``enc`` from
  ``encrypted_response_enc_values_supported``, default A128GCM, A256GCM preferred when offered (HAIP 1.0 §5), ``kid`` copied from the chosen JWK
  of ``client_metadata.jwks``); §8.3.1 ``direct_post.jwt``: ``response=<JWE>`` POSTed form-encoded
  to ``response_uri``; §8.5 error response ``error=access_denied`` when the user declines.

Verifiers not on our lists (issue 13 item 4): with ``allow_unregistered`` a request whose relying-party checks fail
only because its certificate or registration is not on our lists, but whose signature verifies under its own
certificate (``trust_list.relying_party.check_unlisted_relying_party``), is shown with who it claims to be and a
warning; nothing is shared without ``accept_unregistered`` (the user's explicit yes). A forged or broken signature
stays refused. The strict setting (``allow_unregistered=False``) refuses such verifiers as before (their ``rp.*``
code; the history marks them ``unregistered``).

Same-device (§8.2, HAIP 1.0 §5.1): the response endpoint's ``redirect_uri`` is returned for the caller to follow
(the app opens it in the browser), after checking it is a web address (:func:`checked_redirect`).

Minimal disclosure: only the paths the query asks for, through ``credential.sd_jwt.present``;
claims asked for beyond the relying party's registration (``rp.over_asking``) are left out unless
the user explicitly agrees to share them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from jwcrypto import jwe as jw_jwe
from jwcrypto import jwk as jw_jwk

import netio
from credential import dcql, jose, sd_jwt
from credential.offline_request import RESPONSE_MODE as OFFLINE_RESPONSE_MODE
from credential.reasons import Rejected
from trust_list import RpCheck, check_relying_party, check_unlisted_relying_party, path_within, registered_paths
from trust_list import reasons as TR
from trust_list import TrustStore

from . import http
from . import reasons as R
from .core import OFFLINE, ONLINE, Card, Wallet, no_copies_reason

REQUEST_TYP = "oauth-authz-req+jwt"
SCHEMES = ("openid4vp", "eudi-openid4vp", "haip-vp", "mdoc-openid4vp")
PREFERRED_ENC = ("A256GCM", "A128GCM")  # HAIP 1.0 §5: A256GCM when the verifier offers both


@dataclass
class PresentationRequest:
    client_id: str
    request: dict[str, Any]
    rp: RpCheck
    query: dcql.DcqlQuery
    # the trust store the request was checked with: resolves the issuer chains of stored cards for DCQL
    # trusted_authorities (HAIP 1.0 §5); None: such queries match nothing
    store: TrustStore | None = field(default=None, repr=False, compare=False)
    at: int = 0  # when it was checked (the chains are resolved as of then)

    @property
    def nonce(self) -> str:
        return self.request["nonce"]

    @property
    def response_uri(self) -> str:
        return self.request["response_uri"]

    @property
    def state(self) -> str | None:
        s = self.request.get("state")
        return s if isinstance(s, str) else None

    @property
    def registered(self) -> bool:
        return self.rp.registered

    def host(self) -> str:
        """The host the answer would go to (``response_uri``): shown for a verifier that is not registered."""
        try:
            return urlsplit(str(self.request.get("response_uri", ""))).hostname or ""
        except ValueError:
            return ""

    def name(self, lang: str = "en") -> str:
        if not self.rp.registered:  # nobody vouches for a name: what its certificate says, as it says it
            return self.rp.sub or self.host()
        return self.rp.display_name(lang)

    def purpose(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.rp.purpose:
            lang = str(item.get("lang", "en"))[:2]
            out.setdefault(lang, str(item.get("value", "")))
        if "en" not in out and out:
            out["en"] = next(iter(out.values()))
        return out


def _parse_uri(uri: str) -> dict[str, str]:
    if not isinstance(uri, str) or len(uri) > 8 * 1024:
        raise Rejected(R.REQUEST_INVALID, "missing or too long")
    parts = urlsplit(uri.strip())
    if parts.scheme not in SCHEMES and parts.scheme not in ("https", "http"):
        raise Rejected(R.REQUEST_INVALID, "not an OpenID4VP link")
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if "client_id" not in q or ("request_uri" not in q and "request" not in q):
        raise Rejected(R.REQUEST_INVALID, "client_id and request_uri are required")
    return q


def _check_san_dns_host(client_id: str, req: dict[str, Any]) -> None:
    """OpenID4VP 1.0 §5.9.3 ``x509_san_dns``: the client identifier is a dNSName of the access certificate (checked
    with the signature); the host of ``response_uri`` (and of ``redirect_uri``, if any) must be that name, else the
    response could go to someone else (``rp.client_id``)."""
    if not client_id.startswith("x509_san_dns:"):
        return
    name = client_id[len("x509_san_dns:"):].lower()
    for param in ("response_uri", "redirect_uri"):
        if param in req:
            try:
                host = urlsplit(str(req[param])).hostname
            except ValueError:
                host = None
            if host is None or host.lower() != name:
                raise Rejected(TR.RP_CLIENT_ID, f"{param} host differs from the x509_san_dns client id")


STRICT_ENV = "ESSPASS_WALLET_STRICT_VERIFIERS"


def strict_verifiers(wallet: Wallet) -> bool:
    """Refuse verifiers on none of our lists outright (today's behaviour before issue 13)? Yes when
    ``ESSPASS_WALLET_STRICT_VERIFIERS`` is true or the wallet's own setting ``strict_verifiers`` is on; a value of
    the variable that is neither true nor false is a ValueError (never silently lenient)."""
    raw = os.environ.get(STRICT_ENV, "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw not in ("", "0", "false", "no", "off"):
        raise ValueError(f"{STRICT_ENV} must be true or false, not {raw[:20]!r}")
    return bool(wallet.settings().get("strict_verifiers", False))


UNLISTED_CODES = (TR.RP_SIGNATURE.code, TR.RP_REGISTRATION.code)  # what "not on our lists" fails with


def _relying_party(store: TrustStore, token: str, client_id: str, now: int, allow_unregistered: bool) -> RpCheck:
    """trust-lists.md §5; a verifier on none of our lists is ``registered=False`` when ``allow_unregistered`` and
    its request is authentic, else refused as before issue 13 (strict: the ``rp.*`` code, marked
    ``unregistered`` for the history; forged: the ``rp.*`` code of :func:`check_unlisted_relying_party`)."""
    try:
        return check_relying_party(store, token, client_id, None, now)
    except Rejected as exc:
        if exc.code not in UNLISTED_CODES:
            raise
        listed_failure = exc
    rp = check_unlisted_relying_party(token, client_id, now)  # forged or broken: rp.signature / rp.client_id
    if not allow_unregistered:
        listed_failure.unregistered = True  # type: ignore[attr-defined]  # authentic, just not listed: strict said no
        raise listed_failure
    return rp


def fetch_request(uri: str, store: TrustStore, now: int, client: httpx.Client | None = None, *,
                  demo: bool = False, allow_unregistered: bool = False) -> PresentationRequest:
    """Fetch and check the request; raises Rejected (``rp.*`` codes stop everything; a verifier on none of our
    lists is refused (its ``rp.*`` code, ``exc.unregistered``) unless ``allow_unregistered``: then the request carries
    ``registered=False`` and the user decides).

    The request_uri is checked before any request is sent (issue 14, finding 14): https to a public address only,
    loopback only in ``demo`` mode (the wallet on the demo ecosystem), never a private address; the client the
    wallet builds checks the addresses a host name resolves to as well (``netio``)."""
    q = _parse_uri(uri)
    client_id = q["client_id"]
    if "request" in q:  # by value (offline flows): same checks
        token = q["request"]
    else:
        policy = http.request_policy(demo)
        url = http.check_url(q["request_uri"], R.REQUEST_URI_REFUSED, policy)
        own = client or http.new_client(policy)
        try:
            headers = {"Accept": "application/oauth-authz-req+jwt"}
            if q.get("request_uri_method") == "post":  # §5.10.1
                wallet_metadata = {"vp_formats_supported": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"],
                                                                          "kb-jwt_alg_values": ["ES256"]}}}
                resp = http.request(own, "POST", url, fail=R.REQUEST_INVALID, headers=headers, policy=policy,
                                    data={"wallet_metadata": json.dumps(wallet_metadata)})
            else:
                resp = http.request(own, "GET", url, fail=R.REQUEST_INVALID, headers=headers, policy=policy)
        finally:
            if client is None:
                own.close()
        if resp.status_code in (404, 410):  # the verifier no longer has it: used or expired, not "invalid"
            raise Rejected(R.REQUEST_GONE, f"request_uri answered {resp.status_code}")
        if resp.status_code != 200:
            raise Rejected(R.REQUEST_INVALID, f"request_uri answered {resp.status_code}")
        token = resp.text.strip()
    try:
        header = jose.parse_compact(token).header
    except jose.JoseError:
        raise Rejected(R.REQUEST_INVALID, "request object is not a signed JWT") from None
    if header.get("typ") != REQUEST_TYP:
        raise Rejected(R.REQUEST_INVALID, "request object typ")
    rp = _relying_party(store, token, client_id, now, allow_unregistered)  # rp.signature / client_id / registration
    req = rp.request
    if req.get("response_type") != "vp_token":
        raise Rejected(R.REQUEST_INVALID, "response_type must be vp_token")
    if req.get("response_mode") not in ("direct_post.jwt", "direct_post"):
        raise Rejected(R.REQUEST_INVALID, "unsupported response_mode")
    http.check_url(req.get("response_uri"), R.REQUEST_INVALID)
    _check_san_dns_host(client_id, req)
    if not isinstance(req.get("nonce"), str) or not req["nonce"]:
        raise Rejected(R.REQUEST_INVALID, "nonce missing")
    for claim in ("exp",):
        if isinstance(req.get(claim), int) and req[claim] < now:
            raise Rejected(R.REQUEST_INVALID, "request expired")
    if "transaction_data" in req:  # §8.4: MUST return an error when unsupported
        raise Rejected(R.REQUEST_INVALID, "transaction_data is not supported")
    query = dcql.parse_query(req.get("dcql_query"))
    return PresentationRequest(client_id, req, rp, query, store, now)


# ---------------------------------------------------------------- consent


@dataclass
class ConsentItem:
    """One credential query answered by one card. What the user sees and what the history records are the claims
    the selected disclosures *reveal* (``sd_jwt.revealed_paths``), at any depth: asking for one claim inside a
    disclosure that holds several reveals them all, and revealing a claim the relying party is not registered for
    is over-asking, whatever path was asked for (issue 14, finding 2)."""

    query_id: str
    card: Card
    registered: list[tuple]  # requested paths whose disclosures reveal only registered claims: shared by default
    over_asking: list[tuple]  # requested paths beyond the registration or revealing more: only if the user agrees
    candidates: list[str] = field(default_factory=list)  # other matching card ids
    reveals: list[tuple] = field(default_factory=list)  # claims revealed by sharing ``registered``
    reveals_extra: list[tuple] = field(default_factory=list)  # claims revealed only with ``over_asking`` too
    unregistered: list[tuple] = field(default_factory=list)  # revealed claims beyond the registration

    def revealed(self, include_over_asking: bool) -> list[tuple]:
        return self.reveals + (self.reveals_extra if include_over_asking else [])


@dataclass
class Consent:
    request: PresentationRequest
    items: list[ConsentItem]
    missing: list[str]  # query ids no stored credential can answer (optional ones only, else NO_MATCH)

    @property
    def over_asking(self) -> bool:
        return any(i.over_asking for i in self.items) or self.request.rp.over_asking

    @property
    def unregistered(self) -> bool:
        """The verifier is on none of our lists: nothing it asks for is vetted; sharing needs an explicit yes."""
        return not self.request.rp.registered

    def over_asking_paths(self) -> list[tuple[str, tuple]]:
        """(query id, path): requested paths outside the registration, and claims a requested disclosure would
        reveal beyond it."""
        out = [(q, tuple(p)) for q, p in self.request.rp.over_asking_paths]
        for item in self.items:
            out += [(item.query_id, p) for p in item.unregistered if (item.query_id, p) not in out]
        return out

    def paths(self, include_over_asking: bool) -> dict[str, list[tuple]]:
        return {i.query_id: i.registered + (i.over_asking if include_over_asking else []) for i in self.items}

    def revealed(self, include_over_asking: bool) -> dict[str, list[tuple]]:
        return {i.query_id: i.revealed(include_over_asking) for i in self.items}


def authority_key_ids(card: Card, store: TrustStore | None, now: int) -> frozenset[str] | None:
    """OpenID4VP §6.1.1.1: the base64url KeyIdentifiers of the AuthorityKeyIdentifier extensions in the card's
    issuer chain — the certificates its header carries (``x5c``) and the path to the listed anchor the trust
    store builds (also for ``kid`` + ``x5t#S256`` headers). None when the chain cannot be established."""
    from cryptography import x509  # noqa: PLC0415

    from trust_list.issuers import check_issuer_header  # noqa: PLC0415

    if store is None or not card.copies:
        return None
    try:
        jws = jose.parse_compact(card.copies[0].sd_jwt.split("~", 1)[0])
        payload = jws.payload()
        chain = check_issuer_header(store, jws.header, card.vct, int(payload["iat"]), now).chain
    except (Rejected, jose.JoseError, KeyError, TypeError, ValueError):
        return None
    out = set()
    for cert in chain:
        try:
            aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        except x509.ExtensionNotFound:
            continue
        if aki:
            out.add(jose.b64u_encode(aki))
    return frozenset(out)


def _match(request: PresentationRequest, cards: list[Card]) -> dict[str, list[int]]:
    wants_authorities = any(cq.trusted_authorities is not None for cq in request.query.credentials)
    return dcql.match(request.query, [
        (c.vct, c.claims, authority_key_ids(c, request.store, request.at) if wants_authorities else None)
        for c in cards])


def use_of(request: PresentationRequest) -> str:
    """OFFLINE for a request answered by a QR code (docs/offline-presentation.md), else ONLINE."""
    return OFFLINE if request.request.get("response_mode") == OFFLINE_RESPONSE_MODE else ONLINE


def plan(wallet: Wallet, request: PresentationRequest) -> Consent:
    """Match the query to stored cards (with copies left for this use: online, or offline QR) and split registered
    from over-asking paths."""
    use = use_of(request)
    stored = wallet.cards()
    cards = [c for c in stored if c.copies_left_for(use) > 0]
    matches = _match(request, cards)
    if not dcql.satisfied(request.query, matches):
        # a card that would answer but has used all its one-time copies (for this use): say so (ask the issuer
        # again), rather than "you have no such credential"
        used_up = [c for c in stored if c.copies_left_for(use) == 0]
        if used_up and dcql.satisfied(request.query, _match(request, stored)):
            raise Rejected(no_copies_reason(used_up[0], use), ",".join(c.id for c in used_up))
        raise Rejected(R.NO_MATCH)
    items, missing = [], []
    for cq in request.query.credentials:
        idx = matches.get(cq.id) or []
        if not idx:
            missing.append(cq.id)
            continue
        items.append(_item(request, cq, cards[idx[0]], [cards[i].id for i in idx[1:]]))
    return Consent(request, items, missing)


def choose_card(wallet: Wallet, consent: Consent, query_id: str, card_id: str) -> Consent:
    """The person chose another of the matching cards for ``query_id`` (issue 15): the consent with that card,
    its claims and its over-asking split computed afresh. KeyError for a card that is not a candidate."""
    out = []
    for item in consent.items:
        if item.query_id != query_id or item.card.id == card_id:
            out.append(item)
            continue
        if card_id not in item.candidates:
            raise KeyError(card_id)
        cq = next(q for q in consent.request.query.credentials if q.id == query_id)
        others = [c for c in [item.card.id, *item.candidates] if c != card_id]
        out.append(_item(consent.request, cq, wallet.card(card_id), others))
    return Consent(consent.request, out, consent.missing)


def _item(request: PresentationRequest, cq: dcql.CredentialQuery, card: Card, candidates: list[str]) -> ConsentItem:
    over = request.rp.over_asking_paths
    # OpenID4VP 1.0 §6.4.1: the claims of the first claim set this card satisfies (all claims without claim_sets)
    if cq.claims is not None:
        requested = dcql.selected_paths(cq, card.claims) or []
    else:
        requested = [(k,) for k in card.claims]
    beyond = [tuple(p) for q_id, p in over if q_id == cq.id]
    if cq.claims is None and any(q_id == cq.id and tuple(p) == () for q_id, p in over):
        beyond = list(requested)  # "everything" was asked: only what is registered is minimal
        allowed = [tuple(c.get("path", ())) for reg in request.rp.registered_credentials
                   for c in reg.get("claims") or []]
        beyond = dcql.paths_within(requested, allowed)
    registered = [tuple(p) for p in requested if tuple(p) not in beyond]
    return _reveal_split(ConsentItem(cq.id, card, registered, beyond, candidates), cq, request)


def _reveal_split(item: ConsentItem, cq: dcql.CredentialQuery, request: PresentationRequest) -> ConsentItem:
    """Move every requested path whose disclosures would reveal an unregistered claim to ``over_asking``, and
    record what each choice reveals."""
    view = sd_jwt.holder_view(item.card.copies[0].sd_jwt)  # every copy has the same claims and layout
    # a verifier on none of our lists has no registration to compare with: what it asks is what the user says yes
    # or no to, as a whole, under the "not registered" warning (never split as if part of it were vetted)
    allowed = (registered_paths(request.rp.registered_credentials, cq.format, item.card.vct)
               if request.rp.registered else None)

    def outside(paths: list[tuple]) -> list[tuple]:
        if allowed is None:
            return []
        return [p for p in sd_jwt.revealed_paths(view, paths) if not any(path_within(p, a) for a in allowed)]

    keep = [p for p in item.registered if not outside([p])]
    item.over_asking = [p for p in item.registered if p not in keep] + item.over_asking
    item.registered = keep
    item.reveals = sd_jwt.revealed_paths(view, keep)
    everything = sd_jwt.revealed_paths(view, keep + item.over_asking)
    item.reveals_extra = [p for p in everything if p not in item.reveals]
    item.unregistered = outside(keep + item.over_asking)
    return item


def _encryption_key(request: dict[str, Any]) -> tuple[jw_jwk.JWK, dict[str, Any], str]:
    meta = request.get("client_metadata") or {}
    keys = ((meta.get("jwks") or {}).get("keys") or []) if isinstance(meta, dict) else []
    enc_values = meta.get("encrypted_response_enc_values_supported") or ["A128GCM"]  # §8.3 default
    if not isinstance(enc_values, list):
        raise Rejected(R.REQUEST_INVALID, "encrypted_response_enc_values_supported is not a list")
    # HAIP 1.0 §5: a wallet supporting both SHOULD use A256GCM
    enc = next((e for e in PREFERRED_ENC if e in enc_values), None)
    if enc is None:
        raise Rejected(R.REQUEST_INVALID, "no supported enc")
    for k in keys:
        if isinstance(k, dict) and k.get("kty") == "EC" and k.get("crv") == "P-256" and k.get("alg", "ECDH-ES") == "ECDH-ES" \
                and k.get("use", "enc") == "enc" and "d" not in k:
            try:
                jose.jwk_to_public_key(k)
            except jose.JoseError:
                continue
            return jw_jwk.JWK(**k), k, enc
    raise Rejected(R.REQUEST_INVALID, "no usable ECDH-ES P-256 key in client_metadata.jwks")


def encrypt_response(request: dict[str, Any], payload: dict[str, Any]) -> str:
    """§8.3: unsigned JWE, alg ECDH-ES, enc as the verifier supports, kid of the chosen key."""
    key, jwk_dict, enc = _encryption_key(request)
    protected: dict[str, Any] = {"alg": "ECDH-ES", "enc": enc}
    if "kid" in jwk_dict:
        protected["kid"] = jwk_dict["kid"]
    token = jw_jwe.JWE(json.dumps(payload, separators=(",", ":")).encode("utf-8"), protected=json.dumps(protected))
    token.add_recipient(key)
    return token.serialize(compact=True)


@dataclass
class Outcome:
    shared: dict[str, list[str]]  # query id -> dotted paths disclosed
    redirect_uri: str | None  # §8.2: where the wallet must send the user agent (checked), or None
    status_code: int


LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_REDIRECT = 4096


def checked_redirect(value: Any, request: PresentationRequest) -> str | None:
    """§8.2 ``redirect_uri`` from the response endpoint, if it is one the wallet may open: an absolute https URL
    (http only to loopback, the demo), at most 4 KiB; for a verifier not on our lists, only on the host its
    response went to (as §5.9.3 asks of an unvouched verifier's redirect). Anything else is not followed."""
    if not isinstance(value, str) or not value or len(value) > MAX_REDIRECT:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    if not host or parts.scheme not in ("https", "http") or any(c in value for c in "\r\n\t "):
        return None
    if parts.scheme == "http" and host not in LOOPBACK:
        return None
    if not request.registered and host != request.host():
        return None
    return value


def without_fragment(uri: str | None) -> str:
    """What the history keeps of a redirect: the page, not its one-time code (the fragment)."""
    return (uri or "").split("#", 1)[0]


def _dotted(paths: list[tuple]) -> list[str]:
    return [sd_jwt.format_path(p) for p in paths]


def revealed(sd_jwt_text: str, paths: list[tuple]) -> list[tuple]:
    """The claims a presentation of ``paths`` from this SD-JWT reveals, as shared and recorded: every revealed
    claim, a wholly revealed object by its own name (``subject``), a partly revealed one by its claims."""
    view = sd_jwt.holder_view(sd_jwt_text)
    return sd_jwt.collapse_paths(view, sd_jwt.revealed_paths(view, paths))


def _post(client: httpx.Client | None, url: str, form: dict[str, str]) -> netio.Fetched:
    own = client or http.new_client()
    try:
        return http.request(own, "POST", url, fail=R.VERIFIER_REFUSED, data=form)
    finally:
        if client is None:
            own.close()


def respond(wallet: Wallet, consent: Consent, *, include_over_asking: bool = False,
            chosen_cards: dict[str, str] | None = None, client: httpx.Client | None = None,
            accept_unregistered: bool = False) -> Outcome:
    """Build the presentations (one fresh one-time copy each) and post the encrypted response. A verifier on none
    of our lists gets nothing unless ``accept_unregistered`` (the user's explicit yes to the warning)."""
    req = consent.request
    if consent.unregistered and not accept_unregistered:
        _log(wallet, consent, {}, "refused", R.UNREGISTERED.code, False)
        raise Rejected(R.UNREGISTERED, "not confirmed by the user")
    now = wallet.now()
    paths = consent.paths(include_over_asking)
    vp_token: dict[str, list[str]] = {}
    shared: dict[str, list[str]] = {}
    cards_used: list[Card] = []
    try:
        for item in consent.items:
            card_id = (chosen_cards or {}).get(item.query_id, item.card.id)
            copy, key = wallet.take_copy(card_id, ONLINE)
            vp_token[item.query_id] = [sd_jwt.present(copy.sd_jwt, paths[item.query_id], holder_key=key,
                                                      nonce=req.nonce, aud=req.client_id, iat=now)]
            shared[item.query_id] = _dotted(revealed(copy.sd_jwt, paths[item.query_id]))
            cards_used.append(wallet.card(card_id))
        payload: dict[str, Any] = {"vp_token": vp_token}
        if req.state is not None:
            payload["state"] = req.state
        if req.request.get("response_mode") == "direct_post.jwt":
            form = {"response": encrypt_response(req.request, payload)}
        else:
            form = {"vp_token": json.dumps(vp_token)} | ({"state": req.state} if req.state else {})
        resp = _post(client, req.response_uri, form)
        if resp.status_code != 200:
            raise Rejected(R.VERIFIER_REFUSED, f"response_uri answered {resp.status_code}")
        try:
            answer = resp.json() if resp.content else {}
        except ValueError:
            answer = {}
        redirect = checked_redirect(answer.get("redirect_uri") if isinstance(answer, dict) else None, req)
    except Rejected as exc:  # the verifier's "no" is recorded as the verifier's (issue 17)
        _log(wallet, consent, shared, "failed", exc.code, include_over_asking,
             refused_by="verifier" if exc.code == R.VERIFIER_REFUSED.code else "wallet")
        raise
    _log(wallet, consent, shared, "shared", "", include_over_asking, redirect_uri=without_fragment(redirect))
    return Outcome(shared, redirect, resp.status_code)


def decline(wallet: Wallet, consent: Consent, client: httpx.Client | None = None) -> None:
    """§8.5: tell the verifier ``access_denied``; record the refusal."""
    req = consent.request
    form = {"error": "access_denied", "error_description": "The user declined."}
    if req.state:
        form["state"] = req.state
    try:
        _post(client, req.response_uri, form)
    except Rejected:
        pass  # the user's decision stands even if the verifier cannot be told
    _log(wallet, consent, {}, "declined", R.DECLINED.code, False)


def _log(wallet: Wallet, consent: Consent, shared: dict[str, list[str]], outcome: str, reason: str,
         over_agreed: bool, refused_by: str = "", redirect_uri: str = "") -> None:
    req = consent.request
    over = [f"{q}:{sd_jwt.format_path(p)}" for q, p in consent.over_asking_paths()]
    default = R.UNREGISTERED.code if consent.unregistered else ("rp.over_asking" if over else "")
    wallet.log(kind="presentation", party=req.name("en"), party_id=req.client_id,
               credential=",".join(sorted({i.card.vct for i in consent.items})),
               claims=sorted({p for ps in shared.values() for p in ps}), purpose=req.purpose(),
               outcome=outcome, reason=reason or default,
               over_asking=over, card_id=",".join(i.card.id for i in consent.items), refused_by=refused_by,
               unregistered=consent.unregistered, redirect_uri=redirect_uri)


def log_stopped(wallet: Wallet, uri: str, exc: Rejected) -> None:
    """A request stopped before consent (unregistered or unverifiable relying party) is still logged."""
    try:
        q = _parse_uri(uri)
    except Rejected:
        q = {}
    client_id = q.get("client_id", "")
    # issue 17: not the raw "x509_hash:…" client_id as the title: the site that asked, as its address says
    where = urlsplit(q.get("request_uri") or q.get("response_uri") or "").hostname or ""
    wallet.log(kind="presentation", party=where[:80], party_id=client_id[:200], credential="",
               outcome="refused", reason=exc.code,
               refused_by="verifier" if exc.code == R.REQUEST_GONE.code else "wallet",
               unregistered=bool(getattr(exc, "unregistered", False)))
