"""Receiving credentials: an OpenID4VCI 1.0 client for the Pre-Authorized Code Flow.

Section references are to OpenID for Verifiable Credential Issuance 1.0 (final):

* §4.1 Credential Offer by value (``credential_offer``) or by reference (``credential_offer_uri``,
  fetched with GET and answered with the offer as JSON);
* §12.2.2 issuer metadata at ``/.well-known/openid-credential-issuer`` inserted between host and
  path; its ``credential_issuer`` MUST equal the offer's; §12.3 / RFC 8414 authorization server
  metadata for the ``token_endpoint`` (the issuer itself when ``authorization_servers`` is absent);
* §6 Token Request with ``grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code``,
  ``pre-authorized_code`` and ``tx_code`` (anonymous: no ``client_id``);
* §7 Nonce Endpoint (``c_nonce``);
* §8.2 Credential Request with ``proofs: {"jwt": [...]}``, one key proof per fresh P-256 key
  (Appendix F.1: header ``typ: openid4vci-proof+jwt`` with ``jwk``; claims ``aud`` = Credential
  Issuer Identifier, ``iat``, ``nonce``; no ``iss`` in the anonymous pre-authorized flow);
  §8.3 Credential Response ``credentials: [{"credential": ...}]``; batch issuance (§12.2.4
  ``batch_credential_issuance.batch_size``) gives one-time copies, each bound to its own key.
* DPoP (RFC 9449) when the authorization server advertises ES256 in
  ``dpop_signing_alg_values_supported`` (§5.1): a fresh P-256 key per access token, a ``DPoP``
  proof at the token request (§5) and, if the token comes back with ``token_type: DPoP``,
  ``Authorization: DPoP`` with a proof carrying ``ath`` at the credential request (§7.1). An issuer
  without DPoP gets plain Bearer requests as before.

Before anything is stored every credential is checked: issuer trusted for its ``vct`` on the
Pub-EAA list at its ``iat`` (trust-lists.md §4, via ``trust_list.issuers.check_issuer_header``),
signature and disclosures valid (RFC 9901 / SD-JWT VC), bound to the key we generated for it, and
all copies carry the same claims. An untrusted issuer is refused with its ``issuer.*`` reason and
the refusal is written to the history.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

from credential import jose, sd_jwt, sd_jwt_vc
from credential.reasons import Rejected
from trust_list.issuers import check_issuer_header
from trust_list import TrustStore

from . import attestation, http
from . import reasons as R
from .core import OFFLINE, ONLINE, Card, Copy, Wallet, new_id, private_jwk

OFFER_SCHEME = "openid-credential-offer"
EAA_OFFER_SCHEME = "eu-eaa-offer"  # ETSI TS 119 472-3: the same offer parameters under the EAA scheme
HAIP_OFFER_SCHEME = "haip-vci"  # HAIP 1.0 §4.2: a wallet MAY be invoked under this scheme, same parameters
OFFER_SCHEMES = (OFFER_SCHEME, EAA_OFFER_SCHEME, HAIP_OFFER_SCHEME)
PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
DEFAULT_COPIES = 8  # one-time copies asked for per credential (capped by the issuer's batch_size)
MAX_COPIES = 20
# Of those, how many are asked for as compact copies for the offline QR code (kid + x5t#S256 instead of x5c) from an
# issuer that offers it: at most this many and at most half of the batch (docs/offline-presentation.md §1.3)
OFFLINE_COPIES = 3
OFFLINE_COPIES_PARAM = "esspass_offline_copies"  # ESSPASS extension of the Credential Request (OpenID4VCI §8.2)


@dataclass(frozen=True)
class TxCode:
    length: int | None
    input_mode: str
    description: str


@dataclass(frozen=True)
class CredentialOffer:
    credential_issuer: str
    configuration_ids: tuple[str, ...]
    pre_authorized_code: str | None  # None: the offer has only the authorization_code grant
    tx_code: TxCode | None
    issuer_state: str | None = None  # §4.1.1 authorization_code grant (wallet.authorization)


def _offer_from_json(obj: Any) -> CredentialOffer:
    if not isinstance(obj, dict):
        raise Rejected(R.OFFER_INVALID, "offer is not an object")
    issuer = http.check_url(obj.get("credential_issuer"), R.OFFER_INVALID)
    ids = obj.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids) or len(ids) > 10:
        raise Rejected(R.OFFER_INVALID, "credential_configuration_ids")
    grants = obj.get("grants") if isinstance(obj.get("grants"), dict) else {}
    grant = grants.get(PRE_AUTH_GRANT)
    auth = grants.get("authorization_code")
    issuer_state = auth.get("issuer_state") if isinstance(auth, dict) else None
    if issuer_state is not None and (not isinstance(issuer_state, str) or not 0 < len(issuer_state) <= 200):
        raise Rejected(R.OFFER_INVALID, "issuer_state")
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        if isinstance(auth, dict):  # §4.1.1: an offer for the authorization code flow only
            return CredentialOffer(issuer, tuple(ids), None, None, issuer_state)
        raise Rejected(R.OFFER_INVALID, "neither a pre-authorized code nor an authorization code grant")
    tx = grant.get("tx_code")
    tx_code = None
    if isinstance(tx, dict):
        length = tx.get("length") if isinstance(tx.get("length"), int) else None
        tx_code = TxCode(length, str(tx.get("input_mode", "numeric")), str(tx.get("description", ""))[:300])
    return CredentialOffer(issuer, tuple(ids), grant["pre-authorized_code"], tx_code, issuer_state)


def parse_offer(uri: str, client: httpx.Client | None = None) -> CredentialOffer:
    """§4.1: ``openid-credential-offer://?credential_offer=<json>`` or ``?credential_offer_uri=<url>``;
    also under ``eu-eaa-offer://`` (ETSI TS 119 472-3) and ``haip-vci://`` (HAIP 1.0 §4.2)."""
    if not isinstance(uri, str) or len(uri) > 16 * 1024:
        raise Rejected(R.OFFER_INVALID, "missing or too long")
    uri = uri.strip()
    parts = urlsplit(uri)
    if parts.scheme not in (*OFFER_SCHEMES, "https", "http"):
        raise Rejected(R.OFFER_INVALID, "not a credential offer link")
    query = parse_qs(parts.query)
    if "credential_offer" in query:
        try:
            return _offer_from_json(json.loads(query["credential_offer"][0]))
        except ValueError:
            raise Rejected(R.OFFER_INVALID, "credential_offer is not JSON") from None
    if "credential_offer_uri" in query:
        url = http.check_url(query["credential_offer_uri"][0], R.OFFER_INVALID)
        own = client or http.new_client()
        try:
            resp = http.request(own, "GET", url, fail=R.OFFER_INVALID, headers={"Accept": "application/json"})
            if resp.status_code != 200:
                raise Rejected(R.OFFER_INVALID, f"offer URI answered {resp.status_code}")
            return _offer_from_json(http.json_of(resp, R.OFFER_INVALID))
        finally:
            if client is None:
                own.close()
    raise Rejected(R.OFFER_INVALID, "neither credential_offer nor credential_offer_uri")


