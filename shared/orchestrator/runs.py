"""What a run leaves behind: per-layer logs and the ledger that lets a re-run resume.

Everything lives under `.runs/<env>/` (gitignored; `DR_RUNS_DIR` moves it). The ledger records,
per layer, what was deployed: a fingerprint of the code and settings the layer's program reads,
the digest of the outputs it published, and the digests of the upstream outputs it was built
against. A layer is "current" when all three still match, so a re-run skips it; when an upstream
publishes different outputs, the digests stop matching and its dependents are updated too.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.config import REPO_ROOT
from shared.graph import dependencies

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


def _files(layer: str, root: Path) -> Iterable[Path]:
    yield from (root / name for name in SETTINGS_FILES)
    yield from sorted((root / "shared").glob("*.py"))
    for package in PROGRAM_PACKAGES:
        yield from sorted((root / "shared" / package).rglob("*.py"))
    layer_root = root / "stacks" / layer
    yield from sorted(p for p in layer_root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(layer: str, root: Path = REPO_ROOT) -> str:
    """A digest of every file the layer's program reads (its code, shared code, settings)."""
    hasher = hashlib.sha256()
    for path in _files(layer, root):
        if path.is_file():
            hasher.update(str(path.relative_to(root)).encode())
            hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


class Ledger:
    """`.runs/<env>/ledger.json`: which layer is deployed with what; safe across threads."""

    def __init__(self, environment: str, backend_url: str) -> None:
        self.path = runs_root() / environment / "ledger.json"
        self.backend_url = backend_url
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text())
            except json.JSONDecodeError:
                loaded = {}
            # A ledger about another backend says nothing about this one's state.
            self._entries = {k: v for k, v in loaded.items() if v.get("backend") == backend_url}

    def entry(self, layer: str) -> dict[str, Any] | None:
        with self._lock:
            return self._entries.get(layer)

    def is_current(self, layer: str, layer_fingerprint: str) -> bool:
        with self._lock:
            entry = self._entries.get(layer)
            if not entry or entry.get("fingerprint") != layer_fingerprint:
                return False
            for upstream in dependencies(layer):
                produced = self._entries.get(upstream)
                if not produced or entry["upstream"].get(upstream) != produced["outputs_digest"]:
                    return False
            return True

    def record_deployed(self, layer: str, layer_fingerprint: str, outputs: Mapping[str, Any]) -> bool:
        """Remember a successful deployment; True when it replaced different outputs."""
        with self._lock:
            previous = self._entries.get(layer)
            outputs_digest = digest(dict(outputs))
            self._entries[layer] = {
                "backend": self.backend_url,
                "fingerprint": layer_fingerprint,
                "outputs_digest": outputs_digest,
                "upstream": {u: self._entries.get(u, {}).get("outputs_digest")
                             for u in dependencies(layer)},
                "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            self._save()
            return previous is not None and previous.get("outputs_digest") != outputs_digest

    def forget(self, layer: str) -> None:
        with self._lock:
            if self._entries.pop(layer, None) is not None:
                self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._entries, indent=2, sort_keys=True) + "\n")
        temporary.replace(self.path)
