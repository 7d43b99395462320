"""Both doors' server errors are alarmed as a rate over their requests, above a minimum volume,
without the write fence's deliberate 503s, and both rates are in each region's composite."""

import re

import pytest

from shared.components.metrics import APPLICATION_NAMESPACE
from shared.components.rate_alarms import MIN_REQUESTS_PER_MINUTE
from tests.handlers.conftest import handler_module
from tests.support import one, outputs, plan_of, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


def rate_alarm(plan, what, region):
    return one([a for a in resources(plan, "monitoring", ALARM, region)
                if a["inputs"]["name"].startswith(f"dr-{what}-")])


def queries(alarm):
    found = {q["id"]: q for q in alarm["inputs"]["metricQueries"]}
    returned = [q for q in found.values() if q.get("returnData")]
    assert len(returned) == 1 and "expression" in returned[0]
    return found, returned[0]["expression"]


def metric(query):
    m = query["metric"]
    return m["namespace"], m["metricName"], m["dimensions"], m["stat"]


@pytest.mark.parametrize("role", ROLES)
def test_the_alb_rate_counts_target_and_elb_5xx_over_requests_less_fenced_writes(dev_plan, role):
    region, alb_arn = ROLES[role], outputs(dev_plan, "compute")[f"{role}_alb_arn"]
    found, math = queries(rate_alarm(dev_plan, "alb-5xx-rate", region))
    dimension = {"LoadBalancer": alb_arn.split(":loadbalancer/")[1]}
    assert dimension["LoadBalancer"].startswith("app/")
    by_role = {key[0]: metric(q) for key, q in found.items() if "metric" in q and key[1:] == "0"}
    assert metric(found["e0"]) == ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dimension, "Sum")
    assert metric(found["e1"]) == ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", dimension, "Sum")
    assert by_role["r"] == ("AWS/ApplicationELB", "RequestCount", dimension, "Sum")
    assert by_role["x"] == (APPLICATION_NAMESPACE, "FencedWrites",
                            {"Environment": "dev", "Door": "alb"}, "Sum")
    assert math == (f"IF((FILL(r0, 0) + FILL(r1, 0)) >= {MIN_REQUESTS_PER_MINUTE}, "
                    "IF(((FILL(e0, 0) + FILL(e1, 0)) - (FILL(x0, 0))) > 0, "
                    "100 * ((FILL(e0, 0) + FILL(e1, 0)) - (FILL(x0, 0))) / "
                    "(FILL(r0, 0) + FILL(r1, 0)), 0), 0)")


@pytest.mark.parametrize("role", ROLES)
def test_the_rest_rate_subtracts_the_fence_refusals_of_its_own_door(dev_plan, role):
    region, compute = ROLES[role], outputs(dev_plan, "compute")
    found, math = queries(rate_alarm(dev_plan, "api-5xx-rate", region))
    stage = {"ApiName": compute[f"{role}_api_name"], "Stage": compute["api_stage_name"]}
    assert metric(found["e0"]) == ("AWS/ApiGateway", "5XXError", stage, "Sum")
    assert metric(found["r0"]) == ("AWS/ApiGateway", "Count", stage, "Sum")
    assert metric(found["x0"])[2] == {"Environment": "dev", "Door": "apigateway"}
    assert "- (FILL(x0, 0))" in math


def test_the_fence_metric_is_the_one_the_api_function_emits():
    # The handler's literal and door names are what the alarms subtract.
    assert handler_module("api").METRICS_NAMESPACE == APPLICATION_NAMESPACE


def test_the_threshold_is_a_percentage_from_the_setting():
    plan = plan_of("dev", api5xxAlarmThreshold="7")
    for region in ROLES.values():
        for what in ("alb-5xx-rate", "api-5xx-rate"):
            alarm = rate_alarm(plan, what, region)["inputs"]
            assert (alarm["threshold"], alarm["comparisonOperator"]) == (7, "GreaterThanOrEqualToThreshold")
            assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (3, 2)
            assert alarm["treatMissingData"] == "notBreaching"


def test_both_doors_are_in_each_regions_composite(dev_plan):
    for region in ROLES.values():
        composite = one([c for c in resources(dev_plan, "monitoring", COMPOSITE, region)])
        named = set(re.findall(r'ALARM\("([^"]+)"\)', composite["inputs"]["alarmRule"]))
        assert {rate_alarm(dev_plan, w, region)["inputs"]["name"]
                for w in ("alb-5xx-rate", "api-5xx-rate")} <= named
