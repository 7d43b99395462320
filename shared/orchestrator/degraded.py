"""`--region-down REGION`: deploy or preview only what lives in the surviving region.

Per layer, the targets are the URNs of the offline plan's resources in the surviving region
(the same program, settings and layer files `pulumi up` runs), their component parents and the
stack (so outputs are published), and the StackReferences (reads of the state backend). Each
run is `pulumi up|preview --target URN...`:
- no `--target-dependents`: what depends on a surviving-region resource includes the lost
  region's half (peering routes, the contract mirror there), which must wait;
- no `--refresh`: a refresh reads every resource, the lost region's included;
- `--config-file`: the layer's own stack config with the provider re-homed to the surviving
  region (shared/providers.py), so configure, STS and invokes never reach the lost region;
- an update message without the fingerprint mark (stack_state.py), so the next plain
  `invoke deploy-all` runs every layer again and reconciles what was left for later.
Global resources (IAM and Route 53 have their control planes in us-east-1, Global Accelerator
in us-west-2) are left for later too.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shared.orchestrator.backend import layer_dir
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.operations import Operation
from shared.orchestrator.runs import log_path
from shared.orchestrator.scheduler import FAILED, SKIPPED, UNCHANGED, Outcome, RunResult
from shared.orchestrator.stack_state import read_state
from shared.providers import rehomed
from shared.settings import Settings

READS = ("pulumi:pulumi:StackReference",)


@dataclass(frozen=True)
class LayerTargets:
    layer: str
    targets: tuple[str, ...]
    # region (or "global") -> resource kind (e.g. "ssm/parameter") -> how many are left there
    left: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    aws_targets: int = 0  # of `targets`, the AWS resources (the rest: components, stack, reads)


def surviving_region(settings: Settings, down: str) -> str:
    """The other DR region; a region that is not one of the two is a one-line error."""
    if down not in settings.regions:
        raise OrchestratorError(f"--region-down {down!r} is not one of this environment's regions "
                                f"({', '.join(settings.regions)}); name the one that is down")
    return next(region for region in settings.regions if region != down)


def layer_targets(layer: str, resources: Sequence[Mapping[str, Any]], survivor: str) -> LayerTargets:
    """What of one layer's planned resources a run from `survivor` alone may touch."""
    by_urn = {r["urn"]: r for r in resources}
    chosen: set[str] = set()
    left: dict[str, Counter[str]] = {}
    for resource in resources:
        if not resource["custom"]:
            continue
        if resource["type"] in READS:
            chosen.add(resource["urn"])
        elif resource["type"].startswith("aws:"):
            if resource["region"] == survivor:
                chosen.add(resource["urn"])
            else:
                kind = resource["type"].split(":")[1]
                left.setdefault(str(resource["region"]), Counter())[kind] += 1
    aws_chosen = {urn for urn in chosen if by_urn[urn]["type"] not in READS}
    for urn in list(aws_chosen):
        parent = by_urn[urn].get("parent")
        while parent and parent not in chosen:
            chosen.add(parent)  # components and the stack: a child needs its parent in state
            parent = by_urn.get(parent, {}).get("parent")
    # A layer with nothing in the surviving region is not run at all.
    targets = tuple(sorted(chosen)) if aws_chosen else ()
    return LayerTargets(layer, targets, {region: dict(kinds) for region, kinds in left.items()},
                        len(aws_chosen))


def rehomed_config_file(cli_root: Path | None, layer: str, environment: str, survivor: str) -> Path:
    """The layer's stack config file (secrets salt and dr: keys kept) with the provider re-homed
    to `survivor`, written next to the layer's log: the user's own files are left as they are."""
    source = layer_dir(layer, cli_root) / f"Pulumi.{environment}.yaml"
    document: dict[str, Any] = {}
    if source.is_file():
        document = dict(yaml.safe_load(source.read_text(encoding="utf-8")) or {})
    document["config"] = {**(document.get("config") or {}), **rehomed(survivor)}
    target = log_path(environment, layer).with_suffix(".region-down.yaml")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


@dataclass
class DegradedOperation(Operation):
    """`pulumi up|preview` of one layer, targeted at what lives in the surviving region."""

    down: str = ""
    survivor: str = ""
    targets: Mapping[str, LayerTargets] = field(default_factory=dict)

    def _run(self, layer: str, stop: threading.Event, log: Path) -> Outcome:
        chosen = self.targets[layer]
        if not chosen.targets:
            return Outcome(layer, UNCHANGED, message=f"nothing of it lives in {self.survivor}")
        state = read_state(self.cli, layer, self.environment)
        if not state.exists:
            return Outcome(layer, SKIPPED, message=f"not deployed yet: deploy it when {self.down} returns")
        if state.locked:
            # Often the run the outage cut short. No refresh now: it would read the lost region.
            return Outcome(layer, FAILED, message=(
                f"stack {self.environment} is {state.locked}; if no update is running, run `pulumi "
                f"cancel --stack {self.environment} --yes` in stacks/{layer} and run again (refresh "
                f"when {self.down} returns)"))
        config_file = rehomed_config_file(self.cli.root, layer, self.environment, self.survivor)
        extra = ["--config-file", str(config_file)]
        for urn in chosen.targets:
            extra += ["--target", urn]
        if self.action == "up":
            # No fingerprint mark: the next plain deploy-all runs this layer again.
            extra += ["--message", f"invoke deploy --region-down {self.down}: {self.survivor} only"]
        outcome = self._attempts(layer, stop, log, extra)
        if outcome.ok:
            outcome.message = f"{chosen.aws_targets} resources in {self.survivor} targeted"
        return outcome


def left_for_later(result: RunResult, targets: Mapping[str, LayerTargets], down: str,
                   environment: str) -> str:
    """The summary's closing list: what waits for the lost region, and the command then."""
    lines = [f"left for when {down} returns (then run `invoke deploy-all --env {environment}`, "
             "which reconciles every layer):"]
    for layer, chosen in targets.items():  # in deploy order
        outcome = result.outcomes[layer]
        lost_first = sorted(chosen.left.items(), key=lambda item: (item[0] != down, item[0]))
        parts = [_left_in(region, kinds) for region, kinds in lost_first]
        if not outcome.ok:
            parts.insert(0, f"the whole layer ({outcome.status}: {outcome.message})")
        if parts:
            lines.append(f"  {layer}: {', '.join(parts)}")
    return "\n".join(lines)


def _left_in(region: str, kinds: Mapping[str, int]) -> str:
    """"37 resources in us-east-1 (36 ssm/parameter, 1 ec2/route)": the most numerous kinds first."""
    common = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{count} {kind}" for kind, count in common[:3])
    rest = len(common) - 3
    more = f", {rest} more kind{'s' if rest > 1 else ''}" if rest > 0 else ""
    return f"{sum(kinds.values())} resources in {region} ({shown}{more})"
