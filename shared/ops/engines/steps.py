"""The failover sequence as small units: each step reads AWS (`check`), acts only when the end
state is not there yet (`act`), and says what an operator does by hand when it cannot be done.

Phases run in order; the steps inside one phase do not depend on each other and run side by
side. The same units are what an ARC Region switch plan would execute; this is the client side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.ops.aws.authority import DRAIN_SECONDS, activate, read_in, try_read
from shared.ops.aws.clients import GA_API_REGION, AwsClients
from shared.ops.aws.fence import OPEN, fence_value, set_fence
from shared.ops.aws.probes import (
    GlobalClusterState,
    accelerator_status,
    endpoint_group,
    global_cluster,
    parameter_value,
    short_id,
)
from shared.ops.aws.topology import DrTopology, RegionTopology
from shared.ops.aws.waiting import Timeouts
from shared.ops.engines.bring_up import BringUp
from shared.ops.engines.fence_step import FenceStep
from shared.ops.engines.lost_writes import UnplannedRecord, delete_record, read_record, write_record
from shared.ops.engines.move import PLANNED, FailoverRequest
from shared.ops.engines.preflight import RERUN_UNPLANNED, Assessment
from shared.ops.engines.state import utc_now

Check = Callable[[], tuple[bool, str]]


@dataclass
class Step:
    name: str
    title: str
    check: Check
    act: Callable[[], None]
    timeout: float
    # When set and the step cannot be done (unplanned: Global Accelerator's API unreachable), the
    # run goes on and the report carries these instructions instead of failing.
    by_hand: Callable[[], str] | None = None
    hint: str = ""  # what to do when it fails or times out


def bring_up_step(topology: DrTopology, clients: AwsClients, target: RegionTopology,
                  timeouts: Timeouts) -> Step | None:
    """The `bring-up` step of a region standing by as a pilot light or warm standby, else None."""
    up = BringUp(topology, clients, target)
    return Step("bring-up", up.title, up.check, up.act, timeouts.database) if up.needed else None


@dataclass
class Moves(FenceStep):
    topology: DrTopology
    clients: AwsClients
    request: FailoverRequest
    seen: Assessment
    timeouts: Timeouts
    echo: Callable[[str], None]
    sleep: Callable[[float], None] = time.sleep
    # How long the source may go on writing once its replica holds the record that stops it
    # (handlers/authority.py: its last good read stands in that long while reads fail).
    drain_seconds: float = DRAIN_SECONDS
    fence_note: str = ""  # what the fence step did about that bound, for the report
    _fence_failed: bool = False  # unplanned: the source answered but its fence could not be read or written
    _at: str = field(default_factory=utc_now)  # when the unplanned failover happened
    # What each step's check last read; its action works from that instead of reading again.
    _cluster_seen: GlobalClusterState | None = None
    _dials_seen: dict[str, float] = field(default_factory=dict)
    @property
    def source_reachable(self) -> bool:
        """Planned: both regions answer (the preflight made sure). Unplanned: only if its entry answered."""
        return not self.unplanned or self.seen.source.answers

    def fence(self) -> Step:
        title, check, act = self.fence_parts()
        return Step("fence", title, check, act, self.timeouts.parameter)

    def phases(self) -> list[list[Step]]:
        phases = [[self.fence()], [self.database()], [self.traffic(), self.parameter()]]
        if self.unplanned:
            phases.append([self.record()])
        if self.request.restore_deployed_dials:  # failback: back to the deployed shape
            phases.append([self.reopen()])
        up = bring_up_step(self.topology, self.clients, self.target, self.timeouts)
        if up:  # a pilot light or warm standby is brought up before anything moves
            phases.insert(0, [up])
        return phases

    # --- database: the target's cluster becomes the writer ---

    def database(self) -> Step:
        verb = "switchover" if not self.unplanned else "failover allowing data loss"
        return Step("database", f"{self.target.cluster_id} to become the writer ({verb})",
                    self.database_settled, self._promote, self.timeouts.database,
                    hint=RERUN_UNPLANNED if self.request.mode == PLANNED else "")

    def database_settled(self) -> tuple[bool, str]:
        cluster = self._cluster_seen = global_cluster(self.clients, self.topology, self.target.region)
        seen = f"writer {short_id(cluster.writer_arn or 'none')}, global cluster {cluster.status}"
        if cluster.failover:
            towards = short_id(str(cluster.failover.get("ToDbClusterArn")))
            seen += f", {cluster.failover.get('Status')} to {towards}"
        return cluster.settled_with_writer(self.target.cluster_arn), seen

    def _promote(self) -> None:
        target = self.target
        cluster = self._cluster_seen or global_cluster(self.clients, self.topology, target.region)
        running = cluster.failover
        if running and running.get("ToDbClusterArn") == target.cluster_arn:
            if not self.unplanned or running.get("IsDataLossAllowed"):
                self.echo("    an Aurora operation towards it is already under way; waiting for it")
                return
            # A switchover waits for the old primary to sync, which a lost region never does.
            self.echo(f"    a switchover towards it is {running.get('Status')}: failing over allowing data "
                      "loss instead of waiting for it")
        # Calls go to the target's region: in an unplanned failover the source may be unreachable.
        rds = self.clients.rds(target.region)
        if not self.unplanned:
            rds.switchover_global_cluster(GlobalClusterIdentifier=self.topology.global_cluster_id,
                                          TargetDbClusterIdentifier=target.cluster_arn)
        else:
            rds.failover_global_cluster(GlobalClusterIdentifier=self.topology.global_cluster_id,
                                        TargetDbClusterIdentifier=target.cluster_arn, AllowDataLoss=True)

    # --- traffic: Global Accelerator's dials (its API is in us-west-2) ---

    def desired_dials(self) -> list[tuple[RegionTopology, float]]:
        if self.request.restore_deployed_dials:
            return [(self.target, self.target.deployed_dial), (self.source, self.source.deployed_dial)]
        # Target first: raising it before lowering the source never leaves users without a region.
        return [(self.target, 100.0), (self.source, 0.0)]

    def traffic(self) -> Step:
        dials = self.desired_dials()
        return Step("traffic", "traffic dials " + ", ".join(f"{s.region} {d:g}%" for s, d in dials),
                    self.dials_settled, self._turn_dials, self.timeouts.traffic,
                    by_hand=self._dials_by_hand if self.unplanned else None)

    def dials_settled(self) -> tuple[bool, str]:
        dials = self.desired_dials()
        seen = {side.region: endpoint_group(self.clients, side.endpoint_group_arn).dial for side, _ in dials}
        self._dials_seen = seen
        text = ", ".join(f"{region} {dial:g}%" for region, dial in seen.items())
        if not all(seen[side.region] == dial for side, dial in dials):
            return False, text
        # IN_PROGRESS: the edge locations have not all applied the change yet.
        status = accelerator_status(self.clients, self.topology)
        return status == "DEPLOYED", f"{text}, accelerator {status}"

    def _turn_dials(self) -> None:
        ga = self.clients.globalaccelerator()
        for side, dial in self.desired_dials():
            if self._dials_seen.get(side.region) != dial:
                ga.update_endpoint_group(EndpointGroupArn=side.endpoint_group_arn, TrafficDialPercentage=dial)

    def _dials_by_hand(self) -> str:
        commands = "; ".join(
            f"aws globalaccelerator update-endpoint-group --region {GA_API_REGION} --endpoint-group-arn "
            f"{side.endpoint_group_arn} --traffic-dial-percentage {dial:g}"
            for side, dial in self.desired_dials())
        return (f"set the traffic dials when Global Accelerator's API ({GA_API_REGION}) answers: rerun this "
                f"command, or {commands}; meanwhile the accelerator already sends no traffic to endpoints "
                "its health checks see as unhealthy")

    # --- parameter: the authority record names the target (it writes from now on), and the
    # active-region parameter applications may read follows it ---

    def parameter_regions(self) -> list[RegionTopology]:
        return [self.target] if self.unplanned else [self.target, self.source]

    def parameter(self) -> Step:
        name = self.topology.active_region_parameter_name
        sides = self.parameter_regions()
        where = " and ".join(side.region for side in sides)
        return Step("parameter", f"authority: {self.target.region} writes; {name} = {self.target.region} "
                                 f"in {where}", self.parameters_settled, self._write_parameters,
                    self.timeouts.parameter)

    def parameters_settled(self) -> tuple[bool, str]:
        record = read_in(self.clients, self.topology, self.target.region)
        name, value = self.topology.active_region_parameter_name, self.target.region
        seen = {side.region: parameter_value(self.clients, side.region, name)
                for side in self.parameter_regions()}
        ok = record.active_region == value and all(v == value for v in seen.values())
        return ok, f"authority {record.describe()}; " + ", ".join(f"{r}={v}" for r, v in seen.items())

    def _write_parameters(self) -> None:
        # The record first, in the target: from here on the target's functions take writes.
        seen = [try_read(self.clients, self.topology, side.region) for side in self.topology.regions
                if side is self.target or not self.unplanned]
        activate(self.clients, self.topology, self.target.region, seen,
                           f"{self.request.operation} ({self.request.mode})")
        name, value = self.topology.active_region_parameter_name, self.target.region
        for side in self.parameter_regions():
            if parameter_value(self.clients, side.region, name) != value:
                self.clients.ssm(side.region).put_parameter(Name=name, Value=value, Overwrite=True)

    # --- record (unplanned): what failback must settle before it rebuilds the old primary ---

    def unplanned_record(self) -> UnplannedRecord:
        return UnplannedRecord(self.source.cluster_id, self.source.region, self.target.region, self._at)

    def record(self) -> Step:
        name = self.topology.unplanned_record_parameter_name

        def check() -> tuple[bool, str]:
            found = read_record(self.clients, name, self.target.region)
            if found is not None:
                self._at = found.at  # a rerun keeps the first failover's time
            ok = found is not None and found.old_cluster_id == self.source.cluster_id
            return ok, f"{name} in {self.target.region}: " + ("recorded" if ok else "missing")

        return Step("record", f"{name} in {self.target.region} (the writes left behind)", check,
                    lambda: write_record(self.clients, name, self.unplanned_record()),
                    self.timeouts.parameter)

    # --- reopen (failback): both regions take writes again, the unplanned record is settled ---

    def reopen(self) -> Step:
        name = self.topology.writes_enabled_parameter_name
        record = self.topology.unplanned_record_parameter_name

        def check() -> tuple[bool, str]:
            seen = {side.region: fence_value(self.clients, side.region, name)
                    for side in self.topology.regions}
            left = read_record(self.clients, record, self.source.region)
            ok = all(v == OPEN for v in seen.values()) and left is None
            text = ", ".join(f"{r}={v}" for r, v in seen.items())
            return ok, text + (", unplanned record left" if left else "")

        def act() -> None:
            for side in self.topology.regions:
                set_fence(self.clients, side.region, name, OPEN)
            delete_record(self.clients, record, self.source.region)

        return Step("reopen", f"{name} = {OPEN} in both regions", check, act, self.timeouts.parameter)

