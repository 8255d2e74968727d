"""The pure rules of the authorization code flow (issuer.authz): PAR parameters (RFC 9126 §2.1,
OID4VCI §5.1), PKCE S256 (RFC 7636 §4.6), redirects with iss (RFC 9207), DPoP-Nonce values
(RFC 9449 §8). The parser is fuzzed: any form gives a checked request or an AuthzError, never more."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings, strategies as st

from credential import jose
from issuer import authz

SCOPES = {"pda1_sd_jwt": "pda1_sd_jwt", "ehic_sd_jwt": "ehic_sd_jwt"}
ISS = "https://issuer.example"
CHALLENGE = jose.b64u_encode(hashlib.sha256(b"v" * 43).digest())
GOOD = {"response_type": "code", "client_id": "w", "redirect_uri": "https://wallet.example/cb",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256", "scope": "pda1_sd_jwt"}


def check(form, jkt=None):
    return authz.check_pushed_request(form, scopes=SCOPES, issuer=ISS, dpop_jkt=jkt)


def test_good_request_and_its_variants():
    r = check(GOOD)
    assert (r.configuration_id, r.requested_by, r.dpop_jkt) == ("pda1_sd_jwt", "scope", None)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "ehic_sd_jwt",
                           "locations": [ISS]}])
    r = check({k: v for k, v in {**GOOD, "authorization_details": details}.items() if k != "scope"}, "j" * 43)
    assert (r.configuration_id, r.requested_by, r.dpop_jkt) == ("ehic_sd_jwt", "authorization_details", "j" * 43)
    assert check({**GOOD, "redirect_uri": "eu.esspass.wallet:/cb"}).redirect_uri == "eu.esspass.wallet:/cb"


@pytest.mark.parametrize("change,error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"scope": "pda1_sd_jwt ehic_sd_jwt"}, "invalid_scope"),
    ({"scope": "unknown"}, "invalid_scope"),
    ({"redirect_uri": "https://wallet.example/cb#frag"}, "invalid_request"),
    ({"redirect_uri": "http://wallet.example/cb"}, "invalid_request"),
    ({"redirect_uri": "javascript:alert(1)"}, "invalid_request"),
    ({"authorization_details": "[{\"type\":\"openid_credential\",\"credential_configuration_id\":\"ehic_sd_jwt\"}]"},
     "invalid_request"),  # scope and details disagree
    ({"authorization_details": "[{\"type\":\"openid_credential\",\"credential_configuration_id\":\"pda1_sd_jwt\","
                               "\"locations\":[\"https://other.example\"]}]"}, "invalid_authorization_details"),
    ({"authorization_details": "{}"}, "invalid_authorization_details"),
    ({"dpop_jkt": "not-a-thumbprint"}, "invalid_request"),
    ({"request": "eyJ.x.y"}, "request_not_supported"),
])
def test_refusals(change, error):
    with pytest.raises(authz.AuthzError) as e:
        check({**GOOD, **change})
    assert e.value.code == error


def test_dpop_jkt_must_match_the_proof():
    with pytest.raises(authz.AuthzError) as e:
        check({**GOOD, "dpop_jkt": "a" * 43}, "b" * 43)
    assert e.value.code == "invalid_dpop_proof"


def test_pkce_s256():
    v = "v" * 43
    assert authz.pkce_matches(v, CHALLENGE)
    assert not authz.pkce_matches("w" * 43, CHALLENGE)
    assert not authz.pkce_matches("v" * 42, jose.b64u_encode(hashlib.sha256(b"v" * 42).digest()))  # §4.1: 43+
    assert not authz.pkce_matches(None, CHALLENGE)


def test_redirect_keeps_query_and_adds_iss():
    url = authz.authorization_response("https://w.example/cb?x=1", code="c", state="s", issuer=ISS)
    assert url == "https://w.example/cb?x=1&code=c&state=s&iss=https%3A%2F%2Fissuer.example"
    assert "state" not in authz.authorization_response("https://w.example/cb", code="c", state=None, issuer=ISS)


def test_dpop_nonce_lifetime_and_secret():
    secret, ttl = b"k" * 32, 60
    n = authz.dpop_nonce(secret, 1000, ttl)
    assert authz.dpop_nonce_fresh(secret, n, 1000, ttl) and authz.dpop_nonce_fresh(secret, n, 1000 + ttl, ttl)
    assert not authz.dpop_nonce_fresh(secret, n, 1000 + 2 * ttl, ttl)  # two slots later: stale
    assert not authz.dpop_nonce_fresh(b"x" * 32, n, 1000, ttl)  # another secret
    assert not authz.dpop_nonce_fresh(secret, None, 1000, ttl) and not authz.dpop_nonce_fresh(secret, 5, 1000, ttl)


_text = st.text(max_size=60) | st.sampled_from(list(GOOD.values()) + ["S256", "code", "[]", "{}", "pda1_sd_jwt"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(authz.PAR_PARAMS) + ["request_uri", "x"]), _text, max_size=10),
       st.booleans())
def test_parser_never_raises_anything_else(form, start_good):
    if start_good:
        form = {**GOOD, **form}
    try:
        r = check(form)
    except authz.AuthzError as exc:
        assert exc.code and exc.description.isascii()
        return
    assert r.configuration_id in SCOPES and r.code_challenge == form["code_challenge"]
