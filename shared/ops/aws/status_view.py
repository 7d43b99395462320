"""What `invoke status` shows: each region's readings and the verdicts drawn from them, as one
screen for people or JSON for scripts. Filled in by shared.ops.aws.status."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from shared.ops.aws.errors import AWS_ERRORS, one_line
from shared.ops.aws.probes import short_id

T = TypeVar("T")


@dataclass
class RegionStatus:
    role: str
    region: str
    active_region_parameter: str | None = None
    # The authority record in this region's replica (shared/ops/aws/authority.py): who writes.
    authority_region: str | None = None  # "" while a move is under way
    authority_generation: int | None = None
    traffic_dial: float | None = None
    endpoints: list[dict[str, Any]] = field(default_factory=list)  # endpoint, health, reason
    health_check: dict[str, Any] | None = None  # id, healthy, detail
    entry_point: dict[str, Any] | None = None  # url, answered, healthy, detail: its own /health
    writes_enabled: str | None = None  # the region's write fence, "true" or "false"
    # The outage drill's flag: "true" while (or, after a `kill -9`, since) a drill impairs the region.
    drill_impaired: str | None = None
    database_role: str = "unknown"  # writer, reader, not a member, unknown
    replication_lag_seconds: float | None = None
    table_status: str | None = None
    bucket: str = ""
    bucket_replication: list[dict[str, Any]] | None = None  # rules; [] when none configured
    errors: list[str] = field(default_factory=list)

    def probe(self, what: str, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except AWS_ERRORS as error:
            self.errors.append(f"{what}: {one_line(error)}")
            return None


@dataclass
class DrStatus:
    environment: str
    parameter_name: str
    # Who writes, by the newest authority record either region answered with; None while a move
    # is under way or when neither region's record could be read.
    active_region: str | None
    writer_region: str | None
    serving_regions: list[str]
    global_cluster_status: str | None
    failover_in_progress: dict[str, Any] | None
    standby_region: str
    standby_ready: bool
    standby_problems: list[str]
    replication_lag_limit_seconds: int
    regions: list[RegionStatus]
    errors: list[str] = field(default_factory=list)
    topology_source: str = ""  # where the identifiers were read: the contract mirror, or Pulumi
    # The Region switch plan's latest evaluation (shared.ops.aws.region_switch.Evaluation.to_json, with
    # plan_arn, plan_name and the regions that did not answer); None when no plan is deployed.
    plan: dict[str, Any] | None = None
    strategy: str = "hot-standby"  # dr:strategy: what a failover must bring up in the standby

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def region(self, role: str) -> RegionStatus:
        return next(r for r in self.regions if r.role == role)

    def render(self) -> str:
        return render(self)

    def formatted(self, format: str) -> str:
        """What `invoke status` prints: the screen, or JSON (timestamps as ISO text) for scripts."""
        if format == "json":
            return json.dumps(self.to_json(), indent=2, default=str)
        return self.render()


def _dial(value: float | None) -> str:
    return "?" if value is None else f"{value:g}%"


def _rules(rules: list[dict[str, Any]] | None) -> str:
    if rules is None:
        return "?"
    if not rules:
        return "none (replica side)"
    return ", ".join(f"{r['id']} {r['status']} -> {r['destination']}"
                     + (" (RTC)" if r["time_control"] else "") for r in rules)


def _plan_lines(plan: dict[str, Any] | None) -> list[str]:
    if plan is None:
        return ["Region switch plan: no Region switch plan deployed (failover runs the client-side sequence)"]
    name = plan.get("plan_name") or plan["plan_arn"]
    if "evaluation_state" not in plan:
        return [f"Region switch plan {name}: evaluation unreadable"]
    when = plan.get("last_evaluation_time")
    when_text = when.isoformat() if isinstance(when, datetime) else str(when or "never")
    state = plan["evaluation_state"]
    verdict = {"passed": " (ready)",
               "actionRequired": " (NOT READY: fix the warnings, or fail over with --local)"}.get(state, "")
    lines = [f"Region switch plan {name}: evaluation {state}{verdict}, last evaluated {when_text} "
             f"(read in {plan['read_in']})"]
    lines.extend(f"  plan warning: {w.get('step') or w.get('workflow') or 'plan'}: {w['message']}"
                 + (f" ({short_id(str(w['resource']))})" if w.get("resource") else "")
                 for w in plan.get("warnings") or [])
    return lines


def _authority(r: RegionStatus) -> str:
    if r.authority_generation is None:
        return "unreadable"
    return f"generation {r.authority_generation}, " + (
        f"{r.authority_region} writes" if r.authority_region else "nobody writes (move under way)")


def render(status: DrStatus) -> str:
    lines = [f"DR status of {status.environment}"
             + (f" (identifiers from {status.topology_source})" if status.topology_source else "")]
    seen = ", ".join(f"{r.region}: {_authority(r)}" for r in status.regions)
    generations = {r.authority_generation for r in status.regions}
    agreement = "both regions agree" if len(generations) == 1 else "a replica is behind or unreadable"
    if status.active_region:
        lines.append(f"active region:   {status.active_region} (authority record: {seen}; {agreement})")
    else:
        lines.append(f"active region:   NONE WRITES (authority record: {seen})")
    lines.append(f"database writer: {status.writer_region or '?'} (global cluster "
                 f"{status.global_cluster_status or '?'})")
    if status.failover_in_progress:
        state = status.failover_in_progress
        lines.append(f"  Aurora operation under way: {state.get('Status')} to "
                     f"{short_id(str(state.get('ToDbClusterArn', '')))}")
    lines.append("serving traffic: " + (", ".join(status.serving_regions) or "NO REGION (all dials 0)"))
    verdict = "READY" if status.standby_ready else "NOT READY: " + "; ".join(status.standby_problems)
    lines.append(f"standby {status.standby_region}: {verdict}")
    if status.strategy != "hot-standby":
        lines.append(f"  DR strategy {status.strategy}: a failover brings it up first (database "
                     "instance and capacity), which adds to the recovery time")
    lines.extend(_plan_lines(status.plan))
    lines.append("")

    def health(r: RegionStatus) -> str:
        check = r.health_check
        if not check:
            return "?"
        return ("healthy" if check["healthy"] else "UNHEALTHY") + f" ({check['detail']})"

    def lag(r: RegionStatus) -> str:
        if r.database_role == "writer":
            return "- (writer)"
        return "?" if r.replication_lag_seconds is None else f"{r.replication_lag_seconds:.1f} s"

    def entry(r: RegionStatus) -> str:
        point = r.entry_point
        if not point:
            return "?"
        return ("healthy" if point["healthy"] else "UNHEALTHY") + f" ({point['detail']})"

    rows: list[tuple[str, Callable[[RegionStatus], str]]] = [
        ("authority record", _authority),
        ("active-region parameter", lambda r: r.active_region_parameter or "?"),
        ("writes-enabled flag", lambda r: r.writes_enabled or "?"),
        ("outage drill impairing", lambda r: "YES (health answers 503)" if r.drill_impaired == "true"
         else r.drill_impaired or "?"),
        ("entry point /health", entry),
        ("traffic dial", lambda r: _dial(r.traffic_dial)),
        ("GA endpoint health", lambda r: ", ".join(e["health"] for e in r.endpoints) or "?"),
        ("Route 53 health check", health),
        ("Aurora role", lambda r: r.database_role),
        ("replication lag", lag),
        ("DynamoDB replica", lambda r: r.table_status or "?"),
        ("S3 replication", lambda r: _rules(r.bucket_replication)),
    ]
    headers = [f"{r.role} {r.region}" for r in status.regions]
    cells = [[render_cell(r) for r in status.regions] for _, render_cell in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    label = max(len(name) for name, _ in rows)

    def line(first: str, columns: list[str]) -> str:
        return first.ljust(label) + "  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))

    lines.append(line("", headers))
    lines.extend(line(name, row) for (name, _), row in zip(rows, cells, strict=True))
    problems = status.errors + ((status.plan or {}).get("errors") or [])
    for problem in problems + [f"{r.region}: {e}" for r in status.regions for e in r.errors]:
        lines.append(f"error: {problem}")
    return "\n".join(line.rstrip() for line in lines)
