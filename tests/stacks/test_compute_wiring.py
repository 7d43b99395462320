"""Every permission and link on the traffic, alarm and event paths, pinned so that breaking one
breaks a test: a path that is wired wrong deploys cleanly and fails only on the day it is used."""

import re

import pytest

from tests.support import one, outputs, plan_of, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
PERMISSION = "aws:lambda/permission:Permission"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
CUSTOM_PATH = "/status/ready"


@pytest.fixture(scope="module")
def custom_path_plan():
    return plan_of("dev", healthCheckPath=CUSTOM_PATH)


def of(plan, token, region=None, layer="compute"):
    return resources(plan, layer, token, region)


def function_names(plan, role):
    return outputs(plan, "compute")[f"{role}_function_names"]


# --- Traffic path: NLB -> ALB -> functions ---


def test_every_health_check_on_the_traffic_path_probes_the_configured_path(custom_path_plan):
    for role, region in ROLES.items():
        nlb_group = one(of(custom_path_plan, TARGET_GROUP, region, f"network-{role}"))
        assert nlb_group["inputs"]["healthCheck"]["path"] == CUSTOM_PATH
        groups = {g["inputs"]["name"]: g for g in of(custom_path_plan, TARGET_GROUP, region)}
        checked = [g for g in groups.values() if g["inputs"]["healthCheck"]["enabled"]]
        assert one(checked)["inputs"]["healthCheck"]["path"] == CUSTOM_PATH
        rule = one(of(custom_path_plan, "aws:lb/listenerRule:ListenerRule", region))
        assert rule["inputs"]["conditions"][0]["pathPattern"]["values"] == [CUSTOM_PATH]
        # The path the ALB probes is the one its rule sends to the health function.
        health_target = one([a for a in of(custom_path_plan, ATTACHMENT, region)
                             if a["inputs"]["targetId"].endswith(
                                 f":function:{function_names(custom_path_plan, role)['health']}")])
        probed_group_arn = rule["inputs"]["actions"][0]["targetGroupArn"]
        assert health_target["inputs"]["targetGroupArn"] == probed_group_arn
        assert f":targetgroup/{one(checked)['inputs']['name']}/" in probed_group_arn


@pytest.mark.parametrize("module", ["api", "health"])
def test_the_alb_may_invoke_each_function_it_forwards_to(dev_plan, module):
    for role, region in ROLES.items():
        name = function_names(dev_plan, role)[module]
        attachment = one([a for a in of(dev_plan, ATTACHMENT, region)
                          if a["inputs"]["targetId"].endswith(f":function:{name}")])
        group_arn = attachment["inputs"]["targetGroupArn"]
        permission = one([p for p in of(dev_plan, PERMISSION, region)
                          if p["inputs"]["sourceArn"] == group_arn])
        assert permission["inputs"]["function"] == name
        assert permission["inputs"]["principal"] == "elasticloadbalancing.amazonaws.com"
        assert permission["inputs"]["action"] == "lambda:InvokeFunction"
        # ELB refuses to register a function it may not invoke yet.
        assert permission["urn"] in attachment["depends_on"]
        # The listener forwards to this group: the default action (api) or the health rule.
        listener = one(of(dev_plan, "aws:lb/listener:Listener", region))
        rule = one(of(dev_plan, "aws:lb/listenerRule:ListenerRule", region))
        forwarded = {"api": listener["inputs"]["defaultActions"][0]["targetGroupArn"],
                     "health": rule["inputs"]["actions"][0]["targetGroupArn"]}
        assert forwarded[module] == group_arn


def test_api_gateway_may_invoke_each_integrated_function_on_its_own_route_only(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        names = function_names(dev_plan, role)
        execution = f"arn:aws:execute-api:{region}:123456789012:{compute[f'{role}_api_id']}/*"
        granted = {(p["inputs"]["function"], p["inputs"]["sourceArn"])
                   for p in of(dev_plan, PERMISSION, region)
                   if p["inputs"]["principal"] == "apigateway.amazonaws.com"}
        assert granted == {(names["health"], f"{execution}/GET/health"),
                           (names["api"], f"{execution}/GET/items/{{id}}"),
                           (names["api"], f"{execution}/PUT/items/{{id}}")}


# --- Event path ---


@pytest.mark.parametrize("module, bus", [("event_processor", "application"),
                                         ("parameter_replicator", "default")])
def test_eventbridge_may_invoke_each_target_from_its_own_rule(dev_plan, module, bus):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        name = function_names(dev_plan, role)[module]
        target = one([t for t in of(dev_plan, "aws:cloudwatch/eventTarget:EventTarget", region)
                      if t["inputs"]["arn"] == compute[f"{role}_function_arns"][module]])
        rule = one([r for r in of(dev_plan, "aws:cloudwatch/eventRule:EventRule", region)
                    if r["inputs"]["name"] == target["inputs"]["rule"]])
        assert rule["inputs"].get("eventBusName") == (
            compute["event_bus_name"] if bus == "application" else None)
        assert target["inputs"].get("eventBusName") == rule["inputs"].get("eventBusName")
        on_bus = f"{compute['event_bus_name']}/" if bus == "application" else ""
        permission = one([p for p in of(dev_plan, PERMISSION, region)
                          if p["inputs"]["function"] == name])
        assert permission["inputs"]["principal"] == "events.amazonaws.com"
        assert permission["inputs"]["sourceArn"] == (
            f"arn:aws:events:{region}:123456789012:rule/{on_bus}{rule['inputs']['name']}")
        assert permission["urn"] in target["depends_on"]


# --- Alarm path ---


def test_the_region_impaired_composite_holds_every_user_facing_alarm(dev_plan):
    for region in ROLES.values():
        composite = one([c for c in resources(dev_plan, "monitoring",
                                              "aws:cloudwatch/compositeAlarm:CompositeAlarm")
                         if c["region"] == region])
        referenced = set(re.findall(r'ALARM\("([^"]+)"\)', composite["inputs"]["alarmRule"]))
        code = region.replace("us-east-", "use")
        expected = {f"dr-nlb-no-healthy-target-dev-{code}", f"dr-nlb-unhealthy-target-dev-{code}",
                    f"dr-api-5xx-rate-dev-{code}", f"dr-alb-5xx-rate-dev-{code}",
                    f"dr-authority-unreadable-dev-{code}"}
        if region == "us-east-1":  # composites see alarms of their own region only
            expected.add(f"dr-health-check-dev-{code}")
        assert referenced == expected
        assert composite["inputs"]["alarmRule"].count(" OR ") == len(expected) - 1


# --- Data layer, as the compute layer relies on it ---


def test_the_dynamodb_replica_is_protected_from_deletion_in_prod(prod_plan, dev_plan):
    for plan, protected in ((prod_plan, True), (dev_plan, False)):
        table = one(resources(plan, "data", "aws:dynamodb/table:Table"))
        assert table["inputs"]["deletionProtectionEnabled"] is protected
        assert [r["deletionProtectionEnabled"] for r in table["inputs"]["replicas"]] == [protected]
