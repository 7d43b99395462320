"""Before anything moves: is the target fit, is the move the right one, what would be lost?

All reads run side by side (shared.ops.aws.parallel). The unplanned path reads only the target
region (its RDS, CloudWatch and SSM endpoints), Global Accelerator's API (informational, us-west-2)
and the source's entry point over HTTP (no AWS API): never the source region's AWS endpoints nor
Route 53's control plane in us-east-1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import Prober
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line
from shared.ops.aws.health import Reads, RegionHealth, health_reads, judge
from shared.ops.aws.parallel import attempt, together
from shared.ops.aws.probes import (
    GlobalClusterState,
    LagReading,
    cluster_state,
    global_cluster,
    lag_metric,
    replication_lag,
)
from shared.ops.aws.topology import DrTopology, RegionTopology
from shared.ops.aws.waiting import Timeouts, Waiter, WaitTimedOut
from shared.ops.engines.lost_writes import (
    UnplannedRecord,
    kept_snapshot,
    read_record,
    require_kept,
    unrecorded,
)
from shared.ops.engines.move import PLANNED, FailoverRequest
from shared.ops.engines.objects_caught_up import require_objects_caught_up

RERUN_UNPLANNED = "re-run with --unplanned to fail over allowing data loss"


@dataclass
class Assessment:
    """What the preflight read, and what it means for the move."""

    target: RegionHealth
    source: RegionHealth
    cluster: GlobalClusterState
    lag: LagReading | None
    notes: list[str] = field(default_factory=list)
    lost_writes: UnplannedRecord | None = None  # failback: the unplanned failover it undoes
    lost_writes_verdict: str = ""
    already_promoted: bool = False  # the target already writes: nothing left to lose

    def lag_text(self, region: str) -> str:
        if self.lag is None:
            return f"replication lag unreadable in {region}"
        return f"{self.lag.describe()}, read in {region}"


@dataclass
class Preflight:
    topology: DrTopology
    clients: AwsClients
    prober: Prober
    waiter: Waiter
    timeouts: Timeouts
    echo: Callable[[str], None]

    def checked(self, request: FailoverRequest) -> Assessment:
        """What both engines run before anything moves: the assessment, its notes said, and one
        line (not a traceback) when the target region cannot be read."""
        try:
            seen = self.assess(request)
        except AWS_ERRORS as error:
            raise OpsError(f"preflight could not read the {request.target} region "
                           f"{self.topology.role(request.target).region}: {one_line(error)}") from None
        for note in seen.notes:
            self.echo(f"note: {note}")
        if seen.lost_writes_verdict:
            self.echo(f"unreplicated writes: {seen.lost_writes_verdict}")
        return seen

    def assess(self, request: FailoverRequest) -> Assessment:
        target = self.topology.role(request.target)
        source = self.topology.other(request.target)
        planned = request.mode == PLANNED
        # One task per endpoint, so each client serves one caller at a time: the target's RDS
        # endpoint answers for the global cluster and then for its own cluster.
        tasks: dict[str, Callable[[], Any]] = {"global": lambda: (
            global_cluster(self.clients, self.topology, target.region),
            attempt(lambda: cluster_state(self.clients, target.region, target.cluster_id)))}
        tasks.update(health_reads(self.clients, target, self.prober, self.timeouts.probe,
                                  Reads(cluster=False, route53=planned, accelerator=True)))
        # Unplanned: the source is judged by its entry point alone, never by its region's APIs.
        tasks.update(health_reads(self.clients, source, self.prober, self.timeouts.probe,
                                  Reads(cluster=planned)))
        if request.check_lost_writes:
            tasks["record"] = lambda: read_record(
                self.clients, self.topology.unplanned_record_parameter_name, source.region)
        outcomes = together(tasks, self.timeouts.preflight)
        found = outcomes["global"]
        if not found.ok or found.value is None:
            raise OpsError(f"preflight could not read global cluster {self.topology.global_cluster_id} "
                           f"in {target.region}: {one_line(found.error) if found.error else 'no answer'}")
        cluster: GlobalClusterState = found.value[0]
        outcomes[f"{target.role}:cluster"] = found.value[1]
        seen = Assessment(judge(target, outcomes), judge(source, outcomes), cluster, None)
        seen.notes.extend(seen.target.notes)
        member = cluster.member(target.cluster_arn)
        if member is None:
            raise Refused(f"cluster {target.cluster_id} is not a member of global cluster "
                          f"{self.topology.global_cluster_id}; it cannot be promoted (see invoke status)")
        seen.already_promoted = member.is_writer
        if request.check_lost_writes:  # first: nothing else matters while those writes may expire
            self._lost_writes(request, seen, outcomes["record"])
        if not member.is_writer:
            seen.lag = self._lag(target, cluster)
        self._judge_target(request, seen)
        if not member.is_writer:
            if planned:
                self._planned_ready(request, seen, target, source)
            else:
                self._unplanned_needed(request, seen, source)
            if member.synchronization == "pending-resync" and not request.force:
                seen.cluster = self._resynchronised(request, target, seen.cluster)
            if request.require_caught_up:
                seen.lag = self._require_caught_up(request, target, cluster, seen.lag)
        if request.require_caught_up:  # the objects too, whoever writes the database now
            seen.notes.append(require_objects_caught_up(self.clients, self.topology, request, self.waiter,
                                                        self.timeouts, self.echo))
        return seen

    def _lag(self, side: RegionTopology, cluster: GlobalClusterState) -> LagReading | None:
        try:
            return replication_lag(self.clients, side.region, side.cluster_id,
                                   metric=lag_metric(cluster.engine))
        except AWS_ERRORS:
            return None

    def _judge_target(self, request: FailoverRequest, seen: Assessment) -> None:
        if seen.target.healthy:
            return
        target = seen.target
        message = f"{request.target} region {target.region} is unhealthy: {'; '.join(target.reasons)}"
        if not request.force:
            raise Refused(f"{message}; fix it first, or rerun with --force to move anyway")
        self.echo(f"warning: {message}; going on because of --force")

    def _unplanned_needed(self, request: FailoverRequest, seen: Assessment, source: RegionTopology) -> None:
        """An unplanned failover loses writes: refuse it while the writer's region serves."""
        if seen.cluster.writer_arn != source.cluster_arn or not seen.source.healthy:
            return
        answer = seen.source.entry.describe() if seen.source.entry else "?"
        message = (f"the writer's region {source.region} answers and is healthy ({answer}); an unplanned "
                   f"failover would lose the writes not yet replicated ({seen.lag_text(seen.target.region)})")
        if not request.force:
            raise Refused(f"{message}; use a planned failover (no data loss), or rerun with --force")
        self.echo(f"warning: {message}; going on because of --force")

    def _planned_ready(self, request: FailoverRequest, seen: Assessment, target: RegionTopology,
                       source: RegionTopology) -> None:
        """A switchover needs both clusters answering, the same engine version and a quiet global cluster."""
        if seen.source.cluster is None:
            why = "; ".join(r for r in seen.source.reasons if "cluster" in r) or "no answer"
            raise Refused(f"a planned switchover needs both regions, but {source.region} does not answer "
                          f"({why}); {RERUN_UNPLANNED}")
        versions = {target.cluster_id: seen.target.cluster.engine_version if seen.target.cluster else "?",
                    source.cluster_id: seen.source.cluster.engine_version}
        if len(set(versions.values())) != 1:
            listed = ", ".join(f"{name} {version}" for name, version in versions.items())
            # Not --unplanned: Aurora's managed failover needs the same major, minor and patch level
            # too (AmazonRDS/latest/AuroraUserGuide/aurora-global-database-upgrade.html).
            raise Refused(f"a switchover needs the same engine version in both clusters ({listed}); upgrade "
                          "the older one first (a managed failover, --unplanned, needs the same versions "
                          "too; with the writer's region lost, detach and promote the secondary by hand)")
        if seen.cluster.status == "available" and not seen.cluster.failover:
            return

        def quiet() -> tuple[bool, str]:
            cluster = seen.cluster = global_cluster(self.clients, self.topology, target.region)
            busy = f", {cluster.failover.get('Status')} under way" if cluster.failover else ""
            quiet_now = cluster.status == "available" and not cluster.failover
            return quiet_now, f"global cluster {cluster.status}{busy}"

        try:
            self.waiter.until(f"global cluster {self.topology.global_cluster_id} to be available", quiet,
                              self.timeouts.planned_ready)
        except WaitTimedOut as error:
            raise Refused(f"a planned switchover cannot start: {error}; {RERUN_UNPLANNED}") from None

    def _resynchronised(self, request: FailoverRequest, target: RegionTopology,
                        cluster: GlobalClusterState) -> GlobalClusterState:
        """A member rebuilt after a failover is `pending-resync` for a while: a drill waits for it
        (bounded, printed); any other move refuses and says to wait."""
        message = f"cluster {target.cluster_id} is resynchronising with the writer"
        if not request.catch_up_wait:
            raise Refused(f"{message}; wait for it (invoke status), or rerun with --force")

        def resynchronised() -> tuple[bool, str]:
            nonlocal cluster
            cluster = global_cluster(self.clients, self.topology, target.region)
            member = cluster.member(target.cluster_arn)
            state = member.synchronization if member else "not a member"
            return state != "pending-resync", f"{target.cluster_id} {state}"

        try:
            self.waiter.until(f"{target.cluster_id} to resynchronise", resynchronised, self.timeouts.catch_up)
        except WaitTimedOut as error:
            raise Refused(f"{message}: {error}; wait for it (invoke status), or rerun with --force") from None
        return cluster

    def _require_caught_up(self, request: FailoverRequest, target: RegionTopology,
                           cluster: GlobalClusterState, lag: LagReading | None) -> LagReading | None:
        limit = self.topology.replication_lag_limit_seconds

        def verdict(reading: LagReading | None) -> tuple[bool, str]:
            if reading is None or reading.latest_seconds is None:
                return False, f"no {target.cluster_id} replication lag datapoints in the last 10 minutes"
            return reading.latest_seconds <= limit, f"lag {reading.latest_seconds:.1f} s (limit {limit} s)"

        def caught_up() -> tuple[bool, str]:
            nonlocal lag
            lag = self._lag(target, cluster)
            return verdict(lag)

        # The preflight has just read the lag: judge that reading before polling again.
        done, seen = verdict(lag)
        if done:
            return lag
        if request.catch_up_wait:
            try:
                self.waiter.until(f"{target.cluster_id} to catch up", caught_up, self.timeouts.catch_up)
                return lag
            except WaitTimedOut as error:
                seen = str(error)
        message = (f"{request.target} cluster {target.cluster_id} has not caught up: {seen} "
                   f"(dr:replicationLagAlarmSeconds)")
        if not request.force:
            raise Refused(f"{message}; wait and retry, or rerun with --force")
        self.echo(f"warning: {message}; going on because of --force")
        return lag

    def _lost_writes(self, request: FailoverRequest, seen: Assessment, read: Any) -> None:
        if not read.ok:
            raise OpsError(f"cannot read the unplanned-failover record "
                           f"{self.topology.unplanned_record_parameter_name}: {one_line(read.error)}")
        record: UnplannedRecord | None = read.value
        target, source = self.topology.role(request.target), self.topology.other(request.target)
        # No record: the failover may still have left writes behind (its run never wrote the
        # record): the cluster failback makes the writer again is looked at for Aurora's snapshot.
        looked = record or unrecorded(target.cluster_id, target.region, source.region)
        retention = seen.target.cluster.backup_retention_days if seen.target.cluster else 0
        try:
            snapshot = kept_snapshot(self.clients, looked)
        except AWS_ERRORS as error:
            raise OpsError(f"cannot look for the {looked.snapshot_prefix}* snapshot in {looked.old_region}: "
                           f"{one_line(error)}") from None
        if record is None and snapshot is None:
            return
        record = looked
        seen.lost_writes = record
        seen.lost_writes_verdict = require_kept(record, snapshot, request.ack_snapshot, retention)
