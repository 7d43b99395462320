"""The emulated Region switch plan (tests/ops/arc_emulation.py) in both modes when the lost region
is not cleanly gone: grey (its load balancer answers while its Parameter Store and table fail,
tests/outage.py DegradedRegions) or hanging (its endpoints accept and never answer, each client's
own timeouts decide, HangingRegions). Whatever the plan did, the run either ends with the writer,
the authority record, the dials and the fences agreeing with the move, or lists exactly what is
left by hand, and a graceful execution that cannot fence never reports success."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import OpsError, StepFailed
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from tests.ops.conftest import PRIMARY, SECONDARY
from tests.ops.test_plan_emulated import FENCE, MOVED, PROMOTE, SCALE, TRAFFIC, Emulated, build
from tests.outage import DegradedRegions, HangingRegions

UNGRACEFUL_STEPS = [(SCALE, "completed"), (FENCE, "skipped"), (PROMOTE, "completed"), (TRAFFIC, "skipped")]


@pytest.fixture
def grey(monkeypatch, tmp_path, outage, degraded: DegradedRegions) -> Iterator[Emulated]:
    for emulated in build(monkeypatch, tmp_path, outage.down):
        emulated.aws.entries.set("primary", "healthy")  # its load balancer still answers /health
        yield emulated


@pytest.fixture
def hung(monkeypatch, tmp_path, outage, hanging: HangingRegions) -> Iterator[Emulated]:
    # The operations' own client configuration, scaled down by the hanging world.
    for emulated in build(monkeypatch, tmp_path, outage.down, clients=AwsClients()):
        emulated.aws.entries.set("primary", "down")  # its entry point does not answer either
        yield emulated


def assert_moved_but_the_source_left_by_hand(emulated: Emulated, result) -> None:
    """Writer, dials and authority moved; the source's fence, which nobody could reach, is the
    first thing left by hand, and nothing else is claimed done."""
    ends = emulated.ends()
    assert ends["writer"] == "secondary" and ends["dials"] == MOVED["dials"]
    assert ends["authority"][SECONDARY] == SECONDARY and ends["flag"][SECONDARY] == SECONDARY
    assert ends["fences"] == {PRIMARY: "true", SECONDARY: "true"}  # us-east-1's fence could not be set
    assert result.by_hand and result.by_hand[0].startswith(f"when {PRIMARY} answers again")
    assert not any(s.outcome == "failed" for s in result.steps if s.name.startswith("after plan: "))


def grey_primary(degraded: DegradedRegions) -> None:
    for service in ("ssm", "dynamodb"):
        degraded.fail(PRIMARY, service)


def test_grey_source_ungraceful_the_tool_finishes_the_move_and_lists_the_fence(grey, degraded):
    grey_primary(degraded)

    result = grey.engine.run(FailoverRequest("secondary", UNPLANNED, force=True))

    [run] = grey.arc.executions
    assert [(s.name, s.status) for s in run.steps] == UNGRACEFUL_STEPS and run.invocations == []
    degraded.heal()  # to read where the source's own parameters and replica ended
    assert_moved_but_the_source_left_by_hand(grey, result)


def test_grey_parameter_store_refuses_a_planned_move_in_one_line_before_anything_starts(grey, degraded):
    degraded.fail(PRIMARY, "ssm")

    with pytest.raises(OpsError, match=rf"^cannot take the lock \S+ in {PRIMARY}: .*ServiceUnavailable.*"
                                       r"run the move --unplanned$"):
        grey.engine.run(FailoverRequest("secondary", PLANNED))

    assert grey.arc.executions == [] and grey.world.writer == "primary"
    degraded.heal()
    names = [p["Name"] for p in grey.aws.clients.ssm(SECONDARY).describe_parameters()["Parameters"]]
    assert grey.aws.topology.lock_parameter_name not in names  # nothing half-taken


def test_grey_table_graceful_never_reports_success_and_the_unplanned_rerun_finishes(grey, degraded):
    degraded.fail(PRIMARY, "dynamodb")  # the fence cannot confirm the old writer holds the record

    with pytest.raises(StepFailed, match=r"pausedByFailedStep: step fence-writes failed"):
        grey.engine.run(FailoverRequest("secondary", PLANNED))
    [run] = grey.arc.executions
    assert grey.world.writer == "primary"  # the switchover never ran behind an unfenced writer
    assert [e["StepName"] for e in run.invocations] == [FENCE] * 10  # ARC retried it every minute

    grey_primary(degraded)
    result = grey.engine.run(FailoverRequest("secondary", UNPLANNED, force=True))

    assert (run.mode, run.state) == ("ungraceful", "completed") and len(grey.arc.executions) == 1
    degraded.heal()
    assert_moved_but_the_source_left_by_hand(grey, result)


def test_hanging_source_ungraceful_the_tool_finishes_the_move_and_lists_the_fence(hung, hanging):
    hanging.hanging.add(PRIMARY)

    result = hung.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = hung.arc.executions
    assert [(s.name, s.status) for s in run.steps] == UNGRACEFUL_STEPS
    hanging.hanging.clear()
    assert_moved_but_the_source_left_by_hand(hung, result)


def test_hanging_source_graceful_never_reports_success_and_the_unplanned_rerun_finishes(hung, hanging):
    hanging.hanging.add(PRIMARY)
    hung.aws.entries.set("primary", "healthy")  # the operator still sees it answer and plans a switchover

    with pytest.raises(OpsError, match=rf"^cannot take the lock \S+ in {PRIMARY}: Read timeout .*unplanned$"):
        hung.engine.run(FailoverRequest("secondary", PLANNED))
    assert hung.arc.executions == [] and hung.world.writer == "primary"  # nothing started

    hung.aws.entries.set("primary", "down")
    result = hung.engine.run(FailoverRequest("secondary", UNPLANNED))

    hanging.hanging.clear()
    assert_moved_but_the_source_left_by_hand(hung, result)
