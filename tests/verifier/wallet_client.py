"""A minimal test wallet, written from OpenID4VP 1.0 (1.0-final), to drive the verifier service end to end.

§5 request by reference (``openid4vp://?client_id&request_uri``), request object checks of trust-lists.md §5
(through ``trust_list.relying_party``), DCQL §6 claim selection, KB-JWT with ``aud`` = full client_id and the
request's ``nonce`` (§14.1, Appendix B.3.6), response encrypted per §8.3 (ECDH-ES to the ``jwks`` key with its
``kid``, ``enc`` from ``encrypted_response_enc_values_supported`` or A128GCM) and POSTed as ``response=`` (§8.3).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
from jwcrypto import jwe, jwk

from credential import jose, sd_jwt
from trust_list.relying_party import check_relying_party


@dataclass
class Fetched:
    client_id: str
    request: dict[str, Any]
    header: dict[str, Any]


def fetch_request(auth_url: str, client: httpx.Client, store, now: int) -> Fetched:
    parsed = urllib.parse.urlparse(auth_url)
    assert parsed.scheme == "openid4vp"
    params = dict(urllib.parse.parse_qsl(parsed.query))
    r = client.get(params["request_uri"])
    r.raise_for_status()
    assert r.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    token = r.text
    header = jose.parse_compact(token).header
    assert header["typ"] == "oauth-authz-req+jwt"
    rp = check_relying_party(store, token, params["client_id"], None, now, strict=True)
    return Fetched(params["client_id"], rp.request, header)


def encrypt_response(request: dict[str, Any], payload: dict[str, Any]) -> str:
    meta = request["client_metadata"]
    key_json = next(k for k in meta["jwks"]["keys"] if k.get("alg") == "ECDH-ES" and k.get("crv") == "P-256")
    enc = (meta.get("encrypted_response_enc_values_supported") or ["A128GCM"])[0]
    header = {"alg": "ECDH-ES", "enc": enc}
    if "kid" in key_json:
        header["kid"] = key_json["kid"]
    token = jwe.JWE(json.dumps(payload).encode(), protected=json.dumps(header))
    token.add_recipient(jwk.JWK(**{k: v for k, v in key_json.items() if k in ("kty", "crv", "x", "y")}))
    return token.serialize(compact=True)


def build_presentation(fetched: Fetched, credential: str, holder_key, now: int, *, nonce: str | None = None,
                       aud: str | None = None) -> dict[str, Any]:
    query = fetched.request["dcql_query"]["credentials"][0]
    paths = [tuple(c["path"]) for c in query.get("claims", [])]
    pres = sd_jwt.present(credential, paths, holder_key=holder_key, nonce=nonce or fetched.request["nonce"],
                          aud=aud or fetched.client_id, iat=now)
    return {"vp_token": {query["id"]: [pres]}, "state": fetched.request["state"]}


def post_response(fetched: Fetched, client: httpx.Client, payload: dict[str, Any]) -> httpx.Response:
    assert fetched.request["response_mode"] == "direct_post.jwt"
    return client.post(fetched.request["response_uri"], data={"response": encrypt_response(fetched.request, payload)})
