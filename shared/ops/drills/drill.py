"""`invoke drill`: a planned failover, its verification, the failback, and a report of both.

Recovery that was never rehearsed is a hope. The drill measures it: every step's time, the
recovery time observed, the replication lag seen and, with a prober and a heartbeat, what users
saw (each entry point's outage, from its first failed or fenced answer to its first good answer
from the region that serves next) and what was lost (the heartbeats the new writer lacks),
written as Markdown (for people) and JSON (for trend tracking) under .runs/<env>/.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import Prober
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line
from shared.ops.aws.probes import LagReading, global_cluster
from shared.ops.aws.status import collect_status
from shared.ops.aws.topology import DrTopology
from shared.ops.drills.drill_sections import (
    Window,
    move_table,
    outage_table,
    outages,
    rpo_lines,
    strategy_facts,
    strategy_line,
    write_report,
)
from shared.ops.drills.heartbeat import Heartbeat, Rpo
from shared.ops.drills.timeline import gantt
from shared.ops.drills.user_probe import ACCELERATOR, GOOD, Answer, Outage, UserProber
from shared.ops.engines.failover import Engine
from shared.ops.engines.move import PLANNED, FailoverRequest, FailoverResult
from shared.ops.engines.state import utc_now

KIND = "planned"
# How long, after a move, the drill waits for the accelerator to answer from the region that
# now serves (Global Accelerator applies a dial change within about a minute).
SETTLE_SECONDS = 180.0


@dataclass
class DrillReport:
    environment: str
    started_at: str
    finished_at: str = ""
    outcome: str = "failed"
    error: str | None = None
    failover: FailoverResult | None = None
    failback: FailoverResult | None = None
    # What `invoke status` saw while the secondary served: serving region, writer, parameter.
    observed_during: dict[str, Any] = field(default_factory=dict)
    kind: str = KIND
    rpo: dict[str, list[Rpo]] = field(default_factory=dict)  # move -> per store; empty: not measured
    # entry point -> window ("failover", "failback") -> the user-visible outage in it
    user_outage: dict[str, dict[str, Outage]] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    strategy: str = "hot-standby"  # dr:strategy as deployed (the mirror's data/dr_strategy)

    @property
    def lag_seen(self) -> dict[str, float | None]:
        def worst(lag: LagReading | None) -> float | None:
            return None if lag is None else lag.max_seconds

        return {"before_failover_max_seconds": worst(self.failover.lag_before if self.failover else None),
                "before_failback_max_seconds": worst(self.failback.lag_before if self.failback else None)}

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "environment": self.environment, "started_at": self.started_at,
            "finished_at": self.finished_at, "outcome": self.outcome, "error": self.error,
            **strategy_facts(self.strategy, self.failover),
            "recovery_seconds": self.failover.recovery_seconds if self.failover else None,
            "failback_seconds": self.failback.recovery_seconds if self.failback else None,
            "replication_lag": self.lag_seen,
            "observed_during_failover": self.observed_during,
            "failover": self.failover.to_json() if self.failover else None,
            "failback": self.failback.to_json() if self.failback else None,
            "rpo": {move: [r.to_json() for r in stores] for move, stores in self.rpo.items()},
            "user_outage": {entry: {window: outage.to_json() for window, outage in windows.items()}
                            for entry, windows in self.user_outage.items()},
            "answers": [a.to_json() for a in self.answers],
        }

    def markdown(self) -> str:
        lag = self.lag_seen

        def seconds(value: float | None) -> str:
            return "no datapoints" if value is None else f"{value:.1f} s"

        lines = [
            f"# DR drill: {self.environment}", "",
            f"- Started: {self.started_at}, finished: {self.finished_at}",
            f"- Outcome: **{self.outcome.upper()}**" + (f" ({self.error})" if self.error else ""),
            "- Observed recovery time (failover): "
            + (f"**{self.failover.recovery_seconds:.1f} s**" if self.failover else "not reached"),
            "- Failback time: "
            + (f"{self.failback.recovery_seconds:.1f} s" if self.failback else "not reached"),
            strategy_line(strategy_facts(self.strategy, self.failover)),
            f"- Replication lag seen: {seconds(lag['before_failover_max_seconds'])} before the failover, "
            f"{seconds(lag['before_failback_max_seconds'])} before the failback",
            *rpo_lines(self.rpo),
        ]
        if not self.user_outage:
            lines.append("- User-visible outage: not measured (no prober ran)")
        lines += outage_table(self.user_outage)
        lines += gantt((("Failover", self.failover), ("Failback", self.failback)), self.user_outage)
        for title, result in (("Failover", self.failover), ("Failback", self.failback)):
            if result is None:
                continue
            lines += move_table(title, result)
            lines += ["", "Verified:"] + [f"- {item}" for item in result.verification]
        if self.observed_during:
            lines += ["", "## While the secondary served", ""]
            lines += [f"- {key}: {value}" for key, value in self.observed_during.items()]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        return write_report(directory, "drill", self.started_at, self.markdown(), self.to_json())


def run_drill(topology: DrTopology, clients: AwsClients, failover: Engine, *, yes: bool,
              echo: Callable[[str], None] = print, report_dir: Path | None = None,
              prober: UserProber | None = None, heartbeat: Heartbeat | None = None,
              settle_seconds: float = SETTLE_SECONDS) -> DrillReport:
    """Fail over to the secondary (planned), verify, fail back, and write the report; `prober`
    and `heartbeat` run for the whole drill (stopped on every exit) and measure what users saw
    and what was lost."""
    if topology.protect_data and not yes:
        raise Refused(f"environment {topology.environment} is protected (dr:protectData): a drill "
                      "switches its database and moves its traffic twice; rerun with --yes to go ahead")
    _require_primary_writer(topology, clients)
    report = DrillReport(topology.environment, utc_now(), strategy=topology.strategy)
    directory = report_dir or failover.store.directory / topology.environment
    measured = _Measure(topology, prober, heartbeat, settle_seconds, echo)
    try:
        with ExitStack() as running:
            for part in (prober, heartbeat):
                if part is not None:
                    running.enter_context(part)
            echo("== drill 1/3: planned failover to the secondary")
            measured.begin("failover", topology.primary, topology.secondary)
            report.failover = failover.run(FailoverRequest("secondary", PLANNED, operation="drill failover"))
            measured.moved(report, "failover")
            echo("== drill 2/3: verification while the secondary serves")
            report.observed_during = _observe(topology, clients, failover.prober)
            echo("== drill 3/3: failback to the primary")
            measured.begin("failback", topology.secondary, topology.primary)
            report.failback = failover.run(FailoverRequest(
                "primary", PLANNED, operation="drill failback", require_caught_up=True,
                restore_deployed_dials=True, catch_up_wait=True))
            measured.moved(report, "failback")
        report.outcome = "passed"
    except OpsError as error:
        report.error = str(error)
        raise
    finally:
        measured.report(report)
        report.finished_at = utc_now()
        markdown, data = report.write(directory)
        echo(f"drill {report.outcome}: report in {markdown} and {data}")
    return report


@dataclass
class _Measure:
    """The drill's windows on the prober's clock, and the heartbeats' phases."""

    topology: DrTopology
    prober: UserProber | None
    heartbeat: Heartbeat | None
    settle_seconds: float
    echo: Callable[[str], None]
    windows: list[Window] = field(default_factory=list)

    def begin(self, name: str, writer: Any, target: Any) -> None:
        if self.heartbeat:
            self.heartbeat.begin(name, writer.role)
        if self.prober:
            if self.windows:  # the previous window ends where this one starts
                previous = self.windows[-1]
                self.windows[-1] = (previous[0], previous[1], self.prober.now(), previous[3])
            self.windows.append((name, self.prober.now(), None, target.region))

    def moved(self, report: DrillReport, name: str) -> None:
        target = self.windows[-1][3] if self.windows else None
        # The accelerator's first good answer from the region now serving ends the users' outage.
        if (self.prober and target and ACCELERATOR in self.prober.entries
                and self.prober.wait_for(ACCELERATOR, lambda a: a.verdict == GOOD and a.region == target,
                                         self.settle_seconds) is None):
            self.echo(f"note: the accelerator did not answer from {target} within "
                          f"{self.settle_seconds:g} s of the {name}")
        if self.heartbeat:
            role = self.topology.secondary.role if name == "failover" else self.topology.primary.role
            report.rpo[name] = self.heartbeat.measure(role)

    def report(self, report: DrillReport) -> None:
        if self.prober:
            report.answers = self.prober.answers()
            report.user_outage = outages(self.topology, list(self.prober.entries), report.answers,
                                         self.windows)


def _require_primary_writer(topology: DrTopology, clients: AwsClients) -> None:
    try:
        cluster = global_cluster(clients, topology, topology.primary.region)
    except AWS_ERRORS as error:
        raise OpsError(f"cannot read the global cluster: {one_line(error)}") from None
    if cluster.writer_arn != topology.primary.cluster_arn:
        raise Refused(f"a drill starts from the primary, but {topology.primary.cluster_id} is not the "
                      "writer; fail back first (invoke failback)")


def _observe(topology: DrTopology, clients: AwsClients, prober: Prober) -> dict[str, Any]:
    status = collect_status(topology, clients, prober=prober)
    return {
        "serving regions": ", ".join(status.serving_regions) or "none",
        "database writer": status.writer_region,
        "active-region parameter": status.active_region or "regions disagree",
        "standby (old primary) ready": "yes" if status.standby_ready
        else "no: " + "; ".join(status.standby_problems),
    }


