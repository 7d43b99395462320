"""Polling with a timeout and visible progress; the clock and sleep are injectable for tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.ops.aws.errors import AWS_ERRORS, one_line

Check = Callable[[], tuple[bool, str]]


class WaitTimedOut(TimeoutError):
    pass


@dataclass
class Waiter:
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    echo: Callable[[str], None] = print
    interval: float = 10.0

    def until(self, what: str, check: Check, timeout: float) -> float:
        """Poll `check` (done, what it saw) until done; the seconds it took."""
        start = self.clock()
        while True:
            try:
                done, seen = check()
            # A control plane mid-switchover can refuse a read; keep polling until the timeout.
            except AWS_ERRORS as error:
                done, seen = False, f"read failed: {one_line(error)}"
            elapsed = self.clock() - start
            if done:
                return elapsed
            if elapsed >= timeout:
                raise WaitTimedOut(f"{what}: not done after {timeout:.0f} s (last seen: {seen})")
            self.echo(f"    waiting for {what}: {seen} ({elapsed:.0f} s of {timeout:.0f} s)")
            self.sleep(min(self.interval, timeout - elapsed))


@dataclass(frozen=True)
class Timeouts:
    """Seconds each step may take. A global switchover usually completes in minutes."""

    database: float = 1800
    traffic: float = 600
    parameter: float = 120
    catch_up: float = 900  # drill only: waiting for the old primary to catch up before failback
    probe: float = 5  # one HTTP GET of a region's /health
    preflight: float = 60  # every preflight read together; a region that is down costs this once
    planned_ready: float = 300  # a switchover waits this long for a quiet global cluster, then gives up
    # A Region switch plan execution, followed to its end (its Aurora step alone may take 30 min).
    plan_execution: float = 7200
    approval: float = 3600  # a plan step waiting for an approval nobody gives: ARC's default is 60 min
