"""Publishing to the EventBridge Global Endpoint from boto3: botocore signs those requests with
SigV4a (one signature valid in every region the endpoint may route to), which it can only do
with awscrt installed. Checked offline: the request is signed and captured, never sent."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from tests.support import outputs


def test_put_events_to_the_global_endpoint_is_signed_with_sigv4a(dev_plan):
    compute = outputs(dev_plan, "compute")
    endpoint_id = compute["global_endpoint_id"]
    assert compute["global_endpoint_url"] == f"https://{endpoint_id}.endpoint.events.amazonaws.com"
    events: Any = boto3.client("events", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                               aws_secret_access_key="example-secret")
    sent: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.update(url=request.url, headers=dict(request.headers))
        response = AWSResponse(request.url, 200, {}, None)
        response._content = b'{"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}'
        return response

    events.meta.events.register("before-send.events.PutEvents", capture)
    answer = events.put_events(EndpointId=endpoint_id, Entries=[{
        "Source": "app.orders", "DetailType": "OrderPlaced", "Detail": "{}",
        "EventBusName": compute["event_bus_name"]}])
    assert answer["FailedEntryCount"] == 0
    assert sent["url"] == f"{compute['global_endpoint_url']}/"
    assert sent["headers"]["Authorization"].startswith(b"AWS4-ECDSA-P256-SHA256 ")
    assert sent["headers"]["X-Amz-Region-Set"] == b"*"
