"""The bus consumer: every event recorded once, malformed ones raised toward the DLQ."""

from __future__ import annotations

import json

import pytest

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, SECONDARY, aws_client, handler_module, record_authority


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
    assert json.loads(item["detail"]["S"]) == {"event_id": "5c2e6e8d-1", "orderId": "o-17", "total": 12.5}
    assert item["region"]["S"] == PRIMARY and item["event_time"]["S"] == event["time"]


def test_a_redelivered_event_is_recorded_once(processor, table):
    event = events.bus_event({"orderId": "o-18"}, event_id="dup-1")
    processor.handler(event, None)
    first = stored(table, "dup-1")
    again = processor.handler({**event, "detail": {**event["detail"], "orderId": "changed"}}, None)
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


def test_the_two_regions_copies_of_one_event_are_one_record_whatever_eventbridge_ids_they_carry(
        processor, table):
    processor.handler(events.bus_event({"orderId": "o-20"}, event_id="eb-east-1", app_id="order-20"), None)
    again = processor.handler(events.bus_event({"orderId": "o-20"}, event_id="eb-east-2", app_id="order-20"),
                              None)
    assert again == {"event_id": "order-20", "result": "duplicate"}
    assert stored(table, "order-20")["eventbridge_id"]["S"] == "eb-east-1"


def test_an_event_without_the_application_id_is_malformed(processor, table):
    event = events.bus_event({"orderId": "o-21"})
    del event["detail"]["event_id"]
    with pytest.raises(ValueError, match="detail.event_id"):
        processor.handler(event, None)


def test_a_region_that_does_not_write_records_nothing(processor, table):
    """The writer has its own copy (the Global Endpoint replicates every event to both buses)."""
    record_authority(SECONDARY, 1)
    result = processor.handler(events.bus_event({"orderId": "o-22"}, app_id="order-22"), None)
    assert result == {"event_id": "order-22", "result": "skipped: not the writing region"}
    assert stored(table, "order-22") is None


def test_a_missing_table_raises_so_lambda_retries(processor):
    """Who writes is unreadable too: the event is kept for Lambda's retries, never dropped."""
    with pytest.raises(processor.AuthorityUnknown, match="unreadable"):
        processor.handler(events.bus_event({"orderId": "o-19"}), None)


def test_an_event_during_a_move_is_kept_for_lambdas_retries_not_acknowledged(processor, table):
    """While the record names nobody (a move under way) neither region would record the event:
    acknowledging it as skipped in both would lose it."""
    record_authority("", 1, moving_to=SECONDARY)
    with pytest.raises(processor.AuthorityUnknown, match="move is under way"):
        processor.handler(events.bus_event({"orderId": "o-23"}, app_id="order-23"), None)
    assert stored(table, "order-23") is None
