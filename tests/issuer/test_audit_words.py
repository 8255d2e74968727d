"""Issue 15 item 2: the audit log shows each action in words in the reader's language, its code only in the details
line. Every action the issuer writes (found in the source, so a new one cannot be forgotten) has its words in every
catalog (tests/test_catalogs.py checks that every key is in all ten languages)."""

from __future__ import annotations

import ast
from pathlib import Path

from credential.i18n import has

ISSUER = Path(__file__).resolve().parents[2] / "issuer"


def _strings(node: ast.AST) -> list[str]:
    """The action names an ``audit(..., action, ...)`` argument can take: a literal, both sides of a conditional,
    an f-string ``credential.{action}`` over the status actions."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr):
        from issuer.status_lists import ACTIONS

        prefix = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        assert prefix == "credential.", ast.unparse(node)  # the only computed action; any other needs its words here
        return [prefix + a for a in ACTIONS]
    raise AssertionError(f"an audit action that is not a literal: {ast.unparse(node)}")


def audit_actions() -> set[str]:
    found = set()
    for path in ISSUER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "audit"
                    and len(node.args) >= 3):
                found.update(_strings(node.args[2]))
    return found


def test_every_audit_action_has_words():
    actions = audit_actions()
    assert {"case.create", "credential.revoke", "login.failure", "user.enable", "authorize.undecided"} <= actions
    missing = sorted(a for a in actions if not has("issuer.backoffice.audit_" + a.replace(".", "_")))
    assert not missing, missing


def test_the_check_sees_an_action_without_words():
    assert not has("issuer.backoffice.audit_" + "case.shredded".replace(".", "_"))
    assert _strings(ast.parse('"a.b" if x else "c.d"', mode="eval").body) == ["a.b", "c.d"]
