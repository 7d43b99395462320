"""The write fence, derived from the authority record: only the region the record names takes
writes, reads go on everywhere; the last good record stands in for an unreadable one for a
bounded time, then writes are refused while the DNS answer stays where it was."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, SECONDARY, TABLE, aws_client, handler_module, record_authority
from tests.handlers.test_health import Clock
from tests.outage import DegradedRegions


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """One clock for the authority cache and the health answer, moved only by the test."""
    shared = Clock()
    monkeypatch.setattr(handler_module("fence").AUTHORITY, "clock", shared)
    monkeypatch.setattr(handler_module("fence").AUTHORITY, "jitter", lambda: 0.0)
    monkeypatch.setattr(handler_module("health"), "clock", shared)
    return shared


@pytest.fixture
def api():
    return handler_module("api")


@pytest.fixture
def health(monkeypatch):
    module = handler_module("health")
    monkeypatch.setattr(module, "check_database", lambda: module.OK)
    return module


@pytest.fixture
def world(degraded: DegradedRegions) -> Iterator[DegradedRegions]:
    """Degradations reach the handlers' own clients: they are built again inside the world, and
    once more after it, so no degraded client outlives the test."""
    handler_module("clients")._client.cache_clear()
    yield degraded
    handler_module("clients")._client.cache_clear()


def put(api: Any, item_id: str = "w-1") -> dict[str, Any]:
    return api.handler(events.api_gateway("PUT", "/items/{id}", f"/items/{item_id}", {"id": item_id},
                                          '{"v": 1}'), None)


def get(api: Any, item_id: str = "w-1") -> dict[str, Any]:
    return api.handler(events.alb("GET", f"/items/{item_id}"), None)


def dns(health: Any) -> str:
    return json.loads(health.handler(events.alb("GET", "/health"), None)["body"])["dns"]


def stored(item_id: str) -> bool:
    return "Item" in aws_client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": f"item#{item_id}"}})


def later(clock: Clock, seconds: float) -> None:
    clock.now += seconds


def test_before_any_move_the_deployed_primary_takes_writes(api, table, clock):
    assert put(api)["statusCode"] == 201


def test_a_region_the_record_does_not_name_refuses_writes_and_serves_reads(api, table, clock):
    assert put(api)["statusCode"] == 201
    record_authority(SECONDARY, 1)
    later(clock, handler_module("authority").REFRESH_SECONDS)
    refused = put(api, "w-2")
    assert refused["statusCode"] == 503 and refused["headers"]["retry-after"] == "30"
    assert json.loads(refused["body"])["message"].startswith(
        f"{PRIMARY} is the standby region and serves reads only; writes go to {SECONDARY}")
    assert not stored("w-2")
    assert get(api)["statusCode"] == 200


def test_nobody_writes_while_a_move_is_under_way(api, table, clock):
    record_authority("", 1, moving_to=SECONDARY)
    refused = put(api)
    assert refused["statusCode"] == 503 and not stored("w-1")
    assert json.loads(refused["body"])["message"].startswith(f"writes are paused in {PRIMARY} while")


def test_the_record_is_read_once_per_refresh_and_a_change_is_seen_within_it(api, table, clock):
    authority = handler_module("authority")
    assert put(api, "a")["statusCode"] == 201
    record_authority(SECONDARY, 1)
    later(clock, authority.REFRESH_SECONDS - 0.1)
    assert put(api, "b")["statusCode"] == 201  # the cached record, within the bound
    later(clock, 0.1)
    assert put(api, "c")["statusCode"] == 503
    assert handler_module("fence").AUTHORITY.reads == 2


def test_generations_never_go_backwards(table):
    authority = handler_module("authority")
    record_authority(SECONDARY, 2)
    with pytest.raises(authority.Superseded):
        record_authority(PRIMARY, 2)
    assert authority.read(aws_client("dynamodb"), TABLE, PRIMARY).active_region == SECONDARY


@pytest.mark.parametrize(("record", "expected"), [
    ((PRIMARY, 1, ""), "serve-active"),
    ((SECONDARY, 1, ""), "serve-standby"),
    (("", 1, SECONDARY), "fenced"),
])
def test_the_health_answer_follows_the_record(health, table, clock, record, expected):
    active, generation, moving_to = record
    record_authority(active, generation, moving_to=moving_to)
    response = health.handler(events.alb("GET", "/health"), None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 200  # fenced or standby, a region that can serve is healthy
    assert body["dns"] == expected and body["generation"] == 1
    assert body["writes_enabled"] == (active == PRIMARY)
    # What the Route 53 string-matching checks search the raw body for.
    assert f'"dns": "{expected}"' in response["body"]


# --- brownout: throttled reads cost neither writes nor the DNS answer, within the bound ---

def test_half_the_reads_throttled_refuses_no_write_and_keeps_dns(api, health, table, clock, world):
    world.throttle(PRIMARY, "ssm", every=2)  # the drill flag and anything else on Parameter Store
    world.throttle(PRIMARY, "dynamodb", every=2, operation="GetItem")
    answers, results = set(), []
    for second in range(120):
        results.append(put(api, f"b-{second}")["statusCode"])
        answers.add(dns(health))
        later(clock, 1.0)
    assert set(results) == {201}
    assert answers == {"serve-active"}
    assert sum(rule.failed for rule in world.rules) > 0  # the brownout really hit


def test_past_the_staleness_bound_writes_fail_closed_but_dns_stays(api, health, table, clock, world):
    authority = handler_module("authority")
    assert put(api, "before")["statusCode"] == 201
    world.throttle(PRIMARY, "dynamodb", every=1, operation="GetItem")
    later(clock, authority.STALE_SECONDS)
    assert put(api, "within")["statusCode"] == 201  # the last good record, at the bound
    later(clock, authority.REFRESH_SECONDS)
    assert put(api, "after")["statusCode"] == 503
    world.heal()
    health.ANSWER.forget()
    world.throttle(PRIMARY, "dynamodb", every=1, operation="GetItem")
    # A read error is never a reason to move DNS clients: unknown keeps serve-active (the
    # dynamodb check itself treats throttling as an answer: the table is there).
    assert dns(health) == "serve-active"


def test_one_retry_inside_the_budget_hides_a_single_throttle(api, table, clock, world):
    world.throttle(PRIMARY, "dynamodb", every=2, operation="GetItem")  # the first read of two fails
    world.rules[0].seen = 1
    assert put(api)["statusCode"] == 201
    assert handler_module("fence").AUTHORITY.reads == 2


# --- a flood of /health: one answer a second, one read of each thing per cache period ---

def test_200_concurrent_health_requests_make_one_read_of_each_per_period(health, table, clock, world):
    # moto builds its Parameter Store on first use, slower than the health budget: not under test.
    aws_client("ssm").describe_parameters()
    calls: list[str] = []
    for service in ("dynamodb", "ssm"):
        handler_module("clients").client(service, fast=True).meta.events.register(
            f"before-call.{service}.*", lambda model, **_: calls.append(model.name))
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: dns(health), range(200)))
    assert set(answers) == {"serve-active"}
    # The health probe's GetItem, the authority's GetItem, the drill flag's GetParameter: once.
    assert sorted(calls) == ["GetItem", "GetItem", "GetParameter"]
    later(clock, 1.0)  # the next second: a new answer (the table probe); authority and flag cached
    dns(health)
    assert sorted(calls) == ["GetItem", "GetItem", "GetItem", "GetParameter"]


def test_a_record_read_hanging_past_the_budget_never_revives_an_expired_one(table, clock, monkeypatch):
    """The health answer takes what the cache holds within its bound, not an older reading."""
    health = handler_module("health")
    monkeypatch.setattr(health, "check_database", lambda: health.OK)
    record_authority(SECONDARY, 1)
    assert json.loads(health.handler(events.alb("GET", "/health"), None)["body"])["role"] == "standby"
    release = threading.Event()
    monkeypatch.setattr(health, "authority", lambda read: "ok" if release.wait(30) else "late")
    later(clock, handler_module("authority").STALE_SECONDS + 1)
    try:
        body = json.loads(health.handler(events.alb("GET", "/health"), None)["body"])
    finally:
        release.set()
    # The DNS answer keeps the last positive read's: a read error never moves DNS clients.
    assert body["role"] == "unknown" and body["dns"] == "serve-standby"


def test_a_standby_whose_reads_are_throttled_past_the_bound_keeps_answering_standby(
        health, table, clock, world):
    """A brownout in the standby region: its table answers (throttled is an answer, so health
    stays 200) but no authority read gets through. DNS must not be drawn to it."""
    record_authority(SECONDARY, 1)
    assert dns(health) == "serve-standby"
    world.throttle(PRIMARY, "dynamodb", every=1, operation="GetItem")
    later(clock, handler_module("authority").STALE_SECONDS + 1)
    body = json.loads(health.handler(events.alb("GET", "/health"), None)["body"])
    assert body["role"] == "unknown" and body["dns"] == "serve-standby"


def test_a_malformed_record_is_a_failed_read_and_the_next_refresh_reads_again(api, table, clock):
    """A hand-edited item without a generation must not freeze the environment's view."""
    authority = handler_module("authority")
    aws_client("dynamodb").put_item(TableName=TABLE, Item={**authority.KEY, "active_region": {"S": PRIMARY}})
    assert put(api)["statusCode"] == 503  # no record could be read: writes fail closed
    aws_client("dynamodb").delete_item(TableName=TABLE, Key=authority.KEY)  # the operator's repair
    record_authority(PRIMARY, 3)
    later(clock, authority.REFRESH_SECONDS)
    assert put(api, "w-2")["statusCode"] == 201  # read again, not stuck "in flight"