def well_known(identifier: str, suffix: str) -> str:
    """Insert ``/.well-known/<suffix>`` between host and path (§12.2.2, RFC 8414 §3.1)."""
    p = urlsplit(identifier)
    path = p.path.rstrip("/")
    return urlunsplit((p.scheme, p.netloc, f"/.well-known/{suffix}{path}", "", ""))


@dataclass
class IssuerMetadata:
    raw: dict[str, Any]
    token_endpoint: str
    dpop_algs: tuple[str, ...] = ()  # RFC 9449 §5.1, from the authorization server metadata
    authorization_server: dict[str, Any] | None = None  # RFC 8414 metadata as read (wallet.authorization)

    @property
    def credential_endpoint(self) -> str:
        return self.raw["credential_endpoint"]

    @property
    def nonce_endpoint(self) -> str | None:
        return self.raw.get("nonce_endpoint")

    @property
    def offline_copies_supported(self) -> bool:
        return self.raw.get("esspass_offline_copies_supported") is True

    @property
    def batch_size(self) -> int:
        b = self.raw.get("batch_credential_issuance")
        size = b.get("batch_size") if isinstance(b, dict) else None
        return size if isinstance(size, int) and size >= 2 else 1

    def configuration(self, cid: str) -> dict[str, Any]:
        conf = (self.raw.get("credential_configurations_supported") or {}).get(cid)
        if not isinstance(conf, dict):
            raise Rejected(R.ISSUER_METADATA, f"unknown configuration {cid[:40]!r}")
        return conf

    def display_name(self, lang: str = "en") -> str:
        for d in self.raw.get("display") or []:
            if isinstance(d, dict) and str(d.get("locale", "")).startswith(lang) and d.get("name"):
                return str(d["name"])
        for d in self.raw.get("display") or []:
            if isinstance(d, dict) and d.get("name"):
                return str(d["name"])
        return urlsplit(self.raw.get("credential_issuer", "")).netloc


