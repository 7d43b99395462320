"""What both drills measure the same way, and how their reports say it: the user-visible outage
per entry point and window (from the prober's answers), and the data loss per move and store
(from the heartbeats)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.ops.aws.topology import DrTopology
from shared.ops.drills.heartbeat import Rpo
from shared.ops.drills.user_probe import Answer, Outage, expected_region, user_outage
from shared.ops.engines.move import FailoverResult

# (window name, start on the prober's clock, end or None, the region that serves after it)
Window = tuple[str, float, float | None, str]


def outages(topology: DrTopology, entries: Sequence[str], answers: list[Answer],
            windows: Sequence[Window]) -> dict[str, dict[str, Outage]]:
    """Per entry point and window: first bad answer to first good one from the region serving."""
    return {entry: {name: user_outage(answers, entry, since=start, until=end,
                                      new_region=expected_region(topology, entry, target))
                    for name, start, end, target in windows}
            for entry in entries}


def _seconds(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.1f} s"


def rpo_lines(rpo: dict[str, list[Rpo]]) -> list[str]:
    def loss(r: Rpo) -> str:
        return "not measured" if r.gap_beats is None else f"{r.gap_beats} beats, {r.gap_seconds or 0:.1f} s"

    lines = [f"- Data loss ({move}, {r.store}): {loss(r)} ({r.explanation})"
             for move, stores in rpo.items() for r in stores]
    return lines or ["- Data loss: not measured (no heartbeat ran)"]


def outage_table(user_outage: dict[str, dict[str, Outage]]) -> list[str]:
    if not user_outage:
        return []
    lines = ["", "## User-visible outage per entry point", "",
             "| entry point | window | seconds | what the prober saw |", "|---|---|---:|---|"]
    return lines + [f"| {entry} | {window} | {_seconds(outage.seconds, 'not recovered')} | "
                    f"{outage.explanation.replace('|', '/')} |"
                    for entry, windows in user_outage.items() for window, outage in windows.items()]


def move_table(title: str, result: FailoverResult) -> list[str]:
    """One move's steps, as the drill reports list them."""
    return (["", f"## {title}: {result.source_region} -> {result.target_region} ({result.mode})", "",
             "| step | outcome | seconds | detail |", "|---|---|---:|---|"]
            + [f"| {s.name} | {s.outcome} | {s.seconds:.1f} | {s.detail.replace('|', '/')} |"
               for s in result.steps])


# The steps that bring a standing-by region up (dr:strategy): the client-side engine's and the
# Region switch plan's custom action (shared/ops/engines/bring_up.py, bring_up_step.py).
BRING_UP_STEPS = ("bring-up", "bring-up-database")


def strategy_facts(strategy: str, failover: FailoverResult | None) -> dict[str, Any]:
    """The strategy and the seconds the failover spent bringing the secondary up (None: no such
    step ran), so a team sees the recovery time its strategy buys."""
    steps = [s for s in failover.steps if s.name in BRING_UP_STEPS] if failover else []
    return {"strategy": strategy,
            "bring_up_seconds": round(sum(s.seconds for s in steps), 1) if steps else None}


def strategy_line(facts: dict[str, Any]) -> str:
    seconds = facts["bring_up_seconds"]
    spent = ("no bring-up step ran" if seconds is None
             else f"bringing the secondary up took **{seconds:.1f} s** of the recovery time")
    return f"- DR strategy: {facts['strategy']}; {spent}"


def write_report(directory: Path, prefix: str, started_at: str, markdown: str,
                 data: dict[str, Any]) -> tuple[Path, Path]:
    """`<prefix>-<start>.md` and `.json` in `directory` (created), named by the drill's start."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = started_at.replace("+00:00", "Z").replace(":", "")
    paths = directory / f"{prefix}-{stamp}.md", directory / f"{prefix}-{stamp}.json"
    paths[0].write_text(markdown, encoding="utf-8")
    paths[1].write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return paths
