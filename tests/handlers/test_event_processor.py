"""The bus consumer: every event recorded once, malformed ones raised toward the DLQ."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, aws_client, handler_module


@pytest.fixture
def processor():
    return handler_module("event_processor")


def stored(table: str, event_id: str) -> dict | None:
    item: dict | None = aws_client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": f"event#{event_id}"}}).get("Item")
    return item


def test_an_event_is_recorded_with_its_source_type_detail_and_region(processor, table):
    event = events.bus_event({"orderId": "o-17", "total": 12.5}, event_id="5c2e6e8d-1")
    assert processor.handler(event, None) == {"event_id": "5c2e6e8d-1", "result": "recorded"}
    item = stored(table, "5c2e6e8d-1")
    assert item is not None
    assert item["source"]["S"] == "dr.app" and item["detail_type"]["S"] == "OrderPlaced"
    assert json.loads(item["detail"]["S"]) == {"orderId": "o-17", "total": 12.5}
    assert item["region"]["S"] == PRIMARY and item["event_time"]["S"] == event["time"]


def test_a_redelivered_event_is_recorded_once(processor, table):
    event = events.bus_event({"orderId": "o-18"}, event_id="dup-1")
    processor.handler(event, None)
    first = stored(table, "dup-1")
    again = processor.handler({**event, "detail": {"orderId": "changed"}}, None)
    assert again["result"] == "duplicate"
    assert stored(table, "dup-1") == first


@pytest.mark.parametrize("event, complaint", [
    (["not", "an", "event"], "expected an EventBridge event object"),
    ({k: v for k, v in events.bus_event({}).items() if k != "id"}, "missing or empty id"),
    ({**events.bus_event({}), "source": "", "detail-type": None}, "source, detail-type"),
    ({**events.bus_event({}), "detail": "{\"orderId\": 1}"}, "detail must be a JSON object"),
])
def test_malformed_events_raise_so_they_reach_the_dead_letter_queue(processor, table, event, complaint):
    with pytest.raises(ValueError, match=complaint):
        processor.handler(event, None)


def test_a_missing_table_raises_so_lambda_retries(processor):
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        processor.handler(events.bus_event({"orderId": "o-19"}), None)
