"""HAIP 1.0 §6.1.1 (SD-JWT VC), §6.1 (Status List Token): the signer's certificate and its chain in
``x5c`` without the trust anchor; the lists anchor it. Against the real issuer on loopback, checked
the way wallets and verifiers check (trust_list.issuers), so leaving the root out loses nothing."""

from __future__ import annotations

import base64
import time

import httpx
from cryptography import x509

from credential import jose
from trust_list import certificates
from trust_list.demo import build_demo_ecosystem
from trust_list.issuers import check_issuer_header, check_status_signer
from wallet.trust import load_trust_store

from .conftest import Running, ServerThread
from .test_oid4vci import create_case
from .wallet_client import PRE_AUTH, Wallet, proof_jwt


def certs(x5c: list[str]) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(base64.b64decode(c)) for c in x5c]


def test_chain_without_anchor_drops_only_self_signed_certificates(tmp_path):
    inst = build_demo_ecosystem(tmp_path / "eco", int(time.time())).institution("DK")
    leaf, root = inst.credential_chain
    assert certificates.is_self_signed(root) and not certificates.is_self_signed(leaf)
    assert certificates.x5c_without_anchor([leaf, root]) == certificates.x5c_of([leaf])
    assert certificates.x5c_without_anchor([root]) == certificates.x5c_of([root])  # never an empty header


def test_credentials_and_status_tokens_carry_x5c_without_the_root(tmp_path):
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from tests.support import free_port

    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000,
                        credential_key_reference="x5c")
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            server = Running(f"http://127.0.0.1:{port}", service, settings, tmp_path / "home")
            case = create_case(server, tx_code=False)
            w = Wallet()
            offer = w.resolve_offer(case["offer_uri"])
            meta, as_meta = w.metadata(offer["credential_issuer"])
            access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
            r = w.credential(meta, access, "pda1_sd_jwt",
                             [proof_jwt(jose.SigningKey.generate(), aud=server.url, nonce=w.nonce(meta))])
            assert r.status_code == 200, r.text
            credential = r.json()["credentials"][0]["credential"]
            header = jose.parse_compact(credential.split("~")[0]).header
            payload = jose.parse_compact(credential.split("~")[0]).payload()
            chain = certs(header["x5c"])
            assert chain and not any(certificates.is_self_signed(c) for c in chain)
            now = int(time.time())
            store = load_trust_store(server.home / "ecosystem", now)
            trust = check_issuer_header(store, header, payload["vct"], payload["iat"], now)
            assert trust.entity_name == "Udbetaling Danmark"  # anchored by the list, not by the header
            status = httpx.get(payload["status"]["status_list"]["uri"]).text
            sheader = jose.parse_compact(status).header
            assert not any(certificates.is_self_signed(c) for c in certs(sheader["x5c"]))
            assert check_status_signer(store, sheader, trust, now, now).entity_name == "Udbetaling Danmark"
            vc_meta = httpx.get(f"{server.url}/.well-known/jwt-vc-issuer").json()
            assert not any(certificates.is_self_signed(c) for c in certs(vc_meta["jwks"]["keys"][0]["x5c"]))
    finally:
        service.close()
