"""A run's per-layer logs, and the fingerprint of what a layer's deployment is made from.

Logs live under `.runs/<env>/` (gitignored; `DR_RUNS_DIR` moves it). Nothing here decides
whether a layer is deployed: that is the state backend's answer (stack_state.py), compared
against `inputs_fingerprint`: the files the layer's program loads (program_files.py), its
stack's config, the SDK and provider versions its virtualenv holds, and the outputs of the
layers it reads, so a layer whose upstream publishes different outputs is updated too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from shared.config import REPO_ROOT, runs_root
from shared.orchestrator.backend import layer_dir, project_file
from shared.orchestrator.program_files import program_files

# Not read by the program, but what it runs on: a new SDK or provider can change the plan.
SETTINGS_FILES = ("requirements.txt",)
# requirements.txt gives ranges: what `pulumi up` really runs with is what the virtualenv named
# in the layer's Pulumi.yaml holds (an upgrade within a range is a new deployment).
SDKS = ("pulumi", "pulumi-aws", "pulumi-random", "pulumiverse-time")
# What `pulumi stack select --create --secrets-provider passphrase` writes into the stack file:
# the backend's business, not the program's input (a fresh checkout and CI hold other salts).
SECRETS_KEYS = ("encryptionsalt", "secretsprovider", "encryptedkey")


def log_path(environment: str, layer: str) -> Path:
    return runs_root() / environment / f"{layer}.log"


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _files(layer: str, root: Path | None) -> Iterable[tuple[str, Path]]:
    """(name, path) of what the layer's program loads; names are the same in every checkout."""
    base = root or REPO_ROOT
    yield from ((name, base / name) for name in SETTINGS_FILES)
    yield from program_files(layer, layer_dir(layer, root), base)


def stack_config(layer: str, environment: str, root: Path | None = None) -> Any:
    """stacks/<layer>/Pulumi.<env>.yaml as the program sees it: its config, not Pulumi's keys."""
    path = layer_dir(layer, root) / f"Pulumi.{environment}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(document, dict):
        return document or {}  # no file, or one without keys, is the same as an empty one
    return {key: value for key, value in document.items() if key not in SECRETS_KEYS}


def fingerprint(layer: str, environment: str, root: Path | None = None) -> str:
    """A digest of every file the layer's program loads and of its stack's own config."""
    hasher = hashlib.sha256()
    for name, path in _files(layer, root):
        if path.is_file():
            hasher.update(name.encode())
            hasher.update(path.read_bytes())
    hasher.update(digest(stack_config(layer, environment, root)).encode())
    hasher.update(installed_sdks(layer, root).encode())
    return hasher.hexdigest()[:16]


def installed_sdks(layer: str, root: Path | None = None) -> str:
    """"pulumi=3.272.0,pulumi-aws=7.51.1,..." as installed in the virtualenv the layer's
    Pulumi.yaml names (`runtime.options.virtualenv`), "none" for one missing."""
    runtime = project_file(layer, root).get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    return _versions((layer_dir(layer, root) / venv).resolve()) if isinstance(venv, str) else "no virtualenv"


@functools.lru_cache(maxsize=8)
def _versions(venv: Path) -> str:
    # POSIX virtualenvs keep packages under lib/pythonX.Y, Windows ones under Lib.
    paths = [str(path) for pattern in ("lib/python3*/site-packages", "Lib/site-packages")
             for path in sorted(venv.glob(pattern))]
    found = {_normalised(dist.metadata["Name"] or ""): dist.version
             for dist in metadata.distributions(path=paths)} if paths else {}
    return ",".join(f"{name}={found.get(name, 'none')}" for name in SDKS)


def _normalised(name: str) -> str:
    return name.lower().replace("_", "-")


def inputs_fingerprint(layer: str, environment: str, upstream_outputs: Mapping[str, Any],
                       root: Path | None = None, files: str | None = None) -> str:
    """`fingerprint` of the layer's files (or `files`, that fingerprint taken before) together
    with the outputs it reads from upstream."""
    return digest({"files": files or fingerprint(layer, environment, root),
                   "upstream": {name: digest(value) for name, value in upstream_outputs.items()}})
