"""RegionSwitchPlan: the failover runbook as an ARC Region switch plan, its execution role and,
in protected environments, the role whose holders approve an execution.

One `activate` workflow serves both directions (an active/passive plan may declare one
workflow for either region): every block names both regions' resources and ARC picks the
activating one. The steps, in order:

1. approve (protected environments only): a person confirms before anything moves.
   bring-up-database (dr:strategy pilot-light only): the action function gives the activating
   region's headless cluster an instance and succeeds once it is available (ARC has no block
   that adds an instance; shared/components/bring_up_action.py).
2. scale-database: the activating cluster's Serverless v2 capacity to match the writer's before
   it takes the writes (AuroraServerlessScaling, targetPercent 100). Before the fence, so the
   write outage (fence to promotion) does not also wait for the scaling.
3. fence-writes: the action function fences the region being left (stacks/recovery/handlers/
   region_action.py says what it does when that region is unreachable).
4. promote-database: the Aurora Global Database block: switchover when graceful, failover
   (allowing data loss) when ungraceful.
5. move-traffic: the action function moves the Global Accelerator dials, the active-region flag
   and the write fences.

The execution role holds exactly what AWS documents for each block used (BLOCK_PERMISSIONS),
scoped to these resources, plus AWS's managed plan-execution policy for evaluation and alarms.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.components.bring_up_action import BRING_UP_TIMEOUT_MINUTES
from shared.components.iam import service_role
from shared.components.region_actions import FENCE_STEP, TRAFFIC_STEP, plan_arn_patterns
from shared.ops.aws.region_switch import BRING_UP_STEP, PROMOTE_STEP, SCALE_STEP

SERVICE = "arc-region-switch.amazonaws.com"
# AWS's own policy for plan evaluation and execution: reading the plan and its executions,
# simulating the role's policies, reading the associated alarms.
EXECUTION_POLICY = ("arn:aws:iam::aws:policy/"
                    "AmazonApplicationRecoveryControllerRegionSwitchPlanExecutionPolicy")
# The custom-action steps carry the names the action function dispatches on.
APPROVE, FENCE, SCALE, PROMOTE, TRAFFIC = (
    "approve", FENCE_STEP, SCALE_STEP, PROMOTE_STEP, TRAFFIC_STEP)
LAMBDA, APPROVAL, AURORA, AURORA_SCALING = (
    "CustomActionLambda", "ManualApproval", "AuroraGlobalDatabase", "AuroraServerlessScaling")
REPORT_PREFIX = "region-switch-reports"
APPROVAL_TIMEOUT_MINUTES = 60
LAMBDA_TIMEOUT_MINUTES = 10
LAMBDA_RETRY_MINUTES = 1.0
# Aurora's switchover waits for the secondary to catch up; a failover promotes in minutes.
AURORA_TIMEOUT_MINUTES = 60
SCALING_TIMEOUT_MINUTES = 30


@dataclass(frozen=True)
class Targets:
    """The resolved resources the plan acts on; BLOCK_PERMISSIONS scopes the role to them."""

    account_id: str
    global_cluster_id: str
    cluster_arns: Sequence[str]
    function_arns: Sequence[str]

    @property
    def global_cluster_arn(self) -> str:
        return f"arn:aws:rds::{self.account_id}:global-cluster:{self.global_cluster_id}"

    @property
    def instance_arns(self) -> list[str]:
        """Each cluster's instances (shared/components/global_database.py names them <cluster>-N)."""
        return [arn.replace(":cluster:", ":db:") + "-*" for arn in self.cluster_arns]


def _lambda(t: Targets) -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
             "Resource": list(t.function_arns)}]


def _aurora(t: Targets) -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Action": ["rds:DescribeGlobalClusters", "rds:DescribeDBClusters"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": ["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"],
             "Resource": [t.global_cluster_arn, *t.cluster_arns]}]


