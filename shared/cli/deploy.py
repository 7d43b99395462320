"""`invoke deploy-all`, `destroy-all`, `preview-all`, `up`, `destroy`, `outputs`: the real `pulumi`.

Every task: preflight (settings, Pulumi CLI, state passphrase, AWS credentials), then the layers
over the one graph (shared/graph.py), live progress, a log per layer under .runs/<env>/, a
summary table, and a non-zero exit naming what failed. `invoke graph` lives in shared/cli/plan.py.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from invoke import Context

from shared import graph
from shared.cli.common import (
    ENV_HELP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    REQUIRED_ENV_HELP,
    aws_clients,
    fail,
    parse_layers,
    read_env,
    require_env,
    task,
)
from shared.cli.degraded import HELP as REGION_DOWN_HELP
from shared.cli.degraded import run_region_down
from shared.contracts import LAYERS
from shared.ops.aws.errors import OpsError
from shared.ops.aws.errors import Refused as OpsRefused
from shared.ops.maintenance.teardown import before_data_destroy
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.capacity import refuse_lowering_writer
from shared.orchestrator.errors import OrchestratorError, Refused, StackMissing
from shared.orchestrator.operations import Operation
from shared.orchestrator.outputs import read_outputs
from shared.orchestrator.progress import Progress, failure_message, summary, write_report
from shared.orchestrator.pulumi_cli import PulumiCli
from shared.orchestrator.safety import confirm, refuse_protected
from shared.orchestrator.scheduler import FAILED
from shared.orchestrator.stack_state import read_state
from shared.orchestrator.system import preflight, run, stale_dependents

COMMON = {
    "env": REQUIRED_ENV_HELP,
    "backend": "state backend URL (file://, s3://bucket, https://api.pulumi.com); "
               "default $PULUMI_BACKEND_URL, else .pulumi-state/ in the repository",
    "parallel": f"at most N layers at once, 1 or more (default {len(LAYERS)}: as many as the graph allows)",
    "report": "write a JSON report of the run to this file",
    "yes": "do not ask for confirmation (required without a terminal)",
}
ONE_LAYER = {k: v for k, v in COMMON.items() if k != "parallel"}
DESTROY_HELP = {**COMMON, "allow_data_loss": "also destroy an environment with dr:protectData true"}


def _select(only: str | None, from_: str | None) -> list[str]:
    if only is not None and from_ is not None:
        raise fail("--only and --from select layers in different ways; give one of them")
    if from_ is not None:
        starts = parse_layers(from_, "--from")
        if len(starts) != 1:
            raise fail("--from takes one layer: it and everything that depends on it are deployed")
        return graph.deploy_order({starts[0]} | graph.downstream_closure(starts[0]))
    return graph.deploy_order(parse_layers(only, "--only") or None)


def _execute(action: str, env: str, layers: Sequence[str], *, yes: bool, backend: str, parallel: int,
             report: str, resume: bool = True, allow_data_loss: bool = False) -> None:
    label = {"up": "deploy", "preview": "preview", "destroy": "destroy"}[action]
    order = graph.destroy_order(layers) if action == "destroy" else graph.deploy_order(layers)
    if parallel < 1:
        raise fail(f"--parallel must be 1 or more (at most that many layers at once), not {parallel}")
    with ExitStack() as reads:
        try:
            prepared = preflight(env, order, backend or None)
            operation = Operation(prepared.cli, env, action, resume=resume,
                                  unprotect=action == "destroy" and allow_data_loss)
            # Every layer's stack state is read ahead (a layer's turn then waits only for its
            # upstream outputs): from now on, beside the writer-capacity check, unless a person
            # is asked first; a prompt may stay open long enough for the state to change.
            asks = action != "preview" and not yes
            if not asks:
                reads.enter_context(operation.prefetching(order))
            if action == "up" and "data" in order:
                prepared.warnings += refuse_lowering_writer(prepared.settings["data"],
                                                            prepared.settings["data"].regions)
            for note in prepared.warnings:
                print(note, file=sys.stderr)
            if action == "destroy":
                refuse_protected(env, prepared.settings, allow_data_loss)
            if action != "preview":
                confirm(f"{label} {', '.join(order)} in environment {env!r} (account {prepared.account})?",
                        env, yes)
                if asks:
                    reads.enter_context(operation.prefetching(order))
            if action == "destroy" and "data" in order:
                before_data_destroy(prepared.settings["data"])
        except (Refused, OpsRefused) as error:
            raise fail(str(error), code=EXIT_REFUSED) from None
        except (OrchestratorError, OpsError) as error:
            raise fail(str(error)) from None
        print(f"{label} of {env}: {', '.join(order)} (logs in .runs/{env}/)", flush=True)
        with Progress(label, order) as progress:
            result = run(prepared.cli, env, action, order, parallel=parallel, listener=progress,
                         operation=operation)
    print(summary(result, order))
    if report:
        write_report(Path(report), env, label, result)
    for layer, left_out in stale_dependents(result, order).items():
        print(f"warning: {layer} published new outputs; {', '.join(left_out)} still use the old ones: "
              f"run `invoke deploy-all --env {env} --from {layer}`", file=sys.stderr)
    if result.interrupted:
        raise fail(failure_message(result, label), code=EXIT_INTERRUPTED)
    if any(o.status == FAILED for o in result.outcomes.values()):
        raise fail(failure_message(result, label), code=EXIT_FAILED)


@task(help={**COMMON, "only": "deploy only these layers (comma-separated)",
            "from_": "deploy this layer and everything that depends on it",
            "fresh": "run `pulumi up` on every selected layer, even ones already current",
            "region_down": REGION_DOWN_HELP})
def deploy_all(c: Context, env: str = "", yes: bool = False, only: str | None = None,
               from_: str | None = None, parallel: int = len(LAYERS), backend: str = "", report: str = "",
               fresh: bool = False, region_down: str = "") -> None:
    """Deploy every layer in dependency order, independent layers in parallel; re-run to resume."""
    env = require_env(env, "deploy-all")
    if region_down:
        if only or from_ or fresh:
            raise fail("--region-down runs every layer's surviving-region part; drop --only/--from/--fresh")
        run_region_down("up", env, region_down, yes=yes, backend=backend, parallel=parallel,
                        report=report)
        return
    _execute("up", env, _select(only, from_), yes=yes, backend=backend, parallel=parallel,
             report=report, resume=not fresh)


@task(help=DESTROY_HELP)
def destroy_all(c: Context, env: str = "", yes: bool = False, allow_data_loss: bool = False,
                parallel: int = len(LAYERS), backend: str = "", report: str = "") -> None:
    """Destroy every layer in reverse dependency order; refuses a protected environment."""
    _execute("destroy", require_env(env, "destroy-all"), list(LAYERS), yes=yes, backend=backend,
             parallel=parallel, report=report, allow_data_loss=allow_data_loss)


@task(help={**{k: v for k, v in COMMON.items() if k != "yes"}, "env": ENV_HELP,
            "region_down": REGION_DOWN_HELP})
def preview_all(c: Context, env: str = "", parallel: int = len(LAYERS), backend: str = "",
                report: str = "", region_down: str = "") -> None:
    """`pulumi preview` of every layer at once; layers whose upstream is not deployed are skipped."""
    env = read_env(env)
    if region_down:
        run_region_down("preview", env, region_down, yes=True, backend=backend, parallel=parallel,
                        report=report)
        return
    _execute("preview", env, list(LAYERS), yes=True, backend=backend, parallel=parallel,
             report=report)


@task(help={**ONE_LAYER, "layer": "the layer to deploy"})
def up(c: Context, layer: str, env: str = "", yes: bool = False, backend: str = "",
       report: str = "") -> None:
    """Deploy one layer (always runs `pulumi up`; its upstream layers must be deployed)."""
    _execute("up", require_env(env, "up"), _one(layer), yes=yes, backend=backend, parallel=1, report=report,
             resume=False)


@task(help={**ONE_LAYER, "allow_data_loss": DESTROY_HELP["allow_data_loss"], "layer": "the layer to destroy"})
def destroy(c: Context, layer: str, env: str = "", yes: bool = False, allow_data_loss: bool = False,
            backend: str = "", report: str = "") -> None:
    """Destroy one layer; refuses while a layer that reads it is still deployed."""
    env = require_env(env, "destroy")
    (name,) = _one(layer)
    deployed = _deployed(env, sorted(graph.dependents(name)), backend)
    if deployed:
        raise fail(f"{', '.join(deployed)} still read {name} in {env}: destroy them first "
                   f"(invoke destroy --layer {deployed[0]} --env {env}) or run invoke destroy-all",
                   code=EXIT_REFUSED)
    _execute("destroy", env, [name], yes=yes, backend=backend, parallel=1, report=report,
             allow_data_loss=allow_data_loss)


@task(help={"env": ENV_HELP, "backend": COMMON["backend"],
            "layer": "only these layers (comma-separated); default every deployed layer",
            "format": "json (default) or env (LAYER_KEY='value' lines for a shell or .env file)",
            "from_region": "read the contract mirror in SSM of this DR region instead of Pulumi "
                           "(no Pulumi CLI, state or passphrase; AWS credentials for that region)"})
def outputs(c: Context, env: str = "", layer: str | None = None, format: str = "json", backend: str = "",
            from_region: str = "") -> None:
    """Print deployed layers' outputs: what application teams read outside Pulumi."""
    if format not in ("json", "env"):
        raise fail(f"--format must be json or env, not {format!r}")
    env = read_env(env)
    chosen = parse_layers(layer)
    if from_region:
        values = _mirrored(env, from_region, chosen)
        missing = [name for name in chosen or list(LAYERS) if name not in values]
        if chosen and missing:
            raise fail(f"layer {missing[0]} has no contract mirror in {from_region} ({env}): "
                       f"run `invoke up --layer {missing[0]} --env {env}`")
        if not values:
            raise fail(f"no contract mirror of {env} in {from_region}: deploy with `invoke deploy-all "
                       f"--env {env}`, which writes it in both DR regions")
        _print_outputs(values, missing, env, format, single=len(chosen) == 1)
        return
    values = {}
    missing = []
    if not resolve_backend(backend or None).may_hold(env):
        raise fail(f"nothing is deployed in {env}: run `invoke deploy-all --env {env}`")
    try:
        cli = PulumiCli(resolve_backend(backend or None))
        for name in chosen or list(LAYERS):
            try:
                found = read_outputs(cli, name, env)
            except OrchestratorError:
                if chosen:
                    raise
                found = {}
            if found:
                values[name] = found
            else:
                missing.append(name)
    except OrchestratorError as error:
        raise fail(str(error)) from None
    _print_outputs(values, missing, env, format, single=len(chosen) == 1)


