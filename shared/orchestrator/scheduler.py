"""Run one piece of work per layer over the layer graph, as parallel as the graph allows.

A layer starts as soon as every layer it waits for has succeeded. A failure stops only the
layers that (transitively) wait for it; independent layers run on. Ctrl-C sets the shared stop
event: each running layer asks its `pulumi` to cancel gracefully and waits for it, however long
that takes (no timer: Pulumi's second signal means "terminate immediately", which orphans
resources mid-create and leaves a DIY stack locked). A second Ctrl-C sets `stop.terminate`:
each `pulumi` gets that second signal. Unstarted layers are marked cancelled and one outcome per
layer is still returned, so nothing is left half-reported.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

DONE = "done"            # the operation ran and succeeded
UNCHANGED = "unchanged"  # nothing to do (already deployed with the same inputs, or already gone)
FAILED = "failed"
SKIPPED = "skipped"      # not started because something it waits for failed
CANCELLED = "cancelled"  # stopped or never started because of Ctrl-C
OK = (DONE, UNCHANGED)


@dataclass
class Outcome:
    layer: str
    status: str
    seconds: float = 0.0
    changes: dict[str, int] = field(default_factory=dict)
    message: str = ""
    log: Path | None = None
    attempts: int = 0
    outputs_changed: bool = False

    @property
    def ok(self) -> bool:
        return self.status in OK

    @property
    def changed(self) -> int:
        return sum(n for kind, n in self.changes.items() if kind != "unchanged")


Work = Callable[[str, threading.Event], Outcome]

CANCELLING = ("Ctrl-C: each running pulumi is cancelling gracefully (finishing the operations in "
              "flight and recording the update); this can take minutes. Ctrl-C again terminates "
              "them immediately, which can leave resources unrecorded and stacks locked.")
TERMINATING = ("Ctrl-C again: terminating each running pulumi now; check the stacks it leaves "
               "locked (deploy-all names them) before deploying again.")


class Stop(threading.Event):
    """Set on the first Ctrl-C (cancel gracefully); `terminate` is set on the second."""

    def __init__(self) -> None:
        super().__init__()
        self.terminate = threading.Event()


@dataclass
class RunResult:
    outcomes: dict[str, Outcome]
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(o.ok for o in self.outcomes.values())


class Listener:
    """What the scheduler tells the display; the default tells nobody."""

    def started(self, layer: str) -> None:
        """`layer` began running."""

    def finished(self, outcome: Outcome) -> None:
        """`layer` reached a final state (skipped and cancelled included)."""


def run_graph(layers: Iterable[str], waits_for: Callable[[str], Iterable[str]], work: Work, *,
              parallel: int = 0, listener: Listener | None = None) -> RunResult:
    """Run `work(layer, stop)` for each layer after the layers it `waits_for` (within `layers`)."""
    order = list(layers)
    selected = set(order)
    needs = {name: {d for d in waits_for(name) if d in selected} for name in order}
    tell = listener or Listener()
    stop = Stop()
    outcomes: dict[str, Outcome] = {}
    running: dict[Future[Outcome], str] = {}
    started = time.monotonic()
    interrupted = False

    def settle(outcome: Outcome, cascade: bool = True) -> None:
        outcomes[outcome.layer] = outcome
        tell.finished(outcome)
        if cascade and not outcome.ok:
            # Everything that waits on it, directly or not, named after the layer that broke.
            for name in order:
                if name not in outcomes and _waits_on(name, outcome.layer, needs):
                    settle(Outcome(name, CANCELLED if stop.is_set() else SKIPPED,
                                   message=f"needs {outcome.layer}, which {outcome.status}"),
                           cascade=False)

    launched: set[str] = set()
    reported: dict[str, Outcome] = {}  # written by the workers, so Ctrl-C at any moment loses nothing

    def guarded(name: str) -> Outcome:
        outcome = _guarded(work, name, stop)
        reported[name] = outcome
        return outcome

    pool = ThreadPoolExecutor(max_workers=parallel or len(order) or 1)
    try:
        while len(outcomes) < len(order):
            active = set(running.values())
            for name in order:
                if name in outcomes or name in active:
                    continue
                if all(outcomes.get(d) is not None and outcomes[d].ok for d in needs[name]):
                    if parallel and len(running) >= parallel:
                        break
                    launched.add(name)
                    tell.started(name)
                    running[pool.submit(guarded, name)] = name
            if not running:
                break
            finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                running.pop(future)
                settle(future.result())
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        if running:
            print(CANCELLING, file=sys.stderr, flush=True)
        # Each running layer sees `stop`, interrupts its pulumi and reports how it ended.
        _drain(list(running), stop)
        for name in order:
            if name in launched and name not in outcomes:
                settle(reported.get(name) or Outcome(name, CANCELLED, message="interrupted"))
    finally:
        pool.shutdown(wait=True)
    for name in order:
        if name not in outcomes:
            settle(Outcome(name, CANCELLED, message="not started: the run was interrupted"))
    return RunResult(outcomes, interrupted, time.monotonic() - started)


def _guarded(work: Work, layer: str, stop: threading.Event) -> Outcome:
    # A bug in one layer's work must not take down the scheduler and every other layer.
    try:
        return work(layer, stop)
    except Exception as error:  # noqa: BLE001 - reported as this layer's failure
        return Outcome(layer, FAILED, message=f"{type(error).__name__}: {error}")


def _drain(futures: list[Future[Outcome]], stop: Stop) -> None:
    # On the futures, not on the pool's threads: a Ctrl-C inside Thread.join() marks a thread
    # that is still running as stopped (CPython's _wait_for_tstate_lock), and a second join
    # would return at once, before the layer has reported.
    while True:
        try:
            wait(futures)
            return
        except KeyboardInterrupt:
            # A second Ctrl-C while layers wind down: the person wants them ended now.
            if not stop.terminate.is_set():
                stop.terminate.set()
                print(TERMINATING, file=sys.stderr, flush=True)


def _waits_on(name: str, failed: str, needs: dict[str, set[str]]) -> bool:
    seen: set[str] = set()
    pending = list(needs[name])
    while pending:
        current = pending.pop()
        if current == failed:
            return True
        if current not in seen:
            seen.add(current)
            pending.extend(needs.get(current, ()))
    return False
