"""FailoverDns: Route 53 PRIMARY/SECONDARY alias records on the two NLBs, each following the
same decision as the DR operations (active region, write fence), not only the NLB's health."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name

FAILOVER_ROLES = {"primary": "PRIMARY", "secondary": "SECONDARY"}
# What each record's check searches the region's /health answer for (handlers/health.py
# `dns_answer`, rendered as JSON): the PRIMARY record only while its region is the active one,
# the SECONDARY record while its region can take over (active or standby). A fenced or
# unhealthy region matches neither, so a recovering old primary that still says "active" but
# is fenced is not answered, and after a failover the PRIMARY record gives way to the active
# secondary even with a healthy primary NLB.
SEARCH_STRINGS = {"primary": '"dns": "serve-active"', "secondary": '"dns": "serve-'}


@dataclass
class FailoverTarget:
    """One region's NLB entry point, which its record points at and its check probes."""

    role: str  # "primary" or "secondary"
    region: str
    nlb_dns_name: pulumi.Input[str]
    nlb_zone_id: pulumi.Input[str]
    port: pulumi.Input[int]


@dataclass
class FailoverDnsArgs:
    environment: str
    hosted_zone_id: str
    record_name: str
    targets: list[FailoverTarget]
    health_check_path: str
    interval_seconds: int
    failure_threshold: int
    protocol: str = "HTTP"  # the ALB listener's: HTTPS_STR_MATCH checks when it is HTTPS
    tags: dict[str, str] = field(default_factory=dict)


class FailoverDns(pulumi.ComponentResource):
    """Owns the failover record pair: one A alias per region on that region's NLB, each tied to
    a string-matching Route 53 check of that region's health answer. A second way in beside the
    accelerator, for clients that need a name rather than anycast IPs. Exposes `fqdn` and the
    checks' `ids` by role.

    String matching, not an alarm-based check: Route 53's checkers read the region's own answer
    from outside AWS's regions, with no CloudWatch in the path (an alarm-based check would go
    to insufficient data exactly when the region is in trouble, and wait for the metric's
    period), so DNS reacts in interval x threshold like the entry checks do."""

    def __init__(self, name: str, args: FailoverDnsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:traffic:FailoverDns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.records: dict[str, aws.route53.Record] = {}
        self.checks: dict[str, aws.route53.HealthCheck] = {}
        for target in args.targets:
            self.checks[target.role] = aws.route53.HealthCheck(
                f"{name}-{target.role}-serving", type=f"{args.protocol}_STR_MATCH",
                fqdn=target.nlb_dns_name,
                port=target.port, resource_path=args.health_check_path,
                search_string=SEARCH_STRINGS[target.role], request_interval=args.interval_seconds,
                failure_threshold=args.failure_threshold, measure_latency=False,
                tags={**args.tags, "Name": physical_name("dns", args.environment, target.region),
                      "Region": target.region}, opts=child)
            self.records[target.role] = aws.route53.Record(
                f"{name}-{target.role}", zone_id=args.hosted_zone_id, name=args.record_name,
                type="A", set_identifier=f"{target.role}-{target.region}",
                failover_routing_policies=[{"type": FAILOVER_ROLES[target.role]}],
                # Target health adds the NLB's own view: either one failing moves DNS away.
                aliases=[{"name": target.nlb_dns_name, "zone_id": target.nlb_zone_id,
                          "evaluate_target_health": True}],
                health_check_id=self.checks[target.role].id, opts=child)
        self.fqdn = self.records["primary"].fqdn
        self.ids = {role: check.id for role, check in self.checks.items()}
        self.register_outputs({"fqdn": self.fqdn})
