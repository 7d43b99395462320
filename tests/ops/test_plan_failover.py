"""`invoke failover` / `failback` driving the ARC Region switch plan, against botocore's Stubber
for `arc-region-switch` (every request checked against the service model and the expected
parameters; an unexpected or missing call fails the test): start, follow with live progress,
approvals, a failed step, the ungraceful path with us-east-1 unreachable, ARC itself down,
--local, and the plan's evaluation in `invoke status`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from shared.cli import ops as cli
from shared.ops.aws.errors import OpsError, StepFailed
from shared.ops.aws.region_switch import duration_seconds
from shared.ops.aws.status import collect_status
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.engines.failover import Failover
from shared.ops.engines.move import PLANNED, FailoverRequest
from shared.ops.engines.plan_failover import PlanFailover
from shared.ops.engines.state import StateStore
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock
from tests.ops.test_failover import queue_preflight, queue_promotion, queue_traffic_move, queue_verify
from tests.ops.test_outage_end_to_end import queue_unplanned_preflight, run_invoke
from tests.ops.test_status import queue_region_reads

PLAN_ARN = "arn:aws:arc-region-switch::123456789012:plan/dr-plan-dev:a1b2c3"
EXECUTION = "us-east-2/0123456789abcdef"
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# The plan's steps (the recovery layer's workflow), each with its start and end second after T0.
STEPS = [("fence-writes", 0, 4), ("aurora-switchover", 4, 94), ("move-traffic", 94, 101)]


class Arc:
    """ARC Region switch's data plane in one region, as the Stubber answers it."""

    def __init__(self, aws: Aws, region: str) -> None:
        self.region = region
        self.stub: Stubber = aws.stub("arc-region-switch", region)

    def evaluation(self, state: str = "passed", *warnings: tuple[str, str]) -> None:
        self.stub.add_response("get_plan_evaluation_status", {
            "planArn": PLAN_ARN, "evaluationState": state, "lastEvaluationTime": T0,
            "lastEvaluatedVersion": "3", "region": self.region,
            "warnings": [{"version": "3", "stepName": step, "warningStatus": "active",
                          "warningUpdatedTime": T0, "warningMessage": message,
                          "resourceArn": "arn:aws:rds::123456789012:global-cluster:dr-aurora-dev"}
                         for step, message in warnings]}, {"planArn": PLAN_ARN})

    def executions(self, *items: dict[str, Any]) -> None:
        self.stub.add_response("list_plan_executions", {"items": list(items)},
                               {"planArn": PLAN_ARN, "maxResults": 20})

    def start(self, mode: str = "graceful") -> None:
        other = PRIMARY if self.region == SECONDARY else SECONDARY
        self.stub.add_response("start_plan_execution", {
            "executionId": EXECUTION, "plan": PLAN_ARN, "planVersion": "3",
            "activateRegion": self.region, "deactivateRegion": other},
            {"planArn": PLAN_ARN, "targetRegion": self.region, "action": "activate", "mode": mode,
             "comment": ANY, "clientToken": ANY})

    def execution(self, state: str, done: int, current: str | None = None, mode: str = "graceful",
                  recovery: str | None = None, steps: list[tuple[str, int, int]] = STEPS) -> None:
        """`done` steps completed, the next one in status `current` (if any), the rest not started."""
        states: list[dict[str, Any]] = []
        for index, (name, start, end) in enumerate(steps):
            step: dict[str, Any] = {"name": name, "stepMode": mode}
            if index < done:
                step.update(status="completed", startTime=T0 + timedelta(seconds=start),
                            endTime=T0 + timedelta(seconds=end))
            elif index == done and current:
                step.update(status=current, startTime=T0 + timedelta(seconds=start))
                if current == "failed":
                    step["endTime"] = T0 + timedelta(seconds=start + 30)
            else:
                step["status"] = "notStarted"
            states.append(step)
        answer: dict[str, Any] = {
            "planArn": PLAN_ARN, "executionId": EXECUTION, "startTime": T0, "mode": mode,
            "executionState": state, "executionAction": "activate", "executionRegion": self.region,
            "stepStates": states}
        if state in ("completed", "completedWithExceptions"):
            answer["endTime"] = T0 + timedelta(seconds=steps[-1][2])
        if recovery:
            answer["actualRecoveryTime"] = recovery
        self.stub.add_response("get_plan_execution", answer, {"planArn": PLAN_ARN, "executionId": EXECUTION})

    def approve(self, step: str, approval: str = "approve") -> None:
        self.stub.add_response("approve_plan_execution_step", {}, {
            "planArn": PLAN_ARN, "executionId": EXECUTION, "stepName": step, "approval": approval,
            "comment": ANY})

    def events(self, step: str, error: str) -> None:
        self.stub.add_response("list_plan_execution_events", {"items": [
            {"eventId": "e1", "type": "stepStarted", "stepName": step, "timestamp": T0},
            {"eventId": "e2", "type": "stepFailed", "stepName": step, "timestamp": T0, "error": error}]},
            {"planArn": PLAN_ARN, "executionId": EXECUTION, "maxResults": 100})


