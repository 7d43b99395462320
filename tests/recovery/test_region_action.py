"""The custom-action steps as ARC runs them in the activating region (us-east-2 here): the
fence in the region being deactivated, waited out; the dials, flags and open writes after the
Aurora step; each safe to rerun, and each failure a clear message ARC shows on the step."""

from __future__ import annotations

import boto3
import pytest

from shared.components import region_actions
from shared.components.bring_up_action import BRING_UP_STEP
from tests.recovery.conftest import (
    ACTIVATING,
    ACTIVE_REGION_PARAMETER,
    DEACTIVATING,
    FENCE_CACHE_SECONDS,
    GROUPS,
    WRITES_ENABLED_PARAMETER,
    World,
)


def test_the_component_and_the_handler_name_the_same_steps(world: World) -> None:
    assert region_actions.STEPS == (world.module.FENCE_STEP, world.module.TRAFFIC_STEP)
    # and the pilot light's bring-up step (shared/components/bring_up_action.py)
    assert set(world.module.STEPS) == {*region_actions.STEPS, BRING_UP_STEP}


def test_graceful_fence_closes_the_deactivating_region_and_waits_out_the_api_cache(world: World) -> None:
    world.mode_is("graceful")
    summary = world.run("fence-writes")
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "false"
    assert world.parameter(ACTIVATING, WRITES_ENABLED_PARAMETER) == "true"  # the new writer untouched
    assert world.slept == [FENCE_CACHE_SECONDS]
    assert summary == {"step": "fence-writes", "mode": "graceful", "fenced_region": DEACTIVATING,
                       "parameter": WRITES_ENABLED_PARAMETER, "fenced": True, "changed": True,
                       "waited_seconds": FENCE_CACHE_SECONDS}


def test_a_rerun_of_the_fence_waits_again_but_changes_nothing(world: World) -> None:
    world.mode_is("graceful")
    world.run("fence-writes")
    world.mode_is("graceful")
    summary = world.run("fence-writes")
    assert summary["fenced"] is True and summary["changed"] is False
    assert world.slept == [FENCE_CACHE_SECONDS, FENCE_CACHE_SECONDS]


def test_graceful_fence_fails_the_step_when_the_deactivating_region_is_down(world: World) -> None:
    world.outage.take_down(DEACTIVATING)
    world.mode_is("graceful")
    with pytest.raises(world.module.StepFailed) as failed:
        world.run("fence-writes")
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith(f"cannot fence writes in {DEACTIVATING} (")
    assert "run the plan ungraceful" in message
    assert world.outage.refused_in(DEACTIVATING) and world.slept == []


def test_ungraceful_fence_goes_on_without_a_region_that_is_gone(world: World) -> None:
    world.outage.take_down(DEACTIVATING)
    world.mode_is("ungraceful")
    summary = world.run("fence-writes")
    assert summary["fenced"] is False and summary["mode"] == "ungraceful"
    assert f"{DEACTIVATING} unreachable" in summary["note"]
    assert world.slept == []  # nothing was fenced, so there is no cache to wait out
    assert [c.operation for c in world.outage.refused_in(DEACTIVATING)] == ["GetParameter"]


def test_ungraceful_fence_still_fences_a_region_that_answers(world: World) -> None:
    world.mode_is("ungraceful")
    assert world.run("fence-writes")["fenced"] is True
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "false"


def test_the_mode_unreadable_fails_the_fence_rather_than_guessing(world: World) -> None:
    world.arc.add_client_error("get_plan_execution", "AccessDeniedException", "not allowed")
    with pytest.raises(world.module.StepFailed, match="to learn its mode"):
        world.run("fence-writes")
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "true"


def test_traffic_raises_the_activating_dial_first_then_sets_flags_and_opens_writes(world: World) -> None:
    boto3.client("ssm", region_name=ACTIVATING).put_parameter(
        Name=WRITES_ENABLED_PARAMETER, Value="false", Overwrite=True, Type="String")
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)
    summary = world.run("move-traffic")
    updates = [(c.params["EndpointGroupArn"].rsplit("/", 1)[1], c.params["TrafficDialPercentage"])
               for c in world.calls if c.operation == "UpdateEndpointGroup"]
    assert updates == [(ACTIVATING, 100.0), (DEACTIVATING, 0.0)]
    for region in (ACTIVATING, DEACTIVATING):
        assert world.parameter(region, ACTIVE_REGION_PARAMETER) == ACTIVATING
    assert world.parameter(ACTIVATING, WRITES_ENABLED_PARAMETER) == "true"
    assert summary == {"step": "move-traffic", "active_region": ACTIVATING,
                       "dials": {ACTIVATING: "100% (moved)", DEACTIVATING: "0% (moved)"},
                       "failback": False,
                       "active_region_flag": {ACTIVATING: "set", DEACTIVATING: "set"},
                       "writes_enabled": {ACTIVATING: "opened"}}


