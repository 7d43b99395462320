"""`invoke failover|failback` driving the Region switch plan the recovery layer deploys, run by
the ARC emulation (tests/ops/arc_emulation.py: each block as the ARC guide documents it, the real
action function invoked with the event ARC sends) against a world that keeps state
(tests/ops/emulated_world.py) and moto: what matters is where the writer, the dials, the
authority and the fences end, not which calls were queued."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
from moto import mock_aws

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import StepFailed
from shared.ops.aws.topology import OPTIONAL_LAYERS, SOURCE_LAYERS, topology_from_outputs
from shared.ops.aws.waiting import Waiter
from shared.ops.engines.lost_writes import read_record
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from shared.ops.engines.plan_failover import PlanFailover
from shared.ops.engines.state import StateStore
from tests.ops.arc_emulation import RegionSwitch
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock, deployed
from tests.ops.emulated_world import World
from tests.recovery.conftest import handler_module
from tests.support import outputs, plan_of

FENCE, SCALE, PROMOTE, TRAFFIC = "fence-writes", "scale-database", "promote-database", "move-traffic"


@dataclass
class Emulated:
    aws: Aws
    world: World
    arc: RegionSwitch
    engine: PlanFailover
    printed: list[str]

    def ends(self) -> dict[str, Any]:
        """Where the move left what users depend on."""
        return {"writer": self.world.writer,
                "dials": {role: self.world.dial(role) for role in ("primary", "secondary")},
                # Who writes: the authority record in each replica (handlers/authority.py), and
                # the active-region flag the moves still set for compatibility.
                "authority": {r: self.aws.authority_in(r).active_region for r in (PRIMARY, SECONDARY)},
                "flag": {r: self.aws.active_region_in(r) for r in (PRIMARY, SECONDARY)},
                "fences": {r: self.aws.fence_in(r) for r in (PRIMARY, SECONDARY)}}


def build(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, down: set[str], clients: AwsClients | None = None,
          **settings: str) -> Iterator[Emulated]:
    """`down`: the outage's regions, which receive no replication while down; `clients`: the
    engine's clients (the operations' own timeouts) instead of botocore's defaults."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    plan = plan_of("dev", regionSwitchPlan="true", **settings)
    layers = {layer: outputs(plan, layer) for layer in SOURCE_LAYERS + OPTIONAL_LAYERS}
    topology = topology_from_outputs("dev", layers, replication_lag_limit_seconds=60, protect_data=False)
    with mock_aws():
        aws = deployed(monkeypatch, topology)
        aws.clients = clients or aws.clients
        assert aws.replication is not None
        aws.replication.paused = down
        world = World(topology)
        world.install(aws.clients)
        module = handler_module()
        arc = RegionSwitch(aws, plan, module, str(topology.plan_arn))
        created = botocore.session.Session.create_client

        def served(self: botocore.session.Session, service: str, *args: Any, **kwargs: Any) -> Any:
            client = created(self, service, *args, **kwargs)
            return arc.serve(client) if service == "arc-region-switch" else client

        # Any ARC client made later (an approver's, with assumed credentials) reaches the emulation.
        monkeypatch.setattr(botocore.session.Session, "create_client", served)
        monkeypatch.setattr(module, "_client", arc.handler_client)
        monkeypatch.setattr(module, "sleep", arc.sleep)
        clock, printed = FakeClock(), []
        engine = PlanFailover(topology, aws.clients, store=StateStore(tmp_path / "runs"),
                              waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                              echo=printed.append, prober=aws.entries, ask=None)
        yield Emulated(aws, world, arc, engine, printed)


@pytest.fixture
def emulated(monkeypatch, tmp_path, outage) -> Iterator[Emulated]:
    yield from build(monkeypatch, tmp_path, outage.down)


MOVED = {"writer": "secondary", "dials": {"primary": 0.0, "secondary": 100.0},
         "authority": {PRIMARY: SECONDARY, SECONDARY: SECONDARY},
         "flag": {PRIMARY: SECONDARY, SECONDARY: SECONDARY}}


