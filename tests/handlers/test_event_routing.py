"""The compute layer's rules as planned, run through EventBridge (moto) into the handlers: what
the deployed rule delivers is what the function receives. Each rule's target is swapped for a
queue, so the delivered event can be read back and handed to the handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.handlers.conftest import PRIMARY, SECONDARY, aws_client, handler_module
from tests.support import plan_of, resources


def planned_rule(kind: str) -> dict[str, Any]:
    rules = resources(plan_of("dev"), "compute", "aws:cloudwatch/eventRule:EventRule", PRIMARY)
    return next(r["inputs"] for r in rules if kind in r["name"])


def deliver(rule: dict[str, Any], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Puts the planned rule on its bus with a queue target, sends `entry`, returns what arrived."""
    events, sqs = aws_client("events"), aws_client("sqs")
    bus = rule.get("eventBusName", "default")
    if bus != "default":
        events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName="delivered")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    events.put_rule(Name=rule["name"], EventBusName=bus, EventPattern=rule["eventPattern"])
    events.put_targets(Rule=rule["name"], EventBusName=bus, Targets=[
        {"Id": "queue", "Arn": queue_arn["Attributes"]["QueueArn"]}])
    events.put_events(Entries=[{**entry, "EventBusName": bus}])
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def parameter_change(name: str) -> dict[str, Any]:
    # What Parameter Store publishes on the default bus (documented "Parameter Store Change").
    return {"Source": "aws.ssm", "DetailType": "Parameter Store Change", "Resources": [
        f"arn:aws:ssm:{PRIMARY}:123456789012:parameter{name}"],
        "Detail": json.dumps({"name": name, "type": "String", "operation": "Update"})}


@pytest.fixture
def replicate(monkeypatch):
    for key, value in {"PARAMETER_PREFIX": "/dr/dev/shared/", "PEER_REGION": SECONDARY,
                       "PEER_KMS_KEY_ARN": "alias/aws/ssm"}.items():
        monkeypatch.setenv(key, value)
    return handler_module("parameter_replicator").handler


def test_a_change_under_the_prefix_is_delivered_and_copied_to_the_other_region(replicate):
    aws_client("ssm").put_parameter(Name="/dr/dev/shared/features/flag", Value="on", Type="String")
    delivered = deliver(planned_rule("parameters"), parameter_change("/dr/dev/shared/features/flag"))
    assert len(delivered) == 1
    replicate(delivered[0], None)
    copied = aws_client("ssm", SECONDARY).get_parameter(Name="/dr/dev/shared/features/flag")
    assert copied["Parameter"]["Value"] == "on"


def test_changes_outside_the_environment_prefix_never_reach_the_replicator():
    assert deliver(planned_rule("parameters"), parameter_change("/dr/prod/shared/features/flag")) == []
    # Each region's own values and contract mirror stay in their region.
    assert deliver(planned_rule("parameters"), parameter_change("/dr/dev/regional/bucket-name")) == []
    assert deliver(planned_rule("parameters"), parameter_change("/dr/dev/contract/data/table_name")) == []
    assert deliver(planned_rule("parameters"), parameter_change("/other/flag")) == []


def test_an_application_event_on_the_bus_reaches_the_processor_and_is_recorded(table):
    delivered = deliver(planned_rule("processor"), {
        "Source": "dr.app", "DetailType": "OrderPlaced",
        "Detail": json.dumps({"event_id": "order-1", "orderId": "o-1"})})
    assert len(delivered) == 1
    handler_module("event_processor").handler(delivered[0], None)
    # Keyed by the publisher's id: the other region's copy may carry another EventBridge id.
    item = aws_client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "event#order-1"}})["Item"]
    assert json.loads(item["detail"]["S"]) == {"event_id": "order-1", "orderId": "o-1"}
