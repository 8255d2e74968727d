"""Demo data for the inspector: credentials of the demo ecosystem's institutions, the wallet's answer to a request,
Status List Tokens and offline bundles. Used by ``esspass inspect screenshots`` and by tests; never by a real
inspection (a real answer comes from a wallet, a real bundle from ``esspass inspect sync``).

Everything is made with the real building blocks (``credential.sd_jwt_vc.issue_vc`` with the type's disclosure
layout, ``credential.sd_jwt.present`` with the request's nonce and client_id, ``credential.qr_transport``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credential import qr_transport, sd_jwt, sd_jwt_vc, status_list
from credential.dcql import parse_query, preferred_paths
from credential.jose import SigningKey
from credential.types import get_type, sample_claims

from .. import presets as P
from ..sources import Bundle

STATUS_URI = "https://status.udk.esspass.example/lists/1"
DAY = 24 * 3600


@dataclass
class DemoCredential:
    sd_jwt: str  # issuer-signed JWT + all disclosures
    holder: SigningKey | None
    idx: int
    status_uri: str


def issue(eco: Any, kind: str = "pda1", *, now: int, inst: str = "udk", idx: int = 7,
          status_uri: str = STATUS_URI, holder: bool = True, claims: dict[str, Any] | None = None
          ) -> DemoCredential:
    """An A1 (``pda1``) or EHIC (``ehic``) signed with the institution's credential key and ``x5c``, with the type's
    disclosure layout and a status reference; bound to a fresh holder key unless ``holder`` is False (paper)."""
    t = get_type(kind)
    institution = eco.institutions[inst]
    holder_key = SigningKey.generate() if holder else None
    issued = sd_jwt_vc.issue_vc(
        claims if claims is not None else sample_claims(kind), institution.credential_key,
        vct=t.vct, iat=now - 30 * DAY, exp=now + 300 * DAY, sd_paths=t.sd_layout,
        iss=f"https://{inst}.esspass.example",
        holder_jwk=holder_key.public_jwk() if holder_key else None,
        status=sd_jwt_vc.StatusRef(idx, status_uri),
        header={"kid": institution.credential_x5t[:16], "x5t#S256": institution.credential_x5t},
    )
    return DemoCredential(issued.serialize(), holder_key, idx, status_uri)


def present(cred: DemoCredential, preset: str, *, nonce: str, client_id: str, now: int) -> str:
    """The wallet's vp_token for ``preset``: only the disclosures its DCQL query needs, and a KB-JWT."""
    query = parse_query(P.get(preset).dcql_query).credentials[0]
    return sd_jwt.present(cred.sd_jwt, preferred_paths(query), holder_key=cred.holder, nonce=nonce, aud=client_id,
                          iat=now)


def respond(cred: DemoCredential, request_text: str, *, now: int, preset: str | None = None) -> str:
    """What a wallet shows for the ``RQ1:`` request: the ``VP2:`` text, encoded with the request's context."""
    from credential import jose

    claims = jose.parse_compact(qr_transport.decode_request(request_text)).payload()
    nonce, client_id = claims["nonce"], claims["client_id"]
    if preset is None:
        vct = claims["dcql_query"]["credentials"][0]["meta"]["vct_values"][0]
        preset = next(n for n in P.NAMES if P.get(n).vct == vct and
                      P.get(n).dcql_query == claims["dcql_query"])
    vp = present(cred, preset, nonce=nonce, client_id=client_id, now=now)
    return qr_transport.encode_response(vp, nonce=nonce, client_id=client_id)


def paper_copy(cred: DemoCredential) -> str:
    """A paper copy's QR text (as ``issuer.paper``): every disclosure, no KB-JWT."""
    return qr_transport.encode_response(cred.sd_jwt)


def status_token(eco: Any, *, now: int, inst: str = "udk", revoked: dict[int, int] | None = None,
                 uri: str = STATUS_URI, iat: int | None = None, exp: int | None = None, ttl: int | None = 3600,
                 size: int = 1024) -> str:
    institution = eco.institutions[inst]
    lst = status_list.StatusList.new(size, 2)
    for i, v in (revoked or {}).items():
        lst.set(i, v)
    iat = now - 60 if iat is None else iat
    return status_list.create_status_list_token(
        lst, sub=uri, iat=iat, exp=iat + DAY if exp is None else exp, ttl=ttl, key=institution.status_key,
        x5c=institution.status_x5c)


def bundle(eco: Any, *, now: int, fetched_at: int | None = None, revoked: dict[int, int] | None = None,
           status_iat: int | None = None, status_exp: int | None = None, ttl: int | None = 3600,
           uri: str = STATUS_URI, out: Path | None = None) -> Bundle:
    """An offline bundle as ``esspass inspect sync`` would have made it at ``fetched_at`` (default ``now``)."""
    at = now if fetched_at is None else fetched_at
    token = status_token(eco, now=at, revoked=revoked, uri=uri, iat=status_iat, exp=status_exp, ttl=ttl)
    b = Bundle(at, {t: (tok, at) for t, tok in eco.tokens().items()}, {uri: (token, at)})
    if out is not None:
        b.save(out)
    return b
