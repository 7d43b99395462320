"""`invoke status`: which region serves, and is the standby ready? One screen, or JSON.

Every read is independent: a region that is down shows its errors, the rest still shows. The
reads run side by side, grouped by the endpoint they call (each region's own APIs, Global
Accelerator's, Route 53's, the entry points over HTTP), so a dead endpoint costs its timeout once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared.ops.aws.authority import read_in
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import Prober, http_probe
from shared.ops.aws.errors import AWS_ERRORS, one_line
from shared.ops.aws.fence import fence_value
from shared.ops.aws.parallel import together
from shared.ops.aws.probes import (
    GlobalClusterState,
    endpoint_group,
    global_cluster,
    health_check,
    lag_metric,
    parameter_value,
    replication_lag,
    short_id,
)
from shared.ops.aws.region_switch import read_evaluation
from shared.ops.aws.status_view import DrStatus, RegionStatus
from shared.ops.aws.topology import DrTopology, RegionTopology


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

    newest = max((r for r in regions if r.authority_generation is not None),
                  key=lambda r: r.authority_generation or 0, default=None)
    active = newest.authority_region or None if newest else None
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
        replication_lag_limit_seconds=topology.replication_lag_limit_seconds, strategy=topology.strategy,
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
    record = status.probe("authority record", lambda: read_in(clients, topology, side.region))
    if record is not None:
        status.authority_region, status.authority_generation = record.active_region, record.generation
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
