"""The whole system passes its guardrails, in a destroyable and in a protected environment."""

from __future__ import annotations

from shared.policy import RULES, Context, evaluate, records_from_plan


def _violations(plan) -> list[str]:  # type: ignore[no-untyped-def]
    report = evaluate(records_from_plan(plan.to_json()), Context.from_settings(plan.settings),
                      RULES)
    return [f"{f.rule.id} | {f.resource} | {f.message}" for f in report.findings]


def test_dev_plan_passes_every_guardrail(dev_plan) -> None:  # type: ignore[no-untyped-def]
    assert _violations(dev_plan) == []


def test_prod_plan_passes_every_guardrail(prod_plan) -> None:  # type: ignore[no-untyped-def]
    assert _violations(prod_plan) == []


def test_the_plan_records_what_the_rules_read(dev_plan) -> None:  # type: ignore[no-untyped-def]
    records = records_from_plan(dev_plan.to_json())
    stacks = [r for r in records if r["type"] == "pulumi:pulumi:Stack"]
    assert len(stacks) == len(dev_plan.runs) and all("outputs" in s for s in stacks)
    assert all(r["region"] for r in records if r["type"].startswith("aws:"))