def fetch_metadata(client: httpx.Client, credential_issuer: str) -> IssuerMetadata:
    resp = http.request(client, "GET", well_known(credential_issuer, "openid-credential-issuer"),
                        fail=R.ISSUER_METADATA, headers={"Accept": "application/json"})
    if resp.status_code != 200:
        raise Rejected(R.ISSUER_METADATA, f"metadata answered {resp.status_code}")
    raw = http.json_of(resp, R.ISSUER_METADATA)
    if raw.get("credential_issuer") != credential_issuer:  # §12.2.2: MUST be identical
        raise Rejected(R.ISSUER_METADATA, "credential_issuer differs from the offer")
    http.check_url(raw.get("credential_endpoint"), R.ISSUER_METADATA)
    if raw.get("nonce_endpoint") is not None:
        http.check_url(raw.get("nonce_endpoint"), R.ISSUER_METADATA)
    servers = raw.get("authorization_servers") or [credential_issuer]
    as_id = http.check_url(servers[0] if isinstance(servers, list) and servers else None, R.ISSUER_METADATA)
    token_endpoint = None
    dpop_algs: tuple[str, ...] = ()
    as_meta: dict[str, Any] | None = None
    for suffix in ("oauth-authorization-server", "openid-configuration"):
        r = http.request(client, "GET", well_known(as_id, suffix), fail=R.ISSUER_METADATA)
        if r.status_code == 200:
            as_meta = http.json_of(r, R.ISSUER_METADATA)
            token_endpoint = as_meta.get("token_endpoint")
            algs = as_meta.get("dpop_signing_alg_values_supported")
            if isinstance(algs, list):
                dpop_algs = tuple(a for a in algs if isinstance(a, str))
            break
    token_endpoint = http.check_url(token_endpoint, R.ISSUER_METADATA)
    return IssuerMetadata(raw, token_endpoint, dpop_algs, as_meta)


def dpop_proof(key: jose.SigningKey, method: str, url: str, iat: int, access_token: str | None = None,
               nonce: str | None = None) -> str:
    """RFC 9449 §4.2 DPoP proof: ``htu`` is the URL without query and fragment; ``ath`` (base64url
    SHA-256 of the access token) when it accompanies one (§7.1); the server's ``nonce`` (§8, §9)."""
    p = urlsplit(url)
    claims: dict[str, Any] = {"jti": secrets.token_urlsafe(18), "htm": method,
                              "htu": urlunsplit((p.scheme, p.netloc, p.path, "", "")), "iat": iat}
    if access_token is not None:
        claims["ath"] = jose.b64u_encode(hashlib.sha256(access_token.encode("ascii")).digest())
    if nonce is not None:
        claims["nonce"] = nonce
    return jose.sign_compact({"typ": "dpop+jwt", "jwk": key.public_jwk()}, claims, key)


@dataclass
class _Auth:
    """How to present the access token: Bearer, or DPoP with the token's own key. ``nonce``: the
    server's latest ``DPoP-Nonce`` (RFC 9449 §8, §9; HAIP 1.0 §4: wallets handle it)."""

    access_token: str | None
    dpop_key: jose.SigningKey | None = None
    nonce: str | None = None

    def headers(self, method: str, url: str, iat: int) -> dict[str, str]:
        if self.dpop_key is None:
            return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        out = {"DPoP": dpop_proof(self.dpop_key, method, url, iat, self.access_token, self.nonce)}
        if self.access_token:
            out["Authorization"] = f"DPoP {self.access_token}"
        return out

    def post(self, client: httpx.Client, url: str, *, fail: R.Reason, now: int,
             extra: Callable[[], dict[str, str]] | None = None, **body: Any):
        """POST with these credentials; after ``use_dpop_nonce`` (400 at the authorization server,
        §8; 401 at the credential endpoint, §9) once more with the nonce the server sent. ``extra``: further
        headers, made anew for each attempt (a Client Attestation PoP's ``jti`` is single use)."""
        for attempt in range(2):
            headers = {**self.headers("POST", url, now), **(extra() if extra else {})}
            resp = http.request(client, "POST", url, fail=fail, headers=headers, **body)
            given = resp.headers.get("dpop-nonce")
            if given and self.dpop_key is not None and len(given) <= 200:
                self.nonce = given
                if attempt == 0 and resp.status_code in (400, 401) and _is_use_dpop_nonce(resp):
                    continue
            return resp
        return resp


