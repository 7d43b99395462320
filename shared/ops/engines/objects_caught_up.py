"""Before users move back: has S3 replicated to the bucket they return to what they wrote away?

During a failover the other region's bucket takes the writes, and the rule replicating it back
(the data layer's reverse rule, secondary -> primary) carries them home. A move that requires a
caught-up target (failback) asks CloudWatch, never S3 object by object:

- OperationsPendingReplication, Maximum per minute, published in the DESTINATION bucket's region
  (the region being activated). Caught up = the newest datapoint of the last 15 minutes is 0.
- OperationsFailedReplication, Sum over the last 24 hours, published in the SOURCE bucket's
  region. A FAILED object is never retried by S3: waiting cannot help, only S3 Batch Replication
  (or a new upload) can.
(S3 user guide, "Using S3 Replication metrics":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html; "Getting replication
status information" for FAILED never being retried.)

No datapoint is never "caught up": the same page says the pending metrics are still published when
nothing replicates, so an idle rule reports 0 and silence means the metrics are off, the rule is
not the one deployed, or CloudWatch has not caught up (RTC starts reporting 15 minutes after it
is enabled). A failed-operations metric with no datapoint is no failure (it is published only for
failures). Both reads need only the two regions of the move, never the lost one's S3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, Refused, one_line
from shared.ops.aws.topology import DrTopology
from shared.ops.aws.waiting import Timeouts, Waiter, WaitTimedOut
from shared.ops.engines.move import FailoverRequest

PENDING_WINDOW = timedelta(minutes=15)  # S3 RTC's threshold: one full replication promise
FAILED_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ObjectReplication:
    """What CloudWatch says of one replication rule, read for one move."""

    source_region: str
    target_region: str
    rule_id: str
    pending: float | None  # the newest OperationsPendingReplication; None: no datapoint
    failed: float  # operations that failed over FAILED_WINDOW (never retried by S3)

    @property
    def direction(self) -> str:
        return f"S3 {self.source_region} -> {self.target_region} (rule {self.rule_id})"

    @property
    def caught_up(self) -> bool:
        return self.pending == 0 and self.failed == 0

    def describe(self) -> str:
        if self.failed:
            return f"{self.failed:.0f} operations failed to replicate in the last 24 h"
        if self.pending is None:
            return ("no OperationsPendingReplication datapoint in the last 15 minutes (S3 publishes "
                    "it even when nothing replicates: silence is no proof)")
        return f"{self.pending:.0f} operations pending replication"


def rule_into(topology: DrTopology, target_role: str) -> str:
    """The rule replicating the other region's bucket into `target_role`'s ("" if not deployed)."""
    return (topology.reverse_replication_rule_id if topology.role(target_role).role == "primary"
            else topology.replication_rule_id)


def read(clients: AwsClients, topology: DrTopology, target_role: str,
         now: datetime | None = None) -> ObjectReplication:
    """The rule that replicates the other region's bucket into `target_role`'s, as CloudWatch sees it."""
    target, source = topology.role(target_role), topology.other(target_role)
    rule = rule_into(topology, target_role)
    end = now or datetime.now(UTC)
    dimensions = [{"Name": "SourceBucket", "Value": source.bucket_name},
                  {"Name": "DestinationBucket", "Value": target.bucket_name},
                  {"Name": "RuleId", "Value": rule}]
    pending = clients.cloudwatch(target.region).get_metric_statistics(
        Namespace="AWS/S3", MetricName="OperationsPendingReplication", Dimensions=dimensions,
        StartTime=end - PENDING_WINDOW, EndTime=end, Period=60, Statistics=["Maximum"],
    ).get("Datapoints", [])
    failed = clients.cloudwatch(source.region).get_metric_statistics(
        Namespace="AWS/S3", MetricName="OperationsFailedReplication", Dimensions=dimensions,
        StartTime=end - FAILED_WINDOW, EndTime=end, Period=3600, Statistics=["Sum"],
    ).get("Datapoints", [])
    newest = max(pending, key=lambda p: p["Timestamp"])["Maximum"] if pending else None
    return ObjectReplication(source.region, target.region, rule, newest,
                             sum(p["Sum"] for p in failed))


def require_objects_caught_up(clients: AwsClients, topology: DrTopology, request: FailoverRequest,
                              waiter: Waiter, timeouts: Timeouts, echo: Callable[[str], None]) -> str:
    """Refuse the move (one line, the way forward) until the target's bucket holds what the other
    took; with catch_up_wait, wait for it first (a drill). `--force` goes on with a warning.
    Returns the note the preflight prints."""
    side, other = topology.role(request.target), topology.other(request.target)
    if not rule_into(topology, request.target):
        # A data layer deployed before two-way replication: nothing carries the objects back.
        message = (f"the data layer deployed for {topology.environment} has no {other.role}-to-{side.role} "
                   f"S3 replication rule, so what {other.region} took is not in {side.region}")
        if not request.force:
            raise Refused(f"{message}; redeploy data (invoke deploy --layer data --env "
                          f"{topology.environment}) and copy the objects over, or rerun with --force")
        echo(f"warning: {message}; going on because of --force")
        return f"S3 replication into {side.region} not confirmed (--force)"
    seen: ObjectReplication | None = None

    def check() -> tuple[bool, str]:
        nonlocal seen
        seen = read(clients, topology, request.target)
        return seen.caught_up, seen.describe()

    try:
        done, state = check()
    except AWS_ERRORS as error:
        done, state = False, f"replication metrics unreadable: {one_line(error)}"
    if not done and request.catch_up_wait and not (seen and seen.failed):
        try:
            waiter.until("S3 replication to catch up", check, timeouts.catch_up)
            done = True
        except WaitTimedOut as error:
            state = str(error)
    if done and seen is not None:
        return f"{seen.direction}: caught up (0 operations pending, none failed)"
    forward = ("replicate the FAILED objects with S3 Batch Replication, then rerun with --force"
               if seen and seen.failed else "wait and retry, or rerun with --force")
    message = (f"the {request.target} bucket {side.bucket_name} has not caught up with "
               f"{other.bucket_name}: {state}")
    if not request.force:
        raise Refused(f"{message}; {forward}")
    echo(f"warning: {message}; going on because of --force")
    return f"S3 replication into {side.region} not confirmed (--force)"

