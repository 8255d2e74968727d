"""Without orjson (python-for-android cannot build it) JSON keeps the same strict contract."""

from __future__ import annotations

import json

import pytest

from credential import jose


@pytest.mark.parametrize("loads", [jose._stdlib_loads, jose.json_loads])
def test_strict_json_either_way(loads) -> None:
    assert loads(b'{"a":[1,"\\u00f8"]}') == {"a": [1, "ø"]}
    for bad in (b"[NaN]", b"[Infinity]", b"{", b"\xff\xfe", b"[1,]", b"[" * 5000 + b"]" * 5000):
        with pytest.raises(ValueError):
            loads(bad)


def test_stdlib_dumps_matches_the_compact_form() -> None:
    value = {"b": [1, 2.5, None, True], "ø": "å", "big": 2**70}
    assert json.loads(jose._stdlib_dumps(value)) == value
    assert jose._stdlib_dumps({"a": 1}) == b'{"a":1}'


def test_sd_jwt_round_trip_without_orjson(monkeypatch) -> None:
    from credential import sd_jwt

    monkeypatch.setattr(jose, "json_dumps", jose._stdlib_dumps)
    monkeypatch.setattr(jose, "json_loads", jose._stdlib_loads)
    key = jose.SigningKey.generate()
    issued = sd_jwt.issue({"given_name": "Ana", "nat": ["DK", "PL"]}, key, sd_paths=[("given_name",), ("nat", None)])
    out = sd_jwt.present(issued.serialize(), [("given_name",)])
    policy = sd_jwt.VerifyPolicy(now=0, key_binding=sd_jwt.KeyBindingPolicy(False))
    assert sd_jwt.verify(out, key.public_key(), policy).payload == {"given_name": "Ana", "nat": []}