def _is_use_dpop_nonce(resp) -> bool:
    if 'error="use_dpop_nonce"' in resp.headers.get("www-authenticate", ""):
        return True
    try:
        return json.loads(resp.content).get("error") == "use_dpop_nonce"
    except (ValueError, AttributeError):
        return False


def key_proof(key: jose.SigningKey, audience: str, nonce: str | None, iat: int,
              key_attestation: str | None = None) -> str:
    """Appendix F.1 ``jwt`` key proof (anonymous pre-authorized flow: no ``iss``), with the key attestation
    that names ``key`` in its JOSE header ``key_attestation`` when there is one (Appendix D, HAIP §4.5.1)."""
    claims: dict[str, Any] = {"aud": audience, "iat": iat}
    if nonce is not None:
        claims["nonce"] = nonce
    header: dict[str, Any] = {"typ": PROOF_TYP, "jwk": key.public_jwk()}
    if key_attestation is not None:
        header["key_attestation"] = key_attestation
    return jose.sign_compact(header, claims, key)


@dataclass
class Received:
    cards: list[Card]
    issuer_name: str


def _verify_credential(token: str, store: TrustStore, expected_vct: str | None, holder_jwk: dict[str, str],
                       now: int) -> tuple[sd_jwt.Verified, str]:
    """Trust, signature, SD-JWT VC rules, holder binding. Returns the verified credential and issuer name."""
    if not isinstance(token, str):
        raise Rejected(R.CREDENTIAL_INVALID, "credential is not a string")
    try:
        jws = jose.parse_compact(token.split("~", 1)[0])
        payload = jws.payload()
    except jose.JoseError as exc:
        raise Rejected(R.CREDENTIAL_INVALID, exc.kind) from None
    vct = payload.get("vct")
    iat = payload.get("iat")
    if not isinstance(vct, str) or (expected_vct and vct != expected_vct):
        raise Rejected(sd_jwt_vc.R_VCT_MISMATCH, "vct differs from the offered configuration")
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise Rejected(R.CREDENTIAL_INVALID, "iat missing")
    trust = check_issuer_header(store, jws.header, vct, iat, now)  # issuer.* reasons
    policy = sd_jwt.VerifyPolicy(now, sd_jwt.KeyBindingPolicy(required=False))
    verified = sd_jwt_vc.verify_vc(token, trust.signing_key, policy, expected_vct=[vct])
    cnf = verified.payload.get("cnf", {}).get("jwk")
    if not isinstance(cnf, dict) or jose.jwk_thumbprint(cnf) != jose.jwk_thumbprint(holder_jwk):
        raise Rejected(R.HOLDER_BINDING, "cnf.jwk is not the key we proved")
    return verified, trust.entity_name


class TxCodeWrong(Rejected):
    """The issuer refused the Transaction Code (OID4VCI 1.0 §6.3 ``invalid_grant``); ``attempts_left`` as the issuer
    said it (``tx_code_attempts_left``, docs/issuer.md), None when it did not say."""

    def __init__(self, attempts_left: int | None, detail: str = "") -> None:
        super().__init__(R.TX_CODE_USED_UP if attempts_left == 0 else R.TX_CODE_WRONG, detail)
        self.attempts_left = attempts_left


# refusals that are the issuer's answer, not a check of the wallet's (for the history: "refused by the issuer")
ISSUER_REFUSALS = frozenset({R.TOKEN_REFUSED.code, R.TX_CODE_WRONG.code, R.TX_CODE_USED_UP.code,
                             R.CREDENTIAL_REFUSED.code})


