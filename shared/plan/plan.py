"""Build the whole system's offline plan: six layer programs, outputs threaded downstream."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from shared import config
from shared.contracts import LAYERS
from shared.graph import deploy_order, upstream_closure, waves
from shared.plan import cache
from shared.plan.process import sdk_modules, warm_while
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
        lines = [f"Offline plan of environment {self.environment!r}", f"  {entry_line(self.settings)}"]
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


def entry_line(settings: Settings) -> str:
    """How clients reach the NLB -> ALB entry, in one line."""
    if settings.entry_tls:
        return (f"entry: HTTPS on port {settings.app_port}, TLS ends at each region's ALB "
                "(dr:primaryCertificateArn, dr:secondaryCertificateArn)")
    return (f"entry: plain HTTP on port {settings.app_port} (no certificates configured; "
            "set dr:<role>Domain and dr:<role>CertificateArn for both regions to serve HTTPS)")


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
               progress: Callable[[str], None] | None = None, workers: int = 1) -> Plan:
    """Validate settings, then run each layer (or the given ones and what they need) in order.

    Each layer runs with its own stacks/<layer>/Pulumi.<env>.yaml and then `overrides` (`dr:`
    keys, `--set`) as its stack config, as `pulumi up` would. Raises SettingsError before any
    layer runs, LayerFailed when a program stops. `cached`: reuse a layer's plan made from the
    same inputs (shared/plan/cache.py). `progress` is told each layer as it is planned.
    `workers` > 1: the layers of one wave (independent given their upstream outputs) run at
    once, in forked processes (each layer's program owns the process-wide mock runtime).
    """
    given = dict(overrides or {})
    settings = config.settings_for(environment, given)
    # A layer can only be planned with the outputs of everything it reads.
    selected = None if layers is None else set(layers).union(*(upstream_closure(n) for n in layers))
    order = deploy_order(selected)
    layer_settings = {name: config.layer_settings(name, environment, given) for name in order}
    providers = {name: provider_config(name, environment) for name in order}
    started = time.perf_counter()
    runs = _run_waves(order, environment, given, layer_settings, providers, cached, progress, workers)
    return Plan(environment, settings, runs, time.perf_counter() - started, given, layer_settings,
                providers)


def _run_waves(order: list[str], environment: str, given: dict[str, Any],
               layer_settings: dict[str, Settings], providers: dict[str, dict[str, str]],
               cached: bool, progress: Callable[[str], None] | None, workers: int) -> list[LayerRun]:
    outputs: dict[str, StackOutputs] = {}
    done: dict[str, LayerRun] = {}
    pool = (ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork"),
                                initializer=_own_event_loop) if workers > 1 else None)
    try:
        planned_waves = list(waves(order))
        for index, wave in enumerate(planned_waves):
            jobs: dict[str, tuple[Any, ...]] = {}
            keys: dict[str, str] = {}
            for name in wave:
                folder, stack_config = config.STACKS_DIR / name, config.layer_config(name, environment, given)
                region = providers[name].get(REGION) or layer_settings[name].primary_region
                keys[name] = cache.layer_key(name, folder, environment, stack_config, outputs,
                                             region) if cached else ""
                run = cache.load(keys[name]) if cached else None
                if progress:
                    progress(f"{name}: {'unchanged, from the cache' if run else 'planning'}")
                if run is None:
                    jobs[name] = (folder, name, environment, stack_config, dict(outputs), region)
                else:
                    done[name] = run
            # All but one layer of the wave in workers, that one here meanwhile.
            names = list(jobs)
            futures = {name: pool.submit(_plan_layer, *jobs[name]) for name in names[1:]} if pool else {}
            for name in names:
                if name not in futures:
                    done[name] = _plan_layer(*jobs[name])
            waiting = partial(_any_running, list(futures.values()))
            if futures and waiting() and index + 1 < len(planned_waves):
                # Nothing to do here until the workers finish: import the SDK modules of the
                # layer this process runs next (the first of the next wave).
                upcoming = planned_waves[index + 1][0]
                warm_while(waiting, sdk_modules(upcoming, config.STACKS_DIR / upcoming, config.REPO_ROOT))
            for name, future in futures.items():
                done[name] = future.result()
            for name in wave:
                if cached and name in jobs:
                    cache.save(keys[name], done[name])
                outputs[name] = done[name].outputs
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    return [done[name] for name in order]


def _any_running(futures: list[Future[LayerRun]]) -> bool:
    return not all(future.done() for future in futures)


def _own_event_loop() -> None:
    # A forked worker must not drive the parent's event loop: its selector is shared with it.
    asyncio.set_event_loop(asyncio.new_event_loop())


def _plan_layer(folder: Any, name: str, environment: str, stack_config: dict[str, Any],
                upstream: dict[str, StackOutputs], region: str) -> LayerRun:
    return run_layer(folder, name, environment, stack_config, upstream, default_region=region)
