"""GET an order from the global table, saying whether this region is the active one."""

import json
import os
from typing import Any

import boto3

_region = os.environ.get("AWS_REGION", "us-east-1")
_dynamodb = boto3.client("dynamodb", region_name=_region)
_ssm = boto3.client("ssm", region_name=_region)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = str((event.get("pathParameters") or {}).get("id", ""))
    if not order_id:
        return {"statusCode": 400, "body": "order id required"}
    active = _ssm.get_parameter(Name=os.environ["ACTIVE_REGION_PARAMETER"])["Parameter"]["Value"]
    item = _dynamodb.get_item(TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": f"order#{order_id}"}},
                              ConsistentRead=True).get("Item")
    body = {"region": _region, "active": active == _region, "order": item}
    return {"statusCode": 200 if item else 404, "body": json.dumps(body)}
