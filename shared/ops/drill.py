"""`invoke drill`: a planned failover, its verification, the failback, and a report of both.

Recovery that was never rehearsed is a hope. The drill measures it: every step's time, the
recovery time observed, the replication lag seen, written as Markdown (for people) and JSON
(for trend tracking) under .runs/<env>/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.ops.clients import AwsClients
from shared.ops.entry import Prober
from shared.ops.errors import OpsError, Refused
from shared.ops.failover import PLANNED, Engine, FailoverRequest, FailoverResult
from shared.ops.probes import AWS_ERRORS, LagReading, global_cluster, one_line
from shared.ops.state import utc_now
from shared.ops.status import collect_status
from shared.ops.topology import DrTopology


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

    @property
    def lag_seen(self) -> dict[str, float | None]:
        def worst(lag: LagReading | None) -> float | None:
            return None if lag is None else lag.max_seconds

        return {"before_failover_max_seconds": worst(self.failover.lag_before if self.failover else None),
                "before_failback_max_seconds": worst(self.failback.lag_before if self.failback else None)}

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "started_at": self.started_at,
            "finished_at": self.finished_at, "outcome": self.outcome, "error": self.error,
            "recovery_seconds": self.failover.recovery_seconds if self.failover else None,
            "failback_seconds": self.failback.recovery_seconds if self.failback else None,
            "replication_lag": self.lag_seen,
            "observed_during_failover": self.observed_during,
            "failover": self.failover.to_json() if self.failover else None,
            "failback": self.failback.to_json() if self.failback else None,
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
            f"- Replication lag seen: {seconds(lag['before_failover_max_seconds'])} before the failover, "
            f"{seconds(lag['before_failback_max_seconds'])} before the failback",
        ]
        for title, result in (("Failover", self.failover), ("Failback", self.failback)):
            if result is None:
                continue
            lines += ["", f"## {title}: {result.source_region} -> {result.target_region} ({result.mode})", "",
                      "| step | outcome | seconds | detail |", "|---|---|---:|---|"]
            lines += [f"| {s.name} | {s.outcome} | {s.seconds:.1f} | {s.detail.replace('|', '/')} |"
                      for s in result.steps]
            lines += ["", "Verified:"] + [f"- {item}" for item in result.verification]
        if self.observed_during:
            lines += ["", "## While the secondary served", ""]
            lines += [f"- {key}: {value}" for key, value in self.observed_during.items()]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.replace("+00:00", "Z").replace(":", "")
        markdown, data = directory / f"drill-{stamp}.md", directory / f"drill-{stamp}.json"
        markdown.write_text(self.markdown(), encoding="utf-8")
        data.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return markdown, data


def run_drill(topology: DrTopology, clients: AwsClients, failover: Engine, *, yes: bool,
              echo: Callable[[str], None] = print, report_dir: Path | None = None) -> DrillReport:
    """Fail over to the secondary (planned), verify, fail back, and write the report."""
    if topology.protect_data and not yes:
        raise Refused(f"environment {topology.environment} is protected (dr:protectData): a drill "
                      "switches its database and moves its traffic twice; rerun with --yes to go ahead")
    _require_primary_writer(topology, clients)
    report = DrillReport(topology.environment, utc_now())
    directory = report_dir or failover.store.directory / topology.environment
    try:
        echo("== drill 1/3: planned failover to the secondary")
        report.failover = failover.run(FailoverRequest("secondary", PLANNED, operation="drill failover"))
        echo("== drill 2/3: verification while the secondary serves")
        report.observed_during = _observe(topology, clients, failover.prober)
        echo("== drill 3/3: failback to the primary")
        report.failback = failover.run(FailoverRequest(
            "primary", PLANNED, operation="drill failback", require_caught_up=True,
            restore_deployed_dials=True, catch_up_wait=True))
        report.outcome = "passed"
    except OpsError as error:
        report.error = str(error)
        raise
    finally:
        report.finished_at = utc_now()
        markdown, data = report.write(directory)
        echo(f"drill {report.outcome}: report in {markdown} and {data}")
    return report


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


