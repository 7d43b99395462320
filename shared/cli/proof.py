"""`invoke prove`: the sandbox proof of docs/sandbox-proof.md, timed, and with --record a dated
report a team can publish (step times and costs, drill RTO/RPO, versions)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import (
    EXIT_FAILED,
    REQUIRED_ENV_HELP,
    aws_clients,
    fail,
    offline_plan,
    require_env,
    task,
)
from shared.config import REPO_ROOT, runs_root
from shared.proof.run import Step, default_steps

if TYPE_CHECKING:  # both import Pulumi or boto3: not on every `invoke` start
    from shared.plan.plan import Plan
    from shared.proof.account import Finding


def _account(plan: Plan) -> list[Finding]:
    from shared.proof.account import account_findings, reserved_by_region

    resources = [resource for run in plan.runs for resource in run.resources]
    return account_findings(aws_clients(), plan.settings.regions, reserved_by_region(resources))


# The steps to run for an environment, and the account's checked prerequisites; tests hand in
# quick stand-ins for the real commands and emulated AWS.
STEPS: Callable[[str], list[Step]] = default_steps
ACCOUNT: Callable[[Plan], list[Finding]] = _account


@task(help={"env": REQUIRED_ENV_HELP + " (use a throw-away sandbox account)",
            "record": "write a dated report (Markdown and JSON) of the run under .runs/<env>/",
            "yes": "do not ask for confirmation (required without a terminal)"})
def prove(c: Context, env: str = "", record: bool = False, yes: bool = False) -> None:
    """Deploy, test, drill (planned and outage) and destroy one environment, timed (about 2-3 h)."""
    from shared.cost.book import load_price_book
    from shared.cost.estimate import estimate
    from shared.proof.record import ProofRecord, drill_results, versions
    from shared.proof.run import run_steps

    env = require_env(env, "prove")
    plan = offline_plan(env, {})  # also refuses an undeclared environment or bad settings
    book = load_price_book()
    monthly = estimate(env, [(run.name, run.resources) for run in plan.runs], book).total
    if not yes:
        raise fail(f"invoke prove deploys {env} (about ${monthly:,.2f} a month while it stands), drills it "
                   "and destroys it: rerun with --yes in a sandbox account")
    findings = ACCOUNT(plan)
    for finding in findings:
        print(finding.line)
    missing = sum(not finding.ok for finding in findings)
    if missing:
        raise fail(f"the account lacks {missing} prerequisite(s) listed above (docs/sandbox-proof.md); "
                   "nothing was deployed")
    started_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    since = time.time()
    outcomes = run_steps(STEPS(env), REPO_ROOT)
    runs = runs_root() / env  # where the drill steps (child processes) wrote their reports too
    proof = ProofRecord(env, started_at, outcomes, monthly, book.hours_per_month,
                        drill_results(runs, since) if runs.is_dir() else [], versions(REPO_ROOT))
    if record:
        markdown, data = proof.write(runs)
        print(f"proof report: {markdown} and {data}")
    if not proof.passed:
        failed = next(o for o in outcomes if o.exit_code not in (0, None))
        raise Exit(f"error: the proof failed at {failed.name} (exit {failed.exit_code}); its output is above",
                   code=EXIT_FAILED)
