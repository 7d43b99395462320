"""recovery: the Region switch plan is wired to the real resources, and its roles may do exactly
what its steps need."""

from __future__ import annotations

import json

import pytest

from shared.components.region_switch import (
    APPROVAL,
    AURORA,
    AURORA_SCALING,
    BLOCK_PERMISSIONS,
    LAMBDA,
    REPORT_PREFIX,
    Targets,
    execution_statements,
)
from shared.contracts.recovery import RECOVERY
from tests.support import one, outputs, plan_of, resources

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
PLAN = "aws:arcregionswitch/plan:Plan"


@pytest.fixture(scope="module")
def prod():
    return plan_of("prod")


def steps(plan) -> list[dict]:
    [workflow] = one(resources(plan, "recovery", PLAN))["inputs"]["workflows"]
    assert workflow["workflowTargetAction"] == "activate" and "workflowTargetRegion" not in workflow
    return workflow["steps"]


def step(plan, name: str) -> dict:
    return next(s for s in steps(plan) if s["name"] == name)


def role_policy(plan, role_name: str) -> list[dict]:
    role = next(r for r in resources(plan, "recovery", "aws:iam/role:Role") if r["name"] == role_name)
    policy = next(p for p in resources(plan, "recovery", "aws:iam/rolePolicy:RolePolicy")
                  if p["inputs"]["role"] == role["id"])
    return json.loads(policy["inputs"]["policy"])["Statement"]


def test_dev_leaves_the_plan_out_and_publishes_nulls(dev_plan):
    assert resources(dev_plan, "recovery", PLAN) == []
    assert resources(dev_plan, "recovery", "aws:lambda/function:Function") == []
    assert outputs(dev_plan, "recovery") == dict.fromkeys(RECOVERY.output_names)


def test_the_plan_is_active_passive_over_both_regions_with_the_objective(prod):
    plan = one(resources(prod, "recovery", PLAN))["inputs"]
    assert (plan["recoveryApproach"], plan["regions"], plan["primaryRegion"]) == (
        "activePassive", [PRIMARY, SECONDARY], PRIMARY)
    assert plan["recoveryTimeObjectiveMinutes"] == 30
    assert one(resources(plan_of("prod", recoveryTimeObjectiveMinutes="12"), "recovery", PLAN))[
        "inputs"]["recoveryTimeObjectiveMinutes"] == 12


def test_the_steps_run_in_order_approval_scale_fence_promote_traffic(prod):
    # Scaling before the fence: the write outage runs from the fence to the promotion only.
    assert [(s["name"], s["executionBlockType"]) for s in steps(prod)] == [
        ("approve", APPROVAL), ("scale-database", AURORA_SCALING), ("fence-writes", LAMBDA),
        ("promote-database", AURORA), ("move-traffic", LAMBDA)]
    unprotected = plan_of("prod", protectData="false")
    assert [s["name"] for s in steps(unprotected)] == [
        "scale-database", "fence-writes", "promote-database", "move-traffic"]


def test_the_aurora_steps_name_the_real_global_cluster_and_both_clusters(prod):
    data = outputs(prod, "data")
    clusters = [data["primary_cluster_arn"], data["secondary_cluster_arn"]]
    [promote] = step(prod, "promote-database")["globalAuroraConfigs"]
    assert promote["globalClusterIdentifier"] == data["global_cluster_id"]
    assert promote["databaseClusterArns"] == clusters
    assert (promote["behavior"], promote["ungracefuls"]) == ("switchoverOnly", [{"ungraceful": "failover"}])
    [scale] = step(prod, "scale-database")["auroraServerlessScalingConfigs"]
    assert scale["regionDatabaseClusterArns"] == {PRIMARY: clusters[0], SECONDARY: clusters[1]}
    assert scale["globalClusterIdentifier"] == data["global_cluster_id"]


def test_both_custom_steps_run_the_activating_regions_own_action_function(prod):
    published = outputs(prod, "recovery")
    functions = {f["region"]: f["arn"]
                 for f in resources(prod, "recovery", "aws:lambda/function:Function")}
    assert functions == {PRIMARY: published["primary_action_function_arn"],
                         SECONDARY: published["secondary_action_function_arn"]}
    for name in ("fence-writes", "move-traffic"):
        [config] = step(prod, name)["customActionLambdaConfigs"]
        assert config["regionToRun"] == "activatingRegion"
        assert [f["arn"] for f in config["lambdas"]] == [functions[PRIMARY], functions[SECONDARY]]


def test_the_associated_alarms_are_monitorings_region_impaired_composites(prod):
    monitoring = outputs(prod, "monitoring")
    alarms = one(resources(prod, "recovery", PLAN))["inputs"]["associatedAlarms"]
    assert {a["resourceIdentifier"] for a in alarms} == {
        monitoring["primary_region_impaired_alarm_arn"], monitoring["secondary_region_impaired_alarm_arn"]}
    assert {a["alarmType"] for a in alarms} == {"applicationHealth"}


