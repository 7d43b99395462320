"""Copies Parameter Store changes under PARAMETER_PREFIX from this region to PEER_REGION.

Fed by the "Parameter Store Change" events of this region's default bus. Each region runs its
own copy pointed at the other, so a write into the peer raises a change event there that comes
straight back here; it stops at the first check: the peer already holds the same type and
value (or, for a delete, the parameter is already gone). When both regions were edited at
once, the most recent edit wins: a copy never overwrites a newer parameter, and a delete never
removes a parameter the peer changed after the deletion happened here.

The event only says which parameter changed; what is copied or deleted comes from the current
state of both regions. So an event replayed late from the dead-letter queue (`invoke redrive`
after an outage) reconciles the two regions instead of bringing back an old value.

SecureStrings are decrypted here and re-encrypted in the peer with PEER_KMS_KEY_ARN. AWS
errors are raised, so Lambda's asynchronous retries and then the dead-letter queue apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from clients import client, own_region, required_env
from log import get_logger

log = get_logger("parameter_replicator")

SOURCE = "aws.ssm"
DETAIL_TYPE = "Parameter Store Change"
COPIED_OPERATIONS = ("Create", "Update")
DELETE = "Delete"


def handler(event: Any, context: Any) -> dict[str, str]:
    name, operation = _parse(event)
    prefix, peer = required_env("PARAMETER_PREFIX"), required_env("PEER_REGION")
    fields = {"parameter": name, "operation": operation, "peer_region": peer}
    if not name.startswith(prefix):
        return _outcome("ignored: outside the prefix", fields)
    if operation not in (*COPIED_OPERATIONS, DELETE):
        # Label moves and policy notifications do not change the value the peer needs.
        return _outcome("ignored: operation not replicated", fields)
    source = _read(own_region(), name)
    if source is None:
        # Deleted here (or gone again before this event arrived): delete in the peer too.
        return _outcome(_delete_in_peer(peer, name, _changed_at(event)), fields)
    return _outcome(_copy_to_peer(peer, source), fields)


def _parse(event: Any) -> tuple[str, str]:
    if not isinstance(event, dict):
        raise ValueError("malformed event: expected an EventBridge event object")
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise ValueError(f"malformed event: expected source {SOURCE!r} and detail-type {DETAIL_TYPE!r}, "
                         f"got {event.get('source')!r} / {event.get('detail-type')!r}")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise ValueError("malformed event: detail is missing")
    name, operation = detail.get("name"), detail.get("operation")
    if not isinstance(name, str) or not name or not isinstance(operation, str) or not operation:
        raise ValueError("malformed event: detail.name and detail.operation are required")
    return name, operation


def _read(region: str, name: str) -> dict[str, Any] | None:
    try:
        answer = client("ssm", region).get_parameter(Name=name, WithDecryption=True)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ParameterNotFound":
            return None
        raise
    parameter: dict[str, Any] = answer["Parameter"]
    return parameter


def _copy_to_peer(peer: str, source: dict[str, Any]) -> str:
    name = source["Name"]
    current = _read(peer, name)
    if current is not None and (current["Type"], current["Value"]) == (source["Type"], source["Value"]):
        return "in sync: the peer already holds this value"
    if current is not None and current["LastModifiedDate"] > source["LastModifiedDate"]:
        return "skipped: the peer holds a newer value"
    request: dict[str, Any] = {
        "Name": name, "Value": source["Value"], "Type": source["Type"], "Overwrite": True,
        # Standard tier unless the value needs advanced (over 4 KB), as in the source.
        "Tier": "Intelligent-Tiering"}
    if source.get("DataType"):
        request["DataType"] = source["DataType"]
    if source["Type"] == "SecureString":
        request["KeyId"] = required_env("PEER_KMS_KEY_ARN")
    client("ssm", peer).put_parameter(**request)
    return "copied" if current is None else "updated"


def _changed_at(event: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        raise ValueError("malformed event: time must be an ISO 8601 timestamp") from None


def _delete_in_peer(peer: str, name: str, deleted_at: datetime) -> str:
    current = _read(peer, name)
    if current is None:
        return "in sync: already absent in the peer"
    if current["LastModifiedDate"] > deleted_at:
        return "skipped: the peer changed it after it was deleted here"
    try:
        client("ssm", peer).delete_parameter(Name=name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ParameterNotFound":
            return "in sync: already absent in the peer"
        raise
    return "deleted"


def _outcome(result: str, fields: dict[str, str]) -> dict[str, str]:
    log.info("parameter change handled", extra={**fields, "result": result})
    return {**fields, "result": result}
