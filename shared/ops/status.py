"""`invoke status`: which region serves, and is the standby ready? One screen, or JSON.

Every read is independent: a region that is down shows its errors, the rest still shows. The
reads run side by side, grouped by the endpoint they call (each region's own APIs, Global
Accelerator's, Route 53's, the entry points over HTTP), so a dead endpoint costs its timeout once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from shared.ops.clients import AwsClients
from shared.ops.entry import Prober, http_probe
from shared.ops.fence import fence_value
from shared.ops.parallel import together
from shared.ops.probes import (
    AWS_ERRORS,
    GlobalClusterState,
    endpoint_group,
    global_cluster,
    health_check,
    lag_metric,
    one_line,
    parameter_value,
    replication_lag,
    short_id,
)
from shared.ops.region_switch import read_evaluation
from shared.ops.topology import DrTopology, RegionTopology

T = TypeVar("T")


@dataclass
class RegionStatus:
    role: str
    region: str
    active_region_parameter: str | None = None
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
    active_region: str | None  # what both parameters say; None when they disagree or are unreadable
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
    # The Region switch plan's latest evaluation (shared.ops.region_switch.Evaluation.to_json, with
    # plan_arn, plan_name and the regions that did not answer); None when no plan is deployed.
    plan: dict[str, Any] | None = None

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


def collect_status(topology: DrTopology, clients: AwsClients, *, now: datetime | None = None,
                   prober: Prober = http_probe, probe_timeout: float = 5, timeout: float = 60) -> DrStatus:
    regions = [RegionStatus(role=side.role, region=side.region, bucket=side.bucket_name)
               for side in topology.regions]
    errors: list[str] = []
    pairs = list(zip(topology.regions, regions, strict=True))
    found: dict[str, GlobalClusterState | None] = {}

    def each(read: Callable[[RegionTopology, RegionStatus], None]) -> Callable[[], None]:
        def both() -> None:  # one endpoint's reads for both regions, in order: one caller per client
            for side, status in pairs:
                read(side, status)
        return both

    tasks: dict[str, Callable[[], None]] = {
        "global cluster": lambda: found.update(cluster=_read_global_cluster(topology, clients, errors)),
        "Global Accelerator": each(lambda side, status: _read_accelerator(clients, side, status)),
        "Route 53": each(lambda side, status: _read_route53(clients, side, status)),
        "entry points": each(lambda side, status: _read_entry(prober, probe_timeout, side, status)),
    }
    for side, status in pairs:
        tasks[side.region] = (lambda s=side, r=status: _read_region(topology, clients, s, r))  # type: ignore[misc]
    plan: dict[str, Any] | None = None
    if topology.plan_arn:
        plan = {"plan_arn": topology.plan_arn, "plan_name": topology.plan_name, "errors": []}
        tasks["Region switch plan"] = lambda: _read_plan(topology, clients, plan)
    _report_stragglers(together(tasks, timeout), errors)
    cluster = found.get("cluster")
    _report_stragglers(together({side.region: (lambda s=side, r=status: _read_role(  # type: ignore[misc]
        clients, s, r, cluster, now)) for side, status in pairs}, timeout), errors)

    values = {r.active_region_parameter for r in regions}
    active = values.pop() if len(values) == 1 else None
    writer_side = next((s for s in topology.regions if cluster and cluster.writer_arn == s.cluster_arn), None)
    serving = [r.region for r in regions if (r.traffic_dial or 0) > 0]
    active_side = (topology.by_region(active) if active else None) or writer_side or topology.primary
    standby = topology.other(active_side.role)
    problems = _standby_problems(topology, next(r for r in regions if r.role == standby.role), regions)
    return DrStatus(
        environment=topology.environment, parameter_name=topology.active_region_parameter_name,
        active_region=active, writer_region=writer_side.region if writer_side else None,
        serving_regions=serving, global_cluster_status=cluster.status if cluster else None,
        failover_in_progress=cluster.failover if cluster else None,
        standby_region=standby.region, standby_ready=not problems, standby_problems=problems,
        replication_lag_limit_seconds=topology.replication_lag_limit_seconds,
        regions=regions, errors=errors, topology_source=topology.source, plan=plan,
    )


def _read_plan(topology: DrTopology, clients: AwsClients, plan: dict[str, Any]) -> None:
    """The plan's evaluation from the first DR region whose ARC data plane answers."""
    arn = str(topology.plan_arn)
    for side in topology.regions:
        try:
            plan.update(read_evaluation(clients, arn, side.region).to_json())
            return
        except AWS_ERRORS as error:
            plan["errors"].append(f"Region switch plan evaluation via {side.region}: {one_line(error)}")


