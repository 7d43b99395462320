"""ARC Region switch, emulated: the workflow the recovery layer deploys, run the way the ARC
developer guide documents each execution block, behind botocore's Stubber.

The plan is not written here: its steps and its custom-action functions' variables come from the
offline plan (tests.support.plan_of with the recovery layer on), so a renamed step, a reordered
block or a changed ungraceful behaviour changes what runs. Every answer goes through a Stubber
(`Answering`), so each request and each generated answer is checked against the botocore model.

Per block, as the guide documents it:
- CustomActionLambda (r53recovery/latest/dg/custom-action-lambda-block.html): graceful runs the
  function of the region `regionToRun` names, rerun every `retryIntervalMinutes` until it returns or
  `timeoutMinutes` pass; "In ungraceful execution mode, Region switch skips the Lambda execution
  block step". The function is the real handler (stacks/recovery/handlers/region_action.py) with
  the deployed function's variables and the event ARC sends (InvokedBy, PlanArn, ExecutionId,
  StepName).
- ManualApproval (manual-approval-block.html): pauses the execution in pendingManualApproval
  until someone approves (goes on) or declines (the execution is canceled); "This block does not
  support ungraceful execution mode": skipped there.
- AuroraGlobalDatabase (aurora-global-database-block.html, API_GlobalAuroraConfiguration):
  `switchoverOnly` calls SwitchoverGlobalCluster in graceful mode; ungraceful `failover` calls
  FailoverGlobalCluster with AllowDataLoss. Sent through the test's RDS client of the activating
  region (the test queues what Aurora answers).
- AuroraServerlessScaling (aurora-serverless-scaling-block.html): sizes the activating cluster;
  it has no ungraceful setting, so it runs in both modes (what it does with the source region
  down is not documented; a test can make it fail with `fail_scaling`).
A step that fails pauses the execution (pausedByFailedStep); UpdatePlanExecution `resume` runs the
failed step again and `switchToUngraceful` applies ungraceful behaviour to the steps still to run
(API_UpdatePlanExecution); UpdatePlanExecutionStep `skip` skips one step
(API_UpdatePlanExecutionStep). One GetPlanExecution runs one step, so a follower sees each transition.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from botocore.stub import Stubber

from shared.ops.aws.clients import GA_API_REGION
from shared.plan.plan import Plan
from tests.support import outputs, resources

PLAN_TYPE = "aws:arcregionswitch/plan:Plan"
FUNCTION_TYPE = "aws:lambda/function:Function"
LAMBDA, APPROVAL, AURORA, SCALING = (
    "CustomActionLambda", "ManualApproval", "AuroraGlobalDatabase", "AuroraServerlessScaling")
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# How long each block takes in the emulation (seconds of ARC's clock).
SECONDS = {LAMBDA: 6, APPROVAL: 30, AURORA: 90, SCALING: 20}


class Refusal(Exception):
    """An ARC error answer (code, message, HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class Answering(Stubber):
    """A Stubber whose answers are generated, one per call, by `answer(operation, params)`."""

    def __init__(self, client: Any, answer: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
        super().__init__(client)
        self._answer = answer
        self._asked: dict[str, Any] = {}  # the caller's parameters, as the model validated them

    def _assert_expected_params(self, model: Any, params: Any, context: Any, **kwargs: Any) -> None:
        if self._queue:
            super()._assert_expected_params(model, params, context, **kwargs)
        else:  # answered at before-call, once the outage fixture has had its say
            self._asked = dict(params)

    def _get_response_handler(self, model: Any, params: Any, context: Any, **kwargs: Any) -> Any:
        if not self._queue:
            method, asked = xform_name(model.name), self._asked
            try:
                self.add_response(method, self._answer(model.name, asked))
            except Refusal as refusal:
                self.add_client_error(method, refusal.code, refusal.message, refusal.status)
        return super()._get_response_handler(model, params, context, **kwargs)


def deployed_steps(plan: Plan) -> list[dict[str, Any]]:
    """The one workflow's steps as the recovery layer deploys them (the plan's inputs)."""
    [resource] = resources(plan, "recovery", PLAN_TYPE)
    [workflow] = resource["inputs"]["workflows"]
    return list(workflow["steps"])


def deployed_functions(plan: Plan) -> dict[str, dict[str, Any]]:
    """Each region's action function: its published ARN and the variables it is deployed with."""
    published = outputs(plan, "recovery")
    found = {f["region"]: f["inputs"]["environment"]["variables"]
             for f in resources(plan, "recovery", FUNCTION_TYPE)}
    return {region: {"arn": published[f"{role}_action_function_arn"], "variables": found[region]}
            for role, region in (("primary", "us-east-1"), ("secondary", "us-east-2"))}


@dataclass
class StepRun:
    name: str
    block: str
    config: dict[str, Any]
    status: str = "notStarted"
    started: datetime | None = None
    ended: datetime | None = None
    mode: str | None = None
    result: Any = None


@dataclass
class Execution:
    execution_id: str
    mode: str
    region: str  # activating
    deactivating: str
    steps: list[StepRun]
    comment: str
    state: str = "inProgress"
    started: datetime = T0
    ended: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    invocations: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, plan_arn: str) -> dict[str, Any]:
        states = []
        for step in self.steps:
            item: dict[str, Any] = {"name": step.name, "status": step.status,
                                    "stepMode": step.mode or self.mode}
            if step.started:
                item["startTime"] = step.started
            if step.ended:
                item["endTime"] = step.ended
            states.append(item)
        found: dict[str, Any] = {
            "planArn": plan_arn, "executionId": self.execution_id, "startTime": self.started,
            "mode": self.mode, "executionState": self.state, "executionAction": "activate",
            "executionRegion": self.region, "stepStates": states, "comment": self.comment}
        if self.ended:
            found["endTime"] = self.ended
        return found


class RegionSwitch:
    """ARC's data plane for one plan, in every region (an execution runs in the one it activates)."""

    def __init__(self, aws: Any, plan: Plan, handler: ModuleType, plan_arn: str,
                 role_arn: str = "arn:aws:iam::123456789012:role/region-switch-execution-role") -> None:
        self.aws, self.handler, self.plan_arn, self.role_arn = aws, handler, plan_arn, role_arn
        self.steps = deployed_steps(plan)
        self.functions = deployed_functions(plan)
        self.regions = sorted(self.functions)
        self._invoking = False  # the action function reading its own execution: no step runs
        self.executions: list[Execution] = []
        self.clock = T0
        self.calls: list[tuple[str, str, dict[str, Any]]] = []  # (region, operation, params)
        self.approvals: list[tuple[str, str, str]] = []  # (step, approve|decline, caller's access key)
        self.fail_scaling = ""  # a reason the scaling block fails with, "" to succeed
        # Executions that have run their steps go on watching the plan's alarms (a lost region's
        # alarm keeps firing): completedMonitoringApplicationHealth, never completed.
        self.alarms_firing = False
        # Steps ARC reports failed without pausing, ending the execution completedWithExceptions.
        self.exceptions: set[str] = set()
        # Called with the step's name just before a step runs (a test takes a region down there).
        self.before_step: Callable[[str], None] = lambda name: None
        self._ids = itertools.count(1)
        for region in self.regions:
            aws.clients.use("arc-region-switch", region,
                            self.serve(boto3.client("arc-region-switch", region_name=region)))

    def serve(self, client: Any) -> Any:
        """Answer `client`'s calls (any client of the service, e.g. one made with assumed credentials)."""
        who = client._request_signer._credentials.get_frozen_credentials().access_key
        Answering(client, self._answerer(client.meta.region_name, who)).activate()
        return client

    # --- what the action function's boto3 clients are (the test patches them in) ---

    def handler_client(self, service: str, region: str, peer: bool) -> Any:
        if service == "globalaccelerator":
            assert region == GA_API_REGION
            return self.aws.clients.globalaccelerator()
        if service == "arc-region-switch":
            return self.aws.clients.arc_region_switch(region)
        return getattr(self.aws.clients, service)(region)

    # --- the data plane ---

    def _answerer(self, region: str, who: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
        def answer(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            self.calls.append((region, operation, params))
            if operation == "ApprovePlanExecutionStep":
                self.approvals.append((params["stepName"], params["approval"], who))
            if params.get("planArn") != self.plan_arn:
                raise Refusal("ResourceNotFoundException", f"plan {params.get('planArn')} not found", 404)
            operations = {"StartPlanExecution": self._start, "ListPlanExecutions": self._list,
                          "GetPlanExecution": self._get, "GetPlanEvaluationStatus": self._evaluation,
                          "ListPlanExecutionEvents": self._events, "UpdatePlanExecution": self._update,
                          "UpdatePlanExecutionStep": self._update_step,
                          "ApprovePlanExecutionStep": self._approve}
            return operations[operation](region, params)
        return answer

    def execution(self, execution_id: str) -> Execution:
        found = next((e for e in self.executions if e.execution_id == execution_id), None)
        if found is None:
            raise Refusal("ResourceNotFoundException", f"execution {execution_id} not found", 404)
        return found

    def _start(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        if params["targetRegion"] != region:
            raise Refusal("ValidationException", "an execution is started in the region it activates")
        other = next(r for r in self.regions if r != region)
        steps = [StepRun(s["name"], s["executionBlockType"], s) for s in self.steps]
        run = Execution(f"{region}/{next(self._ids):016x}", params.get("mode", "graceful"), region, other,
                        steps, params.get("comment", ""), started=self.clock)
        self.executions.append(run)
        return {"executionId": run.execution_id, "plan": self.plan_arn, "planVersion": "1",
                "activateRegion": region, "deactivateRegion": other}

    def _list(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": [{k: v for k, v in e.answer(self.plan_arn).items()
                           if k not in ("stepStates", "comment")} for e in reversed(self.executions)]}

    def _get(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        run = self.execution(params["executionId"])
        if run.region != region:
            raise Refusal("ResourceNotFoundException", f"{run.execution_id} runs in {run.region}", 404)
        if run.state == "inProgress" and not self._invoking:
            self._tick(run)
        return run.answer(self.plan_arn)

    def _evaluation(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"planArn": self.plan_arn, "evaluationState": "passed", "lastEvaluationTime": T0,
                "lastEvaluatedVersion": "1", "region": region, "warnings": []}

    def _events(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": list(self.execution(params["executionId"]).events)}

    def _update(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        run = self.execution(params["executionId"])
        action = params["action"]
        if action == "switchToUngraceful":
            run.mode = "ungraceful"
        elif action == "switchToGraceful":
            run.mode = "graceful"
        elif action == "resume":
            if run.state not in ("pausedByFailedStep", "pausedByOperator"):
                raise Refusal("IllegalStateException", f"execution is {run.state}, not paused")
            for step in run.steps:
                if step.status == "failed":
                    step.status, step.started, step.ended = "notStarted", None, None
            run.state = "inProgress"
        elif action == "pause":
            run.state = "pausedByOperator"
        return {}

    def _update_step(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """`skip` marks a step not run yet, or one that failed, skipped; the execution stays as it is
        (a paused one is resumed with UpdatePlanExecution; API_UpdatePlanExecutionStep)."""
        run = self.execution(params["executionId"])
        step = next((s for s in run.steps if s.name == params["stepName"]), None)
        if step is None or step.status not in ("notStarted", "failed"):
            raise Refusal("IllegalStateException", f"step {params['stepName']} cannot be updated now")
        if params["actionToTake"] == "skip":
            step.status, step.ended = "skipped", self.clock
        else:
            step.mode = "ungraceful"
        return {}

    def _approve(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        run = self.execution(params["executionId"])
        step = next((s for s in run.steps if s.name == params["stepName"]), None)
        if step is None or step.status != "pendingApproval":
            raise Refusal("IllegalStateException", f"step {params['stepName']} does not wait for approval")
        step.ended = self._advance(SECONDS[APPROVAL])
        if params["approval"] == "approve":
            step.status, run.state = "completed", "inProgress"
        else:
            step.status, run.state, run.ended = "canceled", "canceled", step.ended
        return {}

    # --- running the workflow ---

    def sleep(self, seconds: float) -> None:
        """The action function's sleeps pass on ARC's clock."""
        self._advance(seconds)

    def _advance(self, seconds: float) -> datetime:
        self.clock += timedelta(seconds=seconds)
        return self.clock

    def _tick(self, run: Execution) -> None:
        """Run the next step as its block is documented to run in the execution's mode."""
        step = next((s for s in run.steps if s.status in ("notStarted", "running")), None)
        if step is None:
            failed = any(s.status == "failed" for s in run.steps)
            run.state, run.ended = "completedWithExceptions" if failed else "completed", self.clock
            if self.alarms_firing and not failed:
                run.state, run.ended = "completedMonitoringApplicationHealth", None
            return
        step.mode = run.mode
        step.started = step.started or self.clock
        self.before_step(step.name)
        graceful = run.mode == "graceful"
        if step.block in (LAMBDA, APPROVAL) and not graceful:
            step.status, step.ended = "skipped", self.clock
            return
        if step.block == APPROVAL:
            step.status, run.state = "pendingApproval", "pendingManualApproval"
            return
        if step.name in self.exceptions:
            step.status, step.ended = "failed", self.clock
            return
        try:
            step.result = {LAMBDA: self._lambda, AURORA: self._aurora, SCALING: self._scaling}[step.block](
                run, step)
        except Failed as failure:
            step.status, step.ended, run.state = "failed", self.clock, "pausedByFailedStep"
            run.events.append({"eventId": f"e{len(run.events) + 1}", "type": "stepFailed",
                               "stepName": step.name, "timestamp": self.clock, "error": failure.reason})
            return
        step.status, step.ended = "completed", self.clock

    def _lambda(self, run: Execution, step: StepRun) -> Any:
        [config] = step.config["customActionLambdaConfigs"]
        assert config["regionToRun"] == "activatingRegion"
        function = self.functions[run.region]
        # regionToRun activatingRegion: the activating region's function, which the plan must name.
        assert function["arn"] in [f["arn"] for f in config["lambdas"]], (function, config)
        event = {"InvokedBy": self.role_arn, "PlanArn": self.plan_arn, "ExecutionId": run.execution_id,
                 "StepName": step.name}
        deadline = self.clock + timedelta(minutes=config.get("timeoutMinutes") or 60)
        while True:
            run.invocations.append(event)
            self._invoking = True
            try:
                with _function_env(function["variables"], run.region):
                    return self.handler.handler(dict(event), None)
            except AssertionError:
                raise
            except Exception as error:  # noqa: BLE001 - Lambda reports any unhandled one as a function error
                reason = str(error)
            finally:
                self._invoking = False
            retry = timedelta(minutes=float(config["retryIntervalMinutes"]))
            if self.clock + retry >= deadline:
                raise Failed(f"{step.name} timed out after {config.get('timeoutMinutes')} min: {reason}")
            self._advance(retry.total_seconds())

    def _aurora(self, run: Execution, step: StepRun) -> Any:
        [config] = step.config["globalAuroraConfigs"]
        target = next(arn for arn in config["databaseClusterArns"] if f":rds:{run.region}:" in arn)
        rds = self.aws.clients.rds(run.region)
        try:
            if run.mode == "graceful" and config["behavior"] == "switchoverOnly":
                rds.switchover_global_cluster(GlobalClusterIdentifier=config["globalClusterIdentifier"],
                                              TargetDbClusterIdentifier=target)
            elif any(u.get("ungraceful") == "failover" for u in config.get("ungracefuls") or []) \
                    or config["behavior"] == "failover":
                rds.failover_global_cluster(GlobalClusterIdentifier=config["globalClusterIdentifier"],
                                            TargetDbClusterIdentifier=target, AllowDataLoss=True)
            else:
                raise Failed("no ungraceful behaviour configured for the Aurora step")
        except (BotoCoreError, ClientError) as error:
            raise Failed(f"Aurora refused: {str(error).splitlines()[0]}") from None
        self._advance(SECONDS[AURORA])
        return {"target": target, "mode": run.mode}

    def _scaling(self, run: Execution, step: StepRun) -> Any:
        if self.fail_scaling:
            raise Failed(self.fail_scaling)
        self._advance(SECONDS[SCALING])
        [config] = step.config["auroraServerlessScalingConfigs"]
        return {"scaled": config["regionDatabaseClusterArns"][run.region]}


class Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@contextmanager
def _function_env(variables: Mapping[str, str], region: str) -> Iterator[None]:
    """The deployed function's environment while it runs, as Lambda sets it."""
    saved = dict(os.environ)
    os.environ.update({**variables, "AWS_REGION": region})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
