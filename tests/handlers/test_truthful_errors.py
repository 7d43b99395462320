"""What the 5XX alarms rely on: a fenced write is counted (embedded metric, per door) so the
alarms can subtract it, and one transient DynamoDB error is retried instead of becoming a 503."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from tests.handlers import events
from tests.handlers.conftest import SECONDARY, handler_module, record_authority


@pytest.fixture
def api():
    return handler_module("api")


def fenced(api) -> None:
    # The authority record names the other region: this one (the primary) refuses writes.
    record_authority(SECONDARY, 1)
    handler_module("fence").AUTHORITY.forget()


def emitted(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


@pytest.mark.parametrize(("event", "door"), [
    (events.alb("PUT", "/items/f", '{"x": 1}'), "alb"),
    (events.api_gateway("PUT", "/items/{id}", "/items/f", {"id": "f"}, '{"x": 1}'), "apigateway"),
])
def test_a_fenced_write_is_counted_for_its_door(api, table, capsys, event, door):
    fenced(api)
    assert api.handler(event, None)["statusCode"] == 503
    [document] = emitted(capsys.readouterr().out)
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == api.METRICS_NAMESPACE
    assert directive["Dimensions"] == [["Environment", "Door"], ["Environment", "Door", "Reason"]]
    assert directive["Metrics"] == [{"Name": "FencedWrites", "Unit": "Count"}]
    assert (document["Environment"], document["Door"], document["FencedWrites"]) == ("dev", door, 1)
    assert document["Reason"] == "standby"  # the record, read, names the other region


def test_reads_and_open_writes_count_nothing(api, table, capsys):
    api.handler(events.alb("PUT", "/items/o", '{"x": 1}'), None)
    api.handler(events.alb("GET", "/items/o"), None)
    assert emitted(capsys.readouterr().out) == []


class Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def throttle_first_call(dynamodb: Any) -> list[str]:
    """DynamoDB answers the first request with a throttling error, then normally (moto)."""
    seen: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        seen.append(request.url)
        if len(seen) > 1:
            return None
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                           "message": "Rate of requests exceeds the allowed throughput."}).encode()
        return AWSResponse(request.url, 400, {"x-amzn-RequestId": "r1"}, Raw(body))

    dynamodb.meta.events.register_first("before-send.dynamodb.PutItem", answer)
    return seen


def test_one_throttled_put_is_retried_by_the_sdk_and_stored(api, table):
    clients = handler_module("clients")
    dynamodb = clients.client("dynamodb", retry_once=True)
    seen = throttle_first_call(dynamodb)
    try:
        response = api.handler(events.alb("PUT", "/items/t", '{"x": 1}'), None)
    finally:
        dynamodb.meta.events.unregister("before-send.dynamodb.PutItem", unique_id=None)
    # Stored, not a 503 (moto has already recorded the first attempt when the hook answers for
    # it, so the retry finds the item: 200 rather than 201).
    assert len(seen) == 2 and response["statusCode"] in (200, 201)
