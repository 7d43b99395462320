"""A run's per-layer logs, and the fingerprint of what a layer's deployment is made from.

Logs live under `.runs/<env>/` (gitignored; `DR_RUNS_DIR` moves it). Nothing here decides
whether a layer is deployed: that is the state backend's answer (stack_state.py), compared
against `inputs_fingerprint`: the code and settings the layer's program reads plus the outputs
of the layers it reads, so a layer whose upstream publishes different outputs is updated too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shared.config import REPO_ROOT
from shared.orchestrator.backend import layer_dir

# Code every layer program imports; the tooling around the programs is left out, so editing
# the orchestrator or the ops tasks does not make every layer look changed.
PROGRAM_PACKAGES = ("components", "contracts")
SETTINGS_FILES = ("Pulumi.base.yaml", "requirements.txt")


def runs_root() -> Path:
    return Path(os.environ.get("DR_RUNS_DIR") or REPO_ROOT / ".runs")


def log_path(environment: str, layer: str) -> Path:
    return runs_root() / environment / f"{layer}.log"


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _files(layer: str, root: Path | None) -> Iterable[tuple[str, Path]]:
    """(name, path) of what the layer's program reads; names are the same in every checkout."""
    base = root or REPO_ROOT
    paths = [base / name for name in SETTINGS_FILES] + sorted((base / "shared").glob("*.py"))
    for package in PROGRAM_PACKAGES:
        paths += sorted((base / "shared" / package).rglob("*.py"))
    yield from ((str(path.relative_to(base)), path) for path in paths)
    layer_root = layer_dir(layer, root)
    for path in sorted(layer_root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield f"stacks/{layer}/{path.relative_to(layer_root)}", path


def fingerprint(layer: str, root: Path | None = None) -> str:
    """A digest of every file the layer's program reads (its code, shared code, settings)."""
    hasher = hashlib.sha256()
    for name, path in _files(layer, root):
        if path.is_file():
            hasher.update(name.encode())
            hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


def inputs_fingerprint(layer: str, upstream_outputs: Mapping[str, Any], root: Path | None = None) -> str:
    """`fingerprint` of the layer's files together with the outputs it reads from upstream."""
    return digest({"files": fingerprint(layer, root),
                   "upstream": {name: digest(value) for name, value in upstream_outputs.items()}})
