"""Bring a standing-by region up before it is promoted (dr:strategy, shared/strategy.py).

A pilot light's secondary Aurora cluster is headless: storage replicated, no DB instance, so
nothing could take the writer role. A warm standby's runs below a serving writer's capacity.
This step, run before the fence and the promotion, gives the activating region's cluster a
db.serverless instance (and waits for it to be `available`) and raises its Serverless v2
minimum to `serving_min_acu`. The functions, APIs and load balancers are never scaled down by
any strategy (Lambda bills per use; the NLB and its health check are what Global Accelerator
and Route 53 judge the region by), so there is nothing else to re-enable.

Every call goes to the activating region only, so it works with the other region gone.
AWS: a headless secondary gets an instance with CreateDBInstance naming the cluster ("Creating
a headless Aurora DB cluster in a secondary Region", Aurora User Guide); the Serverless v2
range is the cluster's ServerlessV2ScalingConfiguration, changed in place by ModifyDBCluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.topology import BROUGHT_UP_SUFFIX, DrTopology, RegionTopology
from shared.strategy import HOT_STANDBY, PILOT_LIGHT

ENGINE, INSTANCE_CLASS = "aurora-postgresql", "db.serverless"
# Not the data layer's `<cluster>-1`: switching the environment to hot standby later must not
# collide with the instance a failover created.
INSTANCE_SUFFIX = BROUGHT_UP_SUFFIX


@dataclass
class BringUp:
    """Check and act of the `bring-up` step for one activating region."""

    topology: DrTopology
    clients: AwsClients
    target: RegionTopology

    @property
    def needed(self) -> bool:
        # Hot standby: both regions already run what a writer needs.
        return self.topology.strategy != HOT_STANDBY

    @property
    def instance_id(self) -> str:
        return f"{self.target.cluster_id}{INSTANCE_SUFFIX}"

    @property
    def title(self) -> str:
        acu = self.topology.serving_min_acu
        raise_to = f", minimum capacity {acu:g} ACU" if acu else ""
        return (f"{self.target.cluster_id} ({self.topology.strategy}) with an available "
                f"{INSTANCE_CLASS} instance{raise_to}")

    def _cluster(self) -> dict[str, Any]:
        rds = self.clients.rds(self.target.region)
        [cluster] = rds.describe_db_clusters(DBClusterIdentifier=self.target.cluster_id)["DBClusters"]
        return dict(cluster)

    def _instances(self, cluster: dict[str, Any]) -> dict[str, str]:
        """Instance identifier -> status, of the cluster's members."""
        rds = self.clients.rds(self.target.region)
        members = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])]
        if not members:
            return {}
        found = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id",
                                                     "Values": [self.target.cluster_id]}])
        return {i["DBInstanceIdentifier"]: i["DBInstanceStatus"] for i in found["DBInstances"]}

    def _capacity_short(self, cluster: dict[str, Any]) -> bool:
        # serving_min_acu is the deployed secondary's serving minimum (the data layer's contract);
        # the primary stands by at its own range, which a failback must not raise behind the stack.
        if self.target.role != "secondary":
            return False
        wanted = self.topology.serving_min_acu
        scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
        return bool(wanted) and float(scaling.get("MinCapacity", 0)) < float(wanted or 0)

    def check(self) -> tuple[bool, str]:
        cluster = self._cluster()
        instances = self._instances(cluster)
        scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
        seen = (", ".join(f"{name} {status}" for name, status in instances.items()) or "headless")
        seen += f", min capacity {scaling.get('MinCapacity', '?')} ACU"
        ready = "available" in instances.values() and not self._capacity_short(cluster)
        return ready, seen

    def act(self) -> None:
        rds = self.clients.rds(self.target.region)
        cluster = self._cluster()
        if self._capacity_short(cluster):
            # Raised first: the new instance then starts at the serving capacity.
            scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
            wanted = float(self.topology.serving_min_acu or 0)
            rds.modify_db_cluster(DBClusterIdentifier=self.target.cluster_id, ApplyImmediately=True,
                                  ServerlessV2ScalingConfiguration={
                                      "MinCapacity": wanted,
                                      "MaxCapacity": max(float(scaling.get("MaxCapacity", wanted)), wanted)})
        if not self._instances(cluster):
            rds.create_db_instance(DBInstanceIdentifier=self.instance_id,
                                   DBClusterIdentifier=self.target.cluster_id,
                                   DBInstanceClass=INSTANCE_CLASS, Engine=ENGINE,
                                   PubliclyAccessible=False, AutoMinorVersionUpgrade=False,
                                   Tags=[{"Key": "Environment", "Value": self.topology.environment},
                                         {"Key": "CreatedBy", "Value": "dr-failover-bring-up"}])


def left_standing(topology: DrTopology, standby: RegionTopology) -> str | None:
    """What a failback leaves running in the region going back to standby: the failover raised it
    and nothing lowers it again automatically (the next failover would need it at once)."""
    if standby.role != "secondary" or topology.strategy == HOT_STANDBY:
        return None
    if topology.strategy == PILOT_LIGHT:
        instance = f"{standby.cluster_id}{INSTANCE_SUFFIX}"
        return (f"dr:strategy pilot-light: {standby.cluster_id} keeps the instance the failover gave it "
                f"({instance}), billed as compute; to stand by headless again: aws rds delete-db-instance "
                f"--region {standby.region} --db-instance-identifier {instance}")
    return (f"dr:strategy {topology.strategy}: {standby.cluster_id} keeps the minimum capacity the "
            "failover raised; the next `invoke deploy --layer data` sets the standby range back")
