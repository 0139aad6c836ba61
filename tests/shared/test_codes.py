"""shared/codes.py lists every code the server answers: read from sync/ and server/ here.

A code used in the code and missing from the registry fails these tests, so it cannot reach a
device without words (tests/pwa/codes.test.mjs holds the registry to the PWA's locales).
What counts as a code, by how the code base makes one:

- ``MutationRejected("<code>", …)`` and ``MutationResult(error="<code>")``: a rejected mutation;
- ``conflict(ctx, kind="<kind>", …)``: a conflict kind;
- ``code = "<code>"`` in a class (an error class), ``code="<code>"`` given to a call
  (``ErrorBody``), ``code`` assigned a string, the values of ``_CODES`` in server/error_responses.py, and a
  dict with ``code`` and ``message`` (an error body built by hand): an HTTP error code;
- of those, the ones in sync/errors.py, server/error_responses.py and the ones the same-origin
  and session guards and the sync routes raise (classes of sync/ or server/, read by name): a
  code a sync request can get;
- ``Bad("<code>", …)`` and ``.fail(column, "<code>", …)`` in the importer: a spreadsheet cell.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import codes

ROOT = Path(__file__).resolve().parents[2]
# What answers a sync request besides the engine: the same-origin and session guards, the routes.
SYNC_FRONT = (
    "server/auth/same_origin.py",
    "server/auth/principal.py",
    "server/auth/sessions.py",
    "server/syncapi/controller.py",
)


def sources(*folders: str) -> Iterator[tuple[str, ast.Module]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def text(node: ast.AST | None) -> list[str]:
    """The strings an expression can be: a constant, or either side of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return text(node.body) + text(node.orelse)
    return []


def error_classes() -> dict[str, str]:
    """Every class of sync/ and server/ with a ``code = "…"``: its name → its code."""
    codes = {}
    for _, tree in sources("sync", "server"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                    if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                        for code in text(stmt.value):
                            codes[node.name] = code
    return codes


def http_codes_in(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    found.update(text(stmt.value))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "code":
                    found.update(text(kw.value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "code":
                    found.update(text(node.value))
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(t, ast.Name) and t.id == "code":
                            found.update(text(v))
                elif isinstance(target, ast.Name) and target.id == "_CODES":
                    assert isinstance(node.value, ast.Dict)
                    for v in node.value.values:
                        found.update(text(v))
            # code = _CODES.get(status, "error" if status < 500 else "internal_error")
            value = node.value
            named_code = any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets)
            if named_code and isinstance(value, ast.Call) and called(value) == "get":
                found.update(text(value.args[-1]))
        elif isinstance(node, ast.Dict):
            keys = {
                k.value: v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant)
            }
            if "code" in keys and "message" in keys:
                found.update(text(keys["code"]))
    return found


def reject_codes() -> set[str]:
    found = set()
    for _, tree in sources("sync", "server"):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if called(node) == "MutationRejected":
                assert node.args and text(node.args[0]), (
                    f"a rejection without a literal code: {ast.unparse(node)}"
                )
                found.update(text(node.args[0]))
            if called(node) == "MutationResult":
                for kw in node.keywords:
                    if kw.arg == "error":
                        found.update(text(kw.value))
    return found


def conflict_kinds() -> set[str]:
    found = set()
    for path, tree in sources("sync", "server"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) == "conflict":
                kinds = [text(kw.value) for kw in node.keywords if kw.arg == "kind"]
                assert kinds and kinds[0], (
                    f"{path}:{node.lineno}: a conflict without a literal kind"
                )
                found.update(kinds[0])
    return found


def http_codes() -> set[str]:
    found = set()
    for _, tree in sources("sync", "server"):
        found |= http_codes_in(tree)
    return found


def sync_codes() -> set[str]:
    classes = error_classes()
    found = set()
    for path, tree in sources("sync", "server"):
        if path in ("sync/errors.py", "server/error_responses.py"):
            found |= http_codes_in(tree)
        if path in SYNC_FRONT:
            for node in ast.walk(tree):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    name = called(node.exc)
                    if name in classes:
                        found.add(classes[name])
    return found


def import_cell_codes() -> set[str]:
    found = set()
    for _, tree in sources("server/admin"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) == "Bad" and node.args:
                found.update(text(node.args[0]))
            if isinstance(node, ast.Call) and called(node) == "fail" and len(node.args) >= 2:
                found.update(text(node.args[1]))
    return found


SCANS = {
    "reject": reject_codes,
    "conflict_kind": conflict_kinds,
    "sync_error": sync_codes,
    "http_error": http_codes,
    "import_cell": import_cell_codes,
}


@pytest.mark.parametrize("name", sorted(codes.WORDS))
def test_every_code_the_server_uses_is_listed(name: str) -> None:
    prefix, listed = codes.WORDS[name]
    used = SCANS[name]()
    assert used, f"the scan for {name} found nothing: it no longer reads the code right"
    missing = sorted(used - set(listed))
    assert not missing, (
        f"codes used in sync/ or server/ missing from shared/codes.py ({name}): {missing}; "
        f"list them, and give them words ({prefix}<code>) in pwa/js/locales/"
    )


@pytest.mark.parametrize("name", sorted(codes.WORDS))
def test_the_lists_are_sorted_and_have_no_repeats(name: str) -> None:
    _, listed = codes.WORDS[name]
    assert list(listed) == sorted(set(listed))


def test_the_scan_sees_a_new_code() -> None:
    """The scan is not vacuous: a rejection, a kind and an error class it has never seen."""
    tree = ast.parse(
        "class Nope(SyncError):\n    code = 'brand_new'\n"
        "raise MutationRejected('brand_new_reject', 'x')\n"
        "await conflict(ctx, kind='brand_new_kind')\n"
    )
    assert "brand_new" in http_codes_in(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert [text(c.args[0]) for c in calls if called(c) == "MutationRejected"] == [
        ["brand_new_reject"]
    ]
    assert [text(kw.value) for c in calls for kw in c.keywords if kw.arg == "kind"] == [
        ["brand_new_kind"]
    ]


def test_the_registry_is_exported() -> None:
    from shared.export import vocabulary

    exported = vocabulary()["codes"]
    assert exported["reject"] == {"prefix": "reject.", "codes": list(codes.REJECT_CODES)}
    assert set(exported) == set(codes.WORDS)
