"""Build the whole system's offline plan: six layer programs, outputs threaded downstream."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared import config
from shared.contracts import LAYERS
from shared.graph import deploy_order, upstream_closure
from shared.plan import cache
from shared.plan.runtime import SECRET, LayerRun, StackOutputs, run_layer
from shared.providers import REGION, provider_config
from shared.settings import Settings


@dataclass
class Plan:
    """`settings`: the environment's (base < environment < --set), which the guardrails judge
    by; `layer_settings`: what each layer ran with (its own Pulumi.<env>.yaml included)."""

    environment: str
    settings: Settings
    runs: list[LayerRun]
    seconds: float
    overrides: dict[str, Any] = field(default_factory=dict)
    layer_settings: dict[str, Settings] = field(default_factory=dict)
    # Each layer's default AWS provider config (home and STS region), as `pulumi up` sets it.
    providers: dict[str, dict[str, str]] = field(default_factory=dict)

    def layer(self, name: str) -> LayerRun:
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            # What the secondary runs while it stands by, and so what a failover brings up first.
            "strategy": self.settings.strategy,
            "overrides": dict(self.overrides),
            "settings": self.settings.as_config(),
            "layers": [_layer_json(run, self.layer_settings.get(run.name, self.settings),
                                   self.providers.get(run.name, {})) for run in self.runs],
        }

    def summary(self) -> str:
        """AWS resources per layer and region, counted as `invoke check` counts them; the
        StackReferences and random passwords Pulumi also registers are counted apart."""
        lines = [f"Offline plan of environment {self.environment!r}"]
        others: Counter[str] = Counter()
        for run in self.runs:
            custom = [r for r in run.resources if r["custom"]]
            regions = Counter(r["region"] for r in custom if r["type"].startswith("aws:"))
            others.update(r["type"].rsplit(":", 1)[-1] for r in custom if not r["type"].startswith("aws:"))
            spread = ", ".join(f"{region}: {count}" for region, count in sorted(regions.items()))
            lines.append(f"  {run.name:<18} {sum(regions.values()):>4} AWS resources  ({spread})")
            lines.extend(f"    warning: {message}" for message in run.warnings)
        total = sum(1 for run in self.runs for r in run.resources
                    if r["custom"] and r["type"].startswith("aws:"))
        lines.append(f"  {'total':<18} {total:>4} AWS resources in {self.seconds:.1f} s")
        if others:
            listed = ", ".join(f"{count} {kind}" for kind, count in sorted(others.items()))
            lines.append(f"  not AWS resources, not counted: {listed}")
        return "\n".join(lines)


def _layer_json(run: LayerRun, settings: Settings, provider: dict[str, str]) -> dict[str, Any]:
    spec = LAYERS[run.name]
    outputs = {key: (SECRET if key in run.outputs.secret_names else value)
               for key, value in run.outputs.values.items()}
    return {
        "name": run.name,
        "depends_on": list(spec.depends_on),
        "consumes": {producer: list(keys) for producer, keys in spec.consumes.items()},
        "settings": settings.as_config(),
        "provider": dict(provider),
        "outputs": outputs,
        "warnings": run.warnings,
        "resources": run.resources,
    }


def build_plan(environment: str, overrides: dict[str, Any] | None = None,
               layers: list[str] | None = None, cached: bool = False,
               progress: Callable[[str], None] | None = None) -> Plan:
    """Validate settings, then run each layer (or the given ones and what they need) in order.

    Each layer runs with its own stacks/<layer>/Pulumi.<env>.yaml and then `overrides` (`dr:`
    keys, `--set`) as its stack config, as `pulumi up` would. Raises SettingsError before any
    layer runs, LayerFailed when a program stops. `cached`: reuse a layer's plan made from the
    same inputs (shared/plan/cache.py). `progress` is told each layer as it is planned.
    """
    given = dict(overrides or {})
    settings = config.settings_for(environment, given)
    # A layer can only be planned with the outputs of everything it reads.
    selected = None if layers is None else set(layers).union(*(upstream_closure(n) for n in layers))
    order = deploy_order(selected)
    layer_settings = {name: config.layer_settings(name, environment, given) for name in order}
    providers = {name: provider_config(name, environment) for name in order}
    started = time.perf_counter()
    outputs: dict[str, StackOutputs] = {}
    runs: list[LayerRun] = []
    for name in order:
        folder, stack_config = config.STACKS_DIR / name, config.layer_config(name, environment, given)
        region = providers[name].get(REGION) or layer_settings[name].primary_region
        key = cache.layer_key(name, folder, environment, stack_config, outputs, region) if cached else ""
        run = cache.load(key) if cached else None
        if progress:
            progress(f"{name}: {'unchanged, from the cache' if run else 'planning'}")
        if run is None:
            run = run_layer(folder, name, environment, stack_config, outputs, default_region=region)
            if cached:
                cache.save(key, run)
        outputs[name] = run.outputs
        runs.append(run)
    return Plan(environment, settings, runs, time.perf_counter() - started, given, layer_settings,
                providers)
