"""CrossRegionBackup: an AWS Backup vault and a daily plan in each region, each copying across."""

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
SCHEDULE = "cron(0 5 * * ? *)"


@dataclass
class VaultSide:
    region: str
    kms_key_arn: pulumi.Input[str]
    resource_arns: Sequence[pulumi.Input[str]]  # this region's copies of the stores


@dataclass
class CrossRegionBackupArgs:
    environment: str
    primary: VaultSide
    secondary: VaultSide
    retention_days: int
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class CrossRegionBackup(pulumi.ComponentResource):
    """Owns a KMS-encrypted vault per region and, in each region, a plan with a daily rule that
    backs up that region's own copies of the stores (its Aurora cluster, its table replica)
    into its vault for `retention_days` and copies each recovery point to the other region's
    vault with the same retention; one service role Backup assumes in both.

    A plan only reaches resources of its own region, and after a failover the writer is the
    other region's cluster: a plan in the primary alone would stop backing up the data that
    changes. With a plan on each side, whichever region writes is backed up and copied away,
    and nothing has to be switched during a failover or turned back by a later `up`. The price
    is a second daily set of recovery points (and its copy) for each store."""

    def __init__(self, name: str, args: CrossRegionBackupArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:CrossRegionBackup", name, None, opts)
        # A protected environment keeps backing up what it keeps: vaults, plans, selections and
        # the role they run as survive a destroy, and a plain `pulumi destroy` refuses them.
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect, protect=args.protect)
        self._child = child
        self.primary_vault = self._vault(name, "primary", args.primary, args)
        self.secondary_vault = self._vault(name, "secondary", args.secondary, args)
        role = service_role(f"{name}-role", "backup.amazonaws.com", args.tags, child)
        # Backup jobs started before the role may act fail: the selections wait for it.
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-role-{i}", role=role.name, policy_arn=arn,
                                         opts=child)
            for i, arn in enumerate(MANAGED_POLICIES)]
        self.plans = {
            "primary": self._plan(name, "primary", args.primary, self.primary_vault,
                                  self.secondary_vault, role, attachments, args),
            "secondary": self._plan(name, "secondary", args.secondary, self.secondary_vault,
                                    self.primary_vault, role, attachments, args)}
        self.register_outputs({"primary_plan_id": self.plans["primary"].id,
                               "secondary_plan_id": self.plans["secondary"].id})

    def _plan(self, name: str, role_name: str, side: VaultSide, vault: aws.backup.Vault,
              destination: aws.backup.Vault, role: aws.iam.Role,
              attachments: Sequence[pulumi.Resource], args: CrossRegionBackupArgs) -> aws.backup.Plan:
        child = self._child
        plan = aws.backup.Plan(
            f"{name}-{role_name}-plan", name=f"dr-{args.environment}-daily-{side.region}",
            region=side.region,
            rules=[aws.backup.PlanRuleArgs(
                rule_name="daily-with-cross-region-copy", target_vault_name=vault.name,
                schedule=SCHEDULE, start_window=60, completion_window=360,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days),
                copy_actions=[aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=destination.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=args.retention_days))],
            )],
            tags=args.tags, opts=child)
        aws.backup.Selection(
            f"{name}-{role_name}-selection", name=f"dr-{args.environment}-stores-{side.region}",
            plan_id=plan.id, iam_role_arn=role.arn, resources=list(side.resource_arns),
            region=side.region,
            opts=pulumi.ResourceOptions.merge(self._child,
                                              pulumi.ResourceOptions(depends_on=list(attachments))))
        return plan

    def _vault(self, name: str, role: str, side: VaultSide,
               args: CrossRegionBackupArgs) -> aws.backup.Vault:
        # Non-protected vaults may be destroyed with their recovery points; protected ones not.
        return aws.backup.Vault(
            f"{name}-{role}-vault", name=f"dr-{args.environment}-{side.region}",
            kms_key_arn=side.kms_key_arn, force_destroy=not args.protect, region=side.region,
            tags=args.tags, opts=self._child)
