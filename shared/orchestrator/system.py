"""The seven layers as one system: preflight, then one operation per layer over the graph."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from shared import graph
from shared.certificates import settings_problems
from shared.orchestrator.backend import child_environment, resolve_backend
from shared.orchestrator.backend_region import backend_warning
from shared.orchestrator.errors import OrchestratorError, PreflightFailed
from shared.orchestrator.operations import Operation
from shared.orchestrator.preflight import (
    check_api_gateway_logging,
    check_aws,
    check_cli,
    check_settings,
)
from shared.orchestrator.pulumi_cli import PulumiCli, executable
from shared.orchestrator.scheduler import Listener, RunResult, run_graph
from shared.settings import Settings

T = TypeVar("T")
DEFAULT_STS_REGION = "us-east-1"  # who the credentials belong to, when the settings are unreadable


@dataclass
class Prepared:
    cli: PulumiCli
    settings: dict[str, Settings]
    account: str | None
    warnings: list[str] = field(default_factory=list)  # printed, not fatal


def preflight(environment: str, layers: Sequence[str], backend: str | None = None,
              aws: bool = True, environ: Mapping[str, str] | None = None,
              sts_region: str | None = None) -> Prepared:
    """Settings, the state passphrase, the CLI, AWS credentials: every problem found is reported
    at once (one line each), so a new machine is set up in one go, not one error per run.
    `sts_region`: where to ask who the credentials are (the surviving region under --region-down)."""
    problems: list[str] = []

    def attempt(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except OrchestratorError as error:
            problems.append(str(error))
            return None

    settings = attempt(lambda: check_settings(environment, layers))
    chosen = resolve_backend(backend, environ)
    cli = None
    if attempt(lambda: child_environment(chosen, environ)) is not None:
        cli = attempt(lambda: PulumiCli(chosen, environ))
        if cli is not None:
            attempt(lambda: check_cli(cli))
    else:
        attempt(lambda: executable(dict(os.environ if environ is None else environ)))
    account = None
    notes: list[str] = []
    if aws:
        primary = settings[layers[0]].primary_region if settings else DEFAULT_STS_REGION
        account = attempt(lambda: check_aws(sts_region or primary, environ))
        if account is not None and settings and "compute" in settings and sts_region is None:
            attempt(lambda: check_api_gateway_logging(settings["compute"]))
        if sts_region is None and account is not None:
            notes += [note for note in [backend_warning(chosen, primary, environ)] if note]
    if settings is not None:
        # Placeholders and another account's certificates fail only at compute's listener,
        # after network and data changed: refused here, before any layer runs.
        problems += sorted({line for found in settings.values()
                            for line in settings_problems(found, account)})
    if problems or settings is None or cli is None:
        raise PreflightFailed(problems)
    return Prepared(cli, settings, account, notes)


def waits_for(action: str) -> Callable[[str], tuple[str, ...]]:
    """Deploy waits for what a layer reads; destroy waits for what reads it; previews wait for nothing."""
    if action == "up":
        return graph.dependencies
    if action == "destroy":
        return graph.dependents
    return lambda layer: ()


def run(cli: PulumiCli, environment: str, action: str, layers: Sequence[str], *, parallel: int = 0,
        resume: bool = True, retry_delay: float = 10.0, listener: Listener | None = None,
        unprotect: bool = False, operation: Operation | None = None) -> RunResult:
    """`operation`: one whose reads ahead may already have started (the deploy tasks start them
    beside their last checks, or once the person confirmed); otherwise one is made from the
    other arguments."""
    operation = operation or Operation(cli, environment, action, resume=resume,
                                       retry_delay=retry_delay, unprotect=unprotect)
    with operation.prefetching(layers):
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
