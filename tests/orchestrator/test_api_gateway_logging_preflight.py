"""An environment that does not own API Gateway's account setting (dr:apiGatewayAccountOwner)
deploys compute only once the owner's logging role is set in both regions: otherwise API Gateway
refuses the stage's access logs mid-deploy. Checked against moto's API Gateway account."""

from __future__ import annotations

import boto3
import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.deploy import deploy_all
from shared.orchestrator.system import preflight

ROLE = "arn:aws:iam::123456789012:role/dr-api-cloudwatch-role-dev"


def set_logging_role(region: str) -> None:
    boto3.client("apigateway", region_name=region).update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}])


def test_a_non_owner_is_stopped_before_any_layer_while_no_role_is_set(standin):
    set_logging_role("us-east-1")  # the secondary region still has none
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="staging", yes=True, backend=standin.backend)
    assert str(stopped.value.message).startswith(
        "error: API Gateway in us-east-2 has no logging role for this account, and staging does "
        "not set it (dr:apiGatewayAccountOwner): deploy the environment that owns it first")
    assert standin.ran("up") == []


def test_a_non_owner_passes_once_the_owner_set_it_in_both_regions(standin):
    for region in ("us-east-1", "us-east-2"):
        set_logging_role(region)
    assert preflight("staging", ["compute"], standin.backend).account == "123456789012"


def test_the_owner_sets_it_itself_and_is_not_asked(standin):
    assert preflight("dev", ["compute"], standin.backend).account == "123456789012"
    assert preflight("staging", ["network-primary"], standin.backend).account == "123456789012"
