"""ReplicatedBucket: a bucket per region, each replicating to the other with RTC."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role

REPLICATION_RULE_ID = "primary-to-secondary"
# The way back: after a failover the secondary bucket takes the writes, and failback returns
# users to a primary that must have them.
REVERSE_REPLICATION_RULE_ID = "secondary-to-primary"
NONCURRENT_VERSION_DAYS = 90


@dataclass
class BucketSide:
    region: str
    kms_key_arn: pulumi.Input[str]


@dataclass
class ReplicatedBucketArgs:
    environment: str
    account_id: pulumi.Input[str]
    primary: BucketSide
    secondary: BucketSide
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class ReplicatedBucket(pulumi.ComponentResource):
    """Owns two versioned, SSE-KMS, private, TLS-only buckets (one per region) with noncurrent-
    version lifecycle, a least-privilege replication role and a replication rule each way
    (primary→secondary and back) with Replication Time Control (15 min), metrics,
    delete-marker replication, replica modification sync and KMS-encrypted objects re-encrypted
    with the destination region's key."""

    def __init__(self, name: str, args: ReplicatedBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:ReplicatedBucket", name, None, opts)
        self._name, self._args = name, args
        self.primary, primary_versioning = self._bucket("primary", args.primary)
        self.secondary, secondary_versioning = self._bucket("secondary", args.secondary)
        role, permissions = self._replication_role()
        # Two-way replication with replica modification sync, AWS's pattern for buckets that fail
        # over and back: each bucket replicates what is written to it (replicas are never
        # replicated again, so nothing loops) and metadata changes made to a replica flow back.
        # S3 rejects a replication configuration until versioning is on at both ends. Objects
        # written before the role's policy is in effect fail to replicate for good (FAILED, never
        # retried), so each rule waits for the policy, not only the role.
        after: list[pulumi.Resource] = [primary_versioning, secondary_versioning, permissions]
        self.replication = self._replication(
            "replication", REPLICATION_RULE_ID, self.primary, args.primary, self.secondary,
            args.secondary, role, after)
        self.reverse_replication = self._replication(
            "reverse-replication", REVERSE_REPLICATION_RULE_ID, self.secondary, args.secondary,
            self.primary, args.primary, role, after)
        self.rule_id = REPLICATION_RULE_ID
        self.reverse_rule_id = REVERSE_REPLICATION_RULE_ID
        self.register_outputs({"primary_bucket": self.primary.bucket,
                               "secondary_bucket": self.secondary.bucket})

    def _replication(self, what: str, rule_id: str, source: aws.s3.Bucket, source_side: BucketSide,
                     destination: aws.s3.Bucket, destination_side: BucketSide, role: aws.iam.Role,
                     after: list[pulumi.Resource]) -> aws.s3.BucketReplicationConfig:
        return aws.s3.BucketReplicationConfig(
            f"{self._name}-{what}", bucket=source.id, role=role.arn, region=source_side.region,
            rules=[{
                "id": rule_id, "status": "Enabled", "priority": 1, "filter": {},
                "delete_marker_replication": {"status": "Enabled"},
                "source_selection_criteria": {
                    "sse_kms_encrypted_objects": {"status": "Enabled"},
                    "replica_modifications": {"status": "Enabled"}},
                "destination": {
                    "bucket": destination.arn, "storage_class": "STANDARD",
                    "encryption_configuration": {"replica_kms_key_id": destination_side.kms_key_arn},
                    "replication_time": {"status": "Enabled", "time": {"minutes": 15}},
                    "metrics": {"status": "Enabled", "event_threshold": {"minutes": 15}},
                },
            }],
            opts=self._kept(depends_on=after))

    def _bucket(self, role: str, side: BucketSide) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        args, name = self._args, f"{self._name}-{role}"
        child = self._kept()
        # Bucket names are global: environment, region and account keep them unique (<= 52 chars).
        bucket_name = pulumi.Output.from_input(args.account_id).apply(
            lambda account: f"dr-data-{args.environment}-{side.region}-{account}")
        bucket = aws.s3.Bucket(
            name, bucket=bucket_name, force_destroy=not args.protect, region=side.region,
            tags={**args.tags, "Name": f"dr-data-{args.environment}-{side.region}"},
            opts=child)
        # Each configuration below is deleted with the resource, not left alone: deleting
        # versioning suspends it, deleting SSE resets the default encryption. So they are kept too.
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, region=side.region,
            versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id, region=side.region,
            rules=[{"apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms", "kms_master_key_id": side.kms_key_arn},
                # Bucket keys cut KMS requests (and cost) by orders of magnitude.
                "bucket_key_enabled": True}],
            opts=child)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id, region=side.region,
            block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
            restrict_public_buckets=True, opts=child)
        aws.s3.BucketPolicy(
            f"{name}-tls-only", bucket=bucket.id, region=side.region,
            policy=bucket.arn.apply(_tls_only_policy),
            opts=self._kept(depends_on=[block]))
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, region=side.region,
            rules=[{"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}],
            opts=self._kept(depends_on=[versioning]))
        return bucket, versioning

    def _kept(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        """Protected environments keep the buckets with everything that makes them readable,
        replicated and private: the configurations, the replication role and its policy."""
        return pulumi.ResourceOptions(parent=self, depends_on=depends_on,
                                      retain_on_delete=self._args.protect, protect=self._args.protect)

    def _replication_role(self) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        args, child = self._args, self._kept()
        role = service_role(f"{self._name}-replication-role", "s3.amazonaws.com", args.tags, child)
        policy = pulumi.Output.all(
            self.primary.arn, self.secondary.arn, args.primary.kms_key_arn,
            args.secondary.kms_key_arn,
        ).apply(lambda v: _replication_policy(v[0], v[1], v[2], v[3], args.primary.region,
                                              args.secondary.region))
        permissions = aws.iam.RolePolicy(f"{self._name}-replication-policy", role=role.id,
                                         policy=policy, opts=child)
        return role, permissions


def _tls_only_policy(bucket_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def _replication_policy(primary: str, secondary: str, primary_key: str, secondary_key: str,
                        primary_region: str, secondary_region: str) -> str:
    """One role for both directions: each bucket is a source and a destination, each key is
    used only through its own region's S3."""
    buckets = [primary, secondary]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
         "Resource": buckets},
        {"Effect": "Allow", "Resource": [f"{b}/*" for b in buckets],
         "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging", "s3:ReplicateObject", "s3:ReplicateDelete",
                    "s3:ReplicateTags"]},
        # Decrypt reads the source's objects; Encrypt writes the replica; and Decrypt is also what
        # S3 Bucket Keys add on the destination: S3 decrypts the destination bucket key to verify
        # it, and without it every SSE-KMS object ends FAILED, which S3 never retries (S3 user
        # guide, "Replicating encrypted objects",
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
        *({"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key,
           "Condition": {"StringLike": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}}
          for key, region in ((primary_key, primary_region), (secondary_key, secondary_region))),
    ]})
