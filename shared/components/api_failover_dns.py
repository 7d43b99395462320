"""ApiFailoverDns: one name for the REST API in both regions (dr:apiRecordName), answered by
Route 53 with the region the failover records would send users to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.failover_dns import FAILOVER_ROLES


@dataclass
class ApiTarget:
    """One region's custom domain for the shared name, and the check its record follows."""

    role: str  # "primary" or "secondary"
    region: str
    regional_domain_name: pulumi.Input[str]
    regional_zone_id: pulumi.Input[str]
    check_id: pulumi.Input[str]  # global-traffic's `<role>_serving_check_id`


@dataclass
class ApiFailoverDnsArgs:
    hosted_zone_id: str
    record_name: str
    targets: list[ApiTarget]
    tags: dict[str, str] = field(default_factory=dict)


class ApiFailoverDns(pulumi.ComponentResource):
    """Owns the PRIMARY/SECONDARY alias pair for the shared API name. Each record follows the
    same Route 53 check as the NLB failover record of its region (the region's own /health
    answer: active and unfenced for PRIMARY, able to serve for SECONDARY), so the REST door and
    the NLB door move together. Exposes `fqdn`."""

    def __init__(self, name: str, args: ApiFailoverDnsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:ApiFailoverDns", name, None, opts)
        records = {target.role: aws.route53.Record(
            f"{name}-{target.role}", zone_id=args.hosted_zone_id, name=args.record_name, type="A",
            set_identifier=f"api-{target.role}-{target.region}",
            failover_routing_policies=[{"type": FAILOVER_ROLES[target.role]}],
            # The check decides; API Gateway's regional endpoint has no target health to add.
            aliases=[{"name": target.regional_domain_name, "zone_id": target.regional_zone_id,
                      "evaluate_target_health": False}],
            health_check_id=target.check_id, opts=pulumi.ResourceOptions(parent=self))
            for target in args.targets}
        self.fqdn = records["primary"].fqdn
        self.register_outputs({"fqdn": self.fqdn})
