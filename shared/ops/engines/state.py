"""Progress of a failover per environment, saved after each step so a rerun resumes there."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.config import runs_root


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class StepRecord:
    name: str
    outcome: str  # done, already done, by hand, failed
    seconds: float
    detail: str = ""
    at: str = field(default_factory=utc_now)
    phase: int = 0  # steps of one phase ran side by side: the phase costs its slowest step

    @property
    def finished(self) -> bool:
        return self.outcome in ("done", "already done")


@dataclass
class RunState:
    environment: str
    operation: str  # failover or failback
    target: str  # region role
    mode: str  # planned or unplanned
    started_at: str = field(default_factory=utc_now)
    # Names the run in the operation lock, so the rerun of an interrupted run takes it back.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    completed: bool = False
    failed_step: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        steps = {name: StepRecord(**record) for name, record in (data.get("steps") or {}).items()}
        return cls(**{**data, "steps": steps})


class StateStore:
    """`<directory>/<env>/failover.json`: one in-flight DR operation per environment."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or runs_root()
        self._lock = threading.Lock()  # steps running side by side save the same file

    def path(self, environment: str) -> Path:
        return self.directory / environment / "failover.json"

    def load(self, environment: str) -> RunState | None:
        path = self.path(environment)
        if not path.exists():
            return None
        try:
            return RunState.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            # An unreadable file cannot say where to resume; every step checks AWS anyway.
            return None

    def save(self, state: RunState) -> None:
        path = self.path(state.environment)
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(state.to_json(), indent=2) + "\n", encoding="utf-8")