def test_a_graceful_execution_runs_every_deployed_step_and_the_action_function(emulated):
    result = emulated.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = emulated.arc.executions
    assert (run.mode, run.state) == ("graceful", "completed")
    assert [(s.name, s.status) for s in run.steps] == [
        (SCALE, "completed"), (FENCE, "completed"), (PROMOTE, "completed"), (TRAFFIC, "completed")]
    # The action function got the event ARC sends, once per custom-action step, in us-east-2.
    assert [e["StepName"] for e in run.invocations] == [FENCE, TRAFFIC]
    assert {e["ExecutionId"] for e in run.invocations} == {run.execution_id}
    assert ("us-east-2", "SwitchoverGlobalCluster") in [(r, op) for r, op, _ in emulated.world.calls]
    assert emulated.ends() == {**MOVED, "fences": {PRIMARY: "false", SECONDARY: "true"}}
    # Everything after the plan was read back and found done by it.
    after = [s for s in result.steps if s.name.startswith("after plan: ")]
    assert after and {s.outcome for s in after} == {"by the plan"}
    assert result.mode == PLANNED and not result.by_hand
    assert any(line.startswith("authority: ") for line in result.verification)


def test_an_ungraceful_execution_skips_the_lambda_steps_and_the_tool_finishes_the_move(emulated, outage):
    outage.take_down(PRIMARY)
    emulated.aws.entries.set("primary", "down")

    result = emulated.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = emulated.arc.executions
    assert [(s.name, s.status) for s in run.steps] == [
        (SCALE, "completed"), (FENCE, "skipped"), (PROMOTE, "completed"), (TRAFFIC, "skipped")]
    assert run.invocations == []  # Region switch skips custom-action steps when ungraceful
    assert ("us-east-2", "FailoverGlobalCluster") in [(r, op) for r, op, _ in emulated.world.calls]
    # The plan left dials and authority where they were: the tool moved them, from us-east-2 only.
    assert emulated.world.writer == "secondary"
    assert {role: emulated.world.dial(role) for role in ("primary", "secondary")} == MOVED["dials"]
    assert emulated.aws.authority_in(SECONDARY).active_region == SECONDARY
    assert emulated.aws.active_region_in(SECONDARY) == SECONDARY
    assert outage.refused_in(PRIMARY) == []
    outcomes = {s.name: s.outcome for s in result.steps}
    assert outcomes["after plan: traffic"] == outcomes["after plan: parameter"] == "done here"
    assert outcomes[FENCE] == "skipped"
    assert result.by_hand and result.by_hand[0].startswith(f"when {PRIMARY} answers again")
    assert read_record(emulated.aws.clients, emulated.aws.topology.unplanned_record_parameter_name,
                       SECONDARY) is not None
    assert "rds:unplanned-global-failover-" in (result.lost_writes or "")


def test_an_unplanned_rerun_over_a_graceful_execution_paused_by_its_fence_switches_and_resumes(
        emulated, outage):
    emulated.arc.before_step = lambda name: outage.take_down(PRIMARY) if name == FENCE else None

    with pytest.raises(StepFailed, match=r"pausedByFailedStep: step fence-writes failed"):
        emulated.engine.run(FailoverRequest("secondary", PLANNED))
    [run] = emulated.arc.executions
    assert run.state == "pausedByFailedStep" and len(run.invocations) == 10  # every minute for 10 min
    emulated.aws.entries.set("primary", "down")

    result = emulated.engine.run(FailoverRequest("secondary", UNPLANNED))

    assert len(emulated.arc.executions) == 1 and run.mode == "ungraceful" and run.state == "completed"
    assert [(s.name, s.status) for s in run.steps] == [
        (SCALE, "completed"), (FENCE, "skipped"), (PROMOTE, "completed"), (TRAFFIC, "skipped")]
    assert emulated.world.writer == "secondary" and emulated.world.dial("secondary") == 100.0
    assert result.mode == UNPLANNED
    assert any("switched to ungraceful" in line for line in emulated.printed)
    assert any(line.endswith(": resumed") for line in emulated.printed)


def test_a_planned_run_following_an_ungraceful_execution_started_elsewhere_records_the_lost_writes(
        emulated, outage):
    outage.take_down(PRIMARY)
    emulated.aws.entries.set("primary", "down")
    arc = emulated.aws.clients.arc_region_switch(SECONDARY)
    arc.start_plan_execution(planArn=emulated.arc.plan_arn, targetRegion=SECONDARY, action="activate",
                             mode="ungraceful")

    result = emulated.engine.run(FailoverRequest("secondary", PLANNED))

    assert result.mode == UNPLANNED  # the execution's mode, not the command line's
    name = emulated.aws.topology.unplanned_record_parameter_name
    record = read_record(emulated.aws.clients, name, SECONDARY)
    assert record is not None and record.old_region == PRIMARY
    assert any("recorded the writes left in us-east-1" in line for line in emulated.printed)


