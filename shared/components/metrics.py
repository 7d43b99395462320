"""The CloudWatch metrics this repository watches: one definition shared by alarms and dashboards.

Every namespace, metric name, dimension, statistic and publishing region here comes from the
AWS documentation of the service; a wrong one gives an alarm that never fires, so alarms and
dashboards both build on these definitions instead of spelling metrics out twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

# Route 53 publishes health-check metrics only in US East (N. Virginia), whatever the
# region of the endpoint it checks (Route 53 developer guide, "Monitoring health checks").
ROUTE53_METRICS_REGION = "us-east-1"
# Global Accelerator publishes its metrics only in US West (Oregon).
GLOBAL_ACCELERATOR_METRICS_REGION = "us-west-2"
# S3 Replication Time Control's SLA: 99.99 % of objects within 15 minutes.
S3_RTC_THRESHOLD_SECONDS = 900


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric stream: where it is published and how to aggregate it."""

    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str
    region: str
    label: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def widget_row(self) -> pulumi.Output[list[Any]]:
        """The dashboard form: [namespace, name, dim, value, ..., {options}], resolved."""
        keys = sorted(self.dimensions)

        def row(values: list[str]) -> list[Any]:
            pairs = [item for key, value in zip(keys, values, strict=True) for item in (key, value)]
            return [self.namespace, self.name, *pairs,
                    {"stat": self.statistic, "label": self.label, "region": self.region}]

        return pulumi.Output.all(*[self.dimensions[k] for k in keys]).apply(row)


