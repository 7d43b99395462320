"""What a person sees during and after a run: live per-layer state, then a summary table.

On a terminal one line per layer is redrawn in place (state and elapsed time); elsewhere (CI,
a pipe) each state change is one plain, timestamped line, so parallel layers never interleave
their Pulumi output: that goes to each layer's own log file.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from shared.orchestrator.pulumi_cli import log_path_hint
from shared.orchestrator.scheduler import FAILED, Listener, Outcome, RunResult

REFRESH_SECONDS = 0.5


def duration(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{seconds:.1f}s"


def changes_text(outcome: Outcome) -> str:
    symbols = {"created": "+", "updated": "~", "replaced": "+-", "deleted": "-"}
    parts = [f"{symbols[k]}{outcome.changes[k]}" for k in symbols if outcome.changes.get(k)]
    return " ".join(parts) or ("0" if outcome.ok else "-")


class Progress(Listener):
    """Listener that renders the run; `live` defaults to whether `stream` is a terminal."""

    def __init__(self, action: str, layers: Sequence[str], stream: IO[str] | None = None,
                 live: bool | None = None) -> None:
        self.action = action
        self.layers = list(layers)
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.started_at: dict[str, float] = {}
        self.outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()
        self._drawn = 0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
            self._redraw()

    def started(self, layer: str) -> None:
        with self._lock:
            self.started_at[layer] = time.monotonic()
        if not self.live:
            self._line(f"{layer}: {self.action} started")

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes[outcome.layer] = outcome
        if not self.live:
            detail = f" ({outcome.message})" if outcome.message else ""
            log = f", log {log_path_hint(outcome.log)}" if outcome.log and not outcome.ok else ""
            self._line(f"{outcome.layer}: {outcome.status} in {duration(outcome.seconds)}{detail}{log}")

    def _line(self, text: str) -> None:
        with self._lock:
            self.stream.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            self._redraw()

    def _redraw(self) -> None:
        with self._lock:
            rows = [self._state(layer) for layer in self.layers]
            width = max(len(layer) for layer in self.layers)
            # Move the cursor back over the previous frame and overwrite it line by line.
            out = "\x1b[F" * self._drawn
            out += "".join(f"\x1b[2K  {layer:<{width}}  {state}\n"
                           for layer, state in zip(self.layers, rows, strict=True))
            self.stream.write(out)
            self.stream.flush()
            self._drawn = len(rows)

    def _state(self, layer: str) -> str:
        if layer in self.outcomes:
            outcome = self.outcomes[layer]
            return f"{outcome.status} {duration(outcome.seconds)}"
        if layer in self.started_at:
            return f"running {duration(time.monotonic() - self.started_at[layer])}"
        return "waiting"


def summary(result: RunResult, layers: Sequence[str]) -> str:
    """The closing table: layer, result, duration, resources changed."""
    rows = [("layer", "result", "duration", "changed")]
    for layer in layers:
        outcome = result.outcomes[layer]
        rows.append((layer, outcome.status, duration(outcome.seconds), changes_text(outcome)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"wall time {duration(result.seconds)}")
    return "\n".join(lines)


def failure_message(result: RunResult, action: str) -> str:
    """One line naming each failed layer and its log, for the non-zero exit."""
    failed = [o for o in result.outcomes.values() if o.status == FAILED]
    if result.interrupted:
        return f"{action} interrupted: layers already running were stopped cleanly; run again to resume"
    parts = [f"{o.layer} ({o.message}; log {log_path_hint(o.log) if o.log else 'none'})" for o in failed]
    return f"{action} failed in {', '.join(parts)}; fix it and run again to resume"


def write_report(path: Path, environment: str, action: str, result: RunResult) -> None:
    """`--report FILE`: the run as JSON, for CI to archive or a dashboard to read."""
    layers: list[dict[str, Any]] = [
        {"layer": o.layer, "result": o.status, "seconds": round(o.seconds, 3), "changes": o.changes,
         "attempts": o.attempts, "message": o.message, "log": str(o.log) if o.log else None,
         "outputs_changed": o.outputs_changed}
        for o in result.outcomes.values()
    ]
    report = {"environment": environment, "action": action, "ok": result.ok,
              "interrupted": result.interrupted, "seconds": round(result.seconds, 3), "layers": layers}
    path.write_text(json.dumps(report, indent=2) + "\n")
