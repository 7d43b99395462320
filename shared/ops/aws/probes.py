"""Reads of the live DR state that status, failover and drill share: one AWS call each, typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.topology import DrTopology

# Route 53 calls an endpoint healthy when more than 18% of its checkers report it healthy.
ROUTE53_HEALTHY_SHARE = 0.18
LAG_METRIC = "AuroraGlobalDBReplicationLag"  # milliseconds, published by the non-writer cluster
# Aurora PostgreSQL also publishes the RPO lag: how far the last commit the secondary holds is
# behind the primary's, i.e. what an unplanned failover would lose (milliseconds, secondary's region).
RPO_LAG_METRIC = "AuroraGlobalDBRPOLag"


def lag_metric(engine: str) -> str:
    return RPO_LAG_METRIC if engine == "aurora-postgresql" else LAG_METRIC
# What a call to a region that is down, throttled or refusing us raises.
@dataclass(frozen=True)
class ClusterMember:
    arn: str
    is_writer: bool
    synchronization: str | None  # "connected" / "pending-resync" (Aurora PostgreSQL only)


@dataclass(frozen=True)
class GlobalClusterState:
    status: str
    members: tuple[ClusterMember, ...]
    # Aurora's FailoverState while a switchover or failover runs: status, from, to, data loss.
    failover: dict[str, Any] | None
    engine: str = ""
    engine_version: str = ""

    @property
    def writer_arn(self) -> str | None:
        return next((m.arn for m in self.members if m.is_writer), None)

    def member(self, arn: str) -> ClusterMember | None:
        return next((m for m in self.members if m.arn == arn), None)

    def settled_with_writer(self, arn: str) -> bool:
        """`arn` writes and no switchover or failover is still under way."""
        return self.writer_arn == arn and self.status == "available" and not self.failover


def global_cluster(clients: AwsClients, topology: DrTopology, region: str) -> GlobalClusterState:
    """The global cluster as `region`'s RDS endpoint sees it (any member region can answer)."""
    answer = clients.rds(region).describe_global_clusters(
        GlobalClusterIdentifier=topology.global_cluster_id)
    found = answer.get("GlobalClusters") or []
    if not found:
        raise LookupError(f"global cluster {topology.global_cluster_id} not found in {region}")
    cluster = found[0]
    members = tuple(
        ClusterMember(arn=m["DBClusterArn"], is_writer=bool(m.get("IsWriter")),
                      synchronization=m.get("SynchronizationStatus"))
        for m in cluster.get("GlobalClusterMembers", [])
    )
    failover = cluster.get("FailoverState") or None
    return GlobalClusterState(status=cluster.get("Status", "unknown"), members=members,
                              failover=dict(failover) if failover else None,
                              engine=cluster.get("Engine", ""),
                              engine_version=cluster.get("EngineVersion", ""))


@dataclass(frozen=True)
class ClusterState:
    """One regional cluster as its own region's RDS endpoint describes it."""

    cluster_id: str
    status: str
    engine_version: str
    backup_retention_days: int


def cluster_state(clients: AwsClients, region: str, cluster_id: str) -> ClusterState:
    found = clients.rds(region).describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    if not found:
        raise LookupError(f"cluster {cluster_id} not found in {region}")
    cluster = found[0]
    return ClusterState(cluster_id=cluster_id, status=cluster.get("Status", "unknown"),
                        engine_version=cluster.get("EngineVersion", ""),
                        backup_retention_days=int(cluster.get("BackupRetentionPeriod", 0)))


@dataclass(frozen=True)
class EndpointHealth:
    endpoint_id: str
    state: str  # INITIAL, HEALTHY or UNHEALTHY
    reason: str | None


@dataclass(frozen=True)
class EndpointGroupState:
    arn: str
    region: str
    dial: float
    endpoints: tuple[EndpointHealth, ...]

    @property
    def healthy(self) -> bool:
        return bool(self.endpoints) and all(e.state == "HEALTHY" for e in self.endpoints)


def endpoint_group(clients: AwsClients, arn: str) -> EndpointGroupState:
    group = clients.globalaccelerator().describe_endpoint_group(EndpointGroupArn=arn)["EndpointGroup"]
    return EndpointGroupState(
        arn=arn, region=group.get("EndpointGroupRegion", ""),
        dial=float(group.get("TrafficDialPercentage", 100.0)),
        endpoints=tuple(EndpointHealth(endpoint_id=e.get("EndpointId", ""),
                                       state=e.get("HealthState", "INITIAL"),
                                       reason=e.get("HealthReason"))
                        for e in group.get("EndpointDescriptions", [])),
    )


def accelerator_status(clients: AwsClients, topology: DrTopology) -> str:
    """IN_PROGRESS while a change propagates to the edge, then DEPLOYED."""
    answer = clients.globalaccelerator().describe_accelerator(AcceleratorArn=topology.accelerator_arn)
    return str(answer["Accelerator"].get("Status", "unknown"))


@dataclass(frozen=True)
class HealthCheckState:
    check_id: str
    healthy_checkers: int
    checkers: int

    @property
    def healthy(self) -> bool:
        return self.checkers > 0 and self.healthy_checkers / self.checkers > ROUTE53_HEALTHY_SHARE

    def describe(self) -> str:
        return f"{self.healthy_checkers}/{self.checkers} checkers report success"


def health_check(clients: AwsClients, check_id: str) -> HealthCheckState:
    observations = clients.route53().get_health_check_status(
        HealthCheckId=check_id)["HealthCheckObservations"]
    healthy = sum(1 for o in observations
                  if str(o.get("StatusReport", {}).get("Status", "")).startswith("Success"))
    return HealthCheckState(check_id=check_id, healthy_checkers=healthy, checkers=len(observations))


@dataclass(frozen=True)
class LagReading:
    latest_seconds: float | None
    max_seconds: float | None
    samples: int
    metric: str = LAG_METRIC

    def describe(self) -> str:
        if self.latest_seconds is None:
            return f"{self.metric}: no datapoints in the last 10 minutes"
        return f"{self.metric} {self.latest_seconds:.1f} s (max {self.max_seconds:.1f} s over 10 min)"


def replication_lag(clients: AwsClients, region: str, cluster_id: str, *,
                    window: timedelta = timedelta(minutes=10), now: datetime | None = None,
                    metric: str = LAG_METRIC) -> LagReading:
    """The cluster's global replication lag over the last `window`, in seconds."""
    end = now or datetime.now(UTC)
    points = clients.cloudwatch(region).get_metric_statistics(
        Namespace="AWS/RDS", MetricName=metric,
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
        StartTime=end - window, EndTime=end, Period=60, Statistics=["Maximum"],
    ).get("Datapoints", [])
    if not points:
        return LagReading(latest_seconds=None, max_seconds=None, samples=0, metric=metric)
    points = sorted(points, key=lambda p: p["Timestamp"])
    return LagReading(latest_seconds=points[-1]["Maximum"] / 1000,
                      max_seconds=max(p["Maximum"] for p in points) / 1000, samples=len(points),
                      metric=metric)


def parameter_value(clients: AwsClients, region: str, name: str) -> str:
    return str(clients.ssm(region).get_parameter(Name=name)["Parameter"]["Value"])


def short_id(arn: str) -> str:
    """The last path element of an ARN: readable in a one-screen status."""
    return arn.rsplit("/", 2)[-2] if arn.count("/") >= 2 else arn.rsplit(":", 1)[-1]

