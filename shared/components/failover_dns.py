"""FailoverDns: Route 53 PRIMARY/SECONDARY alias records on the two NLBs."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

FAILOVER_ROLES = {"primary": "PRIMARY", "secondary": "SECONDARY"}


@dataclass
class FailoverTarget:
    """One region's NLB and the health check that decides whether DNS answers with it."""

    role: str  # "primary" or "secondary"
    region: str
    nlb_dns_name: pulumi.Input[str]
    nlb_zone_id: pulumi.Input[str]
    health_check_id: pulumi.Input[str]


@dataclass
class FailoverDnsArgs:
    hosted_zone_id: str
    record_name: str
    targets: list[FailoverTarget]


class FailoverDns(pulumi.ComponentResource):
    """Owns the failover record pair: one A alias per region on that region's NLB, tied to its
    health check, so DNS answers with the secondary while the primary is unhealthy. A second
    way in beside the accelerator, for clients that need a name rather than anycast IPs.
    Exposes `fqdn`."""

    def __init__(self, name: str, args: FailoverDnsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:traffic:FailoverDns", name, None, opts)
        self.records: dict[str, aws.route53.Record] = {}
        for target in args.targets:
            self.records[target.role] = aws.route53.Record(
                f"{name}-{target.role}", zone_id=args.hosted_zone_id, name=args.record_name,
                type="A", set_identifier=f"{target.role}-{target.region}",
                failover_routing_policies=[{"type": FAILOVER_ROLES[target.role]}],
                # The health check judges the whole chain to the application; target health
                # adds the NLB's own view, so either one failing moves DNS away.
                aliases=[{"name": target.nlb_dns_name, "zone_id": target.nlb_zone_id,
                          "evaluate_target_health": True}],
                health_check_id=target.health_check_id,
                opts=pulumi.ResourceOptions(parent=self))
        self.fqdn = self.records["primary"].fqdn
        self.register_outputs({"fqdn": self.fqdn})
