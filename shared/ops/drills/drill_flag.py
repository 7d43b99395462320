"""The outage drill's impairment, `/dr/<env>/regional/drill/impaired`, from the operator's side.

`invoke drill --kind outage` sets it "true" in the primary and puts it back to "false" on every
way out of the drill: normal end, an error, Ctrl-C and SIGTERM (which `terminate_raises` turns
into the same KeyboardInterrupt for the drill's duration). When putting it back fails, the
drill prints the one command that does it by hand and exits non-zero. Only a `kill -9` skips
all of that; `invoke status` then shows the flag still "true" in that region.
"""

from __future__ import annotations

import ast
import functools
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from shared.config import HANDLERS_DIR
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, one_line
from shared.ops.aws.fence import fence_value, set_fence
from shared.ops.engines.state import utc_now

IMPAIRED, CLEAR = "true", "false"
# The health function caches the flag; its module holds the literal (read, not imported, as fence.py does).
HANDLER_DRILL_MODULE = HANDLERS_DIR / "drill.py"


@functools.cache
def flag_cache_seconds(module: Path = HANDLER_DRILL_MODULE) -> float:
    """How long the health function may go on answering from its cached flag."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        names = [target.id for target in getattr(node, "targets", []) if isinstance(target, ast.Name)]
        if isinstance(node, ast.Assign) and "TTL_SECONDS" in names:
            return float(ast.literal_eval(node.value))
    raise OpsError(f"{module} sets no literal TTL_SECONDS: the drill cannot tell how long health caches "
                   "its flag; restore it as a number of seconds")


def clear_command(region: str, name: str) -> str:
    return (f"aws ssm put-parameter --region {region} --name {name} --value {CLEAR} --type String "
            "--overwrite")


@dataclass(frozen=True)
class FlagRestore:
    outcome: str  # "restored", "untouched" (never set), or "FAILED"
    at: str
    detail: str = ""
    command: str = ""  # what clears it by hand; set when it failed

    @property
    def failed(self) -> bool:
        return self.outcome == "FAILED"

    def to_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "at": self.at, "detail": self.detail, "command": self.command}


class DrillFlag:
    """The flag in one region. `impair` marks it touched before writing, so a write whose outcome
    is unknown (a timeout) is still put back."""

    def __init__(self, clients: AwsClients, region: str, name: str) -> None:
        self.clients, self.region, self.name = clients, region, name
        self.touched = False
        self.restored: FlagRestore | None = None

    @property
    def command(self) -> str:
        return clear_command(self.region, self.name)

    def current(self) -> str | None:
        try:
            return fence_value(self.clients, self.region, self.name)
        except AWS_ERRORS as error:
            raise OpsError(f"cannot read the drill flag {self.name} in {self.region}: "
                           f"{one_line(error)}") from None

    def impair(self) -> None:
        self.touched = True
        self.restored = None
        set_fence(self.clients, self.region, self.name, IMPAIRED)

    def restore(self) -> FlagRestore:
        """Put it back to "false" (once; later calls return the first result unless it failed)."""
        if self.restored and not self.restored.failed:
            return self.restored
        if not self.touched:
            self.restored = FlagRestore("untouched", utc_now(), "never set")
            return self.restored
        try:
            set_fence(self.clients, self.region, self.name, CLEAR)
            seen = fence_value(self.clients, self.region, self.name)
            if seen != CLEAR:
                raise OpsError(f"it reads back {seen!r}")
            self.restored = FlagRestore("restored", utc_now(), f"{self.name} = {CLEAR} in {self.region}")
        except (*AWS_ERRORS, OpsError, KeyboardInterrupt) as error:  # a second Ctrl-C lands here too
            self.restored = FlagRestore("FAILED", utc_now(), one_line(error) or type(error).__name__,
                                        self.command)
        return self.restored


class Terminated(KeyboardInterrupt):
    """SIGTERM during the drill, raised like Ctrl-C so every `finally` restores what it must."""


@contextmanager
def terminate_raises() -> Iterator[None]:
    """SIGTERM raises Terminated meanwhile; the previous handler comes back afterwards. Signal
    handlers can only be installed from the main thread: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
