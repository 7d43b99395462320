"""A move between regions: what the operator asks of a failover engine (which region should
serve, how carefully) and what the engine answers (each step, timed, and what is left by hand).

Its own module so both engines, the preflight, the steps and the drills read it without
importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.ops.aws.probes import LagReading
from shared.ops.engines.state import StepRecord

PLANNED, UNPLANNED = "planned", "unplanned"


@dataclass(frozen=True)
class FailoverRequest:
    target: str  # region role that should serve afterwards: primary or secondary
    mode: str = PLANNED
    force: bool = False  # go on although the target looks unhealthy, lags, or the lock is held
    operation: str = "failover"  # failover or failback: the name in messages and reports
    # failback: the old primary must have caught up, and the deployed dials and fences come back.
    require_caught_up: bool = False
    restore_deployed_dials: bool = False
    catch_up_wait: bool = False  # wait (Timeouts.catch_up) for the lag instead of refusing
    check_lost_writes: bool = False  # failback: an unplanned failover's snapshot must be kept first
    ack_snapshot: str | None = None
    # Take over the operation lock another run holds (an orphaned one): separate from --force, so
    # breaking a lock never also turns off the safety checks.
    break_lock: bool = False


@dataclass
class FailoverResult:
    environment: str
    operation: str
    mode: str
    source_region: str
    target_region: str
    steps: list[StepRecord]
    resumed_from: str | None
    lag_before: LagReading | None
    verification: list[str] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)  # what is left for the operator
    lost_writes: str | None = None  # unplanned: where the writes that did not replicate are kept
    topology_source: str = ""  # where the identifiers were read: the contract mirror, or Pulumi
    notes: list[str] = field(default_factory=list)  # what the run decided on the way, e.g. waits
    # A Region switch plan execution (shared.ops.engines.plan_failover) reports its own recovery time.
    plan_execution_id: str | None = None
    measured_seconds: float | None = None
    measured_by: str = ""  # how the recovery time was measured; "" = the sum of the phases below

    @property
    def recovery_seconds(self) -> float:
        """Measured recovery time: each phase costs its slowest step (earlier attempts included)."""
        if self.measured_seconds is not None:
            return self.measured_seconds
        phases: dict[int, float] = {}
        for step in self.steps:
            phases[step.phase] = max(phases.get(step.phase, 0.0), step.seconds)
        return round(sum(phases.values()), 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "operation": self.operation, "mode": self.mode,
            "source_region": self.source_region, "target_region": self.target_region,
            "resumed_from": self.resumed_from, "recovery_seconds": self.recovery_seconds,
            "lag_before_seconds": None if self.lag_before is None else {
                "metric": self.lag_before.metric,
                "latest": self.lag_before.latest_seconds, "max": self.lag_before.max_seconds},
            "steps": [{"name": s.name, "outcome": s.outcome, "seconds": s.seconds, "detail": s.detail,
                       "phase": s.phase} for s in self.steps],
            "verification": self.verification, "by_hand": self.by_hand, "lost_writes": self.lost_writes,
            "topology_source": self.topology_source, "notes": self.notes,
            "plan_execution_id": self.plan_execution_id,
            "recovery_measured_by": self.measured_by or "sum of the phases (each its slowest step)",
        }

    def render(self) -> str:
        width = max(len(s.name) for s in self.steps)
        lines = [f"{self.operation} {self.environment}: {self.source_region} -> {self.target_region} "
                 f"({self.mode}); identifiers from {self.topology_source or '?'}",
                 f"{'step'.ljust(width)}  {'outcome':<13} seconds"]
        lines.extend(f"{s.name.ljust(width)}  {s.outcome:<13} {s.seconds:>7.1f}" for s in self.steps)
        by_phase: dict[int, list[StepRecord]] = {}
        for step in self.steps:
            by_phase.setdefault(step.phase, []).append(step)
        parts = " + ".join(" | ".join(f"{s.name} {s.seconds:.1f}" for s in group)
                           for group in by_phase.values())
        if self.measured_by:
            lines.append(f"recovery time: {self.recovery_seconds:.1f} s ({self.measured_by})")
        else:
            lines.append(f"recovery time: {self.recovery_seconds:.1f} s ({parts}; | = side by side)")
        lines.extend(f"note: {item}" for item in self.notes)
        lines.extend(f"verified: {item}" for item in self.verification)
        if self.lost_writes:
            lines.append(f"unreplicated writes: {self.lost_writes}")
        lines.extend(f"left to do by hand: {item}" for item in self.by_hand)
        return "\n".join(lines)
