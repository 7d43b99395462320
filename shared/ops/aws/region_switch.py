"""ARC Region switch: reading a plan's executions and evaluation from the regional data plane.

Every call here is a data-plane operation (StartPlanExecution, GetPlanExecution,
ApprovePlanExecutionStep, ListPlanExecutions, ListPlanExecutionEvents, UpdatePlanExecution(Step),
GetPlanEvaluationStatus): botocore's endpoint rules send only the control-plane operations
(CreatePlan, UpdatePlan, GetPlan, ListPlans...) to the partition's leader region, so a client
named for the region being activated reaches that region alone. With us-east-1 gone, an
execution activating us-east-2 is started, followed and approved from us-east-2.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, one_line

# ExecutionState values (botocore model, arc-region-switch 2022-07-26).
SUCCEEDED = ("completed", "completedWithExceptions")
FAILED = ("failed", "pausedByFailedStep", "canceled", "planExecutionTimedOut")
# Not finished: the plan still runs, waits for an approval or an operator, or has done its steps
# and watches the associated alarms before ARC settles its actual recovery time.
MONITORING = "completedMonitoringApplicationHealth"
UNDER_WAY = ("pending", "inProgress", "pendingManualApproval", "pausedByOperator", MONITORING)
# A rerun follows an execution paused on a failed step rather than start a second one: it says
# what failed and how to resume it.
NOT_ENDED = (*UNDER_WAY, "pausedByFailedStep")
ACTIVATE = "activate"
# The deployed plan's Aurora Global Database step (shared/components/region_switch.py names it so):
# once it completed in an ungraceful execution, writes were left behind in the old writer.
PROMOTE_STEP = "promote-database"
# Its AuroraServerlessScaling step, before the promotion: it has no ungraceful setting (botocore's
# AuroraServerlessScalingConfiguration) and sizes from the source cluster's last 24 hours of use
# (r53recovery/latest/dg/aurora-serverless-scaling-block.html), so with the source gone it may
# fail and pause an ungraceful execution before the promotion: the tool then skips past it.
SCALE_STEP = "scale-database"
# A pilot light's custom action that gives the headless cluster an instance (bring_up_action.py).
BRING_UP_STEP = "bring-up-database"
GRACEFUL, UNGRACEFUL = "graceful", "ungraceful"
LIST_PAGE = 20  # the newest executions, enough to find one under way

_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def require_model(model: Any | None = None) -> None:
    """One line, before anything starts, when the installed botocore cannot send what the plan
    engine sends: StartPlanExecution's clientToken (in botocore's arc-region-switch model from
    1.43.54; earlier models reject the parameter before any request leaves)."""
    # Imported here: botocore's session and model bring its HTTP stack (a fifth of a second),
    # and the recovery layer's program imports this module for its step names.
    import botocore.session
    from botocore.model import OperationNotFoundError

    if model is None:
        model = botocore.session.get_session().get_service_model("arc-region-switch")
    try:
        members = model.operation_model("StartPlanExecution").input_shape.members
    except OperationNotFoundError:
        members = {}
    if "clientToken" not in members:
        raise OpsError(f"botocore {botocore.__version__} is too old for the Region switch plan "
                       "(StartPlanExecution has no clientToken): pip install 'boto3>=1.43.54', or run "
                       "the client-side sequence with --local")


def duration_seconds(text: str | None) -> float | None:
    """ISO 8601 durations as ARC reports actualRecoveryTime ("PT4M30S"); None when absent or odd."""
    match = _DURATION.match(text or "")
    if not text or not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return round(((days * 24 + hours) * 60 + minutes) * 60 + seconds, 1)


def span_seconds(started: datetime | None, ended: datetime | None) -> float | None:
    """ARC's start-to-end time of a step or an execution, once both ends are known."""
    if started is None or ended is None:
        return None
    return round((ended - started).total_seconds(), 1)


@dataclass(frozen=True)
class StepView:
    name: str
    status: str  # StepStatus: notStarted, running, pendingApproval, completed, failed, skipped, canceled
    started: datetime | None
    ended: datetime | None
    mode: str | None

    @property
    def seconds(self) -> float | None:
        return span_seconds(self.started, self.ended)


@dataclass(frozen=True)
class ExecutionView:
    """One GetPlanExecution answer."""

    execution_id: str
    state: str
    mode: str
    action: str
    region: str  # executionRegion: the region the execution runs in, the one it activates
    started: datetime | None
    ended: datetime | None
    recovery_time: str | None  # actualRecoveryTime as ARC gives it (ISO 8601 duration)
    steps: tuple[StepView, ...] = ()
    comment: str = ""

    @classmethod
    def parse(cls, answer: Mapping[str, Any]) -> ExecutionView:
        steps = tuple(StepView(s.get("name", "?"), s.get("status", "notStarted"), s.get("startTime"),
                               s.get("endTime"), s.get("stepMode")) for s in answer.get("stepStates") or [])
        return cls(answer["executionId"], answer["executionState"], answer.get("mode", ""),
                   answer.get("executionAction", ""), answer.get("executionRegion", ""),
                   answer.get("startTime"), answer.get("endTime"), answer.get("actualRecoveryTime"),
                   steps, answer.get("comment", ""))

    def step(self, status: str) -> StepView | None:
        return next((s for s in self.steps if s.status == status), None)

    @property
    def seconds(self) -> float | None:
        return span_seconds(self.started, self.ended)


