"""The recovery time objective must be one the chosen DR strategy can deliver.

A protected environment may choose any strategy (a pilot light is a legitimate trade of money
for time), but an objective tighter than the strategy's floor (shared/strategy.py, from AWS's
published figures per strategy) is a promise the failover cannot keep: ARC would report every
execution as missing it, and the team would learn it on the bad day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from shared.policy.engine import Context, Record, Rule
from shared.strategy import strategy


def objective_within_strategy(records: Sequence[Record],
                              context: Context) -> Iterator[tuple[str | None, str]]:
    objective = context.recovery_time_objective_minutes
    if objective is None:
        return
    problem = strategy(context.strategy).objective_problem(objective)
    if problem:
        yield None, (f"{problem}; raise the objective or choose a faster dr:strategy "
                     f"(warm-standby, hot-standby)")


RULES = [
    Rule("rto-within-strategy", "dr:recoveryTimeObjectiveMinutes is one the chosen dr:strategy "
         "can deliver (AWS's expected recovery time per DR strategy)", "reliability", "high",
         check_stack=objective_within_strategy),
]
