"""Labels for the claims of credentials of the other shapes (issue 16, item 4): a wallet shows an EUDI reference
issuer's or DC4EU's A1/EHIC with the labels of the type metadata it received with the credential when there are
any, else with our labels through the mapping of ``credential.shapes`` (docs/credential-model.md §4).

Pure: the type metadata is passed in. It may be SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc §8:
``claims[].path`` and ``display[].label`` with ``locale``, or ``lang`` in earlier drafts as DC4EU's issuer writes
it) or the ``credential_metadata`` of an OpenID4VCI 1.0 credential configuration (§12.2.4 and Appendix A:
``claims[].display[].name`` with ``locale``; the EUDI issuer puts ``claims`` and ``display`` in the configuration
itself, as drafts did). Paths are compared by their names: array indices and ``null``/``"*"`` wildcards are
ignored, as a wallet lists claims per array, not per element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from credential import shapes

__all__ = ["FOREIGN_PATHS", "claim_label", "our_path", "type_name"]

_HOLDER = {
    ("family_name",): ("familynames",), ("given_name",): ("forenames",), ("birth_date",): ("date_of_birth",),
}
_INSTITUTION = {("institution_id",): ("id",), ("institution_name",): ("name",)}


def _under(prefix_theirs: tuple[str, ...], prefix_ours: tuple[str, ...],
           members: Mapping[tuple[str, ...], tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    out = {prefix_theirs: prefix_ours}
    out.update({prefix_theirs + k: prefix_ours + v for k, v in members.items()})
    return out


# Their claim path (names only) -> ours (credential.shapes's table, docs/credential-model.md §4), per shape.
FOREIGN_PATHS: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    shapes.SHAPE_EUDI: {
        **_under(("credential_holder",), ("subject",), _HOLDER),
        **_under(("subject",), ("subject",), _HOLDER),
        **_under(("competent_institution",), ("authentic_source",), _INSTITUTION),
        ("social_security_pin",): ("personal_administrative_number",),
        ("document_id",): ("document_number",),
        ("issuance_date",): ("date_of_issuance",),
        ("expiry_date",): ("date_of_expiry",),
        ("issuing_authority",): ("issuing_authority",),
        ("issuing_country",): ("issuing_country",),
        ("starting_date",): ("starting_date",),
        ("ending_date",): ("ending_date",),
        ("status_confirmation",): ("status_confirmation",),
        ("legislation", "member_state"): ("legislation_country",),
        ("legislation", "starting_date"): ("starting_date",),
        ("legislation", "ending_date"): ("ending_date",),
        ("legislation", "transitional_rules"): ("transitional_rules",),
        **_under(("employment_details",), ("employer",), {
            ("employment_type",): ("type",), ("employer_id",): ("id",), ("name",): ("name",),
            ("country_code",): ("country",)}),
        ("places_of_work",): ("work_information",),
        **_under(("places_of_work", "place_of_work"), ("work_information", "work_address"), {
            ("company",): ("company_name",), ("company_id",): ("company_id",),
            ("flag_base_home_state",): ("flag_base_home",), ("street",): ("street_address",),
            ("town",): ("locality",), ("postal_code",): ("postal_code",), ("country_code",): ("country",)}),
        ("places_of_work", "no_fixed_place", "country_code"): ("work_information", "no_fixed_place_of_work"),
    },
    shapes.SHAPE_DC4EU: {
        **_under(("work_address",), ("work_information", "work_address"), {
            ("building_number",): ("house_number",), **{(n,): (n,) for n in (
                "formatted", "street_address", "postal_code", "locality", "region", "country")}}),
    },
}
_VCT_SHAPE = {shapes.EUDI_PDA1: shapes.SHAPE_EUDI, shapes.EUDI_EHIC: shapes.SHAPE_EUDI}


def _names(path: Sequence[Any]) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str) and p != "*")


def our_path(vct: str, path: Sequence[Any]) -> tuple[str, ...] | None:
    """Our claim path (names only) for ``path`` of a credential of type ``vct``; the same path for our own names (DC4EU
    uses most of them), None for a path with no equivalent."""
    names = _names(path)
    model = shapes.VCT_MODEL.get(vct)
    if model is None:
        return None
    shape = _VCT_SHAPE.get(vct)
    if shape is not None:
        return FOREIGN_PATHS[shape].get(names)
    return FOREIGN_PATHS[shapes.SHAPE_DC4EU].get(names, names)


def _pick(displays: Any, lang: str, key: str) -> str | None:
    if not isinstance(displays, list):
        return None
    tag = (lang or "en").replace("_", "-").lower()
    by: dict[str, str] = {}
    for d in displays:
        if isinstance(d, dict) and isinstance(d.get(key), str) and d[key]:
            locale = str(d.get("locale", d.get("lang", ""))).lower()
            by.setdefault(locale, d[key])
            by.setdefault(locale.split("-")[0], d[key])
    for candidate in (tag, tag.split("-")[0], "en"):
        if candidate in by:
            return by[candidate]
    return next(iter(by.values()), None)


def claim_label(vct: str, path: Sequence[Any], lang: str = "en", type_metadata: Mapping[str, Any] | None = None
                ) -> str | None:
    """The label of ``path`` in ``lang``: from ``type_metadata`` when it labels that path, else ours through the
    mapping; None when neither knows it (the caller shows the claim name)."""
    names = _names(path)
    claims = type_metadata.get("claims") if isinstance(type_metadata, Mapping) else None
    if isinstance(claims, list):
        for entry in claims:
            if isinstance(entry, dict) and isinstance(entry.get("path"), list) and _names(entry["path"]) == names:
                found = _pick(entry.get("display"), lang, "label") or _pick(entry.get("display"), lang, "name")
                if found:
                    return found
    ours = our_path(vct, names)
    if ours is None:
        return None
    from credential.types import claim_label as our_label, get_type

    ctype = get_type(shapes.VCT_MODEL[vct])
    for entry in ctype.metadata.get("claims", []):  # our metadata's path for these names (with its array wildcards)
        if _names(entry.get("path", [])) == ours:
            return our_label(ctype, entry["path"], lang)
    return None


def type_name(vct: str, lang: str = "en", type_metadata: Mapping[str, Any] | None = None) -> str | None:
    """The document's name: from ``type_metadata`` (``display[].name``) when present, else our type's."""
    if isinstance(type_metadata, Mapping):
        found = _pick(type_metadata.get("display"), lang, "name")
        if found:
            return found
    model = shapes.VCT_MODEL.get(vct)
    if model is None:
        return None
    from credential.types import get_type

    meta = get_type(model).metadata
    return _pick(meta.get("display"), lang, "name") or meta.get("name")
