"""The three validity layers: technical (iat/nbf/exp), document, coverage - each state."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from credential import reasons
from credential.types import sample_claims
from credential.validity import Layer, ValidityReport, validity_layers

TODAY = dt.date(2026, 11, 26)
NOW = int(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone.utc).timestamp())
DAY = 86_400


def payload(key="pda1", **changes):
    p = sample_claims(key)
    p.update(
        vct={"pda1": "urn:eudi:pda1:1", "ehic": "urn:eudi:ehic:1"}[key],
        iss="https://issuer.example",
        iat=NOW - 30 * DAY,
        exp=NOW + 300 * DAY,
    )
    for k, v in changes.items():
        if v is None:
            p.pop(k, None)
        else:
            p[k] = v
    return p


def test_all_valid():
    report = validity_layers(payload(), NOW, TODAY)
    assert isinstance(report, ValidityReport)
    assert [layer.name for layer in report.layers] == ["technical", "document", "coverage"]
    assert all(layer.state == "valid" and layer.code is None for layer in report.layers)
    assert report.all_valid and report.codes() == []
    assert report.document.start == "2026-08-20" and report.document.end == "2027-08-31"
    assert report.coverage.start == "2026-09-01" and report.coverage.end == "2027-08-31"
    assert report.technical.end is not None and report.technical.end.endswith("Z")
    assert "Denmark" in report.coverage.en and "Danmark" in report.coverage.da  # the country in words (issue 15)


# ---------------------------------------------------------------------------------- technical
def test_technical_expired():
    report = validity_layers(payload(exp=NOW - 3600), NOW, TODAY)
    assert report.technical.state == "expired" and report.technical.code == "validity.technical_expired"
    # the credential is technically expired while its coverage is still running: the report says which
    assert report.coverage.state == "valid"


def test_technical_exp_boundary_and_skew():
    assert validity_layers(payload(exp=NOW), NOW, TODAY, skew=0).technical.state == "expired"  # "on or after"
    assert validity_layers(payload(exp=NOW + 1), NOW, TODAY, skew=0).technical.state == "valid"
    assert validity_layers(payload(exp=NOW - 30), NOW, TODAY, skew=60).technical.state == "valid"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_technical_not_yet_valid(claim):
    report = validity_layers(payload(**{claim: NOW + 3600}), NOW, TODAY)
    assert report.technical.state == "not_yet_valid"
    assert report.technical.code == "validity.technical_not_yet_valid"
    assert claim in report.technical.en


def test_technical_without_exp_is_valid():
    report = validity_layers(payload(exp=None), NOW, TODAY)
    assert report.technical.state == "valid" and report.technical.end is None


@pytest.mark.parametrize("bad", ["1790000000", True, float("nan"), [1]])
def test_technical_malformed_is_unknown(bad):
    report = validity_layers(payload(exp=bad), NOW, TODAY)
    assert report.technical.state == "unknown" and report.technical.code == "validity.technical_unknown"


# ---------------------------------------------------------------------------------- document
def test_document_expired():
    report = validity_layers(payload(date_of_expiry="2026-11-25"), NOW, TODAY)
    assert report.document.state == "expired" and report.document.code == "validity.document_expired"
    assert "2026-11-25" in report.document.en and "2026-11-25" in report.document.da


def test_document_dates_are_inclusive():
    assert validity_layers(payload(date_of_expiry="2026-11-26"), NOW, TODAY).document.state == "valid"
    assert validity_layers(payload(date_of_issuance="2026-11-26"), NOW, TODAY).document.state == "valid"


def test_document_not_yet_valid():
    report = validity_layers(payload(date_of_issuance="2026-11-27"), NOW, TODAY)
    assert report.document.state == "not_yet_valid"
    assert report.document.code == "validity.document_not_yet_valid"


@pytest.mark.parametrize(
    "changes",
    [{"date_of_issuance": None, "date_of_expiry": None}, {"date_of_expiry": None}, {"date_of_expiry": "2026-02-30"}],
)
def test_document_unknown(changes):
    report = validity_layers(payload(**changes), NOW, TODAY)
    assert report.document.state == "unknown" and report.document.code == "validity.document_unknown"


# ---------------------------------------------------------------------------------- coverage
def test_coverage_ended_a1_message():
    report = validity_layers(payload(starting_date="2026-01-01", ending_date="2026-03-31"), NOW, TODAY)
    cov = report.coverage
    assert cov.state == "expired" and cov.code == "coverage.ended"
    assert cov.en == (
        "The coverage this A1 attests ended on 2026-03-31: on 2026-11-26 the holder is not covered by the "
        "legislation of Denmark under this A1."
    )
    assert cov.da.startswith("Den dækning, som denne A1 dokumenterer, ophørte den 2026-03-31")
    # technically valid, coverage ended: the verifier must be able to say which
    assert report.technical.state == "valid"
    assert report.codes() == ["coverage.ended"]


def test_coverage_not_started():
    report = validity_layers(payload(starting_date="2026-12-01"), NOW, TODAY)
    assert report.coverage.state == "not_yet_valid" and report.coverage.code == "coverage.not_started"
    assert "2026-12-01" in report.coverage.en


def test_coverage_inclusive_boundaries():
    assert validity_layers(payload(starting_date="2026-11-26"), NOW, TODAY).coverage.state == "valid"
    assert validity_layers(payload(ending_date="2026-11-26"), NOW, TODAY).coverage.state == "valid"


@pytest.mark.parametrize(
    "changes",
    [
        {"starting_date": None, "ending_date": None},
        {"ending_date": None},
        {"starting_date": None},  # A1: a posting not yet started is not coverage today
        {"ending_date": "31.08.2027"},
    ],
)
def test_coverage_unknown_a1(changes):
    report = validity_layers(payload(**changes), NOW, TODAY)
    assert report.coverage.state == "unknown" and report.coverage.code == "coverage.unknown"


def test_a1_coverage_presentation_only():
    """What the a1-coverage preset discloses is enough for the coverage layer; the document layer is unknown."""
    p = payload()
    disclosed = {k: p[k] for k in ("vct", "iss", "iat", "exp", "legislation_country", "starting_date", "ending_date")}
    report = validity_layers(disclosed, NOW, TODAY)
    assert report.coverage.state == "valid"
    assert report.document.state == "unknown"


def test_ehic_coverage_on_ending_date_alone():
    """ehic-care asks for ending_date (card field 9) only; the EHIC layer decides on it."""
    p = payload("ehic", starting_date=None, date_of_issuance=None, date_of_expiry=None)
    report = validity_layers(p, NOW, TODAY)
    assert report.coverage.state == "valid"
    assert "EHIC" in report.coverage.en
    ended = validity_layers(payload("ehic", starting_date=None, ending_date="2026-06-30"), NOW, TODAY).coverage
    assert ended.code == "coverage.ended" and "health care" in ended.en and "behandling" in ended.da
    assert validity_layers(payload("ehic", ending_date=None), NOW, TODAY).coverage.state == "unknown"
    assert validity_layers(payload("ehic", starting_date="2026-13-01"), NOW, TODAY).coverage.state == "unknown"


def test_unknown_type_and_garbage_payload():
    report = validity_layers({"starting_date": "2020-01-01", "ending_date": "2021-01-01"}, NOW, TODAY)
    assert report.coverage.code == "coverage.ended" and report.technical.state == "valid"
    report = validity_layers("not a dict", NOW, TODAY)  # type: ignore[arg-type]
    assert report.coverage.state == "unknown" and report.document.state == "unknown"


# ---------------------------------------------------------------------------------- reporting
def test_to_dict_is_json_and_every_code_is_defined():
    report = validity_layers(payload(exp=NOW - 3600, date_of_expiry="2026-01-01", ending_date="2026-02-01"), NOW, TODAY)
    d = json.loads(json.dumps(report.to_dict()))
    assert d["inspection_date"] == "2026-11-26" and d["all_valid"] is False
    assert [layer["state"] for layer in d["layers"]] == ["expired", "expired", "expired"]
    for layer in d["layers"]:
        r = reasons.lookup(layer["code"])
        assert r.en and r.da
        assert layer["message"]["en"] and layer["message"]["da"]
    for code in (
        "validity.technical_expired",
        "validity.technical_not_yet_valid",
        "validity.document_expired",
        "validity.document_not_yet_valid",
        "coverage.ended",
        "coverage.not_started",
        "coverage.unknown",
    ):
        assert reasons.lookup(code).da


def test_layer_is_frozen():
    layer = validity_layers(payload(), NOW, TODAY).coverage
    assert isinstance(layer, Layer)
    with pytest.raises(AttributeError):
        layer.state = "expired"  # type: ignore[misc]
