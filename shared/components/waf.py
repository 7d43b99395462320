"""RegionalFirewall: one AWS WAF web ACL per region on both front doors (the ALB behind the NLB
and the REST API's stage): per-IP rate limits, tighter on the health path, and AWS's common
managed rule group. The checkers the failover depends on are let through first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name

# Requests per source IP in each window before WAF blocks it (AWS's minimum limit is 10).
RATE_LIMIT, RATE_WINDOW_SECONDS = 2000, 300
# The health path answers in about a second on a small reserved concurrency: 30 a minute per
# IP leaves a flood from a few addresses unable to throttle what the checkers need.
HEALTH_RATE_LIMIT, HEALTH_RATE_WINDOW_SECONDS = 30, 60
COMMON_RULES = "AWSManagedRulesCommonRuleSet"
# The common set blocks request bodies over 8 KB (SizeRestrictions_BODY); items may hold up to
# 350 KB, so that one rule only counts. The function checks sizes itself (handlers/web.py).
COMMON_RULES_COUNTED = ("SizeRestrictions_BODY",)
# The rules, by priority (AWS WAF bills each rule of a web ACL, the managed group as one).
RULE_NAMES = ("allow-health-checkers", "health-rate", "rate", "aws-common")


@dataclass
class RegionalFirewallArgs:
    environment: str
    region: str
    health_check_path: str
    # Who must always reach the health path: the VPC (the NLB's target health checks come
    # from its private addresses) and Route 53's health checkers (AWS's published ranges).
    checker_cidrs: pulumi.Input[Sequence[str]]
    protected_arns: Sequence[pulumi.Input[str]]  # the ALB and the REST API stage
    tags: dict[str, str] = field(default_factory=dict)


class RegionalFirewall(pulumi.ComponentResource):
    """Owns the region's checker IP set, its REGIONAL web ACL and the ACL's associations.
    Exposes `web_acl` (its name is the WAF metrics' WebACL dimension)."""

    def __init__(self, name: str, args: RegionalFirewallArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:RegionalFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.acl_name = physical_name("waf", args.environment, args.region)
        checkers = aws.wafv2.IpSet(
            f"{name}-checkers", name=physical_name("waf-checkers", args.environment, args.region),
            description="VPC (NLB health checks) and Route 53 health checkers",
            scope="REGIONAL", ip_address_version="IPV4", addresses=args.checker_cidrs,
            region=args.region, tags=args.tags, opts=child)
        health = _ends_with(args.health_check_path)
        allow: aws.wafv2.WebAclDefaultActionArgsDict = {"allow": {}}
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl", name=self.acl_name, scope="REGIONAL",
            description=f"Front doors of the DR application in {args.region}",
            default_action=allow, rules=[
                # Allowed outright: rate rules never count them, so no flood can starve them.
                _rule(0, RULE_NAMES[0], {"allow": {}}, {"and_statement": {"statements": [
                    {"ip_set_reference_statement": {"arn": checkers.arn}}, health]}}),
                _rule(1, RULE_NAMES[1], {"block": {}}, {"rate_based_statement": {
                    "limit": HEALTH_RATE_LIMIT, "evaluation_window_sec": HEALTH_RATE_WINDOW_SECONDS,
                    "aggregate_key_type": "IP", "scope_down_statement": health}}),
                _rule(2, RULE_NAMES[2], {"block": {}}, {"rate_based_statement": {
                    "limit": RATE_LIMIT, "evaluation_window_sec": RATE_WINDOW_SECONDS,
                    "aggregate_key_type": "IP"}}),
                {"name": RULE_NAMES[3], "priority": 3, "override_action": {"none": {}},
                 "statement": {"managed_rule_group_statement": {
                     "vendor_name": "AWS", "name": COMMON_RULES,
                     "rule_action_overrides": [{"name": rule, "action_to_use": {"count": {}}}
                                               for rule in COMMON_RULES_COUNTED]}},
                 "visibility_config": _visibility(RULE_NAMES[3])},
            ], visibility_config=_visibility(self.acl_name), region=args.region, tags=args.tags,
            opts=child)
        for index, arn in enumerate(args.protected_arns):
            aws.wafv2.WebAclAssociation(
                f"{name}-association-{index}", resource_arn=arn, web_acl_arn=self.web_acl.arn,
                region=args.region, opts=child)
        self.register_outputs({"web_acl_arn": self.web_acl.arn})


def _ends_with(path: str) -> dict[str, Any]:
    # ENDS_WITH: on the REST API's own URL WAF sees the stage first (/prod/health).
    return {"byte_match_statement": {
        "search_string": path, "positional_constraint": "ENDS_WITH",
        "field_to_match": {"uri_path": {}},
        "text_transformations": [{"priority": 0, "type": "NONE"}]}}


def _rule(priority: int, name: str, action: dict[str, Any], statement: dict[str, Any]) -> Any:
    return {"name": name, "priority": priority, "action": action, "statement": statement,
            "visibility_config": _visibility(name)}


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgsDict:
    # CloudWatch metrics (AWS/WAFV2 AllowedRequests, BlockedRequests, CountedRequests) per rule.
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric,
            "sampled_requests_enabled": True}
