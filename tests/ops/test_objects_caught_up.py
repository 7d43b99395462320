"""Failback waits for S3's way back: the reverse rule (secondary -> primary) must have nothing
pending and nothing failed before users return to the primary bucket. Metrics are put into moto's
CloudWatch where S3 publishes them: pending in the destination's region, failed in the source's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import Refused
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.engines.move import PLANNED, FailoverRequest
from shared.ops.engines.objects_caught_up import require_objects_caught_up
from tests.ops.conftest import PRIMARY, SECONDARY, FakeClock
from tests.ops.test_failover import FAILBACK, queue_dials_back_and_verify, queue_failback_preflight

DRILL_FAILBACK = dataclasses.replace(FAILBACK, catch_up_wait=True)


def put(aws, region: str, metric: str, value: float, minutes_ago: float = 1) -> None:
    topology = aws.topology
    aws.clients.cloudwatch(region).put_metric_data(Namespace="AWS/S3", MetricData=[{
        "MetricName": metric, "Value": value, "Unit": "Count",
        "Timestamp": datetime.now(UTC) - timedelta(minutes=minutes_ago),
        "Dimensions": [{"Name": "SourceBucket", "Value": topology.secondary.bucket_name},
                       {"Name": "DestinationBucket", "Value": topology.primary.bucket_name},
                       {"Name": "RuleId", "Value": topology.reverse_replication_rule_id}]}])


def check(aws, request=FAILBACK, clients=None, sleep=None):
    clock, said = FakeClock(), []
    waiter = Waiter(clock=clock, sleep=sleep or clock.sleep, echo=said.append, interval=60)
    note = require_objects_caught_up(clients or aws.clients, aws.topology, request, waiter,
                                     Timeouts(catch_up=300), said.append)
    return note, said


def test_the_topology_names_the_reverse_rule_the_data_layer_exports(aws):
    assert aws.topology.reverse_replication_rule_id == "secondary-to-primary"


def test_nothing_pending_in_the_primarys_region_and_nothing_failed_is_caught_up(aws):
    put(aws, PRIMARY, "OperationsPendingReplication", 4, minutes_ago=5)
    put(aws, PRIMARY, "OperationsPendingReplication", 0, minutes_ago=1)  # the newest counts
    note, _ = check(aws)
    assert note == f"S3 {SECONDARY} -> {PRIMARY} (rule secondary-to-primary): caught up (0 operations " \
                   "pending, none failed)"


def test_operations_still_pending_refuse_the_failback_with_the_way_forward(aws):
    put(aws, PRIMARY, "OperationsPendingReplication", 37)
    with pytest.raises(Refused, match=r"^the primary bucket dr-data-dev-us-east-1-\d+ has not caught up with "
                                      r"dr-data-dev-us-east-2-\d+: 37 operations pending replication; "
                                      r"wait and retry, or rerun with --force$"):
        check(aws)


def test_no_datapoint_is_not_caught_up(aws):
    # S3 publishes the pending count even when nothing replicates: silence proves nothing.
    with pytest.raises(Refused, match="no OperationsPendingReplication datapoint in the last 15 minutes"):
        check(aws)


def test_the_pending_count_is_read_where_s3_publishes_it_the_destinations_region(aws):
    put(aws, SECONDARY, "OperationsPendingReplication", 0)  # the wrong region: not the signal
    with pytest.raises(Refused, match="no OperationsPendingReplication datapoint"):
        check(aws)


def test_a_zero_older_than_the_window_is_no_proof(aws):
    put(aws, PRIMARY, "OperationsPendingReplication", 0, minutes_ago=40)
    with pytest.raises(Refused, match="no OperationsPendingReplication datapoint"):
        check(aws)


def test_failed_operations_refuse_at_once_even_a_drill_that_would_wait(aws):
    put(aws, PRIMARY, "OperationsPendingReplication", 0)
    put(aws, SECONDARY, "OperationsFailedReplication", 2, minutes_ago=180)  # in the source's region
    slept = []
    with pytest.raises(Refused, match=r"2 operations failed to replicate in the last 24 h; replicate the "
                                      r"FAILED objects with S3 Batch Replication, then rerun with --force$"):
        check(aws, DRILL_FAILBACK, sleep=slept.append)
    assert slept == []  # S3 never retries a FAILED object: waiting cannot help


def test_a_drill_waits_until_the_backlog_drains(aws):
    put(aws, PRIMARY, "OperationsPendingReplication", 12, minutes_ago=3)

    def drain(seconds: float) -> None:
        put(aws, PRIMARY, "OperationsPendingReplication", 0, minutes_ago=0.5)

    note, said = check(aws, DRILL_FAILBACK, sleep=drain)
    assert "caught up" in note
    assert any("waiting for S3 replication to catch up: 12 operations pending" in line for line in said)


def test_force_goes_on_and_says_so(aws):
    note, said = check(aws, dataclasses.replace(FAILBACK, force=True))
    assert note == f"S3 replication into {PRIMARY} not confirmed (--force)"
    assert said and said[0].startswith("warning: the primary bucket")
    assert said[0].endswith("going on because of --force")


def test_a_data_layer_without_the_reverse_rule_is_refused_with_the_redeploy(aws):
    aws.topology = dataclasses.replace(aws.topology, reverse_replication_rule_id="")
    with pytest.raises(Refused, match=r"has no secondary-to-primary S3 replication rule, so what us-east-2 "
                                      r"took is not in us-east-1; redeploy data \(invoke deploy --layer data "
                                      r"--env dev\)"):
        check(aws)


def test_a_failover_to_the_secondary_reads_the_forward_rule(aws):
    topology = aws.topology
    aws.clients.cloudwatch(SECONDARY).put_metric_data(Namespace="AWS/S3", MetricData=[{
        "MetricName": "OperationsPendingReplication", "Value": 0, "Unit": "Count",
        "Timestamp": datetime.now(UTC) - timedelta(minutes=1),
        "Dimensions": [{"Name": "SourceBucket", "Value": topology.primary.bucket_name},
                       {"Name": "DestinationBucket", "Value": topology.secondary.bucket_name},
                       {"Name": "RuleId", "Value": topology.replication_rule_id}]}])
    note, _ = check(aws, FailoverRequest("secondary", PLANNED, require_caught_up=True))
    assert note.startswith(f"S3 {PRIMARY} -> {SECONDARY} (rule primary-to-secondary): caught up")


# --- grey and hanging: an unreadable signal is no proof either ---

def test_a_throttled_cloudwatch_refuses_in_one_line(aws, degraded):
    put(aws, PRIMARY, "OperationsPendingReplication", 0)
    degraded.fail(PRIMARY, "cloudwatch", "GetMetricStatistics", code="ThrottlingException", status=400)
    with pytest.raises(Refused, match=r"metrics unreadable: .*ThrottlingException.*; wait and retry"):
        check(aws, clients=AwsClients())


def test_a_hanging_cloudwatch_costs_its_timeouts_and_refuses(aws, hanging):
    put(aws, PRIMARY, "OperationsPendingReplication", 0)
    hanging.hanging.add(PRIMARY)
    with pytest.raises(Refused, match=r"replication metrics unreadable: .*(timeout|timed out)"):
        check(aws, clients=AwsClients())


@pytest.mark.parametrize("down", [PRIMARY, SECONDARY])
def test_a_region_that_does_not_answer_is_no_proof_either(aws, outage, down):
    # Pending is read in the primary's region, failures in the secondary's: either one gone
    # leaves the objects unconfirmed.
    put(aws, PRIMARY, "OperationsPendingReplication", 0)
    outage.take_down(down)
    with pytest.raises(Refused, match=r"metrics unreadable: Could not connect to the endpoint URL"):
        check(aws, clients=AwsClients())
    assert outage.refused_in(down)


# --- the engine: failback moves nothing while the objects lag ---

def test_failback_refuses_before_anything_moves_while_objects_are_pending(aws, engine):
    aws.active_region(SECONDARY)
    queue_failback_preflight(aws, objects_pending=9)
    with pytest.raises(Refused, match="9 operations pending replication; wait and retry, or rerun with"):
        engine.run(FAILBACK)
    aws.verify_all_used()
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == SECONDARY
    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("true", "true")


def test_the_databases_refusal_comes_before_the_objects_are_read(aws, engine, printed):
    aws.active_region(SECONDARY)
    queue_failback_preflight(aws, lag_ms=120_000)  # no S3 answer queued: none may be asked for
    with pytest.raises(Refused, match="has not caught up: lag 120.0 s"):
        engine.run(FAILBACK)
    aws.verify_all_used()


def test_a_failback_whose_objects_caught_up_says_so_and_moves(aws, engine, printed):
    aws.active_region(SECONDARY)
    aws.fences("false")
    queue_failback_preflight(aws, writer="primary")  # the database already went back
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)
    engine.run(FAILBACK)
    aws.verify_all_used()
    assert (f"note: S3 {SECONDARY} -> {PRIMARY} (rule secondary-to-primary): caught up "
            "(0 operations pending, none failed)") in printed
