"""A seeded demo ecosystem, generated at run time (no private key is ever checked in).

``build_demo_ecosystem(home, now)`` creates, or reuses when already under ``home``:

- the EU scheme operator and its four signed lists (Pub-EAA, WRPAC, WRPRC, Wallet Providers);
- the Nordic liaison institutions as Pub-EAA providers: Udbetaling Danmark (DK), Försäkringskassan
  (SE), Arbeids- og velferdsdirektoratet / NAV (NO), Kela (FI), Sjúkratryggingar Íslands (IS); each
  has two CAs with separate keys: a credential CA (issues the credential-signing certificate, listed
  in the entity's Issuance service for ``urn:eudi:pda1:1`` and ``urn:eudi:ehic:1``) and a status CA
  (issues the status-list-signing certificate, listed in its Revocation service). A status-signing
  certificate therefore never passes ``check_issuer`` and a credential-signing certificate never
  passes ``check_status_signer``;
- a relying-party access CA (WRPAC list) and a registrar (WRPRC list);
- the ESSPASS wallet provider (Wallet Providers list, TS 119 602): a CA, listed in its
  WalletSolution/Issuance service, and under it the certificate whose key signs Wallet Instance
  Attestations and key attestations (:mod:`esspass.wallet_provider` serves them); homes made before
  this list existed get it, and the provider, at their next start;
- registered relying parties: Arbejdstilsynet (``a1-inspection``), a border police unit and a
  hospital (``ehic-care``), and ``verifier`` for the local verifier service (all three presets).

Lists whose NextUpdate is less than a day away are re-signed with the next sequence number.

Homes made by the earlier layout (one institution CA listed under both Issuance and Revocation) are
detected and migrated in place, as an operator would: each institution gets a status CA, a new
status-signing key and certificate under it (the old key is retired: its certificate, issued by the
credential CA, would still pass ``check_issuer``), and its Revocation service is changed
from ``now`` on to list the status CA (the old state moves to ServiceHistory, never rewritten). The
operator, its key and the sequence numbers stay, so parties' rollback state keeps working, and the
Pub-EAA list is re-signed. Credential keys and certificates are kept.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from rich.table import Table

from credential.jose import SigningKey

from . import certificates
from .model import (
    LIST_TYPES,
    PUB_EAA,
    SVC_PUBEAA_ISSUANCE,
    SVC_PUBEAA_REVOCATION,
    SVC_WALLET_ISSUANCE,
    SVC_WRPAC_ISSUANCE,
    SVC_WRPRC_ISSUANCE,
    WALLET_PROVIDERS,
    WRPAC,
    WRPRC,
    certificate_der_list,
    list_document,
    parse_lote,
)
from .operator import Operator, OperatorError, add_entity, add_service, find_service, update_service
from .relying_party import x509_hash_client_id
from .store import TrustStore, load_trusted_lists
from .tables import lote_table

__all__ = [
    "Ecosystem", "Institution", "RelyingParty", "WalletProvider", "build_demo_ecosystem", "register_demo_issuer",
]

DAY = 24 * 3600
YEAR = 365 * DAY
LIST_VALIDITY = 90 * DAY
OPERATOR_NAME = "European Commission ESSPASS Trust Scheme"
VCTS = ["urn:eudi:pda1:1", "urn:eudi:ehic:1"]
# The EUDI reference issuer's vct values for the same two documents (issue 16, credential.shapes): in the demo,
# Kela's issuance service is listed for them too, as if Kela ran that issuer, so the verifier's reading of that
# shape can be shown and tested; every other institution may issue only ours (issuer.type_not_allowed otherwise).
EUDI_VCTS = ["urn:eu.europa.ec.eudi:pda1:1", "urn:eu.europa.ec.eudi:ehic:1"]
_VCTS_OF = {"kela": VCTS + EUDI_VCTS}

INSTITUTIONS = [
    # (slug, name, country, uri)
    ("udk", "Udbetaling Danmark", "DK", "https://www.borger.dk/udbetaling-danmark"),
    ("fk", "Försäkringskassan", "SE", "https://www.forsakringskassan.se"),
    ("nav", "Arbeids- og velferdsdirektoratet / NAV", "NO", "https://www.nav.no"),
    ("kela", "Kela", "FI", "https://www.kela.fi"),
    ("sjukra", "Sjúkratryggingar Íslands", "IS", "https://www.sjukra.is"),
]

_SUBJECT = [["subject", "familynames"], ["subject", "forenames"], ["subject", "date_of_birth"]]
# shared/specs/credential-types.md, "Presentation presets (DCQL) a verifier offers"
PRESET_CLAIMS: dict[str, tuple[str, list[list[Any]]]] = {
    "a1-inspection": ("urn:eudi:pda1:1", _SUBJECT + [
        ["legislation_country"], ["starting_date"], ["ending_date"], ["status_confirmation"],
        ["employer"], ["work_information"], ["issuing_authority"], ["document_number"]]),
    "a1-coverage": ("urn:eudi:pda1:1", [
        ["legislation_country"], ["starting_date"], ["ending_date"], ["issuing_authority"]]),
    "ehic-care": ("urn:eudi:ehic:1", _SUBJECT + [
        ["personal_administrative_number"], ["issuing_authority"], ["document_number"], ["ending_date"]]),
}

RELYING_PARTIES = [
    # (slug, name, country, dns, organizationIdentifier, presets, purpose)
    ("arbejdstilsynet", "Arbejdstilsynet", "DK", "inspector.at.dk", "NTRDK-10000001", ["a1-inspection"],
     [{"lang": "en", "value": "Inspection of posted workers' social security coverage"},
      {"lang": "da", "value": "Kontrol af udstationerede arbejdstageres socialsikringsdækning"}]),
    ("border-police", "Rigspolitiet, Grænsekontrol", "DK", "border.politi.dk", "NTRDK-10000002",
     ["ehic-care"], [{"lang": "en", "value": "Border check of health insurance entitlement"},
                     {"lang": "da", "value": "Grænsekontrol af ret til sygesikring"}]),
    ("hospital", "Rigshospitalet", "DK", "checkin.rigshospitalet.dk", "NTRDK-10000003", ["ehic-care"],
     [{"lang": "en", "value": "Entitlement to necessary health care during a stay"},
      {"lang": "da", "value": "Ret til nødvendig behandling under et ophold"}]),
    ("verifier", "ESSPASS verifier", "DK", "localhost", None,
     ["a1-inspection", "a1-coverage", "ehic-care"],
     [{"lang": "en", "value": "Checking A1 and EHIC credentials"},
      {"lang": "da", "value": "Kontrol af A1- og EHIC-legitimationer"}]),
]


def _registered(registration: str) -> Any:
    """The ``credentials`` a stored registration certificate (a compact JWS) names; None if it cannot be read."""
    from credential import jose

    try:
        return jose.parse_compact(registration).payload().get("credentials")
    except (jose.JoseError, AttributeError):
        return None


def registration_credentials(presets: list[str]) -> list[dict[str, Any]]:
    """The registration certificate's ``credentials`` (§5) for the given presets.

    Taken from ``credential.dcql.PRESETS`` when that module is present, else from the preset table
    of shared/specs/credential-types.md."""
    try:  # pragma: no cover - depends on the other package's progress
        from credential.dcql import PRESETS  # type: ignore

        out = []
        for preset in presets:
            for q in PRESETS[preset]["credentials"]:
                entry = {"format": q["format"], "meta": q.get("meta", {})}
                entry["claims"] = [{"path": c["path"]} for c in q.get("claims", [])]
                out.append(entry)
        return out
    except Exception:
        pass
    out = []
    for preset in presets:
        vct, paths = PRESET_CLAIMS[preset]
        out.append({"format": "dc+sd-jwt", "meta": {"vct_values": [vct]},
                    "claims": [{"path": p} for p in paths]})
    return out


@dataclass
class Institution:
    slug: str
    name: str
    country: str
    ca_cert: x509.Certificate  # credential CA: listed in the Issuance service
    credential_key: SigningKey
    credential_chain: list[x509.Certificate]
    status_key: SigningKey
    status_chain: list[x509.Certificate]
    status_ca_cert: x509.Certificate  # status CA: listed in the Revocation service

    @property
    def credential_x5c(self) -> list[str]:
        return certificates.x5c_without_anchor(self.credential_chain)  # HAIP 1.0: no trust anchor

    @property
    def credential_x5t(self) -> str:
        """``x5t#S256`` of the credential-signing certificate, which the Issuance service lists
        beside the CA, so a credential may carry ``kid`` + ``x5t#S256`` instead of a full ``x5c``
        (trust-lists.md §4) and still be checked offline: that keeps offline QR codes small."""
        import hashlib

        from credential.jose import b64u_encode

        return b64u_encode(hashlib.sha256(certificates.der(self.credential_chain[0])).digest())

    @property
    def status_x5c(self) -> list[str]:
        return certificates.x5c_without_anchor(self.status_chain)  # HAIP 1.0: no trust anchor


@dataclass
class RelyingParty:
    slug: str
    name: str
    dns_name: str
    presets: list[str]
    access_key: SigningKey
    access_chain: list[x509.Certificate]
    registration_jws: str

    @property
    def access_x5c(self) -> list[str]:
        return certificates.x5c_without_anchor(self.access_chain)  # HAIP 1.0: no trust anchor

    @property
    def client_id(self) -> str:
        return x509_hash_client_id(self.access_chain[0])

    @property
    def verifier_info(self) -> list[dict[str, str]]:
        return [{"format": "registration_cert", "data": self.registration_jws}]


# The demo wallet provider (Wallet Providers list) and the wallet solution it attests: ``WALLET_CLIENT_ID`` is the
# ``sub`` of its Wallet Instance Attestations, shared by every instance (OpenID4VCI 1.0 §15.4.4, HAIP 1.0 §4.4.1)
WALLET_PROVIDER = ("ESSPASS Wallet Provider", "EU", "https://wallet.esspass.eu")
WALLET_SOLUTION = "ESSPASS wallet solution"
WALLET_CLIENT_ID = "esspass-wallet"


@dataclass
class WalletProvider:
    name: str
    ca_cert: x509.Certificate  # listed in the WalletSolution/Issuance service
    attestation_key: SigningKey
    attestation_chain: list[x509.Certificate]  # signer, CA
    client_id: str = WALLET_CLIENT_ID
    wallet_name: str = WALLET_SOLUTION

    @property
    def x5c(self) -> list[str]:
        return certificates.x5c_without_anchor(self.attestation_chain)  # HAIP 1.0 §4.4.1: no trust anchor


@dataclass
class Ecosystem:
    home: Path
    operator: Operator
    institutions: dict[str, Institution] = field(default_factory=dict)
    relying_parties: dict[str, RelyingParty] = field(default_factory=dict)
    wallet_provider: WalletProvider | None = None

    @property
    def operator_cert(self) -> x509.Certificate:
        return self.operator.certificate

    @property
    def operator_cert_path(self) -> Path:
        return self.operator.certificate_path

    @property
    def list_paths(self) -> dict[str, Path]:
        return {t: self.operator.signed_path(t) for t in LIST_TYPES}

    @property
    def pub_eaa_path(self) -> Path:
        return self.operator.signed_path(PUB_EAA)

    @property
    def wrpac_path(self) -> Path:
        return self.operator.signed_path(WRPAC)

    @property
    def wrprc_path(self) -> Path:
        return self.operator.signed_path(WRPRC)

    @property
    def wallet_providers_path(self) -> Path:
        return self.operator.signed_path(WALLET_PROVIDERS)

    def tokens(self) -> dict[str, str]:
        return {t: p.read_text("ascii").strip() for t, p in self.list_paths.items()}

    def institution(self, name_or_slug: str) -> Institution:
        for inst in self.institutions.values():
            if name_or_slug in (inst.slug, inst.name, inst.country):
                return inst
        raise KeyError(name_or_slug)

    def trust_store(self, now: int, state_dir: Path | None = None) -> TrustStore:
        return load_trusted_lists(self.tokens(), [self.operator_cert], now, state_dir)

    def show_table(self, list_type: str = PUB_EAA) -> Table:
        from credential.jose import parse_compact

        document = parse_compact(self.list_paths[list_type].read_text("ascii").strip()).payload()
        return lote_table(parse_lote(document))


def _key(path: Path) -> SigningKey:
    if path.exists():
        return certificates.read_private_key(path)
    key = SigningKey.generate("P-256")
    certificates.write_private_key(path, key)
    return key


def _cert(path: Path, make) -> x509.Certificate:
    if path.exists():
        return certificates.read_certificates(path)[0]
    cert = make()
    certificates.write_certificates(path, [cert])
    return cert


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _institution(home: Path, slug: str, name: str, country: str, now: int) -> Institution:
    d = home / "institutions" / slug
    ca_key = _key(d / "ca-key.pem")
    ca = _cert(d / "ca-cert.pem", lambda: certificates.ca_certificate(
        ca_key, f"{name} Credential CA", country=country, organization=name,
        not_before=now - 30 * DAY, not_after=now + 10 * YEAR))
    cred_key = _key(d / "credential-key.pem")
    cred = _cert(d / "credential-cert.pem", lambda: certificates.end_entity_certificate(
        cred_key, f"{name} credential signing", country=country, organization=name, ca_key=ca_key,
        ca_cert=ca, not_before=now - 30 * DAY, not_after=now + 3 * YEAR))
    status_ca_key = _key(d / "status-ca-key.pem")
    status_ca = _cert(d / "status-ca-cert.pem", lambda: certificates.ca_certificate(
        status_ca_key, f"{name} Status List CA", country=country, organization=name,
        not_before=now - 30 * DAY, not_after=now + 10 * YEAR))
    status_path = d / "status-cert.pem"
    status = certificates.read_certificates(status_path)[0] if status_path.exists() else None
    if status is not None and not _issued_by(status, status_ca):
        # Earlier layout: issued by the credential CA, so that certificate would pass check_issuer.
        # It is public (in old status tokens), so its key is retired and a new one made.
        certificates.write_private_key(d / "status-key.pem", SigningKey.generate("P-256"))
        status = None
    status_key = _key(d / "status-key.pem")
    if status is None:
        status = certificates.end_entity_certificate(
            status_key, f"{name} status list signing", country=country, organization=name,
            ca_key=status_ca_key, ca_cert=status_ca, not_before=now - 30 * DAY, not_after=now + 3 * YEAR)
        certificates.write_certificates(status_path, [status])
    return Institution(slug, name, country, ca, cred_key, [cred, ca], status_key, [status, status_ca],
                       status_ca)


def _wallet_provider(home: Path, now: int) -> WalletProvider:
    name, country, _uri = WALLET_PROVIDER
    d = home / "wallet-provider"
    ca_key = _key(d / "ca-key.pem")
    ca = _cert(d / "ca-cert.pem", lambda: certificates.ca_certificate(
        ca_key, f"{name} CA", country=country, organization=name,
        not_before=now - 30 * DAY, not_after=now + 10 * YEAR))
    key = _key(d / "attestation-key.pem")
    leaf = _cert(d / "attestation-cert.pem", lambda: certificates.end_entity_certificate(
        key, f"{name} attestation signing", country=country, organization=name, ca_key=ca_key, ca_cert=ca,
        not_before=now - 30 * DAY, not_after=now + 3 * YEAR))
    return WalletProvider(name, ca, key, [leaf, ca])


def _list_wallet_provider(operator: Operator, provider: WalletProvider, start: int, now: int, fresh: bool) -> bool:
    """The demo provider on the Wallet Providers list of a fresh home, or of a home made before this list
    existed (its draft is missing). Later the operator's changes (a withdrawal) stand. True when it changed."""
    if not fresh and operator.draft_path(WALLET_PROVIDERS).exists():
        return False
    if not fresh:
        operator.save_draft(list_document(WALLET_PROVIDERS, operator.name, sequence_number=0, issue_time=now,
                                          next_update=now, operator_uri=operator.uri))
    name, country, uri = WALLET_PROVIDER
    operator.change(WALLET_PROVIDERS, add_entity, name, country, uri)
    operator.change(WALLET_PROVIDERS, add_service, name, WALLET_SOLUTION, SVC_WALLET_ISSUANCE,
                    [provider.ca_cert], start)
    return True


