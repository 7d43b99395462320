"""ReplicationAlarms: is every replication path keeping up with the primary?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components import metrics
from shared.components.alarms import AlarmRef, Condition, metric_alarm
from shared.components.monitored import ReplicationView
from shared.naming import physical_name, region_code


@dataclass
class ReplicationAlarmsArgs:
    environment: str
    view: ReplicationView
    topics: Mapping[str, pulumi.Input[str]]  # alert topic ARN per region
    lag_seconds: int
    tags: dict[str, str] = field(default_factory=dict)
    # dr:strategy pilot-light: the region whose cluster stands by headless (no DB instance). AWS
    # documents AuroraGlobalDBReplicationLag per cluster but not whether a cluster without
    # instances publishes it, so its silence there means "not known", never OK nor ALARM.
    headless_region: str | None = None


class ReplicationAlarms(pulumi.ComponentResource):
    """Owns one alarm per replication path, each in the region its metric is published in:
    Aurora global lag of each member cluster (whichever is the secondary reports it), a check
    that some member reports lag at all, DynamoDB replication latency in both directions (the
    global table takes writes in either region), S3 replication latency (destination) and
    failed S3 replications (source). Exposes `alarms` (those that notify)."""

    def __init__(self, name: str, args: ReplicationAlarmsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:ReplicationAlarms", name, None, opts)
        self._name, self._args = name, args
        view = args.view
        primary, secondary = view.primary_region, view.secondary_region
        lag_ms = args.lag_seconds * 1000
        self.alarms: list[AlarmRef] = []

        # One per member cluster, in its region: whichever is the secondary now reports lag;
        # the writer reports none, which is no failure (not breaching). So the alarms stay
        # true through a switchover, a failover and a redeploy while swapped.
        # A headless standby's silence is INSUFFICIENT_DATA ("missing"): no page, and no OK either.
        for region, cluster in view.clusters().items():
            silence = "missing" if region == args.headless_region else "notBreaching"
            self._alarm("aurora-lag", region, metrics.aurora_global_lag(cluster, region),
                        Condition("GreaterThanThreshold", lag_ms, silence,
                                  evaluation_periods=5, datapoints_to_alarm=3),
                        f"Aurora global database lag above {args.lag_seconds} s in {region} "
                        "(reported by the cluster that is the secondary)")
        self._replication_reported(name, args, view)
        for source, receiver in ((primary, secondary), (secondary, primary)):
            # Ignore: latency is only reported while writes replicate; an idle table keeps
            # its last state instead of flapping between OK and INSUFFICIENT_DATA.
            self._alarm(f"dynamodb-lag-to-{region_code(receiver)}", source,
                        metrics.dynamodb_replication_latency(view.table_name, source, receiver),
                        Condition("GreaterThanThreshold", lag_ms, "ignore", evaluation_periods=5,
                                  datapoints_to_alarm=3),
                        f"DynamoDB replication {source} -> {receiver} above "
                        f"{args.lag_seconds} s")

        # S3 replicates within seconds usually but only RTC's 15 minutes are promised; a lag
        # threshold below that would page on large objects that are still within the SLA.
        s3_threshold = max(args.lag_seconds, metrics.S3_RTC_THRESHOLD_SECONDS)
        # Both ways: the reverse rule carries what the secondary takes during a failover back.
        for source, receiver, s3 in (
                (primary, secondary, (view.source_bucket, view.destination_bucket, view.replication_rule_id)),
                (secondary, primary, (view.destination_bucket, view.source_bucket,
                                      view.reverse_replication_rule_id))):
            # Ignore, as the S3 user guide recommends for replication metrics: they are only
            # published while objects replicate. Latency is reported by the receiving region.
            self._alarm("s3-replication-latency", receiver,
                        metrics.s3_replication("ReplicationLatency", *s3, source, receiver),
                        Condition("GreaterThanThreshold", s3_threshold, "ignore",
                                  period=300, evaluation_periods=2, datapoints_to_alarm=2),
                        f"S3 replication {source} -> {receiver} more than {s3_threshold} s behind")
            # Not breaching: no data is no failure.
            self._alarm("s3-replication-failed", source,
                        metrics.s3_replication("OperationsFailedReplication", *s3, source, receiver),
                        Condition("GreaterThanThreshold", 0, "notBreaching", period=300,
                                  evaluation_periods=1, datapoints_to_alarm=1),
                        f"Objects failed to replicate from {source} to {receiver}")
        self.register_outputs({"alarm_names": [a.name for a in self.alarms]})

    def _replication_reported(self, name: str, args: ReplicationAlarmsArgs,
                              view: ReplicationView) -> None:
        """Silence from both members means nothing replicates (a detached secondary after a
        failover, before it is re-protected): the RPO is gone. One CloudWatch alarm cannot see
        two regions and composites stay in theirs, so each region's "no lag reported" signal
        feeds a Route 53 health check, a calculated check is healthy while at least one is,
        and an alarm watches that where Route 53 publishes."""
        children = []
        for region, cluster in view.clusters().items():
            # A headless standby (pilot light) may publish no lag at all: its silence is not
            # known to be a failure, so its signal keeps the last status Route 53 saw (healthy
            # before any): the check then cannot page for a pilot light whose standby never
            # reported, which is the price of not paging forever (docs/platform/dr-strategy.md).
            headless = region == args.headless_region
            signal_name = physical_name("aurora-lag-silent", args.environment, region)
            # A signal, not a page: the writer's is always in ALARM. Any data point (lag is
            # never negative) is OK; no data is ALARM.
            signal = aws.cloudwatch.MetricAlarm(
                f"{name}-aurora-lag-silent-{region_code(region)}", name=signal_name,
                alarm_description=f"The Aurora cluster in {region} reports no global lag (it is "
                                  "the writer, or not replicating); feeds the replication check",
                namespace="AWS/RDS", metric_name="AuroraGlobalDBReplicationLag",
                dimensions={"DBClusterIdentifier": cluster}, statistic="Maximum", period=60,
                evaluation_periods=5, datapoints_to_alarm=5, comparison_operator="LessThanThreshold",
                threshold=0, treat_missing_data="missing" if headless else "breaching",
                actions_enabled=False, region=region,
                tags={**args.tags, "Name": signal_name}, opts=pulumi.ResourceOptions(parent=self))
            children.append(aws.route53.HealthCheck(
                f"{name}-aurora-lag-reported-{region_code(region)}", type="CLOUDWATCH_METRIC",
                cloudwatch_alarm_name=signal_name, cloudwatch_alarm_region=region,
                insufficient_data_health_status="LastKnownStatus" if headless else "Unhealthy",
                tags={**args.tags, "Name": f"{signal_name} (inverted)"},
                # Route 53 refuses a check on an alarm that does not exist yet.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[signal])))
        check_name = physical_name("aurora-replicating", args.environment)
        reported = aws.route53.HealthCheck(
            f"{name}-aurora-replicating", type="CALCULATED", child_health_threshold=1,
            child_healthchecks=[c.id for c in children], tags={**args.tags, "Name": check_name},
            opts=pulumi.ResourceOptions(parent=self))
        # Breaching: Route 53 reports every minute; silence is no proof of replication.
        self._alarm("aurora-not-replicating", metrics.ROUTE53_METRICS_REGION,
                    metrics.health_check_status(reported.id, "some member reports lag"),
                    Condition("LessThanThreshold", 1, "breaching", evaluation_periods=5,
                              datapoints_to_alarm=5),
                    "No Aurora member cluster reports global replication lag: nothing "
                    "replicates to a secondary (re-add one after a failover)",
                    named_without_region=True)

    def _alarm(self, what: str, named_after: str, metric: metrics.Metric, condition: Condition,
               description: str, named_without_region: bool = False) -> None:
        alarm_name = (physical_name(what, self._args.environment) if named_without_region
                      else physical_name(what, self._args.environment, named_after))
        self.alarms.append(metric_alarm(f"{self._name}-{what}-{region_code(named_after)}",
                                        alarm_name, metric, condition, description,
                                        self._args.topics, self._args.tags, self))
