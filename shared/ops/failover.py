"""Failover and failback: promote the target's Aurora cluster, move the Global Accelerator
traffic dials, flip the active-region parameter, verify, and time every step.

Each step first reads AWS: a step already in its end state is reported as such and skipped,
so a rerun is harmless. Progress is saved after each step (shared.ops.state); a rerun after a
failure says where it resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.ops.clients import AwsClients
from shared.ops.errors import OpsError, Refused, StepFailed
from shared.ops.probes import (
    AWS_ERRORS,
    GlobalClusterState,
    LagReading,
    accelerator_status,
    endpoint_group,
    global_cluster,
    one_line,
    parameter_value,
    region_health,
    replication_lag,
    short_id,
)
from shared.ops.state import RunState, StateStore, StepRecord
from shared.ops.topology import DrTopology, RegionTopology
from shared.ops.waiting import Timeouts, Waiter, WaitTimedOut

PLANNED, UNPLANNED = "planned", "unplanned"
STEPS = ("database", "traffic", "parameter")


@dataclass(frozen=True)
class FailoverRequest:
    target: str  # region role that should serve afterwards: primary or secondary
    mode: str = PLANNED
    force: bool = False  # go on although the target region looks unhealthy or lags
    operation: str = "failover"  # failover or failback: the name in messages and reports
    # failback: the old primary must have caught up, and the deployed dials come back.
    require_caught_up: bool = False
    restore_deployed_dials: bool = False
    catch_up_wait: bool = False  # wait (Timeouts.catch_up) for the lag instead of refusing


@dataclass
class FailoverResult:
    environment: str
    operation: str
    mode: str
    source_region: str
    target_region: str
    steps: list[StepRecord]
    resumed_from: str | None
    lag_before: LagReading | None
    verification: list[str] = field(default_factory=list)

    @property
    def recovery_seconds(self) -> float:
        """Measured recovery time: every step's time, an earlier interrupted attempt's included."""
        return round(sum(step.seconds for step in self.steps), 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "operation": self.operation, "mode": self.mode,
            "source_region": self.source_region, "target_region": self.target_region,
            "resumed_from": self.resumed_from, "recovery_seconds": self.recovery_seconds,
            "lag_before_seconds": None if self.lag_before is None else {
                "latest": self.lag_before.latest_seconds, "max": self.lag_before.max_seconds},
            "steps": [{"name": s.name, "outcome": s.outcome, "seconds": s.seconds, "detail": s.detail}
                      for s in self.steps],
            "verification": self.verification,
        }

    def render(self) -> str:
        width = max(len(s.name) for s in self.steps)
        lines = [f"{'step'.ljust(width)}  {'outcome':<13} seconds"]
        lines.extend(f"{s.name.ljust(width)}  {s.outcome:<13} {s.seconds:>7.1f}" for s in self.steps)
        parts = " + ".join(f"{s.name} {s.seconds:.1f}" for s in self.steps)
        lines.append(f"recovery time: {self.recovery_seconds:.1f} s ({parts})")
        return "\n".join(lines)


@dataclass
class _Step:
    name: str
    title: str
    check: Callable[[], tuple[bool, str]]
    act: Callable[[], None]
    timeout: float


class Failover:
    def __init__(self, topology: DrTopology, clients: AwsClients, *, store: StateStore,
                 waiter: Waiter | None = None, timeouts: Timeouts | None = None,
                 echo: Callable[[str], None] = print) -> None:
        self.topology = topology
        self.clients = clients
        self.store = store
        self.waiter = waiter or Waiter(echo=echo)
        self.timeouts = timeouts or Timeouts()
        self.echo = echo
        # What each step's check last read; its action works from that instead of reading again.
        self._cluster_seen: GlobalClusterState | None = None
        self._dials_seen: dict[str, float] = {}

    # --- the run ---

    def run(self, request: FailoverRequest) -> FailoverResult:
        if request.mode not in (PLANNED, UNPLANNED):
            raise OpsError(f"unknown mode {request.mode!r}; use planned or unplanned")
        target = self.topology.role(request.target)
        source = self.topology.other(request.target)
        how = ("Aurora switchover, no data loss" if request.mode == PLANNED
               else "Aurora failover ALLOWING DATA LOSS")
        self.echo(f"{request.operation} {self.topology.environment}: {source.region} -> {target.region} "
                  f"({request.mode}: {how})")
        state, resumed_from = self._resume_or_start(request)

        clock = self.waiter.clock
        started = clock()
        try:
            lag_before = self._preflight(request, target)
        except AWS_ERRORS as error:
            raise OpsError(f"preflight could not read the {request.target} region {target.region}: "
                           f"{one_line(error)}") from None
        preflight = StepRecord("preflight", "checked", round(clock() - started, 1))

        steps = self._steps(request, target, source)
        for number, step in enumerate(steps, 1):
            earlier = state.steps.get(step.name)
            if earlier and earlier.finished:
                self.echo(f"[{number}/{len(steps)}] {step.name}: {earlier.outcome} in the earlier run")
                continue
            self.echo(f"[{number}/{len(steps)}] {step.name}: {step.title}")
            state.steps[step.name] = self._run_step(step, state)
            self.store.save(state)

        verify_start = clock()
        problems, checked = self._verify(request, target, source)
        verify = StepRecord("verify", "failed" if problems else "passed",
                            round(clock() - verify_start, 1), "; ".join(problems))
        if problems:
            state.failed_step, state.error = "verify", verify.detail
            self.store.save(state)
            raise StepFailed("verify", f"verification failed: {verify.detail}; rerun the same command "
                                       "to resume, or inspect with invoke status")
        state.completed, state.failed_step, state.error = True, None, None
        self.store.save(state)
        records = [preflight, *(state.steps[name] for name in STEPS), verify]
        result = FailoverResult(self.topology.environment, request.operation, request.mode, source.region,
                                target.region, records, resumed_from, lag_before, checked)
        self.echo(result.render())
        return result

    def _resume_or_start(self, request: FailoverRequest) -> tuple[RunState, str | None]:
        env = self.topology.environment
        previous = self.store.load(env)
        if previous and not previous.completed:
            if previous.target == request.target:
                pending = next((name for name in STEPS if not (
                    name in previous.steps and previous.steps[name].finished)), "verify")
                why = f": {previous.error}" if previous.error else ""
                self.echo(f"resuming from step {pending}: the {previous.operation} started "
                          f"{previous.started_at} stopped there{why}")
                if previous.mode != request.mode:
                    self.echo(f"  switching from {previous.mode} to {request.mode} for the remaining steps")
                    previous.mode = request.mode
                previous.operation = request.operation
                return previous, pending
            self.echo(f"an unfinished {previous.operation} towards {previous.target} "
                      f"(started {previous.started_at}) is abandoned for this one")
        state = RunState(env, request.operation, request.target, request.mode)
        self.store.save(state)
        return state, None

    def _run_step(self, step: _Step, state: RunState) -> StepRecord:
        clock = self.waiter.clock
        start = clock()
        try:
            done, seen = step.check()
            if done:
                outcome = "already done"
                self.echo(f"    already done ({seen})")
            else:
                step.act()
                waited = self.waiter.until(step.title, step.check, step.timeout)
                seen = f"done after {waited:.0f} s of waiting"
                outcome = "done"
        except (*AWS_ERRORS, WaitTimedOut, OpsError) as error:
            record = StepRecord(step.name, "failed", round(clock() - start, 1), one_line(error))
            state.steps[step.name] = record
            state.failed_step, state.error = step.name, record.detail
            self.store.save(state)
            raise StepFailed(step.name, f"step {step.name} failed: {record.detail}; progress is saved in "
                                        f"{self.store.path(state.environment)}: rerun the same command to "
                                        "resume from this step") from None
        record = StepRecord(step.name, outcome, round(clock() - start, 1), seen)
        self.echo(f"    {outcome} in {record.seconds:.1f} s")
        return record

    # --- checks before anything moves ---

    def _preflight(self, request: FailoverRequest, target: RegionTopology) -> LagReading | None:
        cluster = global_cluster(self.clients, self.topology, target.region)
        member = cluster.member(target.cluster_arn)
        if member is None:
            raise Refused(f"cluster {target.cluster_id} is not a member of global cluster "
                          f"{self.topology.global_cluster_id}; it cannot be promoted (see invoke status)")
        health = region_health(self.clients, self.topology, request.target)
        for note in health.notes:
            self.echo(f"warning: {note}; judging {target.region} by Global Accelerator alone")
        if not health.healthy:
            message = f"{request.target} region {target.region} is unhealthy: {'; '.join(health.reasons)}"
            if not request.force:
                raise Refused(f"{message}; fix it first, or rerun with --force to move anyway")
            self.echo(f"warning: {message}; going on because of --force")
        if member.is_writer:
            return None  # already promoted: nothing left to catch up with
        if member.synchronization == "pending-resync" and not request.force:
            raise Refused(f"cluster {target.cluster_id} is resynchronising with the writer; wait for "
                          "it (invoke status), or rerun with --force")
        lag = self._lag(target)
        if request.require_caught_up:
            lag = self._require_caught_up(request, target, lag)
        return lag

    def _lag(self, side: RegionTopology) -> LagReading | None:
        try:
            return replication_lag(self.clients, side.region, side.cluster_id)
        except AWS_ERRORS:
            return None

    def _require_caught_up(self, request: FailoverRequest, target: RegionTopology,
                           lag: LagReading | None) -> LagReading | None:
        limit = self.topology.replication_lag_limit_seconds

        def verdict(reading: LagReading | None) -> tuple[bool, str]:
            if reading is None or reading.latest_seconds is None:
                return False, f"no {target.cluster_id} replication lag datapoints in the last 10 minutes"
            return reading.latest_seconds <= limit, f"lag {reading.latest_seconds:.1f} s (limit {limit} s)"

        def caught_up() -> tuple[bool, str]:
            nonlocal lag
            lag = self._lag(target)
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

    # --- the steps ---

    def _steps(self, request: FailoverRequest, target: RegionTopology,
               source: RegionTopology) -> list[_Step]:
        verb = "switchover" if request.mode == PLANNED else "failover allowing data loss"
        dials = self._desired_dials(request, target, source)
        written = [target] if request.mode == UNPLANNED else [target, source]
        where = " and ".join(side.region for side in written)
        return [
            _Step("database", f"{target.cluster_id} to become the writer ({verb})",
                  lambda: self._database_settled(target), lambda: self._promote(request, target),
                  self.timeouts.database),
            _Step("traffic", "traffic dials " + ", ".join(f"{s.region} {d:g}%" for s, d in dials),
                  lambda: self._dials_settled(dials), lambda: self._turn_dials(dials), self.timeouts.traffic),
            _Step("parameter", f"{self.topology.active_region_parameter_name} = {target.region} in {where}",
                  lambda: self._parameters_settled(written, target.region),
                  lambda: self._write_parameters(written, target.region), self.timeouts.parameter),
        ]

    def _desired_dials(self, request: FailoverRequest, target: RegionTopology,
                       source: RegionTopology) -> list[tuple[RegionTopology, float]]:
        if request.restore_deployed_dials:
            return [(target, target.deployed_dial), (source, source.deployed_dial)]
        # Target first: raising it before lowering the source never leaves users without a region.
        return [(target, 100.0), (source, 0.0)]

    def _database_settled(self, target: RegionTopology) -> tuple[bool, str]:
        cluster = self._cluster_seen = global_cluster(self.clients, self.topology, target.region)
        seen = f"writer {short_id(cluster.writer_arn or 'none')}, global cluster {cluster.status}"
        if cluster.failover:
            towards = short_id(str(cluster.failover.get("ToDbClusterArn")))
            seen += f", {cluster.failover.get('Status')} to {towards}"
        return cluster.settled_with_writer(target.cluster_arn), seen

    def _promote(self, request: FailoverRequest, target: RegionTopology) -> None:
        cluster = self._cluster_seen or global_cluster(self.clients, self.topology, target.region)
        if cluster.failover and cluster.failover.get("ToDbClusterArn") == target.cluster_arn:
            self.echo("    an Aurora operation towards it is already under way; waiting for it")
            return
        # Calls go to the target's region: in an unplanned failover the source may be unreachable.
        rds = self.clients.rds(target.region)
        if request.mode == PLANNED:
            rds.switchover_global_cluster(GlobalClusterIdentifier=self.topology.global_cluster_id,
                                          TargetDbClusterIdentifier=target.cluster_arn)
        else:
            rds.failover_global_cluster(GlobalClusterIdentifier=self.topology.global_cluster_id,
                                        TargetDbClusterIdentifier=target.cluster_arn, AllowDataLoss=True)

    def _dials_settled(self, dials: list[tuple[RegionTopology, float]]) -> tuple[bool, str]:
        seen = {side.region: endpoint_group(self.clients, side.endpoint_group_arn).dial for side, _ in dials}
        self._dials_seen = seen
        text = ", ".join(f"{region} {dial:g}%" for region, dial in seen.items())
        if not all(seen[side.region] == dial for side, dial in dials):
            return False, text
        # IN_PROGRESS: the edge locations have not all applied the change yet.
        status = accelerator_status(self.clients, self.topology)
        return status == "DEPLOYED", f"{text}, accelerator {status}"

    def _turn_dials(self, dials: list[tuple[RegionTopology, float]]) -> None:
        ga = self.clients.globalaccelerator()
        for side, dial in dials:
            if self._dials_seen.get(side.region) != dial:
                ga.update_endpoint_group(EndpointGroupArn=side.endpoint_group_arn, TrafficDialPercentage=dial)

    def _parameters_settled(self, sides: list[RegionTopology], value: str) -> tuple[bool, str]:
        name = self.topology.active_region_parameter_name
        seen = {side.region: parameter_value(self.clients, side.region, name) for side in sides}
        return all(v == value for v in seen.values()), ", ".join(f"{r}={v}" for r, v in seen.items())

    def _write_parameters(self, sides: list[RegionTopology], value: str) -> None:
        name = self.topology.active_region_parameter_name
        for side in sides:
            if parameter_value(self.clients, side.region, name) != value:
                self.clients.ssm(side.region).put_parameter(Name=name, Value=value, Overwrite=True)

    # --- the end state, read back ---

    def _verify(self, request: FailoverRequest, target: RegionTopology,
                source: RegionTopology) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        checked: list[str] = []
        checks: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
            ("Aurora writer", lambda: self._database_settled(target)),
            ("traffic dials", lambda: self._dials_settled(self._desired_dials(request, target, source))),
            ("active-region parameter", lambda: self._parameters_settled(
                [target] if request.mode == UNPLANNED else [target, source], target.region)),
        ]
        for what, check in checks:
            try:
                ok, seen = check()
            except AWS_ERRORS as error:
                ok, seen = False, f"unreadable: {one_line(error)}"
            (checked if ok else problems).append(f"{what}: {seen}")
        health = region_health(self.clients, self.topology, request.target)
        checked.append(f"{target.region} health: " + ("healthy" if health.healthy else
                                                      "NOT healthy: " + "; ".join(health.reasons))
                       + "".join(f" ({note})" for note in health.notes))
        return problems, checked