def _issuance_service(name: str) -> str:
    return f"{name} credential issuance"


def _revocation_service(name: str) -> str:
    return f"{name} status lists"


def _migrate_services(operator: Operator, eco: Ecosystem, now: int) -> bool:
    """Bring a Pub-EAA draft of the earlier layout to the current one (see the module docstring).

    The earlier layout is recognised by a Revocation service that lists the institution's credential
    CA. True when the draft changed (the list must then be re-signed)."""
    doc = operator.load_draft(PUB_EAA)
    changed = False
    for slug, name, _country, _uri in INSTITUTIONS:
        inst = eco.institutions[slug]
        service_name = _revocation_service(name)
        try:
            info = find_service(doc, name, service_name)["ServiceInformation"]
        except OperatorError:
            continue  # removed by the operator: leave that choice alone
        if certificates.der(inst.ca_cert) not in certificate_der_list(info.get("ServiceDigitalIdentity", {})):
            continue
        certs = [inst.status_ca_cert]
        try:
            doc = update_service(doc, name, service_name, now, certificates=certs)
        except OperatorError:  # ``now`` is not after the current state (clock moved back): regenerate
            info["ServiceDigitalIdentity"] = {"X509Certificates": [{"val": v} for v in certificates.x5c_of(certs)]}
        changed = True
    if changed:
        operator.save_draft(doc)
    return changed


