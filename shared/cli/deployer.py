"""`invoke deployer-policy`: the IAM policies a deployer needs, generated from the offline plan."""

from __future__ import annotations

import json
import re

from invoke import Context

from shared.cli.common import fail, offline_plan, parse_layers, read_env, task

_ACCOUNT = re.compile(r"^(\*|\d{12})$")


@task(help={
    "env": "environment (the Pulumi stack name), e.g. dev or prod",
    "layer": "only these layers' policies (comma-separated); default every layer",
    "account": "the 12-digit AWS account the ARNs name (default *: any account)",
})
def deployer_policy(c: Context, env: str = "", layer: str | None = None, account: str = "*") -> None:
    """Print the IAM policies a deployer needs for exactly what the environment's plan holds.

    JSON: per layer, the documents to create, update, read, tag and delete its resource types,
    each within IAM's managed-policy size."""
    from shared.deployer.policy import DeployerPolicyError, deployer_policies

    if not _ACCOUNT.match(account):
        raise fail(f"--account must be a 12-digit AWS account ID or *, not {account!r}")
    selected = parse_layers(layer)
    env = read_env(env)
    plan = offline_plan(env, {}, selected or None)
    runs = [(run.name, run.resources) for run in plan.runs if not selected or run.name in selected]
    try:
        print(json.dumps(deployer_policies(runs, env, account), indent=2))
    except DeployerPolicyError as error:
        raise fail(str(error)) from None
