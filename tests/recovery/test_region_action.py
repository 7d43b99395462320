"""The custom-action steps as ARC runs them in the activating region (us-east-2 here): the
fence in the region being deactivated, waited out; the dials, flags and open writes after the
Aurora step; each safe to rerun, and each failure a clear message ARC shows on the step."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from shared.components import region_actions
from shared.ops.aws.region_switch import BRING_UP_STEP
from tests.recovery.conftest import (
    ACTIVATING,
    ACTIVE_REGION_PARAMETER,
    DEACTIVATING,
    GROUPS,
    WRITES_ENABLED_PARAMETER,
    World,
)


def test_the_component_and_the_handler_name_the_same_steps(world: World) -> None:
    assert region_actions.STEPS == (world.module.FENCE_STEP, world.module.TRAFFIC_STEP)
    # and the pilot light's bring-up step (shared/components/bring_up_action.py)
    assert set(world.module.STEPS) == {*region_actions.STEPS, BRING_UP_STEP}


def stale(world: World) -> float:
    bound: float = world.module.authority.STALE_SECONDS
    return bound


def test_graceful_fence_stops_every_writer_and_waits_out_their_staleness_bound(world: World) -> None:
    world.mode_is("graceful")
    summary = world.run("fence-writes")
    # The record, written in the activating region first, reached the deactivating one's replica.
    for region in (ACTIVATING, DEACTIVATING):
        record = world.authority(region)
        assert (record.active_region, record.moving_to, record.generation) == ("", ACTIVATING, 1)
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "false"
    assert world.parameter(ACTIVATING, WRITES_ENABLED_PARAMETER) == "true"  # the new writer untouched
    assert world.slept == [stale(world)]
    assert summary == {"step": "fence-writes", "mode": "graceful", "fenced_region": DEACTIVATING,
                       "parameter": WRITES_ENABLED_PARAMETER, "fenced": True, "changed": True,
                       "authority": f"generation 1: nobody (moving to {ACTIVATING}) writes",
                       "waited_seconds": stale(world)}
    written = [c.region for c in world.calls if c.operation == "PutItem"]
    assert written == [ACTIVATING]  # never written in the region being left


def test_a_rerun_of_the_fence_waits_again_but_changes_nothing(world: World) -> None:
    world.mode_is("graceful")
    world.run("fence-writes")
    world.mode_is("graceful")
    summary = world.run("fence-writes")
    assert summary["fenced"] is True and summary["changed"] is False
    assert world.authority(ACTIVATING).generation == 1  # no second generation for the same move
    assert world.slept == [stale(world), stale(world)]


def test_graceful_fence_waits_for_the_record_to_replicate(world: World) -> None:
    """A peer that answers but whose replica lags: the step is retried rather than moving the
    writer behind a region that may still take writes."""
    world.replication.lagging.add(DEACTIVATING)
    world.mode_is("graceful")
    with pytest.raises(world.module.StepFailed, match="does not hold authority generation 1"):
        world.run("fence-writes")
    assert world.slept == []


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
    # Checked before anyone was stopped: no record names nobody, the old writer still writes.
    assert world.authority(ACTIVATING).generation == 0
    assert [c for c in world.calls if c.operation == "PutItem"] == []


def test_graceful_fence_writes_nothing_when_the_peer_flag_cannot_be_set(world: World, degraded) -> None:
    """The peer answers reads but refuses the flag (a policy, a grey Parameter Store)."""
    degraded.fail(DEACTIVATING, "ssm", "PutParameter", code="AccessDeniedException", status=400)
    world.mode_is("graceful")
    with pytest.raises(world.module.StepFailed, match=f"cannot fence writes in {DEACTIVATING}"):
        world.run("fence-writes")
    assert world.authority(ACTIVATING).generation == 0


def test_ungraceful_fence_goes_on_without_a_region_that_is_gone(world: World) -> None:
    world.outage.take_down(DEACTIVATING)
    world.mode_is("ungraceful")
    summary = world.run("fence-writes")
    assert summary["fenced"] is False and summary["mode"] == "ungraceful"
    assert f"{DEACTIVATING} unreachable" in summary["note"]
    assert world.slept == []  # nothing was confirmed stopped, so there is nothing to wait out
    assert world.authority(ACTIVATING).moving_to == ACTIVATING  # recorded here all the same
    assert [c.operation for c in world.outage.refused_in(DEACTIVATING)] == ["GetItem"]


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
    assert world.authority(ACTIVATING).active_region == ACTIVATING
    assert summary == {"step": "move-traffic", "active_region": ACTIVATING,
                       "authority": f"generation 1: {ACTIVATING} writes",
                       "dials": {ACTIVATING: "100% (moved)", DEACTIVATING: "0% (moved)"},
                       "failback": False,
                       "active_region_flag": {ACTIVATING: "set", DEACTIVATING: "set"},
                       "writes_enabled": {ACTIVATING: "opened"}}


def test_a_slow_accelerator_api_leaves_the_dials_to_do_after_the_flag_and_writes_moved(world: World) -> None:
    # Global Accelerator's API moves the activating dial, then refuses: the step still completes.
    world.dial_is(ACTIVATING, 0.0)
    world.dial_set(ACTIVATING, 100.0)
    world.ga.add_client_error("describe_endpoint_group", "ThrottlingException", "slow down")
    summary = world.run("move-traffic")
    assert world.parameter(ACTIVATING, ACTIVE_REGION_PARAMETER) == ACTIVATING  # the authority first
    assert summary["dials"] == {ACTIVATING: "100% (moved)"}
    [left] = summary["dials_left_to_do"]
    assert left.startswith(f"{DEACTIVATING} to 0% (Global Accelerator's API, us-west-2: ")
    assert "slow down" in left
    # ARC's rerun (or invoke failover after the plan) finds only the peer's dial left.
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 100.0)
    world.dial_set(DEACTIVATING, 0.0)
    again = world.run("move-traffic")
    assert again["dials"] == {ACTIVATING: "100% (already)", DEACTIVATING: "0% (moved)"}
    assert "dials_left_to_do" not in again
    assert again["active_region_flag"] == {ACTIVATING: "already", DEACTIVATING: "already"}
    assert sum(c.operation == "UpdateEndpointGroup" for c in world.calls) == 2  # each dial moved once


def test_the_accelerator_api_is_called_with_the_short_client_config(world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, bool]] = []
    factory = world.module._client

    def recording(service: str, region: str, peer: bool) -> Any:
        asked.append((service, peer))
        return factory(service, region, peer)

    monkeypatch.setattr(world.module, "_client", recording)
    world.dial_is(ACTIVATING, 100.0)
    world.dial_is(DEACTIVATING, 0.0)
    world.run("move-traffic")
    assert ("globalaccelerator", True) in asked and ("globalaccelerator", False) not in asked
    assert world.module.PEER.read_timeout == 5 and world.module.PEER.connect_timeout == 2


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


def test_traffic_fails_when_the_activating_region_cannot_record_itself(world: World) -> None:
    world.outage.take_down(ACTIVATING)  # a regional outage in the activating region itself
    # No dial answer is queued: the authority comes first, so Global Accelerator is not even read
    # (an unqueued call would fail the Stubber, a queued one left over fails the teardown).
    with pytest.raises(world.module.StepFailed, match=f"authority record in {ACTIVATING}"):
        world.run("move-traffic")
    assert world.parameter(DEACTIVATING, ACTIVE_REGION_PARAMETER) == DEACTIVATING  # nothing half-done
    # The authority comes first: no dial moved towards a region that could not record itself.
    assert [c for c in world.calls if c.service == "globalaccelerator"
            and c.operation == "UpdateEndpointGroup"] == []


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
    # The failover before: generation 2 named the secondary (replicated to the primary's replica).
    authority = world.module.authority
    authority.write(boto3.client("dynamodb", region_name=secondary), "dr-dev-items",
                    authority.Authority(secondary, 2, written_by="failover"))
    world.dial_is(primary, 0.0)
    world.dial_set(primary, 100.0)
    world.dial_is(secondary, 100.0)
    world.dial_set(secondary, 0.0)
    summary = world.run("move-traffic")
    assert summary["failback"] is True
    for region in (primary, secondary):
        assert (world.authority(region).active_region, world.authority(region).generation) == (primary, 3)
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


def test_a_runtime_sdk_without_region_switch_fences_as_graceful(world: World, monkeypatch) -> None:
    """The python3.12 runtime's bundled boto3 may not know arc-region-switch: the step then runs
    as graceful (ARC skips custom-action steps in ungraceful mode), never as ungraceful."""
    from botocore.exceptions import UnknownServiceError

    made = world.module._client

    def factory(service: str, region: str, peer: bool) -> Any:
        if service == "arc-region-switch":  # what boto3.client raises without the service's model
            raise UnknownServiceError(service_name=service, known_service_names="ssm, dynamodb")
        return made(service, region, peer)

    monkeypatch.setattr(world.module, "_client", factory)
    assert world.run("fence-writes")["mode"] == "graceful"
    assert world.parameter(DEACTIVATING, WRITES_ENABLED_PARAMETER) == "false"
    world.outage.take_down(DEACTIVATING)
    with pytest.raises(world.module.StepFailed, match="run the plan ungraceful"):
        world.run("fence-writes")  # the strict branch: a peer that cannot be fenced fails the step