DEMO_ISSUERS = "issuers.json"  # {institution name: Credential Issuer URL} of the demo issuers running on this machine


def register_demo_issuer(home: Path, name: str, url: str) -> None:
    """Note where the demo issuer of institution ``name`` runs. A real Pub-EAA list says it in the Issuance
    service's ServiceSupplyPoints; the demo list is signed before any issuer has a URL, so the demo issuer writes
    it here at start-up and a wallet reads it only from a demo ecosystem (wallet.institutions)."""
    home = Path(home)
    with _exclusive(home / ".lock"):
        path = home / DEMO_ISSUERS
        try:
            known = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        known[name] = url
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1, ensure_ascii=False), "utf-8")
        tmp.replace(path)


def build_demo_ecosystem(home: Path, now: int) -> Ecosystem:
    """Create (or reuse) the demo ecosystem under ``home``; see the module docstring.

    The issuer, the verifier and the wallet each call this at start-up, often at the same moment on
    a fresh home: an exclusive lock on ``home/.lock`` makes one build it and the others reuse it."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    with _exclusive(home / ".lock"):
        return _build_demo_ecosystem(home, now)


@contextmanager
def _exclusive(path: Path):
    import fcntl  # POSIX; the demo ecosystem is a server-side and desktop convenience

    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build_demo_ecosystem(home: Path, now: int) -> Ecosystem:
    op_home = home / "operator"
    fresh = not (op_home / "operator.json").exists()
    operator = Operator.create(op_home, OPERATOR_NAME, now - 30 * DAY) if fresh else Operator.open(op_home)
    eco = Ecosystem(home, operator)
    start = now - 30 * DAY

    for slug, name, country, _uri in INSTITUTIONS:
        eco.institutions[slug] = _institution(home, slug, name, country, now)

    wrpac_key = _key(home / "wrpac" / "ca-key.pem")
    wrpac_ca = _cert(home / "wrpac" / "ca-cert.pem", lambda: certificates.ca_certificate(
        wrpac_key, "ESSPASS Relying Party Access CA", country="EU", organization="ESSPASS Access CA",
        not_before=start, not_after=now + 10 * YEAR))
    registrar_key = _key(home / "registrar" / "key.pem")
    registrar = _cert(home / "registrar" / "cert.pem", lambda: certificates.issue_certificate(
        certificates.name("ESSPASS Relying Party Registrar", country="EU", organization="ESSPASS Registrar"),
        registrar_key, issuer_key=registrar_key, issuer_cert=None, not_before=start,
        not_after=now + 5 * YEAR))

    for slug, name, country, dns, org_id, presets, purpose in RELYING_PARTIES:
        d = home / "relying-parties" / slug
        key = _key(d / "access-key.pem")
        access = _cert(d / "access-cert.pem", lambda: certificates.access_certificate(
            key, dns_name=dns, organization=name, country=country, organization_identifier=org_id,
            ca_key=wrpac_key, ca_cert=wrpac_ca, not_before=start, not_after=now + 3 * YEAR))
        reg_path = d / "registration.jwt"
        registration = reg_path.read_text("ascii").strip() if reg_path.exists() else None
        if registration is not None and _registered(registration) != registration_credentials(presets):
            registration = None  # made for earlier presets (e.g. before their claim_sets, issue 16): make it anew
        if registration is None:
            registration = certificates.registration_certificate(
                registrar_key, [registrar], sub=org_id or dns, name=name, purpose=purpose,
                credentials=registration_credentials(presets), iat=now - DAY, exp=now + 360 * DAY)
            certificates.atomic_write(reg_path, registration.encode("ascii"))
        eco.relying_parties[slug] = RelyingParty(slug, name, dns, presets, key, [access, wrpac_ca], registration)

    if fresh:
        for slug, name, country, uri in INSTITUTIONS:
            inst = eco.institutions[slug]
            operator.change(PUB_EAA, add_entity, name, country, uri)
            # the signing leaf is listed too, so x5t#S256 headers resolve without an x5c (§4)
            operator.change(PUB_EAA, add_service, name, _issuance_service(name), SVC_PUBEAA_ISSUANCE,
                            [inst.ca_cert, inst.credential_chain[0]], start,
                            credential_types=_VCTS_OF.get(slug, VCTS))
            operator.change(PUB_EAA, add_service, name, _revocation_service(name), SVC_PUBEAA_REVOCATION,
                            [inst.status_ca_cert], start)
        operator.change(WRPAC, add_entity, "ESSPASS Access CA", "EU", "https://trust.esspass.eu/wrpac")
        operator.change(WRPAC, add_service, "ESSPASS Access CA", "Relying party access certificates",
                        SVC_WRPAC_ISSUANCE, [wrpac_ca], start)
        operator.change(WRPRC, add_entity, "ESSPASS Registrar", "EU", "https://trust.esspass.eu/wrprc")
        operator.change(WRPRC, add_service, "ESSPASS Registrar", "Relying party registration certificates",
                        SVC_WRPRC_ISSUANCE, [registrar], start)
    eco.wallet_provider = _wallet_provider(home, now)
    migrated = () if fresh else ((PUB_EAA,) if _migrate_services(operator, eco, now) else ())
    if _list_wallet_provider(operator, eco.wallet_provider, start, now, fresh):
        migrated = (*migrated, WALLET_PROVIDERS)
    for list_type in LIST_TYPES:
        path = operator.signed_path(list_type)
        if (list_type in migrated or not path.exists() or _next_update(path) < now + DAY
                or _issue_time(path) > now):
            operator.sign(list_type, now, now + LIST_VALIDITY)
    certificates.atomic_write(home / "ecosystem.json", json.dumps({
        "demo": True,  # a generated demo ecosystem: wallets on it may reach services on loopback
        "operator_cert": "operator/operator-cert.pem",
        "lists": {t: str(p.relative_to(home)) for t, p in eco.list_paths.items()},
        "institutions": {s: n for s, n, _, _ in INSTITUTIONS},
        "relying_parties": {r[0]: r[1] for r in RELYING_PARTIES},
        "wallet_provider": {"name": WALLET_PROVIDER[0], "client_id": WALLET_CLIENT_ID},
    }, indent=1, ensure_ascii=False).encode("utf-8"))
    return eco


def _lote_of(path: Path):
    from credential.jose import parse_compact

    return parse_lote(parse_compact(path.read_text("ascii").strip()).payload())


def _next_update(path: Path) -> int:
    return _lote_of(path).next_update


def _issue_time(path: Path) -> int:
    return _lote_of(path).issue_time
