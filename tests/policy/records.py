"""Synthetic resource records in the offline plan's shape, for the guardrail tests."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from shared.policy.engine import Context

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
KEYS = {region: f"arn:aws:kms:{region}:123456789012:key/0b1c2d3e-{region}"
        for region in (PRIMARY, SECONDARY)}
DEV = Context(environment="dev", primary_region=PRIMARY, secondary_region=SECONDARY,
              public_ports=frozenset({80}), protect_data=False,
              required_tags={"Environment": "dev", "Project": "multi-region-dr"})
PROD = replace(DEV, environment="prod", protect_data=True,
               required_tags={"Environment": "prod", "Project": "multi-region-dr"})
STACK_ONLY = replace(DEV, complete=False)

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
TABLE = "aws:dynamodb/table:Table"
TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
CLUSTER = "aws:rds/cluster:Cluster"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
VAULT = "aws:backup/vault:Vault"
BACKUP_PLAN = "aws:backup/plan:Plan"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"


def res(kind: str, logical: str, region: str | None = PRIMARY, /, *, protect: bool = False,
        retain: bool = False, depends_on: tuple[str, ...] = (), **inputs: Any) -> dict[str, Any]:
    """One custom resource record; keyword arguments are its inputs (camelCase wire names)."""
    if region not in (None, "global"):
        inputs.setdefault("region", region)
    return {"urn": f"urn:pulumi:dev::data::{kind}::{logical}", "type": kind, "name": logical,
            "custom": True, "region": region, "parent": None, "protect": protect,
            "retain_on_delete": retain, "depends_on": list(depends_on), "ignore_changes": [],
            "inputs": inputs}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def tls_statement(bucket: str) -> dict[str, Any]:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def bucket_set(name: str, region: str = PRIMARY, *, sse: str | None = "cmk", pab: bool = True,
               tls: bool = True, versioned: bool = True) -> list[dict[str, Any]]:
    """A bucket and the companion resources a well-built bucket has."""
    records = [res(BUCKET, name, region, bucket=name)]
    if sse:
        default = ({"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEYS[region]} if sse == "cmk"
                   else {"sseAlgorithm": sse})
        records.append(res(SSE, f"{name}-sse", region, bucket=name,
                           rules=[{"applyServerSideEncryptionByDefault": default}]))
    if pab:
        records.append(res(PAB, f"{name}-pab", region, bucket=name, blockPublicAcls=True,
                           blockPublicPolicy=True, ignorePublicAcls=True,
                           restrictPublicBuckets=True))
    if tls:
        records.append(res(BUCKET_POLICY, f"{name}-policy", region, bucket=name,
                           policy=policy(tls_statement(name))))
    if versioned:
        records.append(res(VERSIONING, f"{name}-versioning", region, bucket=name,
                           versioningConfiguration={"status": "Enabled"}))
    return records


def replication(source: str, destination: str, region: str = PRIMARY) -> dict[str, Any]:
    return res(REPLICATION, f"{source}-replication", region, bucket=source,
               role="arn:aws:iam::123456789012:role/replication",
               rules=[{"id": "all", "status": "Enabled", "filter": {},
                       "destination": {"bucket": f"arn:aws:s3:::{destination}",
                                       "replicationTime": {"status": "Enabled",
                                                           "time": {"minutes": 15}}}}])


def global_table(name: str = "dr-items-dev", **overrides: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "name": name, "billingMode": "PAY_PER_REQUEST", "hashKey": "pk",
        "streamEnabled": True, "streamViewType": "NEW_AND_OLD_IMAGES",
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEYS[PRIMARY]},
        "pointInTimeRecovery": {"enabled": True},
        "replicas": [{"regionName": SECONDARY, "kmsKeyArn": KEYS[SECONDARY],
                      "pointInTimeRecovery": True}],
    }
    inputs.update(overrides)
    return res(TABLE, "table", PRIMARY, **inputs)


def aurora(global_id: str = "dr-db-dev") -> list[dict[str, Any]]:
    """A global cluster with a member in each region."""
    records = [res(GLOBAL_CLUSTER, "global", PRIMARY, globalClusterIdentifier=global_id,
                   engine="aurora-postgresql", storageEncrypted=True)]
    for region in (PRIMARY, SECONDARY):
        records.append(res(CLUSTER, f"cluster-{region}", region,
                           clusterIdentifier=f"dr-db-dev-{region}",
                           globalClusterIdentifier=global_id, storageEncrypted=True,
                           kmsKeyId=KEYS[region], backupRetentionPeriod=7,
                           skipFinalSnapshot=True))
    return records


def backups() -> list[dict[str, Any]]:
    """A vault per region and a plan per region that copies to the other region's vault."""
    records = []
    for region, other in ((PRIMARY, SECONDARY), (SECONDARY, PRIMARY)):
        records.append(res(VAULT, f"vault-{region}", region, name=f"dr-vault-dev-{region}",
                           kmsKeyArn=KEYS[region]))
        records.append(res(BACKUP_PLAN, f"plan-{region}", region, name=f"dr-backup-dev-{region}",
                           rules=[{"ruleName": "daily", "targetVaultName": f"dr-vault-dev-{region}",
                                   "schedule": "cron(0 5 * * ? *)",
                                   "copyActions": [{"destinationVaultArn": (
                                       f"arn:aws:backup:{other}:123456789012:backup-vault:"
                                       f"dr-vault-dev-{other}")}]}]))
    return records


def alarm(name: str, namespace: str, metric: str, region: str = PRIMARY,
          **dimensions: str) -> dict[str, Any]:
    return res(ALARM, name, region, name=name, namespace=namespace, metricName=metric,
               dimensions=dimensions, comparisonOperator="GreaterThanThreshold", threshold=1,
               evaluationPeriods=1, period=60, statistic="Maximum")


def data_layer() -> list[dict[str, Any]]:
    """A replicated data layer: bucket pair, global table, global database, backups."""
    return [*bucket_set("dr-data-dev-use1"), *bucket_set("dr-data-dev-use2", SECONDARY),
            replication("dr-data-dev-use1", "dr-data-dev-use2"), global_table(), *aurora(),
            *backups()]


def watching(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`records` plus an alarm on each of data_layer()'s replication paths."""
    return [*records,
            alarm("s3-lag", "AWS/S3", "ReplicationLatency", SECONDARY,
                  SourceBucket="dr-data-dev-use1", DestinationBucket="dr-data-dev-use2",
                  RuleId="all"),
            alarm("ddb-lag", "AWS/DynamoDB", "ReplicationLatency", PRIMARY,
                  TableName="dr-items-dev", ReceivingRegion=SECONDARY),
            alarm("aurora-lag", "AWS/RDS", "AuroraGlobalDBReplicationLag", SECONDARY,
                  DBClusterIdentifier=f"dr-db-dev-{SECONDARY}"),
            *[res(EVENT_RULE, f"copy-failed-{region}", region, eventPattern=json.dumps(
                {"source": ["aws.backup"], "detail-type": ["Copy Job State Change"],
                 "detail": {"state": ["FAILED"]}})) for region in (PRIMARY, SECONDARY)]]
