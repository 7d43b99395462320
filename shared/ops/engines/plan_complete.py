"""After a Region switch plan execution: what the move left, read back and finished client-side.

A plan execution that "completed" does not mean the move is done. In ungraceful mode Region switch
skips every custom-action Lambda step ("In ungraceful execution mode, Region switch skips the
Lambda execution block step", r53recovery/latest/dg/custom-action-lambda-block.html), so the fence
and move-traffic steps never run: the dials, the authority and the fences stay where they were.
`completedWithExceptions` says some step did not do its part. So after any execution this
module walks the client-side sequence (shared.ops.engines.steps) for the move the execution
made, its mode taken from ARC and not from the command line: each step reads AWS first and acts
only when the end state is not there (what the plan did is reported "by the plan"), except the
database, which is only read (the plan's Aurora step owns the promotion). Then it verifies the
writer, the dials and the authority with its fences, and the run reports success only when they
agree with the move, or lists exactly what is left by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from shared.ops.aws.errors import AWS_ERRORS, StepFailed, one_line
from shared.ops.aws.region_switch import MONITORING, PROMOTE_STEP, UNGRACEFUL, ExecutionView, duration_seconds
from shared.ops.aws.topology import DrTopology
from shared.ops.engines.authority import authority_settled
from shared.ops.engines.failover import Failover
from shared.ops.engines.lost_writes import UnplannedRecord, read_record, write_record
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest, FailoverResult
from shared.ops.engines.preflight import Assessment
from shared.ops.engines.state import RunState, StepRecord, utc_now
from shared.ops.engines.steps import Moves

AFTER = "after plan: "
OUTCOMES = {"completed": "done", "skipped": "skipped", "failed": "failed", "canceled": "canceled",
            "notStarted": "not started", "pendingApproval": "pending approval"}


def execution_request(request: FailoverRequest, view: ExecutionView) -> FailoverRequest:
    """The move as the execution makes it: ungraceful is an unplanned move whatever was typed."""
    return replace(request, mode=UNPLANNED if view.mode == UNGRACEFUL else PLANNED)


@dataclass
class Completion:
    records: list[StepRecord] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lost_writes: str | None = None


def complete(local: Failover, request: FailoverRequest, seen: Assessment, state: RunState,
             first_phase: int) -> Completion:
    """Finish client-side what the execution left, then verify; `request` in the execution's mode."""
    moves = Moves(local.topology, local.clients, request, seen, local.timeouts, local._say,
                  sleep=local.waiter.sleep)
    done = Completion()
    for number, phase in enumerate(moves.phases(), first_phase):
        for step in phase:
            if step.name == "database":
                done.records.append(_writer(moves, number))
                continue
            record = local._run_step(step, state, number)
            record.name = AFTER + record.name
            if record.outcome == "already done":
                record.outcome = "by the plan"
            elif record.outcome == "done":
                record.outcome = "done here"
                done.notes.append(f"{step.name} was left by the plan execution, done here: {step.title}")
            elif record.outcome == "by hand" and step.by_hand:
                done.by_hand.append(step.by_hand())
            done.records.append(record)
    unfenced = moves.unfenced_source()
    if unfenced:
        done.by_hand.insert(0, unfenced)
    if moves.fence_note:
        done.notes.append(moves.fence_note)
    done.problems, done.checked = local._verify(moves, [
        ("Aurora writer", moves.database_settled, True),
        # Unplanned: dials Global Accelerator's API cannot report are already a by-hand item.
        ("traffic dials", moves.dials_settled, request.mode == PLANNED),
        ("authority", lambda: authority_settled(moves), True),
    ])
    if request.mode == UNPLANNED:
        retention = seen.target.cluster.backup_retention_days if seen.target.cluster else None
        done.lost_writes = moves.unplanned_record().notice(retention)
    return done


