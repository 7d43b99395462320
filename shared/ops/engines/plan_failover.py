"""Failover and failback as an ARC Region switch plan execution, a drop-in for shared.ops.engines.failover.

The plan (the recovery layer) holds the runbook: fence, Aurora, traffic and flag steps, run by
ARC in the account. This engine keeps what the operator's side still owes: the preflight (is
the target fit, would an unplanned move lose writes), the confirmation, the operation lock; then
it starts the execution in the region being activated (graceful for a planned move, ungraceful
for an unplanned one), follows it with one line per step transition, answers manual approvals
(--approve, a prompt on a TTY, or the AWS CLI line to run elsewhere), and reports the steps with
ARC's own start and end times and the execution's actualRecoveryTime.

Every ARC call goes to the activating region's data plane (shared.ops.aws.region_switch), so an
ungraceful failover to us-east-2 never calls us-east-1. When ARC itself does not answer there,
a planned move stops with one line suggesting --local; an unplanned one runs the client-side
sequence instead (the outage will not wait for ARC, and no execution can have started, since
ARC's first call, the list of executions under way, never reached it).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import Prober, http_probe
from shared.ops.aws.errors import AWS_ERRORS, OpsError, StepFailed, one_line
from shared.ops.aws.region_switch import (
    ACTIVATE,
    BRING_UP_STEP,
    GRACEFUL,
    MONITORING,
    UNGRACEFUL,
    executions_under_way,
    read_evaluation,
    require_model,
    unavailable,
)
from shared.ops.aws.topology import DrTopology, RegionTopology
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.engines.bring_up import left_standing
from shared.ops.engines.failover import Confirm, Failover
from shared.ops.engines.lock import OperationLock, operator
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest, FailoverResult
from shared.ops.engines.plan_complete import complete, execution_request, plan_result, promotion_recorder
from shared.ops.engines.plan_follow import Ask, Follower, MfaCode, tty_ask, tty_mfa_code
from shared.ops.engines.preflight import Assessment, Preflight
from shared.ops.engines.state import RunState, StateStore, StepRecord
from shared.ops.engines.steps import bring_up_step

__all__ = ["Ask", "PlanFailover", "tty_ask"]


class _ArcDown(Exception):
    """ARC's data plane in the activating region does not answer (unplanned: run the local sequence)."""


