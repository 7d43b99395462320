"""A Comparison as a person reads it: terminal text, or Markdown for a pull-request comment."""

from __future__ import annotations

import json
from typing import Any

from shared.plan.compare import ACTIONS, Comparison, LayerDiff, OutputChange, ResourceChange

SYMBOLS = {"add": "+", "replace": "+-", "update": "~", "delete": "-"}
VERBS = {"add": "to add", "replace": "to replace", "update": "to update", "delete": "to delete"}
MARKER = "<!-- dr: invoke plan --compare -->"  # lets CI find and edit its own comment
# GitHub refuses a comment body over 65,536 characters; CI posts dev's and prod's reports in
# one comment, so each gets less than half.
COMMENT_LIMIT = 65_536
MARKDOWN_BUDGET = 30_000


def totals(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[action]} {VERBS[action]}" for action in ACTIONS)


def _counts(item: Comparison | LayerDiff) -> dict[str, int]:
    return {action: item.count(action) for action in ACTIONS}


def _why(change: ResourceChange) -> str:
    parts = []
    if change.causes:
        parts.append("replaced: " + ", ".join(change.causes))
    other = [name for name in change.inputs if name not in change.causes]
    if other:
        parts.append(("also " if change.causes else "") + ", ".join(other))
    if change.after:
        parts.append("reads new IDs of " + ", ".join(change.after))
    return "; ".join(parts)


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def _output_line(change: OutputChange) -> str:
    if change.replaced_by:
        return f"new value once {change.replaced_by} is replaced"
    if change.action == "add":
        return f"new: {_short(change.after)}"
    if change.action == "delete":
        return f"removed (was {_short(change.before)})"
    return f"{_short(change.before)} -> {_short(change.after)}"


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def _heading(comparison: Comparison) -> str:
    return (f"Offline plan of {comparison.environment!r}: the working tree against "
            f"{comparison.base} ({comparison.commit[:12]})")


def text(comparison: Comparison, cost: str = "") -> str:
    """`cost`: the monthly cost line (shared.cost.change), shown under the heading."""
    lines = [_heading(comparison)] + ([f"  {cost}"] if cost else [])
    for layer in comparison.layers:
        if not layer.resources and not layer.outputs:
            lines.append(f"  {layer.name}: no changes")
            continue
        lines.append(f"  {layer.name}: {totals(_counts(layer))}")
        for change in layer.resources:
            why = _why(change)
            lines.append(f"    {SYMBOLS[change.action]:<2} {change.type}  {change.name}"
                         + (f"  ({why})" if why else ""))
        for output in layer.outputs:
            lines.append(f"    output {SYMBOLS[output.action]} {output.name}: {_output_line(output)}")
    lines.append(f"  total: {totals(_counts(comparison))}")
    return "\n".join(lines)


def markdown(comparison: Comparison, cost: list[str] | None = None,
             budget: int = MARKDOWN_BUDGET) -> str:
    """The comment, within `budget` characters: one row per resource when that fits, else one
    row per kind of change (action, type, inputs), else the first rows and a note. `cost`: the
    monthly cost section (shared.cost.change), shown under the totals."""
    report = _markdown(comparison, cost, grouped=False)
    if len(report) > budget:
        report = _markdown(comparison, cost, grouped=True)
    if len(report) <= budget:
        return report
    note = (f"\n_Cut to fit a pull-request comment; `invoke plan --env {comparison.environment} "
            f"--compare {comparison.base}` prints every change._\n")
    kept = report[: budget - len(note)]
    return kept[: kept.rfind("\n")] + "\n" + note


def _rows(layer: LayerDiff, grouped: bool) -> list[str]:
    if not grouped:
        return [f"| {change.action} | `{change.name}` | `{change.type}` | {_cell(_why(change))} |"
                for change in layer.resources]
    kinds: dict[tuple[str, str, str], list[str]] = {}
    for change in layer.resources:
        kinds.setdefault((change.action, change.type, _why(change)), []).append(change.name)
    rows = []
    for (action, token, why), names in kinds.items():
        named = f"`{names[0]}`" if len(names) == 1 else f"{len(names)} resources (`{names[0]}`, ...)"
        rows.append(f"| {action} | {named} | `{token}` | {_cell(why)} |")
    return rows


def _markdown(comparison: Comparison, cost: list[str] | None, grouped: bool) -> str:
    lines = [MARKER, f"### {_heading(comparison)}", "", f"**{totals(_counts(comparison))}**"]
    if cost:
        lines += ["", *cost]
    quiet = [layer.name for layer in comparison.layers if not layer.resources and not layer.outputs]
    if quiet:
        lines += ["", "No changes in " + ", ".join(f"`{name}`" for name in quiet) + "."]
    for layer in comparison.layers:
        if not layer.resources and not layer.outputs:
            continue
        lines += ["", f"#### `{layer.name}`: {totals(_counts(layer))}", ""]
        if layer.resources:
            lines += ["| | Resource | Type | Inputs |", "|---|---|---|---|"]
            lines += _rows(layer, grouped)
        if layer.outputs:
            lines += ["", "| Published output | Change |", "|---|---|"]
            lines += [f"| `{output.name}` | {_cell(_output_line(output))} |"
                      for output in layer.outputs]
    lines += ["", "_Offline, under Pulumi's mock runtime: replacements follow the provider's "
              "force-new inputs (shared/plan/force_new.yaml); secrets are not compared._"]
    return "\n".join(lines) + "\n"
