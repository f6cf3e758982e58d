"""The dialogue layer's modules import one another without circles, and never inside a function to dodge one."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "conversations"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in (ROOT / PACKAGE).rglob("*.py") if "migrations" not in path.parts}


def imported(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement names (``from a import b`` names ``a.b`` when that is a module)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        names = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names}
    return {name for name in names if name in MODULES}


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """The package's modules a file imports at its top level, and those it imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {name for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom) for name in imported(node)}
    nested = {
        name
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in imported(node)
    }
    return top, nested


def test_the_scan_sees_the_flows() -> None:
    assert "conversations.flows.onboarding" in MODULES and "conversations.routes" in MODULES
    assert "conversations.flows.onboarding" in imports_of(MODULES["conversations.routes"])[0]


def test_no_import_circle_among_the_modules() -> None:
    graph = {name: imports_of(path)[0] - {name} for name, path in MODULES.items()}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None


def test_no_module_of_the_package_is_imported_inside_a_function() -> None:
    nested = {name: found for name, path in MODULES.items() if (found := imports_of(path)[1])}
    assert nested == {}


SPLITTERS = ("partition", "rpartition", "split")
"""The str methods that take button data apart when called with ``":"``."""


def colon_splits(path: Path) -> list[int]:
    """The lines of a file that split a string at ``":"`` themselves."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SPLITTERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == ":"
    ]


def test_button_data_is_taken_apart_only_in_the_choices_module() -> None:
    """Flows and the adapters read buttons through the declared types of ``conversations/choices.py``."""
    assert colon_splits(ROOT / PACKAGE / "choices.py")  # the scan sees the one module that does it
    files = [*(ROOT / PACKAGE / "flows").glob("*.py"), *(ROOT / "bot").glob("*.py"), ROOT / PACKAGE / "routes.py"]
    found = {str(path.relative_to(ROOT)): lines for path in files if (lines := colon_splits(path))}
    assert not found, f"button data split outside conversations/choices.py: {found}"


STORAGE = f"{PACKAGE}.storage"


def storage_imports(path: Path) -> set[str]:
    """The storage modules a file imports, anywhere in it (``from ..storage import x`` and ``import`` alike)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the file's own package
                package = module_name(path).split(".")[: -node.level]
                base = ".".join([*package, base] if base else package)
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names}
    return {name for name in found if name == STORAGE or name.startswith(f"{STORAGE}.")}


def session_uses(path: Path) -> list[int]:
    """The lines of a file that reach for the turn's session (``turn.session``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "session"
    ]


def test_flows_reach_storage_only_through_the_turn() -> None:
    """No flow imports storage, not even the rows' types, nor touches the session: ``Turn`` and its stores are the way."""
    flows = sorted((ROOT / PACKAGE / "flows").glob("*.py"))
    assert f"{STORAGE}.models" in storage_imports(MODULES["conversations.stores"])  # the scan sees imports of storage
    assert session_uses(ROOT / PACKAGE / "turn.py")  # ... and uses of the session
    imports = {str(path.relative_to(ROOT)): sorted(found) for path in flows if (found := storage_imports(path))}
    assert not imports, f"flows importing storage: {imports}"
    sessions = {str(path.relative_to(ROOT)): lines for path in flows if (lines := session_uses(path))}
    assert not sessions, f"flows using the session: {sessions}"
