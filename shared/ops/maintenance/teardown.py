"""Before a destroy of the data layer: the global database's roles as AWS has them now.

Pulumi deletes in the order the program declares: the secondary's instance first, the
secondary cluster, then the primary's instance and cluster, the global cluster last. After a
failover or a drill the deployed secondary is the writer, and its instance is then the last
instance of the global database's primary cluster while the old primary still replicates from
it: AWS refuses to delete it (InvalidDBClusterStateFault) and the destroy stops half-way. Taking
the reader out of the global cluster first (it becomes a standalone cluster the destroy deletes
later) leaves the writer as the only member, which is the state Pulumi's order handles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from shared.naming import physical_name
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line
from shared.ops.aws.topology import BROUGHT_UP_SUFFIX
from shared.ops.aws.waiting import Timeouts, Waiter, WaitTimedOut
from shared.settings import Settings

# FailoverState.Status while a switchover or failover is still moving the writer.
_MOVING = ("pending", "failing-over", "cancelling")
_CLUSTER_MOVING = ("switching-over", "failing-over")


@dataclass(frozen=True)
class Member:
    arn: str
    writer: bool

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]


def global_cluster_id(environment: str) -> str:
    """The physical name GlobalDatabase gives the global cluster."""
    return physical_name("aurora", environment)


def prepare_global_database_destroy(clients: AwsClients, environment: str, primary_region: str,
                                    secondary_region: str, waiter: Waiter | None = None,
                                    timeout: float = Timeouts().database,
                                    echo: Callable[[str], None] = print) -> list[str]:
    """Detaches the readers when the deployed secondary is the writer; the clusters it detached.

    Refuses while a switchover or failover is under way, and when neither region answers
    (a destroy then would stop half-way with the database in an unknown state)."""
    identifier = global_cluster_id(environment)
    found = _describe(clients, identifier, (primary_region, secondary_region), environment)
    if found is None:
        return []
    state = found.get("FailoverState") or {}
    # A switchover shows in the global cluster's own Status ("switching-over"), a failover in both.
    moving = state.get("Status") if state.get("Status") in _MOVING else (
        found.get("Status") if found.get("Status") in _CLUSTER_MOVING else None)
    if moving:
        raise Refused(
            f"the global database {identifier} is {moving} (to "
            f"{state.get('ToDbClusterArn', '?')}): nothing destroyed; wait until it completes "
            f"(invoke status --env {environment}), then re-run invoke destroy-all --env {environment}")
    members = [Member(m["DBClusterArn"], bool(m.get("IsWriter")))
               for m in found.get("GlobalClusterMembers", [])]
    writer = next((m for m in members if m.writer), None)
    if writer is None or writer.region == primary_region:
        return []
    writer_region = writer.region
    readers = [m for m in members if not m.writer]
    for reader in readers:
        echo(f"the writer of {identifier} is in {writer_region} (after a failover): taking "
             f"{reader.arn} out of the global database so the destroy can delete the writer's instance")
        try:
            clients.rds(reader.region).remove_from_global_cluster(
                GlobalClusterIdentifier=identifier, DbClusterIdentifier=reader.arn)
        except AWS_ERRORS as error:
            raise OpsError(
                f"could not take {reader.arn} out of {identifier} ({one_line(error)}): nothing "
                f"destroyed; fail back first (invoke failback --env {environment}), then re-run "
                f"invoke destroy-all --env {environment}") from None
    wait = waiter or Waiter(echo=echo)
    for reader in readers:
        try:
            wait.until(f"{reader.arn} out of {identifier}",
                       partial(_detached, clients, identifier, writer_region, reader), timeout)
        except WaitTimedOut as error:
            raise OpsError(f"{error}: nothing destroyed; re-run invoke destroy-all --env "
                           f"{environment} once it is a standalone cluster") from None
    return [reader.arn for reader in readers]


def remove_brought_up_instances(clients: AwsClients, environment: str, regions: tuple[str, str],
                                waiter: Waiter | None = None, timeout: float = Timeouts().database,
                                echo: Callable[[str], None] = print) -> list[str]:
    """Deletes the instances a pilot light's failover gave its cluster (`<cluster>-up`,
    shared/ops/engines/bring_up.py), which no stack holds: AWS deletes a cluster only once all its
    instances are gone ("first delete all DB instances inside the cluster", AWS knowledge center
    rds-error-delete-aurora-cluster), so the destroy of data would stop at that cluster. Waits
    until they are gone; the instances it deleted."""
    deleted: list[tuple[str, str, str]] = []  # (region, cluster, instance)
    for region in regions:
        cluster = physical_name("aurora", environment, region)
        rds = clients.rds(region)
        try:
            [found] = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"]
        except rds.exceptions.DBClusterNotFoundFault:
            continue
        for member in found.get("DBClusterMembers", []):
            instance = str(member["DBInstanceIdentifier"])
            if instance == f"{cluster}{BROUGHT_UP_SUFFIX}":
                echo(f"deleting {instance}, the instance a failover gave {cluster} (in no stack), so "
                     "the destroy can delete the cluster")
                rds.delete_db_instance(DBInstanceIdentifier=instance)
                deleted.append((region, cluster, instance))
    wait = waiter or Waiter(echo=echo)
    for region, cluster, instance in deleted:
        try:
            wait.until(f"{instance} deleted", partial(_instance_gone, clients, region, cluster, instance),
                       timeout)
        except WaitTimedOut as error:
            raise OpsError(f"{error}: nothing destroyed; re-run invoke destroy-all --env {environment} "
                           "once it is gone") from None
    return [instance for _, _, instance in deleted]


def before_data_destroy(settings: Settings, clients: AwsClients | None = None) -> list[str]:
    """What `invoke destroy-all` runs before destroying the data layer. A protected environment
    keeps its clusters and instances (retain_on_delete): Pulumi deletes none of them."""
    if settings.protect_data:
        return []
    clients = clients or AwsClients()
    detached = prepare_global_database_destroy(clients, settings.environment, settings.primary_region,
                                               settings.secondary_region)
    return detached + remove_brought_up_instances(clients, settings.environment, settings.regions)


def _describe(clients: AwsClients, identifier: str, regions: tuple[str, str],
              environment: str) -> dict[str, Any] | None:
    """The global cluster as the first region that answers sees it; None if there is none."""
    failures = []
    for region in regions:
        rds = clients.rds(region)
        try:
            found = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"]
        except rds.exceptions.GlobalClusterNotFoundFault:
            return None
        except AWS_ERRORS as error:
            failures.append(f"{region}: {one_line(error)}")
            continue
        return found[0] if found else None
    raise OpsError(f"cannot read the global database {identifier} in either region "
                   f"({'; '.join(failures)}): nothing destroyed; re-run invoke destroy-all "
                   f"--env {environment} when a region answers")


def _detached(clients: AwsClients, identifier: str, writer_region: str,
              reader: Member) -> tuple[bool, str]:
    found = clients.rds(writer_region).describe_global_clusters(
        GlobalClusterIdentifier=identifier)["GlobalClusters"]
    members = {m["DBClusterArn"] for g in found for m in g.get("GlobalClusterMembers", [])}
    if reader.arn in members:
        return False, "still a member"
    # A detached secondary is promoted to a standalone writer; its instance can be deleted
    # only once that is done.
    cluster = clients.rds(reader.region).describe_db_clusters(
        DBClusterIdentifier=reader.arn)["DBClusters"][0]
    status = str(cluster.get("Status", "?"))
    return status == "available", f"detached, cluster {status}"


def _instance_gone(clients: AwsClients, region: str, cluster: str, instance: str) -> tuple[bool, str]:
    found = clients.rds(region).describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [cluster]}])["DBInstances"]
    status = next((i["DBInstanceStatus"] for i in found if i["DBInstanceIdentifier"] == instance), None)
    return status is None, f"{instance} {status or 'gone'}"
