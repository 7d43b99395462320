"""API Gateway's logging role is one setting per account and region (API_UpdateAccount), which
every REST API there logs through: only the environment that owns it (dr:apiGatewayAccountOwner)
declares it, so environments sharing an account no longer repoint it at their own role on each
deploy, and a non-owner's destroy has no logging role to leave behind or to tempt anyone."""

from shared.config import settings_for
from tests.support import plan_of

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
ACCOUNT = "aws:apigateway/account:Account"


def of(plan, kind, region=None):
    return [r for r in plan.layer("compute").resources
            if r["type"] == kind and (region is None or r["region"] == region)]


def test_dev_and_prod_own_it_staging_does_not_by_default():
    assert settings_for("dev").api_gateway_account_owner
    assert settings_for("prod").api_gateway_account_owner
    assert not settings_for("staging").api_gateway_account_owner


def test_a_non_owner_declares_no_account_setting_and_no_logging_role():
    plan = plan_of("dev", apiGatewayAccountOwner="false")
    assert of(plan, ACCOUNT) == []
    roles = [r["name"] for r in of(plan, "aws:iam/role:Role")]
    assert roles and not [name for name in roles if "cloudwatch-role" in name]
    for region in ROLES.values():
        [stage] = of(plan, "aws:apigateway/stage:Stage", region)
        assert stage["inputs"]["accessLogSettings"]["destinationArn"]  # still logs, via the owner's role


def test_the_owner_declares_one_per_region_and_its_stages_wait_for_it(dev_plan):
    for region in ROLES.values():
        [account] = of(dev_plan, ACCOUNT, region)
        [stage] = of(dev_plan, "aws:apigateway/stage:Stage", region)
        assert account["urn"] in stage["depends_on"] and account["retain_on_delete"] is True
