"""Property: what the wallet says a presentation reveals (``sd_jwt.revealed_paths``, issue 14 finding 2) is exactly
what a verifier can read in it — at any depth, for any layout of disclosures and any choice of requested paths."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings, strategies as st

from credential import jose, sd_jwt

KEY = jose.SigningKey.generate()
names = st.sampled_from(["a", "b", "c", "d", "e"])
leaves = st.one_of(st.text(max_size=3), st.integers(0, 9), st.booleans())
trees = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3),
                                                     st.dictionaries(names, inner, min_size=1, max_size=3)),
                     max_leaves=12)
claims_strategy = st.dictionaries(names, trees, min_size=1, max_size=4)


def _nodes(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, (*path, i))
    return out


def _leaves(value: Any, path: tuple = ()) -> set[tuple]:
    if isinstance(value, dict) and value:
        return {leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))}
    if isinstance(value, list) and value:
        return {leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))}
    return {path}


def _sd_path(path: tuple) -> tuple:
    return tuple(None if isinstance(p, int) else p for p in path)  # array elements: every element disclosable


@settings(max_examples=150, deadline=None)
@given(claims_strategy, st.data())
def test_revealed_paths_are_what_the_verifier_reads(claims, data):
    nodes = _nodes(claims)
    layout = sorted({_sd_path(p) for p in data.draw(st.lists(st.sampled_from(nodes), max_size=6))}, key=len)
    issued = sd_jwt.issue(claims, KEY, sd_paths=layout, strict_paths=False).serialize()
    view = sd_jwt.holder_view(issued)
    asked = data.draw(st.lists(st.sampled_from(nodes), max_size=4))
    presentation = sd_jwt.present(issued, asked)
    seen = sd_jwt.holder_view(presentation).processed  # what the verifier can read
    always = sd_jwt.holder_view(sd_jwt.present(issued, [])).processed  # what no disclosure is needed for
    revealed = sd_jwt.revealed_paths(view, asked)
    # the verifier numbers array elements among those disclosed, the holder among all: compare with indices
    # blurred; an object or array emptied by withheld disclosures shows its name, not a claim
    assert _blurred(_real_leaves(seen, view) - _real_leaves(always, view)) == _blurred(revealed)
    # and the collapsed form names exactly the same claims
    collapsed = sd_jwt.collapse_paths(view, revealed)
    assert {leaf for p in collapsed for leaf in _leaves(_get(view.processed, p), p)} == set(revealed)


def _blurred(paths) -> list[tuple]:
    return sorted((tuple("#" if isinstance(x, int) else x for x in p) for p in paths), key=repr)


def _real_leaves(value: Any, view: sd_jwt.HolderView, path: tuple = ()) -> set[tuple]:
    """Leaf paths of a (possibly partial) payload, leaving out containers that are empty only because of
    withheld disclosures (the holder's copy has something there)."""
    if isinstance(value, (dict, list)) and not value:
        return {path} if not _nonempty_for_holder(view, path) else set()
    if isinstance(value, dict):
        return {leaf for k, v in value.items() for leaf in _real_leaves(v, view, (*path, k))}
    if isinstance(value, list):
        return {leaf for i, v in enumerate(value) for leaf in _real_leaves(v, view, (*path, i))}
    return {path}


def _nonempty_for_holder(view: sd_jwt.HolderView, path: tuple) -> bool:
    try:
        return bool(_get(view.processed, path))
    except (KeyError, IndexError, TypeError):
        return True


def _get(value: Any, path: tuple) -> Any:
    for p in path:
        value = value[p]
    return value
