"""What the Region switch plan's bring-up-database custom action (dr:strategy pilot-light,
stacks/recovery/handlers/bring_up_step.py) needs on the action function: the cluster to bring up
and the permissions to add an instance to it, on that cluster and its instances only.

RDS authorizes CreateDBInstance on the new instance and on the cluster, subnet group, option
group and parameter group it joins (RDS's service authorization reference, "Actions defined by
Amazon RDS"); tags given at creation need AddTagsToResource on the instance. DescribeDBInstances with a
filter is authorized on the region's instances (`db:*`).
"""

from __future__ import annotations

from typing import Any

import pulumi

# ARC reruns the step every retry interval up to this: Aurora creates a db.serverless instance
# in minutes, more on a busy day.
BRING_UP_TIMEOUT_MINUTES = 45


def cluster_id(cluster_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(cluster_arn).apply(lambda arn: arn.rsplit(":", 1)[-1])


def bring_up_statements(cluster_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    arn = pulumi.Output.from_input(cluster_arn)
    instances = arn.apply(lambda a: a.replace(":cluster:", ":db:") + "-*")
    region_account = arn.apply(lambda a: ":".join(a.split(":")[:5]))
    def every(kind: str) -> pulumi.Output[str]:
        return region_account.apply(lambda prefix: f"{prefix}:{kind}:*")

    joined = [every(kind) for kind in ("subgrp", "og", "pg")]
    return [
        {"Effect": "Allow", "Action": "rds:DescribeDBClusters", "Resource": arn},
        {"Effect": "Allow", "Action": "rds:DescribeDBInstances",
         "Resource": region_account.apply(lambda p: f"{p}:db:*")},
        {"Effect": "Allow", "Action": "rds:CreateDBInstance", "Resource": [arn, instances, *joined]},
        {"Effect": "Allow", "Action": "rds:AddTagsToResource", "Resource": instances},
    ]
