"""Health of this region, served to Global Accelerator (through NLB -> ALB), Route 53 and
people: the region, whether it is the active or the standby one, and whether the DynamoDB
table and the database answer. 200 when both answer, 503 otherwise. It also says whether this
region's writes are fenced (still 200: reads go on) and, as `dns`, what the failover DNS
records' checks decide on. While the outage drill impairs the region (drill.py) it answers 503
with `drill` "impaired", whatever the checks say: the checks' own results stay in the body.

A standby region that can serve is healthy: failover needs somewhere healthy to go. The
checks run in parallel and the whole answer stays within BUDGET_SECONDS, so a hanging
dependency turns into a fast 503 instead of a health-check timeout.

Route 53 counts a check as failed unless the 2xx arrives within 2 s of connecting, and on a
cold start that time also holds the function's init (Python, boto3, the clients). So the
budget covers everything the handler does, client creation included, and leaves room for a
cold init: BUDGET_SECONDS + COLD_START_ALLOWANCE_SECONDS stays under Route 53's limit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial
from typing import Any

from authority import ACTIVE, MOVING, STANDBY, Authority, Reading
from botocore.exceptions import ClientError
from clients import client, own_region, required_env
from drill import CLEAR, FLAG, IMPAIRED
from emf import AUTHORITY_UNREADABLE, MOVE_SECONDS, emit
from fence import current, known
from log import get_logger
from web import HttpError, Request, Response, serve

log = get_logger("health")

# Route 53's limit for the answer once connected; the NLB's and GA's checks allow more.
ROUTE53_ANSWER_SECONDS = 2.0
# Init of a cold Python 3.12 function importing boto3 (VPC functions share hyperplane
# interfaces, so no per-invocation ENI setup), with margin for the ALB hop.
COLD_START_ALLOWANCE_SECONDS = 0.7
BUDGET_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 0.5
clock = time.monotonic
# A key no item uses: reading it proves the table answers data-plane reads in this region.
PROBE_KEY = {"pk": {"S": "health#probe"}}
OK = "ok"
THROTTLED = ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded")
UNKNOWN = "unknown"
# However many callers (the NLB's, Route 53's and GA's checks, people), one answer a second at
# most per execution environment: each answer costs a few AWS reads.
ANSWER_SECONDS = 1.0


def _clients() -> tuple[Any, Any]:
    # boto3's default session is not thread-safe: clients are built before any probe thread.
    return client("dynamodb", fast=True), client("ssm", fast=True)


# At init, outside the budget of the first check (Lambda runs init before the first call); with
# no region at import (local runs) they are built on first use instead.
with contextlib.suppress(Exception):
    _clients()


class AnswerCache:
    """The last answer and when it was computed; callers during a computation wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answer: Response | None = None
        self.at = 0.0
        # The role of the last positive read, for the DNS answer only: it moves on a positive
        # read, never on a read error, in either direction.
        self.dns_role = ""

    def forget(self) -> None:
        with self.lock:
            self.answer, self.dns_role = None, ""


ANSWER = AnswerCache()
# A pilot light's standby Aurora cluster is headless by design (shared/strategy.py): no
# instance answers until a failover brings it up, which is no reason to call the region down.
PILOT_LIGHT, HEADLESS = "pilot-light", "headless (pilot light standby)"


def handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(event, check)


