"""`invoke unfence`: a move that stopped half way (the record says "moving", nobody writes) is
given back to the region Aurora confirms as the writer, written there first; nothing changes
while Aurora still moves, another operation holds the lock, or no move is recorded."""

from __future__ import annotations

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli import ops
from shared.cli.common import EXIT_REFUSED
from shared.cli.unfence import unfence
from shared.ops.aws.errors import Refused
from shared.ops.engines.unfence import unfence as clear
from tests.ops.conftest import PRIMARY, SECONDARY


def stuck(aws, generation: int = 1) -> None:
    """What a switchover towards the secondary that stopped after its fence step left."""
    from shared.ops.aws import authority
    authority.record_module.write(aws.clients.dynamodb(SECONDARY), aws.topology.table_name,
                                  authority.Authority("", generation, SECONDARY, "failover (planned)"))
    aws.fences()
    aws.clients.ssm(PRIMARY).put_parameter(Name=aws.topology.writes_enabled_parameter_name,
                                           Value="false", Type="String", Overwrite=True)


@pytest.mark.parametrize(("writer", "region"), [("primary", PRIMARY), ("secondary", SECONDARY)])
def test_a_stuck_move_goes_back_to_the_database_writer_written_there_first(aws, writer, region):
    stuck(aws)
    written: list[str] = []
    for place in (PRIMARY, SECONDARY):
        aws.clients.dynamodb(place).meta.events.register(
            "before-call.dynamodb.PutItem", lambda place=place, **_: written.append(place))
    aws.cluster(SECONDARY, writer=writer)  # asked first where the move was going

    line = clear(aws.topology, aws.clients, print)

    aws.verify_all_used()
    assert written[0] == region
    for place in (PRIMARY, SECONDARY):  # replicated
        record = aws.authority_in(place)
        assert (record.generation, record.active_region) == (2, region)
    assert aws.fence_in(region) == "true"
    assert line.startswith(f"cleared the stuck move (generation 1: nobody (moving to {SECONDARY}) writes): "
                           f"generation 2: {region} writes, the database writer")


def test_nothing_changes_while_aurora_is_still_moving_the_writer(aws):
    stuck(aws)
    aws.cluster(SECONDARY, writer="primary", status="switching-over", failover={
        "Status": "switching-over", "ToDbClusterArn": aws.side("secondary").cluster_arn})
    with pytest.raises(Refused, match="the move is not stuck"):
        clear(aws.topology, aws.clients, print)
    assert aws.authority_in(SECONDARY).generation == 1


def test_a_record_that_names_a_writer_is_left_alone(aws):
    aws.record_authority(SECONDARY, 4)
    assert clear(aws.topology, aws.clients, print) == f"nothing to clear: generation 4: {SECONDARY} writes"
    aws.verify_all_used()  # Aurora was not even asked


def test_another_operation_s_lock_refuses_in_one_line_with_nothing_written(aws, monkeypatch, capsys):
    stuck(aws)
    aws.cluster(SECONDARY, writer="primary")
    aws.clients.ssm(PRIMARY).put_parameter(Name=aws.topology.lock_parameter_name, Type="String",
                                           Value='{"run_id": "other", "holder": "ana@host"}')
    monkeypatch.setattr(ops, "RUNTIME", ops.Runtime(clients=lambda: aws.clients,
                                                    topology=lambda env, backend: aws.topology))
    with pytest.raises(Exit) as stopped:
        unfence(Context(), env="dev", yes=True)
    assert stopped.value.code == EXIT_REFUSED
    message = str(stopped.value.message)
    assert "\n" not in message and "another DR operation holds the lock" in message
    assert aws.authority_in(SECONDARY).generation == 1


def test_a_plan_execution_under_way_is_not_a_stuck_move(aws):
    from dataclasses import replace

    from tests.ops.test_plan_failover import PLAN_ARN, Arc
    stuck(aws)
    Arc(aws, SECONDARY).executions({"planArn": PLAN_ARN, "executionId": "us-east-2/abc",
                                    "startTime": "2026-12-02T09:00:00Z", "mode": "graceful",
                                    "executionState": "inProgress", "executionAction": "activate",
                                    "executionRegion": SECONDARY})
    with pytest.raises(Refused, match="plan execution us-east-2/abc is inProgress in us-east-2"):
        clear(replace(aws.topology, plan_arn=PLAN_ARN), aws.clients, print)
    aws.verify_all_used()
    assert aws.authority_in(SECONDARY).generation == 1
