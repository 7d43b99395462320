"""HTTP plumbing shared by the handlers that two front doors invoke: an Application Load
Balancer (event with requestContext.elb) and an API Gateway REST API with Lambda proxy
integration (event with resource/pathParameters). Each wants its own response shape."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from log import get_logger

log = get_logger("web")

Handler = Callable[["Request"], "Response"]

# The ALB hands Lambda at most 1 MB; nothing the API stores is larger than a DynamoDB item
# (400 KB), so anything bigger is refused before it is decoded or parsed.
MAX_BODY_BYTES = 400 * 1024
# JSON nesting a document may have. Deeper input would make the parser recurse until
# RecursionError, a 500 any client could send to trip the 5XX alarm.
MAX_JSON_DEPTH = 32


class HttpError(Exception):
    """Answered to the caller as `status` with `message`; never logged as a failure."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Request:
    via: str  # "alb" or "apigateway"
    method: str
    path: str
    resource: str | None  # API Gateway's route template, e.g. /items/{id}
    path_parameters: Mapping[str, str]
    body: str | None
    headers: Mapping[str, str] = field(default_factory=dict)  # names lowercased

    def json_body(self) -> Any:
        if self.body is None or not self.body.strip():
            raise HttpError(400, "a JSON request body is required")
        try:
            document = json.loads(self.body)
        except RecursionError:
            raise HttpError(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels") from None
        except ValueError as error:
            raise HttpError(400, f"the request body is not valid JSON: {error}") from None
        if _depth(document) > MAX_JSON_DEPTH:
            raise HttpError(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        return document


def _depth(document: Any) -> int:
    """How deeply `document` nests, walked without recursion."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, level + 1) for child in children)
    return deepest


@dataclass
class Response:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


def front_door(event: Any) -> tuple[str, bool]:
    """Who sent the event ("alb" or "apigateway") and whether it uses multi-value headers (an ALB
    target group with them enabled sends them and expects them back)."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    if isinstance(context, dict) and "elb" in context:
        return "alb", "multiValueHeaders" in event
    return "apigateway", False


def parse(event: Any) -> Request:
    """The request in `event`, whichever front door sent it; HttpError(400) for anything else."""
    if not isinstance(event, dict) or not isinstance(event.get("httpMethod"), str):
        raise HttpError(400, "not an HTTP request: expected an ALB or API Gateway proxy event")
    via, _ = front_door(event)
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        raise HttpError(400, "the request body must be a string")
    # Base64 is 4/3 of the bytes it carries; the decoded body is checked again below.
    if body is not None and len(body) > MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1):
        raise HttpError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    if body is not None and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise HttpError(400, "the request body is not base64-encoded UTF-8 text") from None
        if len(body.encode()) > MAX_BODY_BYTES:
            raise HttpError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    parameters = event.get("pathParameters")
    headers = event.get("headers")
    if not isinstance(headers, dict):  # an ALB target group with multi-value headers on
        multi = event.get("multiValueHeaders")
        headers = {k: v[-1] for k, v in multi.items() if isinstance(v, list) and v} \
            if isinstance(multi, dict) else {}
    path = event.get("path")
    resource = event.get("resource")
    return Request(
        via=via, method=event["httpMethod"].upper(),
        # The ALB passes the path still percent-encoded; API Gateway has decoded it.
        path=unquote(path) if via == "alb" and isinstance(path, str) else str(path or "/"),
        resource=resource if isinstance(resource, str) else None,
        path_parameters={str(k): str(v) for k, v in parameters.items()}
        if isinstance(parameters, dict) else {},
        body=body, headers={str(k).lower(): str(v) for k, v in headers.items()})


def render(event: Any, response: Response) -> dict[str, Any]:
    """The response in the shape the event's sender validates (the ALB needs statusDescription)."""
    via, multi_value_headers = front_door(event)
    headers = {"content-type": "application/json", "cache-control": "no-store", **response.headers}
    result: dict[str, Any] = {"statusCode": response.status, "body": json.dumps(response.payload),
                              "isBase64Encoded": False}
    if via == "alb":
        result["statusDescription"] = f"{response.status} {HTTPStatus(response.status).phrase}"
    if multi_value_headers:
        result["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    else:
        result["headers"] = headers
    return result


def serve(event: Any, handle: Handler) -> dict[str, Any]:
    """Runs `handle` on the event's request; every outcome, failures included, is an HTTP answer."""
    request: Request | None = None
    try:
        request = parse(event)
        response = handle(request)
    except HttpError as error:
        log.info("request refused", extra={
            "status": error.status, "reason": error.message,
            "method": request.method if request else None, "path": request.path if request else None})
        response = Response(error.status, {"message": error.message}, error.headers)
    except Exception:
        # Unhandled, it would reach the caller as a bare 502 from the ALB or API Gateway.
        log.exception("request failed", extra={
            "method": request.method if request else None, "path": request.path if request else None})
        response = Response(500, {"message": "internal error"})
    return render(event, response)