def under_way(region: str, state: str = "inProgress", mode: str = "graceful") -> dict[str, Any]:
    return {"planArn": PLAN_ARN, "executionId": EXECUTION, "startTime": T0, "mode": mode,
            "executionState": state, "executionAction": "activate", "executionRegion": region}


@pytest.fixture
def plan(aws: Aws) -> Aws:
    """The emulated account with the recovery layer's plan deployed."""
    aws.topology = replace(aws.topology, plan_arn=PLAN_ARN, plan_name="dr-plan-dev")
    return aws


@pytest.fixture
def plan_engine(plan: Aws, tmp_path: Any, printed: list[str], clock: FakeClock) -> PlanFailover:
    return PlanFailover(plan.topology, plan.clients, store=StateStore(tmp_path / "runs"),
                        waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                        echo=printed.append, prober=plan.entries, ask=None)


@pytest.fixture
def tasks(plan: Aws, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """The invoke tasks wired to the emulated account with the plan, on a fake clock."""
    clock = FakeClock()
    monkeypatch.setattr(cli, "RUNTIME", cli.Runtime(
        clients=lambda: plan.clients, topology=lambda env, backend: plan.topology,
        engine={"store": StateStore(tmp_path / "runs"), "prober": plan.entries,
                "timeouts": Timeouts(approval=20),
                "waiter": Waiter(clock=clock, sleep=clock.sleep, echo=lambda line: None, interval=5)},
        status={"prober": plan.entries}))
    yield clock


def test_an_execution_towards_the_other_region_under_way_is_not_raced(plan, plan_engine):
    arc = Arc(plan, PRIMARY)
    arc.executions(under_way(PRIMARY, "pendingManualApproval") | {"executionRegion": SECONDARY})

    with pytest.raises(OpsError, match=r"execution .* under way \(activate us-east-2.*cancel-plan-execution"):
        plan_engine.run(FailoverRequest("primary", PLANNED, operation="failback"))


def test_without_approve_and_no_terminal_it_prints_the_command_and_times_out(plan, tasks, capsys):
    arc = Arc(plan, SECONDARY)
    steps = [("approve-failover", 0, 60), *STEPS]
    arc.executions()
    arc.evaluation()
    queue_preflight(plan)
    arc.start()
    for _ in range(5):  # Timeouts(approval=20), a read every 5 s of the fake clock
        arc.execution("pendingManualApproval", 0, "pendingApproval", steps=steps)

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--yes")

    captured = capsys.readouterr()
    assert code == 1, captured.out
    plan.verify_all_used()  # no approve_plan_execution_step call was made
    command = (f"aws arc-region-switch approve-plan-execution-step --region {SECONDARY} "
               f"--plan-arn {PLAN_ARN} --execution-id {EXECUTION} --step-name approve-failover "
               "--approval approve")
    assert command in captured.out  # printed as soon as the step waited
    error = captured.err.strip()
    assert error.count("\n") == 0 and "Traceback" not in error
    assert error.startswith(f"error: step approve-failover of execution {EXECUTION} still waits for approval "
                            "after 20 s") and command in error and "--approve" in error
    assert cli.RUNTIME.engine["store"].load("dev").failed_step == "approve-failover"


def test_a_failed_step_exits_1_with_one_line_naming_it_and_what_to_do(plan, tasks, capsys):
    arc = Arc(plan, SECONDARY)
    arc.executions()
    arc.evaluation()
    queue_preflight(plan)
    arc.start()
    arc.execution("inProgress", 1, "running")
    arc.execution("pausedByFailedStep", 1, "failed")
    arc.events("aurora-switchover", "Global cluster dr-aurora-dev is not in a valid state\nfor switchover")

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--yes")

    err = capsys.readouterr().err.strip()
    assert code == 1
    plan.verify_all_used()
    assert err.count("\n") == 0
    assert err.startswith(f"error: plan execution {EXECUTION} pausedByFailedStep: step aurora-switchover "
                          "failed (Global cluster dr-aurora-dev is not in a valid state for switchover)")
    assert "--action resume" in err and "--local" in err


def test_arc_unavailable_stops_a_planned_failover_in_one_line_suggesting_local(plan, tasks, capsys):
    Arc(plan, SECONDARY).stub.add_client_error("list_plan_executions", "InternalServerException",
                                               "Internal failure", http_status_code=500)

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--yes")

    err = capsys.readouterr().err.strip()
    assert code == 1
    plan.verify_all_used()  # nothing else asked: no preflight, nothing started
    assert err.count("\n") == 0
    assert err.startswith(f"error: ARC Region switch does not answer in {SECONDARY} (")
    assert err.endswith("nothing was started: rerun with --local to run the client-side sequence")


def queue_local_unplanned(aws: Aws) -> None:
    queue_unplanned_preflight(aws)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)


