"""Reliability rules: every store has a copy in the other region, the regions mirror each other,
every replication path is watched, and every store can be restored to a point in time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared.policy.encryption import BUCKETS, CLUSTER, GLOBAL_CLUSTER, TABLE, TABLE_REPLICA
from shared.policy.engine import (
    Context,
    Record,
    Rule,
    arn_region,
    as_list,
    inputs,
    is_aws,
    is_known,
    of_type,
    physical_names,
    referenced_by,
    truthy,
)
from shared.strategy import strategy

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning",
              "aws:s3/bucketVersioningV2:BucketVersioningV2")
VAULT = "aws:backup/vault:Vault"
BACKUP_PLAN = "aws:backup/plan:Plan"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
# Regional kinds that exist in one region by design; everything else needs its twin.
ONE_SIDED = {
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "the requester side lives in the primary",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        "the accepter side lives in the secondary",
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "set per side of one peering",
    GLOBAL_CLUSTER: "one global cluster spans both regions from its home region",
    TABLE: "a global table is one resource; its replicas are arguments of it",
    TABLE_REPLICA: "a replica of a table homed in the other region",
    REPLICATION: "replication is configured on the source bucket only",
    "aws:kms/replicaKey:ReplicaKey": "the twin of a multi-Region primary key",
    "aws:kms/key:Key": "a multi-Region primary key's twin is its replica key",
    "aws:secretsmanager/secret:Secret": "replicated to the other region by its `replicas`",
    "aws:secretsmanager/secretVersion:SecretVersion": "Secrets Manager copies it to each replica",
    "aws:cloudwatch/eventEndpoint:EventEndpoint": "an EventBridge global endpoint spans both "
                                                  "regions from its home region",
    "aws:route53/healthCheck:HealthCheck": "Route 53 is global",
}


def _bucket_by_reference(buckets: Sequence[Record], reference: Any) -> Record | None:
    for bucket in buckets:
        names = {str(n) for n in physical_names(bucket, "bucket")}
        if str(reference) in names or str(reference).removeprefix("arn:aws:s3:::") in names:
            return bucket
    return None


def _enabled_rules(config: Record) -> list[Mapping[str, Any]]:
    return [r for r in as_list(inputs(config).get("rules"))
            if isinstance(r, Mapping) and r.get("status") == "Enabled"]


def _bucket_paths(records: Sequence[Record]) -> Iterator[tuple[Record, Record | None, Record]]:
    """(source bucket, destination bucket or None if not in the records, config) per rule."""
    buckets = of_type(records, *BUCKETS)
    for config in of_type(records, REPLICATION):
        source = next((b for b in buckets if referenced_by(
            config, b, "bucket", physical_names(b, "bucket"))), None)
        if source is None:
            continue
        for rule in _enabled_rules(config):
            destination = (rule.get("destination") or {}).get("bucket")
            yield source, _bucket_by_reference(buckets, destination), config


def _members(records: Sequence[Record], global_cluster: Record) -> list[Record]:
    names = physical_names(global_cluster, "globalClusterIdentifier")
    return [c for c in of_type(records, CLUSTER)
            if referenced_by(c, global_cluster, "globalClusterIdentifier", names)]


def _table_replica_regions(records: Sequence[Record], table: Record) -> set[str]:
    regions = {str(r.get("regionName")) for r in as_list(inputs(table).get("replicas"))
               if isinstance(r, Mapping)}
    names = physical_names(table, "name")
    regions |= {str(r.get("region")) for r in of_type(records, TABLE_REPLICA)
                if referenced_by(r, table, "globalTableArn", names)}
    return regions


def replicated(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    paths = list(_bucket_paths(records))
    for bucket in of_type(records, *BUCKETS):
        other = context.other_region(bucket.get("region"))
        copies = [d for s, d, _ in paths if s is bucket and d is not None and d.get("region") == other]
        copied_from = [s for s, d, _ in paths if d is bucket and s.get("region") == other]
        if not (copies or copied_from):
            yield bucket.get("urn"), f"bucket is not replicated to or from {other}"
    for table in of_type(records, TABLE):
        other = context.other_region(table.get("region"))
        if other not in _table_replica_regions(records, table):
            yield table.get("urn"), f"table has no replica in {other}"
    globals_ = of_type(records, GLOBAL_CLUSTER)
    members = {g.get("urn"): _members(records, g) for g in globals_}
    for global_cluster in globals_:
        missing = set(context.regions) - {c.get("region") for c in members[global_cluster.get("urn")]}
        if missing:
            yield global_cluster.get("urn"), f"global cluster has no member in {', '.join(sorted(missing))}"
    in_global = {c.get("urn") for group in members.values() for c in group}
    for cluster in of_type(records, CLUSTER):
        if cluster.get("urn") not in in_global:
            yield cluster.get("urn"), "cluster is not a member of an Aurora global database"
    yield from _backup_copies(records, context)


def _backup_copies(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    plans = of_type(records, BACKUP_PLAN)
    targets: set[str] = set()
    destinations: list[str] = []
    for plan in plans:
        for rule in as_list(inputs(plan).get("rules")):
            if not isinstance(rule, Mapping):
                continue
            targets.add(str(rule.get("targetVaultName")))
            copies = [str(c.get("destinationVaultArn")) for c in as_list(rule.get("copyActions"))
                      if isinstance(c, Mapping)]
            destinations += copies
            if not any(arn_region(c) not in (None, plan.get("region")) for c in copies):
                yield plan.get("urn"), (f"backup rule {rule.get('ruleName')} has no copy action to "
                                        f"a vault in {context.other_region(plan.get('region'))}")
    for vault in of_type(records, VAULT):
        names = {str(n) for n in physical_names(vault, "name")}
        if not (names & targets or any(d in names or d.rsplit(":", 1)[-1] in names
                                       for d in destinations)):
            yield vault.get("urn"), "vault is neither a backup plan's target nor a copy destination"


def _regional_kinds(records: Sequence[Record], region: str) -> set[str]:
    return {str(r["type"]) for r in records if is_aws(r) and r.get("region") == region}


def symmetric(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    # A pilot light's secondary Aurora cluster is headless by design (shared/strategy.py).
    one_sided = set(ONE_SIDED) | strategy(context.strategy).standby_omits
    primary = _regional_kinds(records, context.primary_region) - one_sided
    secondary = _regional_kinds(records, context.secondary_region) - one_sided
    # One CrossGuard stack may hold one region only (network-primary): nothing to compare.
    if not context.complete and not (primary and secondary):
        return
    for kind in sorted(primary - secondary):
        yield None, f"{kind} exists in {context.primary_region} but not in {context.secondary_region}"
    for kind in sorted(secondary - primary):
        yield None, f"{kind} exists in {context.secondary_region} but not in {context.primary_region}"


def _alarm_metrics(alarm: Record) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    values = inputs(alarm)
    if values.get("metricName"):
        yield (str(values.get("namespace")), str(values["metricName"]),
               values.get("dimensions") or {})
    for query in as_list(values.get("metricQueries")):
        metric = query.get("metric") if isinstance(query, Mapping) else None
        if isinstance(metric, Mapping):
            yield (str(metric.get("namespace")), str(metric.get("metricName")),
                   metric.get("dimensions") or {})


def _watched(metrics: list[tuple[str, str, Mapping[str, Any]]], namespace: str,
             metric_prefix: str, dimension: str, names: Sequence[Any]) -> bool:
    known = {str(n) for n in names if is_known(n)}
    return any(ns == namespace and name.startswith(metric_prefix)
               and (not known or str(dims.get(dimension)) in known)
               for ns, name, dims in metrics)


def _copy_jobs_watched(records: Sequence[Record], metrics: list[tuple[str, str, Mapping]]) -> bool:
    if any(ns == "AWS/Backup" and "Copy" in name for ns, name, _ in metrics):
        return True
    patterns = (str(inputs(r).get("eventPattern")) for r in of_type(records, EVENT_RULE))
    return any("aws.backup" in p and "Copy Job State Change" in p for p in patterns)


def alarmed(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    metrics = [m for alarm in of_type(records, METRIC_ALARM) for m in _alarm_metrics(alarm)]
    for source, _, config in _bucket_paths(records):
        if not _watched(metrics, "AWS/S3", "", "SourceBucket", physical_names(source, "bucket")):
            yield config.get("urn"), "no alarm on this S3 replication (AWS/S3 ReplicationLatency " \
                                     "or OperationsFailedReplication by SourceBucket)"
    for table in of_type(records, TABLE):
        if len(_table_replica_regions(records, table)) and not _watched(
                metrics, "AWS/DynamoDB", "ReplicationLatency", "TableName",
                physical_names(table, "name")):
            yield table.get("urn"), "no alarm on the table's AWS/DynamoDB ReplicationLatency"
    for global_cluster in of_type(records, GLOBAL_CLUSTER):
        ids = [i for c in _members(records, global_cluster)
               for i in physical_names(c, "clusterIdentifier")]
        if not _watched(metrics, "AWS/RDS", "AuroraGlobalDB", "DBClusterIdentifier", ids):
            yield global_cluster.get("urn"), "no alarm on AWS/RDS AuroraGlobalDB*Lag of a member"
    copying = [p for p in of_type(records, BACKUP_PLAN) if "copyActions" in str(inputs(p))]
    if copying and not _copy_jobs_watched(records, metrics):
        for plan in copying:
            yield plan.get("urn"), ("no alarm or EventBridge rule on failed AWS Backup copy jobs "
                                    "(aws.backup Copy Job State Change)")


def point_in_time(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    if record["type"] == TABLE_REPLICA:
        if not truthy(values.get("pointInTimeRecovery")):
            yield "replica has point-in-time recovery off"
    elif record["type"] == TABLE:
        if not truthy((values.get("pointInTimeRecovery") or {}).get("enabled")):
            yield "table has point-in-time recovery off"
        for replica in as_list(values.get("replicas")):
            if isinstance(replica, Mapping) and not truthy(replica.get("pointInTimeRecovery")):
                yield f"replica in {replica.get('regionName')} has point-in-time recovery off"
    elif not is_known(values.get("backupRetentionPeriod")):
        yield "cluster does not set its automated backup retention (backupRetentionPeriod)"


def versioned(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    configs = of_type(records, *VERSIONING)
    for bucket in of_type(records, *BUCKETS):
        names = physical_names(bucket, "bucket")
        inline = truthy((inputs(bucket).get("versioning") or {}).get("enabled"))
        enabled = any(referenced_by(c, bucket, "bucket", names) and (
            inputs(c).get("versioningConfiguration") or {}).get("status") == "Enabled"
            for c in configs)
        if not (inline or enabled):
            yield bucket.get("urn"), "bucket versioning is not enabled (no point-in-time restore)"


_SYSTEM = ("needs every layer at once (alarms live in monitoring, the paths in data); "
           "`invoke check` judges it over the whole plan")

RULES = [
    Rule("data-replicated", "Every bucket, table, cluster and backup is copied to the other region",
         "reliability", "high", ("S3.7",), check_stack=replicated),
    Rule("regions-symmetric", "Each regional resource kind in one region has its twin in the other",
         "reliability", "medium", check_stack=symmetric),
    Rule("replication-alarmed", "Every replication path has an alarm", "reliability", "high",
         check_stack=alarmed, offline_only=_SYSTEM),
    Rule("point-in-time-recovery", "Tables have PITR, clusters set backup retention, buckets are "
         "versioned", "reliability", "high", ("DynamoDB.2", "S3.14"),
         frozenset({TABLE, TABLE_REPLICA, CLUSTER}), check=point_in_time, check_stack=versioned),
]
