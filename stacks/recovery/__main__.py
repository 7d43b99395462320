"""recovery: the failover runbook in the account, as an ARC Region switch plan that `invoke
failover` executes from the region it activates, with one custom-action function per region.
With dr:regionSwitchPlan off nothing is built and every output is null: `invoke failover` then
runs its client-side sequence."""

import pulumi_aws as aws

from shared.components.region_actions import RegionActions, RegionActionsArgs
from shared.components.region_switch import RegionSwitchPlan, RegionSwitchPlanArgs, ReportBucket
from shared.config import current_settings
from shared.contracts.recovery import RECOVERY
from shared.naming import physical_name
from shared.stack_io import Upstream, export_outputs
from shared.strategy import PILOT_LIGHT

ROLES = ("primary", "secondary")

settings = current_settings()
env, tags = settings.environment, settings.resource_tags
if not settings.region_switch_plan:
    export_outputs("recovery", dict.fromkeys(RECOVERY.output_names))
else:
    upstream = Upstream("recovery")
    data, traffic, monitoring = (
        upstream.outputs(layer) for layer in ("data", "global-traffic", "monitoring"))
    regions = {role: settings.regional(role).region for role in ROLES}
    account_id = aws.get_caller_identity_output().account_id
    plan_name = physical_name("failover", env)
    bring_up = settings.strategy == PILOT_LIGHT  # the plan gives the headless cluster an instance
    actions = {role: RegionActions(f"actions-{role}", RegionActionsArgs(
        env, account_id, regions[role], regions[peer], plan_name,
        traffic[f"{role}_endpoint_group_arn"], traffic[f"{peer}_endpoint_group_arn"],
        traffic[f"{role}_traffic_dial"], traffic[f"{peer}_traffic_dial"],
        data["active_region_parameter_name"], data["regional_parameter_prefix"], data["table_name"],
        regions["primary"], data[f"{role}_kms_key_arn"], settings.log_retention_days,
        primary=role == "primary", tags=tags,
        own_cluster_arn=data[f"{role}_cluster_arn"] if bring_up else None))
        for role, peer in (("primary", "secondary"), ("secondary", "primary"))}
    plan = RegionSwitchPlan("region-switch", RegionSwitchPlanArgs(
        env, plan_name, account_id, regions["primary"], regions["secondary"], data["global_cluster_id"],
        {regions[r]: data[f"{r}_cluster_arn"] for r in ROLES},
        {regions[r]: actions[r].function.arn for r in ROLES},
        {regions[r]: monitoring[f"{r}_region_impaired_alarm_arn"] for r in ROLES},
        settings.recovery_time_objective_minutes, approval=settings.protect_data,
        # In the secondary: the report is read most after an execution that left the primary.
        report_bucket=ReportBucket(data["secondary_bucket_name"], data["secondary_kms_key_arn"])
        if settings.region_switch_reports else None, approver=settings.region_switch_approver, tags=tags,
        bring_up=bring_up))
    export_outputs("recovery", {
        "plan_arn": plan.plan.arn, "plan_name": plan.plan.name, "execution_role_arn": plan.role.arn,
        "approval_role_arn": plan.approver_role.arn if plan.approver_role else None,
        **{f"{role}_action_function_{key}": getattr(actions[role].function, key)
           for role in ROLES for key in ("name", "arn")},
    })
