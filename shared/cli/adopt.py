"""`invoke adopt`: put what a protected destroy kept back under the stacks, before a redeploy."""

from __future__ import annotations

from invoke import Context

from shared import graph
from shared.cli.common import EXIT_FAILED, EXIT_REFUSED, fail, parse_layers, require_env, task
from shared.cli.deploy import COMMON
from shared.contracts import LAYERS
from shared.orchestrator.errors import OrchestratorError, Refused


@task(help={"env": COMMON["env"], "backend": COMMON["backend"], "yes": COMMON["yes"],
            "layer": "only these layers (comma-separated); default every layer that kept something"})
def adopt(c: Context, env: str = "", layer: str | None = None, backend: str = "", yes: bool = False) -> None:
    """Import what a protected destroy kept back into its stacks, before deploying again.

    `pulumi import` of the resources `destroy --allow-data-loss` exported under
    .runs/<env>/retained/, so `invoke deploy-all` finds the stores under its stacks instead of
    failing on AlreadyExists."""
    from shared.orchestrator.adopt import adopt_layers, retained_export
    from shared.orchestrator.safety import confirm
    from shared.orchestrator.system import preflight

    env = require_env(env, "adopt")
    order = graph.deploy_order(parse_layers(layer) or list(LAYERS))
    kept = [name for name in order if retained_export(env, name).is_file()]
    if not kept:
        raise fail(f"nothing to adopt in {env}: no export of kept resources under "
                   f"{retained_export(env, '<layer>').parent} (`invoke destroy-all --env {env} "
                   "--allow-data-loss` writes one per protected layer)")
    try:
        prepared = preflight(env, kept, backend or None)
        confirm(f"import what {env} kept into {', '.join(kept)} (account {prepared.account})?", env, yes)
        region = prepared.settings[kept[0]].primary_region
        adopted = adopt_layers(prepared.cli, env, kept, region, lambda line: print(line, flush=True))
    except Refused as error:
        raise fail(str(error), code=EXIT_REFUSED) from None
    except OrchestratorError as error:
        raise fail(str(error), code=EXIT_FAILED) from None
    print(f"adopted {', '.join(adopted)}: run `invoke deploy-all --env {env}` to deploy the rest")
