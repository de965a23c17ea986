"""Every action the code records in the audit log has a label (registered by the app that
records it with accounts.audit.register_labels), so the audit log never shows a raw key."""
import ast
from pathlib import Path

import sciweek
from sciweek.accounts.audit import ACTION_LABELS

ROOT = Path(sciweek.__file__).resolve().parent


def recorded_actions():
    """(action, where) for every call of audit.record outside the tests; a non-literal action
    is reported as such, since it could not be checked."""
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name != "record" or (isinstance(func, ast.Attribute) and ast.unparse(func.value) != "audit"):
                continue
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "action"), None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            yield (arg.value if isinstance(arg, ast.Constant) else f"<not a literal: {ast.unparse(arg)}>"), where


def test_the_scan_finds_the_known_call_sites():
    actions = {action for action, _ in recorded_actions()}
    assert {"login.succeeded", "invitation.created", "organization.created", "campaign.updated"} <= actions


def test_every_recorded_action_has_a_label():
    missing = [(action, where) for action, where in recorded_actions() if action not in ACTION_LABELS]
    assert missing == []