def token_refusal(body: dict[str, Any], status: int, sent_tx_code: bool) -> Rejected:
    """The refusal for a token error response (OID4VCI 1.0 §6.3, RFC 6749 §5.2). A wrong Transaction Code is
    ``invalid_grant`` after a code was sent; the issuer may say how many tries are left in the extension member
    ``tx_code_attempts_left`` (an integer)."""
    error = body.get("error") if isinstance(body, dict) else None
    detail = f"token endpoint: {str(error or status)[:60]}"
    left = body.get("tx_code_attempts_left") if isinstance(body, dict) else None
    if error == "invalid_grant" and sent_tx_code and isinstance(left, int) and not isinstance(left, bool) \
            and 0 <= left <= 1000:
        return TxCodeWrong(left, detail)
    return Rejected(R.TOKEN_REFUSED, detail)


def receive(
    wallet: Wallet,
    offer_uri: str,
    store: TrustStore,
    *,
    tx_code: str | None = None,
    client: httpx.Client | None = None,
    copies: int = DEFAULT_COPIES,
    new_key: Callable[[], jose.SigningKey] = lambda: jose.SigningKey.generate("P-256"),
    provider: attestation.WalletProviderClient | None = None,
) -> Received:
    """Redeem ``offer_uri`` and store the credentials; every outcome goes to the history. ``provider``: the
    wallet provider that attests this wallet (default ``ESSPASS_WALLET_PROVIDER_URL``, if set)."""
    own = client or http.new_client()
    provider = provider or attestation.configured_provider()
    offer: CredentialOffer | None = None
    meta = None
    try:
        offer = parse_offer(offer_uri, own)
        if offer.pre_authorized_code is None:
            raise Rejected(R.OFFER_INVALID, "this offer needs a login: the authorization code flow")
        if offer.tx_code is not None and not tx_code:
            raise Rejected(R.TX_CODE_REQUIRED)
        meta = fetch_metadata(own, offer.credential_issuer)
        form = {"grant_type": PRE_AUTH_GRANT, "pre-authorized_code": offer.pre_authorized_code}
        if tx_code:
            form["tx_code"] = tx_code
        # RFC 9449: a fresh key per access token when the authorization server supports ES256 DPoP
        dpop = _Auth(None, jose.SigningKey.generate("P-256") if "ES256" in meta.dpop_algs else None)
        # HAIP 1.0 §4.4.1: client authentication with a wallet attestation when the issuer takes one
        attested = attestation.attest_for(meta.authorization_server, provider, own, wallet.now())
        resp = dpop.post(own, meta.token_endpoint, fail=R.TOKEN_REFUSED, now=wallet.now(), data=form,
                         extra=client_auth(attested, meta, wallet))
        if resp.status_code != 200:
            raise token_refusal(http.json_of(resp, R.TOKEN_REFUSED) if resp.content else {}, resp.status_code,
                                tx_code is not None)
        return store_credentials(wallet, own, meta, offer, http.json_of(resp, R.TOKEN_REFUSED), dpop, store,
                                 copies, new_key, provider)
    except Rejected as exc:
        # issue 17: which side refused, with the party's name: the issuer's "no" is not the wallet's
        by = "issuer" if exc.code in ISSUER_REFUSALS else "wallet"
        name = meta.display_name() if meta is not None else (urlsplit(offer.credential_issuer).netloc if offer
                                                             else "")
        wallet.log(kind="issuance", party=name, party_id=(offer.credential_issuer if offer else ""), credential="",
                   outcome="refused", reason=exc.code, refused_by=by)
        raise
    finally:
        if client is None:
            own.close()


def client_auth(attested: attestation.Attested | None, meta: IssuerMetadata, wallet: Wallet
                ) -> Callable[[], dict[str, str]] | None:
    """The attestation headers for a request to the authorization server: the PoP's ``aud`` is its issuer
    identifier (ABCA §5.2), a fresh PoP for every request."""
    if attested is None:
        return None
    audience = str((meta.authorization_server or {}).get("issuer") or meta.raw.get("credential_issuer", ""))
    return lambda: attested.headers(audience, wallet.now())


