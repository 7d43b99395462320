"""AWS WAF on both front doors of each region: per-IP rate limits (tighter on the health path),
the checkers the failover depends on let through first, AWS's common rule set without its 8 KB
body limit; its metrics on the dashboards and its price in `invoke cost`."""

import json

from shared.components.waf import HEALTH_RATE_LIMIT, RATE_LIMIT
from shared.cost.book import load_price_book
from shared.cost.estimate import estimate
from shared.plan.fakes.compute import ROUTE53_CHECKER_RANGES
from tests.support import one, outputs, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}


def of(plan, token, region=None):
    return resources(plan, "compute", token, region)


def acl(plan, region):
    return one(of(plan, "aws:wafv2/webAcl:WebAcl", region))


def test_each_regions_acl_protects_its_alb_and_its_rest_stage(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        web_acl = acl(dev_plan, region)
        assert web_acl["inputs"]["scope"] == "REGIONAL"
        assert web_acl["inputs"]["name"] == compute[f"{role}_web_acl_name"]
        stage = f"arn:aws:apigateway:{region}::/restapis/{compute[f'{role}_api_id']}/stages/prod"
        associated = {a["inputs"]["resourceArn"] for a in
                      of(dev_plan, "aws:wafv2/webAclAssociation:WebAclAssociation", region)}
        assert associated == {compute[f"{role}_alb_arn"], stage}
        assert all(a["inputs"]["webAclArn"].startswith(f"arn:aws:wafv2:{region}:")
                   for a in of(dev_plan, "aws:wafv2/webAclAssociation:WebAclAssociation", region))


def rules(plan, region):
    return {r["name"]: r for r in acl(plan, region)["inputs"]["rules"]}


def test_the_checkers_reach_the_health_path_before_any_rate_rule(dev_plan):
    for role, region in ROLES.items():
        found = rules(dev_plan, region)
        first = min(found.values(), key=lambda r: r["priority"])
        assert first["name"] == "allow-health-checkers" and "allow" in first["action"]
        ip_match, path = first["statement"]["andStatement"]["statements"]
        ip_set = one(of(dev_plan, "aws:wafv2/ipSet:IpSet", region))
        assert ip_match["ipSetReferenceStatement"]["arn"].startswith(f"arn:aws:wafv2:{region}:")
        assert ip_set["inputs"]["addresses"] == [
            outputs(dev_plan, f"network-{role}")["vpc_cidr"], *ROUTE53_CHECKER_RANGES]
        assert path["byteMatchStatement"]["searchString"] == "/health"
        assert path["byteMatchStatement"]["positionalConstraint"] == "ENDS_WITH"


def test_rate_limits_per_ip_are_tighter_on_the_health_path(dev_plan):
    for region in ROLES.values():
        found = rules(dev_plan, region)
        health = found["health-rate"]["statement"]["rateBasedStatement"]
        everything = found["rate"]["statement"]["rateBasedStatement"]
        assert (health["limit"], health["evaluationWindowSec"]) == (HEALTH_RATE_LIMIT, 60)
        assert (everything["limit"], everything["evaluationWindowSec"]) == (RATE_LIMIT, 300)
        assert health["aggregateKeyType"] == everything["aggregateKeyType"] == "IP"
        assert health["scopeDownStatement"]["byteMatchStatement"]["searchString"] == "/health"
        assert "block" in found["health-rate"]["action"] and "block" in found["rate"]["action"]
        assert found["allow-health-checkers"]["priority"] < found["health-rate"]["priority"]


def test_the_common_rule_set_applies_but_does_not_refuse_item_bodies_over_8_kb(dev_plan):
    for region in ROLES.values():
        common = rules(dev_plan, region)["aws-common"]
        group = common["statement"]["managedRuleGroupStatement"]
        assert (group["vendorName"], group["name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
        assert common["overrideAction"] == {"none": {}}
        assert group["ruleActionOverrides"] == [
            {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]


def test_waf_requests_are_graphed_per_region(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        dashboard = next(d for d in resources(dev_plan, "monitoring",
                                              "aws:cloudwatch/dashboard:Dashboard", region)
                         if "monitoring" in d["inputs"]["dashboardName"])
        body = json.loads(dashboard["inputs"]["dashboardBody"])
        rows = [row for w in body["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]]
        waf = {row[1]: row for row in rows if row[0] == "AWS/WAFV2"}
        assert set(waf) == {"AllowedRequests", "BlockedRequests"}
        for row in waf.values():
            assert dict(zip(row[2:-1:2], row[3:-1:2], strict=True)) == {
                "Region": region, "Rule": "ALL", "WebACL": compute[f"{role}_web_acl_name"]}


def test_invoke_cost_prices_each_acl_and_its_rules(dev_plan):
    result = estimate("dev", [(run.name, run.resources) for run in dev_plan.runs], load_price_book())
    lines = [line for line in result.standing if line.layer == "compute"]
    assert sum(line.quantity for line in lines if line.charge == "waf-web-acl-month") == 2
    assert sum(line.quantity for line in lines if line.charge == "waf-rule-month") == 2 * 4
    assert "waf-request-million" in {line.charge for line in result.usage}
