"""Realistic invocation events, shaped like the AWS documentation's examples."""

from __future__ import annotations

import base64
import uuid
from typing import Any

ACCOUNT = "123456789012"
# The key the data layer generates (40 letters and digits); conftest stores it as the SecureString.
API_KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK"
TARGET_GROUP = (f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}"
                ":targetgroup/dr-app-dev-use1/2f8b3a5c6d7e8f90")


def alb(method: str, path: str, body: str | None = None, base64_body: bool = False,
        multi_value_headers: bool = False, api_key: str | None = API_KEY) -> dict[str, Any]:
    """An ALB event; a client of the items API sends the API key (api_key=None: it does not)."""
    headers = {"host": "dr-app-dev-use1-1234567890.us-east-1.elb.amazonaws.com",
               "user-agent": "curl/8.5.0", "accept": "*/*",
               "x-forwarded-for": "198.51.100.7", "x-forwarded-port": "80", "x-forwarded-proto": "http",
               "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678"}
    if body is not None:
        headers["content-type"] = "application/json"
    if api_key is not None:
        headers["x-api-key"] = api_key
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP}},
        "httpMethod": method, "path": path,
        "body": base64.b64encode(body.encode()).decode() if base64_body and body is not None else body or "",
        "isBase64Encoded": base64_body,
    }
    if multi_value_headers:
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        event["multiValueQueryStringParameters"] = {}
    else:
        event["headers"] = headers
        event["queryStringParameters"] = {}
    return event


def api_gateway(method: str, resource: str, path: str, path_parameters: dict[str, str] | None = None,
                body: str | None = None) -> dict[str, Any]:
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {"Accept": "*/*", "Host": "abc123defg.execute-api.us-east-1.amazonaws.com",
                    "Content-Type": "application/json", "User-Agent": "curl/8.5.0",
                    "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Port": "443",
                    "X-Forwarded-Proto": "https"},
        "multiValueHeaders": {"Accept": ["*/*"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters, "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3", "resourcePath": resource, "httpMethod": method,
            "extendedRequestId": "Jx1yJHk8IAMFcHg=", "requestTime": "25/Nov/2026:06:31:18 +0000",
            "path": f"/prod{path}", "accountId": ACCOUNT, "protocol": "HTTP/1.1", "stage": "prod",
            "domainPrefix": "abc123defg", "requestTimeEpoch": 1795588278000,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "curl/8.5.0"},
            "domainName": "abc123defg.execute-api.us-east-1.amazonaws.com", "apiId": "abc123defg"},
        "body": body, "isBase64Encoded": False,
    }


def parameter_change(name: str, operation: str, region: str, parameter_type: str = "String",
                     time: str = "2026-11-25T06:31:18Z") -> dict[str, Any]:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Parameter Store Change",
        "source": "aws.ssm", "account": ACCOUNT, "time": time, "region": region,
        "resources": [f"arn:aws:ssm:{region}:{ACCOUNT}:parameter{name}"],
        "detail": {"operation": operation, "name": name, "type": parameter_type,
                   "description": "replicated by the DR stack"},
    }


def bus_event(detail: dict[str, Any], event_id: str | None = None,
              app_id: str | None = None) -> dict[str, Any]:
    """An application event as EventBridge delivers it: `id` is EventBridge's (it may differ
    between the two regions' copies), `detail.event_id` the publisher's own (it does not)."""
    eventbridge_id = event_id or str(uuid.uuid4())
    return {
        "version": "0", "id": eventbridge_id, "detail-type": "OrderPlaced",
        "source": "dr.app", "account": ACCOUNT, "time": "2026-11-25T06:31:18Z", "region": "us-east-1",
        "resources": [], "detail": {"event_id": app_id or eventbridge_id, **detail},
    }
