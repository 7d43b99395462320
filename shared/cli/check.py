"""`invoke check`: the guardrails of shared/policy over the offline plan of one environment."""

from __future__ import annotations

from invoke import Context

from shared.cli.common import (
    ENV_HELP,
    EXIT_FAILED,
    SET_HELP,
    fail,
    offline_plan,
    parse_overrides,
    read_env,
    task,
)
from shared.policy import RULES, Report, evaluate, records_from_plan
from shared.policy import Context as PolicyContext


def render(report: Report) -> str:
    """The table (rule | resource | verdict), then the one-line summary."""
    rows: list[tuple[str, str, str]] = []
    for rule in report.rules:
        found = report.findings_of(rule)
        for finding in found:
            rows.append((rule.id, finding.resource, f"FAIL {finding.message}"))
        if not found:
            judged = report.judged.get(rule.id, 0)
            rows.append((rule.id, f"{judged} checked" if rule.check else "whole plan", "pass"))
    width_rule = max(len("rule"), *(len(r[0]) for r in rows))
    width_resource = min(48, max(len("resource"), *(len(r[1]) for r in rows)))
    lines = [f"{'rule':<{width_rule}}  {'resource':<{width_resource}}  verdict"]
    lines.extend(f"{rule:<{width_rule}}  {resource:<{width_resource}}  {verdict}"
                 for rule, resource, verdict in rows)
    lines.append(f"{len(report.rules)} rules, {report.resource_count} AWS resources, "
                 f"{len(report.findings)} violations")
    return "\n".join(lines)


@task(iterable=["set_"], help={
    "env": ENV_HELP,
    "set_": SET_HELP,
})
def check(c: Context, env: str = "", set_: list[str] | None = None) -> None:
    """Apply the guardrails (security, reliability, AWS limits, safety, tags) to the offline plan."""
    overrides = parse_overrides(set_ or [])
    env = read_env(env)
    plan = offline_plan(env, overrides)
    report = evaluate(records_from_plan(plan.to_json()), PolicyContext.from_settings(plan.settings),
                      RULES)
    print(render(report))
    from shared.strategy import strategy
    print(strategy(plan.settings.strategy).describe(plan.settings.recovery_time_objective_minutes))
    if report.findings:
        raise fail(f"{len(report.findings)} guardrail violations in environment {env!r}", code=EXIT_FAILED)