def _read_global_cluster(topology: DrTopology, clients: AwsClients,
                         errors: list[str]) -> GlobalClusterState | None:
    # Either member region can describe the global cluster; ask the second when the first is down.
    for side in topology.regions:
        try:
            return global_cluster(clients, topology, side.region)
        except AWS_ERRORS as error:
            errors.append(f"global cluster via {side.region}: {one_line(error)}")
    return None


def _report_stragglers(outcomes: dict[str, Any], errors: list[str]) -> None:
    errors.extend(f"{name}: {one_line(o.error)}" for name, o in outcomes.items() if o.error is not None)


def _read_accelerator(clients: AwsClients, side: RegionTopology, status: RegionStatus) -> None:
    group = status.probe("Global Accelerator endpoint group",
                         lambda: endpoint_group(clients, side.endpoint_group_arn))
    if group:
        status.traffic_dial = group.dial
        status.endpoints = [{"endpoint": short_id(e.endpoint_id), "health": e.state, "reason": e.reason}
                            for e in group.endpoints]


def _read_route53(clients: AwsClients, side: RegionTopology, status: RegionStatus) -> None:
    check = status.probe("Route 53 health check", lambda: health_check(clients, side.health_check_id))
    if check:
        status.health_check = {"id": check.check_id, "healthy": check.healthy, "detail": check.describe()}


def _read_entry(prober: Prober, timeout: float, side: RegionTopology, status: RegionStatus) -> None:
    answer = prober(side.health_url, timeout)
    status.entry_point = {"url": answer.url, "answered": answer.answered, "healthy": answer.healthy,
                          "detail": answer.detail}


def _read_role(clients: AwsClients, side: RegionTopology, status: RegionStatus,
               cluster: GlobalClusterState | None, now: datetime | None) -> None:
    if not cluster:
        return
    member = cluster.member(side.cluster_arn)
    status.database_role = ("not a member" if member is None
                            else "writer" if member.is_writer else "reader")
    if member and not member.is_writer:
        lag = status.probe("replication lag", lambda: replication_lag(
            clients, side.region, side.cluster_id, now=now, metric=lag_metric(cluster.engine)))
        status.replication_lag_seconds = lag.latest_seconds if lag else None


def _read_region(topology: DrTopology, clients: AwsClients, side: RegionTopology,
                 status: RegionStatus) -> None:
    """What only this region's own endpoints can say."""
    status.active_region_parameter = status.probe(
        "active-region parameter",
        lambda: parameter_value(clients, side.region, topology.active_region_parameter_name))
    status.writes_enabled = status.probe(
        "write fence", lambda: fence_value(clients, side.region, topology.writes_enabled_parameter_name))
    status.drill_impaired = status.probe("drill flag", lambda: fence_value(
        clients, side.region, topology.drill_flag_parameter_name) or "not set")
    table = status.probe("DynamoDB table", lambda: clients.dynamodb(side.region).describe_table(
        TableName=topology.table_name)["Table"])
    if table:
        status.table_status = table.get("TableStatus")
    status.bucket_replication = status.probe("S3 replication", lambda: _replication_rules(clients, side))


