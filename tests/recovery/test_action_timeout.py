"""The action function's Lambda timeout covers the longest run of any step: every call it makes
to its client timeouts and retries (stacks/recovery/handlers/timing.py), the fence's wait for the
peer's writers' staleness bound, and a margin; and it stays inside ARC's step timeout. The calls
are counted on real runs of each step, so a new call without its time fails here."""

from __future__ import annotations

import os

import boto3
import pytest

from shared.components import region_actions
from shared.components.region_switch import LAMBDA_TIMEOUT_MINUTES
from tests.recovery.conftest import ACTIVATING, DEACTIVATING, WRITES_ENABLED_PARAMETER, World
from tests.support import plan_of, resources

TIMING = region_actions.TIMING


def counted(world: World) -> tuple[int, int]:
    """(calls with the activating region's config, calls with the short one) of the last run."""
    own = sum(call.region == os.environ["AWS_REGION"] for call in world.calls)
    return own, len(world.calls) - own


def test_the_fence_makes_no_more_calls_than_its_time_covers(world: World) -> None:
    world.mode_is("graceful")
    world.run("fence-writes")
    assert counted(world) == TIMING.STEP_CALLS["fence-writes"]
    assert world.slept == [region_actions.DRAIN_SECONDS]  # the one wait it makes on purpose


def test_the_traffic_step_makes_no_more_calls_than_its_time_covers(world: World,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Its longest run: the failback, which also reopens the peer, every dial moved."""
    monkeypatch.setenv("RESTORE_DEPLOYED_SHAPE", "true")
    monkeypatch.setenv("PEER_TRAFFIC_DIAL", "100")
    for region in (ACTIVATING, DEACTIVATING):  # both reopened: every flag written
        boto3.client("ssm", region_name=region).put_parameter(
            Name=WRITES_ENABLED_PARAMETER, Value="false", Overwrite=True, Type="String")
    world.dial_moves(ACTIVATING, 0.0, 100.0)
    world.dial_moves(DEACTIVATING, 0.0, 100.0)
    world.run("move-traffic")
    assert counted(world) == TIMING.STEP_CALLS["move-traffic"]
    assert world.slept == []


def test_the_function_timeout_is_the_longest_step_plus_the_drain_plus_a_margin() -> None:
    fence = TIMING.step_seconds("fence-writes") + region_actions.DRAIN_SECONDS
    longest = max(fence, *(TIMING.step_seconds(step) for step in TIMING.STEP_CALLS))
    assert region_actions.TIMEOUT_SECONDS >= longest + region_actions.MARGIN_SECONDS >= longest + 30
    # Lambda must give up before ARC's step does, so ARC's retry interval reruns the step.
    assert region_actions.TIMEOUT_SECONDS < LAMBDA_TIMEOUT_MINUTES * 60
    # A call's time is what its client config allows (the handler builds its configs from timing.py).
    assert TIMING.PEER_CALL_SECONDS == 2 * (2 + 5) + 1 and TIMING.OWN_CALL_SECONDS == 3 * (2 + 5) + 1 + 2


def test_the_handler_s_clients_use_the_timing_it_is_measured_with(world: World) -> None:
    t = TIMING
    for config, (connect, read, attempts) in (
            (world.module.PEER, (t.PEER_CONNECT_SECONDS, t.PEER_READ_SECONDS, t.PEER_ATTEMPTS)),
            (world.module.OWN, (t.OWN_CONNECT_SECONDS, t.OWN_READ_SECONDS, t.OWN_ATTEMPTS))):
        assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (
            connect, read, attempts)


def test_the_deployed_functions_carry_the_derived_timeout() -> None:
    functions = [f for f in resources(plan_of("prod"), "recovery", "aws:lambda/function:Function")]
    assert len(functions) == 2
    assert {f["inputs"]["timeout"] for f in functions} == {region_actions.TIMEOUT_SECONDS}
