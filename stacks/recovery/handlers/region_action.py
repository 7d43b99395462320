"""The Region switch plan's custom-action steps, run by ARC in the activating region.

ARC invokes the function with the execution's metadata (`InvokedBy`, `PlanArn`, `ExecutionId`,
`StepName`, plus any payload keys the plan adds) and judges the step by the invocation: a return
is success (its JSON is shown on the step), a raised error fails it, and ARC reruns the function
every retry interval until the step's timeout. So each step is idempotent: a rerun after a partial
success only does what is left.

The plan's step runs with `regionToRun = activatingRegion`, so the function's own region is the
one being activated and its peer (PEER_REGION) the one being deactivated.

- fence-writes (before the Aurora step): the authority record (authority.py, packaged beside
  this file) written in this region first with the next generation, naming nobody as the writer
  (moving here); then, once the peer's replica of the table holds it, the peer's writers' staleness
  bound (authority.STALE_SECONDS) waited out, so no write lands in the old writer once Aurora
  moves. The peer's region-specific `writes-enabled` flag is set to "false" too, for tools that
  still read it. The execution's mode comes from GetPlanExecution in this region: graceful
  fails the step while the peer cannot be fenced or has not received the record (the Aurora
  switchover must not run behind a region still taking writes); ungraceful records that the
  peer was unreachable and goes on (the plan must not wait for a region that is gone): that
  region stops by itself once its replica catches up with the record.
- move-traffic (after the Aurora step): the authority record naming this region (the next
  generation, written here: must succeed), the active-region flag in this region (must succeed)
  and the peer (best effort) and this region's writes opened first: they need only the
  activating region. Then Global Accelerator's dials (this region's endpoint group to its
  deployed dial, or 100 when deployed passive at 0; the peer's to 0; raised before lowered) with
  a short client config: a slow or failing API returns "dials_left_to_do" rather than failing
  the step, and invoke failover sets them after the plan. Activating the primary is the
  failback (RESTORE_DEPLOYED_SHAPE): the peer's dial then goes back to its deployed value and its
  writes are reopened (best effort), the shape `invoke failback --local` restores.

Packaged with authority.py only (no shared code in the zip): its configuration comes from
environment variables the RegionActions component sets.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import authority
import boto3
import timing
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, UnknownServiceError
from bring_up_step import BRING_UP_STEP, bring_up_database

FENCE_STEP = "fence-writes"
TRAFFIC_STEP = "move-traffic"
OPEN, FENCED = "true", "false"
GRACEFUL = "graceful"
# Global Accelerator's API has one home, whatever region calls it.
GA_API_REGION = "us-west-2"
# A region that does not answer must fail fast, well inside the step's timeout; ARC's retry
# interval reruns the whole step.
PEER = Config(connect_timeout=timing.PEER_CONNECT_SECONDS, read_timeout=timing.PEER_READ_SECONDS,
              retries={"total_max_attempts": timing.PEER_ATTEMPTS, "mode": "standard"})
# The activating region: bounded too, so the function's timeout (timing.py) covers every call.
OWN = Config(connect_timeout=timing.OWN_CONNECT_SECONDS, read_timeout=timing.OWN_READ_SECONDS,
             retries={"total_max_attempts": timing.OWN_ATTEMPTS, "mode": "standard"})

log = logging.getLogger("dr.region_action")
log.setLevel(logging.INFO)
sleep: Callable[[float], None] = time.sleep


class StepFailed(Exception):
    """The step cannot complete now; ARC shows the message and reruns it after the retry interval."""


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise StepFailed(f"environment variable {name} is not set on this function")
    return value


def client(service: str, region: str, peer: bool = False) -> Any:
    """The service's client in `region`; `peer` for the region being deactivated, which may be down."""
    return _client(service, region, peer)


@functools.cache
def _client(service: str, region: str, peer: bool) -> Any:
    # Built once per execution environment: ARC reruns the step every retry interval.
    factory: Any = boto3.client  # the stubs type boto3.client per literal service name
    return factory(service, region_name=region, config=PEER if peer else OWN)


def own_region() -> str:
    return env("AWS_REGION")


def reason(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def execution_mode(event: dict[str, Any]) -> str:
    """graceful or ungraceful, as ARC's own record of the execution says (asked in this region,
    the activating one, where the execution runs)."""
    plan_arn, execution_id = event.get("PlanArn"), event.get("ExecutionId")
    if not plan_arn or not execution_id:
        raise StepFailed("the event carries no PlanArn/ExecutionId: this function is run by the "
                         "Region switch plan's custom-action steps only")
    try:
        found = client("arc-region-switch", own_region()).get_plan_execution(
            planArn=plan_arn, executionId=execution_id)
    except UnknownServiceError:
        # The runtime's own SDK may predate the service (botocore 1.40.0 has no model for it; the
        # python3.12 runtime's version is only in Lambda's "Runtime-included SDK versions" table,
        # lambda/latest/dg/lambda-python.html, which changes). Not knowing is safe: "In ungraceful
        # execution mode, Region switch skips the Lambda execution block step"
        # (r53recovery/latest/dg/custom-action-lambda-block.html), so a step that runs is
        # graceful, the strict branch, unless the execution was switched while it retried.
        log.warning("this runtime's boto3 has no arc-region-switch model; the step runs as graceful")
        return GRACEFUL
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot read execution {execution_id} of {plan_arn} to learn its mode "
                         f"({reason(error)}); the step is retried") from None
    return str(found.get("mode", GRACEFUL))


