"""`invoke check`: the table, the summary line, and the exit status."""

from __future__ import annotations

import subprocess
import sys

import pytest
from invoke import Context
from invoke.exceptions import Exit

import shared.plan.plan
from shared import ci_settings
from shared.cli.check import check, render
from shared.config import REPO_ROOT, settings_for
from shared.plan.plan import Plan
from shared.plan.runtime import LayerRun, StackOutputs
from shared.policy import RULES, evaluate
from tests.policy.records import DEV, bucket_set


def _plan_of(records: list[dict]) -> Plan:
    run = LayerRun("data", StackOutputs({}), records, [])
    return Plan("dev", settings_for("dev"), [run], 0.0)


def test_table_lists_each_violation_and_ends_with_the_summary() -> None:
    report = evaluate(bucket_set("dr-a", pab=False), DEV, RULES)
    lines = render(report).splitlines()
    assert lines[0].split() == ["rule", "resource", "verdict"]
    assert any(line.split()[:3] == ["s3-public-access-blocked", "dr-a", "FAIL"] for line in lines)
    assert any(line.split()[:2] == ["kms-key-rotation", "0"] and line.endswith("pass")
               for line in lines)
    assert lines[-1] == f"{len(RULES)} rules, 4 AWS resources, {len(report.findings)} violations"


def test_violations_make_the_task_exit_non_zero(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(shared.plan.plan, "build_plan",
                        lambda env, overrides, layers=None, *_, **__: _plan_of(bucket_set("dr-a", tls=False)))
    with pytest.raises(Exit) as raised:
        check(Context(), env="dev")
    assert raised.value.code == 1 and "guardrail violations" in str(raised.value.message)
    assert "s3-tls-only" in capsys.readouterr().out


def test_bad_override_is_a_one_line_error() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "check", "--set", "appPort=80"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: --set expects dr:<key>=<value>, got 'appPort=80'; "
                                     "'appPort' has no dr: prefix, write dr:appPort")


def test_a_layer_file_that_unprotects_prod_is_a_violation(stacks, capsys: pytest.CaptureFixture[str]) -> None:
    (stacks / "data" / "Pulumi.prod.yaml").write_text("config:\n  dr:protectData: false\n")
    with pytest.raises(Exit) as raised:  # prod as CI checks it, with its test certificates
        check(Context(), env="prod", set_=[f"{k}={v}" for k, v in ci_settings.overrides("prod").items()])
    assert raised.value.code == 1
    failed = [line.split()[:2] for line in capsys.readouterr().out.splitlines() if " FAIL " in line]
    assert ["deletion-protection", "data-db-primary"] in failed
    assert {rule for rule, _ in failed} <= {"deletion-protection", "data-retained", "final-snapshot"}
