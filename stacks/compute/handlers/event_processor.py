"""Records every event of the application bus in the table, once.

EventBridge delivers at least once, and the Global Endpoint may deliver an event in either
region: the conditional put on `event#<id>` makes a repeat a no-op, and since the table is
global, a repeat in the other region finds the first record too once it has replicated.
Malformed events raise, so they end in the dead-letter queue rather than vanish.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from clients import client, own_region, required_env
from log import get_logger

log = get_logger("event_processor")

REQUIRED = ("id", "source", "detail-type")


def handler(event: Any, context: Any) -> dict[str, str]:
    record = to_item(event)
    try:
        client("dynamodb").put_item(
            TableName=required_env("TABLE_NAME"), Item=record,
            ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        log.info("event already recorded", extra={"event_id": event["id"]})
        return {"event_id": event["id"], "result": "duplicate"}
    log.info("event recorded", extra={
        "event_id": event["id"], "source": event["source"], "detail_type": event["detail-type"]})
    return {"event_id": event["id"], "result": "recorded"}


def to_item(event: Any) -> dict[str, Any]:
    """The table item for an EventBridge event; ValueError naming what is wrong otherwise."""
    if not isinstance(event, dict):
        raise ValueError(f"malformed event: expected an EventBridge event object, got {type(event).__name__}")
    missing = [key for key in REQUIRED if not isinstance(event.get(key), str) or not event[key]]
    if missing:
        raise ValueError(f"malformed event: missing or empty {', '.join(missing)}")
    if not isinstance(event.get("detail"), dict):
        raise ValueError("malformed event: detail must be a JSON object")
    item = {
        "pk": {"S": f"event#{event['id']}"},
        "source": {"S": event["source"]},
        "detail_type": {"S": event["detail-type"]},
        "detail": {"S": json.dumps(event["detail"], separators=(",", ":"), sort_keys=True)},
        "region": {"S": own_region()},
        "recorded_at": {"S": datetime.now(UTC).isoformat()},
    }
    for attribute, key in (("event_time", "time"), ("event_region", "region"), ("account", "account")):
        if isinstance(event.get(key), str) and event[key]:
            item[attribute] = {"S": event[key]}
    return item
