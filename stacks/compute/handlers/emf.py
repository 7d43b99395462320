"""Metrics in CloudWatch's embedded metric format: one JSON line on stdout, which Lambda sends
to the function's log group as it is and CloudWatch turns into metrics, no PutMetricData call
and no permission needed (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).

Monitoring's shared/components/metrics.py names the same namespace, metrics and dimensions: a
CloudWatch metric is identified by all its dimensions, so an alarm on a dimension set no line
publishes never fires (tests/handlers/test_authority_metrics.py checks the two agree).
"""

from __future__ import annotations

import json
import os
import sys
import time

NAMESPACE = "DR/Application"
FENCED_WRITES = "FencedWrites"  # a write refused on a positive read: another region writes
AUTHORITY_UNREADABLE = "AuthorityUnreadable"  # a decision taken with no authority past its bound
MOVE_SECONDS = "AuthorityMoveSeconds"  # how long the record has said "moving" (health, per answer)


def emit(name: str, value: float, unit: str, dimension_sets: list[list[str]],
         values: dict[str, str]) -> None:
    """One data point of `name`, published under each of `dimension_sets` (Environment is
    always one of the dimensions: every environment of an account shares the namespace)."""
    document = {
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": NAMESPACE, "Dimensions": [["Environment", *keys] for keys in dimension_sets],
            "Metrics": [{"Name": name, "Unit": unit}]}]},
        "Environment": os.environ.get("DR_ENVIRONMENT", ""), **values, name: value}
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()
