"""Unplanned failover when the lost region is grey (its load balancer answers `/health` while its
APIs fail) or hanging (its endpoints accept connections and never answer): any error or timeout
from the source means "unreachable". No step is blocked by it, the report lists what is left to
do there, and the rerun does the same. Then the lost region comes back with its pre-outage
values and, with no operator action, learns it no longer writes."""

from __future__ import annotations

import time

import pytest

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.waiting import Waiter
from shared.ops.engines.failover import Failover
from shared.ops.engines.move import UNPLANNED, FailoverRequest
from shared.ops.engines.state import StateStore
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock
from tests.ops.test_failover import queue_preflight, queue_promotion, queue_traffic_move, queue_verify
from tests.outage import DegradedRegions, HangingRegions


def unplanned(aws: Aws) -> None:
    """What the surviving region's APIs answer during the run (Global Accelerator, Aurora)."""
    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)


def assert_done_and_reported(aws: Aws, result, printed: list[str]) -> None:
    aws.verify_all_used()
    assert aws.authority_in(SECONDARY).active_region == SECONDARY
    assert aws.active_region_in(SECONDARY) == SECONDARY
    assert result.by_hand and result.by_hand[0].startswith(f"when {PRIMARY} answers again")
    assert any(PRIMARY in line and "going on without it" in line for line in printed)


def engine_on(aws: Aws, clients: AwsClients, tmp_path, printed: list[str], clock: FakeClock) -> Failover:
    """The engine on clients made inside the test's world (the aws fixture's were made before it)."""
    assert not aws.stubs  # the Stubber-backed clients are made (in the new one) as the test queues
    aws.clients = clients
    return Failover(aws.topology, clients, store=StateStore(tmp_path / "runs"),
                    waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                    echo=printed.append, prober=aws.entries)


@pytest.fixture
def grey_engine(aws: Aws, degraded: DegradedRegions, tmp_path, printed, clock) -> Failover:
    return engine_on(aws, AwsClients(config=None), tmp_path, printed, clock)


@pytest.mark.parametrize("service", ["ssm", "dynamodb"])
def test_grey_source_never_blocks_the_unplanned_failover(aws, grey_engine, printed, degraded, service):
    """The primary's entry answers 200 (so the operator forces the unplanned path); its Parameter
    Store or its table fails every call."""
    aws.entries.set("primary", "healthy")
    degraded.fail(PRIMARY, service)
    unplanned(aws)
    result = grey_engine.run(FailoverRequest("secondary", UNPLANNED, force=True))
    assert_done_and_reported(aws, result, printed)


def test_a_rerun_in_the_grey_world_does_the_same(aws, grey_engine, printed, degraded):
    aws.entries.set("primary", "healthy")
    degraded.fail(PRIMARY, "ssm")
    unplanned(aws)
    grey_engine.run(FailoverRequest("secondary", UNPLANNED, force=True))
    # The rerun: every step reads AWS again; the grey source still answers HTTP only.
    aws.cluster(SECONDARY, writer="secondary")  # preflight
    aws.db_cluster("secondary")
    aws.group("secondary", 100)
    aws.cluster(SECONDARY, writer="secondary")  # database: already done
    for _ in range(2):  # traffic: already done (check), then verify
        aws.group("secondary", 100)
        aws.group("primary", 0)
        aws.accelerator("DEPLOYED")
    aws.cluster(SECONDARY, writer="secondary")
    printed.clear()
    result = grey_engine.run(FailoverRequest("secondary", UNPLANNED, force=True))
    assert_done_and_reported(aws, result, printed)


@pytest.fixture
def real_timeouts(aws: Aws, hanging: HangingRegions, tmp_path, printed, clock: FakeClock):
    """The engine with the operations' own client configuration (scaled down by the world):
    connect 5 s, read 30 s, 1 + 3 retries; informational reads 2 s + 3 s, 1 try."""
    return engine_on(aws, AwsClients(), tmp_path, printed, clock)


def test_hanging_source_costs_only_short_timeouts(aws, real_timeouts, hanging, printed):
    aws.entries.set("primary", "healthy")
    hanging.hanging.add(PRIMARY)
    unplanned(aws)
    started = time.monotonic()
    result = real_timeouts.run(FailoverRequest("secondary", UNPLANNED, force=True))
    took = time.monotonic() - started
    assert_done_and_reported(aws, result, printed)
    # The source was really asked, once, with one short try (2 s connect + 3 s read, scaled down
    # here): not the operations' four tries of 30 s, so the run waits on it 5 s at most, not 2 min.
    assert [region for region, _ in hanging.sent] == [PRIMARY], hanging.sent
    assert took < 30.0  # the machine's own work included; a 3 x 30 s client would not change this
    # bound at 1/100 scale, which is why the request count above is the real check