def check(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        raise HttpError(405, f"{request.method} is not allowed on the health endpoint; use GET",
                        {"allow": "GET, HEAD"})
    with ANSWER.lock:
        if ANSWER.answer is None or clock() - ANSWER.at >= ANSWER_SECONDS:
            ANSWER.answer, ANSWER.at = compute(), clock()
        return ANSWER.answer


def compute() -> Response:
    started = clock()
    dynamodb, ssm = _clients()
    remaining = max(0.0, BUDGET_SECONDS - (clock() - started))
    results = run_within_budget({
        "dynamodb": partial(check_dynamodb, dynamodb), "database": check_database,
        "authority": partial(authority, current), "drill": partial(drill, ssm)}, remaining)
    checks = {name: results[name] for name in ("dynamodb", "database")}
    # Fails open: only a "true" read in time impairs; an error or a timeout leaves the region as is.
    impaired = results["drill"] == IMPAIRED
    region = own_region()
    # What the probe read, or, when it is still reading past the budget, the last good record
    # within its staleness bound: never an older one.
    reading = known()
    record = reading.authority
    role = record.role(region) if record else UNKNOWN
    publish_authority(record, role, failed=bool(reading.error))
    if record:
        ANSWER.dns_role = role  # compute() runs under ANSWER.lock
    if role == STANDBY and os.environ.get("DR_STRATEGY") == PILOT_LIGHT and checks["database"] != OK:
        checks["database"] = HEADLESS
    healthy = all(result in (OK, HEADLESS) for result in checks.values()) and not impaired
    body = {"region": region, "environment": os.environ.get("DR_ENVIRONMENT"), "role": role,
            "active_region": record.active_region or None if record else None,
            "generation": record.generation if record else None, "checks": checks,
            "healthy": healthy, "writes_enabled": bool(record and record.may_write(region)),
            "authority": results["authority"],
            "drill": IMPAIRED if impaired else CLEAR,
            "dns": dns_answer(healthy, role if record else ANSWER.dns_role or UNKNOWN),
            "duration_ms": round((clock() - started) * 1000)}
    if impaired:
        body["message"] = ("drill impairment: this region's drill flag says impaired, so health "
                           "answers 503; the application itself is untouched")
    log.log(logging.INFO if healthy else logging.WARNING, "health checked", extra={
        "healthy": healthy, "role": role, "checks": checks, "drill": body["drill"],
        "duration_ms": body["duration_ms"]})
    return Response(200 if healthy else 503, body)


def run_within_budget(probes: dict[str, Callable[[], str]], budget: float) -> dict[str, str]:
    """Each probe's answer ("ok", a value, or "error: ..."), or a timeout error past `budget`."""
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="health")
    futures = {name: pool.submit(_guarded, name, probe) for name, probe in probes.items()}
    wait(futures.values(), timeout=budget)
    # Never wait for a probe stuck past the budget; its thread ends on its own timeout.
    pool.shutdown(wait=False, cancel_futures=True)
    return {name: future.result() if future.done() else f"error: no answer within {budget:.1f} s"
            for name, future in futures.items()}


def _guarded(name: str, probe: Callable[[], str]) -> str:
    try:
        return probe()
    except Exception as error:
        # The answer is public and AWS error messages name ARNs and roles: for an AWS error it
        # carries the code only, the message goes to the log.
        log.warning("health probe failed", extra={"probe": name, "error": f"{error}"})
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        return f"error: {code}" if code else f"error: {type(error).__name__}: {error}"


def check_dynamodb(dynamodb: Any) -> str:
    try:
        dynamodb.get_item(TableName=required_env("TABLE_NAME"), Key=PROBE_KEY)
    except ClientError as error:
        # Throttled is answered: the table is there and serving. A brownout that turned health
        # 503 would move every user out of a region whose writes still work.
        if error.response.get("Error", {}).get("Code") not in THROTTLED:
            raise
    return OK


def check_database() -> str:
    """A TCP connection to the cluster endpoint: it resolves, routes and accepts connections."""
    host, port = required_env("DB_HOST"), int(required_env("DB_PORT"))
    with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
        return OK


def authority(read: Any) -> str:
    """The authority record (fence.current: cached, kept on errors within its bound)."""
    reading: Reading = read()
    if reading.authority is None:
        return f"error: {reading.error or 'no answer'}"
    return f"stale ({reading.error})" if reading.stale else OK


def publish_authority(record: Authority | None, role: str, failed: bool = True) -> None:
    """What monitoring alarms on, from the one function every checker calls all the time (at
    most once a second per environment): no authority past its staleness bound here after a
    failed read (`failed`: a cold environment whose first read is still under way is not
    unreadable; hundreds start together in a failover), or a record that has said "moving" for
    longer than a move can take (a stuck move)."""
    if record is None and failed:
        emit(AUTHORITY_UNREADABLE, 1, "Count", [[], ["Source"]], {"Source": "health"})
    elif record is not None and role == MOVING:
        try:
            started = datetime.fromisoformat(record.written_at)
        except ValueError:
            return  # a record without its time cannot be aged; the drill and status show it
        seconds = max(0.0, (datetime.now(UTC) - started).total_seconds())
        emit(MOVE_SECONDS, round(seconds), "Seconds", [[]], {})


def drill(ssm: Any) -> str:
    return IMPAIRED if FLAG.impaired(ssm) else CLEAR


def dns_answer(healthy: bool, role: str) -> str:
    """What the failover DNS records' Route 53 checks look for (shared/components/failover_dns.py):
    `serve-active` in the region the authority record names, `serve-standby` in one ready to take
    over, `fenced` while a move is under way; an unhealthy region matches neither. It moves away
    from `serve-active` on a positive read only: with the record unreadable past its staleness
    bound the caller passes the role of this environment's last positive read, so an API blip in
    the healthy writer never sends DNS clients to the other region (its writes stay refused
    meanwhile: fence.py), and a throttled standby never draws them to itself; an environment
    that never read the record answers `serve-active` (role unknown)."""
    if not healthy:
        return "unhealthy"
    if role == MOVING:
        return "fenced"
    return "serve-active" if role in (ACTIVE, UNKNOWN) else "serve-standby"
