"""Plan another git revision offline, with that revision's own code, in a throwaway tree."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.plan.cache import cache_dir, toolchain


class RevisionError(ValueError):
    """The revision cannot be planned; the message is one line for the user."""


def resolve(ref: str, repo: Path) -> str:
    """The commit `ref` names in `repo`, or a RevisionError saying what to give instead."""
    found = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                            f"{ref}^{{commit}}"], capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip():
        raise RevisionError(f"--compare: {ref!r} is not a commit of {repo} (try HEAD~1, a branch "
                            "or origin/main; fetch it first if it is remote)")
    return found.stdout.strip()


class RevisionPlan:
    """`invoke plan` of one commit, running in the background while the caller plans its own.

    The commit is exported with `git archive` (no worktree metadata to clean up) and planned by
    a separate interpreter from inside that tree, so it imports that tree's `shared`, not ours.
    """

    def __init__(self, commit: str, repo: Path, environment: str, layers: list[str],
                 cached: bool = False, progress: Callable[[str], None] | None = None) -> None:
        self.commit = commit
        self._progress = progress or (lambda line: None)
        # A plan is deterministic for a tree, its settings (committed in it) and the toolchain:
        # the commit's tree id keys the whole plan, so a base planned before is not planned again.
        self._cached = _cache_file(commit, repo, environment, layers) if cached else None
        self._process: subprocess.Popen[str] | None = None
        if self._cached and self._cached.is_file():
            self._progress(f"base {commit[:12]}: its plan from the cache")
            self._scratch = None
            return
        self._progress(f"base {commit[:12]}: planning it in the background")
        self._scratch = tempfile.TemporaryDirectory(prefix="dr-compare-")
        tree = Path(self._scratch.name) / "tree"
        tree.mkdir()
        try:
            _export(commit, repo, tree)
        except BaseException:
            self._scratch.cleanup()
            raise
        self._out = Path(self._scratch.name) / "plan.json"
        command = [sys.executable, "-m", "invoke", "plan", "--env", environment,
                   "--out", str(self._out)]
        if layers:
            command += ["--layer", ",".join(layers)]
        # Its own tree first on the path: the editable install of ours must not win. It shares
        # our layer cache (entries are keyed by content, whichever tree wrote them).
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1",
               "DR_PLAN_CACHE": str(cache_dir())}
        self._process = subprocess.Popen(command, cwd=tree, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         text=True)

    def result(self) -> dict[str, Any]:
        """Wait for the plan and return its JSON; the throwaway tree is gone afterwards."""
        if self._process is None and self._cached:
            cached: dict[str, Any] = json.loads(self._cached.read_text(encoding="utf-8"))
            return cached
        assert self._process is not None
        try:
            _, errors = self._process.communicate()
            if self._process.returncode != 0:
                raise RevisionError(f"planning {self.commit[:12]} failed: {_last_line(errors)}")
            text = self._out.read_text(encoding="utf-8")
            document: dict[str, Any] = json.loads(text)
            if self._cached:
                _keep(self._cached, text)
            self._progress(f"base {self.commit[:12]}: planned")
            return document
        finally:
            self.close()

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._scratch is not None:
            self._scratch.cleanup()


def _cache_file(commit: str, repo: Path, environment: str, layers: list[str]) -> Path | None:
    found = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{commit}^{{tree}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        return None
    selection = ",".join(sorted(layers)) or "all"
    key = hashlib.sha256(f"{found.stdout.strip()}|{environment}|{selection}|{toolchain()}|"
                         f"{sys.version}".encode()).hexdigest()[:32]
    return cache_dir() / f"revision-{key}.json"


def _keep(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _export(commit: str, repo: Path, tree: Path) -> None:
    archive = subprocess.Popen(["git", "-C", str(repo), "archive", "--format=tar", commit],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert archive.stdout is not None
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        tar.extractall(tree, filter="data")
    _, errors = archive.communicate()
    if archive.returncode != 0:
        raise RevisionError(f"git archive {commit[:12]} failed: {_last_line(errors.decode())}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(("Exception ignored", "Traceback"))]
    return (meaningful or lines or ["no message"])[-1].removeprefix("error: ")
