"""EventBridge across both regions: a custom bus of one name in each, a rule feeding the event
processor, the Parameter Store rule feeding the parameter replicator, and a Global Endpoint
that fails publishers over to the secondary bus on the primary's Route 53 health check."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role
from shared.naming import physical_name

# EventBridge retries delivery to a target for up to a day by default; an hour is enough to
# ride out a throttled or redeploying function, after which the event waits in the queue.
TARGET_RETRY: aws.cloudwatch.EventTargetRetryPolicyArgsDict = {
    "maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 8}


@dataclass
class AsyncTarget:
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]
    dead_letter_queue_arn: pulumi.Input[str]
    dead_letter_queue_url: pulumi.Input[str]


@dataclass
class RegionalEvents:
    region: str
    processor: AsyncTarget
    replicator: AsyncTarget


@dataclass
class CrossRegionEventsArgs:
    environment: str
    account_id: pulumi.Input[str]
    parameter_prefix: pulumi.Input[str]
    primary: RegionalEvents
    secondary: RegionalEvents
    primary_health_check_id: pulumi.Input[str]
    tags: dict[str, str] = field(default_factory=dict)


class CrossRegionEvents(pulumi.ComponentResource):
    """Owns both buses (same name, as a Global Endpoint requires), each region's two rules with
    their targets, invoke permissions and dead-letter queue policies, the Global Endpoint with
    event replication, and the role EventBridge uses to replicate."""

    def __init__(self, name: str, args: CrossRegionEventsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:CrossRegionEvents", name, None, opts)
        self.bus_name = physical_name("events", args.environment)
        self.buses = {role: self._region(name, role, side, args)
                      for role, side in (("primary", args.primary), ("secondary", args.secondary))}
        self.endpoint = self._global_endpoint(name, args)
        # PutEvents takes the endpoint's EndpointId (the URL's host label), not its name.
        self.endpoint_id = self.endpoint.endpoint_url.apply(
            lambda url: url.removeprefix("https://").split(".endpoint.events.", 1)[0])
        self.register_outputs({"bus_name": self.bus_name, "endpoint_url": self.endpoint.endpoint_url})

    def _region(self, name: str, role: str, side: RegionalEvents,
                args: CrossRegionEventsArgs) -> aws.cloudwatch.EventBus:
        child = pulumi.ResourceOptions(parent=self)
        bus = aws.cloudwatch.EventBus(
            f"{name}-{role}-bus", name=self.bus_name, region=side.region, tags=args.tags,
            opts=child)
        # Every event published to the application bus, from this account.
        self._rule(name, f"{role}-processor", side.region, side.processor, args,
                   event_bus_name=bus.name,
                   pattern=pulumi.Output.from_input(args.account_id).apply(
                       lambda account: {"account": [account]}))
        # Parameter Store reports changes on the default bus of the region they happen in.
        self._rule(name, f"{role}-parameters", side.region, side.replicator, args,
                   event_bus_name=None,
                   pattern=pulumi.Output.from_input(args.parameter_prefix).apply(lambda prefix: {
                       "source": ["aws.ssm"], "detail-type": ["Parameter Store Change"],
                       "detail": {"name": [{"prefix": prefix}]}}))
        return bus

    def _rule(self, name: str, what: str, region: str, target: AsyncTarget,
              args: CrossRegionEventsArgs, event_bus_name: pulumi.Input[str] | None,
              pattern: pulumi.Output[Mapping[str, Any]]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{name}-{what}-rule", name=physical_name(what, args.environment),
            event_bus_name=event_bus_name, event_pattern=pattern.apply(json.dumps),
            region=region, tags=args.tags, opts=child)
        permission = aws.lambda_.Permission(
            f"{name}-{what}-permission", action="lambda:InvokeFunction",
            function=target.function_name, principal="events.amazonaws.com",
            source_arn=rule.arn, region=region, opts=child)
        queue_policy = aws.sqs.QueuePolicy(
            f"{name}-{what}-dlq-policy", queue_url=target.dead_letter_queue_url,
            policy=pulumi.Output.all(target.dead_letter_queue_arn, rule.arn).apply(
                lambda values: json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage", "Resource": values[0],
                    "Condition": {"ArnEquals": {"aws:SourceArn": values[1]}}}]})),
            region=region, opts=child)
        aws.cloudwatch.EventTarget(
            f"{name}-{what}-target", rule=rule.name, event_bus_name=event_bus_name,
            arn=target.function_arn, retry_policy=TARGET_RETRY,
            dead_letter_config={"arn": target.dead_letter_queue_arn}, region=region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission, queue_policy]))

    def _global_endpoint(self, name: str, args: CrossRegionEventsArgs) -> aws.cloudwatch.EventEndpoint:
        child = pulumi.ResourceOptions(parent=self)
        role = service_role(f"{name}-replication-role", "events.amazonaws.com", args.tags, child,
                            description="EventBridge Global Endpoint replication")
        # EventBridge keeps managed rules on both buses that forward to the other region.
        policy = aws.iam.RolePolicy(
            f"{name}-replication-policy", role=role.id,
            policy=pulumi.Output.all(args.account_id, role.arn).apply(lambda values: json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["events:PutRule", "events:PutTargets",
                                                   "events:DeleteRule", "events:RemoveTargets"],
                     "Resource": f"arn:aws:events:*:{values[0]}:rule/{self.bus_name}/"
                                 "GlobalEndpointManagedRule-*"},
                    {"Effect": "Allow", "Action": "events:PutEvents",
                     "Resource": f"arn:aws:events:*:{values[0]}:event-bus/{self.bus_name}"},
                    # The managed rules' targets carry this role, which EventBridge passes to
                    # itself when it writes them (as the provider's acceptance test grants).
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": values[1],
                     "Condition": {"StringEquals": {
                         "iam:PassedToService": "events.amazonaws.com"}}}]})),
            opts=child)
        return aws.cloudwatch.EventEndpoint(
            f"{name}-global-endpoint", name=physical_name("events", args.environment),
            description="Fails publishers over to the secondary bus on the primary's health check",
            event_buses=[{"event_bus_arn": self.buses["primary"].arn},
                         {"event_bus_arn": self.buses["secondary"].arn}],
            routing_config={"failover_config": {
                "primary": {"health_check": pulumi.Output.from_input(
                    args.primary_health_check_id).apply(
                        lambda check: f"arn:aws:route53:::healthcheck/{check}")},
                "secondary": {"route": args.secondary.region}}},
            replication_config={"state": "ENABLED"}, role_arn=role.arn,
            region=args.primary.region, opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
