"""What a change does to the monthly bill: the standing charges of two plans, like Infracost's
pull-request comment, from the same price book `invoke cost` uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.cost.book import PriceBook
from shared.cost.estimate import estimate


@dataclass(frozen=True)
class CostChange:
    before: float
    after: float
    by_layer: dict[str, tuple[float, float]]  # layer -> (before, after), only layers that changed
    book: PriceBook

    @property
    def delta(self) -> float:
        return self.after - self.before

    def _change(self, before: float, after: float) -> str:
        sign = "+" if after >= before else "-"
        percent = f", {sign}{abs(after - before) / before:.1%}" if before else ""
        return f"${before:,.2f} -> ${after:,.2f} ({sign}${abs(after - before):,.2f}{percent})"

    def line(self) -> str:
        """One line: the monthly standing cost before and after, and where the prices come from."""
        if round(self.delta, 2) == 0:
            return f"Monthly cost: unchanged at ${self.after:,.2f} (standing charges)"
        return f"Monthly cost: {self._change(self.before, self.after)} (standing charges)"

    def markdown(self) -> list[str]:
        lines = [f"**{self.line()}**"]
        if self.by_layer:
            lines += ["", "| Layer | Monthly cost |", "|---|---|"]
            lines += [f"| `{layer}` | {self._change(before, after)} |"
                      for layer, (before, after) in self.by_layer.items()]
        lines += ["", f"_On-demand {self.book.region} prices read {self.book.read} "
                      f"({self.book.hours_per_month:g} h a month); usage charges (requests, GB) not "
                      "included: `invoke cost` lists them._"]
        return lines


def cost_change(before: dict[str, Any], after: dict[str, Any], book: PriceBook) -> CostChange:
    """Two plan documents (`invoke plan --out` JSON) priced with one book."""
    def priced(document: dict[str, Any]) -> dict[str, float]:
        layers = [(layer["name"], layer["resources"]) for layer in document["layers"]]
        totals = estimate(document["environment"], layers, book).by_layer()
        return {layer["name"]: totals.get(layer["name"], 0.0) for layer in document["layers"]}

    old, new = priced(before), priced(after)
    changed = {name: (old.get(name, 0.0), new.get(name, 0.0)) for name in [*old, *new]
               if round(old.get(name, 0.0) - new.get(name, 0.0), 2) != 0}
    return CostChange(sum(old.values()), sum(new.values()), changed, book)
