"""Run independent reads or steps side by side, each bounded, and collect every outcome.

A slow or dead dependency (a lost region's endpoint, Global Accelerator's API in us-west-2) then
costs its own timeout once, while everything else goes on. Results come back keyed by name in
the order given, whatever order the threads finish in, so callers and tests stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


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
    """Start every task at once; wait at most `timeout` seconds for them all."""
    if not tasks:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(tasks), thread_name_prefix="dr-ops")
    futures: dict[str, Future[T]] = {name: pool.submit(task) for name, task in tasks.items()}
    wait_for(futures.values(), timeout=timeout)
    # A task still running past its bound is abandoned, not waited for.
    pool.shutdown(wait=False, cancel_futures=True)
    outcomes: dict[str, Outcome[T]] = {}
    for name, future in futures.items():
        if not future.done():
            outcomes[name] = Outcome(error=NoAnswer(f"{name}: no answer within {timeout:g} s"))
        elif future.exception() is not None:
            outcomes[name] = Outcome(error=future.exception())
        else:
            outcomes[name] = Outcome(value=future.result())
    return outcomes