def test_arc_unavailable_in_an_unplanned_failover_runs_the_client_side_sequence(outage, plan, tasks, capsys):
    outage.take_down(PRIMARY)
    plan.entries.set("primary", "down")
    Arc(plan, SECONDARY).stub.add_client_error("list_plan_executions", "ServiceUnavailableException",
                                               "Service unavailable", http_status_code=503)
    queue_local_unplanned(plan)

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--unplanned", "--yes")

    out = capsys.readouterr().out
    assert code == 0, out
    plan.verify_all_used()
    assert f"ARC Region switch does not answer in {SECONDARY}" in out and "client-side sequence" in out
    assert f"failover dev: {PRIMARY} -> {SECONDARY} (unplanned: Aurora failover ALLOWING DATA LOSS)" in out
    assert outage.refused_in(PRIMARY) == []


def test_local_runs_the_client_side_sequence_although_the_plan_is_deployed(outage, plan, tasks, capsys):
    outage.take_down(PRIMARY)
    plan.entries.set("primary", "down")
    queue_local_unplanned(plan)

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--unplanned", "--yes", "--local")

    out = capsys.readouterr().out
    assert code == 0, out
    plan.verify_all_used()
    assert ("arc-region-switch", SECONDARY) not in plan.stubs  # ARC was never asked
    assert "Region switch plan" not in out.splitlines()[0]


def test_the_engine_is_the_plan_when_deployed_unless_local(plan, aws, tasks):
    assert isinstance(cli._engine(plan.topology)[1], PlanFailover)
    assert isinstance(cli._engine(plan.topology, local=True)[1], Failover)
    assert isinstance(cli._engine(replace(plan.topology, plan_arn=None))[1], Failover)


