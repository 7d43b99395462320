"""rto-within-strategy: the objective is judged against what the chosen DR strategy delivers,
and `invoke check` states that range next to the objective."""

from __future__ import annotations

from dataclasses import replace

import pytest
from invoke import Context
from invoke.exceptions import Exit

import shared.plan.plan
from shared.cli.check import check
from shared.config import settings_for
from shared.plan.plan import Plan
from shared.plan.runtime import LayerRun, StackOutputs
from shared.policy import RULES, evaluate
from shared.strategy import STRATEGIES, strategy
from tests.policy.records import DEV, aurora, res

RULE = "rto-within-strategy"


def failures(name: str, objective: int | None) -> list[str]:
    context = replace(DEV, strategy=name, recovery_time_objective_minutes=objective)
    report = evaluate([], context, [r for r in RULES if r.id == RULE])
    return [finding.message for finding in report.findings]


@pytest.mark.parametrize("name", STRATEGIES)
def test_the_floor_passes_and_one_minute_less_fails(name):
    floor = strategy(name).rto_floor_minutes
    assert failures(name, floor) == []
    if floor > 1:
        [message] = failures(name, floor - 1)
        assert message.startswith(f"dr:recoveryTimeObjectiveMinutes {floor - 1} is tighter than {name}")
        assert "REL13-BP02" in message


def test_the_floors_follow_the_ladder():
    floors = [strategy(name).rto_floor_minutes for name in ("hot-standby", "warm-standby", "pilot-light")]
    assert floors == sorted(floors) and len(set(floors)) == 3


def test_no_objective_no_judgement():
    assert failures("pilot-light", None) == []


def test_a_headless_secondary_is_not_an_asymmetry_under_pilot_light():
    # The writer's instance in the primary, none in the secondary.
    records = [*aurora(), res("aws:rds/clusterInstance:ClusterInstance", "writer", DEV.primary_region)]
    symmetric = [r for r in RULES if r.id == "regions-symmetric"]
    assert evaluate(records, DEV, symmetric).findings
    assert not evaluate(records, replace(DEV, strategy="pilot-light"), symmetric).findings


def test_check_states_the_range_and_fails_a_tight_objective(monkeypatch, capsys):
    settings = settings_for("dev", {"dr:strategy": "pilot-light", "dr:recoveryTimeObjectiveMinutes": "5"})
    monkeypatch.setattr(shared.plan.plan, "build_plan", lambda env, overrides, *rest, **kwargs: Plan(
        "dev", settings, [LayerRun("data", StackOutputs({}), [], [])], 0.0))
    with pytest.raises(Exit) as raised:
        check(Context(), env="dev")
    out = capsys.readouterr().out
    assert raised.value.code == 1
    assert any(line.split()[:3] == [RULE, "(stack)", "FAIL"] for line in out.splitlines())
    assert ("DR strategy pilot-light: expected recovery time tens of minutes (at least 10 "
            "min;") in out and out.rstrip().endswith("dr:recoveryTimeObjectiveMinutes: 5")
