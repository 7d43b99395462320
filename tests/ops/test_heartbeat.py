"""RPO heartbeats: DynamoDB against moto (a table per region; the test replicates by hand, as the
global table would, or does not, as a lost region would not), Aurora's Data API against the
Stubber (moto's rds-data answers every statement alike)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from botocore.stub import ANY

from shared.naming import arn_in_region
from shared.ops.drills.heartbeat import (
    AURORA,
    CREATE_TABLE,
    DYNAMODB,
    INSERT_BEAT,
    LAST_BEAT,
    Heartbeat,
    Rpo,
    beat_key,
)
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock

RUN = "drill-1"
EPOCH = 1_800_000_000.0


class Wall:
    """Beat timestamps one second apart, as the drill's one-second cadence writes them."""

    def __init__(self) -> None:
        self.at = EPOCH

    def __call__(self) -> float:
        self.at += 1.0
        return self.at


class DataApi:
    """The Data API of each region's cluster, as the Stubber answers it."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    def _expect(self, role: str, sql: str, response: dict[str, Any], parameters: list[Any]) -> None:
        side = self.aws.side(role)
        self.aws.stub("rds-data", side.region).add_response("execute_statement", response, {
            "resourceArn": side.cluster_arn, "database": self.aws.topology.db_name, "sql": sql,
            "secretArn": arn_in_region(self.aws.topology.db_secret_arn, side.region),
            "parameters": parameters})

    def create(self, role: str) -> None:
        self._expect(role, CREATE_TABLE, {"numberOfRecordsUpdated": 0}, [])

    def insert(self, role: str, seq: int, phase: str = "failover") -> None:
        self._expect(role, INSERT_BEAT, {"numberOfRecordsUpdated": 1}, [
            {"name": "run", "value": {"stringValue": f"{RUN}#{phase}"}},
            {"name": "seq", "value": {"longValue": seq}}, {"name": "at", "value": {"doubleValue": ANY}}])

    def last(self, role: str, seq: int | None, phase: str = "failover") -> None:
        records = [] if seq is None else [[{"longValue": seq}, {"doubleValue": EPOCH + seq}]]
        self._expect(role, LAST_BEAT, {"records": records},
                     [{"name": "run", "value": {"stringValue": f"{RUN}#{phase}"}}])

    def refuse(self, role: str, code: str, message: str) -> None:
        self.aws.stub("rds-data", self.aws.side(role).region).add_client_error(
            "execute_statement", service_error_code=code, service_message=message, http_status_code=400)


@pytest.fixture
def data_api(aws: Aws) -> DataApi:
    return DataApi(aws)


@pytest.fixture
def heartbeat(aws: Aws, stores: None, clock: FakeClock) -> Heartbeat:
    return Heartbeat(aws.topology, aws.clients, RUN, now=Wall(), clock=clock,
                     sleep=lambda seconds: clock.sleep(seconds))


def replicate(aws: Aws, phase: str = "failover") -> None:
    """What the global table does: the writer's item appears in the other region."""
    item = aws.clients.dynamodb(PRIMARY).get_item(TableName=aws.topology.table_name,
                                                  Key=beat_key(f"{RUN}#{phase}"))["Item"]
    aws.clients.dynamodb(SECONDARY).put_item(TableName=aws.topology.table_name, Item=item)


def by_store(results: list[Rpo]) -> dict[str, Rpo]:
    return {r.store: r for r in results}


def test_a_planned_switchover_loses_no_beat(aws, data_api, heartbeat, clock):
    data_api.create("primary")
    for seq in (1, 2, 3):
        data_api.insert("primary", seq)
    data_api.last("secondary", 3)
    heartbeat.begin("failover", "primary")
    for _ in range(2):  # begin wrote the first
        heartbeat.beat()
    # DynamoDB replicates asynchronously: the read-back waits, and the beat arrives meanwhile.
    clock.sleep = lambda seconds: replicate(aws)

    rpo = by_store(heartbeat.measure("secondary", settle=10, poll=1))

    aws.verify_all_used()
    stored = aws.clients.dynamodb(PRIMARY).get_item(TableName=aws.topology.table_name,
                                                    Key={"pk": {"S": f"drill#heartbeat#{RUN}#failover"}})
    assert stored["Item"]["seq"] == {"N": "3"}
    for store in (DYNAMODB, AURORA):
        assert (rpo[store].gap_beats, rpo[store].gap_seconds) == (0, 0.0)
        assert (rpo[store].written_region, rpo[store].read_region) == (PRIMARY, SECONDARY)
        assert rpo[store].last_written_seq == rpo[store].last_read_seq == 3
        assert "us-east-2 has the last beat written (seq 3" in rpo[store].explanation
    assert rpo[DYNAMODB].waited_seconds > 0  # it did wait for replication


