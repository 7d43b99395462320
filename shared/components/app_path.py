"""ApplicationPath: the regional NLB's ALB-type target group -> an internal ALB -> Lambda.

Global Accelerator and Route 53 reach the region through its NLB, and an NLB cannot target a
Lambda function; an ALB can. So the NLB forwards TCP to an internal ALB, whose listener sends
the health path to the health function and everything else to the api function. The NLB target
group's own health check travels the same way, so "the NLB is healthy" means "the health
function answered 200" and Global Accelerator fails over on the application's real health.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumiverse_time as time

from shared.naming import lb_name

# Deregistering the ALB from the NLB's target group only starts draining, for the target
# group's deregistration delay (the network layer keeps AWS's default, 300 s); the provider's
# delete returns at once, and the ALB or its listener cannot be deleted while it drains
# (ResourceInUse). The wait sits between the attachment and the listener on destroy.
NLB_DRAIN_WAIT = "330s"
# TLS 1.3 and 1.2 only, AWS's recommended policy; Route 53's HTTPS checkers speak TLS 1.2.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass
class LambdaRoute:
    kind: str  # short (<= 5 chars): part of the target group's 32-character name
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]
    health_check_path: str | None = None  # only the health target is probed by the ALB


@dataclass
class ApplicationPathArgs:
    environment: str
    region: str
    port: int
    health_check_path: str
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_id: pulumi.Input[str]
    nlb_target_group_arn: pulumi.Input[str]
    health: LambdaRoute
    api: LambdaRoute
    # With a certificate the listener is HTTPS: TLS from the client ends here (docs/security.md).
    certificate_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class ApplicationPath(pulumi.ComponentResource):
    """Owns the internal ALB in the private subnets (application security group), its listener
    (HTTPS with the region's certificate when one is configured, else HTTP),
    one Lambda target group per function with the invoke permission, the rule routing
    the health path, and the attachment of the ALB to the NLB's target group."""

    def __init__(self, name: str, args: ApplicationPathArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:ApplicationPath", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # A fixed name: a replacement must delete the old ALB (after its draining) first.
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb", name=lb_name("alb", args.environment, args.region),
            load_balancer_type="application", internal=True, subnets=args.subnet_ids,
            security_groups=[args.security_group_id], drop_invalid_header_fields=True,
            region=args.region, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        api_group = self._lambda_target(name, args, args.api)
        health_group = self._lambda_target(name, args, args.health)
        tls = args.certificate_arn is not None
        self.listener = aws.lb.Listener(
            f"{name}-listener", load_balancer_arn=self.alb.arn, port=args.port,
            protocol="HTTPS" if tls else "HTTP", certificate_arn=args.certificate_arn,
            ssl_policy=SSL_POLICY if tls else None,
            default_actions=[{"type": "forward", "target_group_arn": api_group.arn}],
            region=args.region, tags=args.tags, opts=child)
        aws.lb.ListenerRule(
            f"{name}-health-rule", listener_arn=self.listener.arn, priority=10,
            conditions=[{"path_pattern": {"values": [args.health_check_path]}}],
            actions=[{"type": "forward", "target_group_arn": health_group.arn}],
            region=args.region, tags=args.tags, opts=child)
        # Replaced with the ALB or listener, so a replacement waits for the old one's draining.
        self.drain_wait = time.Sleep(
            f"{name}-nlb-drain-wait", destroy_duration=NLB_DRAIN_WAIT,
            triggers={"alb": self.alb.arn, "listener": self.listener.arn},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.listener]))
        # AWS accepts an ALB as an NLB target only once the ALB listens on the target port.
        self.nlb_attachment = aws.lb.TargetGroupAttachment(
            f"{name}-nlb-attachment", target_group_arn=args.nlb_target_group_arn,
            target_id=self.alb.arn, port=args.port, region=args.region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.listener, self.drain_wait]))
        self.register_outputs({"alb_arn": self.alb.arn, "alb_dns_name": self.alb.dns_name})

    def _lambda_target(self, name: str, args: ApplicationPathArgs,
                       route: LambdaRoute) -> aws.lb.TargetGroup:
        child = pulumi.ResourceOptions(parent=self)
        check: aws.lb.TargetGroupHealthCheckArgsDict = (
            {"enabled": True, "path": route.health_check_path, "matcher": "200",
             "interval": 30, "timeout": 10, "healthy_threshold": 2, "unhealthy_threshold": 2}
            if route.health_check_path else {"enabled": False})
        group = aws.lb.TargetGroup(
            f"{name}-{route.kind}-tg", name=lb_name(route.kind, args.environment, args.region),
            target_type="lambda", health_check=check, region=args.region, tags=args.tags,
            opts=child)
        permission = aws.lambda_.Permission(
            f"{name}-{route.kind}-permission", action="lambda:InvokeFunction",
            function=route.function_name, principal="elasticloadbalancing.amazonaws.com",
            source_arn=group.arn, region=args.region, opts=child)
        aws.lb.TargetGroupAttachment(
            f"{name}-{route.kind}-attachment", target_group_arn=group.arn,
            target_id=route.function_arn, region=args.region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))
        return group