def test_reports_go_to_the_secondary_bucket_and_only_when_asked(prod):
    [report] = one(resources(prod, "recovery", PLAN))["inputs"]["reportConfigurations"]
    [[target]] = [o["s3Configurations"] for o in report["reportOutputs"]]
    assert target["bucketPath"] == f"{outputs(prod, 'data')['secondary_bucket_name']}/{REPORT_PREFIX}"
    without = one(resources(plan_of("prod", regionSwitchReports="false"), "recovery", PLAN))
    assert not without["inputs"].get("reportConfigurations")


def test_the_execution_role_holds_what_each_used_block_needs_on_these_resources(prod):
    data, recovery = outputs(prod, "data"), outputs(prod, "recovery")
    targets = Targets("123456789012", data["global_cluster_id"],
                      [data["primary_cluster_arn"], data["secondary_cluster_arn"]],
                      [recovery["primary_action_function_arn"], recovery["secondary_action_function_arn"]])
    granted = role_policy(prod, "region-switch-execution-role")
    used = {s["executionBlockType"] for s in steps(prod)}
    assert used == set(BLOCK_PERMISSIONS)
    for statement in execution_statements(used, targets):
        assert statement in granted, f"missing {statement['Action']}"
    # Beyond the blocks: only the report's write and its key.
    extra = [s for s in granted if s not in execution_statements(used, targets)]
    assert extra == [
        {"Effect": "Allow", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{data['secondary_bucket_name']}/{REPORT_PREFIX}/*"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Encrypt"],
         "Resource": data["secondary_kms_key_arn"]}]


def test_promotion_is_allowed_on_the_global_cluster_and_both_members_only():
    targets = Targets("123456789012", "dr-aurora-prod", ["arn:aws:rds:us-east-1:123456789012:cluster:a",
                                                         "arn:aws:rds:us-east-2:123456789012:cluster:b"], [])
    [_, promote] = BLOCK_PERMISSIONS[AURORA](targets)
    assert promote["Action"] == ["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"]
    assert promote["Resource"] == ["arn:aws:rds::123456789012:global-cluster:dr-aurora-prod",
                                   *targets.cluster_arns]
    [scaling, *_] = BLOCK_PERMISSIONS[AURORA_SCALING](targets)
    assert "arn:aws:rds:us-east-2:123456789012:db:b-*" in scaling["Resource"]
    assert BLOCK_PERMISSIONS[APPROVAL](targets) == []  # approval does not assume the execution role


def test_only_arc_for_this_account_assumes_the_execution_role(prod):
    role = next(r for r in resources(prod, "recovery", "aws:iam/role:Role")
                if r["name"] == "region-switch-execution-role")
    [trust] = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "arc-region-switch.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    attached = resources(prod, "recovery", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [a["inputs"]["policyArn"].rsplit("/", 1)[-1] for a in attached] == [
        "AmazonApplicationRecoveryControllerRegionSwitchPlanExecutionPolicy"]


def test_the_approval_step_names_a_role_that_may_only_approve_this_plan(prod):
    [approval] = step(prod, "approve")["executionApprovalConfigs"]
    approver = next(r for r in resources(prod, "recovery", "aws:iam/role:Role")
                    if r["name"] == "region-switch-approver-role")
    assert approval["approvalRole"] == approver["arn"]
    assert role_policy(prod, "region-switch-approver-role") == [{
        "Effect": "Allow", "Action": "arc-region-switch:ApprovePlanExecutionStep",
        "Resource": ["arn:aws:arc-region-switch::123456789012:plan/dr-failover-prod:*",
                     "arn:aws:arc-region-switch::123456789012:plan/dr-failover-prod/*"]}]


def test_only_the_named_approver_with_mfa_may_assume_the_approver_role(prod):
    def trust(plan) -> dict:
        role = next(r for r in resources(plan, "recovery", "aws:iam/role:Role")
                    if r["name"] == "region-switch-approver-role")
        [statement] = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
        return statement

    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert trust(prod)["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert trust(prod)["Condition"] == mfa
    named = plan_of("prod", regionSwitchApprover="arn:aws:iam::123456789012:role/dr-approvers")
    assert trust(named)["Principal"] == {"AWS": "arn:aws:iam::123456789012:role/dr-approvers"}
    assert trust(named)["Condition"] == mfa
    assert outputs(named, "recovery")["approval_role_arn"].startswith("arn:aws:iam::123456789012:role/")


def test_the_plan_arn_has_arcs_shape(prod):
    assert outputs(prod, "recovery")["plan_arn"].startswith(
        "arn:aws:arc-region-switch::123456789012:plan/dr-failover-prod:")
