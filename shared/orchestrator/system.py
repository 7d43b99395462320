"""The six layers as one system: preflight, then one operation per layer over the graph."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from shared import graph
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.operations import Operation
from shared.orchestrator.preflight import check_aws, check_cli, check_settings
from shared.orchestrator.pulumi_cli import PulumiCli
from shared.orchestrator.scheduler import Listener, RunResult, run_graph
from shared.settings import Settings


@dataclass
class Prepared:
    cli: PulumiCli
    settings: dict[str, Settings]
    account: str | None


def preflight(environment: str, layers: Sequence[str], backend: str | None = None,
              aws: bool = True, environ: Mapping[str, str] | None = None) -> Prepared:
    """Settings, then the CLI and the state passphrase, then AWS: cheapest and most local first."""
    settings = check_settings(environment, layers)
    cli = PulumiCli(resolve_backend(backend, environ), environ)
    check_cli(cli)
    account = None
    if aws:
        first = settings[layers[0]]
        account = check_aws(first.primary_region, environ)
    return Prepared(cli, settings, account)


def waits_for(action: str) -> Callable[[str], tuple[str, ...]]:
    """Deploy waits for what a layer reads; destroy waits for what reads it; previews wait for nothing."""
    if action == "up":
        return graph.dependencies
    if action == "destroy":
        return graph.dependents
    return lambda layer: ()


def run(cli: PulumiCli, environment: str, action: str, layers: Sequence[str], *, parallel: int = 0,
        resume: bool = True, retry_delay: float = 10.0, listener: Listener | None = None) -> RunResult:
    operation = Operation(cli, environment, action, resume=resume, retry_delay=retry_delay)
    return run_graph(layers, waits_for(action), operation, parallel=parallel, listener=listener)


def stale_dependents(result: RunResult, selected: Sequence[str]) -> dict[str, list[str]]:
    """Layers left out of the run although an upstream in it published different outputs."""
    stale: dict[str, list[str]] = {}
    for outcome in result.outcomes.values():
        if outcome.outputs_changed:
            left_out = sorted(graph.downstream_closure(outcome.layer) - set(selected))
            if left_out:
                stale[outcome.layer] = left_out
    return stale
