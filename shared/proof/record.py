"""The proof's shareable report: what ran, how long, what it cost, what the drills measured, and
with which versions, dated, as Markdown (to publish) and JSON (to compare runs)."""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from shared.proof.run import StepOutcome

PACKAGES = ("pulumi", "pulumi-aws", "boto3")


def versions(repo: Path) -> dict[str, str]:
    """The code and tools the run used: commit, Python, Pulumi CLI, the Python packages."""
    def output(*argv: str) -> str:
        try:
            done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "not found"
        return done.stdout.strip() or "not found" if done.returncode == 0 else "not found"

    found = {"commit": output("git", "rev-parse", "HEAD"), "python": platform.python_version(),
             "pulumi CLI": output("pulumi", "version")}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def drill_results(runs: Path, since: float) -> list[dict[str, Any]]:
    """The drill reports written during the run (newer than `since`, a file time): recovery
    times, data loss per store and the worst user-visible outage per move."""
    found = []
    for path in sorted(runs.glob("drill-*.json"), key=lambda p: p.stat().st_mtime):
        if path.stat().st_mtime < since:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        rpo = {f"{move} {r['store']}": r.get("gap_seconds")
               for move, stores in (data.get("rpo") or {}).items() for r in stores}
        # Per move, the worst entry point; an entry point that never recovered (None) is the worst.
        by_window: dict[str, list[float | None]] = {}
        for windows in (data.get("user_outage") or {}).values():
            for window, seen in windows.items():
                by_window.setdefault(window, []).append(seen.get("seconds"))
        outage = {window: None if None in values else max(v for v in values if v is not None)
                  for window, values in by_window.items()}
        found.append({"kind": data.get("kind", "planned"), "outcome": data.get("outcome"),
                      "report": path.with_suffix(".md").name,
                      "recovery_seconds": data.get("recovery_seconds"),
                      "failback_seconds": data.get("failback_seconds"),
                      "data_loss_seconds": rpo, "worst_user_outage_seconds": outage})
    return found


@dataclass(frozen=True)
class ProofRecord:
    environment: str
    started_at: str
    outcomes: Sequence[StepOutcome]
    monthly_standing: float  # USD a month while deployed, from `invoke cost`
    hours_per_month: float
    drills: list[dict[str, Any]]
    versions: dict[str, str]

    def step_cost(self, outcome: StepOutcome) -> float:
        """Standing charges for the step's duration (an upper bound while deploying or destroying)."""
        hours = outcome.seconds / 3600 if outcome.deployed else 0.0
        return self.monthly_standing / self.hours_per_month * hours

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "started_at": self.started_at, "passed": self.passed,
                "monthly_standing_usd": round(self.monthly_standing, 2),
                "steps": [{**outcome.__dict__, "seconds": round(outcome.seconds, 1),
                           "standing_cost_usd": round(self.step_cost(outcome), 2)}
                          for outcome in self.outcomes],
                "total_seconds": round(sum(o.seconds for o in self.outcomes), 1),
                "total_standing_cost_usd": round(sum(self.step_cost(o) for o in self.outcomes), 2),
                "drills": self.drills, "versions": self.versions}

    def markdown(self) -> str:
        def seconds(value: float | None) -> str:
            return "not measured" if value is None else f"{value:.1f} s"

        data = self.to_json()
        lines = [f"# Sandbox proof of environment {self.environment}: "
                 f"{'PASSED' if self.passed else 'FAILED'}", "",
                 f"- Started {self.started_at}; {data['total_seconds'] / 60:.0f} minutes in all; standing "
                 f"charges about ${data['total_standing_cost_usd']:.2f} (at ${self.monthly_standing:,.2f} a "
                 "month while deployed, usage not included)", "",
                 "| step | command | result | minutes | standing cost |", "|---|---|---|---:|---:|"]
        for step in data["steps"]:
            result = "skipped" if step["exit_code"] is None else (
                "passed" if step["exit_code"] == 0 else f"failed (exit {step['exit_code']})")
            lines.append(f"| {step['name']} | `{step['command']}` | {result} | {step['seconds'] / 60:.1f} | "
                         f"${step['standing_cost_usd']:.2f} |")
        for drill in self.drills:
            title = f"{drill['kind'].capitalize()} drill: {drill['outcome']} ({drill['report']})"
            lines += ["", f"## {title}", "",
                      f"- Recovery time (failover): {seconds(drill['recovery_seconds'])}; failback: "
                      f"{seconds(drill['failback_seconds'])}"]
            lines += [f"- Data loss ({store}): {seconds(value)}"
                      for store, value in drill["data_loss_seconds"].items()]
            lines += [f"- Worst user-visible outage ({window}): {seconds(value)}"
                      for window, value in drill["worst_user_outage_seconds"].items()]
        lines += ["", "## Versions", ""] + [f"- {name}: `{value}`" for name, value in self.versions.items()]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        """`proof-<date>.md` and `.json` in `directory`, dated by the run's start."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.fromisoformat(self.started_at).astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
        paths = directory / f"proof-{stamp}.md", directory / f"proof-{stamp}.json"
        paths[0].write_text(self.markdown(), encoding="utf-8")
        paths[1].write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return paths
