"""Read a deployed layer's outputs: what application teams and DR operations consume."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from shared.contracts import LAYERS
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.errors import OrchestratorError, StackMissing
from shared.orchestrator.pulumi_cli import PulumiCli, last_line

MISSING_STACK = ("no stack named", "not found", "does not exist")


def stack_outputs(layer: str, env: str, *, backend: str | None = None) -> dict[str, Any]:
    """`pulumi stack output --json --show-secrets` of `layer`'s stack `env`, as a dict."""
    if layer not in LAYERS:
        raise OrchestratorError(f"unknown layer {layer!r}; choose from {', '.join(LAYERS)}")
    cli = PulumiCli(resolve_backend(backend))
    return read_outputs(cli, layer, env)


def read_outputs(cli: PulumiCli, layer: str, env: str) -> dict[str, Any]:
    fix = f"run `invoke up --layer {layer} --env {env}`"
    try:
        result = cli.run(["stack", "output", "--json", "--show-secrets", "--stack", env], layer)
    except subprocess.TimeoutExpired:
        raise OrchestratorError(f"layer {layer} ({env}): `pulumi stack output` timed out") from None
    if result.returncode != 0:
        message = last_line(result.stderr or result.stdout)
        if any(marker in message.lower() for marker in MISSING_STACK):
            raise StackMissing(f"layer {layer} has no stack {env}: {fix}")
        raise OrchestratorError(f"layer {layer} ({env}): pulumi stack output failed: {message}")
    try:
        values = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        raise OrchestratorError(
            f"layer {layer} ({env}): pulumi stack output did not return JSON: "
            f"{last_line(result.stdout)}"
        ) from None
    if not isinstance(values, dict):
        raise OrchestratorError(f"layer {layer} ({env}): pulumi stack output is not a JSON object")
    return values
