"""The `pulumi` CLI as a subprocess, always in a layer's folder and against one backend."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from shared.orchestrator.backend import Backend, child_environment, layer_dir
from shared.orchestrator.errors import OrchestratorError

INSTALL_HINT = "install it: curl -fsSL https://get.pulumi.com | sh (then open a new shell)"
# Pulumi's closing summary: "+ 3 created", "~ 1 updated", "+-1 replaced", "+ 4 to create", ...
# and "7 changes. 10 unchanged".
CHANGE = re.compile(
    r"(\d+)\s+(?:to\s+)?(create|created|update|updated|delete|deleted|replace|replaced|unchanged)\b"
)
CANONICAL = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced"}


def executable(environ: Mapping[str, str]) -> str:
    found = shutil.which("pulumi", path=environ.get("PATH"))
    if not found:
        raise OrchestratorError(f"the pulumi CLI is not on PATH; {INSTALL_HINT}")
    return found


class PulumiCli:
    """One backend, one checkout: builds each `pulumi` call's argv, cwd and environment."""

    def __init__(self, backend: Backend, environ: Mapping[str, str] | None = None,
                 root: Path | None = None) -> None:
        self.backend = backend
        self.root = root
        self.env = child_environment(backend, environ)
        self.binary = executable(self.env)

    def run(self, args: Sequence[str], layer: str | None = None,
            timeout: float | None = 120) -> subprocess.CompletedProcess[str]:
        """A short call whose output we parse (version, stack select, stack output)."""
        cwd = layer_dir(layer, self.root) if layer else None
        return subprocess.run([self.binary, *args], cwd=cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def start(self, args: Sequence[str], layer: str, log: IO[str]) -> subprocess.Popen[str]:
        """A long call (up/preview/destroy) streaming stdout and stderr into the layer's log.

        Its own process group, so Ctrl-C reaches the orchestrator only and we decide how to
        stop each child (Pulumi cancels cleanly on SIGINT, and leaves a lock if killed).
        """
        return subprocess.Popen([self.binary, *args], cwd=layer_dir(layer, self.root), env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)

    def select_stack(self, layer: str, stack: str) -> None:
        """Select `stack` in the layer's project, creating it on first use."""
        args = ["stack", "select", "--create", stack, "--non-interactive"]
        if self.backend.self_managed:
            args += ["--secrets-provider", "passphrase"]
        result = self.run(args, layer)
        if result.returncode != 0:
            raise OrchestratorError(
                f"layer {layer}: `pulumi stack select --create {stack}` failed: "
                f"{last_line(result.stderr or result.stdout)}"
            )


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def log_path_hint(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_changes(text: str) -> dict[str, int]:
    """Resource counts from the last `Resources:` block of a pulumi run's output."""
    block = text.rpartition("Resources:")[2] if "Resources:" in text else ""
    changes: dict[str, int] = {}
    for match in CHANGE.finditer(block):
        kind = CANONICAL.get(match.group(2), match.group(2))
        changes[kind] = changes.get(kind, 0) + int(match.group(1))
    return changes
