"""The deployed identifiers the DR operations act on: the layers' outputs, from the contract mirror
in SSM (either region) or, failing that, from Pulumi."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.components.parameters import DRILL_IMPAIRED, WRITES_ENABLED, regional_prefix
from shared.contracts.mirror import MirrorValueError, contract_prefix
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, one_line
from shared.ops.aws.mirror import read_mirror
from shared.ops.aws.parallel import NoAnswer, first_good

ROLES = ("primary", "secondary")
# The stacks whose outputs name what failover touches, by layer.
SOURCE_LAYERS = ("network-primary", "network-secondary", "global-traffic", "data")
# Layers read when deployed, not required: their outputs add the API entry points (compute) and
# the Region switch plan (recovery); without them the operations run as before.
OPTIONAL_LAYERS = ("compute", "recovery")
PULUMI_SOURCE = "Pulumi stack outputs"
NO_MIRROR = "has none"  # a region that answered without any contract mirror
# The instance a failover adds to a pilot light's headless cluster, `<cluster><suffix>`
# (shared/ops/engines/bring_up.py; destroy deletes it, shared/ops/maintenance/teardown.py).
BROUGHT_UP_SUFFIX = "-up"
# No command waits longer than this on a region whose mirror does not answer.
MIRROR_READ_SECONDS = 10.0


@dataclass(frozen=True)
class RegionTopology:
    """One region's side of every replicated pair."""

    role: str  # "primary" or "secondary": the deployed role, not who serves right now
    region: str
    cluster_id: str
    cluster_arn: str
    bucket_name: str
    endpoint_group_arn: str
    health_check_id: str
    deployed_dial: float  # the traffic dial dr:trafficMode deploys; failback restores it
    # The region's own entry point (its NLB, through the ALB to the app's health path): probing
    # it needs no AWS API at all, so it answers for the region even when control planes do not.
    health_url: str = ""
    api_url: str = ""  # the region's REST API stage URL (compute), "" when not read
    action_function_name: str = ""  # the Region switch plan's custom-action function, "" if none


@dataclass(frozen=True)
class DrTopology:
    environment: str
    primary: RegionTopology
    secondary: RegionTopology
    global_cluster_id: str
    table_name: str
    active_region_parameter_name: str
    replication_rule_id: str
    accelerator_arn: str
    replication_lag_limit_seconds: int
    protect_data: bool
    source: str = PULUMI_SOURCE  # where the identifiers were read, for the reports
    # The users' entry point: the accelerator's own name, health path over the listener port.
    accelerator_health_url: str = ""
    db_secret_arn: str = ""
    db_name: str = ""
    plan_arn: str | None = None  # the ARC Region switch plan (recovery layer), None when absent
    plan_name: str | None = None
    approval_role_arn: str | None = None  # the role that answers the plan's manual approval
    # The DR strategy the secondary stands by in (data layer's dr_strategy; a stack deployed
    # before it existed is the shape it always had) and the capacity a serving writer runs at.
    strategy: str = "hot-standby"
    serving_min_acu: float | None = None
    # The S3 rule secondary -> primary that failback waits for; "" for a data layer without one.
    reverse_replication_rule_id: str = ""

    @property
    def regions(self) -> tuple[RegionTopology, RegionTopology]:
        return (self.primary, self.secondary)

    def role(self, role: str) -> RegionTopology:
        if role not in ROLES:
            raise OpsError(f"unknown region role {role!r}; use primary or secondary")
        return self.primary if role == "primary" else self.secondary

    def other(self, role: str) -> RegionTopology:
        return self.secondary if self.role(role).role == "primary" else self.primary

    def by_region(self, region: str) -> RegionTopology | None:
        return next((side for side in self.regions if side.region == region), None)

    # Per-region parameters the operations write at run time; never replicated (`/regional/`).
    @property
    def regional_prefix(self) -> str:
        return regional_prefix(self.environment)

    @property
    def writes_enabled_parameter_name(self) -> str:
        return self.regional_prefix + WRITES_ENABLED

    @property
    def drill_flag_parameter_name(self) -> str:
        """The outage drill's impairment: "true" makes that region's health answer 503."""
        return self.regional_prefix + DRILL_IMPAIRED

    @property
    def lock_parameter_name(self) -> str:
        return self.regional_prefix + "operations/lock"

    @property
    def unplanned_record_parameter_name(self) -> str:
        return self.regional_prefix + "operations/unplanned-failover"


