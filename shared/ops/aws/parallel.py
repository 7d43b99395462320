"""Run independent reads or steps side by side, each bounded, and collect every outcome.

A slow or dead dependency (a lost region's endpoint, Global Accelerator's API in us-west-2) then
costs its own timeout once, while everything else goes on. Results come back keyed by name in
the order given, whatever order the threads finish in, so callers and tests stay deterministic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
# Set when the operator pressed Ctrl-C while tasks ran: a step still running on its thread must
# not go on to act (issue a switchover) after the run was aborted; see interrupted().
_INTERRUPTED = threading.Event()


def interrupted() -> bool:
    """True once Ctrl-C stopped the run that started the side-by-side tasks."""
    return _INTERRUPTED.is_set()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class NoAnswer(TimeoutError):
    pass


def attempt(task: Callable[[], T]) -> Outcome[T]:
    """Run `task` here and now; its error becomes the outcome instead of propagating."""
    try:
        return Outcome(value=task())
    except Exception as error:  # noqa: BLE001 (the caller judges every outcome)
        return Outcome(error=error)


def together(tasks: Mapping[str, Callable[[], T]], timeout: float) -> dict[str, Outcome[T]]:
    """Start every task at once; wait at most `timeout` seconds for them all.

    Daemon threads, not a ThreadPoolExecutor (whose workers the interpreter waits for at exit): a
    task abandoned past its bound, or by Ctrl-C, never keeps the process alive; Ctrl-C also marks
    the run interrupted so a step still on its thread does not act afterwards."""
    if not tasks:
        return {}
    _INTERRUPTED.clear()
    done: dict[str, Outcome[T]] = {}

    def run(name: str, task: Callable[[], T]) -> None:
        done[name] = attempt(task)

    threads = [threading.Thread(target=run, args=(name, task), name=f"dr-ops-{name}", daemon=True)
               for name, task in tasks.items()]
    deadline = time.monotonic() + timeout
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        _INTERRUPTED.set()
        raise
    # A task still running past its bound is abandoned, not waited for.
    return {name: done.get(name) or Outcome(error=NoAnswer(f"{name}: no answer within {timeout:g} s"))
            for name in tasks}



def first_good(tasks: Mapping[str, Callable[[], T]], timeout: float,
               grace: float = 1.0) -> dict[str, Outcome[T]]:
    """Start every task at once and return as soon as one succeeds: the earliest in the given
    order among those that succeeded, the ones before it having had `grace` seconds more to
    answer (so the preferred source wins whenever it answers about as fast). Tasks not finished
    by then are abandoned (daemon threads, as in `together`) and reported as no answer."""
    if not tasks:
        return {}
    order = list(tasks)
    done: dict[str, Outcome[T]] = {}
    changed = threading.Condition()

    def run(name: str, task: Callable[[], T]) -> None:
        outcome = attempt(task)
        with changed:
            done[name] = outcome
            changed.notify_all()

    for name, task in tasks.items():
        threading.Thread(target=run, args=(name, task), name=f"dr-ops-{name}", daemon=True).start()

    def winner() -> str | None:
        return next((name for name in order if name in done and done[name].ok), None)

    def wait_until(ready: Callable[[], bool], end: float) -> None:
        while not ready() and (left := end - time.monotonic()) > 0:
            changed.wait(left)

    deadline = time.monotonic() + timeout
    with changed:
        wait_until(lambda: winner() is not None or len(done) == len(order), deadline)
        found = winner()
        if found is not None:
            earlier = order[:order.index(found)]
            wait_until(lambda: all(name in done for name in earlier),
                       min(deadline, time.monotonic() + grace))
            found = winner()
        answered = dict(done)
    return {name: answered.get(name) or Outcome(error=NoAnswer(f"{name}: no answer in time"))
            for name in order}