def test_an_unplanned_failover_measures_the_beats_that_never_replicated(aws, data_api, heartbeat):
    data_api.create("primary")
    for seq in range(1, 6):
        data_api.insert("primary", seq, phase="outage")
    data_api.last("secondary", 2, phase="outage")
    heartbeat.begin("outage", "primary")
    heartbeat.beat()  # begin wrote the first
    replicate(aws, "outage")
    heartbeat.beat(), heartbeat.beat(), heartbeat.beat()  # the region is lost before these replicate

    rpo = by_store(heartbeat.measure("secondary", settle=3, poll=1))

    dynamodb, aurora = rpo[DYNAMODB], rpo[AURORA]
    assert (dynamodb.last_written_seq, dynamodb.last_read_seq, dynamodb.gap_beats) == (5, 2, 3)
    assert dynamodb.gap_seconds == 3.0 and dynamodb.waited_seconds >= 3
    assert "lacks the last 3 beats (seq 3..5" in dynamodb.explanation
    assert (aurora.last_read_seq, aurora.gap_beats, aurora.gap_seconds) == (2, 3, 3.0)
    assert aurora.to_json()["writes"]["written"] == 5


def test_beats_behind_the_write_fence_are_reported_as_fenced_not_lost(aws, data_api, heartbeat):
    data_api.create("primary")
    data_api.insert("primary", 1)
    data_api.refuse("primary", "DatabaseErrorException", "cannot execute INSERT in a read-only transaction")
    data_api.last("secondary", 1)
    heartbeat.begin("failover", "primary")
    heartbeat.beat()  # begin wrote the first; Aurora refuses this second, DynamoDB takes both
    aws.fences("false")  # the failover fences the source
    heartbeat.beat(), heartbeat.beat()
    replicate(aws)

    rpo = by_store(heartbeat.measure("secondary", settle=0))

    writes = rpo[AURORA].writes
    assert (writes.written, writes.failed, writes.fenced) == (1, 1, 2)
    assert "read-only transaction" in (writes.first_error or "")
    assert rpo[AURORA].gap_beats == 0 and rpo[DYNAMODB].gap_beats == 0
    assert rpo[DYNAMODB].writes.fenced == 2 and rpo[DYNAMODB].last_written_seq == 2
    assert rpo[DYNAMODB].to_json()["writes"]["first_fenced_at"].startswith("2027-01-15T")


def test_without_the_data_api_aurora_is_not_measured_and_says_why(aws, data_api, heartbeat):
    data_api.refuse("primary", "BadRequestException", "HttpEndpoint is not enabled for cluster")
    heartbeat.begin("failover", "primary")
    replicate(aws)

    rpo = by_store(heartbeat.measure("secondary", settle=0))

    assert rpo[AURORA].gap_beats is None
    assert rpo[AURORA].explanation.startswith("not measured: Data API on ")
    assert "HttpEndpoint is not enabled" in rpo[AURORA].explanation
    assert rpo[DYNAMODB].gap_beats == 0


def test_an_unreadable_new_region_and_an_all_fenced_phase_are_explained(aws, data_api, heartbeat):
    data_api.create("primary")
    data_api.insert("primary", 1)
    data_api.refuse("secondary", "DatabaseUnavailableException", "no writer instance")
    aws.clients.dynamodb(SECONDARY).delete_table(TableName=aws.topology.table_name)
    heartbeat.begin("failover", "primary")

    rpo = by_store(heartbeat.measure("secondary", settle=0))

    assert rpo[AURORA].explanation.startswith("not measured: reading aurora in us-east-2 failed")
    assert "ResourceNotFoundException" in rpo[DYNAMODB].explanation

    data_api.create("secondary")
    aws.fences("false")
    heartbeat.begin("failback", "secondary")
    fenced = by_store(heartbeat.measure("primary", settle=0))
    assert fenced[DYNAMODB].explanation == ("not measured: all 1 beats fell behind the write fence "
                                            "of us-east-2")
    assert heartbeat.measure("primary") == []  # no phase open


def test_the_background_writer_beats_until_stopped(aws):
    topology = replace(aws.topology, db_secret_arn="")  # no Data API to write to
    with Heartbeat(topology, aws.clients, RUN, interval=0.02) as heartbeat:
        heartbeat.begin("failover", "primary")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            item = aws.clients.dynamodb(PRIMARY).get_item(
                TableName=topology.table_name, Key=beat_key(f"{RUN}#failover")).get("Item")
            if item and int(item["seq"]["N"]) >= 3:
                break
            time.sleep(0.02)
        rpo = by_store(heartbeat.measure("primary", settle=0))
    assert rpo[DYNAMODB].last_written_seq >= 3 and rpo[DYNAMODB].gap_beats == 0
    assert "no db_secret_arn/db_name" in rpo[AURORA].explanation
    assert heartbeat._thread is None


def test_a_phase_opens_with_a_beat_so_a_move_right_after_still_has_one_to_read(aws, data_api, heartbeat):
    data_api.create("primary")
    data_api.insert("primary", 1)
    heartbeat.begin("failover", "primary")
    stored = aws.clients.dynamodb(PRIMARY).get_item(TableName=aws.topology.table_name,
                                                    Key=beat_key(f"{RUN}#failover"))
    assert stored["Item"]["seq"] == {"N": "1"}
