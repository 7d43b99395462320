"""Run the sandbox proof's steps, time each, and always end by destroying what was deployed.

Each step is a command line run as a child process (the same `invoke` tasks a person would type),
so the proof exercises exactly what the runbook documents. When a step after the deployment
fails, the rest are skipped except destroy-all: a failed proof must not leave a bill running.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PREFLIGHT, DEPLOY, LIVE_TESTS, PLANNED_DRILL, OUTAGE_DRILL, DESTROY = (
    "prerequisites", "deploy", "live tests", "planned drill", "outage drill", "destroy")


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    deployed: bool = True  # the system is (being) deployed while this step runs: standing charges


@dataclass
class StepOutcome:
    name: str
    command: str
    started_at: str
    seconds: float
    exit_code: int | None  # None: skipped
    deployed: bool

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def default_steps(env: str) -> list[Step]:
    """The runbook's steps for environment `env` (docs/sandbox-proof.md)."""
    invoke = (sys.executable, "-m", "invoke")
    return [
        # preview-all runs deploy-all's preflight (settings, Pulumi CLI, passphrase, credentials).
        Step(PREFLIGHT, (*invoke, "preview-all", "--env", env), deployed=False),
        Step(DEPLOY, (*invoke, "deploy-all", "--env", env, "--yes")),
        Step(LIVE_TESTS, (sys.executable, "-m", "pytest", "tests/integration", "-q"),
             env={"DR_INTEGRATION": "1", "DR_ENV": env}),
        Step(PLANNED_DRILL, (*invoke, "drill", "--env", env)),
        Step(OUTAGE_DRILL, (*invoke, "drill", "--env", env, "--kind", "outage")),
        Step(DESTROY, (*invoke, "destroy-all", "--env", env, "--yes")),
    ]


def _execute(step: Step, cwd: Path) -> int:
    import os

    return subprocess.run(step.argv, cwd=cwd, env={**os.environ, **step.env}, check=False).returncode


def run_steps(steps: Sequence[Step], cwd: Path, echo: Callable[[str], None] = print,
              execute: Callable[[Step, Path], int] = _execute,
              clock: Callable[[], float] = time.monotonic) -> list[StepOutcome]:
    """Each step in order; after a failure only the last step (destroy) still runs, and only
    when something may have been deployed (the prerequisites passed)."""
    outcomes: list[StepOutcome] = []
    failed = False
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        command = " ".join(step.argv[2:] if step.argv[:3] == (sys.executable, "-m", "invoke") else step.argv)
        started = datetime.now(UTC).replace(microsecond=0).isoformat()
        preflight_failed = failed and bool(outcomes) and not outcomes[0].passed
        if failed and (not last or preflight_failed):
            outcomes.append(StepOutcome(step.name, command, started, 0.0, None, step.deployed))
            echo(f"proof: {step.name}: skipped (an earlier step failed)")
            continue
        echo(f"proof: {step.name}: {command}")
        begin = clock()
        code = execute(step, cwd)
        outcomes.append(StepOutcome(step.name, command, started, clock() - begin, code, step.deployed))
        echo(f"proof: {step.name}: {'passed' if code == 0 else f'failed (exit {code})'} "
             f"in {clock() - begin:.0f} s")
        failed = failed or code != 0
    return outcomes
