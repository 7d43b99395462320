"""The Region switch plan's bring-up-database step (dr:strategy pilot-light): the activating
region's Aurora cluster is headless, so before ARC's scaling and Aurora blocks run it gets a
db.serverless instance, and the step succeeds only once that instance is `available`.

ARC has no execution block that adds an instance to a cluster (its Aurora blocks scale or
promote existing instances), so this is a custom action. ARC reruns a custom action every retry
interval until the step's timeout: a run creates the instance if the cluster has none, and
raises NotYet while it is not available, so the next run looks again. The client-side engine
does the same in shared/ops/engines/bring_up.py (same instance name).

Packaged with region_action.py (no shared code in the zip).
"""

from __future__ import annotations

from typing import Any

BRING_UP_STEP = "bring-up-database"
INSTANCE_SUFFIX = "-up"  # shared/ops/engines/bring_up.py's INSTANCE_SUFFIX: the same instance


class NotYet(Exception):
    """The instance is on its way; ARC shows this and reruns the step after the retry interval."""


def bring_up_database(rds: Any, cluster_id: str) -> dict[str, Any]:
    [cluster] = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    members = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])]
    created = False
    if not members:
        instance_id = f"{cluster_id}{INSTANCE_SUFFIX}"
        rds.create_db_instance(DBInstanceIdentifier=instance_id, DBClusterIdentifier=cluster_id,
                               DBInstanceClass="db.serverless", Engine=cluster["Engine"],
                               PubliclyAccessible=False, AutoMinorVersionUpgrade=False,
                               Tags=[{"Key": "CreatedBy", "Value": "dr-region-switch-bring-up"}])
        members, created = [instance_id], True
    found = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    statuses = {i["DBInstanceIdentifier"]: i["DBInstanceStatus"] for i in found["DBInstances"]}
    if "available" not in statuses.values():
        raise NotYet(f"cluster {cluster_id}: instance {', '.join(f'{k} {v}' for k, v in statuses.items())}"
                     f"{' (created now)' if created else ''}; waiting for it to be available")
    return {"step": BRING_UP_STEP, "cluster": cluster_id, "created": created, "instances": statuses}
