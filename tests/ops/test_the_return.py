"""The return: after an unplanned failover, the lost region comes back with the values it had
before the outage (its active-region parameter naming itself, its writes-enabled flag "true").
Before any operator action, once its replica of the global table has caught up (DynamoDB's own
replication of what was written while it was away), its functions learn the newer generation
within one refresh of their cached record: health stops answering serve-active (so the failover
DNS record keeps answering with the new region), a PUT is refused, the event processor writes
nothing. The functions are the deployed handlers, run against the same emulated account."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.ops.engines.move import UNPLANNED, FailoverRequest
from tests.handlers import events
from tests.handlers.conftest import handler_module
from tests.ops.conftest import PRIMARY, SECONDARY, Aws
from tests.ops.test_failover import queue_preflight, queue_promotion, queue_traffic_move, queue_verify
from tests.outage import RegionOutage

# What the failover DNS records' health checks search each region's /health body for
# (shared/components/failover_dns.py).
PRIMARY_RECORD, SECONDARY_RECORD = '"dns": "serve-active"', '"dns": "serve-'


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


class Region:
    """One region's deployed functions (health, api, event processor) in this process."""

    def __init__(self, region: str, aws: Aws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
        self.region, self.aws, self.clock, self.monkeypatch = region, aws, clock, monkeypatch
        self.fence = handler_module("fence")

    def __enter__(self) -> Region:
        for key, value in {"AWS_REGION": self.region, "TABLE_NAME": self.aws.topology.table_name,
                           "PRIMARY_REGION": PRIMARY, "DR_ENVIRONMENT": "dev"}.items():
            self.monkeypatch.setenv(key, value)
        self.monkeypatch.delenv("DRILL_IMPAIRED_PARAMETER", raising=False)
        return self

    def __exit__(self, *_: Any) -> None:
        pass

    def health(self) -> tuple[str, dict[str, Any]]:
        health = handler_module("health")
        health.ANSWER.forget()
        response = health.handler(events.alb("GET", "/health"), None)
        return response["body"], json.loads(response["body"])

    def put(self, item_id: str) -> int:
        status: int = handler_module("api").handler(events.api_gateway(
            "PUT", "/items/{id}", f"/items/{item_id}", {"id": item_id}, '{"v": 1}'), None)["statusCode"]
        return status

    def process(self, app_id: str) -> dict[str, str]:
        result: dict[str, str] = handler_module("event_processor").handler(
            events.bus_event({"orderId": app_id}, app_id=app_id), None)
        return result


@pytest.fixture
def functions(aws: Aws, outage: RegionOutage, monkeypatch: pytest.MonkeyPatch):
    """Each region's functions on one clock, their clients made inside the outage world."""
    handler_module("clients")._client.cache_clear()
    clock = Clock()
    fence, health = handler_module("fence"), handler_module("health")
    fence.AUTHORITY.forget()
    monkeypatch.setattr(fence.AUTHORITY, "clock", clock)
    monkeypatch.setattr(fence.AUTHORITY, "jitter", lambda: 0.0)
    monkeypatch.setattr(health, "clock", clock)
    monkeypatch.setattr(health, "check_database", lambda: health.OK)
    aws.replication.paused = outage.down  # a region that is down receives no replication
    yield lambda region: Region(region, aws, clock, monkeypatch), clock
    handler_module("clients")._client.cache_clear()
    fence.AUTHORITY.forget()


def stored(aws: Aws, region: str, key: str) -> bool:
    return "Item" in aws.clients.dynamodb(region).get_item(
        TableName=aws.topology.table_name, Key={"pk": {"S": key}})


def test_the_returning_region_learns_it_no_longer_writes_before_any_operator_action(
        aws, engine, outage, functions):
    region_of, clock = functions
    with region_of(PRIMARY) as primary:
        assert primary.put("before") == 201
        assert PRIMARY_RECORD in primary.health()[0]

    # The primary is lost; the on-call engineer fails over, unplanned, from the secondary alone.
    outage.take_down(PRIMARY)
    aws.entries.set("primary", "down")
    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)
    engine.run(FailoverRequest("secondary", UNPLANNED))
    assert aws.authority_in(SECONDARY).active_region == SECONDARY

    # It comes back as it was: its own parameters still name it, its writes flag still "true".
    outage.restore(PRIMARY)
    assert aws.active_region_in(PRIMARY) == PRIMARY and aws.fence_in(PRIMARY) == "true"
    aws.replication.catch_up(PRIMARY)  # DynamoDB delivers what was written while it was away
    clock.now += handler_module("authority").REFRESH_SECONDS  # its functions' next refresh

    with region_of(PRIMARY) as primary:
        body, answer = primary.health()
        assert answer["role"] == "standby" and answer["generation"] == 2
        assert PRIMARY_RECORD not in body  # the PRIMARY failover record's check fails: DNS stays away
        assert primary.put("after-return") == 503
        assert primary.process("order-after-return")["result"] == "skipped: not the writing region"
    assert not stored(aws, PRIMARY, "item#after-return")
    assert not stored(aws, PRIMARY, "event#order-after-return")

    with region_of(SECONDARY) as secondary:
        body, answer = secondary.health()
        assert answer["role"] == "active" and SECONDARY_RECORD in body  # DNS answers with it
        assert secondary.put("in-the-new-writer") == 201
        assert secondary.process("order-after-return")["result"] == "recorded"


def test_while_it_is_away_the_lost_regions_functions_stop_writing_within_their_bound(
        aws, outage, functions):
    region_of, clock = functions
    with region_of(PRIMARY) as primary:
        assert primary.put("warm") == 201
        outage.take_down(PRIMARY)  # its own APIs fail: the last good record stands in, then not
        clock.now += handler_module("authority").STALE_SECONDS
        assert handler_module("fence").writes_enabled() is True  # the last good record, at the bound
        clock.now += handler_module("authority").REFRESH_SECONDS
        assert handler_module("fence").writes_enabled() is False
        assert '"dns": "serve-standby"' not in primary.health()[0]  # an unreadable record never moves DNS
