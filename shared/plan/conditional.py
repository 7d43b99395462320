"""Replacements the provider decides from the old and new values, not from the input alone
(terraform-provider-aws `CustomizeDiff`), so force_new.yaml cannot list them.

- A network load balancer (internal/service/elbv2/load_balancer.go, customizeDiffLoadBalancerNLB)
  is replaced when its subnets do not only grow (one removed or swapped), when its subnet
  mappings change other than by additions, and when it gains security groups while it has none
  or loses all of them.
- An SSM parameter (internal/service/ssm/parameter.go) is replaced when its tier goes from
  Advanced to Standard: "You can't downgrade a parameter from the advanced-parameter tier".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Inputs = dict[str, Any]


def _items(inputs: Inputs, key: str) -> list[str]:
    value = inputs.get(key) or []
    return sorted(str(item) for item in value) if isinstance(value, list) else []


def _load_balancer(old: Inputs, new: Inputs) -> list[str]:
    if new.get("loadBalancerType", "application") != "network":
        return []
    causes = []
    before, after = _items(old, "subnets"), _items(new, "subnets")
    if before != after and len(after) <= len(before):
        causes.append("subnets")
    before, after = _items(old, "subnetMappings"), _items(new, "subnetMappings")
    if before != after and (len(after) <= len(before) or not set(before) <= set(after)):
        causes.append("subnetMappings")
    if bool(_items(old, "securityGroups")) != bool(_items(new, "securityGroups")):
        causes.append("securityGroups")
    return causes


def _parameter(old: Inputs, new: Inputs) -> list[str]:
    return ["tier"] if old.get("tier") == "Advanced" and new.get("tier", "Standard") == "Standard" else []


RULES: dict[str, Callable[[Inputs, Inputs], list[str]]] = {
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:ssm/parameter:Parameter": _parameter,
}


def conditional_causes(token: str, old: Inputs, new: Inputs) -> list[str]:
    """The inputs whose change from `old` to `new` makes the provider replace a `token`."""
    rule = RULES.get(token)
    return rule(old, new) if rule else []
