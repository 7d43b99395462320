"""Layer plans kept by what they are made of, so an unchanged layer is not planned twice.

A layer's offline plan is deterministic: the files its program loads (program_files.py, proved
complete by tests/stacks/test_as_pulumi_up.py), the offline runtime and fakes (shared/plan),
the SDK and provider versions, its environment, stack config and default region, and the
outputs of the layers it reads. The key hashes all of them; an entry is that layer's LayerRun.
`invoke plan` and `plan --compare` (both revisions) share the cache, so a pull request that
touches one layer re-plans that layer and what reads its changed outputs, nothing else.
Entries live under `.runs/plan-cache/` (gitignored; DR_PLAN_CACHE moves it); deleting the
folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from shared.config import REPO_ROOT, runs_root
from shared.orchestrator.program_files import program_files
from shared.orchestrator.runs import SDKS
from shared.plan.runtime import LayerRun, StackOutputs

FORMAT = 1  # bump when LayerRun changes shape
PLAN_CODE = Path(__file__).parent


def cache_dir() -> Path:
    configured = os.environ.get("DR_PLAN_CACHE")
    if configured:
        return Path(configured)
    return runs_root() / "plan-cache"


@cache
def toolchain() -> str:
    """The SDK and provider versions a plan was made with (they shape every resource's inputs)."""
    found = []
    for name in SDKS:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ",".join(found)


def layer_key(layer: str, folder: Path, environment: str, config: dict[str, Any],
              upstream: dict[str, StackOutputs], default_region: str) -> str:
    hasher = hashlib.sha256(f"{FORMAT}|{toolchain()}|{environment}|{default_region}|".encode())
    plan_code = [(str(path.relative_to(PLAN_CODE)), path) for path in sorted(PLAN_CODE.rglob("*"))
                 if path.is_file() and "__pycache__" not in path.parts]
    for name, path in [*program_files(layer, folder, REPO_ROOT), *plan_code]:
        if path.is_file():
            hasher.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    hasher.update(json.dumps(config, sort_keys=True, default=str).encode())
    hasher.update(json.dumps({name: [outputs.values, sorted(outputs.secret_names)]
                              for name, outputs in sorted(upstream.items())},
                             sort_keys=True, default=str).encode())
    return hasher.hexdigest()[:32]


def load(key: str) -> LayerRun | None:
    path = cache_dir() / f"{key}.pickle"
    try:
        with path.open("rb") as handle:
            run = pickle.load(handle)  # noqa: S301 (our own cache, written below)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return run if isinstance(run, LayerRun) else None


def save(key: str, run: LayerRun) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{key}.{os.getpid()}.tmp"
        partial.write_bytes(pickle.dumps(run))
        partial.replace(folder / f"{key}.pickle")  # atomic: a reader never sees half an entry
    except OSError:
        pass  # a cache that cannot be written only costs time
