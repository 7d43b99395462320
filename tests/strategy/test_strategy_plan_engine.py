"""The Region switch plan engine on a pilot light: whatever mode the execution runs in, the
headless secondary gets an instance before the plan's Aurora step promotes it.

ARC skips custom-action steps when ungraceful ("In ungraceful execution mode, Region switch skips
the Lambda execution block step", custom-action-lambda-block.html), so the plan's own
bring-up-database step cannot be relied on in an unplanned failover: the engine brings the region
up client-side first. Run by the ARC emulation against the emulated world, which records any
promotion of a cluster with no available instance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.ops.engines.bring_up import INSTANCE_SUFFIX
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from tests.ops.conftest import PRIMARY, SECONDARY
from tests.ops.test_plan_emulated import FENCE, PROMOTE, SCALE, TRAFFIC, Emulated, build

BRING_UP = "bring-up-database"


@pytest.fixture
def pilot_light(monkeypatch, tmp_path, outage) -> Iterator[Emulated]:
    for emulated in build(monkeypatch, tmp_path, outage.down, strategy="pilot-light"):
        emulated.world.instances["secondary"] = {}  # headless: storage replicated, no instance
        yield emulated


def test_an_unplanned_failover_brings_the_headless_cluster_up_before_the_ungraceful_plan_promotes(
        pilot_light, outage):
    outage.take_down(PRIMARY)
    pilot_light.aws.entries.set("primary", "down")
    new = f"{pilot_light.aws.side('secondary').cluster_id}{INSTANCE_SUFFIX}"

    result = pilot_light.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = pilot_light.arc.executions
    assert run.mode == "ungraceful"
    assert [(s.name, s.status) for s in run.steps] == [
        (BRING_UP, "skipped"), (SCALE, "completed"), (FENCE, "skipped"), (PROMOTE, "completed"),
        (TRAFFIC, "skipped")]
    # The instance was made (and waited for) client-side, so the promotion found a writer to make.
    assert pilot_light.world.instances["secondary"] == {new: "available"}
    assert pilot_light.world.promoted_headless == [] and pilot_light.world.writer == "secondary"
    brought = result.steps[1]
    assert (brought.name, brought.outcome) == ("bring-up", "done")
    assert f"bringing {SECONDARY} up client-side first" in result.measured_by
    assert sum("ARC skips the plan's bring-up-database step" in line for line in pilot_light.printed) == 1
    assert outage.refused_in(PRIMARY) == []  # the activating region only


def test_a_graceful_execution_leaves_the_bring_up_to_the_plans_own_step(pilot_light):
    result = pilot_light.engine.run(FailoverRequest("secondary", PLANNED))

    [run] = pilot_light.arc.executions
    assert [(s.name, s.status) for s in run.steps][0] == (BRING_UP, "completed")
    assert [e["StepName"] for e in run.invocations][0] == BRING_UP  # retried until available
    assert pilot_light.world.promoted_headless == [] and pilot_light.world.writer == "secondary"
    assert "bring-up" not in [s.name for s in result.steps]  # nothing brought up client-side
    assert not any("client-side before the plan's promotion" in line for line in pilot_light.printed)


def test_an_unplanned_rerun_turning_a_graceful_execution_ungraceful_brings_the_cluster_up_first(
        pilot_light, outage):
    # Started gracefully elsewhere; the primary region is lost before its bring-up step ran, and
    # the operator follows it unplanned, which switches it to ungraceful (its bring-up skipped).
    pilot_light.aws.clients.arc_region_switch(SECONDARY).start_plan_execution(
        planArn=pilot_light.arc.plan_arn, targetRegion=SECONDARY, action="activate", mode="graceful")
    outage.take_down(PRIMARY)
    pilot_light.aws.entries.set("primary", "down")

    pilot_light.engine.run(FailoverRequest("secondary", UNPLANNED))

    [run] = pilot_light.arc.executions
    assert run.mode == "ungraceful" and [(s.name, s.status) for s in run.steps][0] == (BRING_UP, "skipped")
    assert pilot_light.world.promoted_headless == [] and pilot_light.world.writer == "secondary"
    assert "available" in pilot_light.world.instances["secondary"].values()
