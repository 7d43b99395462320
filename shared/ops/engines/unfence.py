"""Clearing a stuck move: the authority record says a move is under way (nobody writes) but no
move runs any more (a failed plan execution, an interrupted `invoke failover`, a rolled-back
switchover whose rollback could not be written).

The writer is confirmed from Aurora before anything changes: the region whose cluster is the
global database's writer, with no switchover or failover under way, is the one the record is
given back to (generation + 1, written in that region first, like every move). Nothing is
written while another DR operation holds the lock, a Region switch execution is under way,
Aurora is still moving, or the writer's own replica cannot be read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from shared.ops.aws.authority import RegionRecord, activate, newest, try_read
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line
from shared.ops.aws.fence import OPEN, set_fence
from shared.ops.aws.probes import GlobalClusterState, global_cluster, short_id
from shared.ops.aws.region_switch import executions_under_way
from shared.ops.aws.topology import DrTopology
from shared.ops.engines.lock import OperationLock
from shared.ops.engines.state import utc_now


def _writer(clients: AwsClients, topology: DrTopology, first: str) -> tuple[str, GlobalClusterState]:
    """(the writer's region, the global cluster) as the first region that answers describes it."""
    regions = [first] + [side.region for side in topology.regions if side.region != first]
    errors = []
    for region in regions:
        try:
            cluster = global_cluster(clients, topology, region)
            break
        except (*AWS_ERRORS, LookupError) as error:
            errors.append(f"{region}: {one_line(error)}")
    else:
        raise OpsError(f"the global database cannot be read in either region ({'; '.join(errors)}): the "
                       "writer cannot be confirmed, nothing changed")
    if cluster.failover:
        towards = short_id(str(cluster.failover.get("ToDbClusterArn")))
        raise Refused(f"Aurora is still moving the writer ({cluster.failover.get('Status')} to {towards}): "
                      "the move is not stuck; let it finish (rerun invoke failover), nothing changed")
    writer = next((side.region for side in topology.regions if side.cluster_arn == cluster.writer_arn), None)
    if writer is None:
        raise OpsError(f"no cluster of {topology.global_cluster_id} is its writer "
                       f"({short_id(cluster.writer_arn or 'none')}): nothing changed")
    return writer, cluster


def _no_plan_execution(clients: AwsClients, topology: DrTopology, region: str) -> None:
    """A Region switch execution started from the console takes no operation lock: its own
    record (in the region it activates, where it runs) says whether the move still runs."""
    if not topology.plan_arn:
        return
    try:
        running = executions_under_way(clients, topology.plan_arn, region)
    except AWS_ERRORS as error:
        raise OpsError(f"the Region switch plan's executions cannot be read in {region} "
                       f"({one_line(error)}): a running move cannot be ruled out; nothing changed") from None
    if running:
        found = running[0]
        raise Refused(f"plan execution {found.get('executionId')} is {found.get('executionState')} in "
                      f"{region}: the move is not stuck; let it finish or cancel it first, nothing changed")


def unfence(topology: DrTopology, clients: AwsClients, echo: Callable[[str], None]) -> str:
    """Give a stuck move's record back to the database's writer; what was done, as one line."""
    seen = [try_read(clients, topology, side.region, quick=True) for side in topology.regions]
    current = newest(*seen)
    if current is None:
        raise OpsError("the authority record cannot be read in either region ("
                       + "; ".join(found.describe() for found in seen) + "): nothing changed")
    if current.active_region:
        return f"nothing to clear: {current.describe()}"
    _no_plan_execution(clients, topology, current.moving_to or topology.primary.region)
    writer, cluster = _writer(clients, topology, current.moving_to or topology.primary.region)
    mine = next(found for found in seen if found.region == writer)
    if mine.record is None:
        raise OpsError(f"the writer's region {writer} cannot read its authority record ({mine.error}): "
                       "the record is written there first; nothing changed")
    lock = OperationLock(clients, topology.lock_parameter_name, f"unfence-{uuid.uuid4().hex[:8]}",
                         f"unfence towards {writer}", utc_now())
    lock.acquire([writer], break_lock=False, echo=echo)
    try:
        record = activate(clients, topology, writer, [RegionRecord(r.region, r.record) for r in seen
                                                      if r.record is not None], "invoke unfence")
        set_fence(clients, writer, topology.writes_enabled_parameter_name, OPEN)
    finally:
        lock.release_or_warn(echo)
    return (f"cleared the stuck move ({current.describe()}): {record.describe()}, the database writer "
            f"({short_id(str(cluster.writer_arn))}); writes resume there within "
            "the functions' refresh (about 5 s)")
