"""A deploy never lowers the serving writer's Aurora capacity.

After a failover the writer may run with a wider Serverless v2 range than the settings give its
cluster (ARC's scaling step raises the activating cluster; an operator may have raised it by
hand), and `pulumi up` of the data layer would set it back: the range is an in-place
ModifyDBCluster. Before the data layer runs, the writer is found through the global cluster
(DescribeGlobalClusters `GlobalClusterMembers[].IsWriter`, answered by any member region) and
its live range (DescribeDBClusters `ServerlessV2ScalingConfiguration`, in the writer's region)
compared with what the settings configure for that region's cluster. A lower bound is refused in
one line naming the raise-only setting that keeps it. Only regions that answer are asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from shared.naming import physical_name
from shared.ops.aws.clients import AwsClients
from shared.orchestrator.errors import Refused
from shared.settings import Settings

NOT_DEPLOYED = ("GlobalClusterNotFoundFault", "DBClusterNotFoundFault")


@dataclass(frozen=True)
class WriterCapacity:
    cluster: str
    region: str
    low: float
    high: float


def writer_capacity(settings: Settings, clients: AwsClients,
                    reachable: Sequence[str]) -> WriterCapacity | None:
    """The writer's live range, or None when there is no global cluster yet or its writer is in a
    region not asked (down). AWS errors other than "not found" propagate."""
    global_id = physical_name("aurora", settings.environment)
    for region in reachable:
        try:
            found = clients.rds(region).describe_global_clusters(GlobalClusterIdentifier=global_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_DEPLOYED:
                return None
            raise
        members = (found.get("GlobalClusters") or [{}])[0].get("GlobalClusterMembers", [])
        writer = next((m["DBClusterArn"] for m in members if m.get("IsWriter")), None)
        if writer is None:
            return None
        writer_region = writer.split(":")[3]
        if writer_region not in reachable:
            return None
        clusters = clients.rds(writer_region).describe_db_clusters(DBClusterIdentifier=writer)
        cluster = clusters["DBClusters"][0]
        scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
        if "MinCapacity" not in scaling:
            return None
        return WriterCapacity(cluster["DBClusterIdentifier"], writer_region,
                              float(scaling["MinCapacity"]), float(scaling["MaxCapacity"]))
    return None


def refuse_lowering_writer(settings: Settings, reachable: Sequence[str],
                           clients: AwsClients | None = None) -> list[str]:
    """Refused when the data layer's settings would lower the writer's live range; a warning
    (returned, to print) when the writer's range cannot be read."""
    try:
        live = writer_capacity(settings, clients or AwsClients(), reachable)
    except (ClientError, BotoCoreError) as error:
        return [f"warning: the Aurora writer's capacity could not be read ({error}); not checked"]
    if live is None:
        return []
    role = "primary" if live.region == settings.primary_region else "secondary"
    low, high = settings.aurora_range(role)
    if low < live.low or high < live.high:
        keep_low, keep_high = max(low, live.low), max(high, live.high)
        raise Refused(
            f"deploying data would lower the serving writer {live.cluster} ({live.region}) from "
            f"{live.low:g}-{live.high:g} to {low:g}-{high:g} ACU; keep it with "
            f"dr:{role}AuroraMinAcu: {keep_low:g} and dr:{role}AuroraMaxAcu: {keep_high:g} in "
            f"stacks/data/Pulumi.{settings.environment}.yaml (that cluster only), or lower the "
            "live range first if that is what you want")
    return []
