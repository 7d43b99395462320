"""ReplicationAlarms: is every replication path keeping up with the primary?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

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


class ReplicationAlarms(pulumi.ComponentResource):
    """Owns one alarm per replication path, each in the region its metric is published in:
    Aurora global lag (secondary), DynamoDB replication latency in both directions (the
    global table takes writes in either region), S3 replication latency (destination) and
    failed S3 replications (source). Exposes `alarms`."""

    def __init__(self, name: str, args: ReplicationAlarmsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:ReplicationAlarms", name, None, opts)
        self._name, self._args = name, args
        view = args.view
        primary, secondary = view.primary_region, view.secondary_region
        lag_ms = args.lag_seconds * 1000
        self.alarms: list[AlarmRef] = []

        # Breaching: the secondary publishes this lag every minute while it replicates, so
        # silence means replication (and with it the RPO) is broken, e.g. a detached
        # secondary after a failover that has not been re-protected yet.
        self._alarm("aurora-lag", secondary,
                    metrics.aurora_global_lag(view.secondary_cluster_id, secondary),
                    Condition("GreaterThanThreshold", lag_ms, "breaching", evaluation_periods=5,
                              datapoints_to_alarm=3),
                    f"Aurora global database lag above {args.lag_seconds} s in {secondary}")
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
        s3 = (view.source_bucket, view.destination_bucket, view.replication_rule_id)
        # Ignore, as the S3 user guide recommends for replication metrics: they are only
        # published while objects replicate.
        self._alarm("s3-replication-latency", secondary,
                    metrics.s3_replication("ReplicationLatency", *s3, primary, secondary),
                    Condition("GreaterThanThreshold", s3_threshold, "ignore",
                              period=300, evaluation_periods=2, datapoints_to_alarm=2),
                    f"S3 replication {primary} -> {secondary} more than {s3_threshold} s behind")
        # Not breaching: no data is no failure.
        self._alarm("s3-replication-failed", primary,
                    metrics.s3_replication("OperationsFailedReplication", *s3, primary, secondary),
                    Condition("GreaterThanThreshold", 0, "notBreaching", period=300,
                              evaluation_periods=1, datapoints_to_alarm=1),
                    f"Objects failed to replicate from {primary} to {secondary}")
        self.register_outputs({"alarm_names": [a.name for a in self.alarms]})

    def _alarm(self, what: str, named_after: str, metric: metrics.Metric, condition: Condition,
               description: str) -> None:
        alarm_name = physical_name(what, self._args.environment, named_after)
        self.alarms.append(metric_alarm(f"{self._name}-{what}-{region_code(named_after)}",
                                        alarm_name, metric, condition, description,
                                        self._args.topics, self._args.tags, self))
