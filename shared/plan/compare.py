"""What a change does: two offline plans compared resource by resource, as `pulumi preview`
would classify them (add, replace, update, delete), plus the published outputs that change."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.plan.conditional import conditional_causes

FORCE_NEW_FILE = Path(__file__).with_name("force_new.yaml")
ACTIONS = ("add", "replace", "update", "delete")
# Read-only: a StackReference reads another stack, it has no provider diff.
_NOT_MANAGED = ("pulumi:pulumi:", "pulumi:providers:")


@cache
def force_new_table() -> dict[str, frozenset[str]]:
    """Per resource type, the inputs whose change replaces it (shared/plan/force_new.yaml)."""
    document = yaml.safe_load(FORCE_NEW_FILE.read_text(encoding="utf-8"))
    common = frozenset(document["every_aws_type"])
    return {token: frozenset(entry["inputs"]) | (common if token.startswith("aws:") else set())
            for token, entry in document["types"].items()}


def managed(resource: dict[str, Any]) -> bool:
    return bool(resource["custom"]) and not resource["type"].startswith(_NOT_MANAGED)


@dataclass
class ResourceChange:
    action: str
    type: str
    name: str
    urn: str
    inputs: list[str] = field(default_factory=list)   # the inputs that differ
    causes: list[str] = field(default_factory=list)   # the inputs that force the replacement
    after: list[str] = field(default_factory=list)    # replaced resources this one is built from


@dataclass
class OutputChange:
    name: str
    action: str  # add, update or delete
    before: Any = None
    after: Any = None
    replaced_by: str = ""  # set when the value is a replaced resource's ID or ARN


@dataclass
class LayerDiff:
    name: str
    resources: list[ResourceChange]
    outputs: list[OutputChange]

    def count(self, action: str) -> int:
        return sum(1 for change in self.resources if change.action == action)


@dataclass
class Comparison:
    environment: str
    base: str     # what the user named, e.g. HEAD~1
    commit: str   # what it resolved to
    layers: list[LayerDiff]

    def count(self, action: str) -> int:
        return sum(layer.count(action) for layer in self.layers)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "base": self.base, "commit": self.commit,
            "totals": {action: self.count(action) for action in ACTIONS},
            "layers": [{
                "name": layer.name,
                "resources": [vars(change) for change in layer.resources],
                "outputs": [vars(change) for change in layer.outputs],
            } for layer in self.layers],
        }


def compare_plans(before: dict[str, Any], after: dict[str, Any], base: str = "",
                  commit: str = "") -> Comparison:
    """`after` (the working tree's plan JSON) against `before` (the base revision's)."""
    old_layers = {layer["name"]: layer for layer in before["layers"]}
    new_layers = {layer["name"]: layer for layer in after["layers"]}
    names = list(new_layers) + [name for name in old_layers if name not in new_layers]
    empty: dict[str, Any] = {"resources": [], "outputs": {}}
    diffs = [_layer_diff(name, old_layers.get(name, empty), new_layers.get(name, empty))
             for name in names]
    return Comparison(after["environment"], base, commit, diffs)


def _layer_diff(name: str, old: dict[str, Any], new: dict[str, Any]) -> LayerDiff:
    table = force_new_table()
    before = {r["urn"]: r for r in old["resources"] if managed(r)}
    after = {r["urn"]: r for r in new["resources"] if managed(r)}
    changes: dict[str, ResourceChange] = {}
    for urn, resource in after.items():
        if urn not in before:
            changes[urn] = ResourceChange("add", resource["type"], resource["name"], urn)
            continue
        differing = _changed_inputs(before[urn], resource)
        if differing:
            causes = sorted(set(differing) & table.get(resource["type"], frozenset())
                            | set(conditional_causes(resource["type"], before[urn]["inputs"],
                                                     resource["inputs"])) & set(differing))
            changes[urn] = ResourceChange("replace" if causes else "update", resource["type"],
                                          resource["name"], urn, differing, causes)
    for urn, resource in before.items():
        if urn not in after:
            changes[urn] = ResourceChange("delete", resource["type"], resource["name"], urn)
    _follow_replacements(after, changes, table)
    ordered = sorted(changes.values(), key=lambda c: (ACTIONS.index(c.action), c.type, c.name))
    return LayerDiff(name, ordered, _output_changes(old["outputs"], new["outputs"], after, changes))


def _changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    # ignoreChanges keeps the deployed value, so an ignored input never shows up in a diff.
    ignored = {re.split(r"[.\[]", path, maxsplit=1)[0] for path in new.get("ignore_changes", [])}
    keys = set(old["inputs"]) | set(new["inputs"])
    return sorted(key for key in keys - ignored
                  if old["inputs"].get(key) != new["inputs"].get(key))


def _follow_replacements(after: dict[str, dict[str, Any]], changes: dict[str, ResourceChange],
                         table: dict[str, frozenset[str]]) -> None:
    """Name, on each change, the replaced resources whose new IDs it reads (the plan's fake IDs
    follow force-new inputs, runtime.identity_seed), and mark what reads them changed, and
    replaced when the input that reads them forces it (repeatedly, as replacements cascade)."""
    replaced = {urn for urn, change in changes.items() if change.action == "replace"}
    while replaced:
        newly: set[str] = set()
        for urn, resource in after.items():
            change = changes.get(urn)
            if change and change.action not in ("update", "replace"):
                continue
            reading = {key: sorted(set(deps) & replaced)
                       for key, deps in resource.get("property_dependencies", {}).items()
                       if set(deps) & replaced}
            if not reading:
                continue
            if change is None:
                change = changes[urn] = ResourceChange("update", resource["type"],
                                                       resource["name"], urn)
            change.inputs = sorted(set(change.inputs) | set(reading))
            change.after = sorted({after[dep]["name"] for deps in reading.values()
                                   for dep in deps} | set(change.after))
            causes = set(reading) & table.get(resource["type"], frozenset())
            if causes and change.action == "update":
                change.action = "replace"
                newly.add(urn)
            change.causes = sorted(set(change.causes) | causes)
        replaced = newly


def _output_changes(old: dict[str, Any], new: dict[str, Any], after: dict[str, dict[str, Any]],
                    changes: dict[str, ResourceChange]) -> list[OutputChange]:
    identities = {value: after[urn]["name"] for urn, change in changes.items()
                  if change.action == "replace"
                  for value in (after[urn].get("id"), after[urn].get("arn")) if value}
    found: list[OutputChange] = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            found.append(OutputChange(key, "add", after=new[key]))
        elif key not in new:
            found.append(OutputChange(key, "delete", before=old[key]))
        else:
            # The plan gives a replaced resource new IDs; name it when an output carries one.
            culprit = next((identities[v] for v in _strings(new[key]) if v in identities), "")
            if old[key] != new[key] or culprit:
                found.append(OutputChange(key, "update", old[key], new[key], culprit))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