def store_credentials(wallet: Wallet, client: httpx.Client, meta: IssuerMetadata, offer: CredentialOffer,
                      token: dict[str, Any], dpop: _Auth, store: TrustStore, copies: int,
                      new_key: Callable[[], jose.SigningKey],
                      provider: attestation.WalletProviderClient | None = None) -> Received:
    """After the token response (§6.2): request, check and store the credentials of every offered
    configuration, one batch each, with one access token (§8)."""
    access_token = token.get("access_token")
    if not isinstance(access_token, str):
        raise Rejected(R.TOKEN_REFUSED, "no access_token")
    # RFC 9449 §5: the server may still issue a Bearer token; only a DPoP token_type is bound to the key
    bound = dpop.dpop_key is not None and str(token.get("token_type", "")).lower() == "dpop"
    auth = _Auth(access_token, dpop.dpop_key if bound else None, dpop.nonce)
    identifiers = _credential_identifiers(token)
    n = max(1, min(copies, meta.batch_size, MAX_COPIES))
    cards = []
    issuer_name = meta.display_name()
    for cid in offer.configuration_ids:
        card, issuer_name = _request_one(wallet, client, meta, offer, cid, identifiers.get(cid), auth,
                                         store, n, new_key, provider)
        cards.append(card)
    refresh_token = token.get("refresh_token")
    if bound and isinstance(refresh_token, str) and 0 < len(refresh_token) <= 2000:
        # issue 15: kept (sealed) to fetch new copies later without a new case (wallet.renewal)
        for card in cards:
            card.renewal = {"refresh_token": refresh_token, "dpop_key": private_jwk(dpop.dpop_key)}
    for card in cards:
        wallet.save_card(card)
        wallet.log(kind="issuance", party=card.issuer_name, party_id=card.issuer_id, credential=card.vct,
                   claims=_claim_paths(card.claims), outcome="received", card_id=card.id)
    return Received(cards, issuer_name)


def _credential_identifiers(token: dict[str, Any]) -> dict[str, str]:
    """§6.2: ``authorization_details[].credential_identifiers`` per configuration (first one used)."""
    out: dict[str, str] = {}
    for ad in token.get("authorization_details") or []:
        if isinstance(ad, dict) and isinstance(ad.get("credential_identifiers"), list) and ad["credential_identifiers"]:
            out[str(ad.get("credential_configuration_id"))] = str(ad["credential_identifiers"][0])
    return out