def test_a_retry_after_partial_success_completes_what_is_left(world: World) -> None:
    # First run: the activating dial moved, then Global Accelerator's API refused.
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 100.0)
    world.ga.add_client_error("describe_endpoint_group", "ThrottlingException", "slow down")
    with pytest.raises(world.module.StepFailed, match="cannot set the traffic dials"):
        world.run("move-traffic")
    assert world.parameter(ACTIVATING, ACTIVE_REGION_PARAMETER) == DEACTIVATING  # not yet
    # ARC's rerun: only the peer's dial and the flags are left.
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)
    summary = world.run("move-traffic")
    assert summary["dials"] == {ACTIVATING: "100% (already)", DEACTIVATING: "0% (moved)"}
    assert world.parameter(ACTIVATING, ACTIVE_REGION_PARAMETER) == ACTIVATING
    # And once more: nothing left to do.
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 0.0)
    again = world.run("move-traffic")
    assert again["dials"] == {ACTIVATING: "100% (already)", DEACTIVATING: "0% (already)"}
    assert again["active_region_flag"] == {ACTIVATING: "already", DEACTIVATING: "already"}
    assert again["writes_enabled"] == {ACTIVATING: "already open"}
    assert sum(c.operation == "UpdateEndpointGroup" for c in world.calls) == 2  # each dial moved once


def test_traffic_with_the_deactivating_region_down_sets_the_flag_where_it_can(world: World) -> None:
    world.outage.take_down(DEACTIVATING)
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)  # Global Accelerator's API lives in us-west-2: still there
    summary = world.run("move-traffic")
    assert world.parameter(ACTIVATING, ACTIVE_REGION_PARAMETER) == ACTIVATING
    assert summary["active_region_flag"][DEACTIVATING].startswith("not set (")
    assert summary["writes_enabled"] == {ACTIVATING: "already open"}


def test_traffic_fails_when_the_activating_flag_cannot_be_written(world: World) -> None:
    world.outage.take_down(ACTIVATING)  # a regional SSM outage in the activating region itself
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 0.0)
    with pytest.raises(world.module.StepFailed, match=f"cannot write {ACTIVE_REGION_PARAMETER}"):
        world.run("move-traffic")


def test_an_unknown_step_name_fails_with_the_names_the_function_knows(world: World) -> None:
    with pytest.raises(world.module.StepFailed) as failed:
        world.run("scale-up")
    assert str(failed.value) == ("unknown StepName 'scale-up': this function implements "
                                 "fence-writes, move-traffic, bring-up-database (the plan's step names "
                                 "must match)")
    assert world.calls == []


def test_an_event_without_execution_metadata_is_refused(world: World) -> None:
    with pytest.raises(world.module.StepFailed, match="no PlanArn/ExecutionId"):
        world.module.handler({"StepName": "fence-writes"}, None)


def test_an_active_active_region_gets_its_deployed_dial_back(world: World,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWN_TRAFFIC_DIAL", "60")
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 60.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)
    assert world.run("move-traffic")["dials"] == {ACTIVATING: "60% (moved)", DEACTIVATING: "0% (moved)"}


def test_failback_to_the_primary_restores_the_deployed_shape(world: World,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The primary's function, the secondary fenced by the fence step: both regions back as
    deployed (here active-passive: primary 100, secondary 0) and writes open in both."""
    primary, secondary = DEACTIVATING, ACTIVATING
    monkeypatch.setenv("AWS_REGION", primary)
    monkeypatch.setenv("PEER_REGION", secondary)
    for key, region in (("OWN_ENDPOINT_GROUP_ARN", primary), ("PEER_ENDPOINT_GROUP_ARN", secondary)):
        monkeypatch.setenv(key, GROUPS[region])
    monkeypatch.setenv("OWN_TRAFFIC_DIAL", "100")
    monkeypatch.setenv("PEER_TRAFFIC_DIAL", "0")
    monkeypatch.setenv("RESTORE_DEPLOYED_SHAPE", "true")
    for region in (primary, secondary):
        boto3.client("ssm", region_name=region).put_parameter(
            Name=WRITES_ENABLED_PARAMETER, Value="false", Overwrite=True, Type="String")
    world.dial_is(primary, 0.0)
    world.dial_set(primary, 100.0)
    world.dial_is(secondary, 100.0)
    world.dial_set(secondary, 0.0)
    summary = world.run("move-traffic")
    assert summary["failback"] is True
    assert summary["writes_enabled"] == {primary: "opened", secondary: "opened"}
    for region in (primary, secondary):
        assert world.parameter(region, WRITES_ENABLED_PARAMETER) == "true"
        assert world.parameter(region, ACTIVE_REGION_PARAMETER) == primary


def test_a_failover_leaves_the_deactivated_region_fenced(world: World) -> None:
    boto3.client("ssm", region_name=DEACTIVATING).put_parameter(
        Name=WRITES_ENABLED_PARAMETER, Value="false", Overwrite=True, Type="String")
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 0.0)
    world.run("move-traffic")
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "false"
