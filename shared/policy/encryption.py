"""Security rules, encryption at rest: customer-managed KMS keys wherever the service takes one.

A customer-managed key (CMK) rather than an AWS-owned or AWS-managed one, because only a CMK
lets the team audit and restrict who decrypts, and each region of the DR pair keeps its own
key so losing one region's KMS does not lock the other region's copy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared.policy.engine import (
    UNKNOWN,
    Context,
    Record,
    ResourceCheck,
    Rule,
    as_list,
    inputs,
    is_known,
    of_type,
    physical_names,
    referenced_by,
    truthy,
)

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BUCKET_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
TABLE = "aws:dynamodb/table:Table"
TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
CLUSTER = "aws:rds/cluster:Cluster"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
VAULT = "aws:backup/vault:Vault"
TOPIC = "aws:sns/topic:Topic"
PARAMETER = "aws:ssm/parameter:Parameter"
SECRET_TYPE = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
# Log groups that may hold application payloads (requests, errors with data) get a CMK;
# VPC flow logs and other infrastructure logs keep CloudWatch Logs' default encryption.
APP_LOG_PREFIXES = ("/aws/lambda/", "/aws/apigateway/", "API-Gateway-Execution-Logs_",
                    "/aws/events/", "/aws/vendedlogs/")


def is_cmk(key: Any) -> bool:
    """A key reference that is set and is not an AWS-managed alias (alias/aws/<service>)."""
    return key == UNKNOWN or (is_known(key) and "alias/aws/" not in str(key))


def _cmk_message(what: str, key: Any) -> str:
    if is_known(key) and "alias/aws/" in str(key):
        return f"{what} uses the AWS-managed key {key}; use the layer's customer-managed key"
    return f"{what} has no customer-managed KMS key"


def _sse_rules(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    # The separate resource takes `rules` (a list); a v6-style inline block takes `rule`.
    return [r for r in as_list(config.get("rules") or config.get("rule")) if isinstance(r, Mapping)]


def _sse_uses_cmk(config: Mapping[str, Any]) -> bool:
    for rule in _sse_rules(config):
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        if default.get("sseAlgorithm") in KMS_ALGORITHMS and is_cmk(default.get("kmsMasterKeyId")):
            return True
    return False


def s3_encryption(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    configs = of_type(records, *BUCKET_SSE)
    for bucket in of_type(records, *BUCKETS):
        names = physical_names(bucket, "bucket")
        inline = inputs(bucket).get("serverSideEncryptionConfiguration") or {}
        mine = [c for c in configs if referenced_by(c, bucket, "bucket", names)]
        if not (_sse_uses_cmk(inline) or any(_sse_uses_cmk(inputs(c)) for c in mine)):
            yield bucket.get("urn"), ("bucket has no default encryption with SSE-KMS and a "
                                      "customer-managed key (BucketServerSideEncryptionConfiguration)")


def dynamodb_encryption(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    if record["type"] == TABLE_REPLICA:
        if not is_cmk(values.get("kmsKeyArn")):
            yield _cmk_message("table replica", values.get("kmsKeyArn"))
        return
    sse = values.get("serverSideEncryption") or {}
    if not (truthy(sse.get("enabled")) and is_cmk(sse.get("kmsKeyArn"))):
        yield _cmk_message("table (serverSideEncryption)", sse.get("kmsKeyArn"))
    for replica in as_list(values.get("replicas")):
        # A replica without its own key falls back to the AWS-owned key in its region.
        if isinstance(replica, Mapping) and not is_cmk(replica.get("kmsKeyArn")):
            yield _cmk_message(f"replica in {replica.get('regionName')}", replica.get("kmsKeyArn"))


def aurora_encryption(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    if not truthy(values.get("storageEncrypted")):
        yield "storage is not encrypted (storageEncrypted)"
    if record["type"] == CLUSTER and not is_cmk(values.get("kmsKeyId")):
        yield _cmk_message("cluster storage (kmsKeyId)", values.get("kmsKeyId"))
    if truthy(values.get("manageMasterUserPassword")) and not is_cmk(
            values.get("masterUserSecretKmsKeyId")):
        yield _cmk_message("managed master password secret", values.get("masterUserSecretKmsKeyId"))


def _key_field(field: str, what: str) -> ResourceCheck:
    def check(record: Record, context: Context) -> Iterator[str]:
        key = inputs(record).get(field)
        if not is_cmk(key):
            yield _cmk_message(f"{what} ({field})", key)

    return check


def secret_store_encryption(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    if record["type"] == PARAMETER:
        if values.get("type") == "SecureString" and not is_cmk(values.get("keyId")):
            yield _cmk_message("SecureString parameter (keyId)", values.get("keyId"))
    elif not is_cmk(values.get("kmsKeyId")):
        yield _cmk_message("secret (kmsKeyId)", values.get("kmsKeyId"))


def app_log_encryption(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    name = str(values.get("name") or values.get("namePrefix") or "")
    if name.startswith(APP_LOG_PREFIXES) and not is_cmk(values.get("kmsKeyId")):
        yield _cmk_message(f"application log group {name} (kmsKeyId)", values.get("kmsKeyId"))


def key_rotation(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    spec = values.get("customerMasterKeySpec") or values.get("keySpec") or "SYMMETRIC_DEFAULT"
    # AWS rotates symmetric encryption keys only.
    if spec == "SYMMETRIC_DEFAULT" and not truthy(values.get("enableKeyRotation")):
        yield "automatic key rotation is off (enableKeyRotation)"


RULES = [
    Rule("s3-encryption-cmk", "S3 buckets encrypt with SSE-KMS and a customer-managed key",
         "security", "high", ("S3.17",), check_stack=s3_encryption),
    Rule("dynamodb-encryption-cmk", "DynamoDB tables and every replica use a customer-managed key",
         "security", "high", (), frozenset({TABLE, TABLE_REPLICA}), check=dynamodb_encryption),
    Rule("aurora-encryption-cmk", "Aurora storage is encrypted with a customer-managed key",
         "security", "high", ("RDS.27",), frozenset({CLUSTER, GLOBAL_CLUSTER}),
         check=aurora_encryption),
    Rule("backup-vault-cmk", "Backup vaults encrypt recovery points with a customer-managed key",
         "security", "high", ("Backup.1",), frozenset({VAULT}),
         check=_key_field("kmsKeyArn", "vault")),
    Rule("sns-encryption-cmk", "SNS topics are encrypted with a customer-managed key",
         "security", "medium", ("SNS.1",), frozenset({TOPIC}),
         check=_key_field("kmsMasterKeyId", "topic")),
    Rule("secrets-encryption-cmk", "SecureString parameters and secrets use a customer-managed key",
         "security", "high", (), frozenset({PARAMETER, SECRET_TYPE}), check=secret_store_encryption),
    Rule("app-logs-encryption-cmk", "Application log groups (Lambda, API Gateway) use a "
         "customer-managed key", "security", "medium", (), frozenset({LOG_GROUP}),
         check=app_log_encryption),
    Rule("kms-key-rotation", "Customer-managed symmetric KMS keys rotate automatically",
         "security", "medium", ("KMS.4",), frozenset({KMS_KEY}), check=key_rotation),
]
