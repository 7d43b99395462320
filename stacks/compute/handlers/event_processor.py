"""Records every event of the application bus in the table, once, in the region that writes.

EventBridge delivers at least once, and the Global Endpoint may deliver an event in either
region. Events are deduplicated on the application's own id (`detail.event_id`), not on the
EventBridge `id`: AWS documents that the two regions' copies of one event sent through a Global
Endpoint can carry different ids
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html). The
conditional put on `event#<event_id>` makes a repeat a no-op, and since the table is global, a
repeat in the other region finds the first record too once it has replicated.

Only the region the authority record names writes (fence.py). The Global Endpoint replicates
every custom event to both regions' buses (compute's events component turns replication on), so
the writer holds its own copy: a region that positively reads another writer skips the event.
A region that cannot read the record at all (past its staleness bound) raises instead, so
Lambda's retries and then the dead-letter queue keep the event rather than drop it. Malformed
events raise too, so they end in the dead-letter queue rather than vanish.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from authority import MOVING
from botocore.exceptions import ClientError
from clients import client, own_region, required_env
from fence import current
from log import get_logger

log = get_logger("event_processor")

REQUIRED = ("id", "source", "detail-type")
APPLICATION_ID = "event_id"  # in `detail`: the publisher's id of the event, the same in both regions


class AuthorityUnknown(Exception):
    """Who writes cannot be read now; Lambda's retries and the dead-letter queue keep the event."""


def handler(event: Any, context: Any) -> dict[str, str]:
    record = to_item(event)
    application_id = event["detail"][APPLICATION_ID]
    authority = current().authority
    if authority is None:
        raise AuthorityUnknown(f"the authority record is unreadable in {own_region()}: event "
                               f"{application_id} is left to Lambda's retries")
    if authority.role(own_region()) == MOVING:
        # Nobody writes while a move is under way; the event must not be acknowledged as handled:
        # Lambda's retries (then the dead-letter queue, replayed by `invoke redrive`) keep it
        # until the new writer is recorded.
        raise AuthorityUnknown(f"a move is under way ({authority.describe()}): event {application_id} "
                               "is left to Lambda's retries until the new writer is recorded")
    if not authority.may_write(own_region()):
        log.info("event skipped: another region writes", extra={
            "event_id": application_id, "authority": authority.describe()})
        return {"event_id": application_id, "result": "skipped: not the writing region"}
    try:
        client("dynamodb").put_item(
            TableName=required_env("TABLE_NAME"), Item=record,
            ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        log.info("event already recorded", extra={"event_id": application_id})
        return {"event_id": application_id, "result": "duplicate"}
    log.info("event recorded", extra={
        "event_id": application_id, "eventbridge_id": event["id"], "source": event["source"],
        "detail_type": event["detail-type"]})
    return {"event_id": application_id, "result": "recorded"}


def to_item(event: Any) -> dict[str, Any]:
    """The table item for an EventBridge event; ValueError naming what is wrong otherwise."""
    if not isinstance(event, dict):
        raise ValueError(f"malformed event: expected an EventBridge event object, got {type(event).__name__}")
    missing = [key for key in REQUIRED if not isinstance(event.get(key), str) or not event[key]]
    if missing:
        raise ValueError(f"malformed event: missing or empty {', '.join(missing)}")
    if not isinstance(event.get("detail"), dict):
        raise ValueError("malformed event: detail must be a JSON object")
    application_id = event["detail"].get(APPLICATION_ID)
    if not isinstance(application_id, str) or not application_id:
        raise ValueError(f"malformed event: detail.{APPLICATION_ID} (the publisher's id of the event, "
                         "the same in both regions) is missing or empty")
    item = {
        "pk": {"S": f"event#{application_id}"},
        "eventbridge_id": {"S": event["id"]},
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