def test_status_shows_the_plans_evaluation_and_its_warnings(plan, stores, tasks, capsys):
    for _ in range(2):  # text, then JSON
        plan.cluster(PRIMARY, writer="primary")
        queue_region_reads(plan, "primary", 100)
        queue_region_reads(plan, "secondary", 0, lag_ms=900)
        Arc(plan, PRIMARY).evaluation("actionRequired", ("aurora-switchover", "The execution role lacks "
                                                         "rds:SwitchoverGlobalCluster"))

    assert run_invoke("status", "--env", "dev") == 0
    out = capsys.readouterr().out
    assert ("Region switch plan dr-plan-dev: evaluation actionRequired (NOT READY: fix the warnings, or fail "
            f"over with --local), last evaluated {T0.isoformat()} (read in {PRIMARY})") in out
    assert ("  plan warning: aurora-switchover: The execution role lacks rds:SwitchoverGlobalCluster "
            "(dr-aurora-dev)") in out

    assert run_invoke("status", "--env", "dev", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    plan.verify_all_used()
    assert data["plan"]["evaluation_state"] == "actionRequired"
    assert data["plan"]["warnings"][0]["step"] == "aurora-switchover"


def test_status_reads_the_evaluation_from_the_region_that_answers(plan, stores):
    plan.cluster(PRIMARY, writer="primary")
    queue_region_reads(plan, "primary", 100)
    queue_region_reads(plan, "secondary", 0, lag_ms=900)
    Arc(plan, PRIMARY).stub.add_client_error("get_plan_evaluation_status", "InternalServerException",
                                             "Internal failure", http_status_code=500)
    Arc(plan, SECONDARY).evaluation("passed")

    status = collect_status(plan.topology, plan.clients, prober=plan.entries)

    plan.verify_all_used()
    assert status.plan and status.plan["read_in"] == SECONDARY and status.plan["evaluation_state"] == "passed"
    screen = status.render()
    assert "evaluation passed (ready)" in screen
    assert any(line.startswith(f"error: Region switch plan evaluation via {PRIMARY}")
               for line in screen.splitlines())


def test_status_without_a_plan_says_so(aws, stores):
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    assert status.plan is None
    assert "Region switch plan: no Region switch plan deployed" in status.render()


def test_arc_durations_read_as_seconds():
    assert duration_seconds("PT4M30S") == 270.0
    assert duration_seconds("PT1H2M3.5S") == 3723.5
    assert duration_seconds("P1DT1S") == 86401.0
    assert duration_seconds(None) is duration_seconds("P") is duration_seconds("soon") is None


def test_a_declined_step_stops_with_its_name(plan, plan_engine):
    plan_engine.ask = lambda question: "decline"
    arc = Arc(plan, SECONDARY)
    steps = [("approve-failover", 0, 60), *STEPS]
    arc.executions()
    arc.evaluation()
    queue_preflight(plan)
    arc.start()
    arc.execution("pendingManualApproval", 0, "pendingApproval", steps=steps)
    arc.approve("approve-failover", "decline")

    with pytest.raises(StepFailed, match="step approve-failover declined"):
        plan_engine.run(FailoverRequest("secondary", PLANNED))
    plan.verify_all_used()


def test_ctrl_c_while_following_releases_the_lock_and_says_the_execution_goes_on(plan, plan_engine,
                                                                                printed):
    arc = Arc(plan, SECONDARY)
    arc.executions()
    arc.evaluation()
    queue_preflight(plan)
    arc.start()
    arc.execution("inProgress", 0, "running")

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    plan_engine.waiter.sleep = interrupted
    with pytest.raises(KeyboardInterrupt):
        plan_engine.run(FailoverRequest("secondary", PLANNED))

    plan.verify_all_used()
    assert any(line.startswith("interrupted: a started execution goes on in ARC") for line in printed)
    lock = plan.topology.lock_parameter_name
    assert all(p["Name"] != lock for region in (PRIMARY, SECONDARY)
               for p in plan.clients.ssm(region).describe_parameters()["Parameters"])
