"""Trust-list profile v2 (docs/trust-lists-profile.md §2.3) in bundle sync: a bundle holding lists signed as
profile v1 plain JWS moves to the operator's JAdES lists by sequence number, and never back."""

from __future__ import annotations

import json
from pathlib import Path

from credential.jose import b64u_decode, sign_compact
from trust_list import certificates
from trust_list.model import PUB_EAA
from trust_list.operator import prepared_for_signing
from trust_list.validation import LIST_TYP, validate_list
from verifier.bundle_sync import KEPT, UPDATED, merge_bundle
from verifier.sources import Bundle

from tests.verifier.helpers import NOW


def _v1_token(eco, sequence: int, issue: int) -> str:
    """The operator's Pub-EAA list as profile v1 signed it: plain JWS, no StatusDeterminationApproach etc."""
    op = eco.operator
    doc = prepared_for_signing(op.load_draft(PUB_EAA), sequence, issue, issue + 30 * 86400)
    info = doc["LoTE"]["ListAndSchemeInformation"]
    for name in ("StatusDeterminationApproach", "SchemeTypeCommunityRules", "DistributionPoints"):
        info.pop(name, None)
    return sign_compact({"typ": LIST_TYP, "x5c": certificates.x5c_of(op.chain)}, doc, op.key)


def _header(token: str) -> dict:
    return json.loads(b64u_decode(token.split(".")[0]))


def test_v1_bundle_moves_to_jades_and_never_back(tmp_path: Path):
    from trust_list.demo import build_demo_ecosystem

    eco = build_demo_ecosystem(tmp_path / "eco", NOW)
    op = eco.operator
    current = eco.tokens()[PUB_EAA]
    sequence = int(json.loads(b64u_decode(current.split(".")[1]))["LoTE"]["ListAndSchemeInformation"]
                   ["LoTESequenceNumber"])
    assert _header(current)["crit"] == ["sigT"]  # the demo operator signs JAdES now

    v1 = _v1_token(eco, sequence, NOW + 10)
    assert "sigT" not in _header(v1)
    assert validate_list(v1, [op.certificate], PUB_EAA, NOW + 20).signing_time is None  # a valid v1 list
    held = Bundle(NOW + 20, {PUB_EAA: (v1, NOW + 20)}, {})
    jades = op.sign(PUB_EAA, NOW + 30, NOW + 30 * 86400)  # sequence + 1, JAdES
    result = merge_bundle(held, {PUB_EAA: jades}, {}, [], [op.certificate], NOW + 40)
    item = next(i for i in result.items if i.name == PUB_EAA)
    assert item.outcome == UPDATED and result.bundle.trust_lists[PUB_EAA] == (jades.strip(), NOW + 40)

    # a v1 list with a lower sequence number does not replace the JAdES one
    back = merge_bundle(result.bundle, {PUB_EAA: _v1_token(eco, sequence, NOW + 10)}, {}, [],
                        [op.certificate], NOW + 50)
    item = next(i for i in back.items if i.name == PUB_EAA)
    assert item.outcome == KEPT and item.reason == "older"
    assert back.bundle.trust_lists[PUB_EAA] == (jades.strip(), NOW + 40)
