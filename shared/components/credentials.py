"""DatabaseCredentials: the Aurora master password, generated and kept in Secrets Manager."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from shared.components.global_database import MASTER_USERNAME
from shared.naming import arn_in_region


@dataclass
class DatabaseCredentialsArgs:
    environment: str
    primary_region: str
    secondary_region: str
    primary_kms_key_arn: pulumi.Input[str]
    secondary_kms_key_arn: pulumi.Input[str]
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class DatabaseCredentials(pulumi.ComponentResource):
    """Owns a generated master password (a Pulumi secret: encrypted in state, masked in plans)
    and a Secrets Manager secret holding it, replicated to the secondary region so it can be
    read there after a failover. RDS-managed master passwords are not supported for clusters
    in an Aurora global database, hence this secret."""

    def __init__(self, name: str, args: DatabaseCredentialsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:DatabaseCredentials", name, None, opts)
        # A kept cluster is useless without its password: protected environments keep the
        # secret (its replica with it) and its value when destroyed.
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect, protect=args.protect)
        # RDS forbids /, @, " and spaces in master passwords.
        self.password = random.RandomPassword(
            f"{name}-password", length=32, special=True, override_special="!#$%^&*()-_=+[]{}<>:?",
            opts=child)
        self.secret = aws.secretsmanager.Secret(
            f"{name}-secret", name=f"dr/{args.environment}/aurora-master",
            description="Aurora global database master credentials",
            kms_key_id=args.primary_kms_key_arn,
            replicas=[{"region": args.secondary_region, "kms_key_id": args.secondary_kms_key_arn}],
            # Non-protected environments delete at once so the name can be reused.
            recovery_window_in_days=30 if args.protect else 0,
            region=args.primary_region, tags=args.tags, opts=child)
        aws.secretsmanager.SecretVersion(
            f"{name}-secret-value", secret_id=self.secret.id, region=args.primary_region,
            # `result` is a secret Output, so the JSON built from it stays secret.
            secret_string=self.password.result.apply(
                lambda password: json.dumps({"username": MASTER_USERNAME, "password": password})),
            opts=child)
        self.secondary_region = args.secondary_region
        self.register_outputs({"secret_arn": self.secret.arn})

    def arn(self, role: str) -> pulumi.Output[str]:
        """The ARN of the secret as read in `role`'s region: a replica keeps the primary's name
        and suffix, only the region differs, and the secondary VPC must read its own copy."""
        if role == "primary":
            return self.secret.arn
        return self.secret.arn.apply(lambda arn: arn_in_region(arn, self.secondary_region))
