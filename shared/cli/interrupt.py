"""Ctrl-C in the offline tasks: one line and exit 130 at once, whatever Pulumi's runtime is doing.

The offline plan runs each layer program on an asyncio loop with worker threads; a
KeyboardInterrupt raised in the middle of that can be swallowed by a task, leave a thread that
keeps the interpreter alive, or reach invoke, which exits 1 without a word. The offline tasks
change nothing outside their own process (--out is written last), so the honest answer to Ctrl-C
is to clean up what they started (the compared revision's planner) and leave immediately.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from shared.cli.common import EXIT_INTERRUPTED


@contextmanager
def exit_on_interrupt(what: str, cleanups: list[Callable[[], None]]) -> Iterator[None]:
    """While inside: SIGINT runs `cleanups` (appended to as things start), prints one line and
    exits 130 without unwinding through Pulumi's loop and threads."""

    def stop(signum: int, frame: object) -> None:
        for cleanup in cleanups:
            with contextlib.suppress(Exception):  # leaving anyway; the line below says what stopped
                cleanup()
        sys.stderr.write(f"error: {what} interrupted (Ctrl-C); nothing was written\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
