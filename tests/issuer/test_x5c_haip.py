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


def _batch(server, w: Wallet, n: int, **extra) -> httpx.Response:
    case = create_case(server, tx_code=False)
    offer = w.resolve_offer(case["offer_uri"])
    meta, as_meta = w.metadata(offer["credential_issuer"])
    access = w.token(as_meta, offer["grants"][PRE_AUTH]["pre-authorized_code"], None).json()["access_token"]
    nonce = w.nonce(meta)
    proofs = [proof_jwt(jose.SigningKey.generate(), aud=server.url, nonce=nonce) for _ in range(n)]
    return w.http.post(meta["credential_endpoint"], headers={"Authorization": f"Bearer {access}"},
                       json={"credential_configuration_id": "pda1_sd_jwt", "proofs": {"jwt": proofs}, **extra})


def _headers(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text
    return [jose.parse_compact(c["credential"].split("~")[0]).header for c in r.json()["credentials"]]


def test_one_batch_holds_x5c_copies_for_online_and_compact_copies_for_offline(server):
    """The default: online copies carry x5c (HAIP 1.0 §6.1.1); the last ``esspass_offline_copies`` of the batch
    are kid + x5t#S256 for the offline QR code (docs/issuer.md). Both kinds resolve to the same listed issuer."""
    w = Wallet()
    assert httpx.get(f"{server.url}/.well-known/openid-credential-issuer").json()[
        "esspass_offline_copies_supported"] is True
    headers = _headers(_batch(server, w, 5, esspass_offline_copies=2))
    assert ["x5c" in h for h in headers] == [True, True, True, False, False]
    assert all(set(h) >= {"kid", "x5t#S256"} and "x5c" not in h for h in headers[3:])
    assert all(not any(certificates.is_self_signed(c) for c in certs(h["x5c"])) for h in headers[:3])
    now = int(time.time())
    store = load_trust_store(server.home / "ecosystem", now)
    names = {check_issuer_header(store, h, "urn:eudi:pda1:1", now, now).entity_name for h in headers}
    assert names == {"Udbetaling Danmark"}
    # a wallet that does not ask (any other OpenID4VCI wallet) gets x5c copies only
    assert all("x5c" in h for h in _headers(_batch(server, w, 3)))
    assert all("x5c" not in h for h in _headers(_batch(server, w, 2, esspass_offline_copies=2)))


def test_offline_copies_parameter_refusals(server):
    w = Wallet()
    for bad in (-1, 4, "1", 1.0, True, None):
        r = _batch(server, w, 3, esspass_offline_copies=bad)
        assert r.status_code == 400 and r.json()["error"] == "invalid_credential_request", (bad, r.text)
        assert "esspass_offline_copies" in r.json()["error_description"]


def test_with_x5t_reference_every_copy_is_compact(tmp_path):
    from issuer.api import create_app
    from issuer.service import IssuerService
    from issuer.settings import Settings
    from tests.support import free_port

    port = free_port()
    settings = Settings(home=tmp_path / "home", issuer_url=f"http://127.0.0.1:{port}", status_list_size=10_000,
                        credential_key_reference="x5t")
    service = IssuerService(settings)
    try:
        with ServerThread(create_app(settings, service), port):
            server = Running(f"http://127.0.0.1:{port}", service, settings, tmp_path / "home")
            assert httpx.get(f"{server.url}/.well-known/openid-credential-issuer").json()[
                "esspass_offline_copies_supported"] is False
            assert all("x5c" not in h for h in _headers(_batch(server, Wallet(), 3, esspass_offline_copies=1)))
    finally:
        service.close()
