"""`invoke deploy-all|preview-all --region-down REGION`: repair from the surviving region alone.

Order of checks, each one line and nothing run on failure: the region is one of the
environment's two; the state backend does not live in it; preflight (settings, provider homes,
CLI, passphrase, STS in the surviving region); the offline plan, whose resources all name their
region (so re-homing the provider replaces nothing); the data layer would not lower the Aurora
writer's live range (shared/orchestrator/capacity.py). Then each layer runs targeted at what lives
in the surviving region (shared/orchestrator/degraded.py), and the summary lists what is left.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared import graph
from shared.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_REFUSED, fail, offline_plan
from shared.config import settings_for
from shared.contracts import LAYERS
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.backend_region import refuse_backend_in
from shared.orchestrator.capacity import refuse_lowering_writer
from shared.orchestrator.degraded import DegradedOperation, layer_targets, left_for_later, surviving_region
from shared.orchestrator.errors import OrchestratorError, Refused
from shared.orchestrator.progress import Progress, failure_message, summary, write_report
from shared.orchestrator.safety import confirm
from shared.orchestrator.scheduler import FAILED, run_graph
from shared.orchestrator.system import preflight, waits_for
from shared.providers import unhomed_resources
from shared.settings import SettingsError

HELP = ("the region that is down (e.g. us-east-1): run only what lives in the other one, provider "
        "and STS homed there, no refresh; what is left is listed for when it returns")


def run_region_down(action: str, env: str, down: str, *, yes: bool, backend: str, parallel: int,
                    report: str) -> None:
    label = {"up": "deploy", "preview": "preview"}[action]
    order = graph.deploy_order(list(LAYERS))
    if parallel < 0:
        raise fail(f"--parallel must be 0 (unbounded) or more, not {parallel}")
    try:
        survivor = surviving_region(settings_for(env), down)
        refuse_backend_in(resolve_backend(backend or None), down, survivor)
        prepared = preflight(env, order, backend or None, sts_region=survivor)
    except SettingsError as error:
        raise fail(str(error)) from None
    except Refused as error:
        raise fail(str(error), code=EXIT_REFUSED) from None
    except OrchestratorError as error:
        raise fail(str(error)) from None
    plan = offline_plan(env, {})
    unhomed = [urn for run in plan.runs for urn in unhomed_resources(run.resources)]
    if unhomed:
        raise fail(f"{unhomed[0]} takes its region from the provider, so re-homing the provider to "
                   f"{survivor} would replace it; give it region= in its component", code=EXIT_REFUSED)
    targets = {run.name: layer_targets(run.name, run.resources, survivor) for run in plan.runs}
    if action == "up":
        try:
            for note in refuse_lowering_writer(prepared.settings["data"], [survivor]):
                print(note, file=sys.stderr)
            confirm(f"deploy what lives in {survivor} of {env} while {down} is down "
                    f"(account {prepared.account})?", env, yes)
        except Refused as error:
            raise fail(str(error), code=EXIT_REFUSED) from None
    print(f"{label} of {env} from {survivor} alone ({down} down): {', '.join(order)} "
          f"(logs in .runs/{env}/)", flush=True)
    operation = DegradedOperation(prepared.cli, env, action, down=down, survivor=survivor,
                                  targets=targets)
    with Progress(label, order) as progress:
        result = run_graph(order, waits_for(action), operation, parallel=parallel, listener=progress)
    print(summary(result, order))
    print(left_for_later(result, targets, down, env))
    if report:
        write_report(Path(report), env, f"{label} --region-down {down}", result)
    if result.interrupted:
        raise fail(failure_message(result, label), code=EXIT_INTERRUPTED)
    if any(o.status == FAILED for o in result.outcomes.values()):
        raise fail(failure_message(result, label), code=EXIT_FAILED)
