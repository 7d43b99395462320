"""`invoke cost --compare-strategies`: the standing cost of one environment under each DR
strategy, side by side with the recovery time each buys (shared/strategy.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.config import settings_for
from shared.cost.book import PriceBook
from shared.cost.estimate import Estimate, estimate
from shared.plan.plan import Plan
from shared.strategy import STRATEGIES, strategy

PlanFor = Callable[[dict[str, Any]], Plan]


@dataclass(frozen=True)
class StrategyCosts:
    environment: str
    current: str  # the environment's own dr:strategy
    estimates: dict[str, Estimate]  # strategy -> estimate, in STRATEGIES order

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "strategy": self.current, "currency": "USD",
                "strategies": {name: {"monthly_total": round(result.total, 2),
                                      "by_layer": {k: round(v, 2) for k, v in result.by_layer().items()},
                                      "rto_expected": strategy(name).rto_expected,
                                      "rto_floor_minutes": strategy(name).rto_floor_minutes}
                               for name, result in self.estimates.items()}}


def compare_strategies(environment: str, overrides: dict[str, Any], plan_for: PlanFor,
                       book: PriceBook) -> StrategyCosts:
    """Plan the environment once per strategy (`overrides` plus dr:strategy) and price each."""
    current = settings_for(environment, overrides).strategy
    estimates = {}
    for name in STRATEGIES:
        plan = plan_for({**overrides, "dr:strategy": name})
        estimates[name] = estimate(environment, [(run.name, run.resources) for run in plan.runs], book)
    return StrategyCosts(environment, current, estimates)


def render_strategies(costs: StrategyCosts) -> str:
    names = list(costs.estimates)
    header = " | ".join(f"{name}{' (current)' if name == costs.current else ''}" for name in names)
    lines = [f"Standing cost per month of environment {costs.environment!r} under each DR strategy "
             "(USD, the price book's prices; usage not included)", "",
             f"| | {header} |", "|---|" + "---|" * len(names)]
    layers = list(costs.estimates[names[0]].by_layer())
    for layer in layers:
        cells = " | ".join(f"${costs.estimates[n].by_layer().get(layer, 0.0):,.2f}" for n in names)
        lines.append(f"| {layer} | {cells} |")
    totals = " | ".join(f"**${costs.estimates[n].total:,.2f}**" for n in names)
    lines.append(f"| **standing total per month** | {totals} |")
    rto = " | ".join(strategy(n).rto_expected for n in names)
    lines.append(f"| expected recovery time | {rto} |")
    return "\n".join(lines)
