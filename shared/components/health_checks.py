"""EntryHealthChecks: Route 53 health checks on each region's real NLB entry point."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name


@dataclass
class CheckedEntry:
    """One region's entry point, as its network stack exported it."""

    role: str  # "primary" or "secondary"
    region: str
    nlb_dns_name: pulumi.Input[str]
    port: pulumi.Input[int]


@dataclass
class EntryHealthChecksArgs:
    environment: str
    entries: list[CheckedEntry]
    path: str
    interval_seconds: int
    failure_threshold: int
    protocol: str = "HTTP"  # the ALB listener's: HTTPS when certificates are configured
    tags: dict[str, str] = field(default_factory=dict)


class EntryHealthChecks(pulumi.ComponentResource):
    """Owns one HTTP(S) Route 53 health check per region on that region's NLB DNS name, probing
    the application's health path through NLB -> ALB -> application. Exposes `ids` by role."""

    def __init__(self, name: str, args: EntryHealthChecksArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:traffic:EntryHealthChecks", name, None, opts)
        self.checks: dict[str, aws.route53.HealthCheck] = {}
        for entry in args.entries:
            label = physical_name("entry", args.environment, entry.region)
            # The protocol the ALB behind the NLB listens with (the NLB passes TCP through).
            # Route 53 does not validate the certificate, so the NLB's own DNS name, which the
            # certificate does not carry, can be checked over HTTPS (API_HealthCheckConfig:
            # https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html).
            # The interval cannot change after creation (Route 53 replaces the check), which is
            # why settings limit it to 10/30.
            self.checks[entry.role] = aws.route53.HealthCheck(
                f"{name}-{entry.role}", type=args.protocol, fqdn=entry.nlb_dns_name, port=entry.port,
                resource_path=args.path, request_interval=args.interval_seconds,
                failure_threshold=args.failure_threshold, measure_latency=False,
                tags={**args.tags, "Name": label, "Region": entry.region},
                opts=pulumi.ResourceOptions(parent=self))
        self.ids = {role: check.id for role, check in self.checks.items()}
        self.register_outputs({"ids": self.ids})
