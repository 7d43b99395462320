"""Whether a layer is already deployed with given inputs, as the state backend says it now.

Each `pulumi up` the orchestrator runs carries the layer's input fingerprint in its update
message (`--message "... dr:fingerprint=<hash>"`), which every backend keeps in the stack's
history (`pulumi stack history --json`). A layer is current only when its stack exists, holds
resources (`pulumi stack ls --json`), and its newest update is a succeeded `update` carrying
today's fingerprint. So an out-of-band `pulumi destroy` or `refresh`, a removed stack, a failed
or running update, or a deployment from another checkout (plain `pulumi up`, or different code)
all mean "run it"; a DIY backend's lock on the stack (locks.py) means "do not trust history:
an update is running or was killed". The message rather than a stack tag: it is written by the update itself,
atomically, on every backend and CLI version (DIY backends keep tags only since CLI 3.211), and
DIY history has no update versions to tie a separately written tag to its update.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.orchestrator.backend import project_file
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.locks import held_locks
from shared.orchestrator.pulumi_cli import PulumiCli, last_line

MARK = re.compile(r"\bdr:fingerprint=([0-9a-f]+)\b")
# A DIY update takes its end time (whole seconds) just before its last checkpoint write
# (pulumi/pulumi pkg/backend/diy/backend.go, apply: `end := time.Now().Unix()`, then
# `manager.Close()`): a checkpoint this much newer than the newest history entry's end was
# written by something that recorded no history.
CHECKPOINT_SLACK = timedelta(seconds=10)


def update_message(fingerprint: str) -> str:
    return f"invoke deploy (dr:fingerprint={fingerprint})"


@dataclass(frozen=True)
class StackState:
    """What the backend holds for one layer's stack: existence, size and its newest update."""

    exists: bool
    resources: int | None = None
    in_progress: bool = False
    latest: Mapping[str, Any] | None = None  # newest `pulumi stack history --json` entry
    locked_by: tuple[str, ...] = ()  # a DIY backend's lock holders (locks.py)
    # A DIY backend's `lastUpdate`: when its checkpoint was last written (the snapshot's
    # manifest time, pulumi/pulumi diy/stack.go), which every step of an update rewrites.
    written: str | None = None

    @property
    def locked(self) -> str | None:
        """Why no update can start now: a running one, or a killed one's lock (DIY backends)."""
        if self.locked_by:
            return (f"locked by {', '.join(self.locked_by)}: an update is running, or was killed "
                    "before it could record itself (history and outputs may be stale)")
        return None

    def why_run(self, fingerprint: str) -> str | None:
        """Why `pulumi up` must run for inputs `fingerprint`, or None when already deployed."""
        if not self.exists:
            return "no stack yet"
        if self.in_progress:
            return "an update is in progress"
        if self.locked:
            return self.locked
        if self.latest is None:
            return "never deployed"
        kind, result = self.latest.get("kind"), self.latest.get("result")
        when = self.latest.get("startTime", "?")
        if kind != "update":
            return f"its last operation was a {kind} ({when})"
        if result != "succeeded":
            return f"its last update {result} ({when})"
        if not self.resources:
            return "its stack holds no resources"
        if self._written_after_history():
            return (f"its state was written at {self.written}, after its last recorded update "
                    "ended: an update was cut short and its lock removed (`pulumi cancel`), "
                    "or the state was edited by hand")
        found = MARK.search(str(self.latest.get("message") or ""))
        if not found:
            return f"deployed outside invoke ({when})"
        if found.group(1) != fingerprint:
            return f"deployed with other inputs ({when})"
        return None

    def _written_after_history(self) -> bool:
        ended = _time(self.latest.get("endTime") if self.latest else None)
        written = _time(self.written)
        return bool(ended and written and written > ended + CHECKPOINT_SLACK)


def _time(text: object) -> datetime | None:
    """A time as the CLI prints it (RFC 5424, `2026-01-01T00:00:05.000Z`), or None."""
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def read_state(cli: PulumiCli, layer: str, stack: str,
               listed_hook: Callable[[], object] | None = None) -> StackState:
    """The backend's view of `layer`'s stack `stack`: two short `pulumi` calls and its lock.
    `listed_hook` is called (to start reads that need the stack) once `stack ls` shows it exists."""
    listed = _json(cli, ["stack", "ls", "--json"], layer)
    entry = next((s for s in listed if isinstance(s, dict)
                  and str(s.get("name", "")).rsplit("/", 1)[-1] == stack), None)
    if entry is None:
        return StackState(exists=False)
    if listed_hook is not None:
        listed_hook()
    history = _json(cli, ["stack", "history", "--json", "--page-size", "1", "--stack", stack], layer)
    count = entry.get("resourceCount")
    locks = held_locks(cli.backend, project_name(cli, layer), stack) if cli.backend.self_managed else []
    return StackState(exists=True, resources=count if isinstance(count, int) else None,
                      in_progress=bool(entry.get("updateInProgress")),
                      latest=history[0] if history and isinstance(history[0], dict) else None,
                      locked_by=tuple(locks),
                      written=str(entry["lastUpdate"]) if cli.backend.self_managed
                      and entry.get("lastUpdate") else None)


def project_name(cli: PulumiCli, layer: str) -> str:
    """The `name:` of the layer's Pulumi.yaml: the project its stacks and locks live under."""
    return str(project_file(layer, cli.root).get("name", layer))


def _json(cli: PulumiCli, args: list[str], layer: str) -> list[Any]:
    command = f"pulumi {' '.join(args[:2])}"
    try:
        result = cli.run(args, layer)
    except subprocess.TimeoutExpired:
        raise OrchestratorError(f"layer {layer}: `{command}` timed out") from None
    if result.returncode != 0:
        raise OrchestratorError(f"layer {layer}: `{command}` failed: "
                                f"{last_line(result.stderr or result.stdout)}")
    try:
        value = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        raise OrchestratorError(f"layer {layer}: `{command}` did not return JSON: "
                                f"{last_line(result.stdout)}") from None
    return value if isinstance(value, list) else []
