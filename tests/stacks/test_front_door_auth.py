"""Authenticated items API on both doors: API Gateway requires the data layer's key through a
usage plan; the ALB door's function is told where that key lives and may read and decrypt it."""

import json

from tests.support import one, outputs, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}


def of(plan, token, region=None):
    return resources(plan, "compute", token, region)


def test_rest_items_methods_require_the_key_and_health_does_not(dev_plan):
    for region in ROLES.values():
        methods = {(m["name"].split("-rest-")[1]): m["inputs"] for m in
                   of(dev_plan, "aws:apigateway/method:Method", region)}
        assert methods, region
        for name, method in methods.items():
            assert method.get("apiKeyRequired", False) is name.startswith("items-"), name


def test_each_stage_has_a_usage_plan_holding_the_key(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        plan = one(of(dev_plan, "aws:apigateway/usagePlan:UsagePlan", region))
        assert plan["inputs"]["apiStages"] == [{"apiId": compute[f"{role}_api_id"], "stage": "prod"}]
        assert plan["inputs"]["throttleSettings"] == {"rateLimit": 100, "burstLimit": 200}
        key = one(of(dev_plan, "aws:apigateway/apiKey:ApiKey", region))
        assert key["inputs"]["enabled"] is True
        assert key["inputs"]["value"] == "[secret]"  # the data layer's key, never in plain text
        link = one(of(dev_plan, "aws:apigateway/usagePlanKey:UsagePlanKey", region))
        assert link["inputs"]["keyType"] == "API_KEY"
        assert link["inputs"]["usagePlanId"] == plan["id"]
        assert link["inputs"]["keyId"] == key["id"]


def test_the_alb_door_function_reads_and_decrypts_exactly_the_key_parameter(dev_plan):
    data = outputs(dev_plan, "data")
    name = f"{data['parameter_prefix']}api-key"
    for role, region in ROLES.items():
        api = one([f for f in of(dev_plan, "aws:lambda/function:Function", region)
                   if f["inputs"]["handler"].startswith("api.")])
        assert api["inputs"]["environment"]["variables"]["API_KEY_PARAMETER"] == name
        policy = one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                      if p["name"] == f"app-{role}-api-policy"])
        statements = json.loads(policy["inputs"]["policy"])["Statement"]
        assert {"Effect": "Allow", "Action": "ssm:GetParameter",
                "Resource": f"arn:aws:ssm:{region}:123456789012:parameter{name}"} in statements
        assert {"Effect": "Allow", "Action": "kms:Decrypt",
                "Resource": data[f"{role}_kms_key_arn"]} in statements
