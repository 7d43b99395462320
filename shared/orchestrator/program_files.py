"""The files a layer's program loads under `pulumi up`: what its deployment is made from.

The modules it imports, followed from its `__main__.py` through every `import` into this
repository (the layer's own folder and the `shared` package, each package's `__init__.py`
included), plus the data files some of those modules read while the program runs. The
generated `stacks/<layer>/Pulumi.<env>.yaml` is not among them: Pulumi rewrites it
(`encryptionsalt` on `stack select --create`), so runs.py fingerprints its config values.
tests/orchestrator/test_program_files.py runs each program offline, records every file of the
repository it imports or opens, and fails when one is missing here.
"""

from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Iterator
from pathlib import Path

# Data files a module reads when a program runs (not imports): module -> files, from the root.
# The authority module of the compute handlers is packaged into the recovery layer's action
# functions (shared/components/region_actions.py); the drill cache is a literal of the compute
# handlers, read from its source (shared/ops/drills/drill_flag.py).
READS: dict[str, tuple[str, ...]] = {
    "shared/config.py": ("Pulumi.base.yaml",),
    "shared/components/region_actions.py": ("stacks/compute/handlers/authority.py",),
    "shared/ops/drills/drill_flag.py": ("stacks/compute/handlers/drill.py",),
}
PACKAGE = "shared"
# One ast.parse at a time: CPython 3.11 keeps the AST constructor's recursion depth in state the
# whole interpreter shares, and parses in two threads (deploy-all reads layers ahead while others
# deploy) can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905).
_PARSING = threading.Lock()


def program_files(layer: str, folder: Path, root: Path) -> list[tuple[str, Path]]:
    """(name, path) of every file the program in `folder` loads, sorted; names are the same in
    every checkout (`stacks/<layer>/...`, `shared/...`), paths where the files are."""
    found = {f"stacks/{layer}/{path.relative_to(folder)}": path for path in _layer_files(folder)}
    pending = [folder / "__main__.py"]
    seen: set[Path] = set()
    while pending:
        module = pending.pop()
        if module in seen or not module.is_file():
            continue
        seen.add(module)
        inside = folder if module.is_relative_to(folder) else root
        name = str(module.relative_to(inside))
        found[f"stacks/{layer}/{name}" if inside == folder else name] = module
        found.update({read: root / read for read in READS.get(name, ())})
        pending.extend(_imported(module, root, folder))
    return sorted(found.items())


def _layer_files(folder: Path) -> Iterator[Path]:
    """The layer folder's files (handlers packaged as assets included) but its stack files."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.parent == folder and path.name.startswith("Pulumi.") and path.name != "Pulumi.yaml":
            continue
        yield path


def _imported(module: Path, root: Path, folder: Path) -> Iterator[Path]:
    """The repository files `module` imports: packages' `__init__.py` first, then the module."""
    for dotted in _import_names(module, root):
        parts = dotted.split(".")
        # A program imports modules beside it (its folder is on sys.path) or the shared package.
        base = root if parts[0] == PACKAGE else folder
        for depth in range(1, len(parts) + 1):
            stem = base.joinpath(*parts[:depth])
            yield stem / "__init__.py"
            yield stem.with_suffix(".py")


def _import_names(module: Path, root: Path) -> tuple[str, ...]:
    stat = module.stat()
    return _parsed(module, root, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _parsed(module: Path, root: Path, mtime: int, size: int) -> tuple[str, ...]:
    """Import names of `module` as of that modification time and size (parsed once per edit)."""
    text = module.read_text(encoding="utf-8")
    with _PARSING:
        tree = ast.parse(text)
    package = ".".join(module.relative_to(root).parent.parts) if module.is_relative_to(root) else ""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            names.append(base)
            # `from shared.ops import fence` imports the module shared/ops/fence.py
            names += [f"{base}.{alias.name}" for alias in node.names]
    return tuple(name for name in names if name)
