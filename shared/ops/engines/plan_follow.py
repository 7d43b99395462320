"""Following one Region switch plan execution to its end, from the activating region.

Polls GetPlanExecution on the injected clock (shared.ops.aws.waiting.Waiter), prints each state
and step transition once with the time since following began, answers a step waiting for
approval (--approve, the operator at a TTY prompt, or the AWS CLI line to run elsewhere while
it keeps waiting), and turns an execution that stops into one line naming the step and what
to do next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, StepFailed, one_line
from shared.ops.aws.region_switch import (
    FAILED,
    MONITORING,
    PROMOTE_STEP,
    SCALE_STEP,
    SUCCEEDED,
    UNGRACEFUL,
    ExecutionView,
    approve_command,
    read_execution,
    skip_failed_step,
    step_error,
)
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.engines.lock import operator

# Asks the operator about a step waiting for approval: "approve", "decline", or None (cannot ask).
Ask = Callable[[str], str | None]


def tty_ask(question: str) -> str | None:
    """Ask on the terminal; None without one (the caller then prints the CLI command instead)."""
    if not sys.stdin.isatty():
        return None
    while True:
        try:
            answer = input(f"{question} [approve/decline]: ").strip().lower()
        except EOFError:
            return None
        if answer in ("approve", "decline"):
            return answer


# The current code of an MFA device (its serial given), or None when it cannot be asked.
MfaCode = Callable[[str], str | None]


def tty_mfa_code(serial: str) -> str | None:
    """Ask for the code on the terminal; None without one."""
    if not sys.stdin.isatty():
        return None
    try:
        return input(f"MFA code for {serial} (the approval role requires MFA): ").strip() or None
    except EOFError:
        return None


@dataclass
class Follower:
    clients: AwsClients
    plan_arn: str
    region: str  # the activating region: every call goes to its data plane
    execution_id: str
    waiter: Waiter
    timeouts: Timeouts
    say: Callable[[str], None]
    approve: bool = False
    ask: Ask | None = tty_ask
    on_view: Callable[[ExecutionView], None] | None = None  # every answer read, as it is read
    approval_role: str | None = None  # the plan's approval role, assumed to answer an approval
    mfa_code: MfaCode | None = None  # the profile's MFA code, asked when it names a device
    # Steps of an ungraceful execution skipped past here after they failed: what each left by hand.
    skipped: list[str] = field(default_factory=list)
    _printed: dict[str, str] = field(default_factory=dict)
    _answered: set[str] = field(default_factory=set)
    _pending_since: dict[str, float] = field(default_factory=dict)

    def follow(self) -> ExecutionView:
        clock = self.waiter.clock
        start = clock()
        limit = self.timeouts.plan_execution
        monitoring_since: float | None = None
        last_error = ""
        while True:
            view: ExecutionView | None = None
            try:
                view = read_execution(self.clients, self.plan_arn, self.region, self.execution_id)
            except AWS_ERRORS as error:  # a read that fails is retried until the timeout
                text = one_line(error)
                if text != last_error:
                    self.say(f"  reading execution {self.execution_id} failed: {text}; retrying")
                last_error = text
            elapsed = clock() - start
            if view is not None:
                self._progress(view, elapsed)
                if self.on_view:
                    self.on_view(view)
                if view.state in SUCCEEDED:
                    return view
                if view.state in FAILED:
                    if self._skip_past(view):
                        continue
                    raise self._failure(view)
                if view.state == MONITORING:
                    monitoring_since = elapsed if monitoring_since is None else monitoring_since
                    if elapsed - monitoring_since >= self.timeouts.traffic:
                        return view  # the steps are done; ARC has not settled its recovery time yet
                waiting = view.step("pendingApproval")
                if waiting and waiting.name not in self._answered:
                    self._approval(view, waiting.name, elapsed)
            if elapsed >= limit:
                seen = view.state if view else last_error
                raise OpsError(f"execution {self.execution_id} not finished after {limit:.0f} s ({seen}); "
                               "it goes on in ARC: rerun this command to follow it, or see it in the console")
            self.waiter.sleep(min(self.waiter.interval, limit - elapsed))

    def _skip_past(self, view: ExecutionView) -> bool:
        """An ungraceful execution (the source is gone) paused by a failed step other than the
        promotion: skip that step so the promotion runs, and say what it leaves by hand. The
        scaling step is the one expected here (SCALE_STEP); a step failed twice is not skipped again."""
        bad = next((s for s in view.steps if s.status == "failed"), None)
        if (view.state != "pausedByFailedStep" or view.mode != UNGRACEFUL or bad is None
                or bad.name == PROMOTE_STEP
                or any(item.startswith(f"plan step {bad.name} ") for item in self.skipped)):
            return False
        why = step_error(self.clients, self.plan_arn, self.region, view.execution_id, bad.name)
        try:
            skip_failed_step(self.clients, self.plan_arn, self.region, view.execution_id, bad.name,
                             f"skipped by {operator()}: ungraceful, the promotion does not wait for it")
        except AWS_ERRORS as error:
            self.say(f"    {bad.name} failed and cannot be skipped: {one_line(error)}")
            return False
        left = ("size the activating cluster's Serverless v2 capacity (min/max ACU) like the old "
                "writer's (aws rds modify-db-cluster --serverless-v2-scaling-configuration)"
                if bad.name == SCALE_STEP else f"do what step {bad.name} does")
        self.skipped.append(f"plan step {bad.name} failed{f' ({why})' if why else ''} and was skipped so "
                            f"the promotion could run: {left}")
        self.say(f"    {bad.name}: failed in an ungraceful execution, skipped so the promotion runs"
                 + (f" ({why})" if why else ""))
        return True

    def _progress(self, view: ExecutionView, elapsed: float) -> None:
        stamp = f"  [{elapsed:>5.0f} s]"
        if self._printed.get("") != view.state:
            self._printed[""] = view.state
            self.say(f"{stamp} execution {view.execution_id}: {view.state}")
        for step in view.steps:
            if step.status == "notStarted" or self._printed.get(step.name) == step.status:
                continue
            self._printed[step.name] = step.status
            took = "" if step.seconds is None or step.status == "running" else f" in {step.seconds:.1f} s"
            self.say(f"{stamp} {step.name}: {step.status}{took}")

    def _answer(self, step: str, approval: str, how: str) -> None:
        """ApprovePlanExecutionStep as the plan's approval role when it has one: the guide's "anyone
        who has access to the role defined in the execution block can approve or decline"
        (r53recovery/latest/dg/manual-approval-block.html), not the operator's own credentials."""
        clients, who = self.clients, "own credentials"
        try:
            if self.approval_role:
                who = f"as {self.approval_role}"
                serial = self.clients.mfa_serial
                code = self.mfa_code(serial) if serial and self.mfa_code else None
                clients = self.clients.assumed(self.approval_role, self.region, f"dr-approve-{how[:20]}",
                                               mfa=(serial, code) if serial and code else None)
            clients.arc_region_switch(self.region).approve_plan_execution_step(
                planArn=self.plan_arn, executionId=self.execution_id, stepName=step, approval=approval,
                comment=f"{approval} by {operator()} ({how}, {who})")
        except AWS_ERRORS as error:
            raise StepFailed(step, f"cannot {approval} step {step} of execution {self.execution_id} ({who}): "
                                   f"{one_line(error)}; approve it from a terminal allowed to: "
                                   f"{self._command(step)}") from None
        self._answered.add(step)
        self.say(f"    {step}: {approval}d ({how}, {who})")

    def _command(self, step: str) -> str:
        command = approve_command(self.plan_arn, self.execution_id, step, self.region)
        if not self.approval_role:
            return command
        return (f"{command}, with the approval role's credentials (aws sts assume-role --region "
                f"{self.region} --role-arn {self.approval_role} --role-session-name approve)")

    def _approval(self, view: ExecutionView, step: str, elapsed: float) -> None:
        # Four eyes: whoever started a protected move (the plan has an approval role) does not also
        # approve it; they are not asked, and the command is printed for someone else.
        starter = self.approval_role is not None and f" by {operator()}:" in view.comment
        if self.approve:
            if starter:
                raise StepFailed(step, f"execution {view.execution_id} was started by {operator()}: its "
                                       f"approval must come from someone else: {self._command(step)}")
            self._answer(step, "approve", "--approve")
            return
        question = f"Plan step {step} of execution {view.execution_id} waits for approval. Approve it?"
        reply = self.ask(question) if self.ask and not starter else None
        if reply == "approve":
            self._answer(step, "approve", "at the prompt")
            return
        if reply == "decline":
            self._answer(step, "decline", "at the prompt")
            raise StepFailed(step, f"step {step} declined: ARC does not go on with execution "
                                   f"{view.execution_id}; nothing else was changed by this command")
        command = self._command(step)
        first = self._pending_since.setdefault(step, elapsed)
        if first == elapsed:
            self.say(f"    {step} waits for approval; rerun with --approve, or approve it from any "
                     f"terminal: {command} (waiting up to {self.timeouts.approval:.0f} s)")
        if elapsed - first >= self.timeouts.approval:
            raise StepFailed(step, f"step {step} of execution {view.execution_id} still waits for approval "
                                   f"after {self.timeouts.approval:.0f} s: approve it ({command}) and rerun "
                                   "this command to follow it, or rerun with --approve")

    def _failure(self, view: ExecutionView) -> StepFailed:
        bad = (next((s for s in view.steps if s.status in ("failed", "canceled")), None)
               or view.step("running") or view.step("pendingApproval"))
        why = step_error(self.clients, self.plan_arn, self.region, view.execution_id, bad.name) if bad else ""
        what = f"step {bad.name} {bad.status}" if bad else "no step failed"
        if view.state == "pausedByFailedStep":
            remedy = ("fix the cause and resume it in the ARC console or with aws arc-region-switch "
                      f"update-plan-execution --region {self.region} --plan-arn {self.plan_arn} "
                      f"--execution-id {view.execution_id} --action resume, or run the client-side "
                      "sequence with --local")
        else:
            remedy = "rerun to start a new execution, or run the client-side sequence with --local"
        return StepFailed(bad.name if bad else "plan execution",
                          f"plan execution {view.execution_id} {view.state}: {what}"
                          + (f" ({why})" if why else "") + f"; {remedy}")
