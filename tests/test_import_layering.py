"""The house stays enterable: no import cycle anywhere in the tree, and shared/ops is layered in
one direction (aws <- engines <- drills; aws <- maintenance), as docs/architecture/ops.md draws it.

Every import counts, including those inside functions and under TYPE_CHECKING: a cycle hidden in
a function is still two modules that cannot be understood (or split) one without the other."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The Lambda handlers run from their zip, importing each other as top-level modules.
HANDLER_DIRS = sorted(ROOT.glob("stacks/*/handlers"))


def module_files() -> dict[str, Path]:
    found = {"tasks": ROOT / "tasks.py"}
    for path in sorted((ROOT / "shared").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    for folder in HANDLER_DIRS:
        for path in sorted(folder.glob("*.py")):
            found[f"{folder.parent.name}:{path.stem}"] = path
    return found


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules `name` imports, resolved to the most specific module that exists."""
    handler_dir = name.split(":")[0] + ":" if ":" in name else None
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]).strip(".")
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            if handler_dir and f"{handler_dir}{target}" in modules:
                yield f"{handler_dir}{target}"
                continue
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: set(imported(name, path, modules)) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_tree_has_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import() -> None:
    # What the test above relies on: a cycle closed by an import inside a function is found.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# What each ops sub-package may import from shared.ops; everything else in shared is open to it.
OPS_LAYERS = {
    "shared.ops.aws": {"shared.ops.aws"},
    "shared.ops.engines": {"shared.ops.aws", "shared.ops.engines"},
    "shared.ops.drills": {"shared.ops.aws", "shared.ops.engines", "shared.ops.drills"},
    "shared.ops.maintenance": {"shared.ops.aws", "shared.ops.maintenance"},
}


@pytest.mark.parametrize("package", sorted(OPS_LAYERS))
def test_ops_sub_packages_import_in_one_direction(package: str) -> None:
    allowed = OPS_LAYERS[package]
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items() if module.startswith(package + ".")
        for target in targets
        if target.startswith("shared.ops.") and not any(target.startswith(p + ".") for p in allowed))
    assert wrong == []


def test_every_ops_module_sits_in_a_sub_package_and_stays_readable() -> None:
    loose = sorted(p.name for p in (ROOT / "shared/ops").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    long = sorted(f"{p.relative_to(ROOT)}: {n}" for p in (ROOT / "shared/ops").rglob("*.py")
                  if (n := len(p.read_text().splitlines())) > 300)
    assert long == []
