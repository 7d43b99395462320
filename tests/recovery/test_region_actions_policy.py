"""The action function's role under Pulumi's mocks, against the calls the handler really makes
(recorded while it runs both steps against moto and the Stubber): each call is allowed on the
resource it names, and nothing is granted on "*". Dropping or narrowing a permission the
handler needs fails here, not in the middle of a failover."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pulumi

from shared.components.region_actions import RegionActions, RegionActionsArgs
from tests.recovery.conftest import (
    ACCOUNT,
    ACTIVATING,
    ACTIVE_REGION_PARAMETER,
    DEACTIVATING,
    GROUPS,
    TABLE,
    WRITES_ENABLED_PARAMETER,
    Call,
    World,
)

IAM_PREFIX = {"ssm": "ssm", "globalaccelerator": "globalaccelerator",
              "arc-region-switch": "arc-region-switch", "dynamodb": "dynamodb"}


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock:::{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def resource_of(call: Call) -> str:
    """The ARN IAM authorizes the call on."""
    if call.service == "ssm":
        return f"arn:aws:ssm:{call.region}:{ACCOUNT}:parameter{call.params['Name']}"
    if call.service == "globalaccelerator":
        return str(call.params["EndpointGroupArn"])
    if call.service == "arc-region-switch":
        return str(call.params["planArn"])
    if call.service == "dynamodb":
        return f"arn:aws:dynamodb:{call.region}:{ACCOUNT}:table/{call.params['TableName']}"
    raise AssertionError(f"no resource rule for {call.service}: add one, and a statement for it")


def listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def allowed(policy: dict[str, Any], action: str, resource: str) -> bool:
    return any(statement["Effect"] == "Allow" and action in listed(statement["Action"])
               and any(fnmatchcase(resource, pattern) for pattern in listed(statement["Resource"]))
               for statement in policy["Statement"])


def every_call(world: World) -> list[Call]:
    """Both steps run through their writing paths, in both regions."""
    world.mode_is("graceful")
    world.run("fence-writes")
    boto3.client("ssm", region_name=ACTIVATING).put_parameter(
        Name=WRITES_ENABLED_PARAMETER, Value="false", Overwrite=True, Type="String")
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)
    world.run("move-traffic")
    return world.calls


def secondary_actions(own_cluster_arn: str | None = None) -> RegionActions:
    """The secondary's function as the recovery layer declares it (pilot light: with its cluster)."""
    return RegionActions("actions-secondary", RegionActionsArgs(
        environment="dev", account_id=ACCOUNT, region=ACTIVATING, peer_region=DEACTIVATING,
        plan_name="dr-recovery-dev", own_endpoint_group_arn=GROUPS[ACTIVATING],
        peer_endpoint_group_arn=GROUPS[DEACTIVATING], own_traffic_dial=0.0, peer_traffic_dial=100.0,
        active_region_parameter_name=ACTIVE_REGION_PARAMETER,
        regional_parameter_prefix="/dr/dev/regional/", table_name=TABLE, primary_region=DEACTIVATING,
        log_kms_key_arn="arn:aws:kms:us-east-2:1:key/k",
        log_retention_days=30, own_cluster_arn=own_cluster_arn))


