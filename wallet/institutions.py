"""Where a citizen can get a document without an offer (wallet-initiated issuance, OpenID4VCI 1.0 §5 with no
Credential Offer): the institutions of the Pub-EAA list whose Issuance service may sign an A1 or an EHIC, each with
its Credential Issuer URL.

The URL is the Issuance service's ``ServiceSupplyPoints`` (ETSI TS 119 602; our profile puts the Credential
Issuer Identifier there). The generated demo list is signed before any issuer runs, so for a demo ecosystem only
the demo issuers' own note (``trust_list.demo.register_demo_issuer``) fills in what the list does not say.
An institution with no URL is not offered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from trust_list import PUB_EAA, TrustStore
from trust_list import STATUS_WITHDRAWN, SVC_PUBEAA_ISSUANCE

from .trust import is_demo

DEMO_ISSUERS = "issuers.json"  # written by trust_list.demo.register_demo_issuer


@dataclass(frozen=True)
class Institution:
    name: str
    credential_issuer: str  # the Credential Issuer Identifier (https, or http on loopback in the demo)
    vcts: tuple[str, ...]  # the credential types the list lets it sign


def _usable(url: str, demo: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return demo and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _demo_directory(trust_dir: Path | None) -> dict[str, str]:
    if trust_dir is None or not is_demo(trust_dir):
        return {}
    try:
        known = json.loads((Path(trust_dir) / DEMO_ISSUERS).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in known.items() if isinstance(v, str)} if isinstance(known, dict) else {}


def institutions(store: TrustStore, now: int, trust_dir: Path | str | None = None,
                 wanted: tuple[str, ...] = ("urn:eudi:pda1:1", "urn:eudi:ehic:1")) -> list[Institution]:
    """Institutions that may issue one of ``wanted`` now, sorted by name (``list.*`` reasons when the Pub-EAA
    list is not available)."""
    demo = trust_dir is not None and is_demo(trust_dir)
    directory = _demo_directory(Path(trust_dir) if trust_dir is not None else None)
    out = []
    for entity, service in store.require(PUB_EAA, now).lote.services(SVC_PUBEAA_ISSUANCE):
        record = service.record_at(now)
        if record is None or record.status == STATUS_WITHDRAWN:
            continue
        vcts = tuple(v for v in record.credential_types if v in wanted)
        urls = [u for u in record.supply_points if _usable(u, demo)] or (
            [directory[entity.name]] if entity.name in directory and _usable(directory[entity.name], demo) else [])
        if vcts and urls:
            out.append(Institution(entity.name, urls[0], vcts))  # the identifier exactly (OpenID4VCI §12.2.4)
    return sorted(out, key=lambda i: i.name)
