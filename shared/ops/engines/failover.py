"""Failover and failback: fence writes, promote the target's Aurora cluster, move the Global
Accelerator traffic dials, flip the active-region parameter, verify, and time every step.

The sequence is shared.ops.engines.steps; this module runs it: preflight (shared.ops.engines.preflight), the
operator's confirmation, the lock (shared.ops.engines.lock), the phases in order with each phase's steps
side by side, the verification, and the report. Every step reads AWS before acting, on a rerun
too: a step the progress file (shared.ops.engines.state) records as done is verified again, and when
AWS says otherwise the tool follows AWS, never the file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import Prober, http_probe
from shared.ops.aws.errors import AWS_ERRORS, OpsError, StepFailed, one_line
from shared.ops.aws.parallel import interrupted, together
from shared.ops.aws.topology import DrTopology
from shared.ops.aws.waiting import Timeouts, Waiter, WaitTimedOut
from shared.ops.engines.bring_up import left_standing
from shared.ops.engines.lock import OperationLock
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest, FailoverResult
from shared.ops.engines.preflight import Assessment, Preflight
from shared.ops.engines.state import RunState, StateStore, StepRecord
from shared.ops.engines.steps import Moves, Step

Confirm = Callable[[FailoverRequest, Assessment], None]


# One verification: what is checked, how it is read, and whether a failure fails the move.
Verification = tuple[str, Callable[[], tuple[bool, str]], bool]


class Engine(Protocol):
    """What runs a move: this client-side Failover, or the Region switch plan's execution
    (shared.ops.engines.plan_failover.PlanFailover); the drills take either."""

    store: StateStore
    prober: Prober
    waiter: Waiter

    def run(self, request: FailoverRequest, confirm: Confirm | None = None) -> FailoverResult: ...


class Failover:
    def __init__(self, topology: DrTopology, clients: AwsClients, *, store: StateStore,
                 waiter: Waiter | None = None, timeouts: Timeouts | None = None,
                 echo: Callable[[str], None] = print, prober: Prober = http_probe) -> None:
        self.topology = topology
        self.clients = clients
        self.store = store
        self.waiter = waiter or Waiter(echo=echo)
        self.timeouts = timeouts or Timeouts()
        self.echo = echo
        self.prober = prober
        self._echo_lock = threading.Lock()

    def _say(self, line: str) -> None:
        with self._echo_lock:  # steps of one phase speak from their own threads
            self.echo(line)

    # --- the run ---

    def run(self, request: FailoverRequest, confirm: Confirm | None = None) -> FailoverResult:
        if request.mode not in (PLANNED, UNPLANNED):
            raise OpsError(f"unknown mode {request.mode!r}; use planned or unplanned")
        target = self.topology.role(request.target)
        source = self.topology.other(request.target)
        how = ("Aurora switchover, no data loss" if request.mode == PLANNED
               else "Aurora failover ALLOWING DATA LOSS")
        self._say(f"{request.operation} {self.topology.environment}: {source.region} -> {target.region} "
                  f"({request.mode}: {how}); identifiers from {self.topology.source}")
        clock = self.waiter.clock
        started = clock()
        seen = Preflight(self.topology, self.clients, self.prober, self.waiter, self.timeouts,
                         self._say).checked(request)
        if confirm:
            confirm(request, seen)
        state, resumed_from = self._resume_or_start(request)
        preflight_record = StepRecord("preflight", "checked", round(clock() - started, 1), phase=0)

        lock = OperationLock(self.clients, self.topology.lock_parameter_name, state.run_id,
                             f"{request.operation} towards {target.region} ({request.mode})",
                             state.started_at)
        lock.acquire([target.region] if request.mode == UNPLANNED else [target.region, source.region],
                     break_lock=request.break_lock, echo=self._say)
        moves = Moves(self.topology, self.clients, request, seen, self.timeouts, self._say,
                      sleep=self.waiter.sleep)
        phases = moves.phases()
        total = sum(len(phase) for phase in phases)
        number = 0
        by_hand: list[str] = []
        for index, phase in enumerate(phases, 1):
            for step in phase:
                number += 1
                earlier = state.steps.get(step.name)
                again = " (done in the earlier run: verifying)" if earlier and earlier.finished else ""
                self._say(f"[{number}/{total}] {step.name}: {step.title}{again}")
            outcomes = together({step.name: self._step_runner(step, state, index) for step in phase},
                                max(step.timeout for step in phase) + 60)
            for step in phase:  # what finished is saved even when a sibling failed
                record = outcomes[step.name].value
                if record is not None:
                    state.steps[step.name] = record
                    if record.outcome == "by hand" and step.by_hand:
                        by_hand.append(step.by_hand())
            self.store.save(state)
            failed = next((o.error for o in outcomes.values() if o.error is not None), None)
            if failed is not None:
                raise failed

        verify_start = clock()
        problems, checked = self._verify(moves)
        unfenced = moves.unfenced_source()
        if unfenced:
            by_hand.insert(0, unfenced)
        verify = StepRecord("verify", "failed" if problems else "passed", round(clock() - verify_start, 1),
                            "; ".join(problems), phase=len(phases) + 1)
        if problems:
            state.failed_step, state.error = "verify", verify.detail
            self.store.save(state)
            raise StepFailed("verify", f"verification failed: {verify.detail}; rerun the same command to "
                                       "resume (the lock stays held for it), or inspect with invoke status")
        state.completed, state.failed_step, state.error = True, None, None
        self.store.save(state)
        lock.release_or_warn(self._say)
        records = [preflight_record, *(state.steps[step.name] for phase in phases for step in phase), verify]
        result = FailoverResult(self.topology.environment, request.operation, request.mode, source.region,
                                target.region, records, resumed_from, seen.lag, checked, by_hand,
                                topology_source=self.topology.source,
                                notes=[n for n in (moves.fence_note, left_standing(self.topology, source))
                                       if n])
        if request.mode == UNPLANNED:
            retention = seen.target.cluster.backup_retention_days if seen.target.cluster else None
            result.lost_writes = moves.unplanned_record().notice(retention)
        self._say(result.render())
        return result


    def _resume_or_start(self, request: FailoverRequest) -> tuple[RunState, str | None]:
        env = self.topology.environment
        previous = self.store.load(env)
        if previous and not previous.completed:
            if previous.target == request.target:
                pending = next((name for name, record in previous.steps.items() if not record.finished), None)
                why = f": {previous.error}" if previous.error else ""
                self._say(f"resuming the {previous.operation} started {previous.started_at}"
                          + (f" (it stopped at step {pending}{why})" if pending else why)
                          + "; every step is read back from AWS first")
                if previous.mode != request.mode:
                    self._say(f"  switching from {previous.mode} to {request.mode} for the remaining steps")
                    previous.mode = request.mode
                previous.operation = request.operation
                return previous, pending or previous.failed_step
            self._say(f"an unfinished {previous.operation} towards {previous.target} "
                      f"(started {previous.started_at}) is abandoned for this one")
        state = RunState(env, request.operation, request.target, request.mode)
        self.store.save(state)
        return state, None

    def _step_runner(self, step: Step, state: RunState, phase: int) -> Callable[[], StepRecord]:
        return lambda: self._run_step(step, state, phase)

    def _run_step(self, step: Step, state: RunState, phase: int) -> StepRecord:
        clock = self.waiter.clock
        start = clock()
        earlier = state.steps.get(step.name)
        try:
            done, seen = step.check()
            if done:
                outcome = "already done"
                self._say(f"    {step.name}: already done ({seen})")
            else:
                if earlier and earlier.finished:
                    self._say(f"    {step.name}: recorded as {earlier.outcome} in the earlier run, but AWS "
                              f"now shows {seen}: doing it again")
                if interrupted():  # Ctrl-C while this step was reading: do not act behind the operator
                    raise OpsError(f"{step.name}: not done, the run was interrupted")
                step.act()
                waited = self.waiter.until(step.title, step.check, step.timeout)
                seen = f"done after {waited:.0f} s of waiting"
                outcome = "done"
        except (*AWS_ERRORS, WaitTimedOut, OpsError) as error:
            record = StepRecord(step.name, "failed", round(clock() - start, 1), one_line(error), phase=phase)
            if step.by_hand:
                record.outcome = "by hand"
                self._say(f"    {step.name}: cannot be done now ({record.detail}); left to do by hand")
                return record
            state.steps[step.name] = record
            state.failed_step, state.error = step.name, record.detail
            self.store.save(state)
            hint = f"; or {step.hint}" if step.hint else ""
            raise StepFailed(step.name, f"step {step.name} failed: {record.detail}; progress is saved in "
                                        f"{self.store.path(state.environment)}: rerun the same command to "
                                        f"resume from this step{hint}") from None
        record = StepRecord(step.name, outcome, round(clock() - start, 1), seen, phase=phase)
        self._say(f"    {step.name}: {outcome} in {record.seconds:.1f} s")
        return record

    # --- the end state, read back ---

    def _verify(self, moves: Moves, checks: list[Verification] | None = None) -> tuple[list[str], list[str]]:
        """Each check (what, read, required) judged, then the target's entry point; the plan engine
        passes its own checks (the authority with its fences through one function)."""
        problems: list[str] = []
        checked: list[str] = []
        checks = checks or [
            ("Aurora writer", moves.database_settled, True),
            # Unplanned: dials Global Accelerator's API cannot report are already a by-hand item.
            ("traffic dials", moves.dials_settled, moves.request.mode == PLANNED),
            ("active-region parameter", moves.parameters_settled, True),
            # Failback ends with both regions open; any other move leaves the source fenced.
            ("write fence", (moves.reopen() if moves.request.restore_deployed_dials else moves.fence()).check,
             True),
        ]
        for what, read, required in checks:
            try:
                ok, seen = read()
            except AWS_ERRORS as error:
                ok, seen = False, f"unreadable: {one_line(error)}"
            if ok:
                checked.append(f"{what}: {seen}")
            elif required:
                problems.append(f"{what}: {seen}")
            else:
                checked.append(f"{what}: NOT confirmed ({seen})")
        entry = self.prober(moves.target.health_url, self.timeouts.probe)
        checked.append(f"{moves.target.region} entry point: {entry.describe()}")
        return problems, checked
