"""This region's write fence, derived from the authority record (authority.py): writes go ahead
only while the record, as this environment last read it, names this region as the active one.

A read that fails (throttling, a timeout, an impaired replica) does not close the fence at once:
the last good record stands for authority.STALE_SECONDS, read again after a jittered refresh
with one retry. Past that bound, or when no record could ever be read in this environment,
writes are refused (fail closed): a write taken in a region that is no longer the writer lands
in the global table behind the new writer's back, while a refused write is a visible 503 the
client retries. The operations wait out that bound before they move the writer.
"""

from __future__ import annotations

from authority import ACTIVE, AuthorityCache, Reading
from clients import client, own_region, required_env
from log import get_logger

log = get_logger("fence")

# What a refused write tells the client: about the time a failover takes to move the writer.
RETRY_AFTER_SECONDS = 30
AUTHORITY = AuthorityCache()
UNREADABLE = "unreadable"


def current() -> Reading:
    """The authority record as this execution environment knows it (cached, fail-safe)."""
    return AUTHORITY.get(client("dynamodb", fast=True), required_env("TABLE_NAME"),
                         required_env("PRIMARY_REGION"))


def known() -> Reading:
    """What this environment knows now, without asking (a read may still be under way)."""
    return AUTHORITY.peek()


def refusal() -> str:
    """Why a write must be refused here now ("" when it may go ahead): STANDBY or MOVING when the
    record, read positively, names another writer or none; UNREADABLE when no record stands."""
    reading = current()
    if reading.authority is None:
        log.error("authority unreadable past its staleness bound; writes refused",
                  extra={"error": reading.error})
        return UNREADABLE
    if reading.stale:
        log.warning("authority unreadable; deciding on the last good record",
                    extra={"error": reading.error, "age_seconds": round(reading.age, 1)})
    role = reading.authority.role(own_region())
    return "" if role == ACTIVE else role


def writes_enabled() -> bool:
    return not refusal()