class MissingOutput(OpsError):
    """A layer's outputs lack a key the topology needs (the layer, or that output, is not deployed)."""

    def __init__(self, layer: str, key: str, environment: str, summary: str = "") -> None:
        super().__init__(f"stack {layer}/{environment} has no output {key!r}; deploy it first "
                         f"(invoke deploy-all --env {environment})")
        self.layer, self.key = layer, key
        self.summary = summary or f"lacks {layer}.{key}"  # how a mirror read reports it


def _require(outputs: Mapping[str, Mapping[str, Any]], layer: str, key: str, environment: str) -> Any:
    value = (outputs.get(layer) or {}).get(key)
    if value in (None, ""):
        raise MissingOutput(layer, key, environment)
    return value


def topology_from_outputs(environment: str, outputs: Mapping[str, Mapping[str, Any]], *,
                          replication_lag_limit_seconds: int, protect_data: bool,
                          health_path: str = "/health", source: str = PULUMI_SOURCE) -> DrTopology:
    """`outputs` maps each layer of SOURCE_LAYERS to its `pulumi stack output --json`."""

    def get(layer: str, key: str) -> Any:
        return _require(outputs, layer, key, environment)

    def optional(layer: str, key: str) -> str:
        value = (outputs.get(layer) or {}).get(key)
        return "" if value is None else str(value)

    # Networks deployed before the entry could be HTTPS export no protocol: they speak HTTP.
    scheme = (optional("network-primary", "entry_protocol") or "http").lower()
    sides = {
        role: RegionTopology(
            role=role,
            region=str(get(f"network-{role}", "region")),
            cluster_id=str(get("data", f"{role}_cluster_id")),
            cluster_arn=str(get("data", f"{role}_cluster_arn")),
            bucket_name=str(get("data", f"{role}_bucket_name")),
            endpoint_group_arn=str(get("global-traffic", f"{role}_endpoint_group_arn")),
            health_check_id=str(get("global-traffic", f"{role}_health_check_id")),
            deployed_dial=float(get("global-traffic", f"{role}_traffic_dial")),
            health_url=f"{scheme}://{get(f'network-{role}', 'nlb_dns_name')}:"
                       f"{get(f'network-{role}', 'nlb_listener_port')}{health_path}",
            api_url=optional("compute", f"{role}_api_url"),
            action_function_name=optional("recovery", f"{role}_action_function_name"),
        )
        for role in ROLES
    }
    return DrTopology(
        environment=environment,
        primary=sides["primary"],
        secondary=sides["secondary"],
        global_cluster_id=str(get("data", "global_cluster_id")),
        table_name=str(get("data", "table_name")),
        active_region_parameter_name=str(get("data", "active_region_parameter_name")),
        replication_rule_id=str(get("data", "replication_rule_id")),
        accelerator_arn=str(get("global-traffic", "accelerator_arn")),
        replication_lag_limit_seconds=replication_lag_limit_seconds,
        protect_data=protect_data,
        source=source,
        accelerator_health_url=f"{scheme}://{get('global-traffic', 'accelerator_dns_name')}:"
                               f"{get('network-primary', 'nlb_listener_port')}{health_path}",
        db_secret_arn=optional("data", "db_secret_arn"),
        db_name=optional("data", "db_name"),
        plan_arn=optional("recovery", "plan_arn") or None,
        plan_name=optional("recovery", "plan_name") or None,
        approval_role_arn=optional("recovery", "approval_role_arn") or None,
        strategy=optional("data", "dr_strategy") or "hot-standby",
        serving_min_acu=float(optional("data", "serving_min_acu") or 0) or None,
        reverse_replication_rule_id=optional("data", "reverse_replication_rule_id"),
    )


def mirror_regions(dr_regions: Sequence[str], named: str | None, profile_region: str | None) -> list[str]:
    """The regions whose mirror to read, in order: the one named, else both DR regions with the
    profile's own region first (the runbook's break-glass profile names the surviving region,
    so the lost one's connection timeouts are not paid before it)."""
    if named:
        if named not in dr_regions:
            raise OpsError(f"--region {named} holds no contract mirror: choose one of the DR regions "
                           f"({', '.join(dr_regions)})")
        return [named]
    return sorted(dr_regions, key=lambda region: region != profile_region)


