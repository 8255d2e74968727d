"""A restarted issuer serves Status List Tokens for its current URL, ttl and signing certificate."""

from __future__ import annotations

from credential.jose import parse_compact
from issuer.service import IssuerService
from issuer.settings import Settings


def _token_claims(svc: IssuerService) -> dict:
    token, _version, _exp = svc.status_token(1)
    return parse_compact(token).payload()


def test_token_follows_a_new_public_url_and_ttl(tmp_path) -> None:
    first = IssuerService(Settings(home=tmp_path, issuer_url="http://127.0.0.1:9001", status_list_ttl=300))
    assert _token_claims(first)["sub"] == "http://127.0.0.1:9001/status/1"
    first.engine.dispose()

    moved = IssuerService(Settings(home=tmp_path, issuer_url="http://127.0.0.1:9002", status_list_ttl=5))
    claims = _token_claims(moved)
    assert claims["sub"] == "http://127.0.0.1:9002/status/1"  # TSL §8.3: sub = the referenced URI
    assert claims["ttl"] == 5
    moved.engine.dispose()

    # a restart with the same settings keeps the token (no needless re-signing)
    token_before = moved.status_token(1)[0]
    again = IssuerService(Settings(home=tmp_path, issuer_url="http://127.0.0.1:9002", status_list_ttl=5))
    assert again.status_token(1)[0] == token_before
    again.engine.dispose()
