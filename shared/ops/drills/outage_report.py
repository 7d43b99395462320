"""What `invoke drill --kind outage` measured, as Markdown (for people) and JSON (for trends).

Detection is measured from the prober's view, from the moment the drill set the flag:
- the primary's health answers impaired (the health function's cache of the flag, at most its TTL);
- Global Accelerator stops sending users to the primary: the first answer through the accelerator
  from the secondary. With the dials at primary 100 / secondary 0 that is GA's own failover: when
  no endpoint of a group with weight above zero is healthy, GA fails over to the next group and
  ignores its traffic dial for that (AWS Global Accelerator guide, "How failover works for
  unhealthy endpoints"), before any dial moves;
- each region's Route 53 health check, as its checkers report it (polled, informational): the
  primary's must turn unhealthy, the secondary's stay healthy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.ops.drills.drill_flag import FlagRestore
from shared.ops.drills.drill_sections import (
    move_table,
    outage_table,
    rpo_lines,
    strategy_facts,
    strategy_line,
    write_report,
)
from shared.ops.drills.heartbeat import Rpo
from shared.ops.drills.timeline import gantt
from shared.ops.drills.user_probe import ACCELERATOR, GOOD, IMPAIRED, Answer, Outage
from shared.ops.engines.move import FailoverResult

KIND = "outage"


@dataclass
class Detection:
    """Seconds from setting the flag, on the prober's clock; None: not seen within the drill's wait."""

    flag_cache_seconds: float
    impaired_seconds: float | None = None  # first impaired answer from the primary
    accelerator_moved_seconds: float | None = None  # first accelerator answer from the secondary
    route53_unhealthy_seconds: dict[str, float | None] = field(default_factory=dict)  # by region
    route53_last: dict[str, str] = field(default_factory=dict)  # by region: what the checkers said last
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"flag_cache_seconds": self.flag_cache_seconds, "impaired_seconds": self.impaired_seconds,
                "accelerator_moved_seconds": self.accelerator_moved_seconds,
                "route53_unhealthy_seconds": self.route53_unhealthy_seconds,
                "route53_last": self.route53_last, "notes": self.notes}


def first_impaired(answers: list[Answer], entries: tuple[str, ...], region: str,
                   since: float) -> float | None:
    seen = [a.at for a in answers if a.entry in entries and a.at >= since and a.verdict == IMPAIRED
            and a.region in (region, None)]
    return min(seen) - since if seen else None


def first_moved(answers: list[Answer], region: str, since: float) -> float | None:
    seen = [a.at for a in answers if a.entry == ACCELERATOR and a.at >= since and a.verdict == GOOD
            and a.region == region]
    return min(seen) - since if seen else None


@dataclass
class OutageReport:
    environment: str
    started_at: str
    primary_region: str
    secondary_region: str
    flag_name: str
    kind: str = KIND
    finished_at: str = ""
    outcome: str = "failed"
    error: str | None = None
    flag_set_at: str | None = None
    flag_restore: FlagRestore | None = None
    detection: Detection | None = None
    failover: FailoverResult | None = None
    failback: FailoverResult | None = None
    lost_writes_acknowledged: str | None = None  # what the drill passed as --ack-snapshot, and why
    rpo: dict[str, list[Rpo]] = field(default_factory=dict)  # move -> per store; empty: not measured
    # entry point -> window ("impairment", "failback") -> the user-visible outage in it
    user_outage: dict[str, dict[str, Outage]] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    # The return: seconds from clearing the impairment until the primary's health answered
    # standby (None: it never did before the failback), and the last role it answered.
    returned_standby_seconds: float | None = None
    returned_role: str | None = None
    strategy: str = "hot-standby"  # dr:strategy as deployed (the mirror's data/dr_strategy)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "environment": self.environment, "started_at": self.started_at,
            "finished_at": self.finished_at, "outcome": self.outcome, "error": self.error,
            **strategy_facts(self.strategy, self.failover),
            "primary_region": self.primary_region, "secondary_region": self.secondary_region,
            "flag": {"name": self.flag_name, "region": self.primary_region, "set_at": self.flag_set_at,
                     "restore": self.flag_restore.to_json() if self.flag_restore else None},
            "detection": self.detection.to_json() if self.detection else None,
            "recovery_seconds": self.failover.recovery_seconds if self.failover else None,
            "failback_seconds": self.failback.recovery_seconds if self.failback else None,
            "returned_standby_seconds": self.returned_standby_seconds, "returned_role": self.returned_role,
            "lost_writes_acknowledged": self.lost_writes_acknowledged,
            "rpo": {move: [r.to_json() for r in stores] for move, stores in self.rpo.items()},
            "user_outage": {entry: {window: outage.to_json() for window, outage in windows.items()}
                            for entry, windows in self.user_outage.items()},
            "failover": self.failover.to_json() if self.failover else None,
            "failback": self.failback.to_json() if self.failback else None,
            "answers": [a.to_json() for a in self.answers],
        }

    def markdown(self) -> str:
        def seconds(value: float | None, missing: str = "not seen") -> str:
            return missing if value is None else f"{value:.1f} s"

        restore = self.flag_restore
        lines = [
            f"# DR outage drill: {self.environment}", "",
            f"- Started: {self.started_at}, finished: {self.finished_at}",
            f"- Outcome: **{self.outcome.upper()}**" + (f" ({self.error})" if self.error else ""),
            f"- Impairment: `{self.flag_name}` = true in {self.primary_region} at "
            f"{self.flag_set_at or 'never'} (its health answers 503; the application is untouched)",
            "- Flag restored: " + ("not reached" if restore is None else
                                   f"{restore.outcome} at {restore.at} ({restore.detail})"
                                   + (f"; clear it by hand: `{restore.command}`" if restore.failed else "")),
        ]
        if self.detection:
            d = self.detection
            lines += ["", "## Detection (seconds after setting the flag, from the prober)", "",
                      f"- Primary answers impaired: {seconds(d.impaired_seconds)} "
                      f"(health caches the flag up to {d.flag_cache_seconds:g} s)",
                      f"- Global Accelerator sends users to {self.secondary_region}: "
                      f"{seconds(d.accelerator_moved_seconds)}"]
            lines += [f"- Route 53 health check in {region} unhealthy: {seconds(value, 'not seen')} "
                      f"(last: {d.route53_last.get(region, '?')})"
                      for region, value in d.route53_unhealthy_seconds.items()]
            lines += [f"- note: {note}" for note in d.notes]
        lines += ["", "- Observed recovery time (failover): "
                  + (f"**{self.failover.recovery_seconds:.1f} s**" if self.failover else "not reached"),
                  f"- The return: {self.primary_region} reported standby "
                  + (f"{self.returned_standby_seconds:.1f} s after the impairment was cleared"
                     if self.returned_standby_seconds is not None
                     else f"never (last role: {self.returned_role or 'unknown'})"),
                  "- Failback time: " + (f"{self.failback.recovery_seconds:.1f} s" if self.failback
                                         else "not reached"),
                  strategy_line(strategy_facts(self.strategy, self.failover))]
        if self.lost_writes_acknowledged:
            lines.append(f"- Lost writes: {self.lost_writes_acknowledged}")
        lines += rpo_lines(self.rpo)
        lines += outage_table(self.user_outage)
        lines += gantt((("Failover", self.failover), ("Failback", self.failback)), self.user_outage)
        for title, result in (("Failover", self.failover), ("Failback", self.failback)):
            if result is None:
                continue
            lines += move_table(title, result)
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        return write_report(directory, "drill-outage", self.started_at, self.markdown(), self.to_json())
