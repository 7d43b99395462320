"""The compute layer at destroy and replacement time: what AWS finishes after the provider
returns, and the per-account settings other stacks share, are ordered or kept so that a dev
destroy comes down and nobody else loses anything."""

import json

import pytest

from tests.support import by_urn, one, outputs, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}


def of(plan, token, region=None):
    return resources(plan, "compute", token, region)


def named(plan, token, suffix):
    return one([r for r in of(plan, token) if r["name"].endswith(suffix)])


@pytest.fixture(params=["dev", "prod"])
def plan(request, dev_plan, prod_plan):
    return {"dev": dev_plan, "prod": prod_plan}[request.param]


def test_the_api_gateway_account_setting_and_its_role_outlive_any_one_environment(plan):
    """The setting is one per account and region, shared with every other API there."""
    for region in ROLES.values():
        account = one(of(plan, "aws:apigateway/account:Account", region))
        assert account["retain_on_delete"] is True
        urns = by_urn(plan, "compute")
        kept = [urns[u] for u in account["depends_on"]]
        attachment = one([r for r in kept if r["type"] == ATTACHMENT_POLICY])
        assert attachment["retain_on_delete"] is True
        role = one([r for r in of(plan, "aws:iam/role:Role")
                    if r["name"] == attachment["name"].replace("-policy", "")])
        assert role["retain_on_delete"] is True
        stage = one(of(plan, "aws:apigateway/stage:Stage", region))
        assert account["urn"] in stage["depends_on"]


def test_api_gateway_execution_logs_are_declared_encrypted_and_expiring(dev_plan):
    data, compute = outputs(dev_plan, "data"), outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        groups = {g["inputs"]["name"]: g for g in of(dev_plan, "aws:cloudwatch/logGroup:LogGroup", region)}
        group = groups[f"API-Gateway-Execution-Logs_{compute[f'{role}_api_id']}/prod"]
        assert group["inputs"]["kmsKeyId"] == data[f"{role}_kms_key_arn"]
        assert group["inputs"]["retentionInDays"] == 30
        assert group["retain_on_delete"] is False  # dev: goes with the stack
        # Declared before any method setting turns execution logging on.
        for settings in of(dev_plan, "aws:apigateway/methodSettings:MethodSettings", region):
            assert settings["inputs"]["settings"]["loggingLevel"] == "ERROR"
            assert group["urn"] in settings["depends_on"]


def test_the_global_endpoints_role_may_pass_itself_to_eventbridge_only(dev_plan):
    endpoint = one(of(dev_plan, "aws:cloudwatch/eventEndpoint:EventEndpoint"))
    policy = one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                  if p["name"] == "events-replication-policy"])
    passes = [s for s in json.loads(policy["inputs"]["policy"])["Statement"]
              if s["Action"] == "iam:PassRole"]
    assert one(passes)["Resource"] == endpoint["inputs"]["roleArn"]
    assert one(passes)["Condition"] == {
        "StringEquals": {"iam:PassedToService": "events.amazonaws.com"}}
    assert policy["urn"] in endpoint["depends_on"]


def test_the_listener_goes_only_after_the_nlb_has_drained_the_alb(dev_plan):
    """The attachment's delete only starts draining (300 s by default): a wait between it and
    the listener, replaced with the ALB or listener so a replacement waits too."""
    compute, urns = outputs(dev_plan, "compute"), by_urn(dev_plan, "compute")
    for role, region in ROLES.items():
        listener = one(of(dev_plan, "aws:lb/listener:Listener", region))
        nlb_group = outputs(dev_plan, f"network-{role}")["nlb_target_group_arn"]
        attachment = one([a for a in of(dev_plan, ATTACHMENT, region)
                          if a["inputs"]["targetGroupArn"] == nlb_group])
        wait = one([urns[u] for u in attachment["depends_on"] if urns[u]["type"] == SLEEP])
        assert listener["urn"] in wait["depends_on"]
        assert wait["inputs"]["destroyDuration"].endswith("s")
        assert int(wait["inputs"]["destroyDuration"][:-1]) > 300
        assert wait["inputs"]["triggers"]["alb"] == compute[f"{role}_alb_arn"]
        assert wait["inputs"]["triggers"]["listener"].startswith(
            f"arn:aws:elasticloadbalancing:{region}:")


def test_vpc_functions_keep_the_role_lambda_deletes_their_interfaces_with(plan):
    """Lambda removes a VPC function's interfaces minutes after the function, with its role."""
    urns = by_urn(plan, "compute")
    for region in ROLES.values():
        for function in of(plan, "aws:lambda/function:Function", region):
            grants = [urns[u] for u in function["depends_on"]
                      if urns[u]["type"] in (POLICY, ATTACHMENT_POLICY)]
            role = one([r for r in of(plan, "aws:iam/role:Role")
                        if r["name"] == function["name"].replace("-function", "-role")])
            # Permissions are deleted only after the function.
            assert POLICY in {g["type"] for g in grants}
            in_vpc = "vpcConfig" in function["inputs"]
            assert role["retain_on_delete"] is in_vpc, function["name"]
            vpc_access = [g for g in grants if g["type"] == ATTACHMENT_POLICY]
            assert bool(vpc_access) is in_vpc
            assert all(g["retain_on_delete"] and g["inputs"]["policyArn"].endswith(
                "AWSLambdaVPCAccessExecutionRole") for g in vpc_access)


ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
SLEEP = "time:index/sleep:Sleep"
POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT_POLICY = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
