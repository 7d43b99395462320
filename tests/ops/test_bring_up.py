"""A pilot-light or warm-standby region is brought up before anything moves: the client-side
engine adds an instance to the headless cluster and waits for it, or raises its capacity, and
only then fences and promotes. Stubber checks every RDS request against the AWS model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.ops.engines.bring_up import INSTANCE_SUFFIX
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from tests.ops.conftest import SECONDARY, Aws
from tests.ops.test_failover import queue_preflight, queue_promotion, queue_traffic_move, queue_verify


@pytest.fixture
def standby(aws: Aws, engine) -> Any:
    """Sets the deployed strategy the engine reads from the mirror."""
    def deployed(strategy: str, serving_min_acu: float) -> None:
        aws.topology = engine.topology = replace(aws.topology, strategy=strategy,
                                                 serving_min_acu=serving_min_acu)
    return deployed


def described(aws: Aws, members: list[str], min_acu: float, max_acu: float = 4.0) -> None:
    side = aws.side("secondary")
    aws.stub("rds", SECONDARY).add_response("describe_db_clusters", {"DBClusters": [{
        "DBClusterIdentifier": side.cluster_id, "Status": "available",
        "DBClusterMembers": [{"DBInstanceIdentifier": m, "IsClusterWriter": False} for m in members],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": min_acu, "MaxCapacity": max_acu}}]},
        {"DBClusterIdentifier": side.cluster_id})


def instances(aws: Aws, **statuses: str) -> None:
    side = aws.side("secondary")
    aws.stub("rds", SECONDARY).add_response("describe_db_instances", {"DBInstances": [
        {"DBInstanceIdentifier": name, "DBInstanceStatus": status} for name, status in statuses.items()]},
        {"Filters": [{"Name": "db-cluster-id", "Values": [side.cluster_id]}]})


def test_an_unplanned_failover_to_a_pilot_light_adds_an_instance_and_waits_before_promoting(
        aws, engine, standby, printed, outage):
    standby("pilot-light", 0.5)
    aws.entries.set("primary", "down")
    outage.take_down("us-east-1")  # every request bound for the lost region fails
    new = f"{aws.side('secondary').cluster_id}{INSTANCE_SUFFIX}"
    queue_preflight(aws, planned=False)
    described(aws, [], 0.5)  # the check: headless
    described(aws, [], 0.5)  # the action's own read
    aws.stub("rds", SECONDARY).add_response("create_db_instance", {"DBInstance": {
        "DBInstanceIdentifier": new, "DBInstanceStatus": "creating"}}, {
        "DBInstanceIdentifier": new, "DBClusterIdentifier": aws.side("secondary").cluster_id,
        "DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql",
        "PubliclyAccessible": False, "AutoMinorVersionUpgrade": False,
        "Tags": [{"Key": "Environment", "Value": "dev"},
                 {"Key": "CreatedBy", "Value": "dr-failover-bring-up"}]})
    described(aws, [new], 0.5)
    instances(aws, **{new: "creating"})
    described(aws, [new], 0.5)
    instances(aws, **{new: "available"})
    queue_promotion(aws, "failover")  # queued after the instance: asked for only once it is up
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert [s.name for s in result.steps][:4] == ["preflight", "bring-up", "fence", "database"]
    bring_up = result.steps[1]
    assert bring_up.outcome == "done" and bring_up.phase < result.steps[2].phase
    assert any("bring-up" in line and "pilot-light" in line for line in printed)
    # The lost region is never asked: the bring-up reads and writes the activating region only.
    assert outage.refused == []
    assert not any(region == "us-east-1" for service, region in aws.clients._clients if service == "rds")


def test_a_planned_move_to_a_warm_standby_raises_its_capacity_first(aws, engine, standby):
    standby("warm-standby", 2.0)
    queue_preflight(aws)
    described(aws, ["dr-aurora-dev-use2-1"], 0.5)
    instances(aws, **{"dr-aurora-dev-use2-1": "available"})
    described(aws, ["dr-aurora-dev-use2-1"], 0.5)
    aws.stub("rds", SECONDARY).add_response("modify_db_cluster", {"DBCluster": {}}, {
        "DBClusterIdentifier": aws.side("secondary").cluster_id, "ApplyImmediately": True,
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 2.0, "MaxCapacity": 4.0}})
    instances(aws, **{"dr-aurora-dev-use2-1": "available"})  # present: no instance is added
    described(aws, ["dr-aurora-dev-use2-1"], 2.0)
    instances(aws, **{"dr-aurora-dev-use2-1": "available"})
    queue_promotion(aws, "switchover")
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert [(s.name, s.outcome) for s in result.steps[1:3]] == [("bring-up", "done"), ("fence", "done")]


def test_a_hot_standby_has_nothing_to_bring_up(aws, engine):
    from shared.ops.engines.steps import Moves
    moves = Moves(aws.topology, aws.clients, FailoverRequest("secondary", PLANNED), None, engine.timeouts,
                  print)  # type: ignore[arg-type]
    assert [step.name for phase in moves.phases() for step in phase][0] == "fence"


def test_a_failback_never_raises_the_primarys_own_range_to_the_secondarys_serving_minimum(aws, standby):
    # serving_min_acu is the secondary's; the primary (min 0.5 here) stands by at its own range.
    from shared.ops.engines.bring_up import BringUp
    standby("warm-standby", 2.0)
    primary = aws.side("primary")
    aws.stub("rds", primary.region).add_response("describe_db_clusters", {"DBClusters": [{
        "DBClusterIdentifier": primary.cluster_id, "DBClusterMembers": [{"DBInstanceIdentifier": "w"}],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4.0}}]},
        {"DBClusterIdentifier": primary.cluster_id})
    aws.stub("rds", primary.region).add_response("describe_db_instances", {"DBInstances": [
        {"DBInstanceIdentifier": "w", "DBInstanceStatus": "available"}]},
        {"Filters": [{"Name": "db-cluster-id", "Values": [primary.cluster_id]}]})

    ready, _ = BringUp(aws.topology, aws.clients, primary).check()

    aws.verify_all_used()
    assert ready  # nothing to do: no ModifyDBCluster behind the data layer's back


@pytest.mark.parametrize(("strategy", "leaving", "says"), [
    ("pilot-light", "secondary", "aws rds delete-db-instance --region us-east-2 --db-instance-identifier "
                                 "dr-aurora-dev-use2-up"),
    ("warm-standby", "secondary", "the next `invoke deploy --layer data` sets the standby range back"),
    ("pilot-light", "primary", None), ("hot-standby", "secondary", None)])
def test_what_a_move_leaves_standing_in_the_region_going_back_to_standby(aws, standby, strategy, leaving,
                                                                        says):
    from shared.ops.engines.bring_up import left_standing
    standby(strategy, 0.5)
    note = left_standing(aws.topology, aws.side(leaving))
    if says is None:
        assert note is None
    else:
        assert note is not None and says in note
