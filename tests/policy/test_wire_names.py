"""The rules read the wire names pulumi-aws really sends: real resources, under the plan's mock
runtime, judged like `invoke check` judges a layer (synthetic records alone could agree with a
misspelt rule)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shared.plan.runtime import run_layer
from shared.policy import RULES, evaluate
from tests.policy.records import DEV

PROGRAM = '''
import json
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True, region="us-east-1")
bucket = aws.s3.Bucket("bucket", bucket="dr-wire-dev-use1", region="us-east-1")
aws.s3.BucketServerSideEncryptionConfiguration(
    "sse", bucket=bucket.id, region="us-east-1",
    rules=[{"apply_server_side_encryption_by_default": {
        "sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}])
aws.s3.BucketPublicAccessBlock(
    "pab", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
    ignore_public_acls=True, restrict_public_buckets=True, region="us-east-1")
aws.s3.BucketVersioning("versioning", bucket=bucket.id, region="us-east-1",
                        versioning_configuration={"status": "Enabled"})
aws.s3.BucketPolicy("policy", bucket=bucket.id, region="us-east-1", policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::dr-wire-dev-use1", "arn:aws:s3:::dr-wire-dev-use1/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
aws.dynamodb.Table(
    "table", name="dr-wire-dev", billing_mode="PAY_PER_REQUEST", hash_key="pk",
    attributes=[{"name": "pk", "type": "S"}], stream_enabled=True,
    stream_view_type="NEW_AND_OLD_IMAGES", region="us-east-1",
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    point_in_time_recovery={"enabled": True},
    replicas=[{"region_name": "us-east-2", "point_in_time_recovery": True,
               "kms_key_arn": "arn:aws:kms:us-east-2:123456789012:key/wire"}])
aws.rds.Cluster("cluster", cluster_identifier="dr-wire-dev", engine="aurora-postgresql",
                storage_encrypted=True, kms_key_id=key.arn, backup_retention_period=7,
                skip_final_snapshot=True, master_username="app",
                master_password="hunter2", region="us-east-1")
aws.sns.Topic("topic", name="dr-wire-dev", region="us-east-1")
aws.ssm.Parameter("param", name="/dr/dev/db-password", type="String", value="hunter2",
                  region="us-east-1")
'''
CLEAN = ("s3-encryption-cmk", "s3-public-access-blocked", "s3-tls-only", "dynamodb-encryption-cmk",
         "aurora-encryption-cmk", "kms-key-rotation", "global-table-stream")


def test_rules_read_the_inputs_pulumi_aws_sends(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    (tmp_path / "Pulumi.yaml").write_text("name: wire\nruntime: python\n")  # a layer folder has one
    run = run_layer(tmp_path, "wire", "dev", {}, {}, default_region="us-east-1")
    records = [r for r in run.resources if r["custom"]]
    found = {(f.rule.id, f.resource) for f in evaluate(records, DEV, RULES).findings}
    assert not {rule for rule, _ in found} & set(CLEAN)
    assert ("sns-encryption-cmk", "topic") in found
    # pulumi-aws marks masterPassword secret, so even a literal arrives masked; a credential
    # in a plain String parameter does not.
    cluster = next(r for r in records if r["name"] == "cluster")
    assert cluster["inputs"]["masterPassword"] == "[secret]"
    assert ("no-plaintext-secrets", "cluster") not in found
    assert ("no-plaintext-secrets", "param") in found
