"""CrossRegionBackup: AWS Backup vaults in both regions and a daily plan copying across."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role

MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass
class VaultSide:
    region: str
    kms_key_arn: pulumi.Input[str]


@dataclass
class CrossRegionBackupArgs:
    environment: str
    primary: VaultSide
    secondary: VaultSide
    retention_days: int
    resource_arns: Sequence[pulumi.Input[str]]
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class CrossRegionBackup(pulumi.ComponentResource):
    """Owns a KMS-encrypted vault per region, a plan with a daily rule in the primary that keeps
    recovery points `retention_days` and copies each one to the secondary vault with the same
    retention, the selection of the protected resources and the service role Backup assumes."""

    def __init__(self, name: str, args: CrossRegionBackupArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:CrossRegionBackup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.primary_vault = self._vault(name, "primary", args.primary, args)
        self.secondary_vault = self._vault(name, "secondary", args.secondary, args)
        lifecycle = aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days)
        self.plan = aws.backup.Plan(
            f"{name}-plan", name=f"dr-{args.environment}-daily", region=args.primary.region,
            rules=[aws.backup.PlanRuleArgs(
                rule_name="daily-with-cross-region-copy", target_vault_name=self.primary_vault.name,
                schedule="cron(0 5 * * ? *)", start_window=60, completion_window=360,
                lifecycle=lifecycle,
                copy_actions=[aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=self.secondary_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=args.retention_days))],
            )],
            tags=args.tags, opts=child)
        role = service_role(f"{name}-role", "backup.amazonaws.com", args.tags, child)
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-role-{i}", role=role.name, policy_arn=arn,
                                         opts=child)
            for i, arn in enumerate(MANAGED_POLICIES)]
        aws.backup.Selection(
            f"{name}-selection", name=f"dr-{args.environment}-stores", plan_id=self.plan.id,
            iam_role_arn=role.arn, resources=list(args.resource_arns), region=args.primary.region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments))
        self.register_outputs({"plan_id": self.plan.id})

    def _vault(self, name: str, role: str, side: VaultSide,
               args: CrossRegionBackupArgs) -> aws.backup.Vault:
        # Non-protected vaults may be destroyed with their recovery points; protected ones not.
        return aws.backup.Vault(
            f"{name}-{role}-vault", name=f"dr-{args.environment}-{side.region}",
            kms_key_arn=side.kms_key_arn, force_destroy=not args.protect, region=side.region,
            tags=args.tags, opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect))
