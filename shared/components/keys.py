"""RegionalKeys: one customer-managed, multi-region KMS key usable in both regions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass
class RegionalKeysArgs:
    environment: str
    primary_region: str
    secondary_region: str
    account_id: pulumi.Input[str]
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class RegionalKeys(pulumi.ComponentResource):
    """Owns a multi-region primary key (with rotation) in the primary region and its replica
    in the secondary, each with an alias. One key material in both regions means a store
    replicated across regions stays readable after failover without re-encryption, and one
    rotation schedule covers both; each key's policy names its own region's services and each
    service names its region's ARN."""

    def __init__(self, name: str, args: RegionalKeysArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:RegionalKeys", name, None, opts)
        # Every kept store and recovery point is encrypted under this key: a protected
        # environment keeps the keys and their aliases when destroyed, or nothing kept is readable.
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect, protect=args.protect)
        account = pulumi.Output.from_input(args.account_id)
        # The window still guards a key someone schedules for deletion by hand.
        window = 30 if args.protect else 7
        self.primary = aws.kms.Key(
            f"{name}-primary", description=f"DR data key ({args.environment})",
            multi_region=True, enable_key_rotation=True, deletion_window_in_days=window,
            policy=account.apply(lambda a: _key_policy(a, args.primary_region)),
            region=args.primary_region, tags=args.tags, opts=child)
        self.secondary = aws.kms.ReplicaKey(
            f"{name}-secondary", primary_key_arn=self.primary.arn,
            description=f"DR data key replica ({args.environment})",
            deletion_window_in_days=window, region=args.secondary_region,
            # A replica has its own policy: it must name its own region's services.
            policy=account.apply(lambda a: _key_policy(a, args.secondary_region)),
            tags=args.tags, opts=child)
        for role, key, region in (("primary", self.primary.key_id, args.primary_region),
                                  ("secondary", self.secondary.key_id, args.secondary_region)):
            aws.kms.Alias(f"{name}-{role}-alias", name=f"alias/dr-{args.environment}-data",
                          target_key_id=key, region=region, opts=child)
        self.register_outputs({"primary_key_arn": self.primary.arn,
                               "secondary_key_arn": self.secondary.arn})

    def arn(self, role: str) -> pulumi.Output[str]:
        return self.primary.arn if role == "primary" else self.secondary.arn


def _key_policy(account_id: str, region: str) -> str:
    # The account root delegates use to IAM: services (S3, DynamoDB, RDS, Backup, SSM,
    # Secrets Manager) act with the calling role's kms: permissions, scoped per role.
    # CloudWatch Logs is the exception: it encrypts log groups as its own principal, which AWS
    # documents as the regional `logs.<region>.amazonaws.com` (the global name is refused).
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministersThroughIam", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "CloudWatchLogsEncrypt", "Effect": "Allow",
             "Principal": {"Service": f"logs.{region}.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                        "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnLike": {
                 "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}}},
        ],
    })
