"""Queries over an offline plan, so assertions read like a reviewer's checklist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from shared import ci_settings
from shared.config import REPO_ROOT
from shared.plan.plan import Plan, build_plan


@cache
def _plan(environment: str, overrides: tuple[tuple[str, str], ...]) -> Plan:
    # As CI plans it: prod with the explicit test certificates (shared/ci_settings.py).
    return build_plan(environment, {**ci_settings.overrides(environment), **dict(overrides)})


def plan_of(environment: str = "dev", **overrides: str) -> Plan:
    """The offline plan for `environment`; keyword overrides are `dr:` keys in snake form.

    plan_of("dev", hostedZoneId="Z123") plans with dr:hostedZoneId=Z123. Cached per argument set.
    """
    return _plan(environment, tuple(sorted((f"dr:{k}", v) for k, v in overrides.items())))


def resources(plan: Plan, layer: str, type_token: str | None = None,
              region: str | None = None) -> list[dict[str, Any]]:
    """Custom resources of `layer`, optionally of one Pulumi type token and region."""
    return [
        r for r in plan.layer(layer).resources
        if r["custom"] and (type_token is None or r["type"] == type_token)
        and (region is None or r["region"] == region)
    ]


def one(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, f"expected exactly one, found {len(items)}: {[i['name'] for i in items]}"
    return items[0]


def outputs(plan: Plan, layer: str) -> dict[str, Any]:
    return plan.layer(layer).outputs.values


def by_urn(plan: Plan, layer: str) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in plan.layer(layer).resources}


def copy_stacks(destination: Path) -> Path:
    """The layer folders copied under `destination`, so a test can add a Pulumi.<env>.yaml; one
    copy per destination, shared by the fixtures that ask for it (`stacks`, `standin`)."""
    if (destination / "stacks").is_dir():
        return destination / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", destination / "stacks",
                    ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
    return destination / "stacks"


def copy_repository(destination: Path) -> Path:
    """What `python -m invoke` needs, copied: run there, it imports the copy's `shared`."""
    copy_stacks(destination)
    shutil.copytree(REPO_ROOT / "shared", destination / "shared",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("tasks.py", "Pulumi.base.yaml"):
        shutil.copy(REPO_ROOT / name, destination / name)
    return destination


def invoke_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, capture_output=True,
                          text=True, check=False, timeout=300)


def mirror_parameters(plan: Plan) -> list[dict[str, Any]]:
    """The contract mirror as the plan writes it: each parameter's region and PutParameter fields."""
    from shared.contracts.mirror import contract_prefix

    prefix = contract_prefix(plan.environment)
    return [
        {"Region": r["region"], "Name": r["inputs"]["name"], "Type": r["inputs"]["type"],
         "Value": r["inputs"].get("insecureValue", r["inputs"].get("value")), "Tier": r["inputs"]["tier"]}
        for run in plan.runs for r in run.resources
        if r["type"] == "aws:ssm/parameter:Parameter" and r["inputs"]["name"].startswith(prefix)
    ]


def publish_mirror(plan: Plan, ssm_in: Any, regions: tuple[str, ...] | None = None) -> int:
    """PutParameter every mirror parameter of `plan` through `ssm_in(region)` (e.g. moto-backed
    clients), in `regions` only when given; returns how many were written."""
    written = 0
    for parameter in mirror_parameters(plan):
        region = parameter.pop("Region")
        if regions is None or region in regions:
            ssm_in(region).put_parameter(**parameter, Overwrite=True)
            written += 1
    return written
