"""Who writes: one record, "active region + generation", read by every function that decides
whether this region may take writes or serve as the active one, and written by every move.

The record is an item (`pk = dr#authority`) in the application's DynamoDB global table, read
from this region's replica. The write path already depends on that table, and global tables
(multi-Region eventual consistency) replicate by themselves: "if a replica becomes isolated or
impaired, any data not yet replicated will be replicated when the replica returns to health",
and concurrent edits of one item converge on the write with the latest timestamp
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
So a region lost during an unplanned failover learns the newer generation when its replica
comes back, with no operator and no dead-letter queue in between; docs/architecture/authority.md gives the
whole argument and its bounds.

Rules (the only place they are written):
- a region may write when the record names it as active; while a move is under way the record
  names no active region (`moving_to` the target) and nobody writes;
- no record at all is generation 0 with the deployed primary (PRIMARY_REGION) active;
- every move writes generation + 1, in the activating region first, with a conditional put that
  refuses to go backwards (conditions are checked against the local replica only: the operation
  lock, not DynamoDB, keeps two operators apart).

Readers cache a positive read (`AuthorityCache`): refreshed every REFRESH_SECONDS at most
(jittered, so environments started together do not read together), one retry on throttling or
a timeout, and the last good record kept STALE_SECONDS while reads fail. Past that bound there
is no authority: writes are refused, while the health answer keeps the DNS where it is.

Packaged with every function that needs it (compute handlers, the Region switch plan's action
function); the operations load the same file (shared/ops/aws/authority.py). Standard library
and botocore only, so it imports the same way in each.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

KEY = {"pk": {"S": "dr#authority"}}
# How often a reader asks its replica again at most; each refresh is jittered down to 80 %.
REFRESH_SECONDS = 5.0
JITTER = 0.2
# How long the last good read stands in for an unreadable record. Also the longest a region may
# go on writing after the record stopped naming it: a move waits this long before the writer moves.
STALE_SECONDS = 30.0
RETRIED = ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
           "InternalServerError", "ServiceUnavailable")
ACTIVE, STANDBY, MOVING = "active", "standby", "moving"


class Superseded(Exception):
    """A newer generation is already recorded: this move lost to another one."""


@dataclass(frozen=True)
class Authority:
    active_region: str  # "" while a move is under way: nobody writes
    generation: int
    moving_to: str = ""
    written_by: str = ""
    written_at: str = ""

    def role(self, region: str) -> str:
        if not self.active_region:
            return MOVING
        return ACTIVE if self.active_region == region else STANDBY

    def may_write(self, region: str) -> bool:
        return self.active_region == region

    def describe(self) -> str:
        who = self.active_region or f"nobody (moving to {self.moving_to})"
        return f"generation {self.generation}: {who} writes"


def initial(primary_region: str) -> Authority:
    """What no record means: the deployed shape, before any move."""
    return Authority(primary_region, 0, written_by="deployment")


def from_item(item: dict[str, Any] | None, primary_region: str) -> Authority:
    if not item:
        return initial(primary_region)
    text = {name: value.get("S", "") for name, value in item.items() if isinstance(value, dict)}
    return Authority(text.get("active_region", ""), int(item["generation"]["N"]),
                     text.get("moving_to", ""), text.get("written_by", ""), text.get("written_at", ""))


def to_item(record: Authority) -> dict[str, Any]:
    return {**KEY, "active_region": {"S": record.active_region}, "generation": {"N": str(record.generation)},
            "moving_to": {"S": record.moving_to}, "written_by": {"S": record.written_by},
            "written_at": {"S": record.written_at}}


def read(dynamodb: Any, table: str, primary_region: str) -> Authority:
    """The record in the replica `dynamodb` talks to (strongly consistent within that region)."""
    found = dynamodb.get_item(TableName=table, Key=KEY, ConsistentRead=True)
    return from_item(found.get("Item"), primary_region)


def newest(*records: Authority | None) -> Authority | None:
    """The highest generation among the records that could be read."""
    known = [record for record in records if record is not None]
    return max(known, key=lambda record: record.generation) if known else None


def successor(current: Authority, active_region: str, moving_to: str, by: str) -> Authority:
    return Authority(active_region, current.generation + 1, moving_to, by,
                     datetime.now(UTC).isoformat(timespec="seconds"))


def write(dynamodb: Any, table: str, record: Authority) -> None:
    """Put `record` unless this replica already holds its generation or a newer one."""
    try:
        dynamodb.put_item(TableName=table, Item=to_item(record),
                          ConditionExpression="attribute_not_exists(pk) OR generation < :g",
                          ExpressionAttributeValues={":g": {"N": str(record.generation)}})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise Superseded(f"generation {record.generation} or newer is already recorded in {table}; "
                             "another move ran: read the record again") from None
        raise


def retried(error: Exception) -> bool:
    """Throttling, a server error or a timeout: worth one more try, and never a reason to forget."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in RETRIED
    return isinstance(error, BotoCoreError)