def arn_resource(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The part of an ARN after its fifth colon (`targetgroup/name/id`, `loadbalancer/...`)."""
    return pulumi.Output.from_input(arn).apply(lambda value: value.split(":", 5)[5])


def load_balancer_dimension(nlb_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """ELB's LoadBalancer dimension: `net/<name>/<id>` (`app/...` for an ALB), the ARN after
    `loadbalancer/`."""
    return arn_resource(nlb_arn).apply(lambda resource: resource.split("/", 1)[1])


def health_check_status(health_check_id: pulumi.Input[str], label: str) -> Metric:
    # 1 healthy, 0 unhealthy; Minimum is the only valid statistic.
    return Metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": health_check_id},
                  "Minimum", ROUTE53_METRICS_REGION, label)


def nlb_host_count(healthy: bool, nlb_arn: pulumi.Input[str], target_group_arn: pulumi.Input[str],
                   region: str, label: str) -> Metric:
    # Each NLB node reports its own view; AWS recommends the Maximum of HealthyHostCount or
    # the Minimum of UnHealthyHostCount, which only move when every node agrees.
    return Metric("AWS/NetworkELB", "HealthyHostCount" if healthy else "UnHealthyHostCount",
                  {"LoadBalancer": load_balancer_dimension(nlb_arn),
                   "TargetGroup": arn_resource(target_group_arn)},
                  "Maximum" if healthy else "Minimum", region, label)


def aurora_global_lag(cluster_id: pulumi.Input[str], region: str) -> Metric:
    # Milliseconds; published only by a cluster while it is a secondary, in its own region:
    # after a switchover the old primary publishes it and the new writer stops.
    return Metric("AWS/RDS", "AuroraGlobalDBReplicationLag",
                  {"DBClusterIdentifier": cluster_id}, "Maximum", region,
                  f"Aurora global lag in {region} (ms)")


def dynamodb_replication_latency(table_name: pulumi.Input[str], source_region: str,
                                 receiving_region: str) -> Metric:
    # Milliseconds; emitted in the region the write came from, per receiving replica.
    return Metric("AWS/DynamoDB", "ReplicationLatency",
                  {"TableName": table_name, "ReceivingRegion": receiving_region}, "Maximum",
                  source_region, f"DynamoDB {source_region} -> {receiving_region} (ms)")


def s3_replication(metric: str, source_bucket: pulumi.Input[str],
                   destination_bucket: pulumi.Input[str], rule_id: pulumi.Input[str],
                   source_region: str, destination_region: str) -> Metric:
    # ReplicationLatency (seconds, Maximum) is published in the destination bucket's region;
    # OperationsFailedReplication (Sum) in the source bucket's region (S3 user guide).
    latency = metric == "ReplicationLatency"
    return Metric("AWS/S3", metric, {"SourceBucket": source_bucket,
                                     "DestinationBucket": destination_bucket, "RuleId": rule_id},
                  "Maximum" if latency else "Sum",
                  destination_region if latency else source_region,
                  "S3 replication latency (s)" if latency else "S3 failed replications")


def lambda_metric(metric: str, function_name: pulumi.Input[str], region: str,
                  label: str) -> Metric:
    return Metric("AWS/Lambda", metric, {"FunctionName": function_name}, "Sum", region, label)


def queue_depth(queue_name: pulumi.Input[str], region: str, label: str) -> Metric:
    # SQS reports every 5 minutes; Maximum of visible messages: anything waiting in the queue.
    return Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name},
                  "Maximum", region, label)


def api_gateway_metric(metric: str, api_name: pulumi.Input[str], stage: pulumi.Input[str],
                       region: str, label: str) -> Metric:
    # REST APIs report per ApiName and Stage; Sum of 5XXError is the error count.
    return Metric("AWS/ApiGateway", metric, {"ApiName": api_name, "Stage": stage}, "Sum",
                  region, label)


def accelerator_metric(metric: str, accelerator_arn: pulumi.Input[str], statistic: str,
                       label: str, listener_arn: pulumi.Input[str] | None = None,
                       endpoint_region: str | None = None) -> Metric:
    """Global Accelerator: the Accelerator dimension is the ID at the end of its ARN; an
    EndpointGroup is named by its region and needs the Listener ID alongside."""
    dimensions: dict[str, pulumi.Input[str]] = {
        "Accelerator": pulumi.Output.from_input(accelerator_arn).apply(
            lambda arn: arn.split("accelerator/", 1)[1].split("/", 1)[0])}
    if listener_arn is not None and endpoint_region is not None:
        dimensions["Listener"] = pulumi.Output.from_input(listener_arn).apply(
            lambda arn: arn.rsplit("/listener/", 1)[1].split("/", 1)[0])
        dimensions["EndpointGroup"] = endpoint_region
    return Metric("AWS/GlobalAccelerator", metric, dimensions, statistic,
                  GLOBAL_ACCELERATOR_METRICS_REGION, label)


def alb_metric(metric: str, alb_arn: pulumi.Input[str], region: str, label: str) -> Metric:
    # Counts per load balancer: LoadBalancer is `app/<name>/<id>`; Sum is the count.
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
    return Metric("AWS/ApplicationELB", metric, {"LoadBalancer": load_balancer_dimension(alb_arn)},
                  "Sum", region, label)


def waf_requests(metric: str, web_acl_name: pulumi.Input[str], region: str, label: str) -> Metric:
    # A regional web ACL's totals: WebACL, Region and Rule=ALL.
    # https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
    return Metric("AWS/WAFV2", metric, {"WebACL": web_acl_name, "Region": region, "Rule": "ALL"},
                  "Sum", region, label)


# The functions' embedded metrics (stacks/compute/handlers/emf.py: namespace, names, dimensions).
APPLICATION_NAMESPACE = "DR/Application"


def fenced_writes(environment: str, door: str, region: str) -> Metric:
    """Writes the api function refused with 503 because its region is fenced, per front door
    ("alb" or "apigateway"): deliberate, so the 5XX rate alarms subtract them."""
    return Metric(APPLICATION_NAMESPACE, "FencedWrites", {"Environment": environment, "Door": door},
                  "Sum", region, f"fenced writes ({door})")


def authority_unreadable(environment: str, region: str) -> Metric:
    """Decisions taken in `region` with no authority record past its staleness bound: writes the
    api refused for it, and health answers (about one a second per environment) that saw it."""
    return Metric(APPLICATION_NAMESPACE, "AuthorityUnreadable", {"Environment": environment},
                  "Sum", region, "authority unreadable")


def authority_move_seconds(environment: str, region: str) -> Metric:
    """How long the authority record has said "moving" (nobody writes), as `region`'s health
    function sees it on each answer; published only while a move is under way."""
    return Metric(APPLICATION_NAMESPACE, "AuthorityMoveSeconds", {"Environment": environment},
                  "Maximum", region, "move under way (s)")


def console_url(region: str, dashboard_name: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#dashboards/dashboard/{dashboard_name}")
