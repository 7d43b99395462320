"""Dashboards: one per region and a global DR view, built from the same metric definitions
the alarms use (shared/components/metrics.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.components import metrics
from shared.components.metrics import Metric
from shared.components.monitored import RegionView, ReplicationView

_WIDTH, _HEIGHT = 12, 6  # two graphs per row on CloudWatch's 24-unit grid


@dataclass(frozen=True)
class Panel:
    title: str
    metrics: Sequence[Metric]
    period: int = 60


@dataclass
class DashboardArgs:
    dashboard_name: str
    region: str  # where the dashboard is created; each graph names its metrics' region
    panels: Sequence[Panel]
    alarm_arns: Sequence[pulumi.Input[str]] = field(default_factory=list)


class Dashboard(pulumi.ComponentResource):
    """Owns one CloudWatch dashboard: an alarm-status strip (when alarms are given) above
    a grid of metric graphs. Exposes `dashboard_name` and `url`."""

    def __init__(self, name: str, args: DashboardArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:Dashboard", name, None, opts)
        top = _HEIGHT if args.alarm_arns else 0
        widgets = [_graph(panel, (i % 2) * _WIDTH, top + (i // 2) * _HEIGHT)
                   for i, panel in enumerate(args.panels)]
        if args.alarm_arns:
            widgets.insert(0, pulumi.Output.all(*args.alarm_arns).apply(lambda arns: {
                "type": "alarm", "x": 0, "y": 0, "width": 2 * _WIDTH, "height": _HEIGHT,
                "properties": {"title": "Alarms", "alarms": sorted(arns)}}))
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard", dashboard_name=args.dashboard_name, region=args.region,
            # The body is one JSON document, so every ARN and dimension must be resolved first.
            dashboard_body=pulumi.Output.all(*widgets).apply(
                lambda resolved: json.dumps({"widgets": resolved})),
            opts=pulumi.ResourceOptions(parent=self))
        self.dashboard_name = args.dashboard_name
        self.url = metrics.console_url(args.region, args.dashboard_name)
        self.register_outputs({"dashboard_name": self.dashboard_name, "url": self.url})


def _graph(panel: Panel, x: int, y: int) -> pulumi.Output[dict[str, Any]]:
    def widget(rows: list[list[Any]]) -> dict[str, Any]:
        return {"type": "metric", "x": x, "y": y, "width": _WIDTH, "height": _HEIGHT,
                "properties": {"title": panel.title, "view": "timeSeries", "stacked": False,
                               "period": panel.period, "region": panel.metrics[0].region,
                               "metrics": rows}}

    return pulumi.Output.all(*[m.widget_row() for m in panel.metrics]).apply(widget)


def regional_panels(view: RegionView) -> list[Panel]:
    region, functions = view.region, sorted(view.function_names.items())
    return [
        Panel(f"Route 53 health check ({view.role}; 1 = healthy)",
              [metrics.health_check_status(view.health_check_id, view.role)]),
        Panel("NLB targets", [
            metrics.nlb_host_count(True, view.nlb_arn, view.target_group_arn, region, "healthy"),
            metrics.nlb_host_count(False, view.nlb_arn, view.target_group_arn, region,
                                   "unhealthy")]),
        Panel("REST API requests and 5XX", [
            metrics.api_gateway_metric(name, view.api_name, view.api_stage, region, name)
            for name in ("Count", "5XXError")]),
        Panel("ALB requests and 5XX (accelerator path)", [
            metrics.alb_metric(name, view.alb_arn, region, label) for name, label in (
                ("RequestCount", "requests"), ("HTTPCode_Target_5XX_Count", "target 5XX"),
                ("HTTPCode_ELB_5XX_Count", "ELB 5XX"))]),
        Panel("WAF on both doors: requests allowed and blocked", [
            metrics.waf_requests(name, view.web_acl_name, region, label) for name, label in (
                ("AllowedRequests", "allowed"), ("BlockedRequests", "blocked"))]),
        Panel("Writes refused by the write fence (excluded from the 5XX alarms)", [
            metrics.fenced_writes(view.environment, door, region) for door in ("alb", "apigateway")]),
        Panel("Lambda errors and throttles", [
            metrics.lambda_metric(metric, function, region, f"{role} {metric.lower()}")
            for role, function in functions for metric in ("Errors", "Throttles")], period=300),
    ]


def dr_panels(regions: Sequence[RegionView], replication: ReplicationView,
              accelerator_arn: pulumi.Input[str], listener_arn: pulumi.Input[str]) -> list[Panel]:
    """The on-call view: is a region down, is every replication path keeping up, and where
    is the accelerator sending users."""
    r = replication
    s3 = (((r.source_bucket, r.destination_bucket, r.replication_rule_id),
           r.primary_region, r.secondary_region),
          ((r.destination_bucket, r.source_bucket, r.reverse_replication_rule_id),
           r.secondary_region, r.primary_region))
    return [
        Panel("Route 53 health checks (1 = healthy)", [
            metrics.health_check_status(v.health_check_id, v.role) for v in regions]),
        Panel("Healthy NLB targets per region", [
            metrics.nlb_host_count(True, v.nlb_arn, v.target_group_arn, v.region, v.role)
            for v in regions]),
        Panel("Accelerator: healthy endpoints per region", [
            metrics.accelerator_metric("HealthyEndpointCount", accelerator_arn, "Minimum",
                                       v.role, listener_arn, v.region) for v in regions]),
        Panel("Accelerator traffic", [
            metrics.accelerator_metric(name, accelerator_arn, "Sum", name)
            for name in ("NewFlowCount", "ProcessedBytesIn", "ProcessedBytesOut")], period=300),
        Panel("Aurora global replication lag (ms; only the secondary reports)",
              [metrics.aurora_global_lag(cluster, region)
               for region, cluster in r.clusters().items()]),
        Panel("DynamoDB replication latency (ms)", [
            metrics.dynamodb_replication_latency(r.table_name, source, receiver)
            for source, receiver in ((r.primary_region, r.secondary_region),
                                     (r.secondary_region, r.primary_region))]),
        Panel("S3 replication latency, both ways (s)", [
            metrics.s3_replication("ReplicationLatency", *rule, source, receiver)
            for rule, source, receiver in s3], period=300),
        Panel("S3 failed replications, both ways", [
            metrics.s3_replication("OperationsFailedReplication", *rule, source, receiver)
            for rule, source, receiver in s3], period=300),
    ]
