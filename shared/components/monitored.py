"""What the monitoring layer watches, per region and per replication path: the upstream IDs
alarms and dashboards both need, gathered once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True)
class RegionView:
    """One region's entry point and application, as the other layers export them."""

    role: str  # primary or secondary: how the on-call engineer names the region
    region: str
    environment: str
    health_check_id: pulumi.Input[str]
    nlb_arn: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    alb_arn: pulumi.Input[str]  # the internal ALB behind the NLB (compute)
    web_acl_name: pulumi.Input[str]  # the region's WAF web ACL on both doors (compute)
    api_name: pulumi.Input[str]
    api_stage: pulumi.Input[str]
    function_names: Mapping[str, pulumi.Input[str]]  # function role -> function name
    dead_letter_queues: Mapping[str, pulumi.Input[str]]  # async function role -> queue name


@dataclass(frozen=True)
class ReplicationView:
    """Every path that copies data from the primary to the secondary (and back)."""

    primary_region: str
    secondary_region: str
    primary_cluster_id: pulumi.Input[str]
    secondary_cluster_id: pulumi.Input[str]
    table_name: pulumi.Input[str]
    source_bucket: pulumi.Input[str]
    destination_bucket: pulumi.Input[str]
    replication_rule_id: pulumi.Input[str]
    reverse_replication_rule_id: pulumi.Input[str]  # destination -> source, for failback

    def clusters(self) -> dict[str, pulumi.Input[str]]:
        """Each Aurora member cluster by its region; either may be the writer."""
        return {self.primary_region: self.primary_cluster_id,
                self.secondary_region: self.secondary_cluster_id}


def pick(mapping: pulumi.Input[Mapping[str, Any]], keys: Iterable[str],
         what: str) -> dict[str, pulumi.Output[str]]:
    """One Output per expected key of an upstream map, failing with the key's name when the
    producer does not export it (resources per key must be declared before the map resolves)."""

    def value(resolved: Mapping[str, Any], key: str) -> str:
        if key not in resolved:
            raise pulumi.RunError(f"{what} has no entry {key!r} (it has {sorted(resolved)})")
        return str(resolved[key])

    def entry(key: str) -> pulumi.Output[str]:
        return pulumi.Output.from_input(mapping).apply(lambda resolved: value(resolved, key))

    return {key: entry(key) for key in keys}
