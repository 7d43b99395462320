"""The Region switch plan's custom-action steps, run by ARC in the activating region.

ARC invokes the function with the execution's metadata (`InvokedBy`, `PlanArn`, `ExecutionId`,
`StepName`, plus any payload keys the plan adds) and judges the step by the invocation: a return
is success (its JSON is shown on the step), a raised error fails it, and ARC reruns the function
every retry interval until the step's timeout. So each step is idempotent: a rerun after a partial
success only does what is left.

The plan's step runs with `regionToRun = activatingRegion`, so the function's own region is the
one being activated and its peer (PEER_REGION) the one being deactivated.

- fence-writes (before the Aurora step): the deactivating region's write fence set to "false",
  then the API's cache of it waited out (FENCE_CACHE_SECONDS), so no write lands in the old
  writer once Aurora moves. The execution's mode comes from GetPlanExecution in this region:
  graceful fails the step when the peer cannot be fenced (the Aurora switchover must not run
  behind a region still taking writes); ungraceful records that the peer was unreachable and
  goes on (the plan must not wait for a region that is gone), fencing it whenever it answers.
- move-traffic (after the Aurora step): Global Accelerator's dials (this region's endpoint group
  to its deployed dial, or 100 when deployed passive at 0; the peer's to 0; raised before
  lowered), the active-region flag in this region (must succeed) and the peer (best effort), and
  this region's writes opened. Activating the primary is the failback (RESTORE_DEPLOYED_SHAPE):
  the peer's dial then goes back to its deployed value and its writes are reopened (best
  effort), the shape `invoke failback --local` restores.

Packaged alone (no shared code in the zip): its configuration comes from environment variables
the RegionActions component sets.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from bring_up_step import BRING_UP_STEP, bring_up_database

FENCE_STEP = "fence-writes"
TRAFFIC_STEP = "move-traffic"
OPEN, FENCED = "true", "false"
# Global Accelerator's API has one home, whatever region calls it.
GA_API_REGION = "us-west-2"
# A region that does not answer must fail fast, well inside the step's timeout; ARC's retry
# interval reruns the whole step.
PEER = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
OWN = Config(retries={"max_attempts": 3, "mode": "standard"})

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
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot read execution {execution_id} of {plan_arn} to learn its mode "
                         f"({reason(error)}); the step is retried") from None
    return str(found.get("mode", "graceful"))


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


def fence_writes(event: dict[str, Any]) -> dict[str, Any]:
    peer, name = env("PEER_REGION"), env("WRITES_ENABLED_PARAMETER")
    cache = float(env("FENCE_CACHE_SECONDS"))
    mode = execution_mode(event)
    summary: dict[str, Any] = {"step": FENCE_STEP, "mode": mode, "fenced_region": peer, "parameter": name}
    try:
        changed = put(client("ssm", peer, peer=True), name, FENCED)
    except (BotoCoreError, ClientError) as error:
        if mode == "ungraceful":
            log.warning("deactivating region unreachable; not fenced",
                        extra={"region": peer, "error": reason(error)})
            return {**summary, "fenced": False,
                    "note": f"{peer} unreachable ({reason(error)}): not fenced, set {name} to "
                            f"{FENCED} there when it answers"}
        raise StepFailed(f"cannot fence writes in {peer} ({reason(error)}): a graceful switch "
                         "needs the old writer fenced first; run the plan ungraceful if "
                         f"{peer} is down") from None
    # The API caches the fence this long: until then a fenced region may still take writes. A
    # retry after the flag is set waits again, since the first wait may have been cut short.
    sleep(cache)
    return {**summary, "fenced": True, "changed": changed, "waited_seconds": cache}


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


def move_traffic(event: dict[str, Any]) -> dict[str, Any]:
    own, peer = own_region(), env("PEER_REGION")
    failback = restores_deployed_shape()
    dials = {own: serving_dial(float(env("OWN_TRAFFIC_DIAL"))),
             peer: float(env("PEER_TRAFFIC_DIAL")) if failback else 0.0}
    groups = {own: env("OWN_ENDPOINT_GROUP_ARN"), peer: env("PEER_ENDPOINT_GROUP_ARN")}
    ga = client("globalaccelerator", GA_API_REGION)
    moved: dict[str, str] = {}
    try:
        # Activating region first: raising it before lowering the other never leaves users without one.
        for region in (own, peer):
            group = ga.describe_endpoint_group(EndpointGroupArn=groups[region])["EndpointGroup"]
            if float(group["TrafficDialPercentage"]) != dials[region]:
                ga.update_endpoint_group(EndpointGroupArn=groups[region],
                                         TrafficDialPercentage=dials[region])
                moved[region] = "moved"
            else:
                moved[region] = "already"
    except (BotoCoreError, ClientError) as error:
        raise StepFailed(f"cannot set the traffic dials through Global Accelerator's API "
                         f"({GA_API_REGION}): {reason(error)}; the step is retried") from None
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
    return {"step": TRAFFIC_STEP, "active_region": own, "failback": failback,
            "dials": {region: f"{dials[region]:g}% ({state})" for region, state in moved.items()},
            "active_region_flag": {own: "set" if flag_changed else "already", peer: peer_flag},
            "writes_enabled": writes_enabled}


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