def put(ssm: Any, name: str, value: str) -> bool:
    """Set `name` to `value` unless it already is; True when it was changed."""
    try:
        if str(ssm.get_parameter(Name=name)["Parameter"]["Value"]) == value:
            return False
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    return True


def records(peer: str) -> tuple[Any, Any, str]:
    """The authority record here (must be readable) and in the peer (None and why, when not)."""
    table, primary = env("TABLE_NAME"), env("PRIMARY_REGION")
    try:
        mine = authority.read(client("dynamodb", own_region()), table, primary)
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot read the authority record in {own_region()} ({reason(error)}); "
                         "the step is retried") from None
    try:
        return mine, authority.read(client("dynamodb", peer, peer=True), table, primary), ""
    except (BotoCoreError, ClientError) as error:
        return mine, None, reason(error)


def record_here(record: Any) -> None:
    try:
        authority.write(client("dynamodb", own_region()), env("TABLE_NAME"), record)
    except authority.Superseded as error:
        raise StepFailed(f"{error}: the plan reruns the step") from None
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot write the authority record in {own_region()} ({reason(error)}); "
                         "the step is retried") from None


def stop_writers(event: dict[str, Any], mine: Any, theirs: Any) -> Any:
    """Nobody writes (the record moving here), written here first; the peer's record before it."""
    own = own_region()
    current = authority.newest(mine, theirs) or mine
    if not (current.active_region == own or (not current.active_region and current.moving_to == own)):
        current = authority.successor(current, "", own, f"region switch {event.get('ExecutionId')}")
        record_here(current)
    return current


def fence_peer(peer: str, name: str, peer_error: str) -> bool:
    """The peer's flag closed; True when it was changed. Raises when the peer cannot be fenced."""
    if peer_error:
        raise StepFailed(peer_error)
    return put(client("ssm", peer, peer=True), name, FENCED)


def fence_writes(event: dict[str, Any]) -> dict[str, Any]:
    peer, name = env("PEER_REGION"), env("WRITES_ENABLED_PARAMETER")
    mode = execution_mode(event)
    mine, theirs, peer_error = records(peer)
    changed, unreachable = False, ""
    if mode != "ungraceful":
        # Graceful: the peer is fenced before the record stops every writer, so a peer that cannot
        # be fenced fails the step with nothing written, never leaving nobody writing.
        try:
            changed = fence_peer(peer, name, peer_error)
        except (BotoCoreError, ClientError, StepFailed) as error:
            raise StepFailed(f"cannot fence writes in {peer} ({reason(error)}): a graceful switch "
                             "needs the old writer fenced first; run the plan ungraceful if "
                             f"{peer} is down") from None
    record = stop_writers(event, mine, theirs)
    summary: dict[str, Any] = {"step": FENCE_STEP, "mode": mode, "fenced_region": peer, "parameter": name,
                               "authority": record.describe()}
    if mode == "ungraceful":
        # Ungraceful: the record first (it needs only this region), then the peer as it can.
        try:
            changed = fence_peer(peer, name, peer_error)
        except (BotoCoreError, ClientError, StepFailed) as error:
            unreachable = reason(error)
    if unreachable:
        log.warning("deactivating region unreachable; not fenced",
                    extra={"region": peer, "error": unreachable})
        return {**summary, "fenced": False,
                "note": f"{peer} unreachable ({unreachable}): not confirmed stopped; it stops by "
                        "itself once its replica of the table holds the authority record (check "
                        f"with `invoke status`), then set {name} to {FENCED} there"}
    # The peer stops writing once its replica holds the record and its last good read of the
    # old one has aged out. A rerun waits again, since the first wait may have been cut short.
    _, theirs, _ = records(peer)  # read again: written here a moment ago, replicated in about a second
    held = theirs is not None and theirs.generation >= record.generation
    if not held and mode != "ungraceful":
        raise StepFailed(f"{peer}'s replica does not hold authority generation {record.generation} "
                         "yet (DynamoDB replication); the step is retried")
    if not held:
        return {**summary, "fenced": True, "changed": changed,
                "note": f"{peer}'s replica does not show the record yet: not waited for"}
    sleep(authority.STALE_SECONDS)
    return {**summary, "fenced": True, "changed": changed, "waited_seconds": authority.STALE_SECONDS}


