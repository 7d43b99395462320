"""The drill reports' picture: a Mermaid gantt of each move's steps and each entry point's
user-visible outage, on one wall-clock axis, beside the tables that give the exact figures.

GitHub and most Markdown viewers draw a ```mermaid block. Step records carry their end time to
the second and their duration, so a step's bar starts at `at - seconds` (to about a second); an
outage's bar runs from the prober's first bad answer for its measured length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from shared.ops.drills.user_probe import Outage
from shared.ops.engines.move import FailoverResult

# Mermaid gantt dates are parsed with this format; bars are given as start and a length in ms.
DATE_FORMAT = "YYYY-MM-DD HH:mm:ss.SSS"
_UNSAFE = re.compile(r"[:;#%]")  # a task's label ends at ':'; ';' and '#', '%%' start other syntax


def _label(text: str) -> str:
    return _UNSAFE.sub(" ", text).strip() or "step"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _bar(label: str, tags: Sequence[str], start: datetime, seconds: float) -> str:
    length = max(1, round(seconds * 1000))  # Mermaid draws nothing for a zero-length bar
    return f"  {_label(label)} :{''.join(t + ', ' for t in tags)}{_when(start)}, {length}ms"


def gantt(moves: Sequence[tuple[str, FailoverResult | None]],
          outages: Mapping[str, Mapping[str, Outage]]) -> list[str]:
    """The timeline section, or nothing when there is nothing timed to draw."""
    body: list[str] = []
    for title, result in moves:
        if result is None or not result.steps:
            continue
        body.append(f"  section {_label(title)}")
        for step in result.steps:
            end = datetime.fromisoformat(step.at)
            tags = ["crit"] if step.outcome == "failed" else []
            body.append(_bar(f"{step.name} ({step.outcome})", tags, end - timedelta(seconds=step.seconds),
                             step.seconds))
    seen = [(entry, window, outage) for entry, windows in outages.items()
            for window, outage in windows.items() if outage.first_bad is not None]
    if seen:
        body.append("  section User-visible outage")
        for entry, window, outage in seen:
            assert outage.first_bad is not None
            start = datetime.fromisoformat(outage.first_bad.wall)
            if outage.seconds is None:
                body.append(_bar(f"{entry} {window} not recovered", ["crit", "milestone"], start, 0))
            else:
                body.append(_bar(f"{entry} {window} {outage.seconds:.1f} s", ["crit"], start, outage.seconds))
    if not body:
        return []
    return ["", "## Timeline", "", "```mermaid", "gantt", "  title What ran and what users saw (UTC)",
            f"  dateFormat {DATE_FORMAT}", "  axisFormat %H:%M:%S", *body, "```"]