@dataclass(frozen=True)
class Evaluation:
    """GetPlanEvaluationStatus: ARC evaluates the plan on every change and about every 30 minutes."""

    plan_arn: str
    state: str  # passed, actionRequired, pendingEvaluation, unknown
    last_evaluated: datetime | None
    version: str | None
    read_in: str  # the region whose data plane answered
    warnings: list[dict[str, Any]] = field(default_factory=list)  # the active ones

    @property
    def ready(self) -> bool:
        return self.state == "passed"

    def describe(self) -> str:
        when = self.last_evaluated.isoformat() if self.last_evaluated else "never"
        text = f"evaluation {self.state} (last evaluated {when}, read in {self.read_in})"
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"evaluation_state": self.state, "last_evaluation_time": self.last_evaluated,
                "last_evaluated_version": self.version, "read_in": self.read_in, "warnings": self.warnings}


def read_evaluation(clients: AwsClients, plan_arn: str, region: str) -> Evaluation:
    answer = clients.arc_region_switch(region).get_plan_evaluation_status(planArn=plan_arn)
    warnings = [{"step": w.get("stepName"), "resource": w.get("resourceArn"),
                 "workflow": (w.get("workflow") or {}).get("name"), "message": w.get("warningMessage", ""),
                 "updated": w.get("warningUpdatedTime")}
                for w in answer.get("warnings") or [] if w.get("warningStatus", "active") == "active"]
    return Evaluation(plan_arn, answer.get("evaluationState", "unknown"), answer.get("lastEvaluationTime"),
                      answer.get("lastEvaluatedVersion"), region, warnings)


def read_execution(clients: AwsClients, plan_arn: str, region: str, execution_id: str) -> ExecutionView:
    answer = clients.arc_region_switch(region).get_plan_execution(planArn=plan_arn, executionId=execution_id)
    return ExecutionView.parse(answer)


def executions_under_way(clients: AwsClients, plan_arn: str, region: str) -> list[dict[str, Any]]:
    """The newest executions of the plan that have not finished (AbbreviatedExecution items)."""
    answer = clients.arc_region_switch(region).list_plan_executions(planArn=plan_arn, maxResults=LIST_PAGE)
    return [item for item in answer.get("items") or [] if item.get("executionState") in NOT_ENDED]


def step_error(clients: AwsClients, plan_arn: str, region: str, execution_id: str, step: str) -> str:
    """What ARC's events say went wrong in `step`, "" when they say nothing or cannot be read."""
    try:
        answer = clients.arc_region_switch(region).list_plan_execution_events(
            planArn=plan_arn, executionId=execution_id, maxResults=100)
    except AWS_ERRORS as error:
        return f"its events unreadable: {one_line(error)}"
    errors = [e for e in answer.get("items") or [] if e.get("stepName") == step and e.get("error")]
    return one_line(Exception(errors[-1]["error"])) if errors else ""


def skip_failed_step(clients: AwsClients, plan_arn: str, region: str, execution_id: str, step: str,
                     comment: str) -> str:
    """Skip `step`, which failed and paused the execution, and resume it if the skip alone did not
    (API_UpdatePlanExecutionStep `skip`, then API_UpdatePlanExecution `resume`): the state read last."""
    arc = clients.arc_region_switch(region)
    arc.update_plan_execution_step(planArn=plan_arn, executionId=execution_id, stepName=step,
                                   actionToTake="skip", comment=comment[:1024])
    state = str(arc.get_plan_execution(planArn=plan_arn, executionId=execution_id)["executionState"])
    if state == "pausedByFailedStep":
        arc.update_plan_execution(planArn=plan_arn, executionId=execution_id, action="resume",
                                  comment=comment[:1024])
    return state


def unavailable(error: BaseException) -> bool:
    """ARC's regional endpoint does not answer, or answers with a server fault (not a refusal)."""
    if isinstance(error, ConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return int(status or 0) >= 500
    return False


def approve_command(plan_arn: str, execution_id: str, step: str, region: str) -> str:
    """The AWS CLI line that approves `step`, for an operator at another terminal."""
    return " ".join(["aws arc-region-switch approve-plan-execution-step", "--region", region,
                     "--plan-arn", shlex.quote(plan_arn), "--execution-id", shlex.quote(execution_id),
                     "--step-name", shlex.quote(step), "--approval approve"])