def test_the_report_carries_arcs_own_step_times_and_the_execution_duration(emulated):
    result = emulated.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = emulated.arc.executions
    arc_steps = {s.name: (s.ended - s.started).total_seconds() for s in run.steps}
    assert {s.name: s.seconds for s in result.steps if s.name in arc_steps} == arc_steps
    assert arc_steps[FENCE] >= 5.0  # the deployed fence cache, waited out by the function
    assert result.recovery_seconds == (run.ended - run.started).total_seconds()
    assert result.measured_by.startswith(f"ARC's start to end of execution {run.execution_id}")
    assert result.plan_execution_id == run.execution_id


@pytest.fixture
def approving(monkeypatch, tmp_path, outage) -> Iterator[Emulated]:
    """The plan as protected environments deploy it: a manual approval first."""
    yield from build(monkeypatch, tmp_path, outage.down, protectData="true")


def started_by_someone_else(emulated: Emulated, mode: str = "graceful") -> None:
    emulated.aws.clients.arc_region_switch(SECONDARY).start_plan_execution(
        planArn=emulated.arc.plan_arn, targetRegion=SECONDARY, action="activate", mode=mode,
        comment=f"invoke failover --env dev by alice@elsewhere: {PRIMARY} -> {SECONDARY} (planned)")


def test_the_approval_is_answered_as_the_plans_approval_role_not_the_operator(approving):
    started_by_someone_else(approving)
    approving.engine.approve = True

    approving.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = approving.arc.executions
    assert [(s.name, s.status) for s in run.steps][0] == ("approve", "completed")
    [(step, answer, caller)] = approving.arc.approvals
    assert (step, answer) == ("approve", "approve") and caller != "testing"  # assumed, not ours
    role = approving.aws.topology.approval_role_arn
    assert role and role.startswith("arn:aws:iam::")
    assert any(line.endswith(f"approve: approved (--approve, as {role})") for line in approving.printed)
    assert approving.world.writer == "secondary"


def test_the_starter_of_a_protected_move_cannot_approve_it(approving):
    approving.engine.approve = True

    with pytest.raises(StepFailed, match=r"was started by .*: its approval must come from someone else: "
                                         r"aws arc-region-switch approve-plan-execution-step .*assume-role"):
        approving.engine.run(FailoverRequest("secondary", PLANNED))

    assert approving.arc.approvals == [] and approving.world.writer == "primary"


def test_a_declined_approval_cancels_the_execution_and_moves_nothing(approving):
    started_by_someone_else(approving)
    approving.engine.ask = lambda question: "decline"

    with pytest.raises(StepFailed, match="step approve declined"):
        approving.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = approving.arc.executions
    assert run.state == "canceled" and approving.world.writer == "primary"
    assert approving.aws.fence_in(PRIMARY) == "true"


def test_an_ungraceful_execution_skips_the_approval_it_cannot_hold(approving, outage):
    outage.take_down(PRIMARY)
    approving.aws.entries.set("primary", "down")

    approving.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = approving.arc.executions
    assert [(s.name, s.status) for s in run.steps][0] == ("approve", "skipped")
    assert approving.world.writer == "secondary"


def test_a_botocore_model_without_client_token_is_refused_in_one_line_before_anything_starts():
    import botocore.session
    from botocore.model import ServiceModel

    from shared.ops.aws.errors import OpsError
    from shared.ops.aws.region_switch import require_model

    loader = botocore.session.get_session().get_component("data_loader")
    current = loader.load_service_model("arc-region-switch", "service-2")
    require_model(ServiceModel(current, "arc-region-switch"))  # the installed model is enough
    older = json.loads(json.dumps(current))  # the model before 1.43.54: no clientToken
    del older["shapes"]["StartPlanExecutionRequest"]["members"]["clientToken"]
    with pytest.raises(OpsError, match=r"too old for the Region switch plan .*boto3>=1\.43\.54.*--local$"):
        require_model(ServiceModel(older, "arc-region-switch"))


def test_completed_with_exceptions_is_not_success_until_the_tool_has_finished_the_move(emulated):
    emulated.arc.exceptions = {TRAFFIC}

    result = emulated.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = emulated.arc.executions
    assert run.state == "completedWithExceptions"
    assert emulated.ends() == {**MOVED, "fences": {PRIMARY: "false", SECONDARY: "true"}}
    outcomes = {s.name: s.outcome for s in result.steps}
    assert outcomes[TRAFFIC] == "failed"
    assert outcomes["after plan: traffic"] == outcomes["after plan: parameter"] == "done here"
    assert any("with exceptions" in note for note in result.notes)


