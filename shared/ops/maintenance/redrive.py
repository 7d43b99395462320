"""Replaying what waits in the dead-letter queues once a region has recovered.

The asynchronous functions (parameter replicator, event processor) send what they could not
handle after their retries, and EventBridge sends what it could not deliver, to the function's
SQS dead-letter queue. Both write the original event as the message body, so a replay is an
asynchronous invocation of the same function with that body. SQS's StartMessageMoveTask does
not apply: it moves messages back to a source *queue*, and these queues have none.

A replayed event is handled against the current state, not the state it describes: the
replicator compares both regions' parameters and their LastModifiedDate before it copies or
deletes anything, and the event processor's write is idempotent. A message is deleted only
once its invocation was accepted; one that fails stays for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.naming import dead_letter_queue_name, function_name
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, one_line

# Long enough that a message whose replay failed is not received again in the same run.
_HIDE_SECONDS = 300
_BATCH = 10
# Long polling: a receive that waits queries every SQS server, so an empty answer means an empty
# queue; a short poll samples some servers and can answer empty while messages remain.
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
_WAIT_SECONDS = 1
# Empty answers while the queue still counts visible messages, before the run gives up on them.
_EMPTY_TRIES = 3


@dataclass
class QueueRedrive:
    region: str
    queue: str
    function: str
    replayed: int = 0
    failures: list[str] = field(default_factory=list)  # one per message whose replay failed
    unread: str | None = None  # why the queue could not be read: nothing is known about its messages

    @property
    def ok(self) -> bool:
        return not self.failures and self.unread is None

    def line(self) -> str:
        if self.unread is not None:
            done = f" after {self.replayed} replayed" if self.replayed else ""
            return f"{self.region} {self.queue}: not read{done} ({self.unread}); rerun once it is readable"
        failed = f", {len(self.failures)} left in the queue ({self.failures[0]})" if self.failures else ""
        return f"{self.region} {self.queue}: {self.replayed} replayed to {self.function}{failed}"


def redrive(environment: str, regions: Sequence[str], modules: Sequence[str],
            clients: AwsClients) -> list[QueueRedrive]:
    """Replay every message of each module's dead-letter queue in each region."""
    return [_redrive_queue(environment, region, module, clients)
            for region in regions for module in modules]


def _redrive_queue(environment: str, region: str, module: str, clients: AwsClients) -> QueueRedrive:
    result = QueueRedrive(region, dead_letter_queue_name(module, environment, region),
                          function_name(module, environment, region))
    sqs, functions = clients.client("sqs", region), clients.client("lambda", region)
    try:
        url = sqs.get_queue_url(QueueName=result.queue)["QueueUrl"]
    except AWS_ERRORS as error:
        result.unread = one_line(error)
        return result
    empty = 0
    while True:
        try:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=_BATCH, VisibilityTimeout=_HIDE_SECONDS,
                WaitTimeSeconds=_WAIT_SECONDS).get("Messages", [])
            waiting = 0 if messages else _visible(sqs, url)
        except AWS_ERRORS as error:
            result.unread = f"receive failed: {one_line(error)}"
            return result
        if not messages and not waiting:
            return result
        if not messages:
            empty += 1
            if empty == _EMPTY_TRIES:
                result.failures.append(f"{waiting} messages still visible after {empty} empty receives")
                return result
        for message in messages:
            _replay(sqs, functions, url, message, result)


def _visible(sqs: Any, url: str) -> int:
    """The queue's own count of visible messages (approximate, but never sampled)."""
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(found["Attributes"]["ApproximateNumberOfMessages"])


def _replay(sqs: Any, functions: Any, url: str, message: dict[str, Any], result: QueueRedrive) -> None:
    try:
        functions.invoke(FunctionName=result.function, InvocationType="Event",
                         Payload=message["Body"].encode())
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    except AWS_ERRORS as error:
        result.failures.append(one_line(error))
        return
    result.replayed += 1