def load_topology(environment: str, region: str | None = None, *, clients: AwsClients | None = None,
                  backend: str | None = None) -> DrTopology:
    """The deployed topology of `environment`, without Pulumi when possible.

    Reads the contract mirror (`/dr/<env>/contract/...`, shared/contracts/mirror.py) from
    `region`, or else from the first DR region that answers with every output the topology
    needs; `DrTopology.source` says which. Only when no region read has it (unreachable,
    denied, or not deployed with the mirror) does it read `pulumi stack output` (`backend`).

    Raises SettingsError when the environment's settings are invalid, and OpsError (one line,
    naming what to do) when `region` is not a DR region, or when neither a mirror nor the
    Pulumi outputs can be read.
    """
    from shared.config import layer_settings
    from shared.orchestrator.backend import resolve_backend
    from shared.orchestrator.errors import OrchestratorError, StackMissing
    from shared.orchestrator.outputs import stack_outputs

    settings = layer_settings("data", environment)  # the layer that holds the stores
    clients = clients or AwsClients()

    def build(outputs: Mapping[str, Mapping[str, Any]], source: str) -> DrTopology:
        return topology_from_outputs(
            environment, outputs, replication_lag_limit_seconds=settings.replication_lag_alarm_seconds,
            protect_data=settings.protect_data, health_path=settings.health_check_path, source=source)

    misses: list[tuple[str, str]] = []  # (region, what was wrong with its mirror; "" when it has none)
    names = mirror_regions(settings.regions, region, clients.profile_region)
    # Side by side, one short try each: a lost or hanging region costs seconds, and a region
    # whose mirror is incomplete is passed over for the other one.
    ssm = {name: clients.informational("ssm", name) for name in names}

    def from_mirror(name: str) -> DrTopology:
        mirrored = read_mirror(ssm[name], environment, SOURCE_LAYERS + OPTIONAL_LAYERS)
        try:
            return build(mirrored, f"the contract mirror in {name}")
        except MissingOutput as missing:
            raise MissingOutput(missing.layer, missing.key, environment,
                                f"has a mirror without {missing.layer}.{missing.key}" if mirrored
                                else NO_MIRROR) from None

    outcomes = first_good({name: (lambda n=name: from_mirror(n)) for name in names},  # type: ignore[misc]
                          MIRROR_READ_SECONDS)
    for name, outcome in outcomes.items():
        if outcome.ok and outcome.value is not None:
            return outcome.value
        if isinstance(outcome.error, MissingOutput):
            misses.append((name, "" if outcome.error.summary == NO_MIRROR else outcome.error.summary))
        elif isinstance(outcome.error, (*AWS_ERRORS, MirrorValueError, NoAnswer)):
            misses.append((name, f"unreadable ({one_line(outcome.error)})"))
        elif outcome.error is not None:
            raise outcome.error
    pulumi = resolve_backend(backend)
    try:
        if not pulumi.may_hold(environment):
            raise StackMissing(f"no stack {environment}")
        outputs = {layer: stack_outputs(layer, environment, backend=backend) for layer in SOURCE_LAYERS}
    except StackMissing:
        raise _not_deployed(environment, misses, pulumi.url, named=region is not None) from None
    except OrchestratorError as error:
        raise OpsError(f"{_mirror_seen(environment, misses)}, and Pulumi's outputs failed: {error}") from None
    for layer in OPTIONAL_LAYERS:
        with contextlib.suppress(OrchestratorError):  # not deployed: run without what it adds
            outputs[layer] = stack_outputs(layer, environment, backend=backend)
    return build(outputs, PULUMI_SOURCE)


def _mirror_seen(environment: str, misses: Sequence[tuple[str, str]]) -> str:
    """What the regions read said, e.g. `no contract mirror (SSM /dr/dev/contract/) in us-east-1
    or us-east-2`."""
    empty = [name for name, problem in misses if not problem]
    seen = [f"{name} {problem}" for name, problem in misses if problem]
    if empty:
        seen.insert(0, f"no contract mirror (SSM {contract_prefix(environment)}) in {' or '.join(empty)}")
    return "; ".join(seen)


def _not_deployed(environment: str, misses: Sequence[tuple[str, str]], backend: str, named: bool) -> OpsError:
    """Neither a mirror nor a Pulumi stack: one line saying what was read where, and what to do."""
    seen = f"{_mirror_seen(environment, misses)}, and no Pulumi stack of it in {backend}"
    if all(problem.startswith("unreadable") for _, problem in misses):
        return OpsError(f"{environment}'s deployment could not be read: {seen}; fix the access to SSM "
                        "shown, or name the state backend that has it with --backend")
    deploy = f"deploy it with `invoke deploy-all --env {environment}`"
    if named:
        deploy += ", or leave out --region to read both DR regions"
    complete = "not completely" if any(problem.startswith("has") for _, problem in misses) else "not"
    return OpsError(f"{environment} is {complete} deployed: {seen}; {deploy}")
