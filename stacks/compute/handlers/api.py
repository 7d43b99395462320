"""Items API over the DynamoDB global table: GET and PUT /items/{id}.

An item's JSON document is stored as a string attribute, so any JSON value round-trips exactly
(DynamoDB's number type would turn floats into Decimals). Items live under `item#<id>` keys,
apart from the event processor's `event#<id>` records in the same table.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from auth import HEADER, KEY, KeyUnavailable
from authority import STANDBY
from botocore.exceptions import BotoCoreError, ClientError
from clients import client, own_region, required_env
from emf import AUTHORITY_UNREADABLE, FENCED_WRITES, NAMESPACE, emit
from fence import RETRY_AFTER_SECONDS, UNREADABLE, known, refusal
from log import get_logger
from web import HttpError, Request, Response, serve

log = get_logger("api")

ITEM_RESOURCE = "/items/{id}"
ALB_ITEM_PATH = re.compile(r"^/items/(?P<id>[^/]+)/?$")
METHODS = ("GET", "PUT")
MAX_ID_LENGTH = 200
# DynamoDB items are at most 400 KB; leave room for the key and the other attributes.
MAX_DOCUMENT_BYTES = 350 * 1024
METRICS_NAMESPACE = NAMESPACE


def handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(event, route)


def route(request: Request) -> Response:
    if request.via == "alb":
        # API Gateway checks the key itself on the REST door (apiKeyRequired + usage plan).
        require_api_key(request)
    item_id = _item_id(request)
    if request.method == "GET":
        return get_item(item_id)
    if request.method == "PUT":
        refuse_if_fenced(request.via)
        return put_item(item_id, request)
    raise HttpError(405, f"{request.method} is not allowed on /items/{{id}}; use GET or PUT",
                    {"allow": ", ".join(METHODS)})


def require_api_key(request: Request) -> None:
    """Reads and writes on the ALB door need the REST door's API key, in the same header."""
    try:
        allowed = KEY.matches(request.headers.get(HEADER), client("ssm", fast=True))
    except KeyUnavailable:
        raise HttpError(503, "the API key cannot be checked in this region right now; retry "
                             "shortly") from None
    if not allowed:
        # 403 with the same body API Gateway sends for a missing or wrong key.
        raise HttpError(403, "Forbidden")


def refuse_if_fenced(door: str) -> None:
    """Writes go only where the authority record says this region writes (fence.py); reads go on."""
    why = refusal()
    if not why:
        return
    if why == UNREADABLE:
        # Not a deliberate refusal: who writes cannot be read. Counted apart, so the 5XX rate
        # alarms count these 503s as the errors they are and AuthorityUnreadable alarms.
        count_unreadable(door)
        raise HttpError(503, f"writes are refused in {own_region()}: who writes cannot be read there "
                             f"right now; retry in {RETRY_AFTER_SECONDS} s",
                        {"retry-after": str(RETRY_AFTER_SECONDS)})
    count_fenced_write(door, why)
    writer = known().authority
    if why == STANDBY and writer is not None:
        # The steady state of a standby (every write that reaches it under dr:trafficMode
        # active-active): no move is under way, so say where writes go instead of "retry".
        raise HttpError(503, f"{own_region()} is the standby region and serves reads only; writes go "
                             f"to {writer.active_region}: send them to the failover name, which "
                             "answers with the writer", {"retry-after": str(RETRY_AFTER_SECONDS)})
    raise HttpError(503, f"writes are paused in {own_region()} while the service moves between "
                         f"regions; retry in {RETRY_AFTER_SECONDS} s",
                    {"retry-after": str(RETRY_AFTER_SECONDS)})


def count_unreadable(door: str) -> None:
    """One AuthorityUnreadable count (monitoring's metrics.authority_unreadable alarms on the
    [Environment] set; Source says which door or function saw it)."""
    emit(AUTHORITY_UNREADABLE, 1, "Count", [[], ["Source"]], {"Source": door})


def count_fenced_write(door: str, reason: str) -> None:
    """One FencedWrites count: the 5XX alarms subtract these deliberate 503s (monitoring's
    metrics.fenced_writes names the [Environment, Door] set); Reason (standby or moving) is
    published as a second dimension set, for the dashboards."""
    emit(FENCED_WRITES, 1, "Count", [["Door"], ["Door", "Reason"]], {"Door": door, "Reason": reason})


def _item_id(request: Request) -> str:
    if request.resource == ITEM_RESOURCE:
        item_id = request.path_parameters.get("id", "")
    else:
        match = ALB_ITEM_PATH.match(request.path) if request.via == "alb" else None
        if match is None:
            raise HttpError(404, f"no route for {request.path}; the API serves /items/{{id}}")
        item_id = match["id"]
    if not item_id.strip() or len(item_id) > MAX_ID_LENGTH:
        raise HttpError(400, f"the item id must be 1 to {MAX_ID_LENGTH} characters")
    return item_id


def _key(item_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"item#{item_id}"}}


def get_item(item_id: str) -> Response:
    try:
        found = client("dynamodb", retry_once=True).get_item(
            TableName=required_env("TABLE_NAME"), Key=_key(item_id), ConsistentRead=True)
    except (BotoCoreError, ClientError) as error:
        raise _unavailable(error) from error
    item = found.get("Item")
    if item is None:
        raise HttpError(404, f"item {item_id!r} not found")
    return Response(200, _view(item_id, item))


def put_item(item_id: str, request: Request) -> Response:
    document = json.dumps(request.json_body(), separators=(",", ":"))
    if len(document.encode()) > MAX_DOCUMENT_BYTES:
        raise HttpError(413, f"the item document is larger than {MAX_DOCUMENT_BYTES} bytes")
    item = {**_key(item_id), "data": {"S": document},
            "updated_at": {"S": datetime.now(UTC).isoformat()}, "region": {"S": own_region()}}
    try:
        previous = client("dynamodb", retry_once=True).put_item(
            TableName=required_env("TABLE_NAME"), Item=item, ReturnValues="ALL_OLD")
    except (BotoCoreError, ClientError) as error:
        raise _unavailable(error) from error
    created = "Attributes" not in previous
    log.info("item stored", extra={"item_id": item_id, "new_item": created})
    return Response(201 if created else 200, _view(item_id, item))


def _view(item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item_id, "data": json.loads(item["data"]["S"]),
            "updated_at": item.get("updated_at", {}).get("S"),
            "region": item.get("region", {}).get("S")}


def _unavailable(error: Exception) -> HttpError:
    log.error("table unavailable", extra={"table": os.environ.get("TABLE_NAME"), "error": str(error)})
    return HttpError(503, "the item store is unavailable in this region; retry shortly")