def _aurora_scaling(t: Targets) -> list[dict[str, Any]]:
    return [{"Effect": "Allow",
             "Action": ["rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeGlobalClusters",
                        "rds:ModifyDBCluster", "rds:RebootDBInstance"],
             "Resource": [*t.cluster_arns, *t.instance_arns, t.global_cluster_arn]},
            {"Effect": "Allow", "Action": ["cloudwatch:GetMetricData"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:DescribeInstanceTypes"], "Resource": "*"}]


# The execution role's statements per execution block, as the ARC developer guide's sample
# policy for each block lists them (security_iam_region_switch_*). A manual approval does not
# assume the execution role: its permission belongs to the approval role.
BLOCK_PERMISSIONS = {LAMBDA: _lambda, AURORA: _aurora, AURORA_SCALING: _aurora_scaling,
                     APPROVAL: lambda t: []}


def execution_statements(blocks: Iterable[str], targets: Targets) -> list[dict[str, Any]]:
    return [statement for block in sorted(set(blocks)) for statement in BLOCK_PERMISSIONS[block](targets)]


@dataclass
class ReportBucket:
    """Where ARC writes each execution's report (the data layer's bucket and its KMS key)."""

    name: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


@dataclass
class RegionSwitchPlanArgs:
    environment: str
    plan_name: str
    account_id: pulumi.Input[str]
    primary_region: str
    secondary_region: str
    global_cluster_id: pulumi.Input[str]
    cluster_arns: Mapping[str, pulumi.Input[str]]  # region -> that region's Aurora cluster
    action_function_arns: Mapping[str, pulumi.Input[str]]  # region -> its action function
    impaired_alarm_arns: Mapping[str, pulumi.Input[str]]  # region -> "region impaired" composite
    recovery_time_objective_minutes: int
    approval: bool
    report_bucket: ReportBucket | None = None
    approver: str | None = None  # the principal trusted to approve; None: the account's (with MFA)
    tags: dict[str, str] = field(default_factory=dict)
    # dr:strategy pilot-light: a custom action gives the headless cluster an instance first.
    bring_up: bool = False

    @property
    def regions(self) -> list[str]:
        return [self.primary_region, self.secondary_region]


class RegionSwitchPlan(pulumi.ComponentResource):
    """Owns the plan, its execution role and policies and, when `approval`, the approver role."""

    def __init__(self, name: str, args: RegionSwitchPlanArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:recovery:RegionSwitchPlan", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._args = args
        self.role = service_role(f"{name}-execution-role", SERVICE, args.tags, child,
                                 description=f"ARC Region switch plan {args.plan_name} (execution)",
                                 source_account=args.account_id)
        grants = [self._execution_policy(name, args), aws.iam.RolePolicyAttachment(
            f"{name}-execution-managed", role=self.role.name, policy_arn=EXECUTION_POLICY, opts=child)]
        self.approver_role = self._approver(name, args) if args.approval else None
        self.blocks = [step["execution_block_type"] for step in self.steps()]
        workflow = aws.arcregionswitch.PlanWorkflowArgs(
            workflow_target_action="activate",
            workflow_description="Activate either region; the other is left", steps=self.steps())
        self.plan = aws.arcregionswitch.Plan(
            f"{name}-plan", name=args.plan_name,
            description=f"Fail {args.environment} over between {' and '.join(args.regions)}: fence, "
                        "Aurora, capacity, traffic (invoke failover runs it)",
            execution_role=self.role.arn, recovery_approach="activePassive", regions=args.regions,
            primary_region=args.primary_region,
            recovery_time_objective_minutes=args.recovery_time_objective_minutes,
            associated_alarms=[{"map_block_key": f"region-impaired-{region}",
                                "alarm_type": "applicationHealth",
                                "resource_identifier": args.impaired_alarm_arns[region]}
                               for region in args.regions],
            workflows=[workflow],
            report_configurations=[{"report_outputs": [{"s3_configurations": [{
                "bucket_path": pulumi.Output.concat(args.report_bucket.name, "/", REPORT_PREFIX),
                "bucket_owner": args.account_id}]}]}] if args.report_bucket else None,
            tags={**args.tags, "Name": args.plan_name},
            # A plan created before its role may act is evaluated with warnings until the next run.
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants))
        self.register_outputs({"arn": self.plan.arn, "name": self.plan.name})

    # Steps as plain dicts (each block's config under its own key): pulumi-aws types them as
    # TypedDicts mypy cannot match a shared builder against; tests/stacks/test_recovery.py
    # checks what they resolve to.
    def steps(self) -> list[Any]:
        args = self._args
        functions = [{"arn": args.action_function_arns[region]} for region in args.regions]

        def action(step: str, description: str, timeout: int = LAMBDA_TIMEOUT_MINUTES) -> dict[str, Any]:
            return {"name": step, "description": description, "execution_block_type": LAMBDA,
                    "custom_action_lambda_configs": [{
                        "lambdas": functions, "region_to_run": "activatingRegion",
                        "retry_interval_minutes": LAMBDA_RETRY_MINUTES,
                        "timeout_minutes": timeout}]}

        approve = [{"name": APPROVE, "description": "An operator approves the switch",
                    "execution_block_type": APPROVAL,
                    "execution_approval_configs": [{"approval_role": self.approver_role.arn,
                                                    "timeout_minutes": APPROVAL_TIMEOUT_MINUTES}]}
                   ] if self.approver_role else []
        clusters = [args.cluster_arns[region] for region in args.regions]
        # Before the fence: writes stay open in the region being left while the instance is made.
        bring_up = [action(BRING_UP_STEP, "Give the headless (pilot light) cluster an instance",
                           BRING_UP_TIMEOUT_MINUTES)] if args.bring_up else []
        return [
            *approve,
            *bring_up,
            {"name": SCALE, "description": "Size the activating cluster like the writer",
             "execution_block_type": AURORA_SCALING,
             "aurora_serverless_scaling_configs": [{
                 "global_cluster_identifier": args.global_cluster_id,
                 "region_database_cluster_arns": dict(zip(args.regions, clusters, strict=True)),
                 "target_percent": 100, "timeout_minutes": SCALING_TIMEOUT_MINUTES}]},
            action(FENCE, "Fence writes in the region being left"),
            {"name": PROMOTE, "description": "Switchover (graceful) or failover (ungraceful)",
             "execution_block_type": AURORA,
             "global_aurora_configs": [{
                 "behavior": "switchoverOnly", "ungracefuls": [{"ungraceful": "failover"}],
                 "global_cluster_identifier": args.global_cluster_id,
                 "database_cluster_arns": clusters, "timeout_minutes": AURORA_TIMEOUT_MINUTES}]},
            action(TRAFFIC, "Move the accelerator's dials, the active-region flag and write fences"),
        ]

    def _execution_policy(self, name: str, args: RegionSwitchPlanArgs) -> aws.iam.RolePolicy:
        blocks = [LAMBDA, AURORA, AURORA_SCALING] + ([APPROVAL] if args.approval else [])
        report = args.report_bucket

        def document(values: list[Any]) -> str:
            account, global_id, *rest = values
            clusters, functions, reports = rest[:2], rest[2:4], rest[4:]
            statements = execution_statements(blocks, Targets(account, global_id, clusters, functions))
            if reports:
                bucket, key = reports
                statements += [
                    {"Effect": "Allow", "Action": "s3:PutObject",
                     "Resource": f"arn:aws:s3:::{bucket}/{REPORT_PREFIX}/*"},
                    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Encrypt"], "Resource": key}]
            return json.dumps({"Version": "2012-10-17", "Statement": statements})

        inputs: list[Any] = [args.account_id, args.global_cluster_id,
                             *(args.cluster_arns[r] for r in args.regions),
                             *(args.action_function_arns[r] for r in args.regions),
                             *([report.name, report.kms_key_arn] if report else [])]
        return aws.iam.RolePolicy(f"{name}-execution-policy", role=self.role.id,
                                  policy=pulumi.Output.all(*inputs).apply(document),
                                  opts=pulumi.ResourceOptions(parent=self))

    def _approver(self, name: str, args: RegionSwitchPlanArgs) -> aws.iam.Role:
        """The role people assume to approve: trusted by the named approver (dr:regionSwitchApprover,
        else the account's principals), only with MFA, allowed only to approve this plan's steps
        (the plan's ARN ends in a suffix ARC picks). invoke failover assumes it to answer, and
        refuses an approval by whoever started the execution."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-approver-role", description=f"Approves executions of {args.plan_name}",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(lambda account: json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"AWS": args.approver or f"arn:aws:iam::{account}:root"},
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})),
            tags=args.tags, opts=child)
        aws.iam.RolePolicy(
            f"{name}-approver-policy", role=role.id,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda account: json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "arc-region-switch:ApprovePlanExecutionStep",
                    "Resource": plan_arn_patterns(account, args.plan_name)}]})),
            opts=child)
        return role