class PlanFailover:
    """`Failover`'s interface (`run`, `store`, `prober`, `waiter`), carried out by the plan."""

    def __init__(self, topology: DrTopology, clients: AwsClients, *, store: StateStore,
                 waiter: Waiter | None = None, timeouts: Timeouts | None = None,
                 echo: Callable[[str], None] = print, prober: Prober = http_probe,
                 approve: bool = False, ask: Ask | None = tty_ask,
                 mfa_code: MfaCode | None = tty_mfa_code) -> None:
        if not topology.plan_arn:
            raise OpsError(f"no Region switch plan is deployed for {topology.environment}; "
                           "run the client-side sequence with --local")
        require_model()
        self.topology = topology
        self.plan_arn: str = topology.plan_arn
        self.plan_name = topology.plan_name or topology.plan_arn.rsplit("/", 1)[-1]
        self.clients = clients
        self.store = store
        self.waiter = waiter or Waiter(echo=echo)
        self.timeouts = timeouts or Timeouts()
        self.echo = echo
        self.prober = prober
        self.approve = approve
        self.ask = ask
        self.mfa_code = mfa_code
        self._echo_lock = threading.Lock()

    def _say(self, line: str) -> None:
        with self._echo_lock:
            self.echo(line)

    def local(self) -> Failover:
        """The client-side engine with the same clients, clock, store and prober."""
        return Failover(self.topology, self.clients, store=self.store, waiter=self.waiter,
                        timeouts=self.timeouts, echo=self.echo, prober=self.prober)

    def _arc(self, region: str) -> Any:
        return self.clients.arc_region_switch(region)

    # --- the run ---

    def run(self, request: FailoverRequest, confirm: Confirm | None = None) -> FailoverResult:
        if request.mode not in (PLANNED, UNPLANNED):
            raise OpsError(f"unknown mode {request.mode!r}; use planned or unplanned")
        target = self.topology.role(request.target)
        source = self.topology.other(request.target)
        region = target.region
        arc_mode = GRACEFUL if request.mode == PLANNED else UNGRACEFUL
        self._say(f"{request.operation} {self.topology.environment}: {source.region} -> {region} "
                  f"({request.mode}: Region switch plan {self.plan_name}, {arc_mode} execution in {region}); "
                  f"identifiers from {self.topology.source}")
        clock = self.waiter.clock
        started = clock()
        try:
            followed = self._under_way(request, region)
        except _ArcDown:
            return self.local().run(request, confirm)
        self._evaluation_note(region)  # before the question, so the operator can still pick --local
        seen: Assessment | None = None
        # Following an execution under way needs no preflight: it moves nothing new, unless an
        # unplanned rerun turns a graceful execution ungraceful (that may lose writes: ask first).
        if followed is None or (request.mode == UNPLANNED and followed.get("mode") == GRACEFUL):
            seen = self._preflight(request, target)
            if confirm:
                confirm(request, seen)
        preflight = StepRecord("preflight", "checked" if seen else "skipped", round(clock() - started, 1),
                               "" if seen else "following an execution under way", phase=0)

        state = RunState(self.topology.environment, request.operation, request.target, request.mode)
        previous = self.store.load(self.topology.environment)
        if previous and not previous.completed and previous.target == request.target:
            state.run_id = previous.run_id  # a lock an interrupted run left is this rerun's to take back
        lock = OperationLock(self.clients, self.topology.lock_parameter_name, state.run_id,
                             f"{request.operation} towards {region} ({request.mode}, plan execution)",
                             state.started_at)
        # An ungraceful execution (asked now, or already under way) may have lost the source region.
        leaving_lost = request.mode == UNPLANNED or (followed or {}).get("mode") == UNGRACEFUL
        lock.acquire([region] if leaving_lost else [region, source.region], break_lock=request.break_lock,
                     echo=self._say)
        self.store.save(state)
        brought_up: StepRecord | None = None
        try:
            if leaving_lost:  # the execution is (or turns) ungraceful: the plan's bring-up is skipped
                brought_up = self._bring_up_first(request, state)
            if followed is None:
                execution_id = self._start(request, region, arc_mode, uuid.uuid4().hex)
            else:
                execution_id = str(followed["executionId"])
                self._rerun(request, followed, seen is not None)
            follower = Follower(self.clients, self.plan_arn, region, execution_id, self.waiter, self.timeouts,
                                self._say, self.approve, self.ask, on_view=promotion_recorder(self, request),
                                approval_role=self.topology.approval_role_arn, mfa_code=self.mfa_code)
            view = follower.follow()
            effective = execution_request(request, view)
            seen = seen or self._preflight(effective, target)
            done = complete(self.local(), effective, seen, state, len(view.steps) + 1)
            done.by_hand.extend(follower.skipped)
            done.records[:0] = [brought_up] if brought_up else []
        except KeyboardInterrupt:
            self._say(f"interrupted: a started execution goes on in ARC ({region}); rerun the same command "
                      "to follow it, or cancel it in the ARC console")
            raise
        except OpsError as error:
            state.failed_step = getattr(error, "step", None) or "plan execution"
            state.error = str(error)
            self.store.save(state)
            raise
        finally:
            lock.release_or_warn(self._say)
        if done.problems:
            state.failed_step, state.error = "verify", "; ".join(done.problems)
            self.store.save(state)
            raise StepFailed("verify", f"plan execution {view.execution_id} {view.state}, but the move is "
                                       f"not done: {state.error}; rerun the same command to finish it "
                                       "client-side, or inspect with invoke status")
        state.completed = True
        self.store.save(state)
        result = plan_result(self.topology, effective, view, preflight, seen, done)
        standing = left_standing(self.topology, source)
        if standing:
            result.notes.append(standing)
        if brought_up is not None:
            result.steps.insert(1, brought_up)
            result.measured_seconds = round((result.measured_seconds or 0.0) + brought_up.seconds, 1)
            result.measured_by += f", plus {brought_up.seconds:g} s bringing {region} up client-side first"
        self._say(result.render())
        return result

    def _bring_up_first(self, request: FailoverRequest, state: RunState) -> StepRecord | None:
        """A pilot light's plan gives the headless cluster an instance (a warm standby's, its
        capacity) in a custom-action step, and "In ungraceful execution mode, Region switch skips
        the Lambda execution block step" (r53recovery/latest/dg/custom-action-lambda-block.html):
        the plan's Aurora step would then promote a cluster with no instance to take the writes. So
        the activating region is brought up here, client-side and in that region only, before the
        execution starts or turns ungraceful; a rerun finds the instance and moves on."""
        target = self.topology.role(request.target)
        step = bring_up_step(self.topology, self.clients, target, self.timeouts)
        if step is None:
            return None
        self._say(f"ungraceful: ARC skips the plan's {BRING_UP_STEP} step, so {target.cluster_id} is "
                  "brought up client-side before the plan's promotion")
        self._say(f"[0] {step.name}: {step.title}")
        return self.local()._run_step(step, state, 0)

    def _rerun(self, request: FailoverRequest, followed: dict[str, Any], turn_ungraceful: bool) -> None:
        """An unplanned rerun over an execution under way: ungraceful from now on, and resumed when a
        failed step paused it (the usual case: fence-writes failed because the source region died)."""
        if request.mode != UNPLANNED:
            return
        execution_id, region = str(followed["executionId"]), str(followed["executionRegion"])
        source, target = self.topology.other(request.target), self.topology.role(request.target)
        actions = (["switchToUngraceful"] if turn_ungraceful else []) + (
            ["resume"] if followed.get("executionState") == "pausedByFailedStep" else [])
        for action in actions:  # API_UpdatePlanExecution: switchToUngraceful | resume
            self._arc(region).update_plan_execution(
                planArn=self.plan_arn, executionId=execution_id, action=action,
                comment=self._comment(request, source, target))
            self._say(f"execution {execution_id}: "
                      + ("resumed" if action == "resume" else "switched to ungraceful"))

    def _under_way(self, request: FailoverRequest, region: str) -> dict[str, Any] | None:
        """The execution this run should follow rather than start a second one, if any."""
        try:
            found = executions_under_way(self.clients, self.plan_arn, region)
        except AWS_ERRORS as error:
            if not unavailable(error):
                raise OpsError(f"cannot list the executions of plan {self.plan_name} in {region}: "
                               f"{one_line(error)}; fix that, or run the client-side sequence with "
                               "--local") from None
            if request.mode == UNPLANNED:
                self._say(f"ARC Region switch does not answer in {region} ({one_line(error)}): an "
                          "unplanned failover does not wait for it, running the client-side sequence "
                          "(--local) instead; no plan execution was started")
                raise _ArcDown from None
            raise OpsError(f"ARC Region switch does not answer in {region} ({one_line(error)}); nothing "
                           "was started: rerun with --local to run the client-side sequence") from None
        for item in found:
            if item.get("executionRegion") == region and item.get("executionAction") == ACTIVATE:
                self._say(f"following execution {item['executionId']} already under way "
                          f"({item.get('executionState')}, {item.get('mode')}, started "
                          f"{item.get('startTime')}) instead of starting a second one")
                return item
        # An execution that only watches its alarms has done its steps; it may do so as long as the
        # lost region's "region impaired" alarm fires (actualRecoveryTime runs "until the application
        # health alarms that you've specified are healthy again", API_GetPlanExecution), which
        # must not hold back the failback. If ARC itself refuses the start, its answer is printed.
        blocking = [item for item in found if item.get("executionState") != MONITORING]
        for item in found:
            if item not in blocking:
                self._say(f"note: execution {item['executionId']} ({item.get('executionAction')} "
                          f"{item.get('executionRegion')}) has done its steps and still watches the plan's "
                          "alarms; it does not hold back this move")
        if blocking:
            other = blocking[0]
            raise OpsError(f"plan {self.plan_name} has execution {other['executionId']} under way "
                           f"({other.get('executionAction')} {other.get('executionRegion')}, "
                           f"{other.get('executionState')}): wait for it, or cancel it (aws "
                           f"arc-region-switch cancel-plan-execution --region {region} --plan-arn "
                           f"{self.plan_arn} --execution-id {other['executionId']})")
        return None

    def _preflight(self, request: FailoverRequest, target: RegionTopology) -> Assessment:
        return Preflight(self.topology, self.clients, self.prober, self.waiter, self.timeouts,
                         self._say).checked(request)

    def _evaluation_note(self, region: str) -> None:
        try:
            evaluation = read_evaluation(self.clients, self.plan_arn, region)
        except AWS_ERRORS as error:
            self._say(f"note: the plan's evaluation is unreadable in {region}: {one_line(error)}")
            return
        if not evaluation.ready:
            first = evaluation.warnings[0]["message"] if evaluation.warnings else "no warning given"
            self._say(f"note: plan {evaluation.describe()}: {first}; if the execution fails there, "
                      "rerun with --local")

    def _comment(self, request: FailoverRequest, source: RegionTopology, target: RegionTopology) -> str:
        return (f"invoke {request.operation} --env {self.topology.environment} by {operator()}: "
                f"{source.region} -> {target.region} ({request.mode})")[:1024]

    def _start(self, request: FailoverRequest, region: str, mode: str, token: str) -> str:
        source, target = self.topology.other(request.target), self.topology.role(request.target)
        try:
            answer = self._arc(region).start_plan_execution(
                planArn=self.plan_arn, targetRegion=region, action=ACTIVATE, mode=mode,
                comment=self._comment(request, source, target), clientToken=token)
        except AWS_ERRORS as error:
            if unavailable(error):
                raise OpsError(f"ARC Region switch in {region} did not take the execution "
                               f"({one_line(error)}): rerun this command, which follows an execution if "
                               "one started, or run the client-side sequence with --local") from None
            raise OpsError(f"ARC refused to start plan {self.plan_name} in {region}: {one_line(error)}; "
                           "fix that, or run the client-side sequence with --local") from None
        execution_id = str(answer["executionId"])
        self._say(f"started execution {execution_id} of plan {self.plan_name} ({mode}, activate {region})")
        return execution_id
