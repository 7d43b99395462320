"""One `pulumi up|preview|destroy` of one layer: its log file, retries, Ctrl-C and its outcome."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from shared.graph import dependencies
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.outputs import read_outputs
from shared.orchestrator.pulumi_cli import PulumiCli, last_line
from shared.orchestrator.runs import Ledger, fingerprint, log_path
from shared.orchestrator.scheduler import CANCELLED, DONE, FAILED, SKIPPED, UNCHANGED, Outcome

# AWS answers that mean "try again shortly", not "this is wrong" (throttling, another update
# of the same API/stack in flight, a change still propagating).
TRANSIENT = re.compile(
    r"Throttling|ThrottlingException|Rate exceeded|RequestLimitExceeded|TooManyRequests"
    r"|TooManyUpdates|ConcurrentModification|OperationAbortedException|PriorRequestNotComplete"
)
# Pulumi's closing summary: "+ 3 created", "~ 1 updated", "+-1 replaced", "+ 4 to create", ...
# and "7 changes. 10 unchanged".
CHANGE = re.compile(
    r"(\d+)\s+(?:to\s+)?(create|created|update|updated|delete|deleted|replace|replaced|unchanged)\b"
)
CANONICAL = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced"}
STACK_MISSING = ("no stack named", "not found", "does not exist")
STOP_GRACE_SECONDS = 60.0


def parse_changes(text: str) -> dict[str, int]:
    """Resource counts from the last `Resources:` block of a pulumi run's output."""
    block = text.rpartition("Resources:")[2] if "Resources:" in text else ""
    changes: dict[str, int] = {}
    for match in CHANGE.finditer(block):
        kind = CANONICAL.get(match.group(2), match.group(2))
        changes[kind] = changes.get(kind, 0) + int(match.group(1))
    return changes


@dataclass
class Operation:
    """How to run `action` ("up", "preview", "destroy") on each layer of one environment."""

    cli: PulumiCli
    environment: str
    action: str
    ledger: Ledger
    resume: bool = True
    retries: int = 2
    retry_delay: float = 10.0

    def __call__(self, layer: str, stop: threading.Event) -> Outcome:
        started = time.monotonic()
        log = log_path(self.environment, layer)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"# pulumi {self.action} of layer {layer}, environment {self.environment}\n")
        outcome = self._run(layer, stop, log)
        outcome.seconds = time.monotonic() - started
        outcome.log = log
        return outcome

    def _run(self, layer: str, stop: threading.Event, log: Path) -> Outcome:
        layer_fingerprint = fingerprint(layer)
        if self.action == "up" and self.resume and self.ledger.is_current(layer, layer_fingerprint):
            _append(log, "already deployed with these inputs and upstream outputs: skipped\n")
            return Outcome(layer, UNCHANGED, message="already deployed with the same inputs")
        if self.action == "preview":
            missing = self._undeployed_upstreams(layer)
            if missing:
                # Never preview against stand-ins: `invoke plan` is the offline view of a fresh env.
                return Outcome(layer, SKIPPED, message=f"upstream {', '.join(missing)} not deployed yet "
                               f"(`invoke plan --env {self.environment}` shows it offline)")
        if self.action == "destroy":
            if not self._stack_exists(layer):
                self.ledger.forget(layer)
                _append(log, f"no stack {self.environment}: nothing to destroy\n")
                return Outcome(layer, UNCHANGED, message="no stack: nothing to destroy")
        else:
            self.cli.select_stack(layer, self.environment)
        outcome = self._attempts(layer, stop, log)
        if outcome.status == DONE and self.action == "up":
            outputs = read_outputs(self.cli, layer, self.environment)
            outcome.outputs_changed = self.ledger.record_deployed(layer, layer_fingerprint, outputs)
        elif outcome.status == DONE and self.action == "destroy":
            self.ledger.forget(layer)
        return outcome

    def _attempts(self, layer: str, stop: threading.Event, log: Path) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            offset = log.stat().st_size
            code = self._once(layer, stop, log)
            text = log.read_text(errors="replace")[offset:]
            if stop.is_set():
                return Outcome(layer, CANCELLED, message="interrupted", attempts=attempt)
            if code == 0:
                return Outcome(layer, DONE, changes=parse_changes(text), attempts=attempt)
            transient = TRANSIENT.search(text)
            if transient and attempt <= self.retries:
                delay = self.retry_delay * 2 ** (attempt - 1)
                _append(log, f"\n# transient AWS error ({transient.group(0)}): retry in {delay:g}s\n")
                if stop.wait(delay):
                    return Outcome(layer, CANCELLED, message="interrupted", attempts=attempt)
                continue
            return Outcome(layer, FAILED, message=_error_line(text), attempts=attempt)

    def _once(self, layer: str, stop: threading.Event, log: Path) -> int:
        args = [self.action, "--stack", self.environment, "--non-interactive"]
        if self.action != "preview":
            args.append("--yes")
        with log.open("a") as handle:
            process = self.cli.start(args, layer, handle)
            while True:
                try:
                    return process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    if stop.is_set():
                        return _interrupt(process)

    def _undeployed_upstreams(self, layer: str) -> list[str]:
        missing = []
        for upstream in dependencies(layer):
            try:
                deployed = bool(read_outputs(self.cli, upstream, self.environment))
            except OrchestratorError:
                deployed = False
            if not deployed:
                missing.append(upstream)
        return missing

    def _stack_exists(self, layer: str) -> bool:
        result = self.cli.run(["stack", "select", self.environment, "--non-interactive"], layer)
        if result.returncode == 0:
            return True
        message = last_line(result.stderr or result.stdout)
        if any(marker in message.lower() for marker in STACK_MISSING):
            return False
        raise OrchestratorError(f"layer {layer}: `pulumi stack select {self.environment}` failed: "
                                f"{message}")


def _interrupt(process: subprocess.Popen[str]) -> int:
    """SIGINT first: Pulumi then finishes in-flight operations and writes its state cleanly."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.terminate()
        return process.wait()


def _append(log: Path, text: str) -> None:
    with log.open("a") as handle:
        handle.write(text)


def _error_line(text: str) -> str:
    errors = [line.strip() for line in text.splitlines() if "error" in line.lower() and line.strip()]
    return errors[-1] if errors else last_line(text)