def serving_dial(deployed: float) -> float:
    """The activating region's dial: its deployed one, or all traffic when it is deployed as
    the passive side (0), which is what activating it means."""
    return deployed if deployed > 0 else 100.0


def restores_deployed_shape() -> bool:
    """Activating the primary is the failback: both regions go back to how they were deployed."""
    return os.environ.get("RESTORE_DEPLOYED_SHAPE", "") == "true"


def best_effort(action: Callable[[], bool], done: str, already: str) -> str:
    """The peer's share of a step: it may be down, and must not fail an activation that is over."""
    try:
        return done if action() else already
    except (BotoCoreError, ClientError) as error:
        return f"not {done} ({reason(error)})"


def move_dials(dials: dict[str, float], groups: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Global Accelerator's dials, activating region first (raising it before lowering the other
    never leaves users without one). Its API lives in us-west-2 and may be slow when the step
    runs: with the short client config a slow API leaves "dials left to do" (invoke failover
    finishes them after the plan) instead of failing a step that runs after the database moved."""
    ga = client("globalaccelerator", GA_API_REGION, peer=True)  # peer=True: the short config
    moved: dict[str, str] = {}
    try:
        for region, dial in dials.items():
            group = ga.describe_endpoint_group(EndpointGroupArn=groups[region])["EndpointGroup"]
            if float(group["TrafficDialPercentage"]) != dial:
                ga.update_endpoint_group(EndpointGroupArn=groups[region], TrafficDialPercentage=dial)
                moved[region] = "moved"
            else:
                moved[region] = "already"
    except (BotoCoreError, ClientError) as error:
        log.warning("dials left to do", extra={"error": reason(error)})
        return moved, [f"{region} to {dial:g}% (Global Accelerator's API, {GA_API_REGION}: {reason(error)})"
                       for region, dial in dials.items() if region not in moved]
    return moved, []


def move_traffic(event: dict[str, Any]) -> dict[str, Any]:
    own, peer = own_region(), env("PEER_REGION")
    failback = restores_deployed_shape()
    dials = {own: serving_dial(float(env("OWN_TRAFFIC_DIAL"))),
             peer: float(env("PEER_TRAFFIC_DIAL")) if failback else 0.0}
    groups = {own: env("OWN_ENDPOINT_GROUP_ARN"), peer: env("PEER_ENDPOINT_GROUP_ARN")}
    # The authority record, the active-region flag and this region's writes first: they need only
    # the activating region.
    mine, theirs, _ = records(peer)
    current = authority.newest(mine, theirs) or mine
    if current.active_region != own:
        # From here on this region writes: the record first, in this region.
        current = authority.successor(current, own, "", f"region switch {event.get('ExecutionId')}")
        record_here(current)
    flag, writes = env("ACTIVE_REGION_PARAMETER"), env("WRITES_ENABLED_PARAMETER")
    try:
        flag_changed = put(client("ssm", own), flag, own)
        opened = put(client("ssm", own), writes, OPEN)
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot write {flag} / {writes} in {own}: {reason(error)}") from None
    peer_ssm = client("ssm", peer, peer=True)
    # A peer that is down gets the flag from the parameter replicator when it returns.
    peer_flag = best_effort(lambda: put(peer_ssm, flag, own), "set", "already")
    writes_enabled = {own: "opened" if opened else "already open"}
    if failback:
        # The deployed shape takes writes in both regions (the fence step closed the peer).
        writes_enabled[peer] = best_effort(lambda: put(peer_ssm, writes, OPEN), "opened", "already open")
    moved, left = move_dials(dials, groups)
    summary = {"step": TRAFFIC_STEP, "active_region": own, "failback": failback,
               "authority": current.describe(),
               "dials": {region: f"{dials[region]:g}% ({state})" for region, state in moved.items()},
               "active_region_flag": {own: "set" if flag_changed else "already", peer: peer_flag},
               "writes_enabled": writes_enabled}
    return {**summary, "dials_left_to_do": left} if left else summary


STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    FENCE_STEP: fence_writes, TRAFFIC_STEP: move_traffic,
    # Pilot light only (the plan has the step only then): the headless cluster gets an instance.
    BRING_UP_STEP: lambda _event: bring_up_database(client("rds", own_region()), env("OWN_CLUSTER_ID"))}


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    step = event.get("StepName") if isinstance(event, dict) else None
    action = STEPS.get(str(step))
    if action is None:
        raise StepFailed(f"unknown StepName {step!r}: this function implements "
                         f"{', '.join(STEPS)} (the plan's step names must match)")
    log.info("step starting", extra={"step": step, "execution": event.get("ExecutionId"),
                                     "invoked_by": event.get("InvokedBy")})
    summary = action(event)
    log.info("step done", extra={"step": step, "summary": json.dumps(summary)})
    return summary
