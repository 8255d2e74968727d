"""SD-JWT issue and verify against the ECDSA floor and the reference ``sd-jwt`` package.

- ``verify_vs_ecdsa_floor``: verifying an ``a1-inspection`` presentation (issuer signature,
  disclosures, KB-JWT, SD-JWT VC rules) vs two bare ECDSA P-256 verifies with ``cryptography``.
- ``verify_vs_reference``: the same presentation verified by the reference ``SDJWTVerifier``.
- ``issue_vs_reference``: issuing the A1 with its disclosure layout vs ``SDJWTIssuer``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credential import jose, sd_jwt, sd_jwt_vc
from credential.dcql import PRESETS, parse_query, preferred_paths
from credential.types import get_type, sample_claims

from .timing import compare

NONCE, AUD = "n-0S6_WzA2Mj", "x509_hash:benchmark-verifier"


def _fixture() -> dict[str, Any]:
    now = int(time.time())
    issuer, holder = jose.SigningKey.generate(), jose.SigningKey.generate()
    ctype = get_type("pda1")
    claims = sample_claims("pda1")
    issued = sd_jwt_vc.issue_vc(
        claims, issuer, vct=ctype.vct, iat=now, exp=now + 86400 * 365, iss="https://issuer.example",
        sd_paths=ctype.sd_layout, holder_jwk=holder.public_jwk(),
        status=sd_jwt_vc.StatusRef(7, "https://issuer.example/status/1"),
    )
    paths = preferred_paths(parse_query(PRESETS["a1-inspection"]).credentials[0])
    presentation = sd_jwt.present(
        issued.serialize(), paths, holder_key=holder, nonce=NONCE, aud=AUD, iat=now
    )
    return {"now": now, "issuer": issuer, "holder": holder, "ctype": ctype, "claims": claims,
            "issued": issued, "presentation": presentation}


def _to_reference_claims(claims: Any, layout: list[tuple], path: tuple = ()) -> Any:
    """The same disclosure layout expressed with the reference package's SDObj markers."""
    from sd_jwt.common import SDObj

    def selected(p: tuple) -> bool:
        return any(len(lp) == len(p) and sd_jwt.path_is_prefix(lp, p) for lp in layout)

    if isinstance(claims, dict):
        out = {}
        for k, v in claims.items():
            val = _to_reference_claims(v, layout, (*path, k))
            out[SDObj(k) if selected((*path, k)) else k] = val
        return out
    if isinstance(claims, list):
        return [
            SDObj(_to_reference_claims(v, layout, (*path, i))) if selected((*path, i))
            else _to_reference_claims(v, layout, (*path, i))
            for i, v in enumerate(claims)
        ]
    return claims


def run() -> list[dict]:
    from jwcrypto.jwk import JWK
    from sd_jwt.issuer import SDJWTIssuer
    from sd_jwt.verifier import SDJWTVerifier

    fx = _fixture()
    issuer_pub = fx["issuer"].public_key()
    policy = sd_jwt.VerifyPolicy(
        now=fx["now"], key_binding=sd_jwt.KeyBindingPolicy(True, NONCE, AUD), expected_typ=sd_jwt_vc.TYP
    )
    presentation = fx["presentation"]
    expected_vct = {fx["ctype"].vct}

    def ours_verify() -> None:
        sd_jwt_vc.verify_vc(presentation, issuer_pub, policy, expected_vct=expected_vct)

    # the floor: the two bare ECDSA P-256 verifies this presentation needs (issuer-signed JWT and
    # KB-JWT), over the same signing inputs, with the signatures already in DER
    parts = sd_jwt.parse(presentation)
    issuer_jws, kb_jws = jose.parse_compact(parts.jwt), jose.parse_compact(parts.kb_jwt)
    holder_pub = fx["holder"].public_key()

    def der(jws: jose.CompactJws) -> bytes:
        return encode_dss_signature(int.from_bytes(jws.signature[:32], "big"), int.from_bytes(jws.signature[32:], "big"))

    data1, sig1, data2, sig2 = issuer_jws.signing_input, der(issuer_jws), kb_jws.signing_input, der(kb_jws)

    def floor() -> None:
        issuer_pub.verify(sig1, data1, ec.ECDSA(hashes.SHA256()))
        holder_pub.verify(sig2, data2, ec.ECDSA(hashes.SHA256()))

    issuer_jwk = JWK.from_json(json.dumps(fx["issuer"].public_jwk()))

    def reference_verify() -> None:
        SDJWTVerifier(presentation, lambda iss, header: issuer_jwk, expected_aud=AUD,
                      expected_nonce=NONCE).get_verified_payload()

    # sanity: both verifiers agree on what was disclosed
    ours_payload = sd_jwt_vc.verify_vc(presentation, issuer_pub, policy).payload
    ref_payload = SDJWTVerifier(presentation, lambda iss, header: issuer_jwk, expected_aud=AUD,
                                expected_nonce=NONCE).get_verified_payload()
    if ours_payload != ref_payload:
        raise AssertionError("reference and ESSPASS disagree on the processed payload")

    ctype, claims, now = fx["ctype"], fx["claims"], fx["now"]
    holder_jwk = fx["holder"].public_jwk()
    issuer_key = fx["issuer"]
    full = {"iss": "https://issuer.example", "iat": now, "exp": now + 86400 * 365, "vct": ctype.vct,
            "cnf": {"jwk": holder_jwk}, "status": {"status_list": {"idx": 7, "uri": "https://issuer.example/status/1"}},
            **claims}
    ref_claims = _to_reference_claims(full, list(ctype.sd_layout))
    issuer_jwk_private = JWK.from_pem(issuer_key.to_pem())

    def ours_issue() -> None:
        sd_jwt_vc.issue_vc(claims, issuer_key, vct=ctype.vct, iat=now, exp=now + 86400 * 365,
                           iss="https://issuer.example", sd_paths=ctype.sd_layout, holder_jwk=holder_jwk,
                           status=sd_jwt_vc.StatusRef(7, "https://issuer.example/status/1")).serialize()

    def reference_issue() -> None:
        SDJWTIssuer(ref_claims, issuer_jwk_private, extra_header_parameters={"typ": "dc+sd-jwt"}).sd_jwt_issuance

    return [
        compare("verify_vs_ecdsa_floor", ours_verify, floor, repeat=21, inner=200),
        compare("verify_vs_reference", ours_verify, reference_verify, repeat=11, inner=50),
        compare("issue_vs_reference", ours_issue, reference_issue, repeat=11, inner=50),
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