def test_what_cannot_be_finished_is_listed_by_hand_not_reported_done(emulated, outage):
    outage.take_down(PRIMARY, "us-west-2")  # the region and Global Accelerator's API
    emulated.aws.entries.set("primary", "down")

    result = emulated.engine.run(FailoverRequest("secondary", UNPLANNED))

    assert emulated.world.writer == "secondary" and emulated.world.dial("secondary") == 0.0
    assert {s.name: s.outcome for s in result.steps}["after plan: traffic"] == "by hand"
    assert any("set the traffic dials" in item for item in result.by_hand)
    assert any(item.startswith(f"when {PRIMARY} answers again") for item in result.by_hand)
    assert emulated.aws.authority_in(SECONDARY).active_region == SECONDARY
    assert emulated.aws.active_region_in(SECONDARY) == SECONDARY


def test_failback_after_an_ungraceful_failover_activates_the_primary_and_restores_the_deployed_shape(
        emulated, outage):
    outage.take_down(PRIMARY)
    emulated.aws.entries.set("primary", "down")
    emulated.engine.run(FailoverRequest("secondary", UNPLANNED))
    outage.restore(PRIMARY)
    emulated.aws.entries.set("primary", "healthy")

    result = emulated.engine.run(FailoverRequest(
        "primary", PLANNED, operation="failback", require_caught_up=True, restore_deployed_dials=True,
        check_lost_writes=True, ack_snapshot="none"))

    [_, back] = emulated.arc.executions
    assert (back.region, back.mode, back.state) == (PRIMARY, "graceful", "completed")
    assert [e["StepName"] for e in back.invocations] == [FENCE, TRAFFIC]  # us-east-1's own function
    assert emulated.ends() == {"writer": "primary", "dials": {"primary": 100.0, "secondary": 0.0},
                               "authority": {PRIMARY: PRIMARY, SECONDARY: PRIMARY},
                               "flag": {PRIMARY: PRIMARY, SECONDARY: PRIMARY},
                               "fences": {PRIMARY: "true", SECONDARY: "true"}}
    name = emulated.aws.topology.unplanned_record_parameter_name
    assert read_record(emulated.aws.clients, name, SECONDARY) is None  # settled by the failback
    assert result.operation == "failback" and not result.by_hand


def test_a_drill_with_the_plan_deployed_runs_both_moves_as_plan_executions(emulated, tmp_path):
    from shared.ops.drills.drill import run_drill

    report = run_drill(emulated.aws.topology, emulated.aws.clients, emulated.engine, yes=False,
                       echo=emulated.printed.append, report_dir=tmp_path / "reports", settle_seconds=0)

    there, back = emulated.arc.executions
    assert (there.region, there.state) == (SECONDARY, "completed")
    assert (back.region, back.state) == (PRIMARY, "completed")
    assert report.outcome == "passed", emulated.printed
    assert report.failover and report.failover.plan_execution_id == there.execution_id
    assert report.failback and report.failback.plan_execution_id == back.execution_id
    assert emulated.ends() == {"writer": "primary", "dials": {"primary": 100.0, "secondary": 0.0},
                               "authority": {PRIMARY: PRIMARY, SECONDARY: PRIMARY},
                               "flag": {PRIMARY: PRIMARY, SECONDARY: PRIMARY},
                               "fences": {PRIMARY: "true", SECONDARY: "true"}}


FAILBACK = {"operation": "failback", "require_caught_up": True, "restore_deployed_dials": True}


def test_a_drill_failback_waits_for_the_rebuilt_old_primary_to_resynchronise(emulated):
    emulated.engine.run(FailoverRequest("secondary", PLANNED))
    emulated.world.resync_reads = 4  # the old primary, rebuilt, is pending-resync for a while

    emulated.engine.run(FailoverRequest("primary", PLANNED, catch_up_wait=True, **FAILBACK))

    assert emulated.world.writer == "primary"
    assert any("to resynchronise" in line for line in emulated.printed)


def test_a_plain_failback_refuses_while_the_old_primary_resynchronises(emulated):
    from shared.ops.aws.errors import Refused

    emulated.engine.run(FailoverRequest("secondary", PLANNED))
    emulated.world.resync_reads = 100

    with pytest.raises(Refused, match="is resynchronising with the writer; wait for it"):
        emulated.engine.run(FailoverRequest("primary", PLANNED, **FAILBACK))
    assert emulated.world.writer == "secondary"


