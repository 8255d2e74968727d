"""Credentials, status lists and presentations for the verifier tests, made with the real building blocks
(credential core, demo trust ecosystem). Times are fixed: the demo claims are valid on 2026-11-26."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credential import sd_jwt, sd_jwt_vc, status_list
from credential.jose import SigningKey
from credential.types import get_type, sample_claims
from trust_list.demo import Ecosystem, build_demo_ecosystem

NOW = calendar.timegm(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone.utc).timetuple())
STATUS_URI = "https://status.example.test/udk/1"


@dataclass
class Issued:
    sd_jwt: str
    holder: SigningKey
    vct: str
    idx: int
    status_uri: str | None


def issue(eco: Ecosystem, kind: str = "pda1", *, inst: str = "udk", iat: int = NOW - 3600,
          exp: int | None = NOW + 365 * 86400, claims: dict[str, Any] | None = None, idx: int = 7,
          status_uri: str | None = STATUS_URI, holder: bool = True, key: SigningKey | None = None,
          x5c: list[str] | None = None, vct: str | None = None, typ: str = sd_jwt_vc.TYP,
          sd_paths: list[tuple] | None = None) -> Issued:
    t = get_type(kind)
    institution = eco.institutions[inst]
    holder_key = SigningKey.generate()
    issued = sd_jwt_vc.issue_vc(
        claims if claims is not None else sample_claims(kind),
        key or institution.credential_key,
        vct=vct or t.vct, iat=iat, exp=exp, sd_paths=t.sd_layout if sd_paths is None else sd_paths,
        iss=f"https://{inst}.example.test",
        holder_jwk=holder_key.public_jwk() if holder else None,
        status=sd_jwt_vc.StatusRef(idx, status_uri) if status_uri else None,
        header={"x5c": x5c if x5c is not None else institution.credential_x5c},
        typ=typ,
    )
    return Issued(issued.serialize(), holder_key, vct or t.vct, idx, status_uri)


def present(cred: Issued, paths, *, nonce: str | None = "n-1", aud: str | None = "x509_hash:aud",
            iat: int = NOW, kb: bool = True) -> str:
    if not kb:
        return sd_jwt.present(cred.sd_jwt, paths)
    return sd_jwt.present(cred.sd_jwt, paths, holder_key=cred.holder, nonce=nonce, aud=aud, iat=iat)


def status_token(eco: Ecosystem, *, inst: str = "udk", revoked: dict[int, int] | None = None,
                 uri: str = STATUS_URI, iat: int = NOW - 60, exp: int | None = NOW + 86400,
                 ttl: int | None = 600, key: SigningKey | None = None, size: int = 1024) -> str:
    institution = eco.institutions[inst]
    lst = status_list.StatusList.new(size, 2)
    for i, v in (revoked or {}).items():
        lst.set(i, v)
    return status_list.create_status_list_token(
        lst, sub=uri, iat=iat, exp=exp, ttl=ttl, key=key or institution.status_key, x5c=institution.status_x5c)


def ecosystem(home: Path) -> Ecosystem:
    return build_demo_ecosystem(home, NOW)


def offline_inspection_world(tmp: Path):
    """The demo ecosystem, an A1 at status index 5, and three offline bundles for the inspector app: fresh (2 h
    old), revoked (index 5, 10 min old) and stale (3 days old)."""
    from verifier.ui import demo

    eco = build_demo_ecosystem(tmp / "home" / "ecosystem", NOW)
    cred = demo.issue(eco, "pda1", now=NOW, idx=5)
    bundles = {}
    for name, kw in (("fresh", {"now": NOW - 7200}), ("revoked", {"now": NOW - 600, "revoked": {5: 1}}),
                     ("stale", {"now": NOW - 3 * 86400})):
        bundles[name] = tmp / f"{name}.json"
        demo.bundle(eco, out=bundles[name], **kw)
    return eco, cred, bundles
