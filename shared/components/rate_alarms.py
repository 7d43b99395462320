"""Error-rate alarms: server errors as a share of requests, by CloudWatch metric math, quiet
below a minimum volume and blind to the errors the application answers on purpose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from shared.components.metrics import Metric

# Below this many requests a minute a rate says little (one failed probe of two is 50 %); the
# NLB and Route 53 health alarms cover a region that gets no traffic at all.
MIN_REQUESTS_PER_MINUTE = 10
PERIOD = 60


@dataclass(frozen=True)
class ErrorRate:
    """`errors` minus `excused` (deliberate refusals), over `requests`, in percent."""

    errors: Sequence[Metric]
    excused: Sequence[Metric]
    requests: Sequence[Metric]  # summed: some errors are not in the request count (see callers)


def expression(rate: ErrorRate) -> tuple[str, list[tuple[str, Metric]]]:
    """The metric math and the metrics it names, by query id."""
    named = ([(f"e{i}", m) for i, m in enumerate(rate.errors)]
             + [(f"x{i}", m) for i, m in enumerate(rate.excused)]
             + [(f"r{i}", m) for i, m in enumerate(rate.requests)])

    def total(prefix: str) -> str:
        ids = [query for query, _ in named if query[0] == prefix]
        return "(" + " + ".join(f"FILL({q}, 0)" for q in ids) + ")" if ids else "0"

    # FILL: a metric with no datapoint in a minute (no fenced write, no error) counts as 0.
    bad, requests = f"({total('e')} - {total('x')})", total("r")
    # Nested IFs rather than AND: IF(condition, true, false) is documented metric math
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
    math = (f"IF({requests} >= {MIN_REQUESTS_PER_MINUTE}, "
            f"IF({bad} > 0, 100 * {bad} / {requests}, 0), 0)")
    return math, named


def error_rate_alarm(resource_name: str, alarm_name: str, region: str, rate: ErrorRate,
                     threshold_percent: float, description: str,
                     topics: Mapping[str, pulumi.Input[str]], tags: Mapping[str, str],
                     parent: pulumi.Resource) -> pulumi.Output[str]:
    """An alarm in `region` on the error rate, 2 of 3 minutes at or above the threshold; its ARN."""
    math, named = expression(rate)
    queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] = [
        {"id": query, "return_data": False, "metric": {
            "namespace": m.namespace, "metric_name": m.name, "dimensions": dict(m.dimensions),
            "stat": m.statistic, "period": PERIOD}} for query, m in named]
    queries.append({"id": "rate", "expression": math, "label": "server errors (%)",
                    "return_data": True})
    topic = topics[region]
    alarm = aws.cloudwatch.MetricAlarm(
        resource_name, name=alarm_name, alarm_description=description, metric_queries=queries,
        evaluation_periods=3, datapoints_to_alarm=2, comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=threshold_percent,
        # Not breaching: no requests is no errors (the health alarms watch for silence).
        treat_missing_data="notBreaching", alarm_actions=[topic], ok_actions=[topic],
        region=region, tags={**tags, "Name": alarm_name}, opts=pulumi.ResourceOptions(parent=parent))
    return alarm.arn