def _request_one(wallet: Wallet, client: httpx.Client, meta: IssuerMetadata, offer: CredentialOffer, cid: str,
                 identifier: str | None, auth: _Auth, store: TrustStore, n: int,
                 new_key: Callable[[], jose.SigningKey],
                 provider: attestation.WalletProviderClient | None = None) -> tuple[Card, str]:
    conf = meta.configuration(cid)
    if conf.get("format") != sd_jwt_vc.TYP:
        raise Rejected(R.ISSUER_METADATA, f"format {str(conf.get('format'))[:30]!r} not supported")
    expected_vct = conf.get("vct")
    nonce = None
    if meta.nonce_endpoint:
        r = http.request(client, "POST", meta.nonce_endpoint, fail=R.CREDENTIAL_REFUSED)
        nonce = http.json_of(r, R.CREDENTIAL_REFUSED).get("c_nonce") if r.status_code == 200 else None
        if not isinstance(nonce, str):
            raise Rejected(R.CREDENTIAL_REFUSED, "no c_nonce")
    keys = [new_key() for _ in range(n)]
    now = wallet.now()
    attested_keys = None
    if attestation.key_attestation_required(conf):  # HAIP 1.0 §4.5.1: all keys in one key attestation
        if provider is None:
            raise Rejected(R.ATTESTATION_NOT_CONFIGURED, "the issuer requires key attestations")
        if nonce is None:
            raise Rejected(R.ISSUER_METADATA, "key attestations required, but no nonce endpoint")
        attested_keys = provider.attest_keys(client, keys, nonce, now)
    body: dict[str, Any] = {"proofs": {"jwt": [key_proof(k, offer.credential_issuer, nonce, now, attested_keys)
                                               for k in keys]}}
    offline = min(OFFLINE_COPIES, n // 2) if meta.offline_copies_supported else 0
    if offline:
        body[OFFLINE_COPIES_PARAM] = offline
    if identifier:
        body["credential_identifier"] = identifier
    else:
        body["credential_configuration_id"] = cid
    r = auth.post(client, meta.credential_endpoint, fail=R.CREDENTIAL_REFUSED, now=now, json=body)
    data = http.json_of(r, R.CREDENTIAL_REFUSED) if r.content else {}
    creds = data.get("credentials") if r.status_code == 200 else None
    if not isinstance(creds, list) or not creds or len(creds) > len(keys):
        raise Rejected(R.CREDENTIAL_REFUSED, f"credential endpoint: {str(data.get('error', r.status_code))[:60]}")
    # Each key binds at most one credential (§8.3); match them by cnf.jwk.
    by_thumb = {jose.jwk_thumbprint(k.public_jwk()): k for k in keys}
    copies: list[Copy] = []
    claims: dict[str, Any] | None = None
    payload: dict[str, Any] = {}
    issuer_name = ""
    for item in creds:
        token = item.get("credential") if isinstance(item, dict) else None
        try:
            cnf = jose.parse_compact(str(token).split("~", 1)[0]).payload().get("cnf", {}).get("jwk")
            key = by_thumb.pop(jose.jwk_thumbprint(cnf))
        except (jose.JoseError, KeyError, AttributeError, TypeError):
            raise Rejected(R.HOLDER_BINDING, "credential not bound to one of our fresh keys") from None
        verified, issuer_name = _verify_credential(token, store, expected_vct, key.public_jwk(), now)
        these = {k: v for k, v in verified.payload.items() if k not in sd_jwt_vc.NEVER_DISCLOSABLE}
        if claims is None:
            claims, payload = these, verified.payload
        elif these != claims:
            raise Rejected(R.CREDENTIAL_INVALID, "copies of the batch carry different claims")
        copies.append(Copy(sd_jwt=token, key=private_jwk(key)))
    assert claims is not None
    _assign_uses(copies)
    vct = payload["vct"]
    try:
        from credential.types import get_type

        type_key = get_type(vct).key
    except KeyError:
        type_key = ""
    status = payload.get("status", {}).get("status_list") if isinstance(payload.get("status"), dict) else None
    card = Card(id=new_id(), vct=vct, type_key=type_key, issuer_id=offer.credential_issuer, issuer_name=issuer_name,
                configuration_id=cid, claims=claims, received_at=now, iat=payload.get("iat"),
                exp=payload.get("exp"), nbf=payload.get("nbf"), status_ref=status, copies=copies,
                type_metadata=None if type_key else type_metadata_of(conf))
    return card, issuer_name


MAX_TYPE_METADATA_BYTES = 64 * 1024


def _assign_uses(copies: list[Copy]) -> None:
    """Which copy is for what, read from the copies themselves (not from the order the issuer answered in): when the
    batch holds both kinds, those with ``x5c`` are for online presentation (HAIP 1.0 §6.1.1) and the compact ones
    (kid + x5t#S256) for the offline QR code; a batch of one kind serves both."""
    with_chain = ["x5c" in jose.parse_compact(c.sd_jwt.split("~", 1)[0]).header for c in copies]
    if any(with_chain) and not all(with_chain):
        for copy, chain in zip(copies, with_chain):
            copy.use = ONLINE if chain else OFFLINE


def type_metadata_of(conf: dict[str, Any]) -> dict[str, Any] | None:
    """``display`` and ``claims`` of a credential configuration, kept with a card of a type we do not define so the
    wallet can label it (issue 16): OpenID4VCI 1.0 §12.2.4 puts them in ``credential_metadata``; earlier drafts (as
    the EUDI reference issuer) in the configuration itself. Only lists are kept, and nothing larger than
    :data:`MAX_TYPE_METADATA_BYTES`; None when there is nothing usable."""
    source = conf.get("credential_metadata") if isinstance(conf.get("credential_metadata"), dict) else conf
    out = {k: source[k] for k in ("display", "claims") if isinstance(source.get(k), list)}
    if not out:
        return None
    try:
        if len(json.dumps(out)) > MAX_TYPE_METADATA_BYTES:
            return None
    except (TypeError, ValueError):
        return None
    return out


def _claim_paths(claims: dict[str, Any]) -> list[str]:
    return sorted(claims)
