"""The Region switch custom-action handler imported the way Lambda imports it (its folder on
sys.path), with SSM from moto in both regions and botocore's Stubber for what moto lacks
(Global Accelerator, ARC Region switch). Every call the handler makes is recorded, so the
role's policy can be checked against what the code really calls."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from shared.config import HANDLERS_DIR, RECOVERY_HANDLERS_DIR
from tests.outage import GlobalTableReplication, RegionOutage, replicate_table, request_region

# The failover direction the tests drive: the secondary activates, the primary is deactivated.
ACTIVATING, DEACTIVATING = "us-east-2", "us-east-1"
ACCOUNT = "123456789012"
PLAN_ARN = f"arn:aws:arc-region-switch::{ACCOUNT}:plan/dr-recovery-dev/abc123"
EXECUTION_ID = "exec-0001"
LISTENER = f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/abcd/listener/0123abcd"
GROUPS = {region: f"{LISTENER}/endpoint-group/{region}" for region in (ACTIVATING, DEACTIVATING)}
ACTIVE_REGION_PARAMETER = "/dr/dev/shared/active-region"
WRITES_ENABLED_PARAMETER = "/dr/dev/regional/writes-enabled"
TABLE = "dr-dev-items"


def handler_module() -> ModuleType:
    # As packaged: region_action.py with authority.py beside it (RegionActions' extra module).
    for folder in (HANDLERS_DIR, RECOVERY_HANDLERS_DIR):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    return importlib.import_module("region_action")


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    region: str  # where AWS serves it
    params: dict[str, Any]


@dataclass
class World:
    module: ModuleType
    outage: RegionOutage
    ga: Stubber
    arc: Stubber
    replication: GlobalTableReplication
    calls: list[Call] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)

    def event(self, step: str) -> dict[str, Any]:
        return {"InvokedBy": "arn:aws:iam::123456789012:role/dr-recovery-dev-execution",
                "PlanArn": PLAN_ARN, "ExecutionId": EXECUTION_ID, "StepName": step}

    def run(self, step: str) -> dict[str, Any]:
        result: dict[str, Any] = self.module.handler(self.event(step), None)
        return result

    def mode_is(self, mode: str) -> None:
        self.arc.add_response("get_plan_execution", {
            "planArn": PLAN_ARN, "executionId": EXECUTION_ID, "startTime": "2026-12-02T12:00:00Z",
            "mode": mode, "executionState": "inProgress", "executionAction": "activate",
            "executionRegion": ACTIVATING}, {"planArn": PLAN_ARN, "executionId": EXECUTION_ID})

    def dial_is(self, region: str, dial: float) -> None:
        self.ga.add_response("describe_endpoint_group", {"EndpointGroup": {
            "EndpointGroupArn": GROUPS[region], "EndpointGroupRegion": region,
            "TrafficDialPercentage": dial}}, {"EndpointGroupArn": GROUPS[region]})

    def dial_set(self, region: str, dial: float) -> None:
        self.ga.add_response("update_endpoint_group", {"EndpointGroup": {
            "EndpointGroupArn": GROUPS[region], "EndpointGroupRegion": region,
            "TrafficDialPercentage": dial}},
            {"EndpointGroupArn": GROUPS[region], "TrafficDialPercentage": dial})

    def dial_moves(self, region: str, before: float, after: float) -> None:
        """The step reads `region`'s dial at `before` and sets it to `after`."""
        self.dial_is(region, before)
        self.dial_set(region, after)

    def authority(self, region: str) -> Any:
        """The authority record in `region`'s replica of the table."""
        return self.module.authority.read(boto3.client("dynamodb", region_name=region), TABLE, DEACTIVATING)

    def parameter(self, region: str, name: str) -> str | None:
        try:
            return str(boto3.client("ssm", region_name=region).get_parameter(Name=name)["Parameter"]["Value"])
        except boto3.client("ssm", region_name=region).exceptions.ParameterNotFound:
            return None


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, outage: RegionOutage) -> Iterator[World]:
    """The data layer's parameters (writes open, primary active in both regions), the
    deployed dials (primary 100, secondary 0) and the function's variables, as RegionActions
    sets them for the secondary's function."""
    module = handler_module()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    for key, value in {
        "AWS_REGION": ACTIVATING, "PEER_REGION": DEACTIVATING,
        "WRITES_ENABLED_PARAMETER": WRITES_ENABLED_PARAMETER,
        "ACTIVE_REGION_PARAMETER": ACTIVE_REGION_PARAMETER,
        "OWN_ENDPOINT_GROUP_ARN": GROUPS[ACTIVATING], "PEER_ENDPOINT_GROUP_ARN": GROUPS[DEACTIVATING],
        # Active-passive: the secondary is deployed at 0.
        "OWN_TRAFFIC_DIAL": "0", "PEER_TRAFFIC_DIAL": "100", "RESTORE_DEPLOYED_SHAPE": "false",
        "TABLE_NAME": TABLE, "PRIMARY_REGION": DEACTIVATING,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        replication = replicate_table(monkeypatch, TABLE, (ACTIVATING, DEACTIVATING))
        replication.paused = outage.down  # a region that is down receives nothing until it returns
        for region in (ACTIVATING, DEACTIVATING):
            boto3.client("dynamodb", region_name=region).create_table(
                TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            ssm = boto3.client("ssm", region_name=region)
            ssm.put_parameter(Name=WRITES_ENABLED_PARAMETER, Value="true", Type="String")
            ssm.put_parameter(Name=ACTIVE_REGION_PARAMETER, Value=DEACTIVATING, Type="String")
        stubbed = {service: boto3.client(service, region_name=region)
                   for service, region in (("globalaccelerator", "us-west-2"),
                                           ("arc-region-switch", ACTIVATING))}
        ga, arc = Stubber(stubbed["globalaccelerator"]), Stubber(stubbed["arc-region-switch"])
        state = World(module, outage, ga, arc, replication)

        def recorded(client: Any) -> Any:
            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                state.calls.append(Call(client.meta.service_model.service_name, model.name,
                                        request_region(client), dict(params)))
            client.meta.events.register_first("before-parameter-build.*.*", record)
            return client

        def factory(service: str, region: str, peer: bool) -> Any:
            if service in stubbed:
                assert stubbed[service].meta.region_name == region, f"{service} asked in {region}"
                return stubbed[service]
            config = module.PEER if peer else module.OWN
            return recorded(boto3.client(service, region_name=region, config=config))

        for client in stubbed.values():
            recorded(client)
        monkeypatch.setattr(module, "_client", factory)
        monkeypatch.setattr(module, "sleep", state.slept.append)
        with ga, arc:
            yield state
            ga.assert_no_pending_responses()
            arc.assert_no_pending_responses()