def _mirrored(env: str, region: str, layers: list[str]) -> dict[str, dict[str, Any]]:
    from shared.ops.aws.errors import OpsError
    from shared.ops.aws.mirror import mirrored_outputs
    from shared.settings import SettingsError

    try:
        return mirrored_outputs(env, region, layers, aws_clients())
    except (OpsError, SettingsError) as error:
        raise fail(str(error)) from None


def _print_outputs(values: dict[str, dict[str, Any]], missing: list[str], env: str, format: str,
                   single: bool) -> None:
    if not values:
        raise fail(f"nothing is deployed in {env}: run `invoke deploy-all --env {env}`")
    if missing:
        print(f"not deployed in {env}: {', '.join(missing)}", file=sys.stderr)
    print(render_outputs(values, format, single=single))


def render_outputs(values: dict[str, dict[str, Any]], format: str, single: bool = False) -> str:
    if format == "json":
        document: Any = next(iter(values.values())) if single else values
        return json.dumps(document, indent=2, sort_keys=True)
    lines = []
    for layer, layer_values in values.items():
        prefix = layer.upper().replace("-", "_")
        for key, value in sorted(layer_values.items()):
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            lines.append(f"{prefix}_{key.upper()}={shlex.quote(text)}")
    return "\n".join(lines)


def _one(layer: str) -> list[str]:
    names = parse_layers(layer)
    if len(names) != 1:
        raise fail(f"--layer takes one layer; choose from {', '.join(LAYERS)}")
    return names


def _deployed(env: str, layers: list[str], backend: str) -> list[str]:
    try:
        cli = PulumiCli(resolve_backend(backend or None))
    except OrchestratorError as error:
        raise fail(str(error)) from None
    deployed = []
    for layer in layers:
        try:
            # Outputs, or resources without them: a first update that failed before the program
            # exported anything still holds what it created, which reads this layer.
            if read_outputs(cli, layer, env) or read_state(cli, layer, env).resources:
                deployed.append(layer)
        except StackMissing:
            continue
        except OrchestratorError as error:
            # Not knowing is not "not deployed": destroying what it reads could break it.
            raise fail(f"cannot tell whether {layer} still reads this layer, so nothing was "
                       f"destroyed: {error}") from None
    return deployed
