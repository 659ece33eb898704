"""The rooms stay rooms: each package imports only what docs/architecture.md allows."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "scanner"

# room -> prefixes it must not import
FORBIDDEN = {
    "model": ["scanner.collect", "scanner.ingest", "scanner.graph", "scanner.classify",
              "scanner.plan", "scanner.report", "scanner.store", "scanner.pipeline",
              "scanner.privacy", "scanner.cli", "networkx", "scapy", "psutil", "sqlparse", "click", "yaml", "jinja2",
              "graphviz"],
    "collect": ["scanner.ingest", "scanner.graph", "scanner.classify", "scanner.plan",
                "scanner.report", "scanner.store", "scanner.pipeline", "networkx", "click"],
    "ingest": ["scanner.collect", "scanner.classify", "scanner.plan", "scanner.report", "networkx",
               "click"],
    "graph": ["scanner.collect", "scanner.classify", "scanner.plan", "scanner.report", "click"],
    "classify": ["scanner.collect", "scanner.plan", "scanner.report", "scanner.store", "click"],
    "plan": ["scanner.collect", "scanner.classify", "scanner.report", "scanner.store", "click"],
    "report": ["scanner.collect", "scanner.classify", "scanner.plan", "click"],
}
# (room, module) pairs allowed despite FORBIDDEN, each with its reason
ALLOWED = {
    # plan.json carries message ids and parameters; the report renders them in its own
    # language from the planner's catalogue, which imports nothing of the planner
    ("report", "scanner.plan.messages"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = "scanner." + ".".join(path.relative_to(PKG).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
    return found


def _modules():
    for room in FORBIDDEN:
        for path in sorted((PKG / room).rglob("*.py")):
            yield room, path


@pytest.mark.parametrize("room, path", list(_modules()), ids=lambda v: str(v).split("scanner/")[-1])
def test_room_imports(room, path):
    bad = sorted(m for m in _imports(path) if (room, m) not in ALLOWED
                 for f in FORBIDDEN[room] if m == f or m.startswith(f + "."))
    assert not bad, f"{path.relative_to(PKG)} imports {bad}"


def test_model_is_stdlib_only():
    for path in sorted((PKG / "model").rglob("*.py")):
        for mod in _imports(path):
            top = mod.split(".")[0]
            assert top in sys.stdlib_module_names or mod.startswith("scanner.model") or top == "__future__", \
                f"{path.name} imports {mod}"


def test_only_the_cli_prints_or_exits():
    for path in sorted(PKG.rglob("*.py")):
        if path.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else (
                    f"{getattr(f.value, 'id', '')}.{f.attr}" if isinstance(f, ast.Attribute) else "")
                assert name not in ("print", "sys.exit", "exit", "click.echo"), \
                    f"{path.relative_to(PKG)}:{node.lineno} calls {name}"


def test_entity_ids_are_built_in_one_place():
    """No f-string builds an id prefix outside model/ids.py."""
    for path in sorted(PKG.rglob("*.py")):
        if path.name == "ids.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                assert not head.startswith(("host:", "svc:", "db:", "ext:", "group:", "wave:")), \
                    f"{path.relative_to(PKG)}:{node.lineno} builds an id by hand"


def test_the_plan_message_catalogue_imports_nothing_of_the_planner():
    """The report may import scanner.plan.messages only because it stands alone."""
    found = _imports(PKG / "plan" / "messages.py")
    assert not [m for m in found if m.startswith("scanner.")], found