def _writer(moves: Moves, phase: int) -> StepRecord:
    """The plan's Aurora step owns the promotion: here it is only read back."""
    try:
        ok, text = moves.database_settled()
    except AWS_ERRORS as error:
        ok, text = False, f"unreadable: {one_line(error)}"
    if not ok:
        raise StepFailed("database", f"the plan execution ended but {moves.target.cluster_id} is not the "
                                     f"settled writer ({text}); see invoke status, then rerun this command")
    return StepRecord(AFTER + "database", "by the plan", 0.0, text, phase=phase)


def promotion_recorder(engine: Any, request: FailoverRequest) -> Callable[[ExecutionView], None]:
    """Record the writes left behind as soon as an ungraceful execution's Aurora step is seen
    completed, whatever happens to this run afterwards (Ctrl-C, a timeout, a later step failing),
    and whoever started the execution: the mode is ARC's, not this command line's."""
    topology, clients = engine.topology, engine.clients
    source, target = topology.other(request.target), topology.role(request.target)
    name = topology.unplanned_record_parameter_name
    recorded: list[bool] = []

    def seen(view: ExecutionView) -> None:
        promoted = any(s.name == PROMOTE_STEP and s.status == "completed" for s in view.steps)
        if recorded or view.mode != UNGRACEFUL or not promoted:
            return
        recorded.append(True)
        try:
            if read_record(clients, name, target.region) is None:
                write_record(clients, name, UnplannedRecord(source.cluster_id, source.region,
                                                            target.region, utc_now()))
                engine._say(f"    recorded the writes left in {source.region} ({name} in {target.region})")
        except AWS_ERRORS as error:
            engine._say(f"    cannot record the writes left behind yet ({one_line(error)}); "
                        "the run records them at its end")

    return seen


def plan_result(topology: DrTopology, request: FailoverRequest, view: ExecutionView, preflight: StepRecord,
                seen: Assessment, done: Completion) -> FailoverResult:
    """ARC's steps with ARC's own times, then what was read back or finished here."""
    source, target = topology.other(request.target), topology.role(request.target)
    records = [preflight] + [
        StepRecord(step.name, OUTCOMES.get(step.status, step.status), step.seconds or 0.0,
                   f"{step.mode or view.mode}, ARC's times "
                   f"{step.started.isoformat() if step.started else '?'} to "
                   f"{step.ended.isoformat() if step.ended else '?'}",
                   at=step.started.isoformat() if step.started else utc_now(), phase=number)
        for number, step in enumerate(view.steps, 1)] + done.records
    result = FailoverResult(topology.environment, request.operation, request.mode, source.region,
                            target.region, records, None, seen.lag, done.checked, done.by_hand,
                            done.lost_writes, topology.source, list(done.notes),
                            plan_execution_id=view.execution_id)
    actual = duration_seconds(view.recovery_time)
    if actual is not None:
        result.measured_seconds = actual
        result.measured_by = (f"ARC's actualRecoveryTime {view.recovery_time} of execution "
                              f"{view.execution_id}: the plan's run until its alarms were healthy")
    elif view.seconds is not None:
        result.measured_seconds = view.seconds
        result.measured_by = f"ARC's start to end of execution {view.execution_id}"
    else:
        result.measured_seconds = round(sum(r.seconds for r in records[1:]), 1)
        result.measured_by = f"sum of ARC's step times of execution {view.execution_id}"
    here = round(sum(r.seconds for r in done.records if r.outcome == "done here"), 1)
    if here:  # the move was not over when ARC finished
        result.measured_seconds = round((result.measured_seconds or 0.0) + here, 1)
        result.measured_by += f", plus {here:g} s of client-side steps the plan left"
    if view.state == MONITORING:
        result.notes.append("ARC still watches the plan's alarms: its actualRecoveryTime is not settled "
                            "yet (see the execution in the ARC console)")
    if view.state == "completedWithExceptions":
        result.notes.append(f"ARC completed execution {view.execution_id} with exceptions (see its events in "
                            "the ARC console): every step above was read back or finished here")
    return result
