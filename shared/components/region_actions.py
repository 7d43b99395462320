"""RegionActions: the Region switch plan's custom-action function in one region.

The plan (stacks/recovery) runs it with `regionToRun = activatingRegion`, so each region's
function acts for that region becoming active: its own region is the activating one, its peer
the deactivating one. The handler (stacks/recovery/handlers/region_action.py) dispatches on the
step name ARC passes in the event; the plan's custom-action steps must be named after STEPS:

- FENCE_STEP ("fence-writes"), before the Aurora step: the authority record (handlers/authority.py,
  packaged beside the handler) written in this region naming nobody as the writer, the peer's
  flag closed, and the peer's writers' staleness bound waited out once its replica holds it. The
  function asks ARC (GetPlanExecution, in its own region) for the execution's mode: graceful
  fails the step while the peer cannot be fenced; ungraceful goes on without it. So the step
  needs no ungraceful `skip` (which would also skip fencing a peer that still answers), and its
  timeout must exceed the staleness bound plus every call's timeouts (TIMEOUT_SECONDS, derived
  from the handler's own timing.py).
- TRAFFIC_STEP ("move-traffic"), after the Aurora step: Global Accelerator's dials (own group
  to its deployed dial, or 100 when deployed passive at 0; peer's to 0), the active-region flag
  (own region required, peer best effort) and this region's writes opened; the primary's
  function (`primary=True`, activating it is the failback) also puts the peer's deployed dial
  back and reopens its writes, like `invoke failback --local`.

The role may only read and write those two parameters (in both regions), read and write the
authority item in this region's replica of the table and read it in the peer's, read and
update the two endpoint groups, and read executions of the one plan named `plan_name`; the
plan's ARN cannot be an input, since the plan itself is created with this function's ARN.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi

from shared.components.bring_up_action import bring_up_statements, cluster_id
from shared.components.functions import RegionalFunction, RegionalFunctionArgs
from shared.components.parameters import WRITES_ENABLED
from shared.config import HANDLERS_DIR, RECOVERY_HANDLERS_DIR

FENCE_STEP = "fence-writes"
TRAFFIC_STEP = "move-traffic"
# In workflow order: the fence before the Aurora step, the traffic after it.
STEPS = (FENCE_STEP, TRAFFIC_STEP)
MODULE = "region_action"
AUTHORITY_MODULE = HANDLERS_DIR / "authority.py"


def _handler_module(name: str, path: Path) -> ModuleType:
    """A handler module that is standard library only, loaded from its file (it is packaged alone)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


TIMING = _handler_module("dr_recovery_timing", RECOVERY_HANDLERS_DIR / "timing.py")
# The longest a step waits on purpose: the fence's wait for the peer's writers' staleness bound.
DRAIN_SECONDS = float(_handler_module("dr_recovery_authority", AUTHORITY_MODULE).STALE_SECONDS)
# Lambda must let the longest run of any step finish (every call to its timeouts, the fence's
# drain), with room for the function's init; ARC's step timeout (minutes) is well above it.
MARGIN_SECONDS = 30
TIMEOUT_SECONDS = math.ceil(max(
    TIMING.step_seconds(step, DRAIN_SECONDS if step == FENCE_STEP else 0.0)
    for step in TIMING.STEP_CALLS) + MARGIN_SECONDS)


@dataclass
class RegionActionsArgs:
    environment: str
    account_id: pulumi.Input[str]
    region: str  # where the function runs: the region it activates
    peer_region: str  # the region it deactivates
    plan_name: str  # the Region switch plan allowed to be read (GetPlanExecution)
    # The two endpoint groups, and this region's deployed dial (global-traffic's
    # <role>_traffic_dial): restored on activation, or 100 when it is 0 (the passive side).
    own_endpoint_group_arn: pulumi.Input[str]
    peer_endpoint_group_arn: pulumi.Input[str]
    own_traffic_dial: pulumi.Input[float]
    peer_traffic_dial: pulumi.Input[float]  # the peer's deployed dial, restored on failback
    active_region_parameter_name: pulumi.Input[str]  # /dr/<env>/shared/active-region
    regional_parameter_prefix: pulumi.Input[str]  # /dr/<env>/regional/ (holds the write fence)
    table_name: pulumi.Input[str]  # the global table holding the authority record
    primary_region: str  # the deployed primary: who writes before any move recorded otherwise
    log_kms_key_arn: pulumi.Input[str]  # this region's key, for the log group
    log_retention_days: int
    # True for the primary's function: activating the primary is the failback, which puts the
    # deployed shape back (peer at its deployed dial, writes open in both regions).
    primary: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    # Pilot light: this region's Aurora cluster, which the bring-up-database step gives an instance.
    own_cluster_arn: pulumi.Input[str] | None = None


