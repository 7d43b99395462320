"""Bringing what a protected destroy kept back under Pulumi: `pulumi import` of the retained set.

A protected environment's stores keep their fixed names after `destroy --allow-data-loss`, so
deploying the environment again fails on AlreadyExists until the stacks own them again. Right
before destroying a protected layer the orchestrator exports its state (`retained_export`): the
exact ID, type, name and parents of every resource it keeps. `adopt` turns that export into a
bulk import file (the kept resources with their component parents, which `pulumi import` creates
empty, CLI 3.94+) and runs `pulumi import` in the layer's folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from shared.config import runs_root
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.pulumi_cli import PulumiCli, last_line


def retained_export(environment: str, layer: str) -> Path:
    return runs_root() / environment / "retained" / f"{layer}.json"


def save_retained(cli: PulumiCli, layer: str, environment: str) -> Path:
    """Export the layer's state before a protected destroy removes it (the IDs adopt needs)."""
    path = retained_export(environment, layer)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = cli.run(["stack", "export", "--stack", environment, "--file", str(path)], layer)
    if result.returncode != 0:
        raise OrchestratorError(f"layer {layer}: `pulumi stack export` failed before the destroy "
                                f"(nothing destroyed): {last_line(result.stderr or result.stdout)}")
    return path


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def import_file(deployment: dict[str, Any], default_region: str) -> dict[str, Any]:
    """The bulk import file for the kept resources of an exported deployment.

    A resource in another region than the provider's is imported as `<id>@<region>` (pulumi-aws
    v7's enhanced region support); parents are the kept resources' component ancestors, declared
    first and referenced by name.
    """
    resources = deployment.get("deployment", deployment).get("resources") or []
    by_urn = {r["urn"]: r for r in resources}
    # AWS resources only: a random password's import ID is its value, which the export holds
    # only encrypted; left out, the next `up` generates new ones (see docs/protected-destroy.md).
    kept = [r for r in resources if r.get("custom") and r.get("retainOnDelete")
            and r["type"].startswith("aws:")]
    ancestors: list[str] = []
    for resource in kept:
        parent = resource.get("parent")
        while parent in by_urn and not by_urn[parent].get("custom") \
                and by_urn[parent]["type"] != "pulumi:pulumi:Stack":
            if parent not in ancestors:
                ancestors.append(parent)
            parent = by_urn[parent].get("parent")
    names = [_name(urn) for urn in [*ancestors, *(r["urn"] for r in kept)]]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise OrchestratorError(f"cannot adopt: names {duplicated} are not unique in the layer")

    def parent_of(resource: dict[str, Any]) -> dict[str, str]:
        parent = resource.get("parent")
        return {"parent": _name(parent)} if parent in ancestors else {}

    # Outer components first: each one's parent is declared before it.
    ordered = sorted(ancestors, key=lambda urn: urn.count("$"))
    entries: list[dict[str, Any]] = [{"type": by_urn[urn]["type"], "name": _name(urn), "component": True,
                                      **parent_of(by_urn[urn])} for urn in ordered]
    for resource in kept:
        region = (resource.get("outputs") or {}).get("region") or (resource.get("inputs") or {}).get("region")
        resource_id = str(resource["id"])
        if region and region != default_region:
            resource_id = f"{resource_id}@{region}"
        entries.append({"type": resource["type"], "name": _name(resource["urn"]), "id": resource_id,
                        **parent_of(resource)})
    return {"resources": entries}


def adopt_layers(cli: PulumiCli, environment: str, layers: Iterable[str], default_region: str,
                 report: Callable[[str], None]) -> list[str]:
    """Import each layer's kept resources; returns the layers adopted, in order."""
    adopted = []
    for layer in layers:
        exported = retained_export(environment, layer)
        if not exported.is_file():
            continue
        plan = import_file(json.loads(exported.read_text()), default_region)
        if not plan["resources"]:
            continue
        path = exported.with_suffix(".import.json")
        path.write_text(json.dumps(plan, indent=2))
        cli.select_stack(layer, environment)
        count = sum(1 for entry in plan["resources"] if "id" in entry)
        report(f"{layer}: importing {count} kept resources ({path})")
        result = cli.run(["import", "--file", str(path), "--stack", environment, "--yes",
                          "--non-interactive", "--generate-code=false"], layer, timeout=3600)
        if result.returncode != 0:
            raise OrchestratorError(f"layer {layer}: `pulumi import` failed: "
                                    f"{last_line(result.stderr or result.stdout)}; the import file is {path}")
        adopted.append(layer)
    return adopted