def _replication_rules(clients: AwsClients, side: RegionTopology) -> list[dict[str, Any]]:
    try:
        config = clients.s3(side.region).get_bucket_replication(Bucket=side.bucket_name)
    except ClientError as error:
        # A replica bucket has no replication configuration of its own: that is not a fault.
        if error.response.get("Error", {}).get("Code") == "ReplicationConfigurationNotFoundError":
            return []
        raise
    return [{
        "id": rule.get("ID", ""), "status": rule.get("Status", ""),
        "destination": str(rule.get("Destination", {}).get("Bucket", "")).rsplit(":", 1)[-1],
        "time_control": rule.get("Destination", {}).get("ReplicationTime", {}).get("Status") == "Enabled",
    } for rule in config["ReplicationConfiguration"].get("Rules", [])]


def _standby_problems(topology: DrTopology, standby: RegionStatus,
                      regions: list[RegionStatus]) -> list[str]:
    problems: list[str] = []
    entry = standby.entry_point
    if not entry or not entry["healthy"]:
        problems.append("entry point " + (f"{entry['url']}: {entry['detail']}" if entry else "not probed"))
    # Route 53 and Global Accelerator inform: a check that says unhealthy counts, one that cannot
    # be read (their APIs live in us-east-1 and us-west-2) does not.
    check = standby.health_check
    if check and not check["healthy"]:
        problems.append(f"Route 53 health check {check['detail']}")
    if any(e["health"] != "HEALTHY" for e in standby.endpoints):
        problems.append("Global Accelerator endpoint health "
                        + ", ".join(e["health"] for e in standby.endpoints))
    if standby.database_role != "reader":
        problems.append(f"Aurora cluster is {standby.database_role}, not a replicating reader")
    elif standby.replication_lag_seconds is None:
        problems.append("no recent Aurora replication lag datapoints")
    elif standby.replication_lag_seconds > topology.replication_lag_limit_seconds:
        problems.append(f"Aurora lags {standby.replication_lag_seconds:.1f} s "
                        f"(limit {topology.replication_lag_limit_seconds} s)")
    if standby.table_status != "ACTIVE":
        problems.append(f"DynamoDB replica is {standby.table_status or 'missing'}")
    source = next(r for r in regions if r.role == "primary")
    rule = next((r for r in source.bucket_replication or [] if r["id"] == topology.replication_rule_id), None)
    if source.bucket_replication is None:
        problems.append(f"S3 replication of {source.bucket} unreadable")
    elif rule is None or rule["status"] != "Enabled":
        problems.append(f"S3 replication rule {topology.replication_rule_id} is "
                        f"{rule['status'] if rule else 'missing'} on {source.bucket}")
    return problems


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


def render(status: DrStatus) -> str:
    lines = [f"DR status of {status.environment}"
             + (f" (identifiers from {status.topology_source})" if status.topology_source else "")]
    if status.active_region:
        lines.append(f"active region:   {status.active_region} ({status.parameter_name}, both regions agree)")
    else:
        seen = ", ".join(f"{r.region}={r.active_region_parameter or '?'}" for r in status.regions)
        lines.append(f"active region:   UNCLEAR, {status.parameter_name} says {seen}")
    lines.append(f"database writer: {status.writer_region or '?'} (global cluster "
                 f"{status.global_cluster_status or '?'})")
    if status.failover_in_progress:
        state = status.failover_in_progress
        lines.append(f"  Aurora operation under way: {state.get('Status')} to "
                     f"{short_id(str(state.get('ToDbClusterArn', '')))}")
    lines.append("serving traffic: " + (", ".join(status.serving_regions) or "NO REGION (all dials 0)"))
    verdict = "READY" if status.standby_ready else "NOT READY: " + "; ".join(status.standby_problems)
    lines.append(f"standby {status.standby_region}: {verdict}")
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
        ("active-region parameter", lambda r: r.active_region_parameter or "?"),
        ("writes enabled", lambda r: r.writes_enabled or "?"),
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
