"""Ape's per-test snapshot/revert tracks fixtures by *name*: a session fixture in one folder and a
function fixture of the same name in another make it skip the revert, and state leaks from test to
test (seen as campaign ids counting on across tests). So each fixture name has one scope suite-wide."""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def fixture_scopes(source: str) -> list[tuple[str, str]]:
    """(name, scope) of every `@pytest.fixture` in a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            if not ast.unparse(call.func if call else decorator).endswith("fixture"):
                continue
            scope = next((k.value.value for k in (call.keywords if call else []) if k.arg == "scope"), "function")
            found.append((node.name, scope))
    return found


def test_fixture_scopes_are_read_from_decorators():
    source = "@pytest.fixture(scope='session')\ndef a(): ...\n@pytest.fixture\ndef b(): ...\ndef c(): ...\n"
    assert fixture_scopes(source) == [("a", "session"), ("b", "function")]


def test_every_fixture_name_has_one_scope_across_the_suite():
    scopes: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in TESTS.rglob("*.py"):
        for name, scope in fixture_scopes(path.read_text()):
            scopes[name].add((scope, str(path.relative_to(TESTS))))
    clashes = {name: sorted(uses) for name, uses in scopes.items() if len({scope for scope, _ in uses}) > 1}
    assert clashes == {}