def test_a_rerun_takes_back_the_lock_its_interrupted_run_left(emulated):
    from shared.ops.engines.lock import OperationLock
    from shared.ops.engines.state import RunState

    left = RunState("dev", "failover", "secondary", PLANNED)  # killed after taking the lock
    emulated.engine.store.save(left)
    lock = OperationLock(emulated.aws.clients, emulated.aws.topology.lock_parameter_name, left.run_id,
                         "failover towards us-east-2", left.started_at)
    lock.acquire([SECONDARY, PRIMARY], break_lock=False, echo=emulated.printed.append)

    emulated.engine.run(FailoverRequest("secondary", PLANNED))  # no --break-lock needed

    assert emulated.world.writer == "secondary"
    assert not any("breaking the lock" in line for line in emulated.printed)


def test_a_scaling_step_that_fails_without_the_source_does_not_hold_back_the_ungraceful_promotion(
        emulated, outage):
    outage.take_down(PRIMARY)
    emulated.aws.entries.set("primary", "down")
    emulated.arc.fail_scaling = "cannot read the source cluster's capacity in us-east-1"

    result = emulated.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = emulated.arc.executions
    assert [(s.name, s.status) for s in run.steps] == [
        (SCALE, "skipped"), (FENCE, "skipped"), (PROMOTE, "completed"), (TRAFFIC, "skipped")]
    assert emulated.world.writer == "secondary" and emulated.world.dial("secondary") == 100.0
    assert emulated.aws.authority_in(SECONDARY).active_region == SECONDARY
    [item] = [i for i in result.by_hand if i.startswith(f"plan step {SCALE} failed")]
    assert "cannot read the source cluster's capacity" in item and "serverless-v2-scaling" in item


def test_a_failed_scaling_step_in_a_graceful_execution_still_stops_the_run(emulated):
    emulated.arc.fail_scaling = "throttled"

    with pytest.raises(StepFailed, match=r"pausedByFailedStep: step scale-database failed \(throttled\)"):
        emulated.engine.run(FailoverRequest("secondary", PLANNED))
    assert emulated.world.writer == "primary"


def test_an_execution_still_watching_the_lost_regions_alarm_does_not_hold_back_the_failback(
        emulated, outage):
    emulated.arc.alarms_firing = True  # us-east-1's "region impaired" alarm fires while it is down
    outage.take_down(PRIMARY)
    emulated.aws.entries.set("primary", "down")
    emulated.engine.run(FailoverRequest("secondary", UNPLANNED))
    [there] = emulated.arc.executions
    assert there.state == "completedMonitoringApplicationHealth"
    outage.restore(PRIMARY)
    emulated.aws.entries.set("primary", "healthy")
    emulated.arc.alarms_firing = False

    emulated.engine.run(FailoverRequest("primary", PLANNED, check_lost_writes=True, ack_snapshot="none",
                                        **FAILBACK))

    [_, back] = emulated.arc.executions
    assert (back.region, back.state) == (PRIMARY, "completed") and emulated.world.writer == "primary"
    assert any(f"execution {there.execution_id}" in line and "does not hold back" in line
               for line in emulated.printed)


@pytest.fixture
def mfa_profile(monkeypatch, tmp_path, outage) -> Iterator[Emulated]:
    """The protected plan, run from a profile that names an MFA device (~/.aws/config mfa_serial)."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/bob\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    yield from build(monkeypatch, tmp_path, outage.down, protectData="true")


def test_the_approval_role_is_assumed_with_the_profiles_mfa_device_and_code(mfa_profile):
    """The approver role trusts only with MFA: STS denies an AssumeRole without it (AssumeRole,
    TokenCode), so the profile's mfa_serial and the code the operator types are sent."""
    started_by_someone_else(mfa_profile)
    mfa_profile.engine.approve = True
    asked: list[str] = []
    mfa_profile.engine.mfa_code = lambda serial: asked.append(serial) or "123456"
    sent: list[dict[str, Any]] = []
    mfa_profile.aws.clients._session.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(dict(params)))

    mfa_profile.engine.run(FailoverRequest("secondary", PLANNED))

    assert asked == ["arn:aws:iam::123456789012:mfa/bob"]
    [call] = sent
    assert (call["SerialNumber"], call["TokenCode"]) == ("arn:aws:iam::123456789012:mfa/bob", "123456")
    assert mfa_profile.world.writer == "secondary"
