"""One `pulumi up|preview|destroy` of one layer: its log file, retries, Ctrl-C and its outcome."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from shared.graph import dependencies
from shared.orchestrator.adopt import save_retained
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.leftovers import clean_before_destroy
from shared.orchestrator.locks import held_locks
from shared.orchestrator.outputs import read_outputs
from shared.orchestrator.pulumi_cli import PulumiCli, last_line, parse_changes
from shared.orchestrator.runs import fingerprint, inputs_fingerprint, log_path
from shared.orchestrator.scheduler import CANCELLED, DONE, FAILED, SKIPPED, UNCHANGED, Outcome
from shared.orchestrator.stack_state import StackState, project_name, read_state, update_message

# AWS answers that mean "try again shortly", not "this is wrong" (throttling, another update
# of the same API/stack in flight, a change still propagating).
TRANSIENT = re.compile(
    r"Throttling|ThrottlingException|Rate exceeded|RequestLimitExceeded|TooManyRequests"
    r"|TooManyUpdates|ConcurrentModification|OperationAbortedException|PriorRequestNotComplete"
)
STACK_MISSING = ("no stack named", "not found", "does not exist")
# Layers whose state is read ahead at once: each read is a few `pulumi` calls, and the layers
# of the first wave are starting their own updates meanwhile.
PREFETCH_READS = 2


@dataclass(frozen=True)
class ReadAhead:
    """What a layer's update is judged by that needs no other layer: the backend's view of its
    stack, its outputs before this run and the fingerprint of the files its program loads."""

    state: StackState
    before: dict[str, Any] | None
    files: str


@dataclass
class Operation:
    """How to run `action` ("up", "preview", "destroy") on each layer of one environment."""

    cli: PulumiCli
    environment: str
    action: str
    resume: bool = True
    retries: int = 2
    retry_delay: float = 10.0
    # destroy --allow-data-loss: lift the protection a protected environment puts on what it
    # keeps (retain_on_delete keeps it in AWS; protect only makes a plain `pulumi destroy` refuse).
    unprotect: bool = False
    # Outputs read or published during this run, so each layer's are read once, not once per
    # reader: one read in flight per layer, which readers arriving meanwhile wait for.
    _outputs: dict[str, Future[dict[str, Any] | None]] = field(default_factory=dict, init=False,
                                                                repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _ahead: dict[str, Future[ReadAhead]] = field(default_factory=dict, init=False, repr=False)

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
        if self.action == "up":
            return self._up(layer, stop, log)
        if self.action == "destroy":
            if not self._stack_exists(layer):
                _append(log, f"no stack {self.environment}: nothing to destroy\n")
                return Outcome(layer, UNCHANGED, message="no stack: nothing to destroy")
            try:
                clean_before_destroy(self.cli, layer, self.environment,
                                     lambda line: _append(log, line + "\n"), stop)
            except OrchestratorError as error:
                return Outcome(layer, FAILED, message=str(error))
            lifted = self._lift_protection(layer, log) if self.unprotect else None
            if lifted:
                return lifted
        else:
            missing = self._undeployed_upstreams(layer)
            if missing:
                # Never preview against stand-ins: `invoke plan` is the offline view of a fresh env.
                return Outcome(layer, SKIPPED, message=f"upstream {', '.join(missing)} not deployed yet "
                               f"(`invoke plan --env {self.environment}` shows it offline)")
            self.cli.select_stack(layer, self.environment)
        return self._attempts(layer, stop, log, [])

    def _lift_protection(self, layer: str, log: Path) -> Outcome | None:
        """Before a protected destroy: export what it keeps, with its IDs (what `invoke adopt`
        imports later), then unprotect; the kept resources stay in AWS through retain_on_delete."""
        try:
            kept = save_retained(self.cli, layer, self.environment)
        except OrchestratorError as error:
            return Outcome(layer, FAILED, message=str(error))
        _append(log, f"# kept resources exported to {kept}\n")
        lifted = self.cli.run(["state", "unprotect", "--all", "--yes", "--stack", self.environment], layer)
        _append(log, f"# pulumi state unprotect --all\n{lifted.stdout}{lifted.stderr}")
        if lifted.returncode != 0:
            return Outcome(layer, FAILED, message="`pulumi state unprotect --all` failed: "
                           + last_line(lifted.stderr or lifted.stdout))
        return None

    @contextmanager
    def prefetching(self, layers: Sequence[str]) -> Iterator[None]:
        """Inside, each layer's stack state, its outputs before this run and its file fingerprint
        are read in the background, in deploy order: none depends on another layer's update, so
        a layer's turn waits only for its upstream outputs instead of two or three more `pulumi`
        start-ups on every wave of the critical path. A layer reached before its reads are
        done waits for them (the reads it would have made itself)."""
        if self.action != "up":
            yield
            return
        pool = ThreadPoolExecutor(max_workers=PREFETCH_READS, thread_name_prefix="prefetch")
        try:
            for layer in layers:
                if layer not in self._ahead:  # already being read by an enclosing `prefetching`
                    self._ahead[layer] = pool.submit(self._read_ahead, layer)
            yield
        finally:
            # After Ctrl-C the summary must not wait for reads of layers that will not run.
            pool.shutdown(wait=False, cancel_futures=True)

    def _up(self, layer: str, stop: threading.Event, log: Path) -> Outcome:
        # Each is a `pulumi` start-up (tens to hundreds of ms): the upstream outputs and the
        # backend's state (read ahead by `prefetching`, or now) are independent, so they are
        # read side by side instead of one after the other on every layer of the critical path.
        prefetched = self._ahead.pop(layer, None)
        with ThreadPoolExecutor(max_workers=len(dependencies(layer)) + 1) as pool:
            reads = {name: pool.submit(self._outputs_of, name) for name in dependencies(layer)}
            reading = pool.submit(self._state_and_stack, layer, prefetched)
            upstream = {name: read.result() for name, read in reads.items()}
            ahead = reading.result()
        state, before = ahead.state, ahead.before
        inputs = inputs_fingerprint(layer, self.environment, upstream, files=ahead.files)
        if state.locked:
            _append(log, f"# stack {self.environment} is {state.locked}\n")
            return Outcome(layer, FAILED, message=(
                f"stack {self.environment} is {state.locked}; if no update is running, run "
                f"`pulumi cancel --stack {self.environment} --yes` then `pulumi refresh --stack "
                f"{self.environment}` in stacks/{layer}, and deploy again"))
        reason = state.why_run(inputs)
        if self.resume and reason is None:
            _append(log, f"the backend's newest update of this stack is ours with inputs {inputs}: "
                         "skipped\n")
            return Outcome(layer, UNCHANGED, message="deployed with these inputs, per the backend")
        why = reason if self.resume and reason else "asked to (--fresh or invoke up)"
        _append(log, f"# pulumi up: {why}\n")
        outcome = self._attempts(layer, stop, log, ["--message", update_message(inputs)])
        with self._lock:
            self._outputs.pop(layer, None)
        if outcome.status == DONE:
            outcome.message = f"run because {why}"
            outcome.outputs_changed = bool(before) and before != self._outputs_of(layer)
        return outcome

    def _state_and_stack(self, layer: str, prefetched: Future[ReadAhead] | None) -> ReadAhead:
        """What the backend holds for the layer's stack (and its outputs before this run); the
        stack is created when it has none (`pulumi up --stack` runs on an existing stack
        without selecting it), only now: a layer never reached gets no empty stack."""
        if prefetched is None:
            ahead = self._read_ahead(layer)
        else:
            ahead = prefetched.result()
            if ahead.state.exists and self.cli.backend.self_managed:
                # Read minutes ago: a lock taken since (an update started elsewhere) is looked
                # for again now, in the backend's files, without a `pulumi` start-up.
                ahead = replace(ahead, state=replace(ahead.state, locked_by=tuple(held_locks(
                    self.cli.backend, project_name(self.cli, layer), self.environment))))
        if not ahead.state.exists:
            self.cli.select_stack(layer, self.environment)
        return ahead

    def _read_ahead(self, layer: str) -> ReadAhead:
        # The outputs need the stack: started once `stack ls` lists it, beside `stack history`.
        own: list[Future[dict[str, Any] | None]] = []
        with ThreadPoolExecutor(max_workers=1) as pool:
            state = read_state(self.cli, layer, self.environment,
                               lambda: own.append(pool.submit(self._outputs_of, layer)))
            files = fingerprint(layer, self.environment, self.cli.root)
            return ReadAhead(state, own[0].result() if own else None, files)

    def _outputs_of(self, layer: str) -> dict[str, Any] | None:
        """The layer's outputs now (None without a stack), read once per run unless it deploys."""
        with self._lock:
            pending = self._outputs.get(layer)
            reader = pending is None
            if pending is None:
                pending = self._outputs[layer] = Future()
        if reader:
            try:
                pending.set_result(read_outputs(self.cli, layer, self.environment))
            except OrchestratorError:
                pending.set_result(None)
            except BaseException as error:
                pending.set_exception(error)
                raise
        return pending.result()

    def _attempts(self, layer: str, stop: threading.Event, log: Path, extra: list[str]) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            offset = log.stat().st_size
            code = self._once(layer, stop, log, extra)
            text = log.read_text(errors="replace")[offset:]
            if stop.is_set():
                terminated = getattr(stop, "terminate", None)
                message = ("terminated: its stack may be left locked" if terminated is not None
                           and terminated.is_set() else "interrupted")
                return Outcome(layer, CANCELLED, message=message, attempts=attempt)
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

    def _once(self, layer: str, stop: threading.Event, log: Path, extra: list[str]) -> int:
        args = [self.action, "--stack", self.environment, "--non-interactive"]
        if self.action != "preview":
            args.append("--yes")
        args += extra
        with log.open("a") as handle:
            process = self.cli.start(args, layer, handle)
            sent = 0
            while True:
                try:
                    return process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    sent = _interrupt(process, stop, sent, handle)

    def _undeployed_upstreams(self, layer: str) -> list[str]:
        return [upstream for upstream in dependencies(layer) if not self._outputs_of(upstream)]

    def _stack_exists(self, layer: str) -> bool:
        result = self.cli.run(["stack", "select", self.environment, "--non-interactive"], layer)
        if result.returncode == 0:
            return True
        message = last_line(result.stderr or result.stdout)
        if any(marker in message.lower() for marker in STACK_MISSING):
            return False
        raise OrchestratorError(f"layer {layer}: `pulumi stack select {self.environment}` failed: "
                                f"{message}")


def _interrupt(process: subprocess.Popen[str], stop: threading.Event, sent: int, log: IO[str]) -> int:
    """Pass each Ctrl-C on as Pulumi's own: the first SIGINT cancels gracefully (in-flight
    operations finish, the update is recorded, the lock released); only a second Ctrl-C sends
    the second SIGINT, Pulumi's "terminate immediately". Never on a timer. Returns how many
    signals `process` has had."""
    terminate = getattr(stop, "terminate", None)
    wanted = 2 if terminate is not None and terminate.is_set() else 1 if stop.is_set() else 0
    for count in range(sent + 1, wanted + 1):
        log.write("\n# Ctrl-C: pulumi asked to cancel gracefully (SIGINT)\n" if count == 1 else
                  "\n# Ctrl-C again: pulumi asked to terminate immediately (second SIGINT)\n")
        log.flush()
        process.send_signal(signal.SIGINT)
    return max(sent, wanted)


def _append(log: Path, text: str) -> None:
    with log.open("a") as handle:
        handle.write(text)


def _error_line(text: str) -> str:
    errors = [line.strip() for line in text.splitlines() if "error" in line.lower() and line.strip()]
    return errors[-1] if errors else last_line(text)
