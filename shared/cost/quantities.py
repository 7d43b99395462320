"""How many units of each standing charge a planned resource carries, from its planned inputs.

One function per standing charge of shared/cost/prices.yaml; the price book test checks the two
name the same charges, so a charge cannot be priced without being counted, or the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]

# Route 53 bills a 10-second interval as an optional feature on top of the basic check.
_FAST_INTERVAL_SECONDS = 10


@dataclass(frozen=True)
class Context:
    """What a count needs beyond the resource itself."""

    hours: float  # billed hours in a month
    minimum_acu: dict[str, float] = field(default_factory=dict)  # cluster identifier -> min ACU

    @classmethod
    def of(cls, resources: list[Resource], hours: float) -> Context:
        minima = {str(_inputs(r).get("clusterIdentifier")):
                  float((_inputs(r).get("serverlessv2ScalingConfiguration") or {}).get("minCapacity", 0))
                  for r in resources if r["type"] == "aws:rds/cluster:Cluster"}
        return cls(hours, minima)


Counter = Callable[[Resource, Context], float]


def _inputs(resource: Resource) -> dict[str, Any]:
    inputs: dict[str, Any] = resource.get("inputs") or {}
    return inputs


def interface_endpoint_hours(resource: Resource, context: Context) -> float:
    # Interface endpoints bill per AZ they sit in; gateway endpoints (S3, DynamoDB) are free.
    inputs = _inputs(resource)
    if inputs.get("vpcEndpointType") != "Interface":
        return 0.0
    return len(inputs.get("subnetIds") or []) * context.hours


def always_on(resource: Resource, context: Context) -> float:
    return context.hours


def public_ipv4_hours(resource: Resource, context: Context) -> float:
    # An internet-facing NLB holds one AWS-provided public IPv4 address per enabled AZ; an
    # internal load balancer holds none, and an ALB's addresses are not ours here (internal).
    inputs = _inputs(resource)
    if inputs.get("internal") or inputs.get("loadBalancerType") != "network":
        return 0.0
    zones = inputs.get("subnets") or inputs.get("subnetMappings") or []
    return len(zones) * context.hours


def serverless_minimum_acu_hours(resource: Resource, context: Context) -> float:
    # A db.serverless instance never bills below its cluster's minimum capacity.
    inputs = _inputs(resource)
    if inputs.get("instanceClass") != "db.serverless":
        return 0.0
    return context.minimum_acu.get(str(inputs.get("clusterIdentifier")), 0.0) * context.hours


def one_a_month(resource: Resource, context: Context) -> float:
    return 1.0


def secrets(resource: Resource, context: Context) -> float:
    # Each replica region bills as a secret of its own.
    return 1.0 + len(_inputs(resource).get("replicas") or [])


def health_check_features(resource: Resource, context: Context) -> float:
    inputs = _inputs(resource)
    kind = str(inputs.get("type", ""))
    if kind in ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"):
        return 0.0
    return float(sum((kind.startswith("HTTPS"), kind.endswith("STR_MATCH"),
                      inputs.get("requestInterval") == _FAST_INTERVAL_SECONDS,
                      bool(inputs.get("measureLatency")))))


def alarm_metrics(resource: Resource, context: Context) -> float:
    # A metric-math alarm bills each metric it reads, not the expressions over them.
    queries = _inputs(resource).get("metricQueries") or []
    return float(sum(1 for query in queries if query.get("metric")) or 1)


def web_acl_rules(resource: Resource, context: Context) -> float:
    return float(len(_inputs(resource).get("rules") or []))


def advanced_parameters(resource: Resource, context: Context) -> float:
    return 1.0 if _inputs(resource).get("tier") in ("Advanced", "Intelligent-Tiering") else 0.0


STANDING: dict[str, Counter] = {
    "interface-endpoint-hour": interface_endpoint_hours,
    "load-balancer-hour": always_on,
    "public-ipv4-hour": public_ipv4_hours,
    "accelerator-hour": always_on,
    "aurora-serverless-acu-hour": serverless_minimum_acu_hours,
    "kms-key-month": one_a_month,
    "secret-month": secrets,
    "health-check-month": one_a_month,
    "health-check-feature-month": health_check_features,
    "alarm-metric-month": alarm_metrics,
    "composite-alarm-month": one_a_month,
    "region-switch-plan-month": one_a_month,
    "dashboard-month": one_a_month,
    "advanced-parameter-month": advanced_parameters,
    "waf-web-acl-month": one_a_month,
    "waf-rule-month": web_acl_rules,
}


def extended_support_enrolled(resource: Resource) -> bool:
    # Only a cluster enrolled in RDS Extended Support pays it, and only from the end of its
    # major version's standard support (dr:auroraExtendedSupport).
    return _inputs(resource).get("engineLifecycleSupport") == "open-source-rds-extended-support"


# Usage charges a resource carries only in some configurations (the rest carry theirs always).
USAGE_APPLIES: dict[str, Callable[[Resource], bool]] = {
    "aurora-extended-support-acu-hour": extended_support_enrolled,
}
