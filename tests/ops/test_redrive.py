"""`invoke redrive`: the dead-letter queues (moto's SQS) replayed onto their functions (Lambda
through botocore's Stubber: moto would need Docker to run a function, and the Stubber checks
each Invoke against the API model). What the replay does with the event is the handlers' part,
tested in tests/handlers (a late parameter change reconciles against both regions)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from shared.contracts.monitoring import ASYNC_FUNCTION_ROLES
from shared.naming import dead_letter_queue_name, function_name
from shared.ops.aws.clients import AwsClients
from shared.ops.maintenance.redrive import redrive
from tests.handlers import events
from tests.support import outputs

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield AwsClients(boto3.Session(region_name=PRIMARY))


def queues(dev_plan, clients: AwsClients) -> dict[tuple[str, str], str]:
    """The dead-letter queues the compute layer declares, created in moto: (region, role) -> URL."""
    made = {}
    for role, region in (("primary", PRIMARY), ("secondary", SECONDARY)):
        for function_role, name in outputs(dev_plan, "compute")[f"{role}_dead_letter_queue_names"].items():
            made[(region, function_role)] = clients.client("sqs", region).create_queue(
                QueueName=name)["QueueUrl"]
    return made


def lambda_stub(clients: AwsClients, region: str) -> Stubber:
    stub = Stubber(boto3.client("lambda", region_name=region))
    clients.use("lambda", region, stub.client)
    return stub


def test_every_queue_the_layer_declares_is_redriven_onto_its_function(dev_plan, aws):
    urls = queues(dev_plan, aws)
    assert {role for _, role in urls} == set(ASYNC_FUNCTION_ROLES)
    change = events.parameter_change("/dr/dev/shared/active-region", "Update", PRIMARY)
    aws.client("sqs", PRIMARY).send_message(QueueUrl=urls[(PRIMARY, "parameter_replicator")],
                                            MessageBody=json.dumps(change))
    stubs = {region: lambda_stub(aws, region) for region in (PRIMARY, SECONDARY)}
    names = outputs(dev_plan, "compute")["primary_function_names"]
    stubs[PRIMARY].add_response("invoke", {"StatusCode": 202}, {
        "FunctionName": names["parameter_replicator"], "InvocationType": "Event",
        "Payload": json.dumps(change).encode()})
    for stub in stubs.values():
        stub.activate()

    results = redrive("dev", [PRIMARY, SECONDARY], ASYNC_FUNCTION_ROLES, aws)

    for stub in stubs.values():
        stub.assert_no_pending_responses()
    assert {(r.region, r.queue): r.replayed for r in results} == {
        (region, url.rsplit("/", 1)[1]): int((region, role) == (PRIMARY, "parameter_replicator"))
        for (region, role), url in urls.items()}
    assert all(r.ok for r in results)
    left = aws.client("sqs", PRIMARY).receive_message(QueueUrl=urls[(PRIMARY, "parameter_replicator")])
    assert "Messages" not in left


def test_a_message_whose_replay_fails_stays_queued_and_is_reported(dev_plan, aws):
    urls = queues(dev_plan, aws)
    url = urls[(SECONDARY, "event_processor")]
    aws.client("sqs", SECONDARY).send_message(
        QueueUrl=url, MessageBody=json.dumps(events.bus_event({"order": 1})))
    stub = lambda_stub(aws, SECONDARY)
    stub.add_client_error("invoke", "TooManyRequestsException", "Rate exceeded", 429)
    stub.activate()

    [result] = redrive("dev", [SECONDARY], ["event_processor"], aws)

    assert (result.replayed, result.ok) == (0, False)
    assert "Rate exceeded" in result.line()
    attributes = aws.client("sqs", SECONDARY).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # back after the timeout


def test_a_queue_that_cannot_be_read_is_reported_not_raised(aws):
    [result] = redrive("dev", [PRIMARY], ["event_processor"], aws)
    # It was never read: no count of what is left in it (it said "1 left in the queue").
    assert not result.ok and result.line().startswith(f"{PRIMARY} {result.queue}: not read (")
    assert "left in the queue" not in result.line() and "replayed" not in result.line()
    with pytest.raises(ClientError):
        aws.client("sqs", PRIMARY).get_queue_url(QueueName=result.queue)


def test_a_region_outside_the_environment_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "invoke", "redrive", "--env", "dev", "--region",
                           "eu-west-1"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --region eu-west-1 is not a DR region of dev; "
                                   "use one of us-east-1, us-east-2")


def test_an_empty_answer_while_the_queue_still_counts_messages_is_not_the_end(aws):
    """SQS may answer a receive empty while messages wait (it samples servers unless the receive
    waits): the run long-polls, and ends only once the queue itself counts none visible."""
    queue = dead_letter_queue_name("event_processor", "dev", SECONDARY)
    url = f"https://sqs.{SECONDARY}.amazonaws.com/123456789012/{queue}"
    sqs = Stubber(boto3.client("sqs", region_name=SECONDARY))
    aws.use("sqs", SECONDARY, sqs.client)
    functions = lambda_stub(aws, SECONDARY)
    receive = {"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 300,
               "WaitTimeSeconds": 1}
    count = {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]}
    body = json.dumps(events.bus_event({"order": 2}))
    sqs.add_response("get_queue_url", {"QueueUrl": url}, {"QueueName": queue})
    sqs.add_response("receive_message", {}, receive)
    sqs.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "1"}}, count)
    sqs.add_response("receive_message", {"Messages": [
        {"MessageId": "m1", "ReceiptHandle": "r1", "Body": body}]}, receive)
    functions.add_response("invoke", {"StatusCode": 202}, {
        "FunctionName": function_name("event_processor", "dev", SECONDARY), "InvocationType": "Event",
        "Payload": body.encode()})
    sqs.add_response("delete_message", {}, {"QueueUrl": url, "ReceiptHandle": "r1"})
    sqs.add_response("receive_message", {}, receive)
    sqs.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "0"}}, count)
    with sqs, functions:
        [result] = redrive("dev", [SECONDARY], ["event_processor"], aws)
        assert (result.replayed, result.failures) == (1, [])
        sqs.assert_no_pending_responses()
