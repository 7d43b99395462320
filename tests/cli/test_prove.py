"""invoke prove: the sandbox runbook's steps timed in order, destroy-all always last once anything
may be deployed, and --record's dated report (step times and costs, drill RTO/RPO, versions).

The steps are child processes like the real ones (the real ones need an AWS account): quick
Python commands that exit as a step would, and one that writes a drill report with the drill's
own writer, so the report is read back the way a real run's is."""

from __future__ import annotations

import json
import sys

import pytest
from invoke import Context
from invoke.exceptions import Exit

import shared.cli.proof
from shared.cli.common import EXIT_FAILED, EXIT_USAGE
from shared.cli.proof import prove
from shared.proof.run import DESTROY, LIVE_TESTS, PREFLIGHT, Step, default_steps, run_steps

DRILL = """
from shared.ops.drills.drill import DrillReport
from shared.ops.drills.user_probe import Outage
from shared.ops.engines.move import FailoverResult
from shared.ops.engines.state import StateStore, StepRecord
move = FailoverResult("dev", "failover", "planned", "us-east-1", "us-east-2",
                      [StepRecord("fence-writes", "done", 42.0)], None, None)
seen = {"failover": Outage("accelerator", "us-east-2", 0, 7.5, "moved"),
        "failback": Outage("accelerator", "us-east-1", 0, None, "not back")}
DrillReport("dev", "2026-12-04T10:00:00+00:00", outcome="passed", failover=move, failback=move,
            user_outage={"accelerator": seen, "api-us-east-1": {"failover": Outage("x", "y", 0, 9.0, "")}}
            ).write(StateStore().directory / "dev")  # where `invoke drill` writes its report
"""


def _exits(code: int) -> tuple[str, ...]:
    return (sys.executable, "-c", f"import sys; sys.exit({code})")


def _steps(codes: dict[str, int], drill: bool = False) -> list[Step]:
    steps = []
    for real in default_steps("dev"):
        argv = _exits(codes.get(real.name, 0))
        if drill and real.name == "planned drill":
            argv = (sys.executable, "-c", DRILL)
        steps.append(Step(real.name, argv, deployed=real.deployed))
    return steps


def _ran(outcomes) -> dict[str, int | None]:
    return {outcome.name: outcome.exit_code for outcome in outcomes}


def test_the_runbook_steps_in_order_with_the_real_commands():
    steps = default_steps("sandbox")
    assert [s.name for s in steps] == [PREFLIGHT, "deploy", LIVE_TESTS, "planned drill", "outage drill",
                                       DESTROY]
    assert steps[-1].argv[-4:] == ("destroy-all", "--env", "sandbox", "--yes")
    assert steps[2].env == {"DR_INTEGRATION": "1", "DR_ENV": "sandbox"}


def test_a_failed_step_skips_the_rest_but_still_destroys(tmp_path):
    outcomes = run_steps(_steps({LIVE_TESTS: 1}), tmp_path, echo=lambda _: None)
    assert _ran(outcomes) == {PREFLIGHT: 0, "deploy": 0, LIVE_TESTS: 1, "planned drill": None,
                              "outage drill": None, DESTROY: 0}


def test_failed_prerequisites_deploy_nothing_so_nothing_is_destroyed(tmp_path):
    outcomes = run_steps(_steps({PREFLIGHT: 2}), tmp_path, echo=lambda _: None)
    assert _ran(outcomes) == {PREFLIGHT: 2, "deploy": None, LIVE_TESTS: None, "planned drill": None,
                              "outage drill": None, DESTROY: None}


def test_prove_needs_env_and_yes():
    with pytest.raises(Exit) as stopped:
        prove(Context())
    assert stopped.value.code == EXIT_USAGE and "--env" in str(stopped.value.message)
    with pytest.raises(Exit) as stopped:
        prove(Context(), env="dev")
    assert stopped.value.code == EXIT_USAGE and "rerun with --yes" in str(stopped.value.message)


def test_record_writes_a_dated_report_with_times_costs_drill_results_and_versions(tmp_path, monkeypatch,
                                                                                  capsys):
    runs = tmp_path / "runs"  # DR_RUNS_DIR moves every run's files, the drills' and the proof's
    monkeypatch.setenv("DR_RUNS_DIR", str(runs))
    monkeypatch.setattr(shared.cli.proof, "STEPS", lambda env: _steps({}, drill=True))
    monkeypatch.setattr(shared.cli.proof, "ACCOUNT", lambda plan: [])  # tests/cli/test_prove_account.py
    prove(Context(), env="dev", record=True, yes=True)
    (markdown,) = (runs / "dev").glob("proof-*.md")
    data = json.loads(markdown.with_suffix(".json").read_text())
    started = data["started_at"]
    assert markdown.name == f"proof-{started[:10]}T{started[11:19].replace(':', '')}Z.md"
    assert data["passed"] and [s["exit_code"] for s in data["steps"]] == [0] * 6
    assert data["steps"][0]["standing_cost_usd"] == 0  # nothing deployed before the deploy step
    assert data["monthly_standing_usd"] > 100  # dev's standing charges from the price book
    (drill,) = data["drills"]
    assert (drill["kind"], drill["outcome"], drill["recovery_seconds"]) == ("planned", "passed", 42.0)
    # The worst entry point per move; one that never recovered is the worst of all.
    assert drill["worst_user_outage_seconds"] == {"failover": 9.0, "failback": None}
    assert set(data["versions"]) == {"commit", "python", "pulumi CLI", "pulumi", "pulumi-aws", "boto3"}
    text = markdown.read_text()
    assert text.startswith("# Sandbox proof of environment dev: PASSED")
    assert "| deploy | `" in text and "- Recovery time (failover): 42.0 s" in text and "## Versions" in text
    assert f"proof report: {markdown}" in capsys.readouterr().out


def test_a_failed_proof_exits_1_naming_the_step(tmp_path, monkeypatch):
    monkeypatch.setenv("DR_RUNS_DIR", str(tmp_path))
    monkeypatch.setattr(shared.cli.proof, "STEPS", lambda env: _steps({"deploy": 3}))
    monkeypatch.setattr(shared.cli.proof, "ACCOUNT", lambda plan: [])  # tests/cli/test_prove_account.py
    with pytest.raises(Exit) as stopped:
        prove(Context(), env="dev", yes=True)
    assert stopped.value.code == EXIT_FAILED
    assert str(stopped.value.message) == "error: the proof failed at deploy (exit 3); its output is above"
    assert list(tmp_path.glob("**/proof-*")) == []  # no --record, no report