@pulumi.runtime.test
def test_the_role_allows_every_call_the_handler_makes_and_nothing_on_everything(world: World) -> None:
    calls = every_call(world)
    assert {(c.service, c.operation) for c in calls} == {
        ("arc-region-switch", "GetPlanExecution"), ("ssm", "GetParameter"), ("ssm", "PutParameter"),
        ("globalaccelerator", "DescribeEndpointGroup"), ("globalaccelerator", "UpdateEndpointGroup"),
        ("dynamodb", "GetItem"), ("dynamodb", "PutItem")}  # the authority record
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="recovery", stack="dev", preview=False)
    actions = secondary_actions()

    def check(_: Any) -> None:
        policies = [a.inputs["policy"] for a in recorder.created if a.typ == "aws:iam/rolePolicy:RolePolicy"]
        assert len(policies) == 1
        policy = json.loads(policies[0])
        for call in calls:
            action = f"{IAM_PREFIX[call.service]}:{call.operation}"
            assert allowed(policy, action, resource_of(call)), f"{action} on {resource_of(call)} is denied"
        assert all(r != "*" for s in policy["Statement"] for r in listed(s["Resource"]))
        # The authority record is written only in the region the function activates.
        peer_table = f"arn:aws:dynamodb:{DEACTIVATING}:{ACCOUNT}:table/{TABLE}"
        assert not allowed(policy, "dynamodb:PutItem", peer_table)
        # The peer's copy of a parameter is reachable; one outside the two names is not.
        assert not allowed(policy, "ssm:PutParameter",
                           f"arn:aws:ssm:{DEACTIVATING}:{ACCOUNT}:parameter/dr/dev/shared/api-key")
        function = next(a for a in recorder.created if a.typ == "aws:lambda/function:Function")
        assert function.inputs["region"] == ACTIVATING
        assert function.inputs["handler"] == "region_action.handler"
        variables = function.inputs["environment"]["variables"]
        assert variables["PEER_REGION"] == DEACTIVATING and variables["OWN_TRAFFIC_DIAL"] == "0"
        assert variables["RESTORE_DEPLOYED_SHAPE"] == "false"  # the secondary's activation is a failover
        # Packaged with the authority module and the pilot light's bring-up step it dispatches to,
        # imported as top-level modules as in tests.
        assert set(function.inputs["code"].assets) == {"region_action.py", "authority.py", "bring_up_step.py",
                                                         "timing.py"}
        assert variables["TABLE_NAME"] == TABLE and variables["PRIMARY_REGION"] == DEACTIVATING
        logs = next(a for a in recorder.created if a.typ == "aws:cloudwatch/logGroup:LogGroup")
        assert logs.inputs["retentionInDays"] == 30 and logs.inputs["region"] == ACTIVATING

    return pulumi.Output.all(actions.function.urn, actions.function.name).apply(check)


CLUSTER_ARN = f"arn:aws:rds:{ACTIVATING}:{ACCOUNT}:cluster:dr-aurora-dev-use2"


def rds_resource(call: Call) -> str:
    if call.operation == "DescribeDBClusters":
        return CLUSTER_ARN
    if call.operation == "CreateDBInstance":
        return f"arn:aws:rds:{call.region}:{ACCOUNT}:db:{call.params['DBInstanceIdentifier']}"
    return f"arn:aws:rds:{call.region}:{ACCOUNT}:db:*"  # a filtered DescribeDBInstances


@pulumi.runtime.test
def test_a_pilot_light_function_may_add_an_instance_to_its_own_cluster_only(
        world: World, monkeypatch: Any) -> None:
    monkeypatch.setenv("OWN_CLUSTER_ID", "dr-aurora-dev-use2")
    boto3.client("rds", region_name=ACTIVATING).create_db_cluster(
        DBClusterIdentifier="dr-aurora-dev-use2", Engine="aurora-postgresql", MasterUsername="dradmin",
        MasterUserPassword="not-a-real-password-1")
    world.run("bring-up-database")
    calls = [c for c in world.calls if c.service == "rds"]
    assert {c.operation for c in calls} == {"DescribeDBClusters", "CreateDBInstance", "DescribeDBInstances"}
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="recovery", stack="dev", preview=False)
    actions = secondary_actions(own_cluster_arn=CLUSTER_ARN)

    def check(_: Any) -> None:
        [policy] = [json.loads(a.inputs["policy"]) for a in recorder.created
                    if a.typ == "aws:iam/rolePolicy:RolePolicy"]
        for call in calls:
            assert allowed(policy, f"rds:{call.operation}", rds_resource(call)), call
        assert allowed(policy, "rds:AddTagsToResource",
                       f"arn:aws:rds:{ACTIVATING}:{ACCOUNT}:db:dr-aurora-dev-use2-up")
        assert not allowed(policy, "rds:CreateDBInstance",
                           f"arn:aws:rds:{DEACTIVATING}:{ACCOUNT}:cluster:dr-aurora-dev-use1")
        assert all(r != "*" for s in policy["Statement"] for r in listed(s["Resource"]))
        function = next(a for a in recorder.created if a.typ == "aws:lambda/function:Function")
        assert function.inputs["environment"]["variables"]["OWN_CLUSTER_ID"] == "dr-aurora-dev-use2"

    return pulumi.Output.all(actions.function.urn, actions.function.name).apply(check)
