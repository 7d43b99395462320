"""The write fence: a fenced region refuses writes with 503 and Retry-After and keeps serving
reads; the health answer tells the failover DNS checks whether the region may serve."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, WRITES_ENABLED_PARAMETER, aws_client, handler_module


@pytest.fixture
def api():
    return handler_module("api")


@pytest.fixture(autouse=True)
def fence(monkeypatch):
    """The fence module on a clock that moves only when the test says so."""
    module = handler_module("fence")
    monkeypatch.setattr(module, "clock", Clock())
    return module


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def put(api: Any, item_id: str = "w-1") -> dict[str, Any]:
    return api.handler(events.api_gateway("PUT", "/items/{id}", f"/items/{item_id}", {"id": item_id},
                                          '{"v": 1}'), None)


def get(api: Any, item_id: str = "w-1") -> dict[str, Any]:
    return api.handler(events.alb("GET", f"/items/{item_id}"), None)


def set_fence(value: str) -> None:
    """The operations flip the fence; the handlers see it once their cached answer is older than the TTL."""
    aws_client("ssm").put_parameter(Name=WRITES_ENABLED_PARAMETER, Value=value, Type="String",
                                    Overwrite=True)
    fence = handler_module("fence")
    fence.clock.now += fence.TTL_SECONDS


def test_an_open_region_takes_writes(api, table):
    assert put(api)["statusCode"] == 201


def test_a_fenced_region_refuses_writes_with_retry_after_and_still_serves_reads(api, table):
    assert put(api)["statusCode"] == 201
    set_fence("false")
    refused = put(api, "w-2")
    assert refused["statusCode"] == 503
    assert refused["headers"]["retry-after"] == "30"
    assert json.loads(refused["body"])["message"].startswith(f"writes are paused in {PRIMARY}")
    assert "Item" not in aws_client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "item#w-2"}})
    assert get(api)["statusCode"] == 200


@pytest.mark.parametrize("value", ["missing", "False", "yes"])
def test_a_fence_that_is_missing_or_not_true_fails_closed(api, table, value):
    if value == "missing":
        aws_client("ssm").delete_parameter(Name=WRITES_ENABLED_PARAMETER)
    else:
        set_fence(value)
    assert put(api)["statusCode"] == 503
    assert get(api)["statusCode"] == 404  # reads still answer: nothing was written


def test_the_fence_is_read_at_most_once_per_ttl(api, fence, table):
    assert put(api, "a")["statusCode"] == 201
    aws_client("ssm").put_parameter(Name=WRITES_ENABLED_PARAMETER, Value="false", Type="String",
                                    Overwrite=True)
    fence.clock.now += fence.TTL_SECONDS - 0.1
    assert put(api, "b")["statusCode"] == 201  # the cached answer, within the bound
    fence.clock.now += 0.2
    assert put(api, "c")["statusCode"] == 503


@pytest.fixture
def health(monkeypatch):
    module = handler_module("health")
    monkeypatch.setenv("DB_HOST", "db.example.internal")
    monkeypatch.setenv("DB_PORT", "5432")
    monkeypatch.setattr(module, "check_database", lambda: module.OK)
    return module


@pytest.mark.parametrize(("active", "fence_value", "dns"), [
    (PRIMARY, "true", "serve-active"),
    ("us-east-2", "true", "serve-standby"),
    (PRIMARY, "false", "fenced"),
])
def test_the_health_answer_says_whether_dns_may_send_users_here(health, table, active, fence_value, dns):
    aws_client("ssm").put_parameter(Name="/dr/dev/shared/active-region", Value=active, Type="String")
    set_fence(fence_value)
    response = health.handler(events.alb("GET", "/health"), None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 200  # fenced or standby, a region that can serve is healthy
    assert body["dns"] == dns and body["writes_enabled"] == (fence_value == "true")
    # What the Route 53 string-matching checks search the raw body for.
    assert (f'"dns": "{dns}"' in response["body"]) and ('"dns": "serve-' in response["body"]) == (
        dns != "fenced")