@dataclass(frozen=True)
class Reading:
    authority: Authority | None  # None: no positive read within STALE_SECONDS
    age: float  # seconds since the read it comes from
    error: str = ""  # why the last read failed, when it did

    @property
    def stale(self) -> bool:
        return bool(self.error) and self.authority is not None


class AuthorityCache:
    """One execution environment's view of the record; thread-safe, one read in flight at most."""

    def __init__(self, refresh: float = REFRESH_SECONDS, stale: float = STALE_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random) -> None:
        self.refresh, self.stale = refresh, stale
        self.clock, self.jitter = clock, jitter
        self._lock = threading.Lock()
        self._good: Authority | None = None
        self._read_at = 0.0
        self._next_read = 0.0
        self._error = ""
        self._refreshing = False
        self.reads = 0  # requests sent, for the operators' and tests' arithmetic

    def forget(self) -> None:
        with self._lock:
            self._good, self._read_at, self._next_read, self._error = None, 0.0, 0.0, ""
            self.reads = 0

    def get(self, dynamodb: Any, table: str, primary_region: str) -> Reading:
        """The record as this environment knows it. The caller due to refresh reads; callers
        meanwhile get the cached answer at once, so a hanging replica never queues them."""
        with self._lock:
            now = self.clock()
            mine = now >= self._next_read and not self._refreshing
            if mine:
                self._refreshing = True
                # Jittered down, never up: the staleness bound the moves wait out holds.
                self._next_read = now + self.refresh * (1 - JITTER * self.jitter())
        if mine:
            found, error = None, "the read did not finish"
            try:
                found, error = self._read(dynamodb, table, primary_region)
            finally:
                # Whatever the read raised, the next caller due may read again: a refresh left
                # marked "in flight" would freeze this environment on its last record for good.
                with self._lock:
                    if found is not None:
                        self._good, self._read_at = found, now
                    self._error, self._refreshing = error, False
        with self._lock:
            return self._reading(self.clock())

    def peek(self) -> Reading:
        """The record as this environment knows it now, without reading (staleness applied)."""
        with self._lock:
            return self._reading(self.clock())

    def _read(self, dynamodb: Any, table: str, primary_region: str) -> tuple[Authority | None, str]:
        error_text = ""
        for _ in range(2):
            self.reads += 1
            try:
                return read(dynamodb, table, primary_region), ""
            except (BotoCoreError, ClientError) as error:
                error_text = str(error).splitlines()[0] if str(error) else type(error).__name__
                if not retried(error):
                    break
            except (KeyError, ValueError, TypeError) as error:
                # A malformed item (hand-edited, a missing generation) is a failed read, not a crash.
                return None, f"malformed authority record: {type(error).__name__}: {error}"
        return None, error_text

    def _reading(self, now: float) -> Reading:
        age = now - self._read_at
        if self._good is not None and age > self.stale:
            self._good = None  # too old to stand in for the record: no authority
        return Reading(self._good, age if self._good else 0.0, self._error)
