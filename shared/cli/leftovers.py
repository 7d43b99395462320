"""`invoke clean-leftovers`: what AWS created by itself in the VPCs, removed before a destroy.

`invoke destroy-all` and `invoke destroy --layer network-*` do this on their own; this task is for
a plain `pulumi destroy` in a network layer's folder (run it after global-traffic is destroyed).
"""

from __future__ import annotations

import threading

from invoke import Context

from shared.cli.common import REQUIRED_ENV_HELP, fail, parse_layers, require_env, task
from shared.contracts import LAYERS
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.leftovers import clean_before_destroy, owns_vpc
from shared.orchestrator.pulumi_cli import PulumiCli


@task(help={"env": REQUIRED_ENV_HELP,
            "layer": "only these network layers (comma-separated); default every one",
            "backend": "state backend URL; default $PULUMI_BACKEND_URL, else .pulumi-state/"})
def clean_leftovers(c: Context, env: str = "", layer: str | None = None, backend: str = "") -> None:
    """Wait for Global Accelerator's network interfaces to leave each VPC, then delete its group."""
    env = require_env(env, "clean-leftovers")
    chosen = parse_layers(layer) or [name for name in LAYERS if owns_vpc(name)]
    refused = [name for name in chosen if not owns_vpc(name)]
    if refused:
        raise fail(f"{refused[0]} owns no VPC; give a network layer")
    try:
        cli = PulumiCli(resolve_backend(backend or None))
        for name in chosen:
            clean_before_destroy(cli, name, env, print, threading.Event())
    except OrchestratorError as error:
        raise fail(str(error)) from None
    print(f"no Global Accelerator leftovers remain in {', '.join(chosen)} ({env})")
