"""A monthly estimate of an environment from its offline plan and the price book."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from shared.cost.book import PriceBook
from shared.cost.quantities import STANDING, USAGE_APPLIES, Context


@dataclass(frozen=True)
class Line:
    """One standing charge of one layer in one region, summed over its resources."""

    charge: str
    title: str
    layer: str
    region: str
    resources: int
    quantity: float
    unit: str
    price: float

    @property
    def monthly(self) -> float:
        return self.quantity * self.price


@dataclass(frozen=True)
class UsageLine:
    charge: str
    title: str
    price: float
    unit: str
    layers: tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    environment: str
    book: PriceBook
    standing: list[Line]
    usage: list[UsageLine]
    unpriced: list[str]  # resource types the price book does not classify

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.standing)

    def by_layer(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for line in self.standing:
            totals[line.layer] += line.monthly
        return dict(totals)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "currency": "USD", "region_prices": self.book.region,
            "prices_read": self.book.read, "hours_per_month": self.book.hours_per_month,
            "monthly_total": round(self.total, 2),
            "standing": [{**line.__dict__, "monthly": round(line.monthly, 2)} for line in self.standing],
            "usage": [{**line.__dict__, "layers": list(line.layers)} for line in self.usage],
            "unpriced_types": self.unpriced, "refreshed": self.book.refreshed,
        }


def estimate(environment: str, layers: list[tuple[str, list[dict[str, Any]]]], book: PriceBook) -> Estimate:
    """`layers`: (layer name, planned resources) in plan order."""
    # pulumi:* resources (stack references) are the engine's, not AWS's.
    custom = [(layer, r) for layer, resources in layers for r in resources
              if r["custom"] and not r["type"].startswith("pulumi:")]
    context = Context.of([r for _, r in custom], book.hours_per_month)
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    usage_layers: dict[str, set[str]] = defaultdict(set)
    unpriced: set[str] = set()
    for layer, resource in custom:
        entry = book.types.get(resource["type"])
        if entry is None:
            unpriced.add(resource["type"])
            continue
        for charge in entry.standing:
            quantity = STANDING[charge](resource, context)
            if quantity:
                total = sums[(charge, layer, resource["region"] or "-")]
                total[0] += 1
                total[1] += quantity
        for charge in entry.usage:
            if USAGE_APPLIES.get(charge, lambda _: True)(resource):
                usage_layers[charge].add(layer)
    free = {name: charge.free_units for name, charge in book.charges.items()}
    standing = []
    for (charge, layer, region), (count, quantity) in sums.items():
        # The account's free units come off the first lines of the charge, in plan order.
        waived = min(free[charge], quantity)
        free[charge] -= waived
        standing.append(Line(charge, book.charges[charge].title, layer, region, int(count),
                             quantity - waived, book.charges[charge].unit, book.charges[charge].price))
    regions = {str(r["region"]) for _, r in custom if r["region"] and r["region"] != "global"}
    usage = [UsageLine(name, book.charges[name].title, book.charges[name].price_between(regions),
                       book.charges[name].unit, tuple(sorted(usage_layers[name])))
             for name in sorted(usage_layers)]
    return Estimate(environment, book, standing, usage, sorted(unpriced))


def _usd(amount: float) -> str:
    return "$" + f"{amount:.10f}".rstrip("0").rstrip(".")


def render(result: Estimate) -> str:
    book = result.book
    lines = [f"Monthly estimate of environment {result.environment!r}: USD, on-demand, "
             f"{book.region} prices read {book.read}{' and refreshed live' if book.refreshed else ''}, "
             f"{book.hours_per_month:g} h a month",
             "", "Standing charges (billed while deployed, whatever the traffic):",
             f"  {'charge':<52} {'layer':<17} {'region':<10} {'quantity':>22} "
             f"{'unit price':>11} {'monthly':>9}"]
    for line in result.standing:
        quantity = f"{line.quantity:,.4g} {line.unit}"
        lines.append(f"  {line.title[:52]:<52} {line.layer:<17} {line.region:<10} {quantity:>22} "
                     f"{_usd(line.price):>11} {'$' + format(line.monthly, ',.2f'):>9}")
    lines.append("")
    for layer, amount in result.by_layer().items():
        lines.append(f"  {layer:<52} {'$' + format(amount, ',.2f'):>73}")
    lines.append(f"  {'total standing per month':<52} {'$' + format(result.total, ',.2f'):>73}")
    lines += ["", "Usage charges (per unit of traffic or data, not in the total):"]
    lines += [f"  {line.title:<78} {_usd(line.price)} per {line.unit}" for line in result.usage]
    lines += [f"  not priced: {token} (classify it in shared/cost/prices.yaml)" for token in result.unpriced]
    lines += [f"  live refresh: {charge}: {note}" for charge, note in sorted(book.refreshed.items())]
    return "\n".join(lines)