def _parameter_arn(region: str, account: pulumi.Input[str], name: pulumi.Input[str]) -> pulumi.Output[str]:
    # Parameter names start with "/", so the ARN is ...:parameter/dr/...
    return pulumi.Output.concat(f"arn:aws:ssm:{region}:", account, ":parameter", name)


def plan_arn_patterns(account: str, plan_name: str) -> list[str]:
    """The plan's ARN before it exists: ARC appends a six-character suffix to the name, after a
    colon in its API reference and a slash in some of its sample policies; both are matched."""
    return [f"arn:aws:arc-region-switch::{account}:plan/{plan_name}{separator}*" for separator in ":/"]


def _percent(dial: pulumi.Input[float]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(dial).apply(lambda value: f"{float(value):g}")


def policy_statements(args: RegionActionsArgs) -> list[dict[str, Any]]:
    """What the handler calls, on exactly the resources it calls them on."""
    fence = pulumi.Output.concat(args.regional_parameter_prefix, WRITES_ENABLED)
    parameters = [_parameter_arn(region, args.account_id, name)
                  for region in (args.region, args.peer_region)
                  for name in (args.active_region_parameter_name, fence)]
    plan = pulumi.Output.from_input(args.account_id).apply(
        lambda account: plan_arn_patterns(account, args.plan_name))
    tables = {region: pulumi.Output.concat(f"arn:aws:dynamodb:{region}:", args.account_id, ":table/",
                                           args.table_name) for region in (args.region, args.peer_region)}
    return [
        # The authority record: written here (the activating region first), read in both.
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
         "Resource": tables[args.region]},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": tables[args.peer_region]},
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:PutParameter"],
         "Resource": parameters},
        {"Effect": "Allow",
         "Action": ["globalaccelerator:DescribeEndpointGroup", "globalaccelerator:UpdateEndpointGroup"],
         "Resource": [args.own_endpoint_group_arn, args.peer_endpoint_group_arn]},
        {"Effect": "Allow", "Action": "arc-region-switch:GetPlanExecution", "Resource": plan},
        *(bring_up_statements(args.own_cluster_arn) if args.own_cluster_arn else []),
    ]


class RegionActions(pulumi.ComponentResource):
    """Owns one region's custom-action function (`.function`), its KMS-encrypted log group with
    retention, and its role with the inline policy of `policy_statements` (through
    RegionalFunction, like the compute layer's functions)."""

    def __init__(self, name: str, args: RegionActionsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:recovery:RegionActions", name, None, opts)
        fence = pulumi.Output.concat(args.regional_parameter_prefix, WRITES_ENABLED)
        self.regional = RegionalFunction(f"{name}-fn", RegionalFunctionArgs(
            environment=args.environment, region=args.region, module=MODULE,
            description=f"Region switch plan steps ({', '.join(STEPS)}) activating {args.region}",
            statements=policy_statements(args),
            variables={
                "PEER_REGION": args.peer_region,
                "WRITES_ENABLED_PARAMETER": fence,
                "ACTIVE_REGION_PARAMETER": args.active_region_parameter_name,
                "OWN_ENDPOINT_GROUP_ARN": args.own_endpoint_group_arn,
                "PEER_ENDPOINT_GROUP_ARN": args.peer_endpoint_group_arn,
                "OWN_TRAFFIC_DIAL": _percent(args.own_traffic_dial),
                "PEER_TRAFFIC_DIAL": _percent(args.peer_traffic_dial),
                "RESTORE_DEPLOYED_SHAPE": "true" if args.primary else "false",
                "TABLE_NAME": args.table_name,
                "PRIMARY_REGION": args.primary_region,
                **({"OWN_CLUSTER_ID": cluster_id(args.own_cluster_arn)} if args.own_cluster_arn else {}),
            },
            log_kms_key_arn=args.log_kms_key_arn, log_retention_days=args.log_retention_days,
            timeout=TIMEOUT_SECONDS, tags=args.tags, handlers_dir=RECOVERY_HANDLERS_DIR,
            extra_modules=[AUTHORITY_MODULE]),
            opts=pulumi.ResourceOptions(parent=self))
        self.function = self.regional.function
        self.register_outputs({"arn": self.function.arn, "name": self.function.name})
